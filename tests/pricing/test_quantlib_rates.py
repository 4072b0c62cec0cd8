"""Bonds and swaps with market conventions, against QuantLib (issue 19, items 2, 3, 8).

riskcap prepares a bond's or swap's cash flows from the instruments table's conventions
(:mod:`riskcap.inputs.schedules`: QuantLib schedules, calendars, business-day rules and
day counts) and values them in the JAX kernels. The oracle is QuantLib's own pricing
of the same trade built here from the same terms: ``FixedRateBond`` with a
``DiscountingBondEngine``; ``VanillaSwap`` on an ``IborIndex`` (fixing days 0, the
leg's day count) forecasting on the projection curve and discounted on the OIS curve
with a ``DiscountingSwapEngine``; the curves ``ZeroCurve``s, linear in the zero rate,
continuously compounded, ACT/365F, as riskcap's. The current floating coupon's fixing
is riskcap's documented proxy (the projection curve's simple rate from today to the
period's end), added to the index as its fixing. Agreement: 1e-10 relative (or
1e-12 of the notional) over a few hundred randomised trades; DV01 per pillar by
autodiff against QuantLib bump-and-reprice.
"""

from __future__ import annotations

import datetime as dt

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import QuantLib as ql

from riskcap.data.conventions import BUSINESS_DAY_CONVENTIONS, CALENDARS, DAY_COUNTS
from riskcap.inputs.schedules import (
    bond_flows,
    calendar,
    day_counter,
    stack_flows,
    swap_flows,
    zero_curve_df,
)
from riskcap.pricing.book import Bond, Swap, bond_values, stack_curves, swap_values

AS_OF = dt.date(2022, 6, 15)
TODAY = ql.Date(15, 6, 2022)
DC = ql.Actual365Fixed()
Z_DAYS = np.array([30, 91, 182, 365, 730, 1825, 3650, 7300, 10950])
ZT = Z_DAYS / 365.0
RNG = np.random.default_rng(19)
_RULES = {
    "following": ql.Following,
    "modified_following": ql.ModifiedFollowing,
    "preceding": ql.Preceding,
    "unadjusted": ql.Unadjusted,
}


def _world() -> tuple[np.ndarray, object]:
    """Discount (row 0) and projection (row 1) zero curves on one factor vector."""
    disc = np.sort(RNG.uniform(0.005, 0.045, len(Z_DAYS)))
    proj = disc + RNG.uniform(0.0005, 0.004, len(Z_DAYS))
    x = np.concatenate([disc, proj])
    n = len(Z_DAYS)
    curves = stack_curves(
        [(ZT, np.arange(n, dtype=np.int32)), (ZT, np.arange(n, 2 * n, dtype=np.int32))]
    )
    return x, curves


def _ql_curve(rates: np.ndarray) -> ql.YieldTermStructureHandle:
    ql.Settings.instance().evaluationDate = TODAY
    dates = [TODAY] + [TODAY + int(d) for d in Z_DAYS]
    curve = ql.ZeroCurve(
        dates, [rates[0], *rates], DC, ql.NullCalendar(), ql.Linear(), ql.Continuous
    )
    curve.enableExtrapolation()
    return ql.YieldTermStructureHandle(curve)


def _ql_date(d: dt.date) -> ql.Date:
    return ql.Date(d.day, d.month, d.year)


