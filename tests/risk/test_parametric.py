"""Parametric VaR: closed forms, moments of the quadratic form, MC agreement."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from riskcap.engine.local import revalue
from riskcap.market.covariance import cholesky_factor
from riskcap.market.factors import Market
from riskcap.market.scenarios import mc_normal_shocks
from riskcap.risk.greeks import shock_sensitivities
from riskcap.risk.measures import var_es
from riskcap.risk.parametric import (
    cornish_fisher,
    cornish_fisher_quantile,
    delta_gamma_moments,
    delta_gamma_normal,
    delta_normal,
)
from tests.books import HIERARCHY, X0, linear_book

COV = np.diag([0.02, 0.015, 0.05, 0.001, 0.001]) ** 2
COV[0, 1] = COV[1, 0] = 0.5 * 0.02 * 0.015


def test_delta_normal_closed_form() -> None:
    # Jorion (2007) §7: VaR = z σ; ES = σ φ(z) / (1 − α) (McNeil, Frey, Embrechts Ex. 2.14)
    d = np.array([1e6, -5e5, 0, 0, 0])
    sigma = np.sqrt(d @ COV @ d)
    var, es = (float(x) for x in delta_normal(d, COV, 0.99))
    assert var == pytest.approx(stats.norm.ppf(0.99) * sigma, rel=1e-12)
    assert es == pytest.approx(sigma * stats.norm.pdf(stats.norm.ppf(0.99)) / 0.01, rel=1e-12)


def test_without_gamma_all_methods_agree() -> None:
    d = np.array([1e6, -5e5, 2e4, 1e5, -3e5])
    zero = np.zeros((5, 5))
    dn = np.asarray(delta_normal(d, COV, 0.975))
    np.testing.assert_allclose(delta_gamma_normal(d, zero, COV, 0.975), dn, rtol=1e-12)
    np.testing.assert_allclose(cornish_fisher(d, zero, COV, 0.975), dn, rtol=1e-10)


def test_quadratic_moments_against_simulation() -> None:
    rng = np.random.default_rng(0)
    d = np.array([1.0, -0.5, 0.2, 0.0, 0.3])
    g = rng.normal(size=(5, 5))
    g = g + g.T
    cov = np.eye(5) * 0.04 + 0.01
    mean, sd, skew, kurt = (float(x) for x in delta_gamma_moments(d, g, cov))
    r = rng.multivariate_normal(np.zeros(5), cov, size=400_000)
    q = r @ d + 0.5 * np.einsum("ni,ij,nj->n", r, g, r)
    assert mean == pytest.approx(q.mean(), abs=3e-3)
    assert sd == pytest.approx(q.std(), rel=5e-3)
    assert skew == pytest.approx(stats.skew(q), abs=0.05)
    assert kurt == pytest.approx(stats.kurtosis(q), abs=0.3)
    assert mean == pytest.approx(0.5 * np.trace(g @ cov), rel=1e-12)  # E[½rᵀΓr] = ½tr(ΓΣ)


def test_cornish_fisher_quantile_known_terms() -> None:
    assert float(cornish_fisher_quantile(-2.0, 0.0, 0.0)) == -2.0
    # z=-2, s=0.5, κ=1: -2 + 3·0.5/6 + (-8+6)/24 - (-16+10)·0.25/36
    assert float(cornish_fisher_quantile(-2.0, 0.5, 1.0)) == pytest.approx(
        -2 + 0.25 - 1 / 12 + 6 * 0.25 / 36
    )


def test_delta_normal_on_a_linear_book_matches_monte_carlo() -> None:
    # With absolute shocks the book's P&L is exactly δᵀr, so MC with N(0, Σ) shocks
    # estimates the delta-normal figures; 200,000 scenarios give a 99% quantile standard
    # error of about 0.4% (sqrt(p(1-p)/n)/φ(z)), so 1.5% is about four of them.
    book = linear_book()
    market = Market(X0, np.zeros(5, bool))
    delta, _ = shock_sensitivities(book, X0, market.is_log, HIERARCHY.membership)
    dn_var, dn_es = (float(a) for a in delta_normal(np.asarray(delta)[0], COV, 0.99))
    shocks = mc_normal_shocks(1, cholesky_factor(COV), 200_000)
    pnl = revalue(book, market, shocks, HIERARCHY, memory_gb=2.0)
    np.testing.assert_allclose(
        pnl[0], np.asarray(shocks) @ np.asarray(delta)[0], rtol=1e-9, atol=1e-6
    )
    mc_var, mc_es = (float(a) for a in var_es(pnl[0], 0.99))
    assert mc_var == pytest.approx(dn_var, rel=0.015)
    assert mc_es == pytest.approx(dn_es, rel=0.015)


def test_cornish_fisher_es_is_the_tail_average_of_its_quantile() -> None:
    # Independent check by numerical quadrature of the CF quantile over u ∈ (0, p).
    from scipy import integrate

    d = np.array([1.0, -0.5, 0.2, 0.0, 0.3])
    g = np.diag([2.0, -1.0, 0.5, 0.0, 1.0])
    mean, sd, skew, kurt = (float(x) for x in delta_gamma_moments(d, g, COV * 100))
    p = 0.025
    avg, _ = integrate.quad(
        lambda u: mean + sd * float(cornish_fisher_quantile(stats.norm.ppf(u), skew, kurt)),
        0,
        p,
        limit=200,
    )
    var, es = (float(x) for x in cornish_fisher(d, g, COV * 100, 1 - p))
    assert es == pytest.approx(-avg / p, rel=1e-8)
    assert es >= var
