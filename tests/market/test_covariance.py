"""Covariance estimators, PSD repair and Cholesky against NumPy twins."""

from __future__ import annotations

import numpy as np
import pytest

from riskcap.market.covariance import (
    cholesky_factor,
    ewma_covariance,
    is_psd,
    nearest_psd,
    sample_covariance,
)

RNG = np.random.default_rng(5)
X = (
    RNG.normal(size=(300, 4))
    @ np.array([[1.0, 0.0, 0, 0], [0.5, 1.0, 0, 0], [0.2, 0.3, 1.0, 0], [0.0, 0.1, 0.4, 1.0]])
    * 0.01
)


def test_sample_covariance_is_numpy_cov() -> None:
    np.testing.assert_allclose(sample_covariance(X), np.cov(X, rowvar=False), rtol=1e-13)


def test_ewma_matches_the_riskmetrics_recursion() -> None:
    # RiskMetrics (1996) §5.2: Σ_t = λΣ_{t-1} + (1-λ) r_t r_tᵀ, here with weights
    # normalised over the window: Σ = Σ_t w_t r_t r_tᵀ, w_t ∝ λ^{T-t}.
    lam = 0.94
    num = np.zeros((4, 4))
    total = 0.0
    for r in X:  # oldest first
        num = lam * num + np.outer(r, r)
        total = lam * total + 1.0
    np.testing.assert_allclose(ewma_covariance(X, lam), num / total, rtol=1e-12)
    with pytest.raises(ValueError, match="decay"):
        ewma_covariance(X, 1.0)


def test_nearest_psd_repairs_and_keeps_variances() -> None:
    bad = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.9], [0.1, 0.9, 1.0]]) * 4.0  # indefinite
    assert not is_psd(bad)
    fixed = np.asarray(nearest_psd(bad))
    assert is_psd(fixed)
    np.testing.assert_allclose(np.diag(fixed), np.diag(bad), rtol=1e-12)
    good = np.cov(X, rowvar=False)
    np.testing.assert_allclose(nearest_psd(good), good, rtol=1e-10, atol=1e-16)


def test_cholesky_reproduces_covariance_and_repairs() -> None:
    cov = np.cov(X, rowvar=False)
    chol = np.asarray(cholesky_factor(cov))
    np.testing.assert_allclose(chol @ chol.T, cov, rtol=1e-12)
    assert np.allclose(chol, np.tril(chol))
    bad = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.9], [0.1, 0.9, 1.0]])
    chol = np.asarray(cholesky_factor(bad))
    assert np.isfinite(chol).all()
    np.testing.assert_allclose(np.diag(chol @ chol.T), 1.0, rtol=1e-9)
    singular = np.ones((3, 3))  # PSD, rank one: needs the jitter
    assert np.isfinite(np.asarray(cholesky_factor(singular))).all()
