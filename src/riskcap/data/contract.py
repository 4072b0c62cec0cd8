"""The input contract: what each kind of upstream file holds, column by column.

One table per ingest kind — column, type, required, meaning, example — built from the
lake table's Arrow schema (:mod:`riskcap.data.schemas`: names, types, nullability) and
the meanings below, so the reference cannot drift from what the ingest accepts (a test
checks that every column of every input table has its entry and nothing else does).
``riskcap schema KIND`` prints it (``--json``: a JSON Schema of one row),
``riskcap ingest KIND --describe`` too, and ``docs/input-contract.md`` is generated
from it (``riskcap schema --markdown``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from riskcap.data.conventions import BUSINESS_DAY_CONVENTIONS, DAY_COUNTS
from riskcap.data.identifiers import IDENTIFIER_RULE, MAX_IDENTIFIER_LENGTH, MAX_TEXT_LENGTH
from riskcap.data.kinds import DateFormat as DateFormat  # re-exported
from riskcap.data.kinds import IngestKind as IngestKind
from riskcap.data.schemas import (
    BOOKS,
    CURVES,
    FACTORS,
    HOLIDAYS,
    INSTRUMENTS,
    MARKET_DATA,
    OBSERVATIONS,
    POSITIONS,
    RATINGS,
    RESIDUAL_RISKS,
    SECTORS,
    SENIORITIES,
    TRADES,
    VOLS,
    FactorType,
    InstrumentType,
    ShockType,
    TableSpec,
)

KIND_TABLE: dict[IngestKind, TableSpec] = {
    IngestKind.BOOKS: BOOKS,
    IngestKind.INSTRUMENTS: INSTRUMENTS,
    IngestKind.FACTORS: FACTORS,
    IngestKind.POSITIONS: POSITIONS,
    IngestKind.TRADES: TRADES,
    IngestKind.MARKET_DATA: MARKET_DATA,
    IngestKind.CURVES: CURVES,
    IngestKind.VOLS: VOLS,
    IngestKind.OBSERVATIONS: OBSERVATIONS,
    IngestKind.HOLIDAYS: HOLIDAYS,
}

KIND_PURPOSE: dict[IngestKind, str] = {
    IngestKind.BOOKS: "the reporting hierarchy: each book's desk, legal entity and firm",
    IngestKind.INSTRUMENTS: "what can be held: type, currency, underlying factor, terms",
    IngestKind.FACTORS: "the market risk factors, how they are shocked, their calendar",
    IngestKind.POSITIONS: "a positions snapshot (replaces the as_of dates in the file)",
    IngestKind.TRADES: "a day's trades (appended; trade ids are unique)",
    IngestKind.MARKET_DATA: "price and index levels per date and factor (upserted)",
    IngestKind.CURVES: (
        "zero curves per date; also gives the IR.<CCY>.<TENOR> factor levels "
        "(load rates here only, not in market-data)"
    ),
    IngestKind.VOLS: (
        "implied-vol surfaces by expiry and moneyness; also gives the VOL.<X> factor "
        "level (the 1Y ATM point) and the smile points VOL.<X>.<M>, so load vols here "
        "only. Options need their underlying's vols"
    ),
    IngestKind.OBSERVATIONS: "real-price observations of factors (FRTB eligibility test)",
    IngestKind.HOLIDAYS: "market holidays per calendar (published ahead: future dates ok)",
}


class ColType(enum.StrEnum):
    """How a cell is read."""

    STR = "code"  # a code from a fixed list (types, currencies, call/put …)
    ID = "id"  # an identifier (riskcap.data.identifiers)
    TEXT = "text"  # free text shown back to users (descriptions)
    FLOAT = "number"
    INT = "integer"
    DATE = "date"
    BOOL = "boolean"


@dataclass(frozen=True)
class Col:
    """An input column: its type, whether the file must have it, whether it may be empty."""

    name: str
    type: ColType
    required: bool = True
    nullable: bool = False
    default: object = None  # value used when the column is absent or the cell empty
    meaning: str = ""
    example: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Doc:
    meaning: str
    example: str
    kind: ColType | None = None  # for strings: id, text or code (default: id)
    optional: bool = False  # the file may leave the column out
    default: object = None
    choices: tuple[str, ...] = ()


_ISO = "ISO unless --date-format"
_DOCS: dict[IngestKind, dict[str, _Doc]] = {
    IngestKind.BOOKS: {
        "book_id": _Doc("the book", "EQC-TECH"),
        "desk": _Doc(
            "its desk, in one legal entity: a desk name names one desk (empty: blocks "
            "the EOD's hierarchy check)",
            "EQ-CASH",
        ),
        "legal_entity": _Doc("its legal entity", "RC-US-LLC"),
        "firm": _Doc("the firm (one per lake)", "RISKCAP"),
        "description": _Doc("free text", "US tech shares", ColType.TEXT, optional=True),
    },
    IngestKind.INSTRUMENTS: {
        "instrument_id": _Doc("the instrument", "SPX-P4500-2025-06"),
        "instrument_type": _Doc(
            "its family", "index_option", ColType.STR, choices=tuple(InstrumentType)
        ),
        "description": _Doc("free text", "S&P 500 Jun-25 4500 put", ColType.TEXT, optional=True),
        "currency": _Doc(
            "ISO 4217 currency of its price (not the reporting currency: its FX factor "
            "FX.<CCY><REP> must be in the factors table)",
            "USD",
            ColType.STR,
        ),
        "underlying": _Doc(
            "factor_id of the underlying price (shares, indices, options, futures)",
            "IDX.SP500",
            optional=True,
        ),
        "multiplier": _Doc(
            "contract size / face / notional per unit", "100", optional=True, default=1.0
        ),
        "strike": _Doc(
            "option strike, in the underlying's units; FX forward rate (far leg of an FX "
            "swap), currency per base_currency",
            "4500",
            optional=True,
        ),
        "option_type": _Doc("options", "put", ColType.STR, optional=True, choices=("call", "put")),
        "expiry": _Doc(f"option or future expiry ({_ISO})", "2025-06-20", optional=True),
        "maturity": _Doc(
            f"bond or swap maturity; FX forward (far-leg) settlement ({_ISO})",
            "2030-03-15",
            optional=True,
        ),
        "fixed_rate": _Doc("bond coupon or swap fixed rate (decimal)", "0.035", optional=True),
        "payment_frequency": _Doc(
            "payments per year (bonds, a swap's fixed leg): 1, 2, 3, 4, 6 or 12", "2", optional=True
        ),
        "pay_receive": _Doc(
            "swaps: pay or receive the fixed leg",
            "pay",
            ColType.STR,
            optional=True,
            choices=("pay", "receive"),
        ),
        "curve_id": _Doc(
            "discount curve <CCY>.ZERO, the currency's OIS curve (bonds, swaps; options and "
            "futures without one use their currency's)",
            "USD.ZERO",
            optional=True,
        ),
        "base_currency": _Doc(
            "FX instruments: the currency bought, the pair's base (currency: the quote "
            "currency, in which strike and rates are)",
            "EUR",
            ColType.STR,
            optional=True,
        ),
        "near_date": _Doc(
            f"FX swap: near-leg settlement date ({_ISO})", "2025-01-06", optional=True
        ),
        "near_rate": _Doc(
            "FX swap: near-leg rate, currency per base_currency (the far leg's is strike)",
            "1.0850",
            optional=True,
        ),
        "issuer": _Doc(
            "bonds: the obligor; priced off the risk-free curve plus its spread curve "
            "<ISSUER>.SPREAD (empty: a risk-free bond)",
            "ACME",
            optional=True,
        ),
        "seniority": _Doc(
            "bonds: rank of the claim",
            "senior_unsecured",
            ColType.STR,
            optional=True,
            choices=SENIORITIES,
        ),
        "rating": _Doc(
            "bonds: external rating", "BBB", ColType.STR, optional=True, choices=RATINGS
        ),
        "sector": _Doc(
            "bonds: the issuer's sector (FRTB credit spread buckets, MAR21.51)",
            "financials",
            ColType.STR,
            optional=True,
            choices=SECTORS,
        ),
        "spread_curve": _Doc(
            "bonds: a shared spread curve <NAME>.SPREAD (by rating and sector) instead of "
            "the issuer's own",
            "BBB-FIN.SPREAD",
            optional=True,
        ),
        "start_date": _Doc(
            f"bonds, swaps: first accrual date ({_ISO}; empty: a regular schedule rolled "
            "backward from maturity)",
            "2024-03-15",
            optional=True,
        ),
        "calendar": _Doc(
            "bonds, swaps: holiday calendar of the schedule (joins with +; empty: the "
            "currency's, docs in riskcap.data.conventions)",
            "TARGET",
            ColType.STR,
            optional=True,
        ),
        "business_day_convention": _Doc(
            "bonds, swaps: how a date on a holiday moves (empty: modified_following)",
            "modified_following",
            ColType.STR,
            optional=True,
            choices=tuple(BUSINESS_DAY_CONVENTIONS),
        ),
        "day_count": _Doc(
            "bond coupons or a swap's fixed leg (empty: the currency's)",
            "30/360",
            ColType.STR,
            optional=True,
            choices=tuple(DAY_COUNTS),
        ),
        "float_day_count": _Doc(
            "swaps: the floating leg's and its index's day count (empty: the currency's)",
            "ACT/360",
            ColType.STR,
            optional=True,
            choices=tuple(DAY_COUNTS),
        ),
        "float_frequency": _Doc(
            "swaps: floating payments per year (empty: payment_frequency)", "4", optional=True
        ),
        "projection_curve": _Doc(
            "swaps: the curve the floating coupons are fixed on, <CCY>.<INDEX> with pillars "
            "IR.<CCY>.<INDEX>.<TENOR> (empty: the discount curve, one-curve valuation)",
            "EUR.EURIBOR3M",
            optional=True,
        ),
        "frtb_bucket": _Doc(
            "FRTB SA bucket of an equity (1–13, MAR21.72) or a commodity future (1–11, "
            "MAR21.80); empty: from the sector (a large cap of an advanced economy) or the "
            "commodity's name, else the 'other' bucket (docs/frtb-sa.md)",
            "8",
            optional=True,
        ),
        "residual_risk": _Doc(
            "FRTB SA residual risk add-on (MAR23): exotic (1 % of notional) or other "
            "(0.1 %); empty: none",
            "other",
            ColType.STR,
            optional=True,
            choices=RESIDUAL_RISKS,
        ),
    },
    IngestKind.FACTORS: {
        "factor_id": _Doc(
            "the factor; vols are VOL.<X> (X: the underlying's last part), curve pillars "
            "IR.<CCY>.<TENOR>",
            "EQ.AAPL",
        ),
        "factor_type": _Doc("its family", "equity_price", ColType.STR, choices=tuple(FactorType)),
        "shock_type": _Doc(
            "log (relative: prices, vols) or absolute (rates)",
            "log",
            ColType.STR,
            choices=tuple(ShockType),
        ),
        "unit": _Doc("free text", "USD", ColType.TEXT, optional=True),
        "synthetic": _Doc(
            "true for generated, not observed, data", "false", optional=True, default=False
        ),
        "source": _Doc("where the levels come from", "exchange close", ColType.TEXT, optional=True),
        "description": _Doc("free text", "Apple Inc. close", ColType.TEXT, optional=True),
        "calendar": _Doc(
            "market calendar (its holidays in a holidays file); empty: open every date "
            "the lake has data",
            "XNYS",
            optional=True,
        ),
    },
    IngestKind.POSITIONS: {
        "as_of": _Doc(f"snapshot date ({_ISO})", "2024-12-13"),
        "book_id": _Doc("a book of the books table", "EQC-TECH"),
        "instrument_id": _Doc("an instrument of the instruments table", "AAPL"),
        "quantity": _Doc("signed units held (long positive)", "1500"),
    },
    IngestKind.TRADES: {
        "trade_id": _Doc("unique across every trades file", "T000123"),
        "trade_date": _Doc(f"date the trade enters positions ({_ISO})", "2024-12-16"),
        "book_id": _Doc("a book of the books table", "EQC-TECH"),
        "instrument_id": _Doc("an instrument of the instruments table", "AAPL"),
        "quantity": _Doc("signed units traded (buy positive), not 0", "-200"),
        "price": _Doc("trade price per unit, instrument currency", "189.52"),
    },
    IngestKind.MARKET_DATA: {
        "date": _Doc(f"business date ({_ISO})", "2024-12-16"),
        "factor_id": _Doc("a factor of the factors table", "EQ.AAPL"),
        "value": _Doc("the level (price, index level, …)", "189.52"),
    },
    IngestKind.CURVES: {
        "date": _Doc(f"business date ({_ISO})", "2024-12-16"),
        "curve_id": _Doc(
            "the curve: <CCY>.ZERO, or an issuer's credit spread curve <ISSUER>.SPREAD (its "
            "zero_rate is the spread over the risk-free zero rate; factors CS.<ISSUER>.<TENOR>)",
            "USD.ZERO",
        ),
        "tenor_years": _Doc("pillar in years (> 0); the factor is IR.<CCY>.<3M|1Y|…>", "0.25"),
        "zero_rate": _Doc("continuously compounded zero rate, ACT/365F, decimal", "0.0431"),
    },
    IngestKind.VOLS: {
        "date": _Doc(f"business date ({_ISO})", "2024-12-16"),
        "underlying": _Doc("the underlying's factor_id", "IDX.SP500"),
        "tenor_years": _Doc("expiry in years (> 0)", "1.0"),
        "implied_vol": _Doc("implied vol, annualised decimal (> 0)", "0.182"),
        "moneyness": _Doc(
            "strike / spot of the point (> 0; empty: 1, ATM); a smile point at 1Y is the "
            "factor VOL.<X>.<M> (M in percent), when the factors table has it",
            "0.9",
            optional=True,
            default=1.0,
        ),
    },
    IngestKind.OBSERVATIONS: {
        "date": _Doc(f"date of a real price ({_ISO})", "2024-12-16"),
        "factor_id": _Doc("a factor of the factors table", "VOL.AAPL"),
        "source": _Doc("venue, vendor or trade repository", "OPRA trade", ColType.TEXT),
    },
    IngestKind.HOLIDAYS: {
        "calendar": _Doc("the calendar factors name", "XLON"),
        "date": _Doc(f"a day the market is closed ({_ISO})", "2024-12-26"),
        "description": _Doc("free text", "Boxing Day", ColType.TEXT, optional=True),
    },
}


def _col_type(field: pa.Field, doc: _Doc) -> ColType:
    t = field.type
    if pa.types.is_date(t):
        return ColType.DATE
    if pa.types.is_floating(t):
        return ColType.FLOAT
    if pa.types.is_integer(t):
        return ColType.INT
    if pa.types.is_boolean(t):
        return ColType.BOOL
    return doc.kind or ColType.ID


def columns(kind: IngestKind) -> tuple[Col, ...]:
    """The columns of a ``kind`` file, from its table's schema and the meanings above."""
    docs = _DOCS[kind]
    out = []
    for f in KIND_TABLE[kind].schema:
        doc = docs[f.name]
        out.append(
            Col(
                f.name,
                _col_type(f, doc),
                required=not doc.optional,
                nullable=f.nullable or doc.default is not None,
                default=doc.default,
                meaning=doc.meaning,
                example=doc.example,
                choices=tuple(str(c) for c in doc.choices),
            )
        )
    return tuple(out)


