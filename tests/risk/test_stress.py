"""Hypothetical shocks by hand, and the reverse stress test: it reaches the target loss,
and no smaller Mahalanobis move on a grid does."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from riskcap.pricing.equity import black_scholes_merton
from riskcap.risk.stress import (
    FactorShock,
    ReverseStressError,
    ShockKind,
    covariance_factor,
    hypothetical_shocks,
    reverse_stress,
)

IDS = ("EQ.AAPL", "VOL.AAPL", "IR.USD.1Y", "IR.USD.5Y", "IR.USD.30Y")
TYPES = ("equity_price", "implied_vol", "zero_rate", "zero_rate", "zero_rate")
X0 = np.array([150.0, 0.3, 0.04, 0.045, 0.05])
IS_LOG = np.array([True, True, False, False, False])
TENORS = np.array([np.nan, np.nan, 1.0, 5.0, 30.0])


def test_hypothetical_shocks_by_hand() -> None:
    lines = [
        FactorShock(ShockKind.RELATIVE, -0.30, factor_types=("equity_price",)),
        FactorShock(ShockKind.MULTIPLY, 1.5, "VOL.*"),
        FactorShock(ShockKind.CURVE, curve=((2.0, -0.005), (10.0, 0.005))),
    ]
    shocks, moved = hypothetical_shocks(lines, IDS, TYPES, X0, IS_LOG, TENORS)
    # log factors move by ln(new/old); the curve by −50 bp up to 2Y, +50 bp from 10Y,
    # linear in between: 5Y → −0.005 + 3/8 × 0.01 = −0.00125
    np.testing.assert_allclose(
        shocks, [np.log(0.7), np.log(1.5), -0.005, -0.00125, 0.005], rtol=1e-15, atol=1e-18
    )
    assert moved == IDS
    parallel, _ = hypothetical_shocks(
        [FactorShock(ShockKind.ABSOLUTE, 0.02, factor_types=("zero_rate",))],
        IDS,
        TYPES,
        X0,
        IS_LOG,
        TENORS,
    )
    np.testing.assert_array_equal(parallel, [0, 0, 0.02, 0.02, 0.02])


def test_a_factor_shocked_twice_is_an_error() -> None:
    lines = [FactorShock(ShockKind.RELATIVE, -0.1), FactorShock(ShockKind.MULTIPLY, 2.0, "EQ.*")]
    with pytest.raises(ValueError, match=r"EQ\.AAPL is moved by shock lines 1 and 2"):
        hypothetical_shocks(lines, IDS, TYPES, X0, IS_LOG, TENORS)


def _value_and_grad(loss, a):  # type: ignore[no-untyped-def]
    f = jax.jit(jax.value_and_grad(lambda z: loss(jnp.asarray(a) @ z)))
    return lambda z: tuple(np.asarray(v) for v in f(jnp.asarray(z)))


def test_linear_loss_has_the_closed_form_answer() -> None:
    # loss = −δ·x, x ~ N(0, Σ): the most likely x losing L is −L Σδ/(δᵀΣδ), with
    # Mahalanobis norm L/√(δᵀΣδ)
    cov = np.array([[4.0, 1.2, 0.0], [1.2, 1.0, 0.3], [0.0, 0.3, 0.5]])
    delta = np.array([-2.0, 1.0, 3.0])
    a = covariance_factor(cov)
    r = reverse_stress(_value_and_grad(lambda x: -delta @ x, a), a.shape[1], 10.0)
    sd = np.sqrt(delta @ cov @ delta)
    assert r.mahalanobis == pytest.approx(10.0 / sd, rel=1e-10)
    np.testing.assert_allclose(a @ r.z, -10.0 * cov @ delta / sd**2, rtol=1e-9)
    assert r.loss == pytest.approx(10.0, rel=1e-9)
    assert r.alignment == pytest.approx(1.0, abs=1e-9)


def _short_straddle_loss(x: jnp.ndarray) -> jnp.ndarray:
    """Loss of short 10 ATM straddles (spot 100, vol 25 %, 6 months) under log shocks of
    spot and vol: it loses on a move either way and on a vol rise."""

    def value(s: jnp.ndarray, v: jnp.ndarray) -> jnp.ndarray:
        call = black_scholes_merton(s, 100.0, 0.5, 0.03, 0.0, v, True)
        put = black_scholes_merton(s, 100.0, 0.5, 0.03, 0.0, v, False)
        return -10.0 * (call + put)

    s0, v0 = 100.0, 0.25
    return value(s0, v0) - value(s0 * jnp.exp(x[0]), v0 * jnp.exp(x[1]))


def test_reverse_stress_of_an_option_book_is_the_nearest_point_on_a_grid() -> None:
    cov = np.array(
        [[0.02**2 * 10, -0.5 * 0.02 * 0.05 * 10], [-0.5 * 0.02 * 0.05 * 10, 0.05**2 * 10]]
    )
    a = covariance_factor(cov)
    target = 150.0
    r = reverse_stress(_value_and_grad(_short_straddle_loss, a), 2, target)
    # the move found loses the target …
    assert float(_short_straddle_loss(jnp.asarray(a @ r.z))) == pytest.approx(target, rel=1e-8)
    assert r.alignment == pytest.approx(1.0, abs=1e-6)
    # … and no move of smaller Mahalanobis norm on a fine polar grid reaches it
    radii = np.linspace(0.0, r.mahalanobis * (1 - 1e-4), 400)
    angles = np.linspace(0.0, 2 * np.pi, 1441)
    zz = np.stack(
        [np.outer(radii, np.cos(angles)).ravel(), np.outer(radii, np.sin(angles)).ravel()], 1
    )
    losses = np.asarray(jax.vmap(_short_straddle_loss)(jnp.asarray(zz @ a.T)))
    assert losses.max() < target
    # and on the circle of the answer's norm the target is reached (it is the minimum)
    ring = r.mahalanobis * np.stack([np.cos(angles), np.sin(angles)], 1)
    on_ring = np.asarray(jax.vmap(_short_straddle_loss)(jnp.asarray(ring @ a.T)))
    assert on_ring.max() >= target * (1 - 1e-5)  # up to the grid's angular step


def test_an_unreachable_loss_is_reported() -> None:
    # a long option can lose at most its premium
    def long_call_loss(x: jnp.ndarray) -> jnp.ndarray:
        v0 = black_scholes_merton(100.0, 100.0, 0.5, 0.03, 0.0, 0.25, True)
        return v0 - black_scholes_merton(100.0 * jnp.exp(x[0]), 100.0, 0.5, 0.03, 0.0, 0.25, True)

    a = np.array([[0.1]])
    with pytest.raises(ReverseStressError, match="no move reaching"):
        reverse_stress(_value_and_grad(long_call_loss, a), 1, 1000.0)


def test_covariance_factor_of_a_singular_matrix() -> None:
    b = np.array([[1.0, 0.5], [0.2, 1.0], [1.2, 1.5]])
    cov = b @ b.T  # rank 2 of 3
    a = covariance_factor(cov)
    assert a.shape == (3, 2)
    np.testing.assert_allclose(a @ a.T, cov, atol=1e-12)
