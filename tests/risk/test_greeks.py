"""Autodiff Greeks against Black–Scholes closed forms and central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from riskcap.market.factors import apply_shocks
from riskcap.pricing.book import position_values
from riskcap.risk.greeks import (
    node_sensitivities,
    node_values,
    position_sensitivities,
    shock_sensitivities,
    summarise,
)
from tests.books import CURVE_FACTORS, CURVE_TENORS, FACTORS, HIERARCHY, X0, mixed_book


def central_difference(f, x: np.ndarray, i: int, h: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    up, dn = x.copy(), x.copy()
    up[i] += h
    dn[i] -= h
    return (np.asarray(f(up)) - np.asarray(f(dn))) / (2 * h)


def test_option_delta_gamma_vega_match_closed_forms() -> None:
    book = mixed_book()
    values, grad, own = (np.asarray(a) for a in position_sensitivities(book, X0))
    o = book.option
    first = len(book.linear.units) + len(book.future.units)
    r = np.interp(o.t, CURVE_TENORS, X0[CURVE_FACTORS])
    s, k, t, q, v = X0[0], o.strike, o.t, o.div_yield, X0[2] * o.vol_scale[:, 0]
    d1 = (np.log(s / k) + (r - q + v**2 / 2) * t) / (v * np.sqrt(t))
    # Hull, Options, Futures and Other Derivatives, §19: BSM Greeks with yield q.
    delta = np.where(o.is_call, np.exp(-q * t) * norm.cdf(d1), np.exp(-q * t) * (norm.cdf(d1) - 1))
    gamma = np.exp(-q * t) * norm.pdf(d1) / (s * v * np.sqrt(t))
    vega = s * np.exp(-q * t) * norm.pdf(d1) * np.sqrt(t)
    rows = slice(first, first + len(o.units))
    np.testing.assert_allclose(grad[rows, 0], o.units * delta, rtol=1e-10)
    np.testing.assert_allclose(own[rows, 0], o.units * gamma, rtol=1e-9)
    # the vol factor enters as σ = x_vol · scale, so ∂V/∂x_vol = vega · scale
    np.testing.assert_allclose(grad[rows, 2], o.units * vega * o.vol_scale[:, 0], rtol=1e-10)
    np.testing.assert_allclose(values, np.asarray(position_values(book, X0)), rtol=1e-12)


@pytest.mark.parametrize("factor", range(5))
def test_gradient_matches_central_differences(factor: int) -> None:
    book = mixed_book()
    _, grad, own = (np.asarray(a) for a in position_sensitivities(book, X0))
    h = 1e-4 * max(abs(X0[factor]), 1e-2)
    fd = central_difference(lambda x: position_values(book, x), X0, factor, h)
    np.testing.assert_allclose(grad[:, factor], fd, rtol=1e-6, atol=1e-6)
    fd2 = central_difference(
        lambda x: np.asarray(position_sensitivities(book, x)[1])[:, factor], X0, factor, h
    )
    np.testing.assert_allclose(own[:, factor], fd2, rtol=1e-5, atol=1e-4)


def test_node_sensitivities_sum_positions_and_bond_dv01() -> None:
    book = mixed_book()
    values, grad, hess = (np.asarray(a) for a in node_sensitivities(book, X0, HIERARCHY.membership))
    _, pgrad, _ = (np.asarray(a) for a in position_sensitivities(book, X0))
    np.testing.assert_allclose(grad[0], pgrad.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(hess[0], hess[0].T, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(
        values[0], np.asarray(node_values(book, X0, HIERARCHY.membership))[0]
    )
    spot = np.array([True, True, False, False, False])
    vol = np.array([False, False, True, False, False])
    rate = np.array([False, False, False, True, True])
    s = summarise(X0, grad, np.diagonal(hess, axis1=1, axis2=2), spot, vol, rate)
    # DV01 of the firm by finite difference: loss for a +1bp parallel shift.
    bumped = X0.copy()
    bumped[3:] += 1e-4
    down = X0.copy()
    down[3:] -= 1e-4
    fd = (
        -(
            np.asarray(node_values(book, bumped, HIERARCHY.membership))
            - np.asarray(node_values(book, down, HIERARCHY.membership))
        )
        / 2
    )
    np.testing.assert_allclose(s.dv01, fd, rtol=1e-6)


def test_shock_sensitivities_chain_rule() -> None:
    book = mixed_book()
    delta, gamma = (
        np.asarray(a) for a in shock_sensitivities(book, X0, FACTORS.is_log, HIERARCHY.membership)
    )
    _, grad, hess = (np.asarray(a) for a in node_sensitivities(book, X0, HIERARCHY.membership))
    # log factors: ∂V/∂r = x ∂V/∂x; absolute factors: ∂V/∂r = ∂V/∂x
    scale = np.where(FACTORS.is_log, X0, 1.0)
    np.testing.assert_allclose(delta, grad * scale, rtol=1e-12)
    expected = hess * np.outer(scale, scale) + np.apply_along_axis(
        np.diag, 1, grad * np.where(FACTORS.is_log, X0, 0.0)
    )
    np.testing.assert_allclose(gamma, expected, rtol=1e-9, atol=1e-6)
    r = np.array([0.01, -0.02, 0.03, 2e-4, -1e-4])
    full = np.asarray(
        node_values(
            book, np.asarray(apply_shocks(X0, r[None], FACTORS.is_log))[0], HIERARCHY.membership
        )
    )
    base = np.asarray(node_values(book, X0, HIERARCHY.membership))
    approx = delta @ r + 0.5 * np.einsum("nij,i,j->n", gamma, r, r)
    np.testing.assert_allclose(approx, full - base, rtol=2e-2, atol=5.0)
