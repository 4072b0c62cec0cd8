"""Issue 17 (item 6): a desk name belongs to one legal entity, so node ids are unique.

Two legal entities with a desk of the same name gave two ``desk:NAME`` nodes, and
both books rolled up to the first entity; a desk key (entitlements are by desk name)
saw the other entity's book too. riskcap rejects such books at ingest (naming the
rows), the quality gate blocks a lake that already holds them, and the hierarchy
refuses them, so a node id names exactly one node.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from riskcap.config import Severity
from riskcap.data.lake import Lake
from riskcap.data.quality import IncompleteHierarchyCheck, QualityContext
from riskcap.errors import IngestRejected, RiskcapError
from riskcap.inputs.hierarchy import Hierarchy
from tests.conftest import write_csv


def test_a_desk_under_two_entities_is_rejected_at_ingest_naming_the_rows(
    lake: Lake, ingest: Callable[..., object], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "books.csv",
        "book_id,desk,legal_entity,firm",
        "B1,RATES,E-US,FIRM",
        "B2,RATES,E-UK,FIRM",
        "B3,EQ,E-US,FIRM",
    )
    with pytest.raises(IngestRejected) as err:
        ingest("books", path)
    text = str(err.value)
    assert "desk_in_two_entities" in text and "row 2" in text and "E-UK" in text
    assert lake.read("books").num_rows == 0  # nothing written


def test_a_new_book_may_not_reuse_a_desk_of_another_entity_already_stored(
    lake: Lake, ingest: Callable[..., object], tmp_path: Path
) -> None:
    ingest(
        "books",
        write_csv(tmp_path / "a.csv", "book_id,desk,legal_entity,firm", "B1,RATES,E-US,FIRM"),
    )
    with pytest.raises(IngestRejected, match=r"desk_in_two_entities.*E-US"):
        ingest(
            "books",
            write_csv(tmp_path / "b.csv", "book_id,desk,legal_entity,firm", "B2,RATES,E-UK,FIRM"),
        )
    # moving the one book of a desk to another entity is allowed (the desk moves with it)
    ingest(
        "books",
        write_csv(tmp_path / "c.csv", "book_id,desk,legal_entity,firm", "B1,RATES,E-UK,FIRM"),
    )
    assert lake.read("books").to_pandas().set_index("book_id").at["B1", "legal_entity"] == "E-UK"


def test_the_hierarchy_refuses_a_desk_under_two_entities_and_rolls_up_the_rest() -> None:
    with pytest.raises(RiskcapError, match=r"desk 'RATES'.*E-UK.*E-US"):
        Hierarchy.from_books([("B1", "RATES", "E-US", "F"), ("B2", "RATES", "E-UK", "F")])
    h = Hierarchy.from_books(
        [("B1", "RATES", "E-US", "F"), ("B2", "FX", "E-UK", "F"), ("B3", "RATES", "E-US", "F")]
    )
    uk, us = h.index("entity:E-UK"), h.index("entity:E-US")
    rates, fx = h.index("desk:RATES"), h.index("desk:FX")
    assert h.parents[rates] == us and h.parents[fx] == uk
    books = {b: i for i, b in enumerate(h.books)}
    assert h.membership[us, books["B2"]] == 0 and h.membership[uk, books["B2"]] == 1
    assert h.membership[rates].tolist() == [1.0, 0.0, 1.0]
    assert len(set(h.nodes)) == len(h.nodes)


def test_the_quality_gate_blocks_a_lake_that_already_holds_such_books() -> None:
    books = pd.DataFrame(
        {
            "book_id": ["B1", "B2"],
            "desk": ["RATES", "RATES"],
            "legal_entity": ["E-US", "E-UK"],
            "firm": ["F", "F"],
        }
    )
    positions = pd.DataFrame(
        {"book_id": ["B1", "B2"], "instrument_id": ["X", "X"], "quantity": [1.0, 2.0]}
    )
    empty = pd.DataFrame()
    ctx = QualityContext(
        as_of=dt.date(2022, 1, 3),
        positions=positions,
        previous_positions=None,
        instruments=empty,
        books=books,
        factors=empty,
        history=empty,
        curves_on_date=set(),
        vols_on_date=set(),
        sample_rows=5,
    )
    result = IncompleteHierarchyCheck(Severity.BLOCKING).run(ctx)
    assert result.blocks and result.failing_count == 2
    assert {r["problem"] for r in result.sample} == {"desk RATES is under 2 legal entities"}


def test_a_desk_key_sees_the_books_of_its_one_desk(
    lake: Lake, ingest: Callable[..., object], tmp_path: Path
) -> None:
    """Entitlements are by desk name: with a desk in one entity, a key for ``RATES``
    sees exactly that desk's books; the refused second ``RATES`` never appears."""
    from riskcap.api.deps import BookMap

    header = "book_id,desk,legal_entity,firm"
    ingest("books", write_csv(tmp_path / "a.csv", header, "B1,RATES,E-US,F", "B2,FX,E-UK,F"))
    with pytest.raises(IngestRejected):
        ingest("books", write_csv(tmp_path / "b.csv", header, "B3,RATES,E-UK,F"))
    books = BookMap(lake)
    assert books.desks() == {"RATES", "FX"}
    assert {b for b in ("B1", "B2", "B3") if books.desk_of(f"book:{b}") == "RATES"} == {"B1"}
    assert books.parents["desk:RATES"] == "entity:E-US" and not books.exists("book:B3")
