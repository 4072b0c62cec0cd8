"""Volatility models for scenarios: EWMA, GARCH(1,1) and GJR-GARCH(1,1) with normal or
Student-t innovations, fitted per factor by maximum likelihood in JAX — every factor in
one vmapped call — and the filtered historical simulation they feed.

**Conditional variance** of a zero-mean return series ``r_t`` (Glosten, Jagannathan and
Runkle 1993; GARCH when ``γ = 0``):

.. math:: \\sigma_t^2 = \\omega + (\\alpha + \\gamma\\,1[r_{t-1} < 0])\\,r_{t-1}^2
          + \\beta\\,\\sigma_{t-1}^2

started from the backcast ``σ̄² = Σ_i w_i r_i²``, ``w_i ∝ 0.94^i`` over the first 75
returns, with ``σ_0² = ω + (α + γ/2 + β)·σ̄²`` — the recursion of the ``arch`` package,
so that its fits are an oracle for these (tests/market/test_volatility.py).

**Log-likelihood** per observation: normal ``−½(ln 2π + ln σ² + r²/σ²)``; standardised
Student-t with ``ν > 2`` degrees of freedom ``ln Γ((ν+1)/2) − ln Γ(ν/2) −
½ ln(π(ν−2)) − ½ ln σ² − (ν+1)/2 · ln(1 + r²/(σ²(ν−2)))``.

**Fit.** The parameters are mapped to an unconstrained vector — ``ω = e^{x_0}·s²``
(``s²`` the sample variance), ``(α, γ/2, β, 1 − α − γ/2 − β)`` a softmax of logits, so
that every fit is stationary, ``ν = 2 + e^{x_ν}`` — and the mean negative
log-likelihood is minimised by BFGS (``jax.scipy.optimize.minimize``, restarted once)
polished by six Newton steps (the exact Hessian by autodiff), vmapped over factors. A
fit whose gradient is not ~0 where the optimiser stopped, or whose likelihood is not
finite, is flagged not converged (a persistence close to 1 is a legitimate fit: the
softmax keeps it below 1); the caller falls back to EWMA for that factor
(:func:`fitted_or_ewma`), never to a NaN.

**Filtered historical simulation** (Barone-Adesi, Giannopoulos and Vosper 1999; Hull and
White 1998 for EWMA): the standardised residuals ``z_t = r_t/σ_t`` of each historical
date are rescaled to the forecast ``σ_{T+1}`` — ``r̃_t = z_t·σ_{T+1}`` — and whole dates
are kept together, so the factors' co-movements are those of history.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln

from riskcap.choices import Innovation as Innovation  # the config's choices
from riskcap.choices import VolModel as VolModel

BACKCAST_DECAY = 0.94  # arch's backcast weights
BACKCAST_WINDOW = 75
EWMA_LAMBDA = 0.94  # RiskMetrics
NU_FLOOR = 2.0  # Student-t: ν > 2 for a finite variance
# converged: the mean negative log-likelihood's gradient (per observation, in the
# unconstrained coordinates) is below this at the optimum. BFGS may stop on a failed
# line search at an optimum it cannot improve in float64; the gradient says whether it
# is one
GRADIENT_TOLERANCE = 1e-4
# Levenberg–Marquardt damping of the Newton steps (see _fit)
LM_START = 1e-2
LM_TRIALS = jnp.array([0.0, 1.0, 100.0, 1e4])  # × λ: the four steps tried at once
LM_SHRINK = 0.1
LM_GROW = 100.0
LM_MIN = 1e-8
LM_MAX = 1e12


@dataclass(frozen=True)
class VolFit:
    """A model fitted to ``n`` factors' returns; arrays are ``(n,)`` unless said.

    ``sigma``: ``(T, n)`` conditional volatility of each date; ``forecast``: ``(n,)``
    the next date's; ``loglik``: the total log-likelihood; ``converged``: whether the
    optimiser stopped at a stationary point (False: use :func:`fitted_or_ewma`).
    """

    model: VolModel
    innovation: Innovation
    omega: np.ndarray
    alpha: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    nu: np.ndarray  # NaN for normal innovations
    loglik: np.ndarray
    converged: np.ndarray
    sigma: np.ndarray
    forecast: np.ndarray

    @property
    def persistence(self) -> np.ndarray:
        """``α + γ/2 + β`` (below 1: covariance stationary)."""
        return self.alpha + 0.5 * self.gamma + self.beta


def backcast(returns: jax.Array) -> jax.Array:
    """arch's initial variance: ``Σ_i w_i r_i²`` over the first 75 returns, ``w_i ∝
    0.94^i`` (``returns``: ``(T,)``)."""
    n = min(BACKCAST_WINDOW, returns.shape[0])
    w = BACKCAST_DECAY ** jnp.arange(n)
    return jnp.sum(w / w.sum() * returns[:n] ** 2)


def variance_path(
    omega: jax.Array, alpha: jax.Array, gamma: jax.Array, beta: jax.Array, returns: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """``(σ_t² for t = 0 … T−1, σ_T²)`` of one series (``returns``: ``(T,)``): the
    conditional variances and the one-step-ahead forecast."""
    bc = backcast(returns)
    first = omega + (alpha + 0.5 * gamma + beta) * bc

    def step(s2: jax.Array, r: jax.Array) -> tuple[jax.Array, jax.Array]:
        nxt = omega + (alpha + gamma * (r < 0)) * r**2 + beta * s2
        return nxt, s2

    last, path = jax.lax.scan(step, first, returns)
    return path, last


def _loglik(returns: jax.Array, s2: jax.Array, nu: jax.Array, student: bool) -> jax.Array:
    if not student:
        return -0.5 * jnp.sum(jnp.log(2 * jnp.pi) + jnp.log(s2) + returns**2 / s2)
    return jnp.sum(
        gammaln((nu + 1) / 2)
        - gammaln(nu / 2)
        - 0.5 * jnp.log(jnp.pi * (nu - 2))
        - 0.5 * jnp.log(s2)
        - (nu + 1) / 2 * jnp.log1p(returns**2 / (s2 * (nu - 2)))
    )


def _params(
    x: jax.Array, scale: jax.Array, gjr: bool
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array, jax.Array]:
    """``(ω, α, γ, β, ν)`` of the unconstrained vector ``x`` (see the module doc)."""
    omega = jnp.exp(x[0]) * scale
    if gjr:
        share = jax.nn.softmax(jnp.array([x[1], x[2], x[3], 0.0]))
        alpha, gamma, beta = share[0], 2 * share[1], share[2]
    else:
        share = jax.nn.softmax(jnp.array([x[1], x[3], 0.0]))
        alpha, gamma, beta = share[0], jnp.zeros(()), share[1]
    return omega, alpha, gamma, beta, NU_FLOOR + jnp.exp(x[4])


def _start(gjr: bool) -> np.ndarray:
    """Logits of ``α = 0.05, γ = 0.10 (GJR), β = 0.88``, ``ω`` at the implied
    unconditional variance, ``ν = 8``."""
    alpha, half_gamma, beta = 0.05, 0.05 if gjr else 0.0, 0.88
    slack = 1 - alpha - half_gamma - beta
    logits = np.log(np.array([alpha, max(half_gamma, 1e-12), beta]) / slack)
    omega = 1 - alpha - half_gamma - beta  # × the sample variance: the unconditional one
    return np.array([np.log(omega), logits[0], logits[1], logits[2], np.log(8.0 - NU_FLOOR)])


@jax.jit(static_argnames=("gjr", "student", "max_iter"))
def _fit(
    returns: jax.Array, scale: jax.Array, gjr: bool, student: bool, max_iter: int
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Fit every column of ``returns`` ``(T, n)`` (``scale``: their variances):
    ``(x, −loglik/T, the largest gradient component there)``.

    Newton's method on the parameters the model has, with the exact Hessian by
    autodiff, damped Levenberg–Marquardt style: each of ``max_iter`` iterations tries
    ``(H + λ·I)⁻¹g`` for four ``λ`` at once and keeps the best step that lowers the
    objective (``λ`` follows the step taken: shrinks after a success, grows ×100 after
    a failure), so an indefinite Hessian far from the optimum falls back to short
    gradient-like steps and the last iterations converge quadratically. A fixed
    number of iterations keeps the vmapped lanes in step with no wasted waiting.
    """
    active = jnp.array([0, 1, 3] + ([2] if gjr else []) + ([4] if student else []))
    eye = jnp.eye(active.shape[0])
    start = jnp.asarray(_start(gjr))

    def one(r: jax.Array, s: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        def objective(x: jax.Array) -> jax.Array:
            omega, alpha, gamma, beta, nu = _params(x, s, gjr)
            s2, _ = variance_path(omega, alpha, gamma, beta, r)
            return -_loglik(r, s2, nu, student) / r.shape[0]

        def sub(y: jax.Array) -> jax.Array:
            return objective(start.at[active].set(y))

        def finite(v: jax.Array) -> jax.Array:
            return jnp.where(jnp.isfinite(v), v, jnp.inf)

        def body(_: int, state: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
            y, lam = state
            value, grad = jax.value_and_grad(sub)(y)
            hessian = jax.hessian(sub)(y)
            lams = lam * LM_TRIALS
            steps = jax.vmap(lambda m: jnp.linalg.solve(hessian + m * eye, grad))(lams)
            values = finite(jax.vmap(lambda d: sub(y - d))(steps))
            best = jnp.argmin(values)
            better = values[best] < value
            y = jnp.where(better, y - steps[best], y)
            lam = jnp.where(better, jnp.maximum(lams[best] * LM_SHRINK, LM_MIN), lam * LM_GROW)
            return y, jnp.minimum(lam, LM_MAX)

        y, _ = jax.lax.fori_loop(0, max_iter, body, (start[active], jnp.asarray(LM_START)))
        x = start.at[active].set(y)
        return x, objective(x), jnp.max(jnp.abs(jax.grad(sub)(y)))

    return jax.vmap(one, in_axes=(1, 0))(returns, scale)


def fit(
    returns: np.ndarray,
    model: VolModel = VolModel.GARCH,
    innovation: Innovation = Innovation.NORMAL,
    max_iter: int = 40,
) -> VolFit:
    """Fit ``model`` to every column of ``returns`` ``(T, n)`` (zero mean, one factor a
    column) by maximum likelihood, all columns in one vmapped call; EWMA has nothing
    to fit (:func:`ewma`)."""
    if model is VolModel.EWMA:
        return ewma(returns)
    r = jnp.asarray(returns, jnp.float64)
    if r.ndim != 2 or r.shape[0] < 2 * BACKCAST_WINDOW:
        raise ValueError(
            f"a GARCH fit needs a (dates, factors) array of at least {2 * BACKCAST_WINDOW} "
            f"dates; got shape {tuple(r.shape)}"
        )
    gjr, student = model is VolModel.GJR, innovation is Innovation.STUDENT_T
    scale = jnp.var(r, axis=0)
    x, nll, gradient = _fit(r, scale, gjr, student, max_iter)
    omega, alpha, gamma, beta, nu = jax.vmap(lambda xi, s: _params(xi, s, gjr))(x, scale)
    s2, last = jax.vmap(variance_path, in_axes=(0, 0, 0, 0, 1), out_axes=(1, 0))(
        omega, alpha, gamma, beta, r
    )
    a, g, b = np.asarray(alpha), np.asarray(gamma), np.asarray(beta)
    nu_np = np.asarray(nu) if student else np.full(a.shape, np.nan)
    finite = np.isfinite(np.asarray(nll)) & np.isfinite(np.asarray(last))
    return VolFit(
        model,
        innovation,
        np.asarray(omega),
        a,
        g,
        b,
        nu_np,
        -np.asarray(nll) * r.shape[0],
        (np.asarray(gradient) < GRADIENT_TOLERANCE) & finite,
        np.sqrt(np.asarray(s2)),
        np.sqrt(np.asarray(last)),
    )


def ewma(returns: np.ndarray, lam: float = EWMA_LAMBDA) -> VolFit:
    """EWMA volatility (RiskMetrics, Hull–White 1998): ``σ_t² = λσ_{t−1}² + (1−λ)r_{t−1}²``
    from the same backcast as the GARCH fits; ``ω = 0``, ``α = 1 − λ``, ``β = λ``."""
    r = jnp.asarray(returns, jnp.float64)
    n = r.shape[1]
    zeros = jnp.zeros(n)
    s2, last = jax.vmap(variance_path, in_axes=(0, 0, 0, 0, 1), out_axes=(1, 0))(
        zeros, jnp.full(n, 1 - lam), zeros, jnp.full(n, lam), r
    )
    return VolFit(
        VolModel.EWMA,
        Innovation.NORMAL,
        np.zeros(n),
        np.full(n, 1 - lam),
        np.zeros(n),
        np.full(n, lam),
        np.full(n, np.nan),
        np.asarray(
            jax.vmap(lambda c, v: _loglik(c, v, jnp.asarray(jnp.nan), False), in_axes=(1, 1))(r, s2)
        ),
        np.ones(n, bool),
        np.sqrt(np.asarray(s2)),
        np.sqrt(np.asarray(last)),
    )


def fitted_or_ewma(fitted: VolFit, returns: np.ndarray) -> tuple[VolFit, np.ndarray]:
    """``fitted`` with every factor that did not converge replaced by its EWMA, and the
    indices of those factors (to record in the run as a warning)."""
    bad = np.flatnonzero(~fitted.converged)
    if not len(bad):
        return fitted, bad
    fallback = ewma(np.asarray(returns)[:, bad])
    out = {}
    for name in ("omega", "alpha", "gamma", "beta", "nu", "loglik", "forecast"):
        values = np.array(getattr(fitted, name), dtype=np.float64, copy=True)
        values[bad] = getattr(fallback, name)
        out[name] = values
    sigma = np.array(fitted.sigma, copy=True)
    sigma[:, bad] = fallback.sigma
    converged = np.array(fitted.converged, copy=True)
    converged[bad] = True
    return VolFit(fitted.model, fitted.innovation, sigma=sigma, converged=converged, **out), bad


def filtered_scenarios(returns: np.ndarray, sigma: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """Filtered historical simulation: each date's standardised residuals rescaled to
    the forecast volatility, ``r_t / σ_t · σ_{T+1}`` — ``(T, n)``, whole dates kept. A
    date of zero volatility (a factor that did not move) gives a zero shock, not NaN."""
    r, s = np.asarray(returns, np.float64), np.asarray(sigma, np.float64)
    z = np.divide(r, s, out=np.zeros_like(r), where=s > 0)
    return z * np.asarray(forecast, np.float64)[None, :]


@dataclass(frozen=True)
class FilteredShocks:
    """Filtered-historical-simulation shocks and what the fit did.

    ``shocks``: ``(scenarios, factors)``; ``fallback``: indices of the factors whose fit
    did not converge and that use EWMA instead; ``forecast``: each factor's forecast
    1-day volatility (in the factor's shock units)."""

    shocks: np.ndarray
    fallback: np.ndarray
    forecast: np.ndarray
    fit_days: int


def filtered_history_shocks(
    daily: np.ndarray,
    *,
    lookback: int,
    horizon: int = 1,
    sqrt_time: bool = False,
    model: VolModel = VolModel.GARCH,
    innovation: Innovation = Innovation.STUDENT_T,
) -> FilteredShocks:
    """FHS shocks from daily returns ``(T, n)`` (oldest first, ``T ≥ lookback``): the
    model fitted on all ``T`` (EWMA for a factor whose fit does not converge), the last
    ``lookback`` standardised returns rescaled to the forecast; for ``horizon = h`` the
    ``lookback − h + 1`` overlapping sums of ``h`` rescaled days (log and absolute
    returns both add over days), or with ``sqrt_time`` the 1-day shocks × √h — the
    windows of plain historical simulation. Every h-day path uses today's 1-day
    forecast for each of its days (no mean reversion of the volatility over the
    horizon)."""
    r = np.asarray(daily, np.float64)
    if r.ndim != 2 or r.shape[0] < lookback:
        raise ValueError(f"FHS over {lookback} days needs at least {lookback} daily returns")
    fitted, fallback = fitted_or_ewma(fit(r, model, innovation), r)
    rescaled = filtered_scenarios(r, fitted.sigma, fitted.forecast)[-lookback:]
    if horizon == 1 or sqrt_time:
        shocks = rescaled * (np.sqrt(float(horizon)) if horizon > 1 else 1.0)
    else:
        if horizon > lookback:
            raise ValueError(f"a {horizon}-day horizon needs more than {horizon} days")
        c = np.concatenate([np.zeros((1, r.shape[1])), np.cumsum(rescaled, axis=0)])
        shocks = c[horizon:] - c[:-horizon]
    return FilteredShocks(shocks, fallback, np.asarray(fitted.forecast), int(r.shape[0]))
