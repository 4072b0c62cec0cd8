"""Zero-curve kernels against closed forms on flat curves."""

from __future__ import annotations

import numpy as np
import pytest

from riskcap.pricing.rates import discount_factor, zero_rate

TENORS = np.array([1.0, 2.0, 5.0, 10.0])


def test_interpolation_linear_in_zero_rate_flat_outside() -> None:
    rates = np.array([0.01, 0.02, 0.03, 0.04])
    assert float(zero_rate(TENORS, rates, 3.5)) == pytest.approx(0.025)
    assert float(zero_rate(TENORS, rates, 0.1)) == pytest.approx(0.01)
    assert float(zero_rate(TENORS, rates, 30.0)) == pytest.approx(0.04)
    assert float(discount_factor(TENORS, rates, 2.0)) == pytest.approx(np.exp(-0.04))


def test_bond_on_flat_curve_matches_closed_form() -> None:
    # Flat continuously compounded y: P = 100 (Σ c/f e^{-y t_i} + e^{-y T}).
    from riskcap.pricing.book import Bond, bond_values, stack_curves
    from tests.books import bond_grid

    y, c = 0.04, 0.05
    times, amounts, mask = bond_grid([(5.0, 2, c)], 16)
    expected = 100 * (sum(c / 2 * np.exp(-y * t) for t in times[mask]) + np.exp(-y * 5.0))
    curves = stack_curves([(TENORS, np.arange(4, dtype=np.int32))])
    z = np.zeros(1, np.int32)
    bond = Bond(z, np.ones(1), times, amounts, mask, z, z - 1, z - 1)
    value = float(bond_values(bond, curves, np.full(4, y))[0])
    assert value == pytest.approx(expected, rel=1e-14)


def test_interpolation_weights_reproduce_interp() -> None:
    from riskcap.pricing.rates import interpolation_weights

    rng = np.random.default_rng(0)
    t = rng.uniform(-1.0, 40.0, (7, 5))
    rates = rng.normal(0.03, 0.01, 4)
    w = np.asarray(interpolation_weights(TENORS, t))
    assert w.shape == (7, 5, 4)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(w @ rates, np.interp(t, TENORS, rates), rtol=1e-14)


def test_a_book_without_a_curve_values_its_shares() -> None:
    """Issue 27, blocker 2: a book of shares only carries a curve of no pillars; its
    (empty) curve families must not index it."""
    import numpy as np

    from riskcap.pricing.book import Linear, position_values, stack_curves
    from tests.books import book_of

    book = book_of(
        stack_curves([]),
        width=8,
        linear=Linear(
            np.array([0, 0], np.int32),
            np.array([10.0, -3.0]),
            np.array([0, 1], np.int32),
            np.array([-1, -1], np.int32),
        ),
    )
    values = np.asarray(position_values(book, np.array([100.0, 50.0])))
    np.testing.assert_array_equal(values, [1000.0, -150.0])
