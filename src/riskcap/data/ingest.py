"""Ingestion of upstream files (CSV, gzipped CSV, Parquet) into the lake.

A file goes through four gates, in order:

1. **File**: it must exist, be readable, non-empty, well-formed, and carry every
   required column. Otherwise :class:`~riskcap.errors.InputFileError`, nothing written.
2. **Rows**: every row is checked against its kind's rules (types, finite numbers,
   known books / instruments / factors, unique keys, no future dates, ...). Each
   broken rule is a violation naming the rule and the 1-based data row number.
3. **Threshold**: if the share of bad rows exceeds ``ingest.max_bad_fraction`` the
   whole file is rejected (:class:`~riskcap.errors.IngestRejected`) and no table
   changes version.
4. **Write**: bad rows go to ``quarantine`` (rule, row, raw values), then the good
   rows land in the target table in **one** commit tagged with the file's sha256.

Ingesting the same content again (same sha256 into the same table) is a no-op that
says so. A curves or vols file also writes the factor levels it defines into
``market_data`` (:func:`derive_factor_levels`): rates and vols are loaded once.
The target table's writer lock is held from the duplicate check to the
commit, so two processes never interleave.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskcap.data.contract import KIND_TABLE, Col, ColType, DateFormat, IngestKind, columns
from riskcap.data.conventions import (
    BUSINESS_DAY_CONVENTIONS,
    CALENDARS,
    DAY_COUNTS,
    PAYMENT_FREQUENCIES,
    is_calendar,
)
from riskcap.data.currencies import is_currency
from riskcap.data.factor_names import (
    DEFAULT_REPORTING_CURRENCY,
    SPREAD_SUFFIX,
    VOL_FACTOR_TENOR,
    curve_pillar,
    fx_factor,
    smile_factor,
)
from riskcap.data.identifiers import identifier_problem, normalise, text_problem
from riskcap.data.kinds import STRICT_KINDS
from riskcap.data.lake import Lake, WriteMode, sql_literal
from riskcap.data.mapping import FX_TYPES
from riskcap.data.schemas import (
    BUSINESS_LINES,
    COLLATERAL_TYPES,
    CREDIT_APPROACHES,
    EVENT_TYPES,
    EXPOSURE_CLASSES,
    EXPOSURE_PRODUCTS,
    MARKET_DATA,
    OTC_ASSIGNABLE,
    QUARANTINE,
    RATINGS,
    RESIDUAL_RISKS,
    SECTORS,
    SENIORITIES,
    FactorType,
    InstrumentType,
    ShockType,
    TableSpec,
)
from riskcap.errors import IngestRejected, InputFileError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Violation:
    row: int  # 1-based data row number
    rule: str
    detail: str


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did. ``already_ingested`` means nothing was written."""

    kind: IngestKind
    file: str
    sha256: str
    rows_read: int
    rows_written: int
    rows_quarantined: int
    table: str
    table_version: int
    quarantine_version: int
    already_ingested: bool = False
    rule_counts: dict[str, int] = field(default_factory=dict)
    # curves / vols: factor levels written to market_data (IR.<CCY>.<TENOR>, VOL.<X>)
    derived_rows: int = 0
    derived_version: int | None = None
    underived: tuple[str, ...] = ()  # derivable factors missing from `factors`


_NONFINITE_TEXT = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "-infinity"}
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_ROW = "_row"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- reading --------------------------------------------------------------------------
def read_rows(path: Path) -> tuple[pd.DataFrame, list[Violation]]:
    """Read a CSV (optionally gzipped) or Parquet file as text columns.

    Returns the frame (all values ``str`` or ``None``, plus a ``_row`` column with
    the 1-based data row number) and one ``malformed_row`` violation per CSV line
    whose field count differs from the header's.
    """
    if not path.exists():
        raise InputFileError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path}: empty file (0 bytes), nothing to ingest")
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return _read_parquet(path), []
    if name.endswith((".csv", ".csv.gz")):
        return _read_csv(path)
    raise InputFileError(f"{path}: unsupported file type (use .csv, .csv.gz or .parquet)")


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[Violation]]:
    try:
        raw = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8-sig")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputFileError(f"{path}: cannot read file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text (byte {exc.start}): not a CSV file") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InputFileError(f"{path}: empty file (no header row), nothing to ingest")
        header = [h.strip() for h in header]
        records: list[list[str | None]] = []
        rows: list[int] = []
        malformed: list[Violation] = []
        data_row = 0
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line
            data_row += 1
            if len(fields) != len(header):
                malformed.append(
                    Violation(
                        data_row,
                        "malformed_row",
                        f"line {reader.line_num}: {len(fields)} fields, header has {len(header)}",
                    )
                )
                continue
            records.append([f.strip() or None for f in fields])
            rows.append(data_row)
    except csv.Error as exc:
        raise InputFileError(f"{path}: malformed CSV at line {reader.line_num}: {exc}") from exc
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise InputFileError(f"{path}: duplicate column name(s) {', '.join(dupes)}")
    if data_row == 0:
        raise InputFileError(f"{path}: empty file (header only, no data rows), nothing to ingest")
    frame = pd.DataFrame(records, columns=header, dtype=object)
    frame[_ROW] = np.asarray(rows, dtype=np.int64)
    return frame, malformed


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputFileError(f"{path}: not a readable Parquet file: {exc}") from exc
    if table.num_rows == 0:
        raise InputFileError(f"{path}: empty file (no data rows), nothing to ingest")
    columns = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.date32())
        columns[name] = col.cast(pa.string()).to_pylist()
    frame = pd.DataFrame(columns, dtype=object)
    frame[_ROW] = np.arange(1, table.num_rows + 1, dtype=np.int64)
    return frame


# -- validation -----------------------------------------------------------------------
@dataclass
class _Checker:
    """Collects violations over a frame, one boolean mask per rule."""

    frame: pd.DataFrame
    violations: list[Violation] = field(default_factory=list)
    parsed: dict[str, pd.Series] = field(default_factory=dict)  # value given and parsed

    def flag(self, mask: pd.Series, rule: str, detail: Callable[[pd.Series], str]) -> None:
        mask = mask.fillna(False).astype(bool)
        for _, row in self.frame.loc[mask].iterrows():
            self.violations.append(Violation(int(row[_ROW]), rule, detail(row)))


