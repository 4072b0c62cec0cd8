"""The data-quality gate: named checks with severities, the EOD circuit breaker.

Each check is a small frozen object with a ``name``, a :class:`Severity` and a
``run(context) -> CheckResult`` (in the spirit of Dagster's asset checks). The gate
runs every check on the snapshot of ``as_of``, stores **every** result in the
catalog (passed or not), and raises :class:`~riskcap.errors.DataQualityError` when
a blocking check fails, naming the check, the failing count and sample rows. A
warning is stored and shown but does not stop the run.

Checks
------
``row_count``            positions count vs the previous snapshot within ±max_change
``null_keys``            positions with an empty book, instrument or quantity
``unknown_instruments``  positions on instruments missing from ``instruments``
``incomplete_hierarchy`` positions in books missing from ``books`` or lacking a desk,
                         legal entity or firm
``missing_market_data``  held instruments without their underlying price (equities,
                         options, futures), ATM vol (options) or curve (bonds, swaps)
                         on as_of
``stale_prices``         underlying prices unchanged over the last ``days`` observations
``return_outliers``      1-day underlying moves beyond ``sigma`` trailing standard
                         deviations (log returns for prices, differences for rates)
``unpriced_positions``   positions whose instrument cannot be priced (the mapping of
                         :mod:`riskcap.data.mapping`, or market data missing) above
                         ``max_share`` of the positions (the EOD leaves them out)
``holiday_carry_forward`` held underlyings whose market is closed on as_of (a holiday
                         of the factor's calendar), valued at their last close; a
                         warning by default (a missing price on an open day is
                         ``missing_market_data`` and blocks)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from riskcap.config import QualityConfig, Severity
from riskcap.data.calendars import market_holidays
from riskcap.data.factor_names import DEFAULT_REPORTING_CURRENCY, fx_factor
from riskcap.data.lake import Lake
from riskcap.data.mapping import (
    FX_TYPES,
    base_curve,
    discount_curve,
    forward_pillars,
    fx_pair,
    map_instruments,
    projection_curve,
    spread_curve,
)
from riskcap.data.schemas import InstrumentType, ShockType
from riskcap.data.snapshot import previous_as_of, snapshot_dates
from riskcap.errors import DataQualityError, NotFoundError

log = logging.getLogger(__name__)


class QualityRecords(Protocol):
    """Where check results are stored (the catalog implements it; ``data`` does not
    import ``store``)."""

    def latest_snapshot_id(self, as_of: dt.date) -> int | None: ...

    def record_quality(self, rows: Sequence[dict[str, Any]], run_id: str | None = None) -> None: ...


_OPTIONS = {InstrumentType.EQUITY_OPTION.value, InstrumentType.INDEX_OPTION.value}
_CURVE_BASED = {InstrumentType.BOND.value, InstrumentType.IRS.value}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one as_of."""

    name: str
    severity: Severity
    passed: bool
    failing_count: int
    threshold: str
    message: str
    sample: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocks(self) -> bool:
        return not self.passed and self.severity is Severity.BLOCKING


@dataclass(frozen=True)
class QualityContext:
    """Everything the checks look at, read once from pinned lake versions."""

    as_of: dt.date
    positions: pd.DataFrame  # book_id, instrument_id, quantity on as_of
    previous_positions: pd.DataFrame | None  # same, on the previous snapshot date
    instruments: pd.DataFrame
    books: pd.DataFrame
    factors: pd.DataFrame  # factor_id, shock_type, ...
    history: pd.DataFrame  # wide: date index × factor_id columns, dates ≤ as_of
    curves_on_date: set[str]  # curve_ids with points on as_of
    vols_on_date: set[str]  # underlyings with an implied vol on as_of
    sample_rows: int
    # underlyings without a level on as_of, a holiday of their market: carried forward
    carried: dict[str, dt.date] = field(default_factory=dict)  # factor → last close
    reporting: str = DEFAULT_REPORTING_CURRENCY  # eod.reporting_currency

    def held(self) -> pd.DataFrame:
        """Positions joined with their instrument definitions (inner join)."""
        return self.positions.merge(self.instruments, on="instrument_id", how="inner")

    def held_underlyings(self) -> list[str]:
        u = self.held()["underlying"].dropna().unique().tolist()
        return sorted(str(x) for x in u)