def _ql_schedule(row: dict, frequency: int) -> ql.Schedule:
    """The schedule of ``row`` built here from its terms (an explicit start date)."""
    rule = _RULES[row["business_day_convention"]]
    return ql.Schedule(
        _ql_date(row["start_date"]),
        _ql_date(row["maturity"]),
        ql.Period(12 // frequency, ql.Months),
        calendar(row["calendar"]),
        rule,
        rule,
        ql.DateGeneration.Backward,
        False,
    )


def _random_terms(kind: str) -> dict:
    start = AS_OF + dt.timedelta(days=int(RNG.integers(-900, 60)))
    maturity = start + dt.timedelta(days=int(RNG.integers(200, 11000)))
    if maturity <= AS_OF:
        maturity = AS_OF + dt.timedelta(days=int(RNG.integers(5, 400)))
    return dict(
        instrument_id=f"{kind}-{RNG.integers(1e9)}",
        instrument_type=kind,
        currency=str(RNG.choice(["USD", "EUR", "GBP", "JPY", "CHF"])),
        start_date=start,
        maturity=maturity,
        payment_frequency=int(RNG.choice([1, 2, 4, 12])),
        calendar=str(RNG.choice([*CALENDARS, "TARGET+UK"])),
        business_day_convention=str(RNG.choice(list(BUSINESS_DAY_CONVENTIONS))),
        day_count=str(RNG.choice(list(DAY_COUNTS))),
        fixed_rate=float(RNG.uniform(0.0, 0.08)),
    )


def _bond_grid(rows: list[dict]) -> Bond:
    flows = [bond_flows(r, AS_OF) for r in rows]
    times, amounts, mask = stack_flows([(f.times, f.amounts) for f in flows])
    n = len(rows)
    z = np.zeros(n, np.int32)
    return Bond(z, np.ones(n), times, amounts, mask, z, z - 1, z - 1)


def test_bonds_with_conventions_match_quantlib() -> None:
    """300 bonds on random calendars, business-day rules, day counts (ICMA included),
    frequencies and stub starts: riskcap's dirty price per 100 is QuantLib's NPV."""
    x, curves = _world()
    rows = [_random_terms("bond") for _ in range(300)]
    got = np.asarray(bond_values(_bond_grid(rows), curves, jnp.asarray(x)))
    handle = _ql_curve(x[: len(Z_DAYS)])
    engine = ql.DiscountingBondEngine(handle)
    want = []
    for r in rows:
        schedule = _ql_schedule(r, r["payment_frequency"])
        bond = ql.FixedRateBond(
            0,
            100.0,
            schedule,
            [r["fixed_rate"]],
            day_counter(r["day_count"], schedule),
            _RULES[r["business_day_convention"]],
        )
        bond.setPricingEngine(engine)
        want.append(bond.NPV())
    np.testing.assert_allclose(got, np.array(want), rtol=1e-10, atol=1e-10)


def _swap_rows(n: int) -> list[dict]:
    rows = []
    for _ in range(n):
        r = _random_terms("irs")
        r["pay_receive"] = str(RNG.choice(["pay", "receive"]))
        r["float_frequency"] = int(RNG.choice([1, 2, 4, 12]))
        r["float_day_count"] = str(RNG.choice(["ACT/360", "ACT/365F", "30/360"]))
        rows.append(r)
    return rows


def _swap_grid(rows: list[dict], x: np.ndarray, one_curve: bool) -> Swap:
    proj = x[len(Z_DAYS) :] if not one_curve else x[: len(Z_DAYS)]
    df = zero_curve_df(ZT, proj)
    flows = [swap_flows(r, AS_OF, df, one_curve) for r in rows]
    times, amounts, mask = stack_flows([(f.times, f.amounts) for f in flows])
    ft, fs, fe, fc, fm = stack_flows(
        [(f.float_times, f.float_start, f.float_end, f.float_scale) for f in flows], 0
    )
    n = len(rows)
    z = np.zeros(n, np.int32)
    sign = np.array([1.0 if r["pay_receive"] == "pay" else -1.0 for r in rows])
    projection = z if one_curve else z + 1
    return Swap(z, np.ones(n), times, amounts, mask, ft, fs, fe, fc, fm, sign, z, projection, z - 1)


def _ql_swap_npv(
    r: dict,
    disc: ql.YieldTermStructureHandle,
    proj: ql.YieldTermStructureHandle,
    fixing_curve: ql.YieldTermStructureHandle | None = None,
) -> float:
    """QuantLib's NPV of swap ``r``; the current coupon (if any) fixed at riskcap's
    proxy on ``fixing_curve`` (default: the projection curve)."""
    fixed = _ql_schedule(r, r["payment_frequency"])
    floating = _ql_schedule(r, r["float_frequency"])
    float_dc = day_counter(r["float_day_count"])
    index = ql.IborIndex(
        "TESTIBOR",
        ql.Period(12 // r["float_frequency"], ql.Months),
        0,
        ql.USDCurrency(),
        calendar(r["calendar"]),
        _RULES[r["business_day_convention"]],
        False,
        float_dc,
        proj,
    )
    index.clearFixings()
    kind = ql.VanillaSwap.Payer if r["pay_receive"] == "pay" else ql.VanillaSwap.Receiver
    swap = ql.VanillaSwap(
        kind,
        1.0,
        fixed,
        r["fixed_rate"],
        day_counter(r["day_count"], fixed),
        floating,
        index,
        0.0,
        float_dc,
    )
    curve = fixing_curve or proj
    for cf in swap.floatingLeg():
        coupon = ql.as_floating_rate_coupon(cf)
        start, end = coupon.accrualStartDate(), coupon.accrualEndDate()
        if start < TODAY < end:  # riskcap's fixing proxy, from QuantLib's own curve
            rate = (1.0 / curve.discount(end) - 1.0) / float_dc.yearFraction(TODAY, end)
            index.addFixing(coupon.fixingDate(), rate, True)
    swap.setPricingEngine(ql.DiscountingSwapEngine(disc))
    return float(swap.NPV())


@pytest.mark.parametrize("one_curve", [False, True], ids=["multi-curve", "one-curve"])
def test_swaps_with_conventions_match_quantlib(one_curve: bool) -> None:
    """200 swaps per case: fixed against an IBOR-like index, seasoned (a current coupon
    fixed), spot and forward starting, on random conventions. Multi-curve: forecast on
    the projection curve, discounted on the OIS curve; one curve: both on the OIS
    curve (riskcap telescopes the floating leg to known amounts)."""
    x, curves = _world()
    rows = _swap_rows(200)
    got = np.asarray(swap_values(_swap_grid(rows, x, one_curve), curves, jnp.asarray(x)))
    disc = _ql_curve(x[: len(Z_DAYS)])
    proj = disc if one_curve else _ql_curve(x[len(Z_DAYS) :])
    want = np.array([_ql_swap_npv(r, disc, proj) for r in rows])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_swap_dv01_per_pillar_against_quantlib_bumps() -> None:
    """Autodiff sensitivities of a multi-curve swap to every discount and projection
    pillar equal QuantLib's central bump-and-reprice (1bp/100 bumps). The current
    coupon's fixing is held (it is fixed), so the bumps reprice with it kept."""
    x, curves = _world()
    rows = [r for r in _swap_rows(40) if r["maturity"] > AS_OF + dt.timedelta(days=2000)][:1]
    assert rows
    swap = _swap_grid(rows, x, one_curve=False)
    grad = np.asarray(jax.grad(lambda v: swap_values(swap, curves, v)[0])(jnp.asarray(x)))
    r = rows[0]
    n = len(Z_DAYS)

    def ql_value(v: np.ndarray) -> float:
        # reprice with the base-date fixing, as riskcap does under a scenario
        return _ql_swap_npv(r, _ql_curve(v[:n]), _ql_curve(v[n:]), _ql_curve(x[n:]))

    h = 1e-6
    for i in range(2 * n):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        bumped = (ql_value(up) - ql_value(down)) / (2 * h)
        np.testing.assert_allclose(grad[i], bumped, rtol=1e-6, atol=1e-8)
    assert np.abs(grad[n:]).sum() > 0  # the projection curve moves the floating leg


def test_schedules_follow_the_calendar_and_convention() -> None:
    """Known dates (independent of the code under test): a TARGET schedule's payment
    falling on Christmas 2024 moves to 27 December (modified following; 25–26 Dec are
    TARGET holidays), and a month-end roll that would cross into the next month under
    following stays in the month under modified following."""
    bond = dict(
        instrument_id="B",
        instrument_type="bond",
        currency="EUR",
        start_date=dt.date(2023, 12, 25),
        maturity=dt.date(2026, 12, 25),
        payment_frequency=1,
        calendar="TARGET",
        business_day_convention="modified_following",
        day_count="ACT/365F",
        fixed_rate=0.05,
    )
    flows = bond_flows(bond, dt.date(2024, 6, 3))
    paid = [dt.date(2024, 6, 3) + dt.timedelta(days=round(t * 365)) for t in flows.times]
    assert paid[0] == dt.date(2024, 12, 27)
    # the coupon accrues from 25 Dec 2023 (adjusted: 27 Dec) to 27 Dec 2024, ACT/365F
    assert flows.amounts[0] == pytest.approx(100 * 0.05 * 366 / 365, rel=1e-14)
    month_end = bond | dict(start_date=dt.date(2024, 3, 31), maturity=dt.date(2025, 8, 31))
    month_end["payment_frequency"] = 12
    months = [
        dt.date(2024, 6, 3) + dt.timedelta(days=round(t * 365))
        for t in bond_flows(month_end, dt.date(2024, 6, 3)).times
    ]
    assert dt.date(2024, 8, 30) in months  # 31 Aug 2024 is a Saturday: back to Friday
