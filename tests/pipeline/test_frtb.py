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


# -- the standardised approach (issue 20): the frtb_sa task, sensitivities, CLI -------------------


def _sa_stored(world: World) -> dict[tuple[str, str], float]:
    directory, days, runs = world
    results = Lake(settings_of(directory).lake_path).read(
        "results", filters=[("method", "=", "frtb_sa"), ("run_id", "=", runs[days[-1]])]
    )
    return {(r["node"], r["measure"]): r["value"] for r in results.to_pylist()}


def test_sa_per_node_with_scenarios_drc_rrao_and_the_capital(world: World) -> None:
    directory, days, runs = world
    sa = _sa_stored(world)
    nodes = {n for n, _ in sa}
    assert {"firm:RISKCAP", "desk:RATES", "desk:EQ-DERIV", "book:RTS-GOVT"} <= nodes
    for n in nodes:
        sbm = [sa[(n, f"sbm:{sc}")] for sc in ("high", "medium", "low")]
        assert sa[(n, "sbm")] == max(sbm)  # MAR21.7
        assert sa[(n, "sa")] == pytest.approx(sa[(n, "sbm")] + sa[(n, "drc")] + sa[(n, "rrao")])
        for sc in ("high", "medium", "low"):
            parts = [v for (m, k), v in sa.items() if m == n and k.endswith(":" + sc)]
            assert sa[(n, f"sbm:{sc}")] == pytest.approx(sum(parts) - sa[(n, f"sbm:{sc}")])
    firm = "firm:RISKCAP"
    # every risk class of the demo's book: rates, credit, equity (vega too), commodity, FX
    for part in ("girr:delta", "csr_ns:delta", "eq:delta", "eq:vega", "comm:delta", "fx:delta"):
        assert sa[(firm, f"{part}:medium")] > 0
    assert sa[(firm, "drc")] > 0 and sa[(firm, "rrao")] == 0.0  # no residual risk flagged
    # MAR33.43 from the stored parts and the IMA's C_A of the same run
    with Catalog(settings_of(directory).catalog_url) as cat:
        ima = {r.node: r for r in cat.run_rows(FrtbResult, runs[days[-1]])}
    acr = {k.removeprefix("acr:"): v for (n, k), v in sa.items() if n == firm and "acr:" in k}
    assert acr["c_a"] == ima["ima:RISKCAP"].capital
    ima_ga = acr["c_a"] + acr["drc_ga"]
    expected = min(ima_ga + acr["surcharge"] + acr["c_u"], acr["sa_all"]) + max(
        0.0, ima_ga - acr["sa_ga"]
    )
    assert acr["total"] == pytest.approx(expected, rel=1e-14)
    assert acr["sa_all"] == sa[(firm, "sa")]


