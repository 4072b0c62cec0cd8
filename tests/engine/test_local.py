"""The local engine: NumPy twin of full revaluation, block-size invariance, memory plan."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from riskcap.engine.local import BYTES_PER_CELL, BlockPlan, plan_blocks, revalue
from riskcap.market.factors import apply_shocks
from tests.books import HIERARCHY, MARKET, X0, mixed_book

RNG = np.random.default_rng(42)
SHOCKS = RNG.normal(0, 1, (300, 5)) * np.array([0.02, 0.02, 0.05, 0.001, 0.001])


def numpy_values(book, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Independent twin of every kernel (plain NumPy/SciPy), per position."""
    tenors = np.asarray(book.curve.tenors)
    rates = x[np.asarray(book.curve.factors)]

    def z(t: np.ndarray) -> np.ndarray:
        return np.interp(t, tenors, rates)

    out = [book.linear.units * x[book.linear.spot]]
    f = book.future
    out.append(f.units * x[f.spot] * np.exp((z(f.t) - f.div_yield) * f.t))
    o = book.option
    s, k, t, q = x[o.spot], o.strike, o.t, o.div_yield
    r, v = z(t), x[o.vol] * o.vol_scale
    d1 = (np.log(s / k) + (r - q + v**2 / 2) * t) / (v * np.sqrt(t))
    d2 = d1 - v * np.sqrt(t)
    call = s * np.exp(-q * t) * norm.cdf(d1) - k * np.exp(-r * t) * norm.cdf(d2)
    put = k * np.exp(-r * t) * norm.cdf(-d2) - s * np.exp(-q * t) * norm.cdf(-d1)
    out.append(o.units * np.where(o.is_call, call, put))
    for fam, is_bond in ((book.bond, True), (book.swap, False)):
        vals = []
        for i in range(len(fam.units)):
            ts = fam.times[i][fam.mask[i]]
            df = np.exp(-z(ts) * ts)
            if is_bond:
                vals.append(100 * (fam.coupon[i] / fam.frequency[i] * df.sum() + df[0]))
            else:
                payer = 1 - df[0] - fam.fixed_rate[i] * df.sum() / fam.frequency[i]
                vals.append(payer if fam.pay_fixed[i] else -payer)
        out.append(fam.units * np.array(vals))
    return np.concatenate(out)


def test_revalue_matches_numpy_twin() -> None:
    book = mixed_book()
    books = np.concatenate([f.book for f in book.families])
    xs = np.asarray(apply_shocks(X0, SHOCKS, MARKET.is_log))
    base = numpy_values(book, X0)
    per_book = np.zeros((3, len(SHOCKS)))
    for s, x in enumerate(xs):
        np.add.at(per_book[:, s], books, numpy_values(book, x) - base)
    want = HIERARCHY.membership @ per_book
    got = revalue(book, MARKET, SHOCKS, HIERARCHY, memory_gb=2.0)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-7)
    assert HIERARCHY.nodes[0] == "firm:F"
    np.testing.assert_allclose(
        got[0], got[HIERARCHY.index("entity:E1")] + got[HIERARCHY.index("entity:E2")], rtol=1e-12
    )


def test_scenario_block_size_changes_nothing() -> None:
    book = mixed_book(copies=3)
    ref = revalue(book, MARKET, SHOCKS, HIERARCHY, plan=BlockPlan(300, 4))
    for sb in (2, 7, 64, 299):
        np.testing.assert_array_equal(
            revalue(book, MARKET, SHOCKS, HIERARCHY, plan=BlockPlan(sb, 4)), ref
        )


def test_position_block_size_changes_only_rounding() -> None:
    book = mixed_book(copies=3)
    ref = revalue(book, MARKET, SHOCKS, HIERARCHY, plan=BlockPlan(64, 1000))
    for pb in (1, 2, 5):
        got = revalue(book, MARKET, SHOCKS, HIERARCHY, plan=BlockPlan(64, pb))
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("memory_gb", [0.001, 0.5, 2.0, 64.0])
def test_block_plan_fits_the_memory_budget(memory_gb: float) -> None:
    plan = plan_blocks(10_000, memory_gb)
    assert plan.scenario_block * plan.position_block * BYTES_PER_CELL <= max(
        memory_gb * 2**30, 2 * BYTES_PER_CELL
    )
    assert plan.scenario_block <= 10_000 and plan.position_block <= 100_000
    with pytest.raises(ValueError):
        BlockPlan(1, 1)