def _type_text(c: Col) -> str:
    if c.choices:
        return "one of " + ", ".join(c.choices)
    return {
        ColType.ID: f"identifier (≤ {MAX_IDENTIFIER_LENGTH})",
        ColType.TEXT: f"text (≤ {MAX_TEXT_LENGTH})",
        ColType.STR: "code",
    }.get(c.type, c.type.value)


def rows(kind: IngestKind) -> list[dict[str, str]]:
    """The reference table of ``kind``: column, type, required, meaning, example."""
    out = []
    for c in columns(kind):
        need = "yes" if c.required and not c.nullable else ("column" if c.required else "no")
        meaning = c.meaning + (f" (empty: {c.default})" if c.default is not None else "")
        out.append(
            {
                "column": c.name,
                "type": _type_text(c),
                "required": need,
                "meaning": meaning,
                "example": c.example,
            }
        )
    return out


_JSON_TYPES = {
    ColType.FLOAT: {"type": "number"},
    ColType.INT: {"type": "integer"},
    ColType.BOOL: {"type": "boolean"},
    ColType.DATE: {"type": "string", "format": "date"},
}


def json_schema(kind: IngestKind) -> dict[str, Any]:
    """A JSON Schema (2020-12) of one row of a ``kind`` file."""
    props: dict[str, Any] = {}
    for c in columns(kind):
        prop: dict[str, Any] = dict(_JSON_TYPES.get(c.type, {"type": "string"}))
        if c.type is ColType.ID:
            prop |= {
                "minLength": 1,
                "maxLength": MAX_IDENTIFIER_LENGTH,
                "pattern": r"^[^\W_][\w.\-]*$",
            }
        elif c.type is ColType.TEXT:
            prop["maxLength"] = MAX_TEXT_LENGTH
        if c.choices:
            prop["enum"] = list(c.choices)
        if c.nullable:
            prop = {"anyOf": [prop, {"type": "null"}]}
        prop["description"] = c.meaning + (f" — {IDENTIFIER_RULE}" if c.type is ColType.ID else "")
        if c.default is not None:
            prop["default"] = c.default
        prop["examples"] = [_typed(c)]
        props[c.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"riskcap {kind.value} file row",
        "description": KIND_PURPOSE[kind],
        "type": "object",
        "properties": props,
        "required": [c.name for c in columns(kind) if c.required],
        "additionalProperties": True,  # extra columns are ignored with a warning
    }


