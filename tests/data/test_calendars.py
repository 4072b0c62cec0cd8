"""Market calendars (issue 27): a factor's missing level on a holiday of its market is
carried forward from its last close; a missing level on an open day stays a gap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
from deltalake import DeltaTable

from riskcap.data.calendars import carry_forward, market_holidays
from riskcap.data.lake import Lake
from riskcap.data.schemas import FACTORS
from tests.conftest import write_csv

D = [dt.date(2022, 1, d) for d in (3, 4, 5, 6, 7)]


def test_carry_forward_fills_holidays_only() -> None:
    nan = np.nan
    levels = np.array(
        [
            [1.0, 10.0, 100.0],
            [nan, 11.0, nan],  # 4th: A closed (holiday), C missing on an open day
            [nan, 12.0, 102.0],  # 5th: A closed again
            [1.3, nan, 103.0],  # 6th: B has no calendar: stays a gap
            [1.4, 14.0, 104.0],
        ]
    )
    closed = {"A": frozenset(D[1:3]), "C": frozenset({D[4]})}
    filled = carry_forward(tuple(D), levels, ["A", "B", "C"], closed)
    assert filled == [(D[1], "A"), (D[2], "A")]
    np.testing.assert_array_equal(levels[:, 0], [1.0, 1.0, 1.0, 1.3, 1.4])
    assert np.isnan(levels[1, 2]) and np.isnan(levels[3, 1])


def test_a_holiday_before_any_close_stays_a_gap() -> None:
    levels = np.array([[np.nan], [2.0]])
    assert carry_forward(tuple(D[:2]), levels, ["A"], {"A": frozenset({D[0]})}) == []
    assert np.isnan(levels[0, 0])


def test_holidays_are_ingested_and_mapped_to_factors(
    lake: Lake, ingest: Callable[..., object], tmp_path: Path
) -> None:
    ingest(
        "factors",
        write_csv(
            tmp_path / "f.csv",
            "factor_id,factor_type,shock_type,calendar",
            "EQ.US,equity_price,log,XNYS",
            "EQ.UK,equity_price,log,XLON",
            "EQ.X,equity_price,log,",
        ),
    )
    ingest(
        "holidays",
        write_csv(
            tmp_path / "h.csv",
            "calendar,date,description",
            "XLON,2022-01-04,bank holiday",
            "XNYS,2022-01-17,Martin Luther King Jr. Day",
            "XNYS,2030-01-01,published ahead: a future date is fine",
        ),
    )
    factors = lake.read("factors").to_pandas().set_index("factor_id")
    closed = market_holidays(lake, lake.version("holidays"), factors, ["EQ.US", "EQ.UK", "EQ.X"])
    assert closed == {
        "EQ.US": frozenset({dt.date(2022, 1, 17), dt.date(2030, 1, 1)}),
        "EQ.UK": frozenset({dt.date(2022, 1, 4)}),
    }


def test_a_table_made_before_the_calendar_column_reads_and_gains_it(tmp_path: Path) -> None:
    """Schema evolution: a lake made by an older riskcap has ``factors`` without
    ``calendar``; it reads with nulls there, and the next write adds the column."""
    lake = Lake(tmp_path / "lake")
    old = pa.schema([f for f in FACTORS.schema if f.name != "calendar"])
    DeltaTable.create(lake.uri("factors"), old)
    row = {"factor_id": "EQ.A", "factor_type": "equity_price", "shock_type": "log"}
    from deltalake import write_deltalake

    write_deltalake(
        lake.uri("factors"),
        pa.Table.from_pylist(
            [{**row, "unit": None, "synthetic": False, "source": None, "description": None}],
            schema=old,
        ),
        mode="append",
    )
    got = lake.read("factors").to_pylist()
    assert got == [
        {
            **row,
            "unit": None,
            "synthetic": False,
            "source": None,
            "description": None,
            "calendar": None,
        }
    ]
    assert lake.read("factors", columns=["factor_id", "calendar"]).to_pylist() == [
        {"factor_id": "EQ.A", "calendar": None}
    ]
    lake.ensure("factors")
    assert "calendar" in lake.table("factors").schema().to_arrow().names
    assert lake.history("factors")[0].metadata["operation"] == "add_columns"  # newest first