def _checked_text(text: pd.Series, col: Col, check: _Checker) -> pd.Series:
    """``text`` NFKC-normalised; a value that breaks the identifier (or free-text) rule
    of :mod:`riskcap.data.identifiers` is an ``invalid_identifier`` (``invalid_text``)
    violation."""
    is_id = col.type is ColType.ID
    problem_of = identifier_problem if is_id else text_problem
    # each distinct value once (a market-data file repeats a few dozen factor ids a
    # million times); values that are not text are left as they are
    codes, uniques = pd.factorize(text)
    is_str = np.array([isinstance(u, str) for u in uniques] + [False], bool)
    fixed = np.array([normalise(u) if isinstance(u, str) else u for u in uniques] + [None], object)
    found = np.array(
        [problem_of(v) if isinstance(v, str) else None for v in fixed[:-1]] + [None], object
    )
    text_cells = is_str[codes]
    normalised = text.astype(object).copy()
    normalised[text_cells] = fixed[codes[text_cells]]
    problems = pd.Series(np.where(text_cells, found[codes], None), index=text.index, dtype=object)

    def detail(row: pd.Series) -> str:
        return f"{col.name} {_shown(row[col.name])} {problems.loc[row.name]}"

    check.flag(problems.notna(), "invalid_identifier" if is_id else "invalid_text", detail)
    return normalised


