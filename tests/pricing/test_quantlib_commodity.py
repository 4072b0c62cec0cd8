"""Commodity futures on a forward curve against QuantLib (issue 19, items 5 and 8).

Oracle: QuantLib's ``LogLinearInterpolation`` (linear in the log price between the
pillar times), the interpolation riskcap's forward curves document; outside the
pillars riskcap holds the curve flat (QuantLib is asked at the nearest pillar there).
Randomised futures agree to 1e-12 relative; the autodiff delta to each pillar matches
QuantLib bump-and-reprice.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import QuantLib as ql

from riskcap.pricing.book import CommodityFuture, commodity_future_values, stack_curves

RNG = np.random.default_rng(5)
TENORS = np.array([1 / 12, 0.25, 0.5, 1.0, 2.0])


def _world(n_curves: int = 3) -> tuple[np.ndarray, object]:
    spot = RNG.uniform(20.0, 2000.0, n_curves)
    carry = RNG.uniform(-0.15, 0.15, (n_curves, 1))
    wiggle = RNG.normal(0.0, 0.02, (n_curves, len(TENORS)))
    levels = spot[:, None] * np.exp(carry * TENORS + wiggle)
    x = np.concatenate([[1.0], levels.reshape(-1)])  # factor 0: an FX rate (unused here)
    rows = [
        (TENORS, np.arange(1 + c * len(TENORS), 1 + (c + 1) * len(TENORS), dtype=np.int32))
        for c in range(n_curves)
    ]
    return x, stack_curves(rows)


def _ql_price(x: np.ndarray, row: int, t: float) -> float:
    levels = x[1 + row * len(TENORS) : 1 + (row + 1) * len(TENORS)]
    interp = ql.LogLinearInterpolation(list(TENORS), list(map(float, levels)))
    return float(interp(float(np.clip(t, TENORS[0], TENORS[-1]))))


def test_commodity_futures_match_quantlib_log_linear_interpolation() -> None:
    x, forwards = _world()
    n = 400
    row = RNG.integers(0, 3, n).astype(np.int32)
    t = RNG.uniform(0.0, 2.5, n)  # some before the first and after the last pillar
    units = RNG.choice([-1.0, 1.0], n) * RNG.integers(1, 50, n) * 1000.0
    family = CommodityFuture(np.zeros(n, np.int32), units, row, t, np.full(n, -1, np.int32))
    got = np.asarray(commodity_future_values(family, forwards, jnp.asarray(x), forwards))
    want = units * np.array([_ql_price(x, int(r), float(u)) for r, u in zip(row, t, strict=True)])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # on a pillar the price is the pillar's level, exactly as quoted
    on = CommodityFuture(
        np.zeros(5, np.int32), np.ones(5), np.zeros(5, np.int32), TENORS, np.full(5, -1)
    )
    np.testing.assert_allclose(
        np.asarray(commodity_future_values(on, forwards, jnp.asarray(x), forwards)),
        x[1:6],
        rtol=1e-14,
    )


def test_commodity_delta_per_pillar_against_quantlib_bumps() -> None:
    x, forwards = _world()
    family = CommodityFuture(
        np.zeros(1, np.int32), np.array([1000.0]), np.array([1], np.int32), np.array([0.7]),
        np.full(1, -1, np.int32),
    )  # fmt: skip
    grad = np.asarray(
        jax.grad(lambda z: commodity_future_values(family, forwards, z, forwards)[0])(
            jnp.asarray(x)
        )
    )
    for i in range(len(x)):
        h = 1e-6 * max(1.0, x[i])
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        bumped = 1000.0 * (_ql_price(up, 1, 0.7) - _ql_price(down, 1, 0.7)) / (2 * h)
        np.testing.assert_allclose(grad[i], bumped, rtol=1e-6, atol=1e-6)
    # 0.7y lies between the 6M and 1Y pillars of curve 1: only they move it
    assert np.count_nonzero(np.abs(grad) > 1e-12) == 2
