"""Cash flows of bonds and swaps from QuantLib's schedules, day counts and calendars.

When a book is prepared (outside the hot path) each bond and swap gets its payment
schedule from QuantLib — ``ql.Schedule`` on the instrument's calendar and
business-day convention, generated backward from maturity (so a regular schedule
whatever the start; a ``start_date`` makes the first period a stub) — and its accrual
fractions from QuantLib's day counter. The JAX kernels receive plain arrays: payment
times in years from the as-of date (ACT/365F, the curves' time axis) and amounts.

* **Bonds** (``ql.FixedRateBond``, settlement on the as-of date): every coupon
  ``100·c·τ(start, end)`` and the redemption of 100, paid on the business day the
  convention gives; a payment on the as-of date itself is gone (QuantLib's default).
* **Swaps**, per unit notional, signed as received: the fixed leg ``K·τ_fixed`` per
  period; the floating leg on the projection curve at ``float_frequency``. A floating
  coupon pays ``(P(s)/P(e) − 1)·τ(s, e)/τ(s', e')``: the index's simple forward rate
  over ``[s', e']`` (the accrual dates moved to business days, preceding and following:
  where the index fixes and matures, QuantLib's ``IborCoupon``) times the accrual
  fraction; the index's day count is the coupon's, so the scale is 1 on an adjusted
  schedule. On one curve (projection = discount) and an adjusted schedule the floating
  leg telescopes to ``+1`` at its next reset and ``−1`` at maturity, known amounts;
  otherwise each coupon is projected in the kernel.
  The coupon of the current period was fixed at its start: riskcap has no table of
  index fixings yet, so it takes the projection curve's simple rate from the as-of
  date to the period's end, on the as-of curve, as that fixing (a stated proxy; the
  coupon then stays fixed under every scenario, as a fixed coupon does).

Schedules depend on the instrument only (and on the year of the as-of date where no
``start_date`` is given: the schedule then starts on 1 January of the year before), so
they are cached; a day's book only picks the payments after its as-of date.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import QuantLib as ql  # type: ignore[import-untyped]

from riskcap.data.conventions import DAY_COUNTS, defaults_of
from riskcap.errors import RiskcapError

_CALENDARS: dict[str, Callable[[], Any]] = {
    "US": lambda: ql.UnitedStates(ql.UnitedStates.GovernmentBond),
    "TARGET": ql.TARGET,
    "UK": lambda: ql.UnitedKingdom(ql.UnitedKingdom.Settlement),
    "JP": ql.Japan,
    "WEEKENDS": ql.WeekendsOnly,
    "NONE": ql.NullCalendar,
}
_CONVENTIONS = {
    "following": ql.Following,
    "modified_following": ql.ModifiedFollowing,
    "preceding": ql.Preceding,
    "unadjusted": ql.Unadjusted,
}
_DAY_COUNTERS: dict[str, Callable[[], Any]] = {
    "ACT/360": ql.Actual360,
    "ACT/365F": ql.Actual365Fixed,
    "30/360": lambda: ql.Thirty360(ql.Thirty360.BondBasis),
    "30E/360": lambda: ql.Thirty360(ql.Thirty360.European),
    "ACT/ACT": lambda: ql.ActualActual(ql.ActualActual.ISDA),
}
SCHEDULE_WIDTH_STEP = 8  # schedules are padded to a multiple of this many payments
_FREQUENCIES = {1: 12, 2: 6, 3: 4, 4: 3, 6: 2, 12: 1}  # payments a year → months a period


@dataclass(frozen=True)
class Terms:
    """A bond's or swap's schedule terms, defaults filled in."""

    maturity: dt.date
    start: dt.date | None
    frequency: int
    calendar: str
    convention: str
    day_count: str
    rate: float  # coupon or fixed rate
    float_frequency: int = 0
    float_day_count: str = ""


@dataclass(frozen=True)
class Flows:
    """One instrument's remaining cash flows as of a date (see the module docstring)."""

    times: np.ndarray  # known payments: years from the as-of date (ACT/365F)
    amounts: np.ndarray  # their amounts (per 100 face, or per unit notional, signed)
    float_times: np.ndarray  # projected coupons: payment times
    float_start: np.ndarray  # and the index's forecast periods (years)
    float_end: np.ndarray
    float_scale: np.ndarray  # accrual fraction over the forecast period's (1 when they agree)


