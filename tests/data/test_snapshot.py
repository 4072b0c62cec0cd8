"""EOD checklist and snapshot against a hand-computed example."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from riskcap.data.lake import Lake
from riskcap.data.snapshot import build_snapshot, net_positions
from riskcap.errors import SnapshotNotReady
from riskcap.store.catalog import Catalog
from tests.conftest import write_csv

SOURCES = ["positions", "trades", "market_data"]
D0, D1, D2, D3 = (dt.date(2022, 1, d) for d in (3, 4, 5, 6))
TRADE_HEADER = "trade_id,trade_date,book_id,instrument_id,quantity,price"


@pytest.fixture
def book(ref_lake: Lake, ingest: Callable[..., object], tmp_path: Path) -> Lake:
    """Opening D0: B1 AAPL 100, B1 MSFT 50, B2 JPM -20."""
    ingest(
        "positions",
        write_csv(
            tmp_path / "open.csv",
            "as_of,book_id,instrument_id,quantity",
            f"{D0},B1,AAPL,100",
            f"{D0},B1,MSFT,50",
            f"{D0},B2,JPM,-20",
        ),
    )
    return ref_lake


def _ready(catalog: Catalog, day: dt.date, sources: list[str] = SOURCES) -> None:
    for s in sources:
        catalog.mark_ready(s, day)


def _snapshot(lake: Lake, catalog: Catalog, day: dt.date):  # type: ignore[no-untyped-def]
    return build_snapshot(lake, catalog, day, sources=SOURCES, zero_tolerance=1e-9)


def _rows(lake: Lake, day: dt.date, version: int | None = None) -> list[tuple[str, str, float]]:
    frame = lake.read("positions", version=version, filters=[("as_of", "=", day)]).to_pandas()
    return sorted(zip(frame["book_id"], frame["instrument_id"], frame["quantity"], strict=True))


def test_hand_computed_snapshot(
    book: Lake, catalog: Catalog, ingest: Callable[..., object], tmp_path: Path
) -> None:
    ingest(
        "trades",
        write_csv(
            tmp_path / "t1.csv",
            TRADE_HEADER,
            f"T1,{D1},B1,AAPL,-30,180",  # partial sale: 100 → 70
            f"T2,{D1},B1,AAPL,5,181",  # nets with T1: 70 → 75
            f"T3,{D1},B1,MSFT,-50,240",  # closes MSFT to zero: dropped
            f"T4,{D1},B2,MSFT,10,240",  # instrument only in trades: new row
            f"T5,{D1},B7,AAPL,1,180",  # unknown book: quarantined at ingest
            f"T6,{D2},B1,AAPL,1000,182",  # tomorrow: not in D1's snapshot
        ),
        max_bad_fraction=0.2,
    )
    assert book.read("quarantine").column("rule").to_pylist() == ["unknown_book"]
    _ready(catalog, D1)
    result = _snapshot(book, catalog, D1)
    # Hand computation: B1 AAPL 100-30+5 = 75; B1 MSFT 50-50 = 0 (closed);
    # B2 JPM -20 untouched; B2 MSFT 0+10 = 10.
    assert _rows(book, D1) == [("B1", "AAPL", 75.0), ("B2", "JPM", -20.0), ("B2", "MSFT", 10.0)]
    assert (result.rows, result.closed, result.trades_applied) == (3, 1, 4)
    assert result.previous_as_of == D0
    assert _rows(book, D0) == [("B1", "AAPL", 100.0), ("B1", "MSFT", 50.0), ("B2", "JPM", -20.0)]


def test_not_ready_names_the_missing_sources(book: Lake, catalog: Catalog) -> None:
    _ready(catalog, D1, ["trades"])
    v = book.version("positions")
    with pytest.raises(SnapshotNotReady) as info:
        _snapshot(book, catalog, D1)
    assert info.value.missing == ("positions", "market_data")
    assert "positions, market_data" in str(info.value)
    assert book.version("positions") == v


def test_no_previous_positions_is_not_ready(ref_lake: Lake, catalog: Catalog) -> None:
    _ready(catalog, D1)
    with pytest.raises(SnapshotNotReady, match="no positions before 2022-01-04"):
        _snapshot(ref_lake, catalog, D1)


def test_rerun_replaces_the_partition(
    book: Lake, catalog: Catalog, ingest: Callable[..., object], tmp_path: Path
) -> None:
    ingest("trades", write_csv(tmp_path / "t.csv", TRADE_HEADER, f"T1,{D1},B1,AAPL,-30,180"))
    _ready(catalog, D1)
    first = _snapshot(book, catalog, D1)
    second = _snapshot(book, catalog, D1)
    assert second.positions_version == first.positions_version + 1
    assert _rows(book, D1) == _rows(book, D1, first.positions_version)
    assert len(book.read("positions", filters=[("as_of", "=", D1)])) == 3


def test_late_trade_does_not_change_the_snapshot(
    book: Lake, catalog: Catalog, ingest: Callable[..., object], tmp_path: Path
) -> None:
    ingest("trades", write_csv(tmp_path / "t.csv", TRADE_HEADER, f"T1,{D1},B1,AAPL,-30,180"))
    _ready(catalog, D1)
    snap = _snapshot(book, catalog, D1)
    before = _rows(book, D1)
    ingest("trades", write_csv(tmp_path / "late.csv", TRADE_HEADER, f"L1,{D1},B1,AAPL,-70,180"))
    # The stored snapshot is unchanged, now and at its own version (time travel) ...
    assert _rows(book, D1) == before == _rows(book, D1, snap.positions_version)
    assert book.version("positions") == snap.positions_version
    # ... and the trades it read, at the pinned version, do not include the late trade.
    pinned = book.read("trades", version=snap.input_versions["trades"]).to_pandas()
    assert "L1" not in set(pinned["trade_id"])
    assert "L1" in set(book.read("trades").to_pandas()["trade_id"])
    commit = book.history("positions")[0]
    assert commit.metadata["input_version.trades"] == str(snap.input_versions["trades"])
    assert catalog.latest_snapshot(D1).input_versions == snap.input_versions  # type: ignore[union-attr]


def test_skipped_day_rolls_all_trades_since_previous_snapshot(
    book: Lake, catalog: Catalog, ingest: Callable[..., object], tmp_path: Path
) -> None:
    ingest(
        "trades",
        write_csv(
            tmp_path / "t.csv",
            TRADE_HEADER,
            f"T1,{D1},B1,AAPL,-30,180",
            f"T2,{D2},B1,AAPL,-20,180",
            f"T3,{D3},B1,AAPL,-1,180",
        ),
    )
    _ready(catalog, D2)
    result = _snapshot(book, catalog, D2)  # D1 never snapshotted
    assert result.previous_as_of == D0
    assert ("B1", "AAPL", 50.0) in _rows(book, D2)


def test_net_positions_pure() -> None:
    prev = pd.DataFrame(
        {"book_id": ["A", "A"], "instrument_id": ["x", "y"], "quantity": [1.0, 2.0]}
    )
    trades = pd.DataFrame(
        {"book_id": ["A", "A", "B"], "instrument_id": ["x", "y", "z"], "quantity": [-1.0, 0.5, 3]}
    )
    out, closed = net_positions(prev, trades, 1e-9)
    assert closed == 1
    assert out.to_dict("records") == [
        {"book_id": "A", "instrument_id": "y", "quantity": 2.5},
        {"book_id": "B", "instrument_id": "z", "quantity": 3.0},
    ]
