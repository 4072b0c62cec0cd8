"""The Basel III inputs (issue 21): each kind lands whole or not at all — a bad row
rejects the file with the file, row and rule named, and no table changes version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from riskcap.cli import run
from riskcap.data.lake import Lake
from riskcap.data.schemas import TABLES
from riskcap.errors import IngestRejected
from tests.conftest import write_csv

CP_HEADER = "counterparty_id,legal_entity,exposure_class,sector,country,rating,pd,lgd,approach"


def _versions(lake: Lake) -> dict[str, int]:
    return {name: lake.version(name) for name in TABLES}


@pytest.fixture
def basel_lake(ref_lake: Lake, ingest: Callable[..., object], tmp_path: Path) -> Lake:
    """``ref_lake`` (entity E1 of firm FIRM) with two counterparties and a netting set."""
    src = tmp_path / "b3"
    ingest(
        "counterparties",
        write_csv(
            src / "cp.csv",
            CP_HEADER,
            "ACME,E1,corporate,technology,GB,BBB,0.004,,firb",
            "BANKX,E1,bank,financials,US,A,0.001,,sa",
        ),
    )
    ingest(
        "netting-sets",
        write_csv(src / "ns.csv", "netting_set_id,counterparty_id,agreement_id", "NS1,ACME,"),
    )
    return ref_lake


CASES = [
    # (kind, header, bad row, rule, fragment) — a good row first, the bad one second
    ("counterparties", CP_HEADER, "C2,E1,corporate,technology,GB,BBB,1.5,,firb",
     "pd_range", "pd 1.5 is outside (0, 1]"),
    ("counterparties", CP_HEADER, "C2,E1,corporate,technology,GB,BBB,0,,firb",
     "pd_range", "outside (0, 1]"),
    ("counterparties", CP_HEADER, "C2,NOPE,corporate,technology,GB,BBB,0.01,,firb",
     "unknown_legal_entity", "'NOPE' is not a known legal_entity"),
    ("counterparties", CP_HEADER, "C2,E1,corporate,technology,GB,BBB,,,firb",
     "irb_needs_pd", "firb needs a pd"),
    ("netting-sets", "netting_set_id,counterparty_id,agreement_id", "NS2,,",
     "required_value", "counterparty_id is empty"),
    ("netting-sets", "netting_set_id,counterparty_id,agreement_id", "NS2,GHOST,",
     "unknown_counterparty", "'GHOST' is not a known counterparty"),
    ("financials",
     "legal_entity,year,currency,interest_income,interest_expense,interest_earning_assets,"
     "dividend_income,fee_income,fee_expense,other_operating_income,other_operating_expense,"
     "net_pnl_trading_book,net_pnl_banking_book",
     "E1,2021,USD,-5,1,100,0,1,1,0,0,3,-1", "negative_interest_income",
     "interest_income -5 is not a finite number ≥ 0"),
    ("exposures",
     "exposure_id,counterparty_id,product,currency,drawn,maturity",
     "L2,ACME,loan,USD,-100,2027-01-01", "negative_drawn", "drawn -100 is not"),
    ("op-losses",
     "event_id,legal_entity,accounting_date,business_line,currency,gross_loss,recoveries",
     "O2,E1,2020-01-01,retail_banking,USD,100,150", "recoveries_above_loss", "exceed"),
]  # fmt: skip
GOOD = {
    "counterparties": "C1,E1,corporate,technology,GB,BBB,0.01,,firb",
    "netting-sets": "NS3,ACME,",
    "financials": "E1,2020,USD,5,1,100,0,1,1,0,0,3,-1",
    "exposures": "L1,ACME,loan,USD,100,2027-01-01",
    "op-losses": "O1,E1,2020-01-01,retail_banking,USD,100,10",
}


@pytest.mark.parametrize(
    ("kind", "header", "bad", "rule", "fragment"), CASES, ids=[c[3] for c in CASES]
)
def test_a_bad_basel3_row_rejects_the_whole_file(
    basel_lake: Lake,
    ingest: Callable[..., object],
    tmp_path: Path,
    kind: str,
    header: str,
    bad: str,
    rule: str,
    fragment: str,
) -> None:
    before = _versions(basel_lake)
    path = write_csv(tmp_path / f"{kind}.csv", header, GOOD[kind], bad)
    # even a lenient threshold does not let a Basel III file land half-written
    with pytest.raises(IngestRejected) as info:
        ingest(kind, path, max_bad_fraction=0.9)
    message = str(info.value)
    assert f"{kind}.csv" in message and f"row 2 rule {rule}" in message, message
    assert fragment in message and "every row of a Basel III input must be good" in message
    assert "nothing was written" in message
    assert _versions(basel_lake) == before


def test_good_basel3_files_land_with_their_defaults(basel_lake: Lake) -> None:
    cp = basel_lake.read("counterparties").to_pandas()
    assert sorted(cp["counterparty_id"]) == ["ACME", "BANKX"]
    assert cp.set_index("counterparty_id").at["BANKX", "approach"] == "sa"
    assert not cp["sme"].any()  # the default of an absent column


def test_otc_assignment_must_name_an_otc_derivative(
    basel_lake: Lake, ingest: Callable[..., object], tmp_path: Path
) -> None:
    instruments = basel_lake.read("instruments").to_pandas()
    equity = instruments["instrument_id"].iloc[0]
    path = write_csv(tmp_path / "otc.csv", "instrument_id,netting_set_id", f"{equity},NS1")
    with pytest.raises(IngestRejected, match="rule not_otc"):
        ingest("otc-assignments", path)


def test_the_cli_rejects_a_bad_pd_with_a_nonzero_exit(
    basel_lake: Lake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "cp.csv", CP_HEADER, "C9,E1,corporate,other,GB,BB,2,,firb")
    config = tmp_path / "riskcap.toml"
    config.write_text(f'[lake]\npath = "{basel_lake.root}"\n', encoding="utf-8")
    before = _versions(basel_lake)
    code = run(["ingest", "counterparties", str(path), "-c", str(config)])
    assert code == 5
    assert "row 1 rule pd_range" in capsys.readouterr().err
    assert _versions(basel_lake) == before
