"""The identifier rule at ingest (issue 26, item 14): markup, control and bidi
characters, formula-leading characters and very long ids are quarantined with the
rule; Unicode is normalised; a literal ``nan`` in an optional numeric column is a bad
value, not "missing → default"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskcap.data.identifiers import (
    MAX_IDENTIFIER_LENGTH,
    check_identifier,
    check_text,
    identifier_problem,
    normalise,
)
from riskcap.data.ingest import IngestResult
from riskcap.data.lake import Lake
from tests.conftest import write_csv

HOSTILE = {
    "markup": "<img src=x onerror=alert(1)>",
    "nul": "B\x00X",
    "escape": "B\x1b[31mX",
    "bidi override": "B\u202eX",
    "formula =": "=HYPERLINK(1)",
    "formula +": "+1",
    "formula -": "-1",
    "formula @": "@SUM",
    "long": "B" * 10_000,
    "space": "B X",
    "colon": "desk:X",
    "slash": "a/b",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_book_ids_are_quarantined_with_the_rule(
    name: str, lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    hostile = HOSTILE[name].replace('"', '""')
    path = write_csv(
        tmp_path / "books.csv",
        "book_id,desk,legal_entity,firm",
        "GOOD,D1,E1,F",
        f'"{hostile}",D1,E1,F',
        f'B2,"{hostile}",E1,F',
    )
    books_before = lake.version("books")
    result = ingest("books", path, max_bad_fraction=1.0)
    assert result.rows_written == 1 and result.rule_counts == {"invalid_identifier": 2}
    assert lake.read("books").column("book_id").to_pylist() == ["GOOD"]
    assert lake.version("books") == books_before + 1
    q = lake.read("quarantine").to_pylist()
    assert {(r["source_row"], r["rule"]) for r in q} == {
        (2, "invalid_identifier"),
        (3, "invalid_identifier"),
    }
    # the detail names the column and the rule, with control characters escaped
    assert all(r["detail"].startswith(("book_id ", "desk ")) for r in q)
    assert not any(c in r["detail"] for r in q for c in "\x00\x1b\u202e")
    assert all(len(r["detail"]) < 200 for r in q)


def test_a_file_of_only_hostile_ids_is_rejected_and_nothing_changes(
    lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    from riskcap.errors import IngestRejected

    path = write_csv(
        tmp_path / "instruments.csv",
        "instrument_id,instrument_type,currency,underlying",
        "<script>,equity,USD,EQ.X",
    )
    versions = {t: lake.version(t) for t in ("instruments", "quarantine")}
    with pytest.raises(IngestRejected, match="invalid_identifier"):
        ingest("instruments", path)
    assert {t: lake.version(t) for t in versions} == versions


def test_unicode_ids_are_normalised_nfkc(
    lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    # full-width letters and a composed/decomposed é are one name after NFKC
    path = write_csv(
        tmp_path / "books.csv",
        "book_id,desk,legal_entity,firm",
        "ＥＱ１,Dé,E1,F",
        "Zürich-1,De\u0301,E1,F",
    )
    result = ingest("books", path)
    assert result.rows_written == 2
    rows = lake.read("books").to_pylist()
    assert {r["book_id"] for r in rows} == {"EQ1", "Zürich-1"}
    assert {r["desk"] for r in rows} == {"Dé"}


def test_free_text_refuses_controls_bidi_and_formulas(
    lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "books.csv",
        "book_id,desk,legal_entity,firm,description",
        "B1,D1,E1,F,<b>markup is text</b> & fine",
        "B2,D1,E1,F,=cmd|' /C calc'!A0",
        "B3,D1,E1,F,\u202egnp.exe",
        'B4,D1,E1,F,"bell\x07"',
    )
    result = ingest("books", path, max_bad_fraction=1.0)
    assert result.rule_counts == {"invalid_text": 3}
    assert lake.read("books").to_pylist()[0]["description"] == "<b>markup is text</b> & fine"


def test_literal_nan_multiplier_is_a_bad_value_not_the_default(
    lake: Lake, ingest: Callable[..., IngestResult], tmp_path: Path
) -> None:
    ingest(
        "factors",
        write_csv(
            tmp_path / "factors.csv", "factor_id,factor_type,shock_type", "EQ.X,equity_price,log"
        ),
    )
    path = write_csv(
        tmp_path / "instruments.csv",
        "instrument_id,instrument_type,currency,underlying,multiplier",
        "X1,equity,USD,EQ.X,nan",
        "X2,equity,USD,EQ.X,",
        "X3,equity,USD,EQ.X,inf",
    )
    result = ingest("instruments", path, max_bad_fraction=1.0)
    assert result.rows_written == 1  # only the empty cell takes the default
    (row,) = lake.read("instruments").to_pylist()
    assert (row["instrument_id"], row["multiplier"]) == ("X2", 1.0)
    assert result.rule_counts == {"finite_quantity": 2}


@given(st.text(max_size=MAX_IDENTIFIER_LENGTH + 5))
def test_an_accepted_identifier_is_safe_everywhere(raw: str) -> None:
    """Property: whatever passes the rule has no markup, control, bidi, space or
    formula lead, is normalised and not longer than the limit."""
    norm = normalise(raw)
    if identifier_problem(norm) is not None:
        with pytest.raises(ValueError, match="the id"):
            check_identifier(raw, "the id")
        return
    assert check_identifier(raw, "the id") == norm == normalise(norm)
    assert 1 <= len(norm) <= MAX_IDENTIFIER_LENGTH
    assert not set(norm) & set("<>\"'&:/ \t\r\n\x00\x1b\u202e=+@")
    assert norm[0] not in "-._"


def test_text_rule_messages() -> None:
    assert check_text("fine <b>text</b>", "description") == "fine <b>text</b>"
    with pytest.raises(ValueError, match="description contains a bidirectional"):
        check_text("a\u202eb", "description")
    with pytest.raises(ValueError, match="starts with one of"):
        check_text("  =1+1", "description")
