"""The regulatory tasks on three demo days: backtest P&L against independent marks,
stressed VaR, Basel 2.5 capital by hand, stress losses, reproduce, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete

from riskcap.cli import run
from riskcap.config import Settings
from riskcap.data.lake import Lake
from riskcap.data.samples import market_bundle
from riskcap.engine.local import revalue
from riskcap.inputs.demo_book import ModelMarker, market_values
from riskcap.inputs.risk_inputs import load_risk_inputs
from riskcap.market.scenarios import fixed_window_shocks
from riskcap.pipeline.history import COPIES, prior_rows
from riskcap.pipeline.reproduce import reproduce_run
from riskcap.pipeline.runner import backfill
from riskcap.risk.backtest import traffic_light
from riskcap.risk.measures import value_at_risk
from riskcap.store.catalog import (
    BacktestException,
    CapitalResult,
    Catalog,
    StressedPeriod,
    StressResult,
)
from tests.pipeline.conftest import copy_world, settings_of

FIRM = "firm:RISKCAP"


@pytest.fixture(scope="module")
def world(
    eod_base: tuple[Path, list[dt.date]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[dt.date], dict[dt.date, str]]:
    base, days = eod_base
    target = copy_world(base, tmp_path_factory.mktemp("regulatory") / "world")
    outcomes = backfill(settings_of(target), days)
    return target, days, {o.as_of: o.run_id for o in outcomes}


@pytest.fixture(scope="module")
def marker(eod_base: tuple[Path, list[dt.date]]) -> ModelMarker:
    return ModelMarker(market_bundle(settings_of(eod_base[0]).demo.seed))


def _lake(directory: Path) -> tuple[Settings, Lake]:
    settings = settings_of(directory)
    return settings, Lake(settings.lake_path)


def test_backtest_pnl_equals_independent_marks(
    world: tuple[Path, list[dt.date], dict[dt.date, str]], marker: ModelMarker
) -> None:
    directory, days, runs = world
    _, lake = _lake(directory)
    instruments = lake.read("instruments").to_pandas()
    books = lake.read("books").to_pandas()
    prev, day = days[0], days[1]
    held = lake.read("positions", filters=[("as_of", "=", prev)]).to_pandas()

    # independent twin: the demo's model marks (pricing functions called one by one)
    def value(frame: pd.DataFrame, on: dt.date) -> pd.Series:
        mv = market_values(marker, frame, instruments, on).merge(books, on="book_id")
        return mv.groupby("desk")["market_value"].sum()

    hypothetical = value(held, day) - value(held, prev)
    trades = lake.read("trades", filters=[("trade_date", "=", day)]).to_pandas()
    trades = trades.rename(columns={"price": "trade_price"})
    assert not trades.empty
    marked = market_values(marker, trades, instruments, day).merge(books, on="book_id")
    mult = marked["instrument_id"].map(instruments.set_index("instrument_id")["multiplier"])
    paid = marked["quantity"] * mult * marked["trade_price"] * marked["fx"]  # in USD
    marked["trade_pnl"] = marked["market_value"] - paid
    actual = hypothetical.add(marked.groupby("desk")["trade_pnl"].sum(), fill_value=0.0)

    obs = lake.read(
        "backtest", filters=[("run_id", "=", runs[day]), ("method", "=", "hs")]
    ).to_pandas()
    obs = obs.loc[obs["confidence"] == 0.99]
    for pnl_type, expected in (("hypothetical", hypothetical), ("actual", actual)):
        mine = obs.loc[obs["pnl_type"] == pnl_type].set_index("node")["pnl"]
        for desk, v in expected.items():
            assert mine[f"desk:{desk}"] == pytest.approx(v, rel=1e-9, abs=1e-4)
        assert mine[FIRM] == pytest.approx(expected.sum(), rel=1e-9, abs=1e-4)

    # compared with the previous run's 1-day 99 % HS VaR; exceptions = loss beyond it
    with Catalog(settings_of(directory).catalog_url) as cat:
        var = {
            r.node: r.value
            for r in cat.results(runs[prev])
            if (r.method, r.measure, r.horizon, r.confidence) == ("hs", "var", 1, 0.99)
        }
        stored = cat.run_rows(BacktestException, runs[day])
    assert (obs["var_run_id"] == runs[prev]).all()
    for r in obs.itertuples():
        assert r.var == var[r.node] and r.exception == (r.pnl < -r.var)
    all_obs = lake.read("backtest", filters=[("run_id", "=", runs[day])]).to_pandas()
    assert len(stored) == int(all_obs["exception"].sum())
    first = lake.read("backtest", filters=[("run_id", "=", runs[days[0]])])
    assert first.num_rows == 0  # the first day has no previous run to test against


def test_stressed_var_is_the_worst_window_of_the_history(
    world: tuple[Path, list[dt.date], dict[dt.date, str]],
) -> None:
    directory, days, runs = world
    settings, lake = _lake(directory)
    day = days[-1]
    with Catalog(settings.catalog_url) as cat:
        (period,) = cat.run_rows(StressedPeriod, runs[day])
        figs = {
            (r.node, r.method, r.horizon, r.confidence, r.measure): r.value
            for r in cat.results(runs[day])
        }
    inputs = load_risk_inputs(lake, day, None)
    assert period.windows_searched == len(inputs.dates) - 250
    # recompute the chosen window's VaR from its dates
    i = inputs.dates.index(period.start)
    assert inputs.dates[i + 250] == period.end
    shocks = fixed_window_shocks(inputs.levels[i : i + 251], inputs.factors.is_log, horizon=10)
    pnl = revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, memory_gb=2.0)
    assert float(value_at_risk(pnl[0], 0.99)) == period.var
    assert figs[(FIRM, "stressed_hs", 10, 0.99, "var")] == period.var
    for node in inputs.hierarchy.nodes:
        assert figs[(node, "stressed_hs", 10, 0.99, "var")] == pytest.approx(
            float(value_at_risk(pnl[inputs.hierarchy.index(node)], 0.99)), rel=1e-12
        )
    # today's window is one of those searched, so sVaR ≥ the 10-day HS VaR (same book)
    assert period.var >= figs[(FIRM, "hs", 10, 0.99, "var")]


def test_capital_is_the_basel_formula(
    world: tuple[Path, list[dt.date], dict[dt.date, str]],
) -> None:
    directory, days, runs = world
    settings, lake = _lake(directory)
    day = days[-1]
    with Catalog(settings.catalog_url) as cat:
        rows = {r.node: r for r in cat.run_rows(CapitalResult, runs[day])}
        results = [r for d in days for r in cat.results(runs[d])]
    obs = lake.read(
        "backtest",
        filters=[("node", "=", FIRM), ("method", "=", "hs"), ("confidence", "=", 0.99)],
    ).to_pandas()
    hits = {
        t: int(obs.loc[obs["pnl_type"] == t, "exception"].sum()) for t in ("actual", "hypothetical")
    }
    x = max(hits.values())
    assert rows[FIRM].observations == 2 and rows[FIRM].exceptions == x
    plus = traffic_light(x, 2, 0.99).plus_factor  # the table itself: tests/risk
    assert x > 0 or plus == 0.0
    assert rows[FIRM].multiplier == 3.0 + plus
    assert {r.node.split(":")[0] for r in rows.values()} == {"firm", "entity", "desk", "book"}
    for node, row in rows.items():
        var = [
            r.value
            for r in results
            if (r.node, r.method, r.measure, r.horizon, r.confidence)
            == (node, "hs", "var", 10, 0.99)
        ]
        svar = [
            r.value
            for r in results
            if (r.node, r.method, r.measure, r.horizon, r.confidence)
            == (node, "stressed_hs", "var", 10, 0.99)
        ]
        assert len(var) == len(svar) == 3 == row.var_days
        m = 3.0 + plus
        expected = max(var[-1], m * sum(var) / 3) + max(svar[-1], m * sum(svar) / 3)
        assert row.capital == pytest.approx(expected, rel=1e-14)
        assert row.var_latest == var[-1] and row.svar_latest == svar[-1]


def test_stress_losses(
    world: tuple[Path, list[dt.date], dict[dt.date, str]], marker: ModelMarker
) -> None:
    directory, days, runs = world
    settings, lake = _lake(directory)
    day = days[-1]
    with Catalog(settings.catalog_url) as cat:
        rows = cat.run_rows(StressResult, runs[day])
        firm_var = next(
            r.value
            for r in cat.results(runs[day])
            if (r.node, r.method, r.measure, r.horizon, r.confidence)
            == (FIRM, "hs", "var", 10, 0.99)
        )
    pnl = {(r.scenario, r.node): r.pnl for r in rows}
    assert {r.scenario for r in rows} == {
        "ltcm_1998",
        "sept11_2001",
        "lehman_2008",
        "covid_2020",
        "equity_minus_30",
        "vol_times_1_5",
        "rates_plus_200bp",
        "steepener_2s10s",
        "reporting_currency_plus_10",
        "credit_spreads_plus_100bp",
        "commodities_minus_30",
        "reverse_3x_var",
    }
    # reverse stress: the move found loses exactly 3 × the firm's 10-day 99 % VaR
    assert -pnl[("reverse_3x_var", FIRM)] == pytest.approx(3 * firm_var, rel=1e-8)
    (reverse,) = {r.detail["mahalanobis"] for r in rows if r.scenario == "reverse_3x_var"}
    assert reverse > 0
    # desk EQ-CASH holds cash equities only: −30 % → −0.3 × its market value; COVID →
    # Σ value × (S(2020-03-23)/S(2020-02-19) − 1) from the bundled closes
    instruments = lake.read("instruments").to_pandas()
    books = lake.read("books").to_pandas()
    held = lake.read("positions", filters=[("as_of", "=", day)]).to_pandas()
    mv = market_values(marker, held, instruments, day).merge(books, on="book_id")
    cash = mv.loc[mv["desk"] == "EQ-CASH"]
    assert pnl[("equity_minus_30", "desk:EQ-CASH")] == pytest.approx(
        -0.3 * cash["market_value"].sum(), rel=1e-12
    )
    under = cash["instrument_id"].map(instruments.set_index("instrument_id")["underlying"])
    prices = marker.prices
    move = prices.loc["2020-03-23"] / prices.loc["2020-02-19"] - 1.0
    expected = float((cash["market_value"] * under.map(move)).sum())
    assert pnl[("covid_2020", "desk:EQ-CASH")] == pytest.approx(expected, rel=1e-10)
    assert pnl[("rates_plus_200bp", "desk:EQ-CASH")] == pytest.approx(0.0, abs=1e-6)
    # USD shares do not move with FX; the FX desk does: its forwards lose what the
    # foreign legs lose when every FX rate is 10 % lower
    assert pnl[("reporting_currency_plus_10", "desk:EQ-CASH")] == 0.0
    assert pnl[("reporting_currency_plus_10", "desk:FX")] != 0.0


def test_reproduce_reads_the_same_history(
    world: tuple[Path, list[dt.date], dict[dt.date, str]], tmp_path: Path
) -> None:
    directory, days, runs = world
    rep = reproduce_run(settings_of(directory), runs[days[-1]], tmp_path / "scratch")
    assert rep.identical, [o for o in rep.outputs if not o.identical]
    assert rep.recorded_key == rep.reproduced_key
    assert {o.name for o in rep.outputs} >= {"backtest", "stressed_var", "capital", "stress"}


def test_history_reads_the_catalog_copy_or_the_lake_alike(
    world: tuple[Path, list[dt.date], dict[dt.date, str]], tmp_path: Path
) -> None:
    """The catalog's copies of ``results``, ``backtest`` and ``pnl_attribution`` give
    exactly the lake's rows; a run without copies (written before they existed) is read
    from the lake, mixed with copied runs, to the same frame."""
    directory, days, runs = world
    scratch = copy_world(directory, tmp_path / "world")
    settings, lake = _lake(scratch)
    prior = {d: runs[d] for d in days}
    filters: dict[str, list[tuple[str, str, object]]] = {
        "results": [("measure", "=", "var"), ("method", "in", ["hs", "stressed_hs"])],
        "backtest": [("method", "=", "hs"), ("confidence", "=", 0.99)],
        "pnl_attribution": [],
    }
    with Catalog(settings.catalog_url) as cat:
        for table, where in filters.items():
            from_lake = prior_rows(lake, None, table, prior, where)
            assert not from_lake.empty, table
            pd.testing.assert_frame_equal(prior_rows(lake, cat, table, prior, where), from_lake)
        with cat.session() as s:  # the last day's copies gone: that run comes from the lake
            for model in COPIES.values():
                s.execute(delete(model).where(model.run_id == runs[days[-1]]))
        for table, where in filters.items():
            pd.testing.assert_frame_equal(
                prior_rows(lake, cat, table, prior, where),
                prior_rows(lake, None, table, prior, where),
            )


def _json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(capsys.readouterr().out)


def test_cli(
    world: tuple[Path, list[dt.date], dict[dt.date, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    directory, days, runs = world
    cfg = str(directory / "riskcap.toml")
    span = ["--from", str(days[0]), "--to", str(days[-1]), "-c", cfg]
    assert run(["backtest", "--node", FIRM, *span, "--json"]) == 0
    doc = _json(capsys)
    stats = doc["statistics"]["actual"]
    assert stats["observations"] == 2 and stats["zone_observations"] == 2
    assert run(["backtest", "--node", "desk:RATES", *span]) == 0
    out = capsys.readouterr().out
    assert "Kupiec" in out and "traffic light" in out
    assert run(["backtest", "--node", "desk:NOPE", *span]) == 10
    assert "no backtest observations for node 'desk:NOPE'" in capsys.readouterr().err

    assert run(["capital", "--as-of", str(days[-1]), "-c", cfg, "--json"]) == 0
    cap = _json(capsys)
    with Catalog(settings_of(directory).catalog_url) as cat:
        stored = {r.node: r.capital for r in cat.run_rows(CapitalResult, runs[days[-1]])}
    assert {r["node"]: r["capital"] for r in cap["rows"]} == {
        n: v for n, v in stored.items() if n.split(":")[0] in ("firm", "desk")
    }
    assert cap["out_of_scope"] and cap["stressed_period"]["start"]
    assert run(["capital", "--as-of", str(days[-1]), "-c", cfg]) == 0
    assert "out of scope" in capsys.readouterr().out
    assert run(["capital", "--as-of", "2022-12-26", "-c", cfg]) == 10

    args = ["stress", "--as-of", str(days[-1]), "-c", cfg, "--json"]
    assert run([*args, "--scenario", "equity_minus_30", "--scenario", "covid_2020"]) == 0
    doc = _json(capsys)
    with Catalog(settings_of(directory).catalog_url) as cat:
        rows = {(r.scenario, r.node): r.pnl for r in cat.run_rows(StressResult, runs[days[-1]])}
    assert [s["name"] for s in doc["scenarios"]] == ["covid_2020", "equity_minus_30"]
    for s in doc["scenarios"]:
        for node, loss in s["loss"].items():
            assert loss == pytest.approx(-rows[(s["name"], node)], rel=1e-12, abs=1e-6)
    assert run([*args, "--scenario", "reverse", "--reverse-loss", "5e6"]) == 0
    doc = _json(capsys)
    names = [s["name"] for s in doc["scenarios"]]
    assert names == ["reverse_3x_var", "reverse_loss_5000000"]
    assert doc["scenarios"][1]["loss"][FIRM] == pytest.approx(5e6, rel=1e-8)
    assert run([*args, "--scenario", "nope"]) == 1
    assert "no stress scenario named nope" in capsys.readouterr().err
    assert np.isfinite(doc["scenarios"][0]["detail"]["mahalanobis"])