def _shown(value: object, limit: int = 40) -> str:
    """A cell for an error message: repr (controls escaped), cut to ``limit`` chars."""
    text = ascii(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"


def _not_a(col: str, what: str) -> Callable[[pd.Series], str]:
    return lambda r: f"{col} {r[col]!r} is not {what}"


def _fixed(text: str) -> Callable[[pd.Series], str]:
    return lambda _r: text


def _coerce(
    frame: pd.DataFrame,
    cols: Iterable[Col],
    check: _Checker,
    date_format: DateFormat = DateFormat.ISO,
) -> pd.DataFrame:
    """Typed copy of ``frame``; a value that does not parse is a ``type`` violation."""
    out = pd.DataFrame({_ROW: frame[_ROW]})
    for col in cols:
        if col.name not in frame.columns:
            out[col.name] = None
            continue
        text = frame[col.name]
        present = text.notna()
        if col.type is ColType.STR:
            out[col.name] = text
            continue
        if col.type in (ColType.ID, ColType.TEXT):
            out[col.name] = _checked_text(text, col, check)
            continue
        if col.type in (ColType.FLOAT, ColType.INT):
            values = pd.to_numeric(text, errors="coerce")
            unparsed = present & values.isna()  # "nan", "inf" … are numbers; others not
            lowered = text[unparsed].astype(str).str.strip().str.lower()
            bad = unparsed & ~lowered.isin(_NONFINITE_TEXT).reindex(text.index, fill_value=False)
            if col.type is ColType.INT:
                bad |= present & values.notna() & (values != np.round(values))
            what = "a number" if col.type is ColType.FLOAT else "an integer"
            check.flag(bad, "type", _not_a(col.name, what))
            check.parsed[col.name] = present & ~bad
            out[col.name] = values.where(~bad)
        elif col.type is ColType.DATE:
            values = pd.to_datetime(text, format=date_format.pattern, errors="coerce")
            bad = present & values.isna()
            what = (
                "an ISO date (YYYY-MM-DD; other formats: --date-format)"
                if date_format is DateFormat.ISO
                else f"a date in the {date_format.value} format (e.g. {date_format.example})"
            )
            check.flag(bad, "type", _not_a(col.name, what))
            # an object column of date or None, whatever the share of bad cells (an
            # all-NaT column used to keep NaT, which no later rule can compare)
            codes, days = pd.factorize(values)  # each distinct date once; NaT: -1
            as_date = np.array([d.date() for d in days] + [None], object)
            out[col.name] = pd.Series(as_date[codes], index=text.index, dtype=object)
        else:
            lowered = text.astype(str).str.strip().str.lower()
            values = lowered.map(_BOOL_TEXT)
            bad = present & values.isna()
            check.flag(bad, "type", _not_a(col.name, "true/false"))
            out[col.name] = values
    for col in cols:
        if col.default is not None:  # only where the cell is empty: a literal nan is a value
            given = (
                frame[col.name].notna()
                if col.name in frame.columns
                else pd.Series(False, index=frame.index)
            )
            out[col.name] = out[col.name].astype(object).where(given, col.default)
        if not col.nullable:
            missing = frame[col.name].isna() if col.name in frame.columns else True
            check.flag(
                pd.Series(missing, index=frame.index),
                "required_value",
                _fixed(f"{col.name} is empty"),
            )
    return out


def _finite(check: _Checker, typed: pd.DataFrame, col: str, rule: str) -> None:
    """Flag NaN / ±inf values (a value that did not parse is already a ``type`` error)."""
    values = typed[col].astype(float)
    parsed = check.parsed.get(col, typed[col].notna())
    check.flag(
        parsed & ~np.isfinite(values),
        rule,
        lambda r: f"{col} is {typed.loc[r.name, col]}",
    )


def _not_future(check: _Checker, typed: pd.DataFrame, col: str, today: dt.date) -> None:
    future = typed[col].map(lambda d: d is not None and d > today)
    check.flag(future, "future_date", lambda r: f"{col} {r[col]} is after today ({today})")


def _positive(check: _Checker, typed: pd.DataFrame, col: str) -> None:
    values = typed[col].astype(float)
    parsed = check.parsed.get(col, typed[col].notna())
    check.flag(
        parsed & ~(np.isfinite(values) & (values > 0)),
        f"positive_{col}",
        lambda r: f"{col} {typed.loc[r.name, col]} is not a positive finite number",
    )


def _known(check: _Checker, typed: pd.DataFrame, col: str, known: set[str], what: str) -> None:
    unknown = typed[col].notna() & ~typed[col].isin(known)
    check.flag(unknown, f"unknown_{what}", lambda r: f"{col} {r[col]!r} is not a known {what}")


def _unique(check: _Checker, typed: pd.DataFrame, key: list[str], rule: str) -> None:
    # a row whose key did not parse is a type error, not a duplicate
    dup = typed.duplicated(subset=key, keep="first") & typed[key].notna().all(axis=1)
    check.flag(
        dup,
        rule,
        lambda r: "duplicate of an earlier row: " + ", ".join(f"{k}={r[k]}" for k in key),
    )


@dataclass(frozen=True)
class Reference:
    """Reference data the rules check against (read from the lake's latest versions)."""

    books: set[str]
    instruments: set[str]
    factors: set[str]
    trade_ids: set[str]
    factor_types: dict[str, str] = field(default_factory=dict)
    reporting: str = DEFAULT_REPORTING_CURRENCY  # instruments: FX rates are to it
    spread_curves: set[str] = field(default_factory=set)  # curves: <ISSUER>.SPREAD known
    # desk → (its legal entity, its books) in the stored books table
    desk_entities: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    # Basel III inputs: the books' legal entities (and the firm), stored counterparties,
    # margin agreements, netting sets, and each instrument's type
    entities: set[str] = field(default_factory=set)
    firms: set[str] = field(default_factory=set)
    counterparties: set[str] = field(default_factory=set)
    agreements: set[str] = field(default_factory=set)
    netting_sets: set[str] = field(default_factory=set)
    instrument_types: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_lake(
        cls, lake: Lake, kind: IngestKind, reporting: str = DEFAULT_REPORTING_CURRENCY
    ) -> Reference:
        def ids(table: str, col: str) -> set[str]:
            return set(lake.read(table, columns=[col]).column(col).to_pylist())

        needs_books = kind in (IngestKind.POSITIONS, IngestKind.TRADES)
        basel3 = kind in STRICT_KINDS
        return cls(
            entities=ids("books", "legal_entity") - {None} if basel3 else set(),
            firms=ids("books", "firm") - {None} if basel3 else set(),
            counterparties=ids("counterparties", "counterparty_id") if basel3 else set(),
            agreements=ids("collateral_agreements", "agreement_id") if basel3 else set(),
            netting_sets=ids("netting_sets", "netting_set_id") if basel3 else set(),
            instrument_types=_instrument_types(lake) if kind is IngestKind.OTC_ASSIGNMENTS else {},
            books=ids("books", "book_id") if needs_books else set(),
            instruments=ids("instruments", "instrument_id") if needs_books else set(),
            factors=ids("factors", "factor_id")
            if kind
            in (
                IngestKind.MARKET_DATA,
                IngestKind.INSTRUMENTS,
                IngestKind.VOLS,
                IngestKind.OBSERVATIONS,
            )
            else set(),
            trade_ids=ids("trades", "trade_id") if kind is IngestKind.TRADES else set(),
            factor_types=_factor_types(lake) if kind is IngestKind.INSTRUMENTS else {},
            desk_entities=_desk_entities(lake) if kind is IngestKind.BOOKS else {},
            reporting=reporting,
            spread_curves=_spread_curves(lake) if kind is IngestKind.CURVES else set(),
        )


def _spread_curves(lake: Lake) -> set[str]:
    """The spread curves the instruments table names: ``<ISSUER>.SPREAD`` of every
    issuer, and every ``spread_curve``."""
    table = lake.read("instruments", columns=["issuer", "spread_curve"])
    issuers = {f"{i}{SPREAD_SUFFIX}" for i in table.column("issuer").to_pylist() if i}
    return issuers | {c for c in table.column("spread_curve").to_pylist() if c}


def _instrument_types(lake: Lake) -> dict[str, str]:
    table = lake.read("instruments", columns=["instrument_id", "instrument_type"])
    ids, types = (table.column(c).to_pylist() for c in ("instrument_id", "instrument_type"))
    return dict(zip(ids, types, strict=True))


def _factor_types(lake: Lake) -> dict[str, str]:
    table = lake.read("factors", columns=["factor_id", "factor_type"])
    ids, types = (table.column(c).to_pylist() for c in ("factor_id", "factor_type"))
    return dict(zip(ids, types, strict=True))


def _desk_entities(lake: Lake) -> dict[str, tuple[str, frozenset[str]]]:
    """The legal entity of each stored desk (the first by name if a lake made before
    this rule has two) and the desk's books."""
    books = lake.read("books", columns=["book_id", "desk", "legal_entity"]).to_pylist()
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for b in sorted(books, key=lambda b: (str(b["legal_entity"]), str(b["book_id"]))):
        desk, entity = b["desk"], b["legal_entity"]
        if desk is None or entity is None:
            continue
        first, held = out.get(desk, (str(entity), frozenset()))
        out[str(desk)] = (first, held | {str(b["book_id"])})
    return out


_NEEDS: dict[str, tuple[str, ...]] = {
    InstrumentType.EQUITY_OPTION: ("underlying", "strike", "option_type", "expiry"),
    InstrumentType.INDEX_OPTION: ("underlying", "strike", "option_type", "expiry"),
    InstrumentType.INDEX_FUTURE: ("underlying", "expiry"),
    InstrumentType.EQUITY: ("underlying",),
    InstrumentType.INDEX: ("underlying",),
    InstrumentType.BOND: ("maturity", "fixed_rate", "payment_frequency", "curve_id"),
    InstrumentType.IRS: ("maturity", "fixed_rate", "payment_frequency", "pay_receive", "curve_id"),
    InstrumentType.FX_FORWARD: ("base_currency", "maturity", "strike"),
    InstrumentType.FX_SWAP: ("base_currency", "near_date", "near_rate", "maturity", "strike"),
    InstrumentType.FX_OPTION: ("base_currency", "strike", "option_type", "expiry"),
    InstrumentType.COMMODITY_FUTURE: ("underlying", "expiry"),
}


# the factor types an instrument type may have as its underlying (the pricing kernels
# value shares, indices and their options and futures only)
UNDERLYING_TYPES: dict[str, frozenset[str]] = {
    InstrumentType.EQUITY: frozenset({FactorType.EQUITY_PRICE, FactorType.ETF_PRICE}),
    InstrumentType.INDEX: frozenset({FactorType.INDEX_LEVEL, FactorType.ETF_PRICE}),
    InstrumentType.EQUITY_OPTION: frozenset({FactorType.EQUITY_PRICE, FactorType.ETF_PRICE}),
    InstrumentType.INDEX_OPTION: frozenset({FactorType.INDEX_LEVEL, FactorType.ETF_PRICE}),
    InstrumentType.INDEX_FUTURE: frozenset({FactorType.INDEX_LEVEL, FactorType.ETF_PRICE}),
}


def _kind_rules(
    kind: IngestKind, typed: pd.DataFrame, check: _Checker, ref: Reference, today: dt.date
) -> None:
    if kind is IngestKind.TRADES:
        _unique(check, typed, ["trade_id"], "duplicate_trade_id")
        check.flag(
            typed["trade_id"].isin(ref.trade_ids),
            "duplicate_trade_id",
            lambda r: f"trade_id {r['trade_id']!r} is already in the trades table",
        )
        _not_future(check, typed, "trade_date", today)
        _known(check, typed, "book_id", ref.books, "book")
        _known(check, typed, "instrument_id", ref.instruments, "instrument")
        _finite(check, typed, "quantity", "finite_quantity")
        check.flag(typed["quantity"] == 0, "nonzero_quantity", lambda r: "quantity is 0")
        _finite(check, typed, "price", "finite_price")
    elif kind is IngestKind.POSITIONS:
        _unique(check, typed, ["as_of", "book_id", "instrument_id"], "duplicate_key")
        _not_future(check, typed, "as_of", today)
        _known(check, typed, "book_id", ref.books, "book")
        _known(check, typed, "instrument_id", ref.instruments, "instrument")
        _finite(check, typed, "quantity", "finite_quantity")
    elif kind is IngestKind.MARKET_DATA:
        _unique(check, typed, ["date", "factor_id"], "duplicate_key")
        _not_future(check, typed, "date", today)
        _known(check, typed, "factor_id", ref.factors, "factor")
        _finite(check, typed, "value", "finite_price")
    elif kind is IngestKind.CURVES:
        _unique(check, typed, ["date", "curve_id", "tenor_years"], "duplicate_key")
        _not_future(check, typed, "date", today)
        _positive(check, typed, "tenor_years")
        _finite(check, typed, "zero_rate", "finite_price")
        _increasing_pillars(check, typed)
        spreads = typed["curve_id"].fillna("").str.endswith(SPREAD_SUFFIX)
        check.flag(
            spreads & ~typed["curve_id"].isin(ref.spread_curves),
            "unknown_issuer",
            lambda r: (
                f"spread curve {r['curve_id']} names no issuer or spread_curve of the "
                "instruments table (ingest the instruments first)"
            ),
        )
    elif kind is IngestKind.VOLS:
        _unique(check, typed, ["date", "underlying", "tenor_years", "moneyness"], "duplicate_key")
        _not_future(check, typed, "date", today)
        pairs = {u for u in typed["underlying"].dropna().unique() if is_fx_pair(str(u))}
        _known(check, typed, "underlying", ref.factors | pairs, "factor")
        _positive(check, typed, "tenor_years")
        _positive(check, typed, "implied_vol")
        _positive(check, typed, "moneyness")
    elif kind is IngestKind.OBSERVATIONS:
        _unique(check, typed, ["date", "factor_id", "source"], "duplicate_key")
        _not_future(check, typed, "date", today)
        _known(check, typed, "factor_id", ref.factors, "factor")
    elif kind is IngestKind.HOLIDAYS:  # published ahead: future dates are expected
        _unique(check, typed, ["calendar", "date"], "duplicate_key")
    elif kind is IngestKind.BOOKS:
        _unique(check, typed, ["book_id"], "duplicate_key")
        _one_entity_per_desk(check, typed, ref)
    elif kind is IngestKind.FACTORS:
        _unique(check, typed, ["factor_id"], "duplicate_key")
        _enum(check, typed, "factor_type", {t.value for t in FactorType})
        _enum(check, typed, "shock_type", {t.value for t in ShockType})
    elif kind is IngestKind.INSTRUMENTS:
        _instrument_rules(typed, check, ref)
    elif kind in STRICT_KINDS:
        _basel3_rules(kind, typed, check, ref, today)


def _at_least(check: _Checker, typed: pd.DataFrame, cols: Iterable[str], low: float) -> None:
    """Each of ``cols`` (where given) finite and ≥ ``low``: rule ``negative_<col>``."""
    for col in cols:
        values = pd.to_numeric(typed[col], errors="coerce").astype(float)
        parsed = check.parsed.get(col, typed[col].notna())
        check.flag(
            parsed & ~(np.isfinite(values) & (values >= low)),
            f"negative_{col}" if low == 0 else f"{col}_below_{low:g}",
            _below(typed, col, low),
        )


def _below(typed: pd.DataFrame, col: str, low: float) -> Callable[[pd.Series], str]:
    return lambda r: f"{col} {typed.loc[r.name, col]} is not a finite number ≥ {low:g}"


def _currency(check: _Checker, typed: pd.DataFrame, col: str) -> None:
    check.flag(
        typed[col].notna() & ~typed[col].map(lambda c: isinstance(c, str) and is_currency(c)),
        "invalid_currency",
        _not_iso(col),
    )


def _basel3_rules(
    kind: IngestKind, typed: pd.DataFrame, check: _Checker, ref: Reference, today: dt.date
) -> None:
    """Rules of the Basel III inputs (issue 21); a file that breaks one is rejected
    whole (:data:`~riskcap.data.kinds.STRICT_KINDS`)."""
    _unique(check, typed, list(KIND_TABLE[kind].key), "duplicate_key")
    if "currency" in typed.columns:
        _currency(check, typed, "currency")
    if kind is IngestKind.COUNTERPARTIES:
        _known(check, typed, "legal_entity", ref.entities, "legal_entity")
        _enum(check, typed, "exposure_class", set(EXPOSURE_CLASSES))
        _enum(check, typed, "sector", set(SECTORS))
        _enum(check, typed, "rating", set(RATINGS))
        _enum(check, typed, "approach", set(CREDIT_APPROACHES))
        _enum(check, typed, "scra_grade", {"A", "B", "C"})
        check.flag(
            ~typed["country"].map(lambda c: isinstance(c, str) and len(c) == 2 and c.isupper()),
            "invalid_country",
            _not_a("country", "an ISO 3166-1 alpha-2 code (GB, US …)"),
        )
        pd_ = pd.to_numeric(typed["pd"], errors="coerce").astype(float)
        check.flag(
            typed["pd"].notna() & ~((pd_ > 0) & (pd_ <= 1)),
            "pd_range",
            lambda r: f"pd {typed.loc[r.name, 'pd']} is outside (0, 1]",
        )
        lgd = pd.to_numeric(typed["lgd"], errors="coerce").astype(float)
        check.flag(
            typed["lgd"].notna() & ~((lgd >= 0) & (lgd <= 1)),
            "lgd_range",
            lambda r: f"lgd {typed.loc[r.name, 'lgd']} is outside [0, 1]",
        )
        irb = typed["approach"].isin(["firb", "airb"])
        check.flag(
            irb & typed["pd"].isna(),
            "irb_needs_pd",
            lambda r: f"approach {r['approach']} needs a pd",
        )
        check.flag(
            (typed["approach"] == "firb") & (typed["exposure_class"] == "retail"),
            "retail_foundation",
            _fixed("retail exposures have no foundation IRB (CRE30.33): use airb or sa"),
        )
        check.flag(
            (typed["approach"] == "airb") & typed["lgd"].isna(),
            "airb_needs_lgd",
            _fixed("approach airb needs an own lgd"),
        )
        _at_least(check, typed, ["turnover_m"], 0.0)
    elif kind is IngestKind.EXPOSURES:
        _known(check, typed, "counterparty_id", ref.counterparties, "counterparty")
        _enum(check, typed, "product", set(EXPOSURE_PRODUCTS))
        _enum(check, typed, "collateral_type", set(COLLATERAL_TYPES))
        _enum(check, typed, "collateral_rating", set(RATINGS))
        _at_least(check, typed, ["drawn", "undrawn", "collateral_value"], 0.0)
        ccf = pd.to_numeric(typed["ccf"], errors="coerce").astype(float)
        check.flag(
            typed["ccf"].notna() & ~((ccf >= 0) & (ccf <= 1)),
            "ccf_range",
            lambda r: f"ccf {typed.loc[r.name, 'ccf']} is outside [0, 1]",
        )
        check.flag(
            typed["collateral_currency"].notna()
            & ~typed["collateral_currency"].map(lambda c: isinstance(c, str) and is_currency(c)),
            "invalid_currency",
            _not_iso("collateral_currency"),
        )
        property_loan = typed["product"].isin(["mortgage", "cre_loan"])
        value = pd.to_numeric(typed["collateral_value"], errors="coerce").astype(float)
        check.flag(
            property_loan
            & ~(
                typed["collateral_type"].isin(["residential_property", "commercial_property"])
                & (value > 0)
            ),
            "property_value",
            lambda r: f"a {r['product']} needs its property as collateral with a value > 0",
        )
        check.flag(
            typed["start_date"].notna()
            & typed["maturity"].notna()
            & (typed["start_date"].astype(object) > typed["maturity"].astype(object)),
            "maturity_before_start",
            lambda r: f"maturity {r['maturity']} is before start_date {r['start_date']}",
        )
    elif kind is IngestKind.COLLATERAL_AGREEMENTS:
        _at_least(check, typed, ["threshold", "mta", "collateral_held", "collateral_posted"], 0.0)
        _at_least(check, typed, ["remargin_days"], 1.0)
        _at_least(check, typed, ["mpor_days"], 10.0)  # CRE52.50: at least 10 business days
        _finite(check, typed, "independent_amount", "finite_independent_amount")
    elif kind is IngestKind.NETTING_SETS:
        _known(check, typed, "counterparty_id", ref.counterparties, "counterparty")
        _known(check, typed, "agreement_id", ref.agreements, "agreement")
    elif kind is IngestKind.OTC_ASSIGNMENTS:
        _known(check, typed, "instrument_id", set(ref.instrument_types), "instrument")
        _known(check, typed, "netting_set_id", ref.netting_sets, "netting_set")
        check.flag(
            typed["instrument_id"].isin(set(ref.instrument_types))
            & ~typed["instrument_id"].map(lambda i: ref.instrument_types.get(i) in OTC_ASSIGNABLE),
            "not_otc",
            lambda r: (
                f"instrument {r['instrument_id']} is a {ref.instrument_types[r['instrument_id']]}, "
                f"not an OTC derivative ({', '.join(sorted(OTC_ASSIGNABLE))})"
            ),
        )
    elif kind is IngestKind.OP_LOSSES:
        _known(check, typed, "legal_entity", ref.entities, "legal_entity")
        _not_future(check, typed, "accounting_date", today)
        _enum(check, typed, "business_line", set(BUSINESS_LINES))
        _enum(check, typed, "event_type", set(EVENT_TYPES))
        _at_least(check, typed, ["gross_loss", "recoveries"], 0.0)
        gross = pd.to_numeric(typed["gross_loss"], errors="coerce").astype(float)
        rec = pd.to_numeric(typed["recoveries"], errors="coerce").astype(float)
        check.flag(
            rec > gross,
            "recoveries_above_loss",
            lambda r: f"recoveries {r['recoveries']} exceed gross_loss {r['gross_loss']}",
        )
    elif kind is IngestKind.FINANCIALS:
        _known(check, typed, "legal_entity", ref.entities, "legal_entity")
        _at_least(check, typed, BI_ITEMS, 0.0)
        year = pd.to_numeric(typed["year"], errors="coerce")
        check.flag(
            typed["year"].notna() & ((year < 1900) | (year > today.year)),
            "year_range",
            lambda r: f"year {r['year']} is not a past or current year",
        )
    elif kind is IngestKind.CAPITAL_RESOURCES:
        _known(check, typed, "legal_entity", ref.entities | ref.firms, "legal_entity")
        _not_future(check, typed, "as_of", today)
        _at_least(
            check,
            typed,
            ["cet1_instruments", "cet1_deductions", "at1", "tier2", "other_assets"],
            0.0,
        )


# the business indicator's items (OPE25.7): income, expense and assets, never negative
BI_ITEMS = (
    "interest_income",
    "interest_expense",
    "interest_earning_assets",
    "dividend_income",
    "fee_income",
    "fee_expense",
    "other_operating_income",
    "other_operating_expense",
)


def is_fx_pair(name: str) -> bool:
    """``FX.EURGBP``: an FX pair of two ISO 4217 currencies (the underlying of an FX
    option's vol surface, a factor or not)."""
    body = name.removeprefix("FX.")
    return (
        name.startswith("FX.")
        and len(body) == 6
        and is_currency(body[:3])
        and (is_currency(body[3:]))
    )


def _increasing_pillars(check: _Checker, typed: pd.DataFrame) -> None:
    """A curve's pillars come in increasing tenor order, date by date (a row whose
    tenor is below the one before it on the same curve and date breaks the rule)."""
    before = typed.groupby(["date", "curve_id"], sort=False)["tenor_years"].shift()
    tenor = typed["tenor_years"].astype(float)
    check.flag(
        before.notna() & (tenor < before.astype(float)),
        "pillars_not_increasing",
        lambda r: (
            f"tenor_years {r['tenor_years']} of {r['curve_id']} on {r['date']} comes after "
            f"a longer tenor ({before.loc[r.name]}): list a curve's pillars shortest first"
        ),
    )


def _one_entity_per_desk(check: _Checker, typed: pd.DataFrame, ref: Reference) -> None:
    """A desk name names one desk, in one legal entity (hierarchy node ids are
    ``desk:NAME``). The entity a desk has is the stored one — unless every stored book
    of the desk is in this file (the desk moves) — else that of its first row here;
    a row that puts the desk under another entity breaks ``desk_in_two_entities``."""
    moving = set(typed["book_id"].dropna())
    owner = {
        desk: (entity, f"book {min(books)} in the books table")
        for desk, (entity, books) in ref.desk_entities.items()
        if not books <= moving
    }
    bad = pd.Series(False, index=typed.index)
    for i, row in typed.iterrows():
        desk, entity = row["desk"], row["legal_entity"]
        if not isinstance(desk, str) or not isinstance(entity, str):
            continue
        if desk not in owner:
            owner[desk] = (entity, f"row {row[_ROW]}")
        elif owner[desk][0] != entity:
            bad.loc[i] = True
    check.flag(
        bad,
        "desk_in_two_entities",
        lambda r: (
            f"desk {r['desk']!r} is under legal entity {owner[r['desk']][0]} "
            f"({owner[r['desk']][1]}), not {r['legal_entity']}: a desk name names one desk "
            "(rename one of them)"
        ),
    )


def _enum(check: _Checker, typed: pd.DataFrame, col: str, allowed: set[str]) -> None:
    bad = typed[col].notna() & ~typed[col].isin(allowed)
    check.flag(
        bad,
        f"invalid_{col}",
        lambda r: f"{col} {r[col]!r} is not one of {', '.join(sorted(allowed))}",
    )


def _instrument_rules(typed: pd.DataFrame, check: _Checker, ref: Reference) -> None:
    _unique(check, typed, ["instrument_id"], "duplicate_key")
    _enum(check, typed, "instrument_type", {t.value for t in InstrumentType})
    _finite(check, typed, "multiplier", "finite_quantity")
    check.flag(
        typed["multiplier"].astype(float) <= 0, "positive_multiplier", lambda r: "multiplier ≤ 0"
    )
    for col in ("currency", "base_currency"):
        given = typed[col].notna() | (col == "currency")
        check.flag(given & ~typed[col].map(is_currency), "invalid_currency", _not_iso(col))
    _fx_rules(typed, check, ref)
    _enum(check, typed, "seniority", set(SENIORITIES))
    _enum(check, typed, "rating", set(RATINGS))
    _enum(check, typed, "sector", set(SECTORS))
    _enum(check, typed, "residual_risk", set(RESIDUAL_RISKS))
    _enum(check, typed, "frtb_bucket", {str(b) for b in range(1, 14)})  # MAR21.72
    check.flag(
        (typed["instrument_type"] == InstrumentType.COMMODITY_FUTURE)
        & typed["frtb_bucket"].isin({"12", "13"}),
        "invalid_frtb_bucket",
        lambda r: f"commodity frtb_bucket {r['frtb_bucket']!r} is not one of 1 … 11 (MAR21.80)",
    )
    spread = typed["spread_curve"]
    check.flag(
        spread.notna() & ~spread.fillna("").str.endswith(SPREAD_SUFFIX),
        "invalid_spread_curve",
        lambda r: f"spread_curve {r['spread_curve']!r} is not a <NAME>{SPREAD_SUFFIX} curve",
    )
    for itype, fields in _NEEDS.items():
        of_type = typed["instrument_type"] == itype
        for f in fields:
            check.flag(
                of_type & typed[f].isna(), "missing_field_for_type", _fixed(f"{itype} needs {f}")
            )
    commodity = typed["instrument_type"] == InstrumentType.COMMODITY_FUTURE
    _known(
        check,
        typed.assign(underlying=typed["underlying"].where(~commodity)),
        "underlying",
        ref.factors,
        "factor",
    )
    curves = {f.rsplit(".", 1)[0] for f, t in ref.factor_types.items() if t == "commodity_price"}
    check.flag(
        commodity & typed["underlying"].notna() & ~typed["underlying"].isin(curves),
        "unknown_forward_curve",
        lambda r: (
            f"underlying {r['underlying']!r} has no forward curve: no commodity_price "
            f"factors {r['underlying']}.<tenor> in the factors table"
        ),
    )
    underlying_type = typed["underlying"].map(ref.factor_types)
    allowed = typed["instrument_type"].map(UNDERLYING_TYPES)
    misfit = [
        isinstance(ok, frozenset) and isinstance(ft, str) and ft not in ok
        for ok, ft in zip(allowed, underlying_type, strict=True)
    ]
    check.flag(
        pd.Series(misfit, index=typed.index),
        "underlying_type",
        lambda r: (
            f"{r['instrument_type']} on {r['underlying']!r}, a "
            f"{underlying_type.loc[r.name]} factor (takes "
            f"{', '.join(sorted(UNDERLYING_TYPES[r['instrument_type']]))})"
        ),
    )
    opt = typed["option_type"].notna() & ~typed["option_type"].isin({"call", "put"})
    check.flag(opt, "invalid_option_type", lambda r: f"option_type {r['option_type']!r}")
    strike = typed["strike"].astype(float)
    check.flag(
        typed["strike"].notna() & ~(np.isfinite(strike) & (strike > 0)),
        "positive_strike",
        lambda r: f"strike {typed.loc[r.name, 'strike']} is not a positive number",
    )
    pr = typed["pay_receive"].notna() & ~typed["pay_receive"].isin({"pay", "receive"})
    check.flag(pr, "invalid_pay_receive", lambda r: f"pay_receive {r['pay_receive']!r}")
    _convention_rules(typed, check)


def _convention_rules(typed: pd.DataFrame, check: _Checker) -> None:
    """Bonds' and swaps' conventions name what :mod:`riskcap.data.conventions` knows; a
    schedule pays 1, 2, 3, 4, 6 or 12 times a year and starts before it matures."""
    _enum(check, typed, "day_count", set(DAY_COUNTS))
    _enum(check, typed, "float_day_count", set(DAY_COUNTS))
    _enum(check, typed, "business_day_convention", set(BUSINESS_DAY_CONVENTIONS))
    cal = typed["calendar"]
    check.flag(
        cal.notna() & ~cal.map(is_calendar),
        "invalid_calendar",
        lambda r: f"calendar {r['calendar']!r} is not one of {', '.join(CALENDARS)} (or a + join)",
    )
    for col in ("payment_frequency", "float_frequency"):
        freq = pd.to_numeric(typed[col], errors="coerce")
        check.flag(
            typed[col].notna() & ~freq.isin(PAYMENT_FREQUENCIES),
            "invalid_frequency",
            _not_a_frequency(col),
        )
    both = typed["start_date"].notna() & typed["maturity"].notna()
    flags = np.zeros(len(typed), bool)
    starts, ends = typed.loc[both, "start_date"].tolist(), typed.loc[both, "maturity"].tolist()
    flags[np.flatnonzero(both.to_numpy(bool))] = [s >= m for s, m in zip(starts, ends, strict=True)]
    check.flag(
        pd.Series(flags, index=typed.index),
        "start_before_maturity",
        lambda r: f"start_date {r['start_date']} is not before maturity {r['maturity']}",
    )


def _fx_rules(typed: pd.DataFrame, check: _Checker, ref: Reference) -> None:
    """FX instruments name two different currencies and a positive rate (other types
    ignore ``base_currency``, as they ignore the fields of other types); every currency
    an instrument uses other than the reporting one has its FX factor
    ``FX.<CCY><REP>`` in the factors table (load the factors file first)."""
    fx = typed["instrument_type"].isin(FX_TYPES)
    check.flag(
        fx & (typed["base_currency"] == typed["currency"]),
        "same_currencies",
        lambda r: f"base_currency and currency are both {r['currency']}",
    )
    rate = typed["near_rate"].astype(float)
    check.flag(
        typed["near_rate"].notna() & ~(np.isfinite(rate) & (rate > 0)),
        "positive_near_rate",
        lambda r: f"near_rate {typed.loc[r.name, 'near_rate']} is not a positive number",
    )
    both = (
        (typed["instrument_type"] == InstrumentType.FX_SWAP)
        & typed["near_date"].notna()
        & typed["maturity"].notna()
    )
    near, far = typed.loc[both, "near_date"].tolist(), typed.loc[both, "maturity"].tolist()
    flags = np.zeros(len(typed), bool)
    flags[np.flatnonzero(both.to_numpy(bool))] = [n >= f for n, f in zip(near, far, strict=True)]
    late = pd.Series(flags, index=typed.index)
    check.flag(
        late,
        "near_before_far",
        lambda r: f"near_date {r['near_date']} is not before maturity {r['maturity']}",
    )
    for col in ("currency", "base_currency"):  # (a base currency counts on FX types only)
        used = typed[col].map(is_currency) & (typed[col] != ref.reporting)
        used &= fx | (col == "currency")
        lacking = used & ~typed[col].map(lambda c: fx_factor(str(c), ref.reporting)).isin(
            ref.factors
        )
        check.flag(lacking, "missing_fx_rate", _needs_fx(col, ref.reporting))


def _not_a_frequency(col: str) -> Callable[[pd.Series], str]:
    allowed = ", ".join(map(str, PAYMENT_FREQUENCIES))
    return lambda r: f"{col} {r[col]} is not one of {allowed}"


def _not_iso(col: str) -> Callable[[pd.Series], str]:
    return lambda r: f"{col} {r[col]!r} is not an ISO 4217 currency code"


def _needs_fx(col: str, reporting: str) -> Callable[[pd.Series], str]:
    return lambda r: (
        f"{col} {r[col]} needs the FX factor {fx_factor(str(r[col]), reporting)} "
        f"(reporting currency {reporting}) in the factors table: ingest it with the factors"
    )


def validate(
    kind: IngestKind,
    frame: pd.DataFrame,
    ref: Reference,
    today: dt.date,
    source: str,
    date_format: DateFormat = DateFormat.ISO,
) -> tuple[pd.DataFrame, list[Violation]]:
    """Typed frame and the violations of its rows (file-level problems raise)."""
    cols = columns(kind)
    missing = [c.name for c in cols if c.required and c.name not in frame.columns]
    if missing:
        expected = ", ".join(c.name for c in cols if c.required)
        raise InputFileError(
            f"{source}: missing required column(s) {', '.join(missing)} "
            f"(a {kind.value} file needs: {expected})"
        )
    extra = sorted(set(frame.columns) - {c.name for c in cols} - {_ROW})
    if extra:
        log.warning("%s: ignoring unknown column(s) %s", source, ", ".join(extra))
    check = _Checker(frame)
    typed = _coerce(frame, cols, check, date_format)
    _kind_rules(kind, typed, _Checker(typed, check.violations, check.parsed), ref, today)
    return typed, check.violations


# -- the whole ingest -----------------------------------------------------------------
def ingest_file(
    lake: Lake,
    kind: IngestKind,
    path: Path,
    *,
    max_bad_fraction: float,
    today: dt.date | None = None,
    date_format: DateFormat = DateFormat.ISO,
    reporting: str = DEFAULT_REPORTING_CURRENCY,
) -> IngestResult:
    """Validate ``path`` and land it in the lake (see the module docstring).

    Parameters
    ----------
    lake : the target lake.
    kind : what the file holds.
    path : CSV, gzipped CSV or Parquet file.
    max_bad_fraction : above this share of bad rows the file is rejected whole.
    today : the date after which a date is "in the future" (default: today, UTC).
    date_format : how the file writes its dates (ISO unless told; never guessed).
    reporting : the reporting currency (``eod.reporting_currency``): an instrument in
        another currency needs that currency's FX factor.

    Raises
    ------
    InputFileError
        The file cannot be used at all.
    IngestRejected
        Too many bad rows; nothing was written.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    spec = KIND_TABLE[kind]
    table = spec.name
    source = str(path)
    if not path.exists():
        raise InputFileError(f"{path}: file not found")
    sha = file_sha256(path)
    lake.ensure(table)
    lake.ensure(QUARANTINE.name)
    with lake.lock(table):
        done = lake.find_commit(table, operation="ingest", source_sha256=sha)
        if done is not None:
            return IngestResult(
                kind,
                source,
                sha,
                rows_read=int(done.metadata.get("rows_read", "0")),
                rows_written=0,
                rows_quarantined=0,
                table=table,
                table_version=lake.version(table),
                quarantine_version=lake.version(QUARANTINE.name),
                already_ingested=True,
            )
        frame, malformed = read_rows(path)
        typed, violations = validate(
            kind, frame, Reference.from_lake(lake, kind, reporting), today, source, date_format
        )
        violations = sorted(malformed + violations, key=lambda v: (v.row, v.rule))
        rows_read = len(frame) + len({v.row for v in malformed})
        bad_rows = {v.row for v in violations}
        rule_counts: dict[str, int] = {}
        for v in violations:
            rule_counts[v.rule] = rule_counts.get(v.rule, 0) + 1
        limit = 0.0 if kind in STRICT_KINDS else max_bad_fraction
        strict = " (every row of a Basel III input must be good)" if kind in STRICT_KINDS else ""
        if rows_read and len(bad_rows) / rows_read > limit:
            first = violations[0]
            summary = ", ".join(f"{k}×{n}" for k, n in sorted(rule_counts.items()))
            raise IngestRejected(
                f"{path}: rejected, {len(bad_rows)} of {rows_read} rows "
                f"({len(bad_rows) / rows_read:.1%}) break rules, above the "
                f"{limit:.1%} limit{strict}; first: row {first.row} rule "
                f"{first.rule}: {first.detail} [{summary}]; nothing was written"
            )
        good = typed.loc[~typed[_ROW].isin(bad_rows)].drop(columns=[_ROW])
        quarantine_version = lake.version(QUARANTINE.name)
        if violations:
            quarantine_version = _quarantine(lake, frame, violations, sha, source, table)
        data = _to_arrow(good, spec)
        meta = {
            "operation": "ingest",
            "source_sha256": sha,
            "source_file": path.name,
            "rows_read": str(rows_read),
            "rows_quarantined": str(len(bad_rows)),
        }
        version = _land(lake, kind, spec, data, meta)
    derived = None
    if kind in (IngestKind.CURVES, IngestKind.VOLS) and len(good):
        derived = derive_factor_levels(lake, kind, good, sha)
    log.info(
        "%s: %d rows into %s v%d, %d quarantined", path, len(good), table, version, len(bad_rows)
    )
    return IngestResult(
        kind,
        source,
        sha,
        rows_read=rows_read,
        rows_written=len(good),
        rows_quarantined=len(bad_rows),
        table=table,
        table_version=version,
        quarantine_version=quarantine_version,
        rule_counts=rule_counts,
        derived_rows=derived.rows if derived else 0,
        derived_version=derived.version if derived else None,
        underived=derived.undefined if derived else (),
    )


@dataclass(frozen=True)
class _Derived:
    rows: int
    version: int | None
    undefined: tuple[str, ...]


def derive_factor_levels(lake: Lake, kind: IngestKind, rows: pd.DataFrame, sha: str) -> _Derived:
    """Write the factor levels a curves or vols file defines into ``market_data``.

    A curve ``<CCY>.ZERO`` gives each pillar's zero rate as ``IR.<CCY>.<TENOR>``; a vol
    surface gives ``VOL.<X>``, its ATM vol at the 1Y tenor (linear in tenor, flat
    outside), and each other moneyness's 1Y vol as the smile point ``VOL.<X>.<M>``, as
    the engine's shocks need (:mod:`riskcap.data.factor_names`). Only
    factors defined in ``factors`` are written; the others are returned by name. The
    write is one upsert commit (an append when none of the factors has levels yet),
    tagged ``derive`` with the source file's sha256.
    """
    if kind is IngestKind.CURVES:
        levels = pd.DataFrame(
            {
                "date": rows["date"],
                "factor_id": [
                    curve_pillar(c, float(t))
                    for c, t in zip(rows["curve_id"], rows["tenor_years"], strict=True)
                ],
                "value": rows["zero_rate"].astype(float),
            }
        )
    else:
        levels = _vol_at_tenor(rows, VOL_FACTOR_TENOR)
    defined = set(lake.read("factors", columns=["factor_id"]).column("factor_id").to_pylist())
    undefined = tuple(sorted(set(levels["factor_id"]) - defined))
    levels = levels.loc[levels["factor_id"].isin(defined)]
    if levels.empty:
        return _Derived(0, None, undefined)
    data = pa.Table.from_pandas(
        levels.reset_index(drop=True), schema=MARKET_DATA.schema, preserve_index=False
    )
    meta = {"operation": "derive", "source_sha256": sha, "derived_from": kind.value}
    with lake.lock(MARKET_DATA.name):
        existing = lake.read(
            MARKET_DATA.name,
            filters=[("factor_id", "in", sorted(set(levels["factor_id"])))],
            columns=["factor_id"],
        )
        mode = WriteMode.UPSERT if existing.num_rows else WriteMode.APPEND
        version = lake.write(MARKET_DATA.name, data, mode=mode, metadata=meta)
    return _Derived(len(levels), version, undefined)


def _vol_at_tenor(rows: pd.DataFrame, tenor: float) -> pd.DataFrame:
    """Each (underlying, moneyness, date) term structure's vol at ``tenor``: linear
    between the pillars around it, the nearest pillar's outside them (as
    ``np.interp``), vectorised; named by :func:`smile_factor` (``VOL.<X>`` at ATM)."""
    key = ["underlying", "moneyness", "date"]
    points = rows[[*key, "tenor_years", "implied_vol"]].astype(
        {"tenor_years": float, "implied_vol": float, "moneyness": float}
    )
    points["moneyness"] = points["moneyness"].fillna(1.0)
    points = points.sort_values([*key, "tenor_years"], kind="mergesort")
    t = points["tenor_years"]
    lo = points.loc[t <= tenor].groupby(key).last()
    hi = points.loc[t >= tenor].groupby(key).first()
    both = lo.join(hi, how="outer", lsuffix="_lo", rsuffix="_hi")
    t_lo, v_lo = both["tenor_years_lo"], both["implied_vol_lo"]
    t_hi, v_hi = both["tenor_years_hi"], both["implied_vol_hi"]
    between = v_lo + (tenor - t_lo) * (v_hi - v_lo) / (t_hi - t_lo)
    vol = between.where(t_hi > t_lo, v_lo).fillna(v_lo).fillna(v_hi)
    out = vol.rename("value").reset_index()
    names = [smile_factor(u, m) for u, m in zip(out["underlying"], out["moneyness"], strict=True)]
    return pd.DataFrame({"date": out["date"], "factor_id": names, "value": out["value"]})


def _to_arrow(frame: pd.DataFrame, spec: TableSpec) -> pa.Table:
    arrays = []
    for f in spec.schema:
        values = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame))
        values = values.astype(object).where(values.notna(), None)
        arrays.append(pa.array(values.tolist(), type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=spec.schema)


def _land(
    lake: Lake, kind: IngestKind, spec: TableSpec, data: pa.Table, meta: dict[str, str]
) -> int:
    if kind is IngestKind.TRADES:
        return lake.write(spec.name, data, mode=WriteMode.APPEND, metadata=meta)
    if kind is IngestKind.POSITIONS:
        dates = sorted(set(data.column("as_of").to_pylist()))
        if not dates:
            return lake.write(spec.name, data, mode=WriteMode.APPEND, metadata=meta)
        predicate = "as_of IN (" + ", ".join(sql_literal(d) for d in dates) + ")"
        return lake.write(
            spec.name, data, mode=WriteMode.REPLACE_WHERE, predicate=predicate, metadata=meta
        )
    if lake.read(spec.name, columns=[spec.key[0]]).num_rows == 0:
        return lake.write(spec.name, data, mode=WriteMode.APPEND, metadata=meta)
    return lake.write(spec.name, data, mode=WriteMode.UPSERT, metadata=meta)


def _quarantine(
    lake: Lake,
    frame: pd.DataFrame,
    violations: list[Violation],
    sha: str,
    source: str,
    table: str,
) -> int:
    """Write the violations of one file to ``quarantine``, replacing any earlier copy."""
    raw_by_row = {
        int(r[_ROW]): json.dumps(
            {k: v for k, v in r.items() if k != _ROW}, default=str, ensure_ascii=False
        )
        for _, r in frame.loc[frame[_ROW].isin({v.row for v in violations})].iterrows()
    }
    now = dt.datetime.now(dt.UTC)
    data = pa.table(
        {
            "source_sha256": [sha] * len(violations),
            "source_file": [source] * len(violations),
            "target_table": [table] * len(violations),
            "source_row": [v.row for v in violations],
            "rule": [v.rule for v in violations],
            "detail": [v.detail for v in violations],
            "raw": [raw_by_row.get(v.row, "") for v in violations],
            "quarantined_at": [now] * len(violations),
        },
        schema=QUARANTINE.schema,
    )
    predicate = f"source_sha256 = {sql_literal(sha)} AND target_table = {sql_literal(table)}"
    with lake.lock(QUARANTINE.name):
        return lake.write(
            QUARANTINE.name,
            data,
            mode=WriteMode.REPLACE_WHERE,
            predicate=predicate,
            metadata={"operation": "quarantine", "source_sha256": sha, "target_table": table},
        )
