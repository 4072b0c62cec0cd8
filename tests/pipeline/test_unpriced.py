"""Positions that cannot be priced are named, counted, blocked above a threshold, and
otherwise left out of the figures with the reason in the run record (issue 17, item 7).

A small world that is not the demo's, loaded through the CLI: two shares and an
option on the second whose discount curve has no pillar factors. With the defaults the
quality gate stops the EOD naming the option; allowing up to half the positions to be
left out, the EOD runs and its firm VaR is that of the two shares alone, recomputed
here with NumPy from the generated prices.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcap.cli import run
from riskcap.config import load_settings
from riskcap.errors import DataQualityError
from riskcap.risk.measures import var_es
from riskcap.store.catalog import BacktestObservation, Catalog, QualityResultRecord

QUANTITY = {"A": 100.0, "B": -40.0, "C": 30.0, "OPT-B": 10.0}


def _write(path: Path, header: str, rows: list[str]) -> str:
    path.write_text("\n".join([header, *rows]) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, dt.date]:
    work = tmp_path_factory.mktemp("unpriced")
    cfg = str(work / "riskcap.toml")
    assert run(["init", cfg]) == 0
    rng = np.random.default_rng(3)
    dates = list(pd.bdate_range("2023-01-02", periods=320).date)
    levels = pd.DataFrame(
        {
            "EQ.A": 50.0 * np.exp(np.cumsum(rng.normal(0, 0.015, len(dates)))),
            "EQ.B": 80.0 * np.exp(np.cumsum(rng.normal(0, 0.02, len(dates)))),
            "EQ.C": 20.0 * np.exp(np.cumsum(rng.normal(0, 0.01, len(dates)))),
            "VOL.B": 0.3 * np.exp(np.cumsum(rng.normal(0, 0.01, len(dates)))),
        },
        index=dates,
    ).round(6)
    levels.iloc[-1, levels.columns.get_loc("EQ.C")] = np.nan  # C's close never came

    def ok(*argv: str) -> None:
        assert run([*argv, "-c", cfg]) == 0, argv

    ok("ingest", "factors", _write(work / "f.csv", "factor_id,factor_type,shock_type",
       ["EQ.A,equity_price,log", "EQ.B,equity_price,log", "EQ.C,equity_price,log",
        "VOL.B,implied_vol,log"]))  # fmt: skip
    ok("ingest", "books", _write(work / "b.csv", "book_id,desk,legal_entity,firm",
       ["CASH,EQUITY,E1,BANK", "VOLS,DERIV,E1,BANK"]))  # fmt: skip
    ok("ingest", "instruments", _write(work / "i.csv",
       "instrument_id,instrument_type,currency,underlying,multiplier,strike,option_type,expiry",
       ["A,equity,USD,EQ.A,1,,,", "B,equity,USD,EQ.B,1,,,", "C,equity,USD,EQ.C,1,,,",
        "OPT-B,equity_option,USD,EQ.B,100,80,call,2025-06-20"]))  # fmt: skip
    long = levels.stack().dropna().rename("value").reset_index()
    long.columns = ["date", "factor_id", "value"]
    long.to_csv(work / "m.csv", index=False)
    ok("ingest", "market-data", str(work / "m.csv"))
    opening, day, after = dates[-3], dates[-2], dates[-1]
    book = {"A": "CASH", "B": "CASH", "C": "CASH", "OPT-B": "VOLS"}
    held = [f"{opening},{book[i]},{i},{q}" for i, q in QUANTITY.items()]
    ok("ingest", "positions", _write(work / "p.csv", "as_of,book_id,instrument_id,quantity", held))
    for d in (day, after):
        ok("ready", "positions", "trades", "market_data", "--as-of", d.isoformat())
    return work, levels, day


def test_by_default_the_gate_stops_the_run_naming_the_instrument(
    world: tuple[Path, pd.DataFrame, dt.date], capsys: pytest.CaptureFixture[str]
) -> None:
    work, _, day = world
    code = run(["eod", "run", "--as-of", day.isoformat(), "-c", str(work / "riskcap.toml")])
    assert code == DataQualityError.exit_code
    assert "unpriced_positions" in capsys.readouterr().err
    url = load_settings(work / "riskcap.toml").catalog_url
    with Catalog(url) as catalog, catalog.session() as s:
        row = s.query(QualityResultRecord).filter_by(check_name="unpriced_positions").one()
    assert not row.passed and row.failing_count == 1
    assert row.sample[0]["instrument_id"] == "OPT-B"
    assert "curve USD.ZERO has no pillar factors" in row.sample[0]["reason"]


def test_under_the_threshold_the_position_is_left_out_and_recorded(
    world: tuple[Path, pd.DataFrame, dt.date], capsys: pytest.CaptureFixture[str]
) -> None:
    work, levels, day = world
    cfg = work / "riskcap.toml"
    text = cfg.read_text()
    text = text.replace("max_share = 0.0", "max_share = 0.5")
    missing = text.index("[quality.missing_market_data]")
    head, tail = text[:missing], text[missing:]
    cfg.write_text(head + tail.replace('severity = "blocking"', 'severity = "warning"', 1))
    assert run(["eod", "run", "--as-of", day.isoformat(), "-c", str(cfg)]) == 0
    capsys.readouterr()
    settings = load_settings(cfg)
    with Catalog(settings.catalog_url) as catalog:
        run_id = catalog.run_of_record(day).run_id
        prep = next(t for t in catalog.tasks(run_id) if t.name == "market_prep")
        results = catalog.results(run_id)
    assert list(prep.detail["unpriced"]) == ["OPT-B"]
    assert "curve USD.ZERO has no pillar factors" in prep.detail["unpriced"]["OPT-B"]
    assert run(["runs", "show", run_id, "--json", "-c", str(cfg)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert list(shown["unpriced"]) == ["OPT-B"]
    nodes = {r.node for r in results}
    assert "book:VOLS" not in nodes and "desk:DERIV" not in nodes  # nothing priced there
    published = next(
        r.value
        for r in results
        if (r.node, r.method, r.measure, r.horizon, r.confidence)
        == ("firm:BANK", "hs", "var", 1, 0.99)
    )
    # NumPy twin: the three shares under the last 250 daily log returns (HS, 1 day)
    shares = levels.loc[:day, ["EQ.A", "EQ.B", "EQ.C"]]
    window = np.log(shares).diff().dropna().tail(250).to_numpy()
    spot = shares.iloc[-1].to_numpy()
    q = np.array([QUANTITY["A"], QUANTITY["B"], QUANTITY["C"]])
    pnl = ((np.exp(window) - 1.0) * spot * q).sum(axis=1)
    twin, _ = var_es(pnl, 0.99)
    assert published == pytest.approx(float(twin), rel=1e-12)


def test_a_position_priced_on_one_day_only_is_not_pnl(
    world: tuple[Path, pd.DataFrame, dt.date],
) -> None:
    """Next day C has no close: it is left out of that day's figures and of the day's
    backtest P&L on both sides (its value is not a loss); the hypothetical P&L is that
    of A and B, recomputed with NumPy."""
    work, levels, day = world
    cfg = work / "riskcap.toml"  # max_share 0.5 and missing data a warning (test above)
    after = levels.index[-1]
    assert run(["eod", "run", "--as-of", after.isoformat(), "-c", str(cfg)]) == 0
    settings = load_settings(cfg)
    with Catalog(settings.catalog_url) as catalog:
        run_id = catalog.run_of_record(after).run_id
        prep = next(t for t in catalog.tasks(run_id) if t.name == "market_prep")
        rows, _ = catalog.rows_of_runs(BacktestObservation, [run_id], [("node", "=", "firm:BANK")])
    assert sorted(prep.detail["unpriced"]) == ["C", "OPT-B"]
    assert prep.detail["unpriced"]["C"] == f"no level of EQ.C on {after}"
    hypothetical = {r["pnl"] for r in rows if r["pnl_type"] == "hypothetical"}
    move = levels.loc[after, ["EQ.A", "EQ.B"]] - levels.loc[day, ["EQ.A", "EQ.B"]]
    twin = QUANTITY["A"] * move["EQ.A"] + QUANTITY["B"] * move["EQ.B"]
    assert hypothetical and all(p == pytest.approx(twin, rel=1e-12) for p in hypothetical)