def _text(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return value if isinstance(value, str) and value else None


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        if value != value:  # NaT
            return None
    except TypeError:
        pass
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    to_date = getattr(value, "date", None)  # pandas Timestamp
    return to_date() if callable(to_date) else None


def _int(value: Any, default: int) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(number) else int(number)


def terms_of(row: Mapping[str, Any]) -> Terms:
    """The schedule terms of an instruments-table row (a bond or an irs)."""
    d = defaults_of(str(row["currency"]))
    kind = row["instrument_type"]
    maturity = _date(row.get("maturity"))
    if maturity is None:
        raise RiskcapError(f"{row['instrument_id']}: a {kind} needs a maturity")
    frequency = _int(row.get("payment_frequency"), 0)
    swap = kind == "irs"
    return Terms(
        maturity=maturity,
        start=_date(row.get("start_date")),
        frequency=frequency,
        calendar=_text(row, "calendar") or d.calendar,
        convention=_text(row, "business_day_convention") or d.business_day_convention,
        day_count=_text(row, "day_count") or (d.fixed_day_count if swap else d.bond_day_count),
        rate=float(row["fixed_rate"]),
        float_frequency=_int(row.get("float_frequency"), frequency) if swap else 0,
        float_day_count=(_text(row, "float_day_count") or d.float_day_count) if swap else "",
    )


def calendar(name: str) -> Any:
    """The QuantLib calendar of a riskcap calendar name (``"TARGET+UK"`` joins)."""
    parts = [_CALENDARS[p]() for p in name.split("+")]
    out = parts[0]
    for p in parts[1:]:
        out = ql.JointCalendar(out, p)
    return out


def _ql_date(d: dt.date) -> Any:
    return ql.Date(d.day, d.month, d.year)


def _py_date(d: Any) -> dt.date:
    return dt.date(d.year(), d.month(), d.dayOfMonth())


def _schedule(terms: Terms, frequency: int, first_year: int) -> Any:
    if frequency not in _FREQUENCIES:
        raise RiskcapError(f"payment_frequency {frequency} is not one of {sorted(_FREQUENCIES)}")
    start = terms.start or dt.date(first_year, 1, 1)
    start = min(start, terms.maturity - dt.timedelta(days=1))
    rule = _CONVENTIONS[terms.convention]
    return ql.Schedule(
        _ql_date(start),
        _ql_date(terms.maturity),
        ql.Period(_FREQUENCIES[frequency], ql.Months),
        calendar(terms.calendar),
        rule,
        rule,
        ql.DateGeneration.Backward,
        False,
    )


def day_counter(name: str, schedule: Any = None) -> Any:
    """QuantLib's day counter of a riskcap day-count name (ICMA needs the schedule)."""
    if name == "ACT/ACT.ICMA":
        return ql.ActualActual(ql.ActualActual.ISMA, schedule)
    if name not in DAY_COUNTS:
        raise RiskcapError(f"unknown day count {name!r}")
    return _DAY_COUNTERS[name]()


@functools.lru_cache(maxsize=4096)
def _bond_dated(terms: Terms, first_year: int) -> tuple[tuple[dt.date, ...], tuple[float, ...]]:
    schedule = _schedule(terms, terms.frequency, first_year)
    bond = ql.FixedRateBond(
        0,
        100.0,
        schedule,
        [terms.rate],
        day_counter(terms.day_count, schedule),
        _CONVENTIONS[terms.convention],
    )
    flows = bond.cashflows()
    return tuple(_py_date(c.date()) for c in flows), tuple(float(c.amount()) for c in flows)


@functools.lru_cache(maxsize=4096)
def _periods(
    terms: Terms, frequency: int, day_count: str, first_year: int
) -> tuple[tuple[dt.date, ...], tuple[float, ...]]:
    """The adjusted dates of a leg's schedule and each period's accrual fraction."""
    schedule = _schedule(terms, frequency, first_year)
    dc = day_counter(day_count, schedule)
    dates = list(schedule.dates())
    fractions = [dc.yearFraction(a, b) for a, b in itertools.pairwise(dates)]
    return tuple(_py_date(d) for d in dates), tuple(float(f) for f in fractions)


def _years(dates: list[dt.date], as_of: dt.date) -> np.ndarray:
    return np.array([(d - as_of).days / 365.0 for d in dates], np.float64)


def _empty() -> np.ndarray:
    return np.zeros(0)


def bond_flows(row: Mapping[str, Any], as_of: dt.date) -> Flows:
    """A bond's remaining coupons and redemption per 100 face."""
    terms = terms_of(row)
    dates, amounts = _bond_dated(terms, as_of.year - 1)
    live = [i for i, d in enumerate(dates) if d > as_of]
    return Flows(
        _years([dates[i] for i in live], as_of),
        np.array([amounts[i] for i in live], np.float64),
        _empty(),
        _empty(),
        _empty(),
        _empty(),
    )


def swap_flows(
    row: Mapping[str, Any],
    as_of: dt.date,
    projection_df: Callable[[np.ndarray], np.ndarray],
    one_curve: bool,
) -> Flows:
    """A swap's remaining cash flows per unit notional, signed as received.

    ``projection_df`` gives the projection curve's discount factors at times (years)
    on the as-of date (for the current coupon's fixing proxy); ``one_curve``: the
    projection curve is the discount curve, and the floating leg telescopes.
    """
    terms = terms_of(row)
    first_year = as_of.year - 1
    payer = 1.0 if row["pay_receive"] == "pay" else -1.0  # sign of the floating leg
    fixed_dates, fixed_tau = _periods(terms, terms.frequency, terms.day_count, first_year)
    times: list[float] = []
    amounts: list[float] = []
    for end, tau in zip(fixed_dates[1:], fixed_tau, strict=True):
        if end > as_of:
            times.append((end - as_of).days / 365.0)
            amounts.append(-payer * terms.rate * tau)
    dates, taus = _periods(terms, terms.float_frequency, terms.float_day_count, first_year)
    index_dc = day_counter(terms.float_day_count)
    cal = calendar(terms.calendar)
    starts, ends, pays, scales = [], [], [], []
    for s, e, tau_i in zip(dates[:-1], dates[1:], taus, strict=True):
        if e <= as_of:
            continue
        if s < as_of:  # the current coupon: fixed at its start (proxy, see the docstring)
            t_end = (e - as_of).days / 365.0
            remaining = index_dc.yearFraction(_ql_date(as_of), _ql_date(e))
            fixing = (1.0 / float(projection_df(np.array([t_end]))[0]) - 1.0) / remaining
            times.append(t_end)
            amounts.append(payer * fixing * tau_i)
            continue
        # the index fixes on the business day on or before the accrual start and
        # forecasts to the business day on or after its end (QuantLib's IborCoupon)
        s_fix = cal.adjust(_ql_date(s), ql.Preceding)
        e_fix = cal.adjust(_ql_date(e), ql.Following)
        starts.append(_py_date(s_fix))
        ends.append(_py_date(e_fix))
        pays.append(e)
        scales.append(tau_i / index_dc.yearFraction(s_fix, e_fix))
    contiguous = all(a == b for a, b in zip(starts[1:], ends[:-1], strict=False))
    if one_curve and starts and contiguous and all(x == 1.0 for x in scales) and ends == pays:
        # Σ DF(s) − DF(e) over contiguous periods paid at their ends: telescopes
        times += [(starts[0] - as_of).days / 365.0, (ends[-1] - as_of).days / 365.0]
        amounts += [payer, -payer]
        starts, ends, pays, scales = [], [], [], []
    order = np.argsort(np.array(times), kind="stable")
    return Flows(
        np.array(times, np.float64)[order],
        np.array(amounts, np.float64)[order],
        _years(pays, as_of),
        _years(starts, as_of),
        _years(ends, as_of),
        np.array(scales, np.float64),
    )


def zero_curve_df(tenors: np.ndarray, rates: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Discount factors on a zero curve (linear in the zero rate, flat outside), as the
    kernels read it (:mod:`riskcap.pricing.rates`)."""

    def df(t: np.ndarray) -> np.ndarray:
        return np.exp(-np.interp(t, tenors, rates) * t)

    return df


def stack_flows(
    rows: list[tuple[np.ndarray, ...]], minimum: int = SCHEDULE_WIDTH_STEP
) -> tuple[np.ndarray, ...]:
    """Per-position arrays (each row a tuple of equal-length arrays) as ``(p, width)``
    grids plus their mask, the width a multiple of 8 (at least ``minimum``): schedules
    shorten as the days pass (and grow with a new long trade), and each width would be
    a new compiled kernel shape; the extra cells are masked out."""
    longest = max(max((len(r[0]) for r in rows), default=0), minimum)
    width = -(-longest // SCHEDULE_WIDTH_STEP) * SCHEDULE_WIDTH_STEP
    count = len(rows[0]) if rows else 0
    grids = [np.zeros((len(rows), width)) for _ in range(count)]
    mask = np.zeros((len(rows), width), bool)
    for i, r in enumerate(rows):
        n = len(r[0])
        mask[i, :n] = True
        for g, values in zip(grids, r, strict=True):
            g[i, :n] = values
    return (*grids, mask)