class QualityCheck(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    def run(self, ctx: QualityContext) -> CheckResult: ...


def _records(frame: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    head = frame.head(n)
    if head.empty:  # a passing check: no sample (and no per-column object casts)
        return []
    return [
        {str(k): (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
        for row in head.astype(object).where(head.notna(), None).to_dict(orient="records")
    ]


def _result(
    check: QualityCheck, ctx: QualityContext, failing: pd.DataFrame, threshold: str, what: str
) -> CheckResult:
    n = len(failing)
    passed = n == 0
    message = f"{check.name}: ok" if passed else f"{check.name}: {n} {what}"
    return CheckResult(
        check.name,
        check.severity,
        passed,
        n,
        threshold,
        message,
        _records(failing, ctx.sample_rows),
    )


@dataclass(frozen=True)
class RowCountCheck:
    severity: Severity
    max_change: float
    name: str = "row_count"

    def run(self, ctx: QualityContext) -> CheckResult:
        threshold = f"|Δ rows| ≤ {self.max_change:.0%} of previous"
        n = len(ctx.positions)
        if ctx.previous_positions is None:
            return CheckResult(self.name, self.severity, True, 0, threshold, "no previous snapshot")
        prev = len(ctx.previous_positions)
        change = abs(n - prev) / prev if prev else (0.0 if n == 0 else np.inf)
        passed = change <= self.max_change
        msg = f"{self.name}: {n} positions vs {prev} previously ({change:+.1%} change)"
        return CheckResult(
            self.name,
            self.severity,
            bool(passed),
            0 if passed else abs(n - prev),
            threshold,
            msg if not passed else f"{self.name}: ok ({n} vs {prev})",
            [{"rows": n, "previous_rows": prev, "change": round(float(change), 6)}],
        )


@dataclass(frozen=True)
class NullKeysCheck:
    severity: Severity
    name: str = "null_keys"

    def run(self, ctx: QualityContext) -> CheckResult:
        p = ctx.positions
        blank = p[["book_id", "instrument_id"]].astype(str).apply(lambda s: s.str.strip() == "")
        bad = p[["book_id", "instrument_id", "quantity"]].isna().any(axis=1) | blank.any(axis=1)
        return _result(self, ctx, p.loc[bad], "0 rows", "positions with an empty key")


@dataclass(frozen=True)
class UnknownInstrumentsCheck:
    severity: Severity
    name: str = "unknown_instruments"

    def run(self, ctx: QualityContext) -> CheckResult:
        p = ctx.positions
        bad = p.loc[~p["instrument_id"].isin(ctx.instruments["instrument_id"])]
        return _result(self, ctx, bad, "0 rows", "positions on unknown instruments")


@dataclass(frozen=True)
class IncompleteHierarchyCheck:
    severity: Severity
    name: str = "incomplete_hierarchy"

    def run(self, ctx: QualityContext) -> CheckResult:
        m = ctx.positions.merge(ctx.books, on="book_id", how="left", indicator=True)
        levels = ["desk", "legal_entity", "firm"]
        entities = ctx.books.dropna(subset=["desk"]).groupby("desk")["legal_entity"].nunique()
        shared = entities.loc[entities > 1]
        incomplete = (m["_merge"] == "left_only") | m[levels].isna().any(axis=1)
        in_two = m["desk"].isin(shared.index)
        m["problem"] = np.where(incomplete, "book lacks a desk, legal entity or firm", "")
        m.loc[in_two & ~incomplete, "problem"] = m.loc[in_two & ~incomplete, "desk"].map(
            lambda d: f"desk {d} is under {int(shared[d])} legal entities"
        )
        bad = m.loc[incomplete | in_two, ["book_id", "instrument_id", *levels, "problem"]]
        return _result(
            self,
            ctx,
            bad,
            "0 rows",
            "positions whose book lacks a desk, legal entity or firm, or whose desk is "
            "also under another legal entity",
        )


@dataclass(frozen=True)
class MissingMarketDataCheck:
    severity: Severity
    name: str = "missing_market_data"

    def run(self, ctx: QualityContext) -> CheckResult:
        bad = _missing_market_data(ctx)[["book_id", "instrument_id", "underlying", "missing"]]
        return _result(self, ctx, bad, "0 rows", "positions without market data on as_of")


def _missing_market_data(ctx: QualityContext) -> pd.DataFrame:
    """Held positions lacking a price, an implied vol or a curve on as_of (``missing``)."""
    held = ctx.held()
    on_date = (
        ctx.history.loc[pd.Timestamp(ctx.as_of)].dropna().index
        if pd.Timestamp(ctx.as_of) in ctx.history.index
        else pd.Index([])
    )
    commodity = held["instrument_type"] == InstrumentType.COMMODITY_FUTURE.value
    needs_price = (
        held["underlying"].notna() & ~held["instrument_type"].isin(_CURVE_BASED) & ~commodity
    )
    open_market = ~held["underlying"].isin(ctx.carried)  # a holiday is not a gap
    no_price = needs_price & ~held["underlying"].isin(on_date) & open_market
    no_vol = (
        held["instrument_type"].isin(_OPTIONS)
        & ~held["underlying"].isin(ctx.vols_on_date)
        & open_market
    )
    fx = held["instrument_type"].isin(FX_TYPES)
    records = held.to_dict("records")
    no_vol |= pd.Series(
        [
            r["instrument_type"] == "fx_option" and fx_pair(r) not in ctx.vols_on_date
            for r in records
        ],
        index=held.index,
        dtype=bool,
    )
    no_curve = held["instrument_type"].isin(_CURVE_BASED) & ~held["curve_id"].isin(
        ctx.curves_on_date
    )
    no_curve |= pd.Series(
        [
            ((c := spread_curve(r)) is not None and c not in ctx.curves_on_date)
            or (r["instrument_type"] == "irs" and projection_curve(r) not in ctx.curves_on_date)
            for r in records
        ],
        index=held.index,
        dtype=bool,
    )
    no_curve |= fx & pd.Series(
        [
            f and not {discount_curve(r), base_curve(r)} <= ctx.curves_on_date
            for r, f in zip(records, fx, strict=True)
        ],
        index=held.index,
        dtype=bool,
    )
    factor_ids = list(ctx.factors["factor_id"])
    no_forward = commodity & pd.Series(
        [
            not (pillars := forward_pillars(factor_ids, str(u))) or not set(pillars) <= set(on_date)
            for u in held["underlying"]
        ],
        index=held.index,
        dtype=bool,
    )
    held = held.assign(
        missing=np.select(
            [no_price, no_vol, no_curve, no_forward],
            ["price", "implied_vol", "curve", "forward curve"],
            "",
        )
    )
    return held.loc[held["missing"] != ""]


def currencies_held(held: pd.DataFrame) -> list[tuple[str, str]]:
    """``(instrument_id, currency)`` of every currency the held instruments use: their
    own, and the base currency of FX instruments."""
    out = [(str(i), str(c)) for i, c in zip(held["instrument_id"], held["currency"], strict=True)]
    if "base_currency" in held.columns:
        base = held.dropna(subset=["base_currency"])
        out += [
            (str(i), str(c))
            for i, c in zip(base["instrument_id"], base["base_currency"], strict=True)
        ]
    return out


@dataclass(frozen=True)
class MissingFxRateCheck:
    """Positions in a currency (or, for an FX instrument, on a base currency) other than
    the reporting currency whose FX rate ``FX.<CCY><REP>`` has no level on as_of: no
    figure of theirs can be converted. Blocking by default."""

    severity: Severity
    name: str = "missing_fx_rate"

    def run(self, ctx: QualityContext) -> CheckResult:
        held = ctx.held()
        on_date = (
            set(ctx.history.loc[pd.Timestamp(ctx.as_of)].dropna().index)
            if pd.Timestamp(ctx.as_of) in ctx.history.index
            else set()
        )
        rows = []
        book_of = held.groupby("instrument_id")["book_id"].first()
        for iid, ccy in dict.fromkeys(currencies_held(held)):
            factor = fx_factor(ccy, ctx.reporting)
            if ccy != ctx.reporting and factor not in on_date:
                rows.append((book_of[iid], iid, ccy, factor))
        bad = pd.DataFrame(rows, columns=["book_id", "instrument_id", "currency", "fx_factor"])
        return _result(
            self,
            ctx,
            bad,
            "0 rows",
            f"positions whose currency has no FX rate to {ctx.reporting} on as_of",
        )


@dataclass(frozen=True)
class UnpricedPositionsCheck:
    """Positions whose instrument cannot be priced — not in the instruments table, a
    type without a pricer, a factor or curve the mapping needs missing
    (:mod:`riskcap.data.mapping`), or no market data on as_of. The EOD leaves them out
    of the figures and records them with the run; the check fails when their share of
    the positions is above ``max_share``."""

    severity: Severity
    max_share: float
    name: str = "unpriced_positions"

    def run(self, ctx: QualityContext) -> CheckResult:
        held = ctx.positions.merge(ctx.instruments, on="instrument_id", how="left")
        mapped = map_instruments(
            held.drop_duplicates("instrument_id").to_dict("records"),
            set(ctx.factors["factor_id"]),
            ctx.reporting,
        )
        reasons = dict(mapped.unpriced)
        for r in _missing_market_data(ctx).itertuples():
            reasons.setdefault(str(r.instrument_id), f"no {r.missing} on {ctx.as_of}")
        bad = held.loc[held["instrument_id"].isin(reasons), ["book_id", "instrument_id"]]
        bad = bad.assign(reason=bad["instrument_id"].map(reasons))
        share = len(bad) / len(held) if len(held) else 0.0
        passed = share <= self.max_share
        threshold = f"share ≤ {self.max_share:.2%} of {len(held)} positions"
        message = (
            f"{self.name}: ok" + (f" ({len(bad)} left out of the figures)" if len(bad) else "")
            if passed
            else f"{self.name}: {len(bad)} positions ({share:.2%}) cannot be priced"
        )
        return CheckResult(
            self.name,
            self.severity,
            passed,
            len(bad),
            threshold,
            message,
            _records(bad, ctx.sample_rows),
        )


@dataclass(frozen=True)
class HolidayCarryForwardCheck:
    """Held underlyings whose market is closed on as_of (a holiday of the factor's
    calendar): their last close is carried forward. Flagged, not blocking."""

    severity: Severity
    name: str = "holiday_carry_forward"

    def run(self, ctx: QualityContext) -> CheckResult:
        bad = pd.DataFrame(
            {
                "factor_id": list(ctx.carried),
                "last_close": [d.isoformat() for d in ctx.carried.values()],
            }
        )
        return _result(
            self, ctx, bad, "0 factors", "factors carried forward from their last close (holiday)"
        )


@dataclass(frozen=True)
class StalePricesCheck:
    severity: Severity
    days: int
    name: str = "stale_prices"

    def run(self, ctx: QualityContext) -> CheckResult:
        cols = [c for c in ctx.held_underlyings() if c in ctx.history.columns]
        tail = ctx.history[cols].tail(self.days)
        stale = [c for c in cols if len(tail[c].dropna()) >= self.days and tail[c].nunique() == 1]
        bad = pd.DataFrame(
            {
                "factor_id": stale,
                "value": [float(tail[c].iloc[-1]) for c in stale],
                "since": [tail.index[0].date().isoformat() for _ in stale],
            }
        )
        return _result(
            self, ctx, bad, f"unchanged < {self.days} observations", "stale underlying prices"
        )


@dataclass(frozen=True)
class ReturnOutliersCheck:
    severity: Severity
    sigma: float
    lookback: int
    name: str = "return_outliers"

    def run(self, ctx: QualityContext) -> CheckResult:
        cols = [c for c in ctx.held_underlyings() if c in ctx.history.columns]
        hist = ctx.history[cols].tail(self.lookback + 2)
        shock = ctx.factors.set_index("factor_id")["shock_type"].reindex(cols)
        log_cols = [c for c in cols if shock.get(c) != ShockType.ABSOLUTE.value]
        abs_cols = [c for c in cols if c not in log_cols]
        moves = pd.concat([np.log(hist[log_cols]).diff(), hist[abs_cols].diff()], axis=1).iloc[1:]
        rows = []
        if len(moves) >= 3 and moves.index[-1].date() == ctx.as_of:
            today = moves.iloc[-1]
            std = moves.iloc[:-1].std(ddof=1)
            z = (today / std).replace([np.inf, -np.inf], np.nan)
            for c in z.index[(z.abs() > self.sigma).to_numpy()]:
                rows.append(
                    {
                        "factor_id": c,
                        "move": float(today[c]),
                        "sigma": float(std[c]),
                        "z": round(float(z[c]), 2),
                    }
                )
        bad = pd.DataFrame(rows, columns=["factor_id", "move", "sigma", "z"])
        return _result(
            self, ctx, bad, f"|z| ≤ {self.sigma:g} over {self.lookback} days", "outlier moves"
        )


def default_checks(cfg: QualityConfig) -> list[QualityCheck]:
    """The configured checks, in the order they run."""
    return [
        NullKeysCheck(cfg.null_keys.severity),
        UnknownInstrumentsCheck(cfg.unknown_instruments.severity),
        IncompleteHierarchyCheck(cfg.incomplete_hierarchy.severity),
        RowCountCheck(cfg.row_count.severity, cfg.row_count.max_change),
        MissingMarketDataCheck(cfg.missing_market_data.severity),
        MissingFxRateCheck(cfg.missing_fx_rate.severity),
        StalePricesCheck(cfg.stale_prices.severity, cfg.stale_prices.days),
        ReturnOutliersCheck(
            cfg.return_outliers.severity, cfg.return_outliers.sigma, cfg.return_outliers.lookback
        ),
        HolidayCarryForwardCheck(cfg.holiday_carry_forward.severity),
        UnpricedPositionsCheck(cfg.unpriced_positions.severity, cfg.unpriced_positions.max_share),
    ]


def load_context(
    lake: Lake,
    as_of: dt.date,
    cfg: QualityConfig,
    versions: Mapping[str, int] | None = None,
    reporting: str = DEFAULT_REPORTING_CURRENCY,
) -> QualityContext:
    """Read the snapshot of ``as_of`` and the market history the checks need.

    ``versions`` pins the table versions read (default: the latest of each); FX rates
    are to ``reporting``.
    """
    pinned = dict(versions or {})

    def read(table: str, **kwargs: Any) -> pa.Table:
        return lake.read(table, version=pinned.get(table), **kwargs)

    dates = snapshot_dates(lake, pinned.get("positions"))
    if as_of not in dates:
        raise NotFoundError(f"no positions snapshot for {as_of}: run `riskcap snapshot` first")
    positions = read("positions", filters=[("as_of", "=", as_of)]).to_pandas()
    prev_date = previous_as_of(dates, as_of)
    previous = (
        read("positions", filters=[("as_of", "=", prev_date)]).to_pandas()
        if prev_date is not None
        else None
    )
    instruments = read("instruments").to_pandas()
    held = positions.merge(instruments, on="instrument_id", how="inner")
    underlyings = sorted(str(u) for u in held["underlying"].dropna().unique())
    factors = read("factors").to_pandas()
    commodities = held.loc[
        held["instrument_type"] == InstrumentType.COMMODITY_FUTURE.value, "underlying"
    ]
    underlyings += [
        p
        for u in sorted(set(commodities.dropna()))
        for p in forward_pillars(factors["factor_id"], u)
    ]
    fx_rates = sorted({fx_factor(c, reporting) for _, c in currencies_held(held) if c != reporting})
    window = max(cfg.return_outliers.lookback, cfg.stale_prices.days) + 2
    start = as_of - dt.timedelta(days=int(window * 7 / 5) + 14)
    md = (
        read(
            "market_data",
            filters=[
                ("date", ">=", start),
                ("date", "<=", as_of),
                ("factor_id", "in", underlyings + fx_rates),
            ],
        ).to_pandas()
        if underlyings or fx_rates
        else pd.DataFrame(columns=["date", "factor_id", "value"])
    )
    history = md.pivot_table(index="date", columns="factor_id", values="value", aggfunc="last")
    closed = market_holidays(
        lake,
        pinned.get("holidays", lake.version("holidays")),
        factors.set_index("factor_id"),
        [u for u in underlyings if u in set(factors["factor_id"])],
    )
    carried = {}
    for u, holidays in closed.items():
        if as_of not in holidays or u not in history.columns:
            continue
        column = history[u].dropna()
        if as_of not in column.index and len(column):
            carried[u] = column.index[-1]
    history.index = pd.to_datetime(history.index)
    curves = read("curves", filters=[("date", "=", as_of)], columns=["curve_id"])
    vols = read("vols", filters=[("date", "=", as_of)], columns=["underlying"])
    return QualityContext(
        as_of=as_of,
        positions=positions.drop(columns=["as_of"]),
        previous_positions=previous,
        instruments=instruments,
        books=read("books").to_pandas(),
        factors=factors,
        history=history.sort_index(),
        curves_on_date=set(curves.column("curve_id").to_pylist()),
        vols_on_date=set(vols.column("underlying").to_pylist()),
        sample_rows=cfg.sample_rows,
        carried=carried,
        reporting=reporting,
    )


def run_checks(checks: Sequence[QualityCheck], ctx: QualityContext) -> list[CheckResult]:
    return [check.run(ctx) for check in checks]


def run_quality_gate(
    lake: Lake,
    catalog: QualityRecords,
    as_of: dt.date,
    cfg: QualityConfig,
    *,
    snapshot_id: int | None = None,
    checks: Sequence[QualityCheck] | None = None,
    versions: Mapping[str, int] | None = None,
    run_id: str | None = None,
    reporting: str = DEFAULT_REPORTING_CURRENCY,
) -> list[CheckResult]:
    """Run every check on the ``as_of`` snapshot, store all results, then gate.

    Raises
    ------
    DataQualityError
        A blocking check failed; the message names the check, the count and the
        first sample rows (all results are stored before raising).
    """
    ctx = load_context(lake, as_of, cfg, versions, reporting)
    results = run_checks(checks if checks is not None else default_checks(cfg), ctx)
    if snapshot_id is None:
        snapshot_id = catalog.latest_snapshot_id(as_of)
    catalog.record_quality(
        [
            {
                "snapshot_id": snapshot_id,
                "as_of": as_of,
                "check_name": r.name,
                "severity": r.severity.value,
                "passed": r.passed,
                "failing_count": r.failing_count,
                "threshold": r.threshold,
                "message": r.message,
                "sample": r.sample,
            }
            for r in results
        ],
        run_id=run_id,
    )
    blocking = [r for r in results if r.blocks]
    for r in results:
        if not r.passed:
            log.warning("quality %s %s: %s", as_of, r.severity.value, r.message)
    if blocking:
        first = blocking[0]
        others = (
            f"; also failing: {', '.join(r.name for r in blocking[1:])}" if blocking[1:] else ""
        )
        raise DataQualityError(
            f"data-quality gate failed for {as_of}: check '{first.name}' (blocking) — "
            f"{first.message}; sample: {first.sample[:3]}{others}",
            check=first.name,
            count=first.failing_count,
            sample=first.sample,
            results=results,
        )
    return results
