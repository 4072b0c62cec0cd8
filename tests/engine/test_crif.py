"""CRIF out and in (riskcap's dialect, docs/frtb-sa.md): the round trip gives the same SA
to 1e-12; bad rows are reported with row and rule; past the threshold nothing is
computed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from riskcap.capital.frtb_sa import SaRows, sa_charge
from riskcap.engine.crif import read_crif, write_crif
from riskcap.errors import IngestRejected, InputFileError

NAN = float("nan")
ROWS = SaRows.of(
    [
        ("GIRR_DELTA", "USD", "USD", "5Y", "OIS", 1234567.891, NAN),
        ("GIRR_DELTA", "EUR", "EUR", "10Y", "EURIBOR3M", -7654321.123, NAN),
        ("CSR_NS_DELTA", "ACME", "4", "3Y", "BOND", 1e5 / 3, NAN),
        ("EQ_DELTA", "EQ.A", "5", "SPOT", "", 2e7 / 7, NAN),
        ("EQ_VEGA", "EQ.A", "5", "1Y", "", 3e5 / 11, NAN),
        ("EQ_CURV", "EQ.A", "5", "UP", "", 12345.6789, NAN),
        ("EQ_CURV", "EQ.A", "5", "DOWN", "", -2345.678, NAN),
        ("COMM_DELTA", "CMD.WTI", "2", "0D", "", 4e5 / 13, NAN),
        ("FX_DELTA", "EUR", "EUR", "", "", 9e6 / 17, NAN),
        ("DRC_NS", "ACME", "corporates", "BBB", "senior_unsecured", 7e6 / 3, 2.345),
        ("DRC_NS", "EQ.A", "corporates", "NR", "equity", -1e6 / 7, 1.0),
        ("RRAO_OTHER", "OPT1", "", "", "", 5e6, NAN),
    ]
)
DAY = dt.date(2024, 3, 28)


def test_round_trip_gives_the_same_sa(tmp_path: Path) -> None:
    path = tmp_path / "out" / "crif.csv"
    assert write_crif(path, ROWS, DAY, "USD") == len(ROWS)
    back, problems = read_crif(path, "USD", max_bad_fraction=0.0)
    assert problems == []
    before, after = sa_charge(ROWS, "USD"), sa_charge(back, "USD")
    assert after.total == pytest.approx(before.total, rel=1e-12)
    assert after.by_scenario == pytest.approx(before.by_scenario, rel=1e-12)
    assert after.drc.charge == pytest.approx(before.drc.charge, rel=1e-12)


def test_bad_rows_are_named_by_row_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "crif.csv"
    write_crif(path, ROWS, DAY, "USD")
    lines = path.read_text().splitlines()
    lines += [
        f"{DAY},B,T,GIRR_DELTA,USD,USD,7Y,OIS,1,USD,1,",  # 7Y is not a GIRR tenor
        f"{DAY},B,T,EQ_DELTA,EQ.B,14,SPOT,,1,USD,1,",  # no equity bucket 14
        f"{DAY},B,T,VOL_THING,X,1,,,1,USD,1,",  # unknown risk type
        f"{DAY},B,T,EQ_DELTA,EQ.B,5,SPOT,,abc,USD,abc,",  # amount not a number
        f"{DAY},B,T,DRC_NS,X,corporates,BBB,senior_unsecured,1,USD,1,",  # no maturity
    ]
    path.write_text("\n".join(lines) + "\n")
    rows, problems = read_crif(path, "USD", max_bad_fraction=0.5)
    assert len(rows) == len(ROWS)
    first = len(ROWS) + 1
    assert [(p.row, p.rule) for p in problems] == [
        (first, "invalid_label"),
        (first + 1, "invalid_bucket"),
        (first + 2, "unknown_risk_type"),
        (first + 3, "invalid_amount"),
        (first + 4, "missing_maturity"),
    ]
    with pytest.raises(IngestRejected, match=r"5 of 17 CRIF rows are bad.*row 13: invalid_label"):
        read_crif(path, "USD", max_bad_fraction=0.1)


def test_unusable_files(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such CRIF file"):
        read_crif(tmp_path / "nope.csv", "USD", 0.1)
    bad = tmp_path / "bad.csv"
    bad.write_text("RiskType,Qualifier,Amount\nEQ_DELTA,A,1\n")
    with pytest.raises(InputFileError, match="missing CRIF column"):
        read_crif(bad, "USD", 0.1)
