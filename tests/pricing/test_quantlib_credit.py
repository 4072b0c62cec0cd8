"""Bonds priced off the risk-free curve plus an issuer's credit spread curve, against
QuantLib (issue 19, items 4 and 8).

Oracle: QuantLib's ``PiecewiseZeroSpreadedTermStructure`` over a ``ZeroCurve`` (both
linear, continuously compounded, ACT/365F; spreads held flat beyond the first and last
pillar, as riskcap holds them): discount factors agree to 1e-13, and a bond's dirty
price — its remaining payments discounted on the spreaded curve — to 1e-12 relative.
The payment times are regular test schedules (the conventions are checked against
QuantLib's own bonds in ``test_quantlib_rates``). CS01 per spread pillar by autodiff agrees with
QuantLib bump-and-reprice.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import QuantLib as ql

from riskcap.pricing.book import Bond, _risky_df, bond_values, stack_curves
from tests.books import bond_grid

TODAY = ql.Date(15, 6, 2022)
DC = ql.Actual365Fixed()
Z_DAYS = np.array([91, 182, 365, 730, 1825, 3650, 7300])
S_DAYS = np.array([365, 730, 1095, 1825, 2555, 3650])
RNG = np.random.default_rng(4)


def _world() -> tuple[np.ndarray, object]:
    z = np.sort(RNG.uniform(0.0, 0.05, len(Z_DAYS)))
    s = np.sort(RNG.uniform(0.002, 0.04, len(S_DAYS)))
    x = np.concatenate([z, s])
    rows = [
        (Z_DAYS / 365.0, np.arange(len(Z_DAYS), dtype=np.int32)),
        (S_DAYS / 365.0, np.arange(len(Z_DAYS), len(x), dtype=np.int32)),
    ]
    return x, stack_curves(rows)


def _ql_risky(x: np.ndarray) -> ql.YieldTermStructure:
    ql.Settings.instance().evaluationDate = TODAY
    z, s = x[: len(Z_DAYS)], x[len(Z_DAYS) :]
    dates = [TODAY] + [TODAY + int(d) for d in Z_DAYS] + [TODAY + 365 * 100]
    zero = ql.ZeroCurve(dates, [z[0], *z, z[-1]], DC, ql.NullCalendar(), ql.Linear(), ql.Continuous)
    quotes = [ql.QuoteHandle(ql.SimpleQuote(float(v))) for v in s]
    spreaded = ql.PiecewiseZeroSpreadedTermStructure(
        ql.YieldTermStructureHandle(zero),
        quotes,
        [TODAY + int(d) for d in S_DAYS],
        ql.Continuous,
        ql.NoFrequency,
        DC,
    )
    spreaded.enableExtrapolation()
    return spreaded


def test_spreaded_discount_factors_match_quantlib() -> None:
    x, curves = _world()
    days = RNG.integers(1, 9000, 400)
    t = days / 365.0
    got = np.asarray(
        _risky_df(curves, jnp.zeros(len(t), jnp.int32), curves, jnp.ones(len(t), jnp.int32), x, t)
    )
    curve = _ql_risky(x)
    want = np.array([curve.discount(TODAY + int(d)) for d in days])
    np.testing.assert_allclose(got, want, rtol=1e-13)


def _bonds(n: int, width: int = 64) -> Bond:
    days = RNG.integers(30, 3650, n)
    freq = RNG.choice([1, 2, 4], n)
    coupon = RNG.uniform(0.0, 0.08, n)
    times, amounts, mask = bond_grid(
        [(d / 365.0, int(f), c) for d, f, c in zip(days, freq, coupon, strict=True)], width
    )
    return Bond(
        np.zeros(n, np.int32),
        RNG.choice([-1.0, 1.0], n) * 1e4,
        times,
        amounts,
        mask,
        np.zeros(n, np.int32),
        np.full(n, -1, np.int32),
        np.ones(n, np.int32),
    )


def test_risky_bonds_match_quantlib_discounting() -> None:
    """300 randomised fixed-rate bonds: Σ amount·P(t_i) (coupons and redemption) on
    QuantLib's spreaded curve (payment dates at the schedules' times, whole days)."""
    x, curves = _world()
    bonds = _bonds(300)
    # whole days: QuantLib dates; riskcap times are days/365 exactly for these
    days = np.round(np.asarray(bonds.times) * 365.0)
    bonds = bonds._replace(times=days / 365.0)
    got = np.asarray(bond_values(bonds, curves, jnp.asarray(x)))
    curve = _ql_risky(x)
    want = []
    for i in range(300):
        live = days[i][bonds.mask[i]]
        df = np.array([curve.discount(TODAY + int(d)) for d in live])
        want.append(bonds.units[i] * np.sum(bonds.amounts[i][bonds.mask[i]] * df))
    np.testing.assert_allclose(got, np.array(want), rtol=1e-12)


def test_cs01_per_pillar_against_quantlib_bumps() -> None:
    x, curves = _world()
    bond = _bonds(1)
    days = np.round(np.asarray(bond.times) * 365.0)
    bond = bond._replace(times=days / 365.0)
    grad = np.asarray(jax.grad(lambda v: bond_values(bond, curves, v)[0])(jnp.asarray(x)))

    def ql_value(v: np.ndarray) -> float:
        curve = _ql_risky(v)
        live = days[0][bond.mask[0]]
        df = np.array([curve.discount(TODAY + int(d)) for d in live])
        return float(bond.units[0] * np.sum(bond.amounts[0][bond.mask[0]] * df))

    for i in range(len(Z_DAYS), len(x)):  # the spread pillars
        up, down = x.copy(), x.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        bumped = (ql_value(up) - ql_value(down)) / 2e-6
        np.testing.assert_allclose(grad[i], bumped, rtol=1e-6, atol=1e-4)
    # wider spreads, lower price: a long bond loses, a short one gains
    assert grad[len(Z_DAYS) :].sum() * np.sign(bond.units[0]) < 0