def test_sa_sensitivities_match_bump_and_reprice(world: World) -> None:
    """Autodiff deltas mapped to FRTB factors against central differences of the whole
    book (MAR21.19–21.24: 1 bp / 1 % bumps), curvature against its definition."""
    import jax.numpy as jnp

    from riskcap.engine.frtb_sa import sa_rows
    from riskcap.inputs.risk_inputs import load_risk_inputs
    from riskcap.pricing.book import position_values

    directory, days, _ = world
    lake = Lake(settings_of(directory).lake_path)
    inputs = load_risk_inputs(lake, days[-1], 1)
    rows = sa_rows(inputs, lake.read("instruments").to_pandas()).rows
    ids, x0 = inputs.factors.ids, np.asarray(inputs.market.x0)[: len(inputs.factors.ids)]

    def book_value(x: np.ndarray) -> float:
        return float(np.sum(np.asarray(position_values(inputs.book, jnp.asarray(x)))))

    def bumped(select: list[int], h: float, relative: bool) -> float:
        up, dn = x0.copy(), x0.copy()
        for i in select:
            step = h * x0[i] if relative else h
            up[i] += step
            dn[i] -= step
        return (book_value(up) - book_value(dn)) / (2 * h)

    def total(risk_type: str, qualifier: str) -> float:
        at = (rows.risk_type == risk_type) & (rows.qualifier == qualifier)
        return float(rows.amount[at].sum())

    usd = [i for i, f in enumerate(ids) if f.startswith("IR.USD.")]
    assert total("GIRR_DELTA", "USD") == pytest.approx(bumped(usd, 1e-5, False), rel=1e-6)
    aapl = [ids.index("EQ.AAPL")]
    assert total("EQ_DELTA", "EQ.AAPL") == pytest.approx(bumped(aapl, 1e-5, True), rel=1e-6)
    eur = [ids.index("FX.EURUSD")]
    assert total("FX_DELTA", "EUR") == pytest.approx(bumped(eur, 1e-5, True), rel=1e-6)
    spread = [i for i, t in enumerate(inputs.factor_types) if t == "credit_spread"]
    name = ids[spread[0]].split(".")[1]
    own = [i for i in spread if ids[i].split(".")[1] == name]
    assert total("CSR_NS_DELTA", name) == pytest.approx(bumped(own, 1e-5, False), rel=1e-6)
    vols = [i for i, f in enumerate(ids) if f == "VOL.AAPL" or f.startswith("VOL.AAPL.")]
    assert total("EQ_VEGA", "EQ.AAPL") == pytest.approx(bumped(vols, 1e-5, True), rel=1e-6)
    # curvature of AAPL (bucket 8, RW 50 %): −(V(1.5 S) − V(S) − 0.5·S·∂V/∂S) over options
    opts = inputs.positions["instrument_type"].str.endswith("option").to_numpy()

    def option_value(x: np.ndarray) -> float:
        return float(np.asarray(position_values(inputs.book, jnp.asarray(x)))[opts].sum())

    up = x0.copy()
    up[aapl[0]] *= 1.5
    h = 1e-4
    hi, lo = x0.copy(), x0.copy()
    hi[aapl[0]] *= 1 + h
    lo[aapl[0]] *= 1 - h
    delta = (option_value(hi) - option_value(lo)) / (2 * h)
    cvr = -(option_value(up) - option_value(x0) - 0.5 * delta)
    at = (rows.risk_type == "EQ_CURV") & (rows.qualifier == "EQ.AAPL") & (rows.label1 == "UP")
    assert float(rows.amount[at].sum()) == pytest.approx(cvr, rel=1e-6)


def test_frtb_sa_cli_and_crif_round_trip(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory, days, _ = world
    cfg = str(directory / "riskcap.toml")
    day = str(days[-1])
    assert run(["frtb", "--as-of", day, "--approach", "both", "-c", cfg, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    sa = _sa_stored(world)
    firm = next(r for r in doc["sa"]["results"] if r["node"] == "firm:RISKCAP")
    assert firm["measures"]["sa"] == sa[("firm:RISKCAP", "sa")]
    assert doc["ima"]["results"] and doc["sa"]["acr"]["total"] > 0
    assert run(["frtb", "--as-of", day, "--approach", "both", "-c", cfg]) == 0
    out = capsys.readouterr().out
    assert "IMA and SA side by side" in out and "market-risk capital (MAR33.43)" in out
    crif = tmp_path / "book.csv"
    assert run(["greeks", "--as-of", day, "-c", cfg, "--crif", str(crif)]) == 0
    assert "CRIF rows" in capsys.readouterr().out
    assert run(["frtb-sa", "--crif", str(crif), "-c", cfg, "--json"]) == 0
    from_crif = json.loads(capsys.readouterr().out)["results"][0]["measures"]
    assert from_crif["sa"] == pytest.approx(sa[("firm:RISKCAP", "sa")], rel=1e-12)
    assert from_crif["sbm:low"] == pytest.approx(sa[("firm:RISKCAP", "sbm:low")], rel=1e-12)
    crif.write_text(crif.read_text() + f"{day},B,T,EQ_DELTA,EQ.X,99,SPOT,,1,USD,1,\n")
    assert run(["frtb-sa", "--crif", str(crif), "-c", cfg]) == 0  # one bad row of many
    assert "invalid_bucket" in capsys.readouterr().out
    crif.write_text(
        "RiskType,Qualifier,Bucket,Label1,Label2,Amount,AmountCurrency\n" + "X,Y,1,,,1,USD\n"
    )
    assert run(["frtb-sa", "--crif", str(crif), "-c", cfg]) == 5
    assert "nothing computed" in capsys.readouterr().err
