"""The FRTB task on three demo days: every stored figure re-derived from the stored
inputs by the MAR33 formulas, RTPL = HPL for a desk of stocks, the RFET against the
bundled observations, reproduce, and the `riskcap frtb` CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcap.capital.frtb_ima import ES_CONFIDENCE
from riskcap.capital.rfet import rfet
from riskcap.cli import run
from riskcap.data.lake import Lake
from riskcap.data.samples import market_bundle
from riskcap.pipeline.runner import backfill
from riskcap.store.catalog import Catalog, FrtbDeskTest, FrtbResult, RiskFactorEligibility
from tests.pipeline.conftest import copy_world, settings_of

World = tuple[Path, list[dt.date], dict[dt.date, str]]


@pytest.fixture(scope="module")
def world(eod_base: tuple[Path, list[dt.date]], tmp_path_factory: pytest.TempPathFactory) -> World:
    base, days = eod_base
    target = copy_world(base, tmp_path_factory.mktemp("frtb") / "world")
    outcomes = backfill(settings_of(target), days)
    return target, days, {o.as_of: o.run_id for o in outcomes}


def _stored(world: World) -> tuple[pd.DataFrame, list[FrtbResult]]:
    directory, days, runs = world
    settings = settings_of(directory)
    results = Lake(settings.lake_path).read("results", filters=[("method", "=", "frtb_ima")])
    frame = results.to_pandas()
    with Catalog(settings.catalog_url) as cat:
        rows = cat.run_rows(FrtbResult, runs[days[-1]])
    return frame, rows


def test_stored_figures_follow_the_mar33_formulas(world: World) -> None:
    _, days, runs = world
    frame, rows = _stored(world)
    assert set(frame["run_id"]) == set(runs.values())
    assert (frame["horizon"] == 10).all() and (frame["confidence"] == ES_CONFIDENCE).all()
    last = frame.loc[frame["run_id"] == runs[days[-1]]]
    value = {(r.node, r.measure): r.value for r in last.itertuples()}
    classes = sorted({m.split(":")[1] for _, m in value if m.startswith("es:")})
    # the demo's book spans every risk class (FX, commodities and credit in the UK entity)
    assert classes == ["commodity", "credit_spread", "equity", "fx", "interest_rate"]
    for r in rows:
        n = r.node
        # MAR33.5: ES = ES_R,S · max(ES_F,C / ES_R,C, 1)
        ratio = max(value[(n, "es_fc")] / value[(n, "es_rc")], 1.0)
        assert value[(n, "es")] == pytest.approx(value[(n, "es_rs")] * ratio, rel=1e-14)
        assert r.explained == pytest.approx(value[(n, "es_rc")] / value[(n, "es_fc")], rel=1e-14)
        # MAR33.15: IMCC = 0.5 ES + 0.5 Σ ES_class
        by_class = sum(value[(n, f"es:{c}")] for c in classes)
        assert value[(n, "imcc")] == pytest.approx(0.5 * value[(n, "es")] + 0.5 * by_class)
        # MAR33.41 from the three days' stored IMCC and SES (the average over 3 days)
        series = frame.loc[frame["node"] == n].pivot(
            index="as_of", columns="measure", values="value"
        )
        assert len(series) == 3
        m = 1.5  # no exceptions in 2 days: green
        expected = max(
            series["imcc"].iloc[-1] + series["ses"].iloc[-1],
            m * series["imcc"].mean() + series["ses"].mean(),
        )
        assert r.capital == pytest.approx(expected, rel=1e-14)
        assert (r.multiplier, r.average_days) == (1.5, 3)
        assert r.stressed_start >= dt.date(2007, 1, 1)  # frtb.stressed_from
        assert r.detail["out_of_scope"] and r.detail["windows_searched"] > 3000
    # the demo's implied vols are outside the default reduced set: the option desk's
    # reduced set explains less than the whole of its ES
    deriv = next(r for r in rows if r.node == "desk:EQ-DERIV")
    assert deriv.explained < 1.0
    # every desk is eligible, so the IMA aggregate is the firm
    firm = next(r for r in rows if r.node == "firm:RISKCAP")
    ima = next(r for r in rows if r.node == "ima:RISKCAP")
    assert ima.capital == pytest.approx(firm.capital, rel=1e-12)
    assert len(ima.detail["eligible_desks"]) == 5


def test_rfet_matches_the_bundled_observations(world: World) -> None:
    directory, days, runs = world
    settings = settings_of(directory)
    observations = market_bundle(settings.demo.seed).observations
    with Catalog(settings.catalog_url) as cat:
        rows = cat.run_rows(RiskFactorEligibility, runs[days[-1]])
        desks = cat.run_rows(FrtbDeskTest, runs[days[-1]])
    assert rows
    for r in rows:
        own = observations.loc[observations["factor_id"] == r.factor_id, "date"]
        expected = rfet(list(own), days[-1])
        assert (r.observations, r.min_in_90_days, r.modellable) == (
            expected.observations,
            expected.min_in_90_days,
            expected.modellable,
        )
    nmrf = {r.factor_id for r in rows if not r.modellable}
    assert nmrf and all(f.startswith("VOL.") for f in nmrf)
    _, results = _stored(world)
    firm = next(r for r in results if r.node == "firm:RISKCAP")
    assert set(firm.detail["nmrf"]) == nmrf and firm.ses > 0
    # desks: two days of backtests (the first day has no previous VaR), no PLA zone yet
    assert sorted(d.node for d in desks) == [
        "desk:EQ-CASH",
        "desk:EQ-DERIV",
        "desk:FX",
        "desk:MACRO",
        "desk:RATES",
    ]
    assert all(d.backtest_observations == 2 and d.pla_zone == "n/a" and d.eligible for d in desks)


def test_risk_theoretical_pnl(world: World) -> None:
    directory, days, _ = world
    lake = Lake(settings_of(directory).lake_path)
    pla = lake.read("pnl_attribution").to_pandas()
    assert set(pla["as_of"]) == set(days[1:])
    # a desk of stocks has no time decay or vol shape: the model's P&L is the front
    # office's (x·exp(ln(x₁/x)) − x = x₁ − x up to rounding)
    cash = pla.loc[pla["node"] == "desk:EQ-CASH"]
    np.testing.assert_allclose(cash["risk_theoretical"], cash["hypothetical"], rtol=1e-9)
    # the option desk's RTPL misses the day's time decay: they differ
    deriv = pla.loc[pla["node"] == "desk:EQ-DERIV"]
    assert (np.abs(deriv["risk_theoretical"] - deriv["hypothetical"]) > 1.0).all()
    # HPL is the backtest's hypothetical P&L
    bt = lake.read("backtest", filters=[("pnl_type", "=", "hypothetical")]).to_pandas()
    merged = pla.merge(bt, on=["as_of", "node"])
    np.testing.assert_array_equal(merged["hypothetical"], merged["pnl"])


def test_frtb_cli(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    directory, days, runs = world
    config = str(directory / "riskcap.toml")
    assert run(["frtb", "--as-of", str(days[-1]), "-c", config, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["run_id"] == runs[days[-1]] and doc["regime"] == "frtb_ima"
    assert [r["node"] for r in doc["results"]][:2] == ["firm:RISKCAP", "desk:EQ-CASH"]
    assert doc["results"][-1]["node"] == "ima:RISKCAP"
    assert any("default risk charge" in x for x in doc["out_of_scope"])
    assert run(["frtb", "--as-of", str(days[-1]), "-c", config]) == 0
    text = capsys.readouterr().out
    assert "IMCC" in text and "desk eligibility" in text and "non-modellable" in text
    assert run(["frtb", "--as-of", "2022-01-03", "-c", config]) == 10
    assert "no succeeded EOD run" in capsys.readouterr().err
