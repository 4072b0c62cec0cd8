"""The input contract (issue 27): generated from the lake schemas, printed by the CLI,
its examples accepted by the ingest rules and by its own JSON Schemas."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from riskcap.cli import run
from riskcap.data.contract import (
    _DOCS,
    KIND_TABLE,
    ColType,
    IngestKind,
    columns,
    json_schema,
    markdown,
    rows,
)
from riskcap.data.ingest import Reference, validate

DOC = Path(__file__).resolve().parents[2] / "docs" / "input-contract.md"


@pytest.mark.parametrize("kind", list(IngestKind))
def test_every_column_of_every_input_table_is_documented(kind: IngestKind) -> None:
    assert set(_DOCS[kind]) == set(KIND_TABLE[kind].schema.names)
    for c in columns(kind):
        assert c.meaning and c.example, (kind, c.name)


@pytest.mark.parametrize("kind", list(IngestKind))
def test_the_examples_pass_the_ingest_rules_and_the_json_schema(kind: IngestKind) -> None:
    """A file of one row made of the documented examples breaks no rule."""
    cols = columns(kind)
    frame = pd.DataFrame([{c.name: c.example for c in cols}], dtype=object)
    frame["_row"] = [1]
    ids = {c.example for c in cols if c.type is ColType.ID}
    ref = Reference(
        books=ids, instruments=ids, factors=ids, trade_ids=set(),
        factor_types={i: "index_level" for i in ids}, entities=ids, firms=ids,
        counterparties=ids, agreements=ids, netting_sets=ids,
        instrument_types={i: "irs" for i in ids},
    )  # fmt: skip
    _, violations = validate(kind, frame, ref, dt.date(2030, 1, 1), "example")
    assert violations == [], violations
    row = {c.name: json_schema(kind)["properties"][c.name]["examples"][0] for c in cols}
    jsonschema.validate(row, json_schema(kind))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**row, cols[0].name: None if not cols[0].nullable else 1}, json_schema(kind)
        )


def test_the_reference_document_is_generated() -> None:
    """docs/input-contract.md is exactly `riskcap schema --markdown` (regenerate it)."""
    assert DOC.read_text(encoding="utf-8") == markdown() + "\n"


def test_schema_and_describe_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema", "vols", "--json"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["required"] == ["date", "underlying", "tenor_years", "implied_vol"]
    assert run(["ingest", "instruments", "--describe"]) == 0
    out = capsys.readouterr().out
    assert all(r["column"] in out for r in rows(IngestKind.INSTRUMENTS))
    assert run(["schema"]) == 0
    every = capsys.readouterr().out
    assert all(f"{k.value} file" in every for k in IngestKind)
    assert run(["schema", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {k.value for k in IngestKind}
    assert run(["ingest", "trades"]) == 2  # neither a file nor --describe
