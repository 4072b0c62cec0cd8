"""Scenario generators: historical, fixed-window, Monte Carlo (normal, Student-t, GBM).

Every generator returns **shocks** of shape ``(scenarios, factors)`` (see
:mod:`riskcap.market.factors` for how shocks apply), except the GBM helpers, which
return simulated prices.

Randomness (DESIGN.md §3): ``jax.random.key(seed)``; scenario block ``b`` of the
fixed size :data:`RNG_BLOCK` draws from ``fold_in(key, b)``, and step ``k`` of a
multi-step path from ``fold_in(fold_in(key, b), k)``. The numbers drawn therefore
depend only on the seed and the scenario index, never on how a caller batches the
computation, so the local, GPU and Spark engines see identical scenarios.

Historical windows: with ``lookback = L`` and horizon ``h`` the window holds the last
``L`` daily returns (``L + 1`` dates). One-day scenarios are those ``L`` returns;
``h``-day scenarios are the ``L − h + 1`` overlapping ``h``-day returns inside the
window (Basel's overlapping 10-day returns); ``sqrt_time`` scales the 1-day shocks by
``√h`` instead (an option, named as such).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float

from riskcap.choices import HorizonMethod as HorizonMethod  # the config's choice
from riskcap.market.factors import returns

RNG_BLOCK = 4096


def historical_shocks(
    levels: Float[ArrayLike, "t f"],
    is_log: Bool[ArrayLike, " f"],
    *,
    lookback: int,
    horizon: int = 1,
    method: HorizonMethod = HorizonMethod.OVERLAPPING,
) -> Float[np.ndarray, "s f"]:
    """Historical-simulation shocks from the last ``lookback`` daily returns.

    ``levels`` ends on the as-of date (oldest row first) and must hold at least
    ``lookback + 1`` rows. Returns ``lookback`` rows for ``horizon = 1``; for
    ``horizon = h`` the ``lookback − h + 1`` overlapping h-day shocks (or, with
    ``SQRT_TIME``, the ``lookback`` 1-day shocks × √h).
    """
    levels = np.asarray(levels, np.float64)  # sliced on the host: no kernel per length
    if levels.shape[0] < lookback + 1:
        raise ValueError(
            f"historical simulation over {lookback} days needs {lookback + 1} dates, "
            f"got {levels.shape[0]}"
        )
    window = levels[-(lookback + 1) :]
    return fixed_window_shocks(window, is_log, horizon=horizon, method=method)


def fixed_window_shocks(
    window: Float[ArrayLike, "t f"],
    is_log: Bool[ArrayLike, " f"],
    *,
    horizon: int = 1,
    method: HorizonMethod = HorizonMethod.OVERLAPPING,
) -> Float[np.ndarray, "s f"]:
    """Shocks from a fixed window of levels (a stress period, a stressed-VaR year)."""
    window = np.asarray(window, np.float64)
    if horizon == 1 or method is HorizonMethod.SQRT_TIME:
        daily = returns(window, is_log, 1)
        return daily if horizon == 1 else daily * np.sqrt(float(horizon))
    if horizon > window.shape[0] - 1:
        raise ValueError(f"a {horizon}-day horizon needs more than {horizon} dates")
    return returns(window, is_log, horizon)


def _n_blocks(n: int) -> int:
    return -(-n // RNG_BLOCK)


@functools.partial(jax.jit, static_argnames=("dims", "steps"))
def _normal_block(key: Array, b: Array, dims: int, steps: int) -> Float[Array, "k n d"]:
    """Standard normals of scenario block ``b``: shape ``(steps, RNG_BLOCK, dims)``."""
    block_key = jax.random.fold_in(key, b)
    step_keys = jax.vmap(lambda k: jax.random.fold_in(block_key, k))(jnp.arange(steps))
    return jax.vmap(lambda k: jax.random.normal(k, (RNG_BLOCK, dims), jnp.float64))(step_keys)


def standard_normals(seed: int, n: int, dims: int, steps: int = 1) -> Float[Array, "k n d"]:
    """The raw N(0, 1) draws behind the Monte Carlo generators: ``(steps, n, dims)``."""
    key = jax.random.key(seed)
    blocks = [_normal_block(key, jnp.asarray(b), dims, steps) for b in range(_n_blocks(n))]
    return jnp.concatenate(blocks, axis=1)[:, :n]


def mc_normal_shocks(
    seed: int,
    chol: Float[ArrayLike, "f f"],
    n: int,
    *,
    horizon: int = 1,
    mean: Float[ArrayLike, " f"] | None = None,
) -> Float[Array, "n f"]:
    """Correlated normal shocks: ``Σ_{k≤h} (μ + L z_k)`` with ``z_k ~ N(0, I)``.

    ``chol`` is the lower Cholesky factor of the 1-day shock covariance; a horizon of
    ``h`` days sums ``h`` independent daily draws (multi-step), so the h-day
    covariance is ``h·Σ``.
    """
    chol = jnp.asarray(chol, jnp.float64)
    z = standard_normals(seed, n, chol.shape[0], horizon)
    shocks = jnp.einsum("knd,fd->nf", z, chol)
    if mean is not None:
        shocks = shocks + horizon * jnp.asarray(mean, jnp.float64)
    return shocks


def mc_student_t_shocks(
    seed: int, chol: Float[ArrayLike, "f f"], n: int, nu: float, *, horizon: int = 1
) -> Float[Array, "n f"]:
    r"""Correlated multivariate Student-t shocks with covariance ``Σ`` per day.

    Daily draw: :math:`x = L z \sqrt{(\nu - 2)/W}` with :math:`W \sim \chi^2_\nu`
    shared by all factors of a scenario (so tails are joint), scaled to unit
    variance; ``h``-day shocks sum ``h`` daily draws. Needs ``ν > 2``.
    """
    if nu <= 2:
        raise ValueError(f"Student-t degrees of freedom must exceed 2, got {nu}")
    chol = jnp.asarray(chol, jnp.float64)
    dims = chol.shape[0]
    # the chi-square draw rides on one extra normal column's key stream
    key = jax.random.fold_in(jax.random.key(seed), 0x7C0FFEE)
    z = standard_normals(seed, n, dims, horizon)
    chi = []
    for b in range(_n_blocks(n)):
        kb = jax.random.fold_in(key, b)
        chi.append(2.0 * jax.random.gamma(kb, nu / 2.0, (horizon, RNG_BLOCK), jnp.float64))
    w = jnp.concatenate(chi, axis=1)[:, :n]
    scale = jnp.sqrt((nu - 2.0) / w)
    return jnp.einsum("knd,fd,kn->nf", z, chol, scale)


def gbm_log_paths(
    seed: int,
    s0: Float[ArrayLike, " a"],
    mu: Float[ArrayLike, " a"],
    sigma: Float[ArrayLike, " a"],
    corr_chol: Float[ArrayLike, "a a"],
    *,
    years: float,
    steps: int,
    n_paths: int,
) -> Float[Array, "n k a"]:
    r"""Correlated GBM log-price paths, ``(n_paths, steps + 1, assets)``.

    .. math::
        \ln S_{k+1} = \ln S_k + (\mu - \tfrac12\sigma^2)\Delta t + \sigma\sqrt{\Delta t}\,(L z_k)

    with ``Δt = years/steps`` and ``L`` the Cholesky factor of the asset correlation
    (the exact log-Euler scheme of the classic TensorFlow VaR recipe). Use
    :func:`gbm_terminal_stepped` for their terminal values in ``O(RNG_BLOCK·a)`` memory,
    :func:`gbm_terminal_exact` when only the horizon prices are needed.
    """
    z = standard_normals(seed, n_paths, jnp.asarray(s0).shape[0], steps)  # (k, n, a)
    inc = _gbm_increments(z, mu, sigma, corr_chol, years / steps)
    log0 = jnp.log(jnp.asarray(s0, jnp.float64))
    paths = log0 + jnp.cumsum(inc, axis=0)
    return jnp.concatenate([jnp.broadcast_to(log0, (1, *paths.shape[1:])), paths]).transpose(
        1, 0, 2
    )


def _gbm_increments(
    z: Float[Array, "k n a"],
    mu: Float[ArrayLike, " a"],
    sigma: Float[ArrayLike, " a"],
    corr_chol: Float[ArrayLike, "a a"],
    dt: float | Array,
) -> Float[Array, "k n a"]:
    """Log-price increments of each step: ``(μ − σ²/2)Δt + σ√Δt · (L z)``."""
    mu = jnp.asarray(mu, jnp.float64)
    sigma = jnp.asarray(sigma, jnp.float64)
    correlated = jnp.einsum("kna,ba->knb", z, jnp.asarray(corr_chol, jnp.float64))
    return (mu - 0.5 * sigma**2) * dt + sigma * jnp.sqrt(dt) * correlated


@functools.partial(jax.jit, static_argnames=("steps",))
def _gbm_terminal_block(
    key: Array,
    b: Array,
    log0: Array,
    mu: Array,
    sigma: Array,
    chol: Array,
    dt: Array,
    steps: int,
) -> Array:
    block_key = jax.random.fold_in(key, b)

    def step(carry: Array, k: Array) -> tuple[Array, None]:
        z = jax.random.normal(jax.random.fold_in(block_key, k), (RNG_BLOCK, log0.shape[0]))
        return carry + _gbm_increments(z[None], mu, sigma, chol, dt)[0], None

    start = jnp.broadcast_to(log0, (RNG_BLOCK, log0.shape[0]))
    out, _ = jax.lax.scan(step, start, jnp.arange(steps))
    return out


def _gbm_args(
    s0: Float[ArrayLike, " a"],
    mu: Float[ArrayLike, " a"],
    sigma: Float[ArrayLike, " a"],
    corr_chol: Float[ArrayLike, "a a"],
    dt: float,
) -> tuple[Array, ...]:
    return (
        jnp.log(jnp.asarray(s0, jnp.float64)),
        jnp.asarray(mu, jnp.float64),
        jnp.asarray(sigma, jnp.float64),
        jnp.asarray(corr_chol, jnp.float64),
        jnp.asarray(dt, jnp.float64),
    )


def gbm_terminal_stepped(
    seed: int,
    s0: Float[ArrayLike, " a"],
    mu: Float[ArrayLike, " a"],
    sigma: Float[ArrayLike, " a"],
    corr_chol: Float[ArrayLike, "a a"],
    *,
    years: float,
    steps: int,
    n_paths: int,
) -> Float[Array, "n a"]:
    """Terminal prices of :func:`gbm_log_paths` (same draws), memory ``O(RNG_BLOCK·a)``.

    Steps through time inside ``lax.scan`` per block of paths instead of holding the
    whole ``(n, steps, a)`` array: ``steps`` normals per path and asset. It is the
    terminal value of the paths a path-dependent payoff sees; when only the horizon
    price matters, :func:`gbm_terminal_exact` draws the same law with one normal.
    """
    key = jax.random.key(seed)
    args = _gbm_args(s0, mu, sigma, corr_chol, years / steps)
    blocks = [
        _gbm_terminal_block(key, jnp.asarray(b), *args, steps=steps)
        for b in range(_n_blocks(n_paths))
    ]
    return jnp.exp(jnp.concatenate(blocks)[:n_paths])


def gbm_terminal_exact(
    seed: int,
    s0: Float[ArrayLike, " a"],
    mu: Float[ArrayLike, " a"],
    sigma: Float[ArrayLike, " a"],
    corr_chol: Float[ArrayLike, "a a"],
    *,
    years: float,
    n_paths: int,
) -> Float[Array, "n a"]:
    r"""Horizon prices of correlated GBM drawn exactly: one normal per path and asset.

    .. math::
        \ln S_T = \ln S_0 + (\mu - \tfrac12\sigma^2)\,T + \sigma\sqrt{T}\,(L z)

    Constant ``μ`` and ``σ`` make the sum of the steps of :func:`gbm_log_paths` exactly
    this normal, so the law of ``S_T`` is the same as :func:`gbm_terminal_stepped`'s
    with ``steps`` times fewer draws (the draws themselves differ: this is the first
    step's stream of :func:`standard_normals`). Use it whenever only ``S_T`` enters the
    payoff; path-dependent payoffs need the paths.
    """
    z = standard_normals(seed, n_paths, jnp.asarray(s0).shape[0], 1)
    log_st = (
        jnp.log(jnp.asarray(s0, jnp.float64)) + _gbm_increments(z, mu, sigma, corr_chol, years)[0]
    )
    return jnp.exp(log_st)


def lognormal_var_es(
    s0: float, mu: float, sigma: float, years: float, confidence: float
) -> tuple[float, float]:
    r"""Closed-form VaR and ES of a long position in one GBM asset (positive losses).

    P&L ``= S_T − S_0`` with ``ln S_T ~ N(ln S_0 + (μ − σ²/2)T, σ²T)``. With
    ``p = 1 − α``, ``z_p = Φ^{-1}(p)``:

    .. math::
        \mathrm{VaR} = S_0 - S_0 e^{(\mu-\sigma^2/2)T + \sigma\sqrt{T} z_p},\qquad
        \mathrm{ES} = S_0 - \frac{S_0 e^{\mu T}\,\Phi(z_p - \sigma\sqrt{T})}{p}

    (the ES uses the partial expectation of a lognormal; Hull, *Risk Management and
    Financial Institutions*, and any text on lognormal moments).
    """
    from scipy.stats import norm

    p = 1.0 - confidence
    zp = norm.ppf(p)
    vt = sigma * np.sqrt(years)
    var = s0 - s0 * np.exp((mu - 0.5 * sigma**2) * years + vt * zp)
    tail_mean = s0 * np.exp(mu * years) * norm.cdf(zp - vt) / p
    return float(var), float(s0 - tail_mean)