def _typed(c: Col) -> object:
    """A column's example as the JSON value a row would carry."""
    if c.type is ColType.FLOAT:
        return float(c.example)
    if c.type is ColType.INT:
        return int(c.example)
    if c.type is ColType.BOOL:
        return c.example == "true"
    return c.example


def markdown() -> str:
    """``docs/input-contract.md``: every kind's table (generated; do not edit)."""
    lines = [
        "# Input contract",
        "",
        "Generated by `riskcap schema --markdown` from `riskcap/data/contract.py` and the",
        "lake schemas; a test keeps this file equal to the output. Files are CSV (UTF-8,",
        "header row), gzipped CSV or Parquet; dates are ISO (`YYYY-MM-DD`) unless",
        "`riskcap ingest KIND FILE --date-format us|eu|eu-dot|compact` says otherwise;",
        "extra columns are ignored with a warning. *required*: `yes` the column and a",
        "value in every row, `column` the column (a cell may be empty), `no` neither.",
        f"Identifiers: {IDENTIFIER_RULE} (Unicode NFKC-normalised).",
        "",
    ]
    for kind in IngestKind:
        lines += [
            f"## {kind.value}",
            "",
            f"{KIND_PURPOSE[kind][0].upper()}{KIND_PURPOSE[kind][1:]}. Lands in the "
            f"`{KIND_TABLE[kind].name}` table.",
            "",
            "| column | type | required | meaning | example |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{r['column']}` | {r['type']} | {r['required']} | {r['meaning']} | "
            f"`{r['example']}` |"
            for r in rows(kind)
        ]
        lines.append("")
    return "\n".join(lines)
