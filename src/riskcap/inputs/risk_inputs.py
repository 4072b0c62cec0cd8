"""Read a snapshot from the lake and turn it into the engine's arrays.

This is the I/O edge of the numeric core: it reads ``positions`` (the ``as_of``
partition), ``instruments``, ``books``, ``factors``, ``market_data`` and ``vols``,
pins the versions it read, and builds

* the :class:`~riskcap.market.factors.FactorSet` the book depends on: every held
  underlying's price, the 1Y ATM vol factor of every option underlying, and every
  pillar of the curves the book uses (whole curves, so rates shocks stay coherent);
* the level history of those factors up to ``as_of`` (dates where all are present);
* the :class:`~riskcap.pricing.book.Book` arrays (``units = quantity × multiplier``,
  times in years ACT/365F from ``as_of``, option vols scaled to the term structure);
* the :class:`~riskcap.inputs.hierarchy.Hierarchy` of the books held.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskcap.data.calendars import carry_forward, market_holidays
from riskcap.data.factor_names import (
    DEFAULT_REPORTING_CURRENCY,
    SPREAD_SUFFIX,
    curve_prefix,
    fx_factor,
    smile_factor,
    tenor_years,
)
from riskcap.data.lake import Lake
from riskcap.data.mapping import (
    FX_TYPES,
    FactorMap,
    base_curve,
    curve_universe,
    discount_curve,
    fx_pair,
    instrument_vol,
    map_instruments,
    needed_factors,
    projection_curve,
    spread_curve,
)
from riskcap.errors import NotFoundError, RiskcapError
from riskcap.inputs.hierarchy import Hierarchy
from riskcap.inputs.schedules import bond_flows, stack_flows, swap_flows, zero_curve_df
from riskcap.market.factors import FactorSet, Market, factor_width
from riskcap.pricing.book import (
    Bond,
    Book,
    CommodityFuture,
    Future,
    FxForward,
    FxOption,
    Linear,
    Option,
    Swap,
    empty_family,
    stack_curves,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RiskInputs:
    """Everything the engine needs for one as-of date, read from pinned versions."""

    as_of: dt.date
    factors: FactorSet
    factor_types: tuple[str, ...]
    dates: tuple[dt.date, ...]  # history dates, oldest first, ending at as_of
    levels: np.ndarray  # (dates, factors)
    book: Book
    hierarchy: Hierarchy
    positions: pd.DataFrame  # book_id, instrument_id, quantity, instrument_type (Book order)
    versions: dict[str, int]
    # holidays of each factor's market calendar (factors with a calendar only), and the
    # factors whose as_of level is carried forward from their last close (a holiday)
    closed: Mapping[str, frozenset[dt.date]] = field(default_factory=dict)
    carried: tuple[str, ...] = ()
    # instruments held that cannot be priced (left out of the figures) → the reason
    unpriced: Mapping[str, str] = field(default_factory=dict)
    reporting: str = DEFAULT_REPORTING_CURRENCY  # the currency every value is in
    # factors in the (pinned) factors table: the kernels' padded factor width follows
    # it, not the day's book, so a book gaining or dropping underlyings recompiles nothing
    universe: int = 0

    def fx_rate(self, currency: str) -> float:
        """The as-of rate of ``currency`` in the reporting currency (1 for itself)."""
        if currency == self.reporting:
            return 1.0
        factor = fx_factor(currency, self.reporting)
        if factor not in self.factors.ids:
            raise RiskcapError(f"no FX rate {factor} in the run's factors for {currency}")
        return float(self.levels[-1, self.factors.index(factor)])

    @property
    def market(self) -> Market:
        return Market(self.levels[-1], self.factors.is_log, factor_width(self.universe))

    def mask(self, *types: str) -> np.ndarray:
        return np.array([t in types for t in self.factor_types])


def _years(later: pd.Series, as_of: dt.date) -> np.ndarray:
    return np.array([(d - as_of).days / 365.0 for d in later], dtype=np.float64)


def load_risk_inputs(
    lake: Lake,
    as_of: dt.date,
    history_days: int | None,
    versions: Mapping[str, int] | None = None,
    *,
    positions_as_of: dt.date | None = None,
    positions: pd.DataFrame | None = None,
    reporting: str = DEFAULT_REPORTING_CURRENCY,
) -> RiskInputs:
    """Build :class:`RiskInputs` for ``as_of`` with ``history_days`` dates of history.

    ``history_days = None`` loads the whole history (stressed-period search, historical
    stress windows). ``versions`` pins the table versions read (default: the latest of
    each); the versions used are returned in :attr:`RiskInputs.versions`.

    The book is the ``as_of`` positions snapshot, or the snapshot of
    ``positions_as_of`` valued on ``as_of``'s market (a backtest's hypothetical P&L),
    or an explicit ``positions`` frame (``book_id, instrument_id, quantity``: a day's
    trades). Values are in the ``reporting`` currency (``eod.reporting_currency``).

    Raises
    ------
    NotFoundError
        No positions snapshot for ``as_of``.
    RiskcapError
        Market data missing for a factor the book needs on ``as_of``.
    """
    tables = ("positions", "instruments", "books", "factors", "market_data", "vols", "holidays")
    latest = lake.versions([t for t in tables if t not in (versions or {})])
    versions = {t: (versions or {}).get(t, latest.get(t, -1)) for t in tables}
    if positions is None:
        held_on = positions_as_of or as_of
        positions = lake.read(
            "positions", version=versions["positions"], filters=[("as_of", "=", held_on)]
        ).to_pandas()
        if positions.empty:
            raise NotFoundError(
                f"no positions snapshot for {held_on}: run `riskcap snapshot` first"
            )
    elif positions.empty:
        raise NotFoundError(f"no positions to value on {as_of}")
    instruments = lake.read("instruments", version=versions["instruments"]).to_pandas()
    held = positions.merge(instruments, on="instrument_id", how="left", validate="many_to_one")
    books = lake.read("books", version=versions["books"]).to_pandas()
    factors = lake.read("factors", version=versions["factors"]).to_pandas().set_index("factor_id")

    mapped = map_instruments(
        held.drop_duplicates("instrument_id").to_dict("records"), set(factors.index), reporting
    )
    unpriced = dict(mapped.unpriced)
    needed = needed_factors(
        held.loc[~held["instrument_id"].isin(unpriced)].to_dict("records"), mapped
    )
    closed = market_holidays(lake, versions["holidays"], factors, needed)
    dates, levels, carried = _history(
        lake, versions["market_data"], needed, as_of, history_days, closed
    )
    gaps = _missing_on(dates, levels, needed, as_of)
    for iid, used in mapped.factors.items():
        lacking = [f for f in used if f in gaps]
        if lacking:
            unpriced[iid] = f"no level of {', '.join(lacking[:3])} on {as_of}"
    vols = _atm_filled(_vols_on(lake, versions["vols"], as_of, held, factors, closed))
    options = held["instrument_type"].fillna("").str.endswith("option")
    surfaces = set(vols["underlying"])
    for iid, u in zip(
        held.loc[options, "instrument_id"], surface_of(held.loc[options]), strict=True
    ):
        if iid not in unpriced and u not in surfaces:
            unpriced[iid] = f"no implied vols of {u} on {as_of}"
    held = held.loc[~held["instrument_id"].isin(unpriced)]
    if held.empty:
        shown = "; ".join(f"{i}: {r}" for i, r in list(unpriced.items())[:5])
        raise RiskcapError(f"no position on {as_of} can be priced ({shown})")
    if unpriced:
        keep = needed_factors(held.to_dict("records"), mapped)
        needed, levels = keep, levels[:, [needed.index(f) for f in keep]]
        carried = tuple(f for f in carried if f in keep)
        unpriced = dict(sorted(unpriced.items()))
        log.warning(
            "%s: %d instrument(s) cannot be priced and are left out of the figures: %s",
            as_of,
            len(unpriced),
            "; ".join(f"{i} ({r})" for i, r in list(unpriced.items())[:10]),
        )
    dates, levels = _complete(dates, levels, history_days)
    factor_set = FactorSet(
        tuple(needed), np.array([factors.at[f, "shock_type"] == "log" for f in needed])
    )
    x0 = dict(zip(needed, levels[-1], strict=True))
    hierarchy = Hierarchy.from_books(
        [
            (r.book_id, r.desk, r.legal_entity, r.firm)
            for r in books.itertuples()
            if r.book_id in set(held["book_id"])
        ]
    )
    book, order = build_book(
        held, factor_set, mapped, x0, vols, hierarchy, as_of, universe=list(factors.index)
    )
    return RiskInputs(
        as_of=as_of,
        factors=factor_set,
        factor_types=tuple(str(factors.at[f, "factor_type"]) for f in needed),
        dates=dates,
        levels=levels,
        book=book,
        hierarchy=hierarchy,
        positions=order,
        versions=versions,
        closed=closed,
        carried=carried,
        unpriced=unpriced,
        reporting=reporting,
        universe=len(factors),
    )


def _atm_filled(vols: pd.DataFrame) -> pd.DataFrame:
    """``vols`` with an empty moneyness read as 1 (ATM: rows of a table made before vol
    smiles), one row per point (the later of two, should both forms be stored)."""
    vols = vols.assign(moneyness=vols["moneyness"].astype(float).fillna(1.0))
    key = ["underlying", "date", "tenor_years", "moneyness"]
    return vols.drop_duplicates(key, keep="last").reset_index(drop=True)


def _vols_on(
    lake: Lake,
    version: int,
    as_of: dt.date,
    held: pd.DataFrame,
    factors: pd.DataFrame,
    closed: Mapping[str, frozenset[dt.date]],
) -> pd.DataFrame:
    """The implied vols of ``as_of``; an option underlying whose market is closed that
    day (a holiday of its calendar) keeps the surface of its last open day."""
    vols = lake.read("vols", version=version, filters=[("date", "=", as_of)]).to_pandas()
    options = surface_of(held.loc[held["instrument_type"].fillna("").str.endswith("option")])
    shut = sorted(
        u for u in set(options) - set(vols["underlying"]) if as_of in closed.get(u, frozenset())
    )
    if not shut:
        return vols
    earlier = lake.read(
        "vols",
        version=version,
        filters=[
            ("underlying", "in", shut),
            ("date", "<", as_of),
            ("date", ">=", as_of - dt.timedelta(days=31)),
        ],
    ).to_pandas()
    last = earlier.loc[earlier.groupby("underlying")["date"].transform("max") == earlier["date"]]
    return pd.concat([vols, last], ignore_index=True)


def factor_history(
    lake: Lake,
    version: int,
    factor_ids: list[str],
    as_of: dt.date,
    since: dt.date | None = None,
    closed: Mapping[str, frozenset[dt.date]] | None = None,
) -> tuple[tuple[dt.date, ...], np.ndarray]:
    """Level history of ``factor_ids`` from ``since`` to ``as_of``, ``(dates, factors)``.

    Every date on which any of the factors has a value, oldest first. On a holiday of
    a factor's market calendar (``closed``) its last level is carried forward (a zero
    move that day); elsewhere a missing value is NaN (a series that starts later, a
    price that did not arrive). Callers pick the rows where the factors they need are
    all present.

    The window is cut from the whole table's wide form (:class:`WideHistory`), built
    once per table version and process: an EOD's tasks and a backfill's days read
    overlapping windows of one history (a remote lake reads each window instead).
    """
    if lake.keeps_whole("market_data"):
        whole = lake.read("market_data", version=version)
        dates, levels = wide_history(whole).window(factor_ids, since, as_of)
    else:
        window: list[tuple[str, str, object]] = [
            ("date", "<=", as_of),
            ("factor_id", "in", factor_ids),
        ]
        if since is not None:
            window.append(("date", ">=", since))
        md = lake.read("market_data", version=version, filters=window)
        dates, levels = _wide(md, factor_ids)
    carry_forward(dates, levels, factor_ids, closed or {})
    return dates, levels


EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class WideHistory:
    """A market-data table in wide form: every date with a value (ascending), every
    factor with a row, the levels NaN where a factor has no value that date."""

    days: np.ndarray  # (d,) int days since 1970-01-01, ascending
    dates: tuple[dt.date, ...]
    column: dict[str, int]
    levels: np.ndarray  # (d, factors)

    def window(
        self, factor_ids: list[str], since: dt.date | None, as_of: dt.date
    ) -> tuple[tuple[dt.date, ...], np.ndarray]:
        """What :func:`_wide` gives on the rows of ``factor_ids`` dated ``since`` to
        ``as_of``: the dates on which any of them has a value, their levels."""
        lo = 0 if since is None else int(np.searchsorted(self.days, (since - EPOCH).days))
        hi = int(np.searchsorted(self.days, (as_of - EPOCH).days, side="right"))
        block = np.full((max(0, hi - lo), len(factor_ids)), np.nan)
        known = [(j, self.column[f]) for j, f in enumerate(factor_ids) if f in self.column]
        if known and hi > lo:
            into, cols = zip(*known, strict=True)
            block[:, list(into)] = self.levels[lo:hi, list(cols)]
        any_value = ~np.isnan(block).all(axis=1)
        dates = tuple(d for d, k in zip(self.dates[lo:hi], any_value, strict=True) if k)
        return dates, block[any_value]


# the wide form of the whole tables read last (each held with its table: while it is
# kept its id cannot be reused), newest last
_WIDE: list[tuple[pa.Table, WideHistory]] = []
_WIDE_KEPT = 2
_WIDE_LOCK = threading.Lock()


def wide_history(whole: pa.Table) -> WideHistory:
    """:class:`WideHistory` of a whole market-data table, kept for the last
    :data:`_WIDE_KEPT` table objects (the lake returns one object per pinned version)."""
    with _WIDE_LOCK:
        for table, wide in _WIDE:
            if table is whole:
                return wide
    factor_ids = sorted(set(pc.unique(whole.column("factor_id")).to_pylist()) - {None})
    dates, levels = _wide(whole, factor_ids)
    days = np.array([(d - EPOCH).days for d in dates], np.int64)
    wide = WideHistory(days, dates, {f: j for j, f in enumerate(factor_ids)}, levels)
    with _WIDE_LOCK:
        _WIDE.append((whole, wide))
        del _WIDE[:-_WIDE_KEPT]
    return wide


def _wide(md: pa.Table, factor_ids: list[str]) -> tuple[tuple[dt.date, ...], np.ndarray]:
    """Long ``(date, factor_id, value)`` rows as ``(dates, levels[date, factor])``.

    What ``pivot_table(aggfunc="last")`` gives, without building a frame of Python
    dates: every date with a value, ascending; a factor without a value that day is
    NaN; of two values of one key the later row wins (the lake's key admits one).
    """
    values = md.column("value").to_numpy(zero_copy_only=False).astype(np.float64)
    present = ~np.isnan(values)
    days = md.column("date").cast(pa.int32()).to_numpy(zero_copy_only=False)[present]
    columns = pc.index_in(md.column("factor_id"), value_set=pa.array(factor_ids, pa.string()))
    col = columns.to_numpy(zero_copy_only=False)[present]
    values = values[present]
    unique_days, row = np.unique(days, return_inverse=True)
    levels = np.full((unique_days.size, len(factor_ids)), np.nan)
    key = row.astype(np.int64) * max(1, len(factor_ids)) + col
    last = ~pd.Index(key).duplicated(keep="last")
    levels[row[last], col[last]] = values[last]
    epoch = dt.date(1970, 1, 1)
    return tuple(epoch + dt.timedelta(days=int(d)) for d in unique_days), levels


def _history(
    lake: Lake,
    version: int,
    needed: list[str],
    as_of: dt.date,
    days: int | None,
    closed: Mapping[str, frozenset[dt.date]],
) -> tuple[tuple[dt.date, ...], np.ndarray, tuple[str, ...]]:
    # with a number of days, read a generous calendar span, not the whole history
    since = None if days is None else as_of - dt.timedelta(days=int(days * 1.6) + 30)
    dates, levels = factor_history(lake, version, needed, as_of, since)
    filled = carry_forward(dates, levels, needed, closed)
    carried = tuple(sorted(f for d, f in filled if d == as_of))
    return dates, levels, carried


def _missing_on(
    dates: tuple[dt.date, ...], levels: np.ndarray, needed: list[str], as_of: dt.date
) -> set[str]:
    """The factors without a level on ``as_of`` (all of them without an ``as_of`` row)."""
    if not dates or dates[-1] != as_of:
        return set(needed)
    return {f for f, v in zip(needed, levels[-1], strict=True) if np.isnan(v)}


def _complete(
    dates: tuple[dt.date, ...], levels: np.ndarray, days: int | None
) -> tuple[tuple[dt.date, ...], np.ndarray]:
    """The dates on which every factor has a level (the last ``days`` of them)."""
    complete = ~np.isnan(levels).any(axis=1)
    kept = tuple(d for d, c in zip(dates, complete, strict=True) if c)
    levels = levels[complete]
    if days is not None:
        kept, levels = kept[-days:], levels[-days:]
    return kept, levels


def surface_of(rows: pd.DataFrame) -> list[str]:
    """The vol surface (``vols.underlying``) of each option row: its underlying, or the
    FX pair ``FX.<BASE><QUOTE>`` of an FX option."""
    return [
        fx_pair(r) if r["instrument_type"] in FX_TYPES else str(r["underlying"])
        for r in rows[["instrument_type", "underlying", "currency", "base_currency"]].to_dict(
            "records"
        )
    ]


def build_book(
    held: pd.DataFrame,
    fs: FactorSet,
    mapped: FactorMap,
    x0: dict[str, float],
    vols: pd.DataFrame,
    hierarchy: Hierarchy,
    as_of: dt.date,
    universe: list[str] | None = None,
) -> tuple[Book, pd.DataFrame]:
    """The :class:`Book` of ``held`` and its positions in Book order. Curve stacks are
    sized to the curves of ``universe`` (the factors table; default: the run's factors)
    so that the shapes the kernels compile do not change when a day trades a curve's
    first instrument."""
    book_index = {b: i for i, b in enumerate(hierarchy.books)}
    # the run's curves whose pillars it has (a curve only unpriced positions use is not)
    known = set(fs.ids)
    usable = [c for c, p in mapped.curves.items() if p and set(p) <= known]
    records = held.to_dict("records")
    discounting = {
        c
        for r in records
        if _on_curve(r)
        for c in (discount_curve(r), *([base_curve(r)] if r["instrument_type"] in FX_TYPES else []))
    }
    projecting = {projection_curve(r) for r in records if r["instrument_type"] == "irs"}
    curve_ids = [c for c in usable if c in discounting]
    projection_ids = [c for c in usable if c in projecting]
    spread_ids = [c for c in usable if c.endswith(SPREAD_SUFFIX)]
    row_of = {c: i for i, c in enumerate(curve_ids)}
    projection_row = {c: i for i, c in enumerate(projection_ids)}
    spread_row = {c: i for i, c in enumerate(spread_ids)}
    sizes = curve_universe(universe if universe is not None else fs.ids)

    def fx_index(currency: object) -> int:
        factor = mapped.fx(str(currency))
        return -1 if factor is None else int(fs.index(factor))

    held = held.assign(
        book=held["book_id"].map(book_index).astype(np.int32),
        units=held["quantity"] * held["multiplier"],
        fx=np.array([fx_index(r["currency"]) for r in records], np.int32),
        curve=np.array(
            [row_of.get(discount_curve(r), -1) if _on_curve(r) else -1 for r in records],
            np.int32,
        ),
        spread=np.array(
            [
                spread_row.get(spread_curve(r) or "", -1) if r["instrument_type"] == "bond" else -1
                for r in records
            ],
            np.int32,
        ),
    )
    kinds = held["instrument_type"]
    parts = []

    def col(rows: pd.DataFrame, name: str, dtype: Any = np.float64) -> np.ndarray:
        return rows[name].to_numpy(dtype)

    lin = held.loc[kinds.isin(["equity", "index"])]
    linear = Linear(
        col(lin, "book", np.int32),
        col(lin, "units"),
        fs.indices(list(lin["underlying"])),
        col(lin, "fx", np.int32),
    )
    parts.append(lin)

    fut = held.loc[kinds == "index_future"]
    future = Future(
        col(fut, "book", np.int32),
        col(fut, "units"),
        fs.indices(list(fut["underlying"])),
        _years(fut["expiry"], as_of),
        np.zeros(len(fut)),
        col(fut, "curve", np.int32),
        col(fut, "fx", np.int32),
    )
    parts.append(fut)

    opt = held.loc[kinds.isin(["equity_option", "index_option"])]
    t_opt = _years(opt["expiry"], as_of)
    option = Option(
        col(opt, "book", np.int32),
        col(opt, "units"),
        fs.indices(list(opt["underlying"])),
        *smile_weights(
            opt, t_opt, np.array([x0[u] for u in opt["underlying"]], np.float64), vols, x0, fs
        ),
        col(opt, "strike"),
        t_opt,
        np.zeros(len(opt)),
        (opt["option_type"] == "call").to_numpy(),
        col(opt, "curve", np.int32),
        col(opt, "fx", np.int32),
    )
    parts.append(opt)

    bond = _bonds(held.loc[kinds == "bond"], as_of)
    swap = _swaps(held.loc[kinds == "irs"], as_of, mapped, fs, x0, projection_row)
    parts += [held.loc[kinds == "bond"], held.loc[kinds == "irs"]]

    fwd = held.loc[kinds.isin(["fx_forward", "fx_swap"])]
    fx_forward = _fx_forwards(fwd, as_of, fx_index, row_of)
    parts.append(fwd)

    fxo = held.loc[kinds == "fx_option"]
    t_fxo = _years(fxo["expiry"], as_of)
    fx_option = FxOption(
        col(fxo, "book", np.int32),
        col(fxo, "units"),
        np.array([fx_index(c) for c in fxo["base_currency"]], np.int32),
        col(fxo, "fx", np.int32),
        np.array([row_of[base_curve(r)] for r in fxo.to_dict("records")], np.int32),
        col(fxo, "curve", np.int32),
        *smile_weights(fxo, t_fxo, _fx_spots(fxo, x0, mapped), vols, x0, fs),
        col(fxo, "strike"),
        t_fxo,
        (fxo["option_type"] == "call").to_numpy(),
    )
    parts.append(fxo)

    forward_ids = [c for c, p in mapped.forwards.items() if p and set(p) <= known]
    forward_row = {c: i for i, c in enumerate(forward_ids)}
    cmd = held.loc[kinds == "commodity_future"]
    commodity = CommodityFuture(
        col(cmd, "book", np.int32),
        col(cmd, "units"),
        np.array([forward_row[u] for u in cmd["underlying"]], np.int32),
        _years(cmd["expiry"], as_of),
        col(cmd, "fx", np.int32),
    )
    parts.append(cmd)

    def stack(ids: list[str], kind: str, prefix: Any = curve_prefix) -> Any:
        pillars = mapped.forwards if kind == "forward" else mapped.curves
        rows, width = sizes.get(kind, (0, 0))
        return stack_curves(
            [_pillar_curve(pillars[c], prefix(c), fs) for c in ids], rows=rows, width=width
        )

    curves = stack(curve_ids, "zero")
    forwards = stack(forward_ids, "forward", lambda c: c + ".")
    spreads = stack(spread_ids, "spread")
    projections = stack(projection_ids, "rates")
    book = Book(
        linear,
        future,
        option,
        bond,
        swap,
        fx_forward,
        fx_option,
        commodity,
        curves,
        forwards,
        spreads,
        projections,
    )
    order = pd.concat(parts)[["book_id", "instrument_id", "quantity", "instrument_type"]]
    return book, order.reset_index(drop=True)


def _pillar_curve(
    pillars: tuple[str, ...], prefix: str, fs: FactorSet
) -> tuple[np.ndarray, np.ndarray]:
    """Pillar times (years, from the tenor labels) and factor indices of one curve."""
    tenors = np.array([tenor_years(p.removeprefix(prefix)) for p in pillars], np.float64)
    return tenors, fs.indices(list(pillars))


def _on_curve(r: dict[str, Any]) -> bool:
    return r["instrument_type"] not in ("equity", "index", "commodity_future")


def _fx_spots(rows: pd.DataFrame, x0: dict[str, float], mapped: FactorMap) -> np.ndarray:
    """The as-of spot (quote per base) of each FX option's pair."""

    def rate(currency: object) -> float:
        factor = mapped.fx(str(currency))
        return 1.0 if factor is None else x0[factor]

    return np.array(
        [rate(b) / rate(q) for b, q in zip(rows["base_currency"], rows["currency"], strict=True)],
        np.float64,
    )


def smile_weights(
    rows: pd.DataFrame,
    t: np.ndarray,
    spot: np.ndarray,
    vols: pd.DataFrame,
    x0: dict[str, float],
    fs: FactorSet,
) -> tuple[np.ndarray, np.ndarray]:
    """Each option's two smile points and their scales (:func:`~riskcap.pricing.book.
    smile_vol`): ``(vol (p, 2) factor indices, vol_scale (p, 2))``.

    The as-of surface of the option's underlying (``vols`` rows: tenor, moneyness =
    strike / spot, vol; an empty moneyness is ATM) has a term structure per moneyness
    whose 1Y point is a factor (``VOL.<X>`` at 1, ``VOL.<X>.<M>`` elsewhere): the
    moneyness points of the surface that are factors are the smile's pillars. An option
    of moneyness ``m = K / S`` (``S`` the as-of spot) between pillars ``M_j < M_{j+1}``
    takes ``w_{j+1} = (m − M_j)/(M_{j+1} − M_j)``, ``w_j = 1 − w_{j+1}`` (flat outside:
    the nearest pillar), and point ``j``'s scale is ``w_j·σ_j(T)/x0[VOL_j]`` with
    ``σ_j(T)`` the pillar's as-of vol at the option's expiry (linear in expiry, flat
    outside). So on the as-of market the vol is the surface's at the option's own
    expiry and strike; under a scenario each smile point moves its part.
    """
    if rows.empty:
        return np.zeros((0, 2), np.int32), np.zeros((0, 2))
    surfaces = np.array(surface_of(rows), dtype=object)
    atms = [instrument_vol(r) for r in rows.to_dict("records")]
    moneyness = rows["strike"].to_numpy(np.float64) / spot
    index = np.zeros((len(rows), 2), np.int32)
    scale = np.zeros((len(rows), 2))
    pillars_of: dict[str, tuple[np.ndarray, list[str], list[tuple[np.ndarray, np.ndarray]]]] = {}
    column = {f: k for k, f in enumerate(fs.ids)}
    for i, (u, atm) in enumerate(zip(surfaces, atms, strict=True)):
        if u not in pillars_of:
            pillars_of[u] = _smile_pillars(vols, u, atm, fs)
        points, factors, curves = pillars_of[u]
        j = int(
            np.clip(np.searchsorted(points, moneyness[i], side="right") - 1, 0, len(points) - 1)
        )
        k = min(j + 1, len(points) - 1)
        w = (
            0.0
            if k == j
            else float(np.clip((moneyness[i] - points[j]) / (points[k] - points[j]), 0.0, 1.0))
        )
        tt = max(float(t[i]), 0.0)
        for col, (p, weight) in enumerate(((j, 1.0 - w), (k, w))):
            tenors, implied = curves[p]
            sigma = float(np.interp(tt, tenors, implied))
            index[i, col] = column[factors[p]]
            scale[i, col] = weight * sigma / x0[factors[p]] if k != j or col == 0 else 0.0
    if not scale[:, 1].any():  # ATM surfaces only: one point each (one gather less)
        return index[:, :1], scale[:, :1]
    return index, scale


def _smile_pillars(
    vols: pd.DataFrame, underlying: str, atm: str, fs: FactorSet
) -> tuple[np.ndarray, list[str], list[tuple[np.ndarray, np.ndarray]]]:
    """The moneyness pillars of ``underlying``'s as-of surface that are factors of the
    run (ascending), their factors and term structures ``(tenors, vols)`` (ATM always:
    options need it)."""
    g = vols.loc[vols["underlying"] == underlying]
    if g.empty:
        raise RiskcapError(f"no implied vols for {underlying} on the as-of date")
    m = g["moneyness"].astype(float).fillna(1.0).to_numpy()
    known = set(fs.ids)
    points, factors, curves = [], [], []
    for value in np.unique(np.round(m, 6)):
        factor = smile_factor(underlying, float(value))
        if factor not in known:
            continue
        points.append(float(value))
        factors.append(factor)
        curve = g.loc[np.isclose(m, value, atol=5e-7)].sort_values("tenor_years")
        curves.append(
            (curve["tenor_years"].to_numpy(np.float64), curve["implied_vol"].to_numpy(np.float64))
        )
    if atm not in factors:
        raise RiskcapError(f"no ATM implied vols for {underlying} on the as-of date")
    return np.array(points), factors, curves


def _fx_forwards(
    rows: pd.DataFrame, as_of: dt.date, fx_index: Any, row_of: dict[str, int]
) -> FxForward:
    """FX forwards (one leg) and FX swaps (the far leg, and the near leg while it is
    still to settle) as one family."""
    if rows.empty:
        return empty_family(FxForward)  # type: ignore[return-value]
    records = rows.to_dict("records")
    swap = (rows["instrument_type"] == "fx_swap").to_numpy()
    near_t = np.array(
        [
            (r["near_date"] - as_of).days / 365.0 if s else -1.0
            for r, s in zip(records, swap, strict=True)
        ]
    )
    near_rate = np.where(swap, rows["near_rate"].to_numpy(np.float64, na_value=0.0), 0.0)
    return FxForward(
        rows["book"].to_numpy(np.int32),
        rows["units"].to_numpy(np.float64),
        np.array([fx_index(r["base_currency"]) for r in records], np.int32),
        rows["fx"].to_numpy(np.int32),
        np.array([row_of[base_curve(r)] for r in records], np.int32),
        rows["curve"].to_numpy(np.int32),
        _years(rows["maturity"], as_of),
        rows["strike"].to_numpy(np.float64),
        np.maximum(near_t, 0.0),
        near_rate,
        np.where(swap & (near_t >= 0.0), -1.0, 0.0),
    )


def _bonds(rows: pd.DataFrame, as_of: dt.date) -> Bond:
    if rows.empty:
        return empty_family(Bond)  # type: ignore[return-value]
    flows = [bond_flows(r, as_of) for r in rows.to_dict("records")]
    times, amounts, mask = stack_flows([(f.times, f.amounts) for f in flows])
    return Bond(
        rows["book"].to_numpy(np.int32),
        rows["units"].to_numpy(np.float64),
        times,
        amounts,
        mask,
        rows["curve"].to_numpy(np.int32),
        rows["fx"].to_numpy(np.int32),
        rows["spread"].to_numpy(np.int32),
    )


def _swaps(
    rows: pd.DataFrame,
    as_of: dt.date,
    mapped: FactorMap,
    fs: FactorSet,
    x0: dict[str, float],
    row_of: dict[str, int],
) -> Swap:
    if rows.empty:
        return empty_family(Swap)  # type: ignore[return-value]
    flows = []
    projection = []
    for r in rows.to_dict("records"):
        curve = projection_curve(r)
        pillars = mapped.curves[curve]
        tenors, _ = _pillar_curve(pillars, curve_prefix(curve), fs)
        df = zero_curve_df(tenors, np.array([x0[p] for p in pillars]))
        flows.append(swap_flows(r, as_of, df, curve == discount_curve(r)))
        projection.append(row_of[curve])
    times, amounts, mask = stack_flows([(f.times, f.amounts) for f in flows])
    float_times, float_start, float_end, float_scale, float_mask = stack_flows(
        [(f.float_times, f.float_start, f.float_end, f.float_scale) for f in flows], minimum=0
    )
    return Swap(
        rows["book"].to_numpy(np.int32),
        rows["units"].to_numpy(np.float64),
        times,
        amounts,
        mask,
        float_times,
        float_start,
        float_end,
        float_scale,
        float_mask,
        np.where(rows["pay_receive"] == "pay", 1.0, -1.0),
        rows["curve"].to_numpy(np.int32),
        np.array(projection, np.int32),
        rows["fx"].to_numpy(np.int32),
    )
