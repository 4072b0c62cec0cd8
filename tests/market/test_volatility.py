"""GARCH / GJR-GARCH fits in JAX against the ``arch`` package (Sheppard, version 8) as
an oracle, EWMA by its recursion, and filtered historical simulation by its definition.

Tolerance against ``arch``: both maximise the same likelihood (same zero mean, same
backcast, same standardised Student-t) with different optimisers (SLSQP there, BFGS on
an unconstrained reparametrisation here) that stop at float64 tolerances. Near the
optimum the surface is flat along some directions, so the log-likelihoods agree to
1e-7 relative while parameters may differ by ~1e-4; we require the log-likelihood
within 1e-6 relative (and never worse than arch's by more than 1e-3) and parameters
within 5e-3.
"""

from __future__ import annotations

import arch  # the dev extra: the oracle is required, never skipped
import numpy as np
import pytest

from riskcap.data.samples import real_prices
from riskcap.market import volatility as V


@pytest.fixture(scope="module")
def returns() -> np.ndarray:
    """Daily log returns in per cent of six bundled stocks, the last 2,500 days."""
    prices = real_prices()
    r = 100 * np.log(prices).diff().dropna()
    return r.iloc[-2500:, :6].to_numpy()


@pytest.mark.parametrize(
    ("model", "innovation"),
    [(V.VolModel.GARCH, V.Innovation.NORMAL), (V.VolModel.GARCH, V.Innovation.STUDENT_T),
     (V.VolModel.GJR, V.Innovation.NORMAL), (V.VolModel.GJR, V.Innovation.STUDENT_T)],
)  # fmt: skip
def test_fits_agree_with_arch(
    returns: np.ndarray, model: V.VolModel, innovation: V.Innovation
) -> None:
    fit = V.fit(returns, model, innovation)
    assert fit.converged.all()
    for j in range(returns.shape[1]):
        res = arch.arch_model(
            returns[:, j], mean="Zero", vol="GARCH", p=1, o=int(model is V.VolModel.GJR),
            q=1, dist="t" if innovation is V.Innovation.STUDENT_T else "normal",
            rescale=False,
        ).fit(disp="off")  # fmt: skip
        p = res.params
        assert fit.loglik[j] == pytest.approx(res.loglikelihood, rel=1e-6)
        assert fit.loglik[j] >= res.loglikelihood - 1e-3
        assert fit.omega[j] == pytest.approx(p["omega"], abs=5e-3)
        assert fit.alpha[j] == pytest.approx(p["alpha[1]"], abs=5e-3)
        assert fit.beta[j] == pytest.approx(p["beta[1]"], abs=5e-3)
        if model is V.VolModel.GJR:
            assert fit.gamma[j] == pytest.approx(p["gamma[1]"], abs=5e-3)
        if innovation is V.Innovation.STUDENT_T:
            assert fit.nu[j] == pytest.approx(p["nu"], rel=5e-3)
        # the conditional volatility path and the forecast are arch's
        np.testing.assert_allclose(fit.sigma[:, j], res.conditional_volatility, rtol=5e-3)
        forecast = res.forecast(horizon=1, reindex=False).variance.to_numpy()[-1, 0]
        assert fit.forecast[j] == pytest.approx(np.sqrt(forecast), rel=5e-3)


def test_ewma_recursion_and_hull_white_scaling(returns: np.ndarray) -> None:
    """σ_t² = λσ²_{t−1} + (1 − λ)r²_{t−1} from the backcast (RiskMetrics, λ = 0.94)."""
    fit = V.ewma(returns)
    r = returns[:, 0]
    w = 0.94 ** np.arange(75)
    s2 = float(np.sum(w / w.sum() * r[:75] ** 2))
    for t in range(200):
        assert fit.sigma[t, 0] == pytest.approx(np.sqrt(s2), rel=1e-12)
        s2 = 0.94 * s2 + 0.06 * r[t] ** 2
    scenarios = V.filtered_scenarios(returns, fit.sigma, fit.forecast)
    np.testing.assert_allclose(
        scenarios, returns / fit.sigma * fit.forecast, rtol=1e-14
    )  # whole dates kept: date t's shocks are all from date t


def test_filtered_scenarios_have_the_forecast_volatility(returns: np.ndarray) -> None:
    """A property: the rescaled residuals' volatility is the forecast's times that of
    the standardised residuals (≈ 1 for a well-specified model)."""
    fit = V.fit(returns, V.VolModel.GARCH)
    z = returns / fit.sigma
    scenarios = V.filtered_scenarios(returns, fit.sigma, fit.forecast)
    np.testing.assert_allclose(scenarios.std(axis=0), z.std(axis=0) * fit.forecast, rtol=1e-12)
    assert np.all(np.abs(z.std(axis=0) - 1) < 0.05)
    still = V.filtered_scenarios(np.zeros((3, 1)), np.zeros((3, 1)), np.ones(1))
    assert np.all(still == 0)  # a factor that never moved: zero shocks, no NaN


def test_a_fit_that_does_not_converge_falls_back_to_ewma(returns: np.ndarray) -> None:
    """A factor that never moved has no likelihood to maximise: flagged, replaced by
    its EWMA, and no NaN reaches the scenarios; the other factor's fit is kept."""
    r = np.column_stack([returns[:, 0], np.zeros(len(returns))])
    fitted = V.fit(r, V.VolModel.GJR, V.Innovation.STUDENT_T)
    assert list(fitted.converged) == [True, False]
    fixed, bad = V.fitted_or_ewma(fitted, r)
    assert list(bad) == [1] and fixed.converged.all()
    np.testing.assert_array_equal(fixed.sigma[:, 1], V.ewma(r[:, 1:]).sigma[:, 0])
    np.testing.assert_array_equal(fixed.sigma[:, 0], fitted.sigma[:, 0])
    scenarios = V.filtered_scenarios(r, fixed.sigma, fixed.forecast)
    assert np.isfinite(scenarios).all() and np.all(scenarios[:, 1] == 0)


def test_too_short_a_history_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 150 dates"):
        V.fit(np.ones((20, 2)), V.VolModel.GARCH)
