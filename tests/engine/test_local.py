"""The local engine: NumPy twin of full revaluation, block-size invariance, memory plan."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from riskcap.engine.local import (
    BYTES_PER_CELL,
    BlockPlan,
    _block_book_pnl,
    pad_block,
    payment_block,
    plan_blocks,
    revalue,
)
from riskcap.market.factors import apply_shocks
from riskcap.pricing.book import Bond, Swap, family_values
from tests.books import (
    CURVE_FACTORS,
    CURVE_TENORS,
    HIERARCHY,
    MARKET,
    MARKETS,
    X0,
    bond_grid,
    mixed_book,
    no_floats,
    schedule,
    swap_grid,
)

RNG = np.random.default_rng(42)
SHOCKS = RNG.normal(0, 1, (300, 5)) * np.array([0.02, 0.02, 0.05, 0.001, 0.001])


def numpy_values(book, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Independent twin of every kernel (plain NumPy/SciPy), per position."""
    tenors = CURVE_TENORS  # the book's one curve
    rates = x[CURVE_FACTORS]

    def z(t: np.ndarray) -> np.ndarray:
        return np.interp(t, tenors, rates)

    out = [book.linear.units * x[book.linear.spot]]
    f = book.future
    out.append(f.units * x[f.spot] * np.exp((z(f.t) - f.div_yield) * f.t))
    o = book.option
    s, k, t, q = x[o.spot], o.strike, o.t, o.div_yield
    r, v = z(t), (x[o.vol] * o.vol_scale).sum(axis=1)
    d1 = (np.log(s / k) + (r - q + v**2 / 2) * t) / (v * np.sqrt(t))
    d2 = d1 - v * np.sqrt(t)
    call = s * np.exp(-q * t) * norm.cdf(d1) - k * np.exp(-r * t) * norm.cdf(d2)
    put = k * np.exp(-r * t) * norm.cdf(-d2) - s * np.exp(-q * t) * norm.cdf(-d1)
    out.append(o.units * np.where(o.is_call, call, put))
    for fam, is_bond in ((book.bond, True), (book.swap, False)):
        vals = []
        for i in range(len(fam.units)):
            ts = fam.times[i][fam.mask[i]]
            value = np.sum(fam.amounts[i][fam.mask[i]] * np.exp(-z(ts) * ts))
            if not is_bond:  # projected coupons: P(s)/P(e) − 1 on the (one) curve
                live = fam.float_mask[i]
                t0, t1, tp = (a[i][live] for a in (fam.float_start, fam.float_end, fam.float_times))
                growth = (np.exp(z(t1) * t1 - z(t0) * t0) - 1.0) * fam.float_scale[i][live]
                value += fam.float_sign[i] * np.sum(growth * np.exp(-z(tp) * tp))
            vals.append(value)
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


def test_scenario_blocks_come_in_three_sizes() -> None:
    """Every block size compiles every family's kernel: whatever the scenario count
    (a backtest day, a handful of stress scenarios, a year of history, the FRTB
    sets, Monte Carlo), a plan with room picks one of 16, 256 or 4096 rows."""
    sizes = {plan_blocks(n, 8.0).scenario_block for n in range(1, 20_001, 7)}
    assert sizes == {16, 256, 4096}
    assert plan_blocks(250, 8.0).scenario_block == 256  # a year of history: one block
    assert plan_blocks(257, 8.0).scenario_block == 4096
    assert plan_blocks(1, 1e-6).scenario_block < 16  # memory still bounds the block


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(-0.5, 31.0),  # time to maturity (≤ 0: nothing left to pay)
            st.sampled_from([1, 2, 4]),
            st.floats(0.0, 0.08),
            st.booleans(),
        ),
        min_size=1,
        max_size=9,
    ),
    start=st.integers(0, 3),
    size=st.sampled_from([1, 4, 8, 16]),
)
def test_payment_blocks_value_as_the_schedule_grid(
    rows: list[tuple[float, int, float, bool]], start: int, size: int
) -> None:
    """A bond or swap block valued over its flat payment list
    (:func:`payment_block`) gives what the ``(positions, width)`` grid gives
    (:func:`pad_block`): the same payments added in the same order, without the
    grid's masked cells; matured positions and padding are worth nothing. Equal to
    rounding: XLA may round the curve lookup of a list of another length differently
    (1e-12 relative at most, the bound of a change of position block)."""
    start = min(start, len(rows) - 1)
    times, amounts, mask = bond_grid([(t, f, c) for t, f, c, _ in rows], width=128)
    s_times, s_amounts, s_mask = swap_grid(rows, width=128)
    n = len(rows)
    units = np.linspace(1e4, -3e3, n)
    books = np.arange(n, dtype=np.int32) % 3
    sign = np.array([1.0 if p else -1.0 for _, _, _, p in rows])
    # projected coupons: quarterly periods to maturity, on the one curve of the stack
    f_end, f_mask = schedule([(t, 4) for t, _, _, _ in rows], width=128)
    f_start = np.maximum(f_end - 0.25, 0.0)
    xs = np.asarray(apply_shocks(X0, SHOCKS[:16], MARKET.is_log))
    zeros, minus, ones = (np.full(n, v, np.int32) for v in (0, -1, 1))
    for family in (
        Bond(books, units, times, amounts, mask, zeros, minus, minus),
        # risky: a spread curve (row 1 of the stack, a copy of the curve) on top
        Bond(books, units, times, amounts, mask, zeros, minus, ones),
        Swap(books, units, s_times, s_amounts, s_mask, *no_floats(n), sign, zeros, zeros, minus),
        Swap(
            books,
            units,
            s_times,
            s_amounts,
            s_mask,
            f_end,
            f_start,
            f_end,
            np.full_like(f_end, 0.98),  # accrual over index fraction (an unadjusted schedule)
            f_mask,
            sign,
            zeros,
            zeros,
            minus,
        ),
    ):
        grid = _block_book_pnl(pad_block(family, start, size), MARKETS, X0, xs, 3)
        flows = _block_book_pnl(payment_block(family, start, size), MARKETS, X0, xs, 3)
        grid = np.asarray(grid)
        # rounding is relative to the values the P&L is a difference of (a swap's P&L
        # is small against its legs)
        block = pad_block(family, start, size)
        scale = np.abs(np.asarray(jax.jit(family_values)(block, MARKETS, X0))).sum()
        np.testing.assert_allclose(np.asarray(flows), grid, rtol=1e-12, atol=1e-13 * scale)
