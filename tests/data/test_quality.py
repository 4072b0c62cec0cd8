"""Data-quality gate: each check on crafted data, the circuit breaker, stored results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcap.config import QualityConfig, Severity
from riskcap.data.lake import Lake
from riskcap.data.quality import (
    IncompleteHierarchyCheck,
    MissingFxRateCheck,
    MissingMarketDataCheck,
    NullKeysCheck,
    QualityContext,
    ReturnOutliersCheck,
    RowCountCheck,
    StalePricesCheck,
    UnknownInstrumentsCheck,
    run_quality_gate,
)
from riskcap.errors import DataQualityError
from riskcap.store.catalog import Catalog
from tests.conftest import write_csv

AS_OF = dt.date(2022, 3, 31)
B = Severity.BLOCKING


def _context(**overrides: object) -> QualityContext:
    dates = pd.bdate_range(end=pd.Timestamp(AS_OF), periods=60)
    rng = np.random.default_rng(0)
    history = pd.DataFrame(
        {
            "EQ.AAPL": 150 * np.exp(np.cumsum(rng.normal(0, 0.01, 60))),
            "EQ.MSFT": 300 * np.exp(np.cumsum(rng.normal(0, 0.01, 60))),
        },
        index=dates,
    )
    base: dict[str, object] = dict(
        as_of=AS_OF,
        positions=pd.DataFrame(
            {"book_id": ["B1", "B1"], "instrument_id": ["AAPL", "MSFT"], "quantity": [1.0, 2.0]}
        ),
        previous_positions=pd.DataFrame(
            {"book_id": ["B1", "B1"], "instrument_id": ["AAPL", "MSFT"], "quantity": [1.0, 2.0]}
        ),
        instruments=pd.DataFrame(
            {
                "instrument_id": ["AAPL", "MSFT"],
                "instrument_type": ["equity", "equity"],
                "underlying": ["EQ.AAPL", "EQ.MSFT"],
                "curve_id": [None, None],
                "currency": ["USD", "USD"],
                "base_currency": [None, None],
            }
        ),
        books=pd.DataFrame(
            {"book_id": ["B1"], "desk": ["D"], "legal_entity": ["E"], "firm": ["F"]}
        ),
        factors=pd.DataFrame({"factor_id": ["EQ.AAPL", "EQ.MSFT"], "shock_type": ["log", "log"]}),
        history=history,
        curves_on_date=set(),
        vols_on_date=set(),
        sample_rows=5,
    )
    base.update(overrides)
    return QualityContext(**base)  # type: ignore[arg-type]


CHECKS = [
    NullKeysCheck(B),
    UnknownInstrumentsCheck(B),
    IncompleteHierarchyCheck(B),
    RowCountCheck(B, 0.5),
    MissingMarketDataCheck(B),
    MissingFxRateCheck(B),
    StalePricesCheck(B, 5),
    ReturnOutliersCheck(B, 10.0, 40),
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_every_check_passes_on_clean_data(check: object) -> None:
    result = check.run(_context())  # type: ignore[attr-defined]
    assert result.passed and result.failing_count == 0


def test_null_and_blank_keys() -> None:
    pos = pd.DataFrame(
        {
            "book_id": ["B1", None, " "],
            "instrument_id": ["AAPL", "AAPL", "MSFT"],
            "quantity": [1.0, 1.0, np.nan],
        }
    )
    r = NullKeysCheck(B).run(_context(positions=pos))
    assert (r.passed, r.failing_count) == (False, 2)


def test_unknown_instruments_named_in_sample() -> None:
    pos = pd.DataFrame(
        {"book_id": ["B1"] * 2, "instrument_id": ["AAPL", "TSLA"], "quantity": [1.0, 1.0]}
    )
    r = UnknownInstrumentsCheck(B).run(_context(positions=pos))
    assert r.failing_count == 1 and r.sample[0]["instrument_id"] == "TSLA"


def test_incomplete_hierarchy_missing_book_or_level() -> None:
    pos = pd.DataFrame(
        {"book_id": ["B1", "B2", "B3"], "instrument_id": ["AAPL"] * 3, "quantity": [1.0] * 3}
    )
    books = pd.DataFrame(
        {
            "book_id": ["B1", "B2"],
            "desk": ["D", None],
            "legal_entity": ["E", "E"],
            "firm": ["F", "F"],
        }
    )
    r = IncompleteHierarchyCheck(B).run(_context(positions=pos, books=books))
    assert r.failing_count == 2
    assert {s["book_id"] for s in r.sample} == {"B2", "B3"}


def test_row_count_change_beyond_threshold() -> None:
    prev = pd.DataFrame(
        {"book_id": ["B1"] * 5, "instrument_id": list("abcde"), "quantity": [1.0] * 5}
    )
    assert not RowCountCheck(B, 0.5).run(_context(previous_positions=prev)).passed  # 5 → 2: -60%
    assert RowCountCheck(B, 0.6).run(_context(previous_positions=prev)).passed
    assert RowCountCheck(B, 0.5).run(_context(previous_positions=None)).passed


def test_missing_market_data_on_as_of() -> None:
    ctx = _context()
    history = ctx.history.copy()
    history.loc[pd.Timestamp(AS_OF), "EQ.MSFT"] = np.nan
    r = MissingMarketDataCheck(B).run(_context(history=history))
    assert r.failing_count == 1 and r.sample[0]["missing"] == "price"


def test_missing_fx_rate_on_as_of() -> None:
    """A EUR share and a GBP-base FX forward held, reported in USD: FX.EURUSD has no
    level on as_of (it stopped a day early) and FX.GBPUSD none at all — both named;
    reported in EUR, the EUR share needs no rate but the USD share needs FX.USDEUR."""
    ctx = _context()
    history = ctx.history.assign(FX_EURUSD=1.1).rename(columns={"FX_EURUSD": "FX.EURUSD"})
    history.loc[history.index[-1], "FX.EURUSD"] = np.nan
    instruments = pd.DataFrame(
        {
            "instrument_id": ["AAPL", "SAP", "FWD"],
            "instrument_type": ["equity", "equity", "fx_forward"],
            "underlying": ["EQ.AAPL", "EQ.MSFT", None],
            "curve_id": [None, None, None],
            "currency": ["USD", "EUR", "USD"],
            "base_currency": [None, None, "GBP"],
        }
    )
    positions = pd.DataFrame(
        {"book_id": ["B1"] * 3, "instrument_id": ["AAPL", "SAP", "FWD"], "quantity": [1.0] * 3}
    )
    r = MissingFxRateCheck(B).run(
        _context(history=history, instruments=instruments, positions=positions)
    )
    assert not r.passed and r.failing_count == 2
    assert {(s["instrument_id"], s["fx_factor"]) for s in r.sample} == {
        ("SAP", "FX.EURUSD"),
        ("FWD", "FX.GBPUSD"),
    }
    in_eur = MissingFxRateCheck(B).run(
        _context(
            history=history, instruments=instruments[:2], positions=positions[:2], reporting="EUR"
        )
    )
    assert [s["fx_factor"] for s in in_eur.sample] == ["FX.USDEUR"]


def test_stale_prices() -> None:
    history = _context().history.copy()
    history.iloc[-6:, 0] = 151.0  # AAPL flat over the last 6 observations
    assert StalePricesCheck(B, 5).run(_context(history=history)).failing_count == 1
    assert StalePricesCheck(B, 7).run(_context(history=history)).passed


def test_return_outlier_against_trailing_sigma() -> None:
    history = _context().history.copy()
    history.iloc[-1, 1] = history.iloc[-2, 1] * 1.5  # +40% log move with ~1% daily vol
    r = ReturnOutliersCheck(B, 10.0, 40).run(_context(history=history))
    assert r.failing_count == 1 and r.sample[0]["factor_id"] == "EQ.MSFT"
    assert r.sample[0]["z"] > 10


def test_gate_stores_every_result_and_blocks(
    ref_lake: Lake, catalog: Catalog, ingest: Callable[..., object], tmp_path: Path
) -> None:
    # Positions in book B3 (no desk) on instruments without market data: two blocking failures.
    ingest(
        "positions",
        write_csv(
            tmp_path / "p.csv",
            "as_of,book_id,instrument_id,quantity",
            f"{AS_OF},B3,AAPL,10",
            f"{AS_OF},B1,MSFT,5",
        ),
    )
    before = ref_lake.versions(["positions", "quarantine"])
    with pytest.raises(DataQualityError) as info:
        run_quality_gate(ref_lake, catalog, AS_OF, QualityConfig())
    err = info.value
    assert err.check == "incomplete_hierarchy" and err.count == 1
    assert "B3" in str(err) and "also failing: missing_market_data" in str(err)
    stored = catalog.quality_results(AS_OF)
    assert len(stored) == 10
    assert {r.check_name: r.passed for r in stored}["incomplete_hierarchy"] is False
    assert ref_lake.versions(["positions", "quarantine"]) == before


def test_warnings_do_not_block(
    ref_lake: Lake, catalog: Catalog, ingest: Callable[..., object], tmp_path: Path
) -> None:
    ingest(
        "positions",
        write_csv(
            tmp_path / "p.csv", "as_of,book_id,instrument_id,quantity", f"{AS_OF},B3,AAPL,10"
        ),
    )
    cfg = QualityConfig.model_validate(
        {
            "incomplete_hierarchy": {"severity": "warning"},
            "missing_market_data": {"severity": "warning"},
            # the position without a price cannot be priced either (issue 17, item 7)
            "unpriced_positions": {"severity": "warning"},
        }
    )
    results = run_quality_gate(ref_lake, catalog, AS_OF, cfg)
    assert [r.name for r in results if not r.passed] == [
        "incomplete_hierarchy",
        "missing_market_data",
        "unpriced_positions",
    ]
