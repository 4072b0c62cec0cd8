"""The bad-input corpus (tests/data/bad/README.md): each file gives its specific
error, names the row and rule, and leaves every table version unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from riskcap.cli import run
from riskcap.data.lake import Lake
from riskcap.data.schemas import TABLES
from riskcap.errors import IngestRejected, InputFileError, RiskcapError
from tests.conftest import BAD_DIR

CASES = [
    ("malformed.csv", "trades", InputFileError, ["malformed CSV at line"]),
    ("missing_column.csv", "trades", InputFileError, ["missing required column(s) instrument_id"]),
    ("nan_price.csv", "trades", IngestRejected, ["row 2 rule finite_price", "price is nan"]),
    ("text_in_numeric.csv", "trades", IngestRejected, ["row 2 rule type", "'ten' is not a number"]),
    ("duplicate_trade_id.csv", "trades", IngestRejected, ["row 2 rule duplicate_trade_id"]),
    ("unknown_instrument.csv", "trades", IngestRejected, ["row 2 rule unknown_instrument", "TSLA"]),
    ("future_date.csv", "trades", IngestRejected, ["row 2 rule future_date", "2099-01-05"]),
    ("empty.csv", "trades", InputFileError, ["empty file"]),
    ("header_only.csv", "trades", InputFileError, ["no data rows"]),
    ("mostly_bad.csv", "trades", IngestRejected, ["5 of 6 rows", "nothing was written"]),
    ("positions_inf_quantity.csv", "positions", IngestRejected, ["rule finite_quantity"]),
    ("market_data_inf.csv", "market-data", IngestRejected, ["row 2 rule finite_price"]),
    ("books_wrong_fields.csv", "books", IngestRejected, ["row 2 rule malformed_row", "line 3"]),
]


def _versions(lake: Lake) -> dict[str, int]:
    return {name: lake.version(name) for name in TABLES}


@pytest.mark.parametrize(("name", "kind", "error", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_gives_specific_error_and_changes_nothing(
    ref_lake: Lake,
    ingest: Callable[..., object],
    name: str,
    kind: str,
    error: type[RiskcapError],
    fragments: list[str],
) -> None:
    before = _versions(ref_lake)
    with pytest.raises(error) as info:
        ingest(kind, BAD_DIR / name, max_bad_fraction=0.05)
    message = str(info.value)
    assert name in message  # the file is named
    for fragment in fragments:
        assert fragment in message
    assert "\n" not in message  # one line
    assert _versions(ref_lake) == before


def test_mostly_bad_file_lists_every_rule(ref_lake: Lake, ingest: Callable[..., object]) -> None:
    with pytest.raises(IngestRejected) as info:
        ingest("trades", BAD_DIR / "mostly_bad.csv", max_bad_fraction=0.5)
    msg = str(info.value)
    for rule in (
        "unknown_book",
        "finite_price",
        "unknown_instrument",
        "type",
        "nonzero_quantity",
        "malformed_row",
    ):
        assert rule in msg


@pytest.mark.parametrize(("name", "kind", "error", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_cli_exit_code_and_one_line_on_stderr(
    ref_lake: Lake,
    settings_file: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    kind: str,
    error: type[RiskcapError],
    fragments: list[str],
) -> None:
    before = _versions(ref_lake)
    code = run(["ingest", kind, str(BAD_DIR / name), "--config", str(settings_file)])
    err = capsys.readouterr().err.strip()
    assert code == error.exit_code != 0
    assert err.startswith("riskcap: error:") and fragments[0] in err.replace("\n", " ")
    assert "Traceback" not in err
    assert _versions(ref_lake) == before


@pytest.fixture
def settings_file(ref_lake: Lake, tmp_path: Path) -> Path:
    """A config pointing at the reference lake (paths relative to the file)."""
    path = tmp_path / "riskcap.toml"
    path.write_text('[lake]\npath = "lake"\n[catalog]\nurl = "sqlite:///catalog.db"\n')
    assert Path(ref_lake.root) == (tmp_path / "lake").resolve()
    return path
