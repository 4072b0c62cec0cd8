"""Scenario generators against NumPy twins; RNG determinism; GBM against closed form."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from riskcap.market.factors import FactorSet, apply_shocks, returns, shocks_between
from riskcap.market.scenarios import (
    RNG_BLOCK,
    HorizonMethod,
    fixed_window_shocks,
    gbm_log_paths,
    gbm_terminal_exact,
    gbm_terminal_stepped,
    historical_shocks,
    lognormal_var_es,
    mc_normal_shocks,
    mc_student_t_shocks,
    standard_normals,
)
from riskcap.risk.measures import expected_shortfall, value_at_risk

RNG = np.random.default_rng(11)
LEVELS = np.column_stack(
    [100 * np.exp(np.cumsum(RNG.normal(0, 0.01, 400))), 0.03 + np.cumsum(RNG.normal(0, 1e-4, 400))]
)
IS_LOG = np.array([True, False])


def test_factor_set_and_shock_roundtrip() -> None:
    fs = FactorSet(("EQ.A", "IR.1Y"), IS_LOG)
    assert fs.index("IR.1Y") == 1 and list(fs.indices(["IR.1Y", "EQ.A"])) == [1, 0]
    with pytest.raises(ValueError, match="unique"):
        FactorSet(("a", "a"), np.array([True, True]))
    r = shocks_between(LEVELS[:-1], LEVELS[1:], IS_LOG)
    np.testing.assert_allclose(apply_shocks(LEVELS[0], r[:1], IS_LOG)[0], LEVELS[1], rtol=1e-14)


def test_historical_one_day_twin() -> None:
    got = np.asarray(historical_shocks(LEVELS, IS_LOG, lookback=250))
    want = np.column_stack([np.log(LEVELS[1:, 0] / LEVELS[:-1, 0]), np.diff(LEVELS[:, 1])])[-250:]
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_historical_overlapping_ten_day_twin() -> None:
    got = np.asarray(historical_shocks(LEVELS, IS_LOG, lookback=250, horizon=10))
    window = LEVELS[-251:]
    want = np.column_stack(
        [np.log(window[10:, 0] / window[:-10, 0]), window[10:, 1] - window[:-10, 1]]
    )
    assert got.shape == (241, 2)  # 250 − 10 + 1 overlapping 10-day returns
    np.testing.assert_allclose(got, want, rtol=1e-14)
    sqrt_t = historical_shocks(
        LEVELS, IS_LOG, lookback=250, horizon=10, method=HorizonMethod.SQRT_TIME
    )
    np.testing.assert_allclose(
        sqrt_t, np.sqrt(10) * historical_shocks(LEVELS, IS_LOG, lookback=250), rtol=1e-14
    )


def test_fixed_window_and_short_history() -> None:
    np.testing.assert_allclose(
        fixed_window_shocks(LEVELS[100:151], IS_LOG), returns(LEVELS[100:151], IS_LOG), rtol=1e-15
    )
    with pytest.raises(ValueError, match="needs 1251 dates"):
        historical_shocks(LEVELS, IS_LOG, lookback=1250)


def test_rng_depends_only_on_seed_and_scenario_index() -> None:
    big = np.asarray(standard_normals(7, RNG_BLOCK + 10, 3, steps=2))
    small = np.asarray(standard_normals(7, 5, 3, steps=2))
    np.testing.assert_array_equal(big[:, :5], small)  # a prefix of the same stream
    assert not np.array_equal(np.asarray(standard_normals(8, 5, 3, steps=2)), small)


def test_mc_normal_twin_and_covariance() -> None:
    cov = np.array([[4e-4, 1e-4], [1e-4, 1e-4]])
    chol = np.linalg.cholesky(cov)
    shocks = np.asarray(mc_normal_shocks(3, chol, 50_000, horizon=2))
    z = np.asarray(standard_normals(3, 50_000, 2, steps=2))
    np.testing.assert_allclose(shocks, (z[0] + z[1]) @ chol.T, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(np.cov(shocks, rowvar=False), 2 * cov, rtol=0.03)


def test_student_t_has_the_covariance_and_fat_tails() -> None:
    cov = np.array([[4e-4, 1e-4], [1e-4, 1e-4]])
    shocks = np.asarray(mc_student_t_shocks(3, np.linalg.cholesky(cov), 200_000, 5.0))
    np.testing.assert_allclose(np.cov(shocks, rowvar=False), cov, rtol=0.08)
    assert stats.kurtosis(shocks[:, 0]) > 2.0  # t5 excess kurtosis is 6; normal is 0
    with pytest.raises(ValueError, match="exceed 2"):
        mc_student_t_shocks(3, np.eye(2), 10, 2.0)


def test_gbm_paths_twin_is_a_textbook_loop() -> None:
    s0, mu, sigma = np.array([100.0, 50.0]), np.array([0.05, 0.02]), np.array([0.2, 0.3])
    corr = np.array([[1.0, 0.5], [0.5, 1.0]])
    chol = np.linalg.cholesky(corr)
    paths = np.asarray(gbm_log_paths(9, s0, mu, sigma, chol, years=1.0, steps=12, n_paths=300))
    z = np.asarray(standard_normals(9, 300, 2, steps=12))
    dt = 1.0 / 12
    log_s = np.tile(np.log(s0), (300, 1))
    for k in range(12):  # the plain NumPy loop over time steps
        log_s = log_s + (mu - 0.5 * sigma**2) * dt + sigma * np.sqrt(dt) * (z[k] @ chol.T)
        np.testing.assert_allclose(paths[:, k + 1], log_s, rtol=1e-13)
    terminal = np.asarray(
        gbm_terminal_stepped(9, s0, mu, sigma, chol, years=1.0, steps=12, n_paths=300)
    )
    np.testing.assert_allclose(terminal, np.exp(paths[:, -1]), rtol=1e-12)


def test_gbm_exact_terminal_is_one_draw_of_the_same_law() -> None:
    # Twin: ln S_T = ln S_0 + (mu - sigma^2/2) T + sigma sqrt(T) (L z), z the first
    # step's normals of the documented stream (one draw per path and asset).
    s0, mu, sigma = np.array([100.0, 50.0]), np.array([0.05, 0.02]), np.array([0.2, 0.3])
    chol = np.linalg.cholesky(np.array([[1.0, 0.5], [0.5, 1.0]]))
    st = np.asarray(gbm_terminal_exact(9, s0, mu, sigma, chol, years=0.5, n_paths=300))
    z = np.asarray(standard_normals(9, 300, 2, steps=1))[0]
    twin = np.exp(np.log(s0) + (mu - 0.5 * sigma**2) * 0.5 + sigma * np.sqrt(0.5) * (z @ chol.T))
    np.testing.assert_allclose(st, twin, rtol=1e-13)
    # the same law as the stepped paths: log moments agree within Monte Carlo error
    n = 40_000
    exact = np.log(np.asarray(gbm_terminal_exact(4, s0, mu, sigma, chol, years=1.0, n_paths=n)))
    stepped = np.log(
        np.asarray(gbm_terminal_stepped(4, s0, mu, sigma, chol, years=1.0, steps=12, n_paths=n))
    )
    for x in (exact, stepped):  # mean (mu - sigma^2/2) T, sd sigma sqrt(T): 5 standard errors
        np.testing.assert_array_less(
            np.abs(x.mean(axis=0) - np.log(s0) - (mu - 0.5 * sigma**2)), 5 * sigma / np.sqrt(n)
        )
        np.testing.assert_allclose(x.std(axis=0), sigma, rtol=0.02)
        assert np.corrcoef(x, rowvar=False)[0, 1] == pytest.approx(0.5, abs=0.02)


def test_lognormal_closed_form_by_numerical_integration() -> None:
    var, es = lognormal_var_es(100.0, 0.05, 0.2, 1.0, 0.95)
    m, s = np.log(100) + (0.05 - 0.02), 0.2
    q = np.exp(m + s * stats.norm.ppf(0.05))
    assert var == pytest.approx(100 - q, rel=1e-12)
    partial, _ = integrate.quad(lambda x: x * stats.lognorm.pdf(x, s, scale=np.exp(m)), 0, q)
    assert es == pytest.approx(100 - partial / 0.05, rel=1e-8)


@pytest.mark.slow
def test_gbm_mc_var_es_within_three_standard_errors() -> None:
    # The classic single-asset case: S0=100, μ=5%, σ=20%, 1 year, 100,000 × 252.
    s0, mu, sigma, n = 100.0, 0.05, 0.2, 100_000
    stepped = gbm_terminal_stepped(
        2024, [s0], [mu], [sigma], [[1.0]], years=1.0, steps=252, n_paths=n
    )
    exact = gbm_terminal_exact(2024, [s0], [mu], [sigma], [[1.0]], years=1.0, n_paths=n)
    for st in (np.asarray(stepped)[:, 0], np.asarray(exact)[:, 0]):
        _check_against_closed_form(st - s0, s0, mu, sigma, n)


def _check_against_closed_form(pnl: np.ndarray, s0: float, mu: float, sigma: float, n: int) -> None:
    var, es = float(value_at_risk(pnl, 0.95)), float(expected_shortfall(pnl, 0.95))
    cf_var, cf_es = lognormal_var_es(s0, mu, sigma, 1.0, 0.95)
    # Asymptotic standard errors: quantile sqrt(p(1-p)/n)/f(q) (Kendall & Stuart);
    # ES sqrt((Var(L|tail) + (1-p)(ES-VaR)²)/(n p)) (Yamai & Yoshiba 2002).
    p = 0.05
    density = stats.lognorm.pdf(s0 - cf_var, sigma, scale=s0 * np.exp(mu - 0.5 * sigma**2))
    se_var = np.sqrt(p * (1 - p) / n) / density
    tail = -np.sort(pnl)[: int(p * n)]
    se_es = np.sqrt((tail.var() + (1 - p) * (cf_es - cf_var) ** 2) / (n * p))
    assert abs(var - cf_var) < 3 * se_var
    assert abs(es - cf_es) < 3 * se_es


def test_returns_keep_their_kernel_when_a_factor_or_a_day_is_added() -> None:
    """The padded history (dates and factors) gives each column what the column alone
    gives, and a history one day longer or one factor wider reuses the kernel."""
    from riskcap.market.factors import _returns

    rng = np.random.default_rng(7)
    levels = np.exp(rng.normal(0, 0.01, (130, 21)).cumsum(axis=0)) * 100
    levels[:, 3] = rng.normal(0.02, 0.001, 130)  # an absolute factor (a rate)
    is_log = np.ones(21, bool)
    is_log[3] = False
    returns(levels[:120, :20], is_log[:20], 10)
    before = _returns._cache_size()
    got = {(t, f): returns(levels[:t, :f], is_log[:f], 10) for t, f in ((121, 20), (125, 21))}
    assert _returns._cache_size() == before
    for (t, f), shocks in got.items():
        want = np.where(
            is_log[:f],
            np.log(levels[10:t, :f] / levels[: t - 10, :f]),
            levels[10:t, :f] - levels[: t - 10, :f],
        )
        np.testing.assert_allclose(shocks, want, rtol=1e-13, atol=1e-15)
        for j in range(f):  # column by column: the same bits as the column alone
            np.testing.assert_array_equal(shocks[:, j], returns(levels[:t, j], is_log[j], 10))
