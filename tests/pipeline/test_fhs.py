"""Filtered historical simulation as a scenario set of the EOD (issue 22, B).

The FHS figures of a run are recomputed outside the pipeline: the factor history's
daily returns by NumPy (log returns of log factors, differences of the others), the
GARCH-t fit of market/volatility.py (itself checked against the ``arch`` package in
tests/market/test_volatility.py), the look-back's standardised returns rescaled to the
forecast (Barone-Adesi, Giannopoulos and Vosper 1999), the book revalued by the
engine, VaR and ES by a NumPy sort (DESIGN.md §3).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from riskcap.cli import run
from riskcap.config import load_settings
from riskcap.data.lake import Lake
from riskcap.engine.local import revalue
from riskcap.inputs.risk_inputs import load_risk_inputs
from riskcap.market.volatility import (
    Innovation,
    VolModel,
    filtered_history_shocks,
    filtered_scenarios,
    fit,
    fitted_or_ewma,
)
from riskcap.pipeline.fingerprint import config_hash
from riskcap.pipeline.runner import run_eod
from riskcap.store.catalog import Catalog, Result
from tests.pipeline.conftest import copy_world, demo_config, settings_of

FIT_DAYS = 600


@pytest.fixture(scope="module")
def world(
    eod_base: tuple[Path, list[dt.date]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dt.date, str]:
    base, days = eod_base
    target = copy_world(base, tmp_path_factory.mktemp("fhs") / "world")
    (target / "riskcap.toml").write_text(
        demo_config(
            pipeline={"fhs_horizons": [1, 10], "mc_horizons": []},
            risk={"mc_scenarios": 2000, "fhs_fit_days": FIT_DAYS},
        )
    )
    outcome = run_eod(settings_of(target), days[-1])
    return target, days[-1], outcome.run_id


def test_fhs_figures_equal_an_independent_recomputation(
    world: tuple[Path, dt.date, str],
) -> None:
    directory, day, run_id = world
    settings = settings_of(directory)
    with Catalog(settings.catalog_url) as catalog:
        rows = [r for r in catalog.run_rows(Result, run_id) if r.method == "fhs"]
        detail = next(t.detail for t in catalog.tasks(run_id) if t.name == "scenarios")
    assert {r.horizon for r in rows} == {1, 10}
    fhs = detail["fhs"]["fhs_1d"]
    assert (fhs["model"], fhs["innovation"], fhs["fit_days"]) == ("garch", "t", FIT_DAYS)
    assert isinstance(fhs["fallback_to_ewma"], list)  # recorded, whether empty or not
    lookback = settings.risk.lookback
    assert detail["scenarios"]["fhs_1d"] == lookback
    assert detail["scenarios"]["fhs_10d"] == lookback - 9

    inputs = load_risk_inputs(Lake(settings.lake_path), day, None)
    levels = np.asarray(inputs.levels)[-(FIT_DAYS + 1) :]
    is_log = np.asarray(inputs.factors.is_log)
    daily = np.where(is_log, np.log(levels[1:] / levels[:-1]), levels[1:] - levels[:-1])
    fitted, bad = fitted_or_ewma(fit(daily, VolModel.GARCH, Innovation.STUDENT_T), daily)
    assert sorted(inputs.factors.ids[i] for i in bad) == sorted(fhs["fallback_to_ewma"])
    one_day = filtered_scenarios(daily, fitted.sigma, fitted.forecast)[-lookback:]
    ten_day = np.array([one_day[i : i + 10].sum(axis=0) for i in range(lookback - 9)])
    for horizon, shocks in ((1, one_day), (10, ten_day)):
        pnl = revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, memory_gb=1.0)
        for conf in settings.pipeline.confidences:
            k = max(1, math.ceil(round((1 - conf) * shocks.shape[0], 9)))
            tail = np.sort(pnl, axis=1)[:, :k]
            want = {"var": -tail[:, -1], "es": -tail.mean(axis=1)}
            for r in rows:
                if r.horizon == horizon and r.confidence == conf:
                    i = inputs.hierarchy.index(r.node)
                    assert r.value == pytest.approx(want[r.measure][i], rel=1e-9, abs=1e-6), r


def test_fhs_scales_to_todays_volatility() -> None:
    """A series whose volatility doubled at the end: FHS shocks are larger than the
    plain historical ones by about the ratio of today's to the window's volatility; a
    constant factor's fit does not converge, falls back to EWMA and moves by zero."""
    rng = np.random.default_rng(3)
    calm = rng.standard_normal((900, 2)) * 0.01
    wild = rng.standard_normal((100, 2)) * 0.02
    r = np.concatenate([calm, wild])
    r = np.column_stack([r, np.zeros(len(r))])
    out = filtered_history_shocks(
        r, lookback=250, model=VolModel.GARCH, innovation=Innovation.NORMAL
    )
    assert out.shocks.shape == (250, 3) and np.all(np.isfinite(out.shocks))
    assert list(out.fallback) == [2] and np.all(out.shocks[:, 2] == 0)
    ratio = out.shocks[:, :2].std(axis=0) / r[-250:, :2].std(axis=0)
    assert np.all(ratio > 1.1)  # today's volatility is above the window's average
    ten = filtered_history_shocks(r, lookback=250, horizon=10, innovation=Innovation.NORMAL)
    np.testing.assert_allclose(ten.shocks[0], out.shocks[:10].sum(axis=0), rtol=1e-12)
    root = filtered_history_shocks(
        r, lookback=250, horizon=10, sqrt_time=True, innovation=Innovation.NORMAL
    )
    np.testing.assert_allclose(root.shocks, out.shocks * math.sqrt(10), rtol=1e-12)


def test_fhs_keys_change_run_keys_only_when_fhs_runs(tmp_path: Path) -> None:
    config = tmp_path / "riskcap.toml"
    hashes = {}
    for name, text in {
        "plain": "",
        "plain_other_model": "[risk]\nfhs_model = 'gjr'\n",
        "fhs": "[pipeline]\nfhs_horizons = [1]\n",
        "fhs_other_model": "[pipeline]\nfhs_horizons = [1]\n[risk]\nfhs_model = 'gjr'\n",
    }.items():
        config.write_text(text)
        hashes[name] = config_hash(load_settings(config))
    assert hashes["plain"] == hashes["plain_other_model"]  # earlier runs keep their keys
    assert len({hashes["plain"], hashes["fhs"], hashes["fhs_other_model"]}) == 3


def test_var_command_with_fhs(
    world: tuple[Path, dt.date, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory, day, _ = world
    monkeypatch.chdir(directory)
    assert run(["var", "--as-of", day.isoformat(), "--method", "fhs", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    text = json.dumps(doc)
    assert "fhs garch" in text
