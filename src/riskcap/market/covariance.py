"""Covariance of factor shocks: EWMA and sample estimators, PSD repair, Cholesky.

References
----------
* RiskMetrics — Technical Document (J.P. Morgan/Reuters, 1996), §5.2: EWMA with
  decay λ = 0.94 for daily data, ``Σ_t = λ Σ_{t−1} + (1 − λ) r_t r_tᵀ`` (zero mean).
* Higham, N. (2002), "Computing the nearest correlation matrix — a problem from
  finance", IMA J. Numer. Anal. 22: the nearest correlation matrix; the eigenvalue
  clipping used here is the first projection of that method (clip negative
  eigenvalues of the correlation matrix, rescale to unit diagonal), which is what
  most risk systems apply.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float


def sample_covariance(shocks: Float[ArrayLike, "t f"]) -> Float[Array, "f f"]:
    """Unbiased sample covariance (divides by ``T − 1``; mean removed)."""
    x = jnp.asarray(shocks, jnp.float64)
    centred = x - x.mean(axis=0)
    return centred.T @ centred / (x.shape[0] - 1)


def ewma_covariance(shocks: Float[ArrayLike, "t f"], lam: float) -> Float[Array, "f f"]:
    r"""EWMA covariance at the last date, zero mean (RiskMetrics 1996).

    .. math:: \Sigma = \frac{1-\lambda}{1-\lambda^{T}} \sum_{t=1}^{T} \lambda^{T-t} r_t r_t^\top

    The weights are normalised to sum to one over the ``T`` observations given, so a
    short history is not biased low. Oldest row first.
    """
    if not 0.0 < lam < 1.0:
        raise ValueError(f"EWMA decay must be in (0, 1), got {lam}")
    return _ewma(jnp.asarray(shocks, jnp.float64), lam)


# one compiled kernel per shape (not a dozen one-op kernels each time the factor count
# changes); the operations are those of the eager code, in the same order
@functools.partial(jax.jit, static_argnames=("lam",))
def _ewma(x: Array, lam: float) -> Array:
    t = x.shape[0]
    weights = (1.0 - lam) * lam ** jnp.arange(t - 1, -1, -1, dtype=jnp.float64)
    weights = weights / weights.sum()
    return (x * weights[:, None]).T @ x


@functools.partial(jax.jit, static_argnames=("floor",))
def nearest_psd(cov: Float[ArrayLike, "f f"], floor: float = 0.0) -> Float[Array, "f f"]:
    """Repair a covariance to positive semi-definite by clipping correlation eigenvalues.

    The correlation matrix's eigenvalues below ``floor`` are raised to ``floor``, the
    result is rescaled to a unit diagonal and mapped back with the original
    volatilities, so variances are unchanged. A PSD input comes back unchanged up to
    rounding.
    """
    c = jnp.asarray(cov, jnp.float64)
    c = 0.5 * (c + c.T)
    vol = jnp.sqrt(jnp.clip(jnp.diag(c), 0.0, None))
    safe = jnp.where(vol > 0, vol, 1.0)
    corr = c / jnp.outer(safe, safe)
    w, v = jnp.linalg.eigh(corr)
    fixed = (v * jnp.maximum(w, floor)) @ v.T
    d = jnp.sqrt(jnp.clip(jnp.diag(fixed), 1e-300, None))
    fixed = fixed / jnp.outer(d, d)
    out = fixed * jnp.outer(vol, vol)
    return 0.5 * (out + out.T)


def is_psd(cov: Float[ArrayLike, "f f"], tol: float = 1e-12) -> bool:
    """True when the smallest eigenvalue is ≥ ``-tol`` × the largest."""
    w = np.asarray(jnp.linalg.eigvalsh(jnp.asarray(cov, jnp.float64)))
    return bool(w[0] >= -tol * max(float(w[-1]), 1e-300))


@functools.partial(jax.jit, static_argnames=("jitter",))
def _bumped_cholesky(c: Array, jitter: float) -> Array:
    bump = jitter * jnp.maximum(jnp.mean(jnp.diag(c)), 1e-300)
    return jnp.linalg.cholesky(c + bump * jnp.eye(c.shape[0]))


@jax.jit
def _cholesky(c: Array) -> tuple[Array, Array]:
    chol = jnp.linalg.cholesky(c)
    return chol, jnp.all(jnp.isfinite(chol))


def cholesky_factor(cov: Float[ArrayLike, "f f"], jitter: float = 1e-12) -> Float[Array, "f f"]:
    """Lower Cholesky factor ``L`` with ``L Lᵀ ≈ Σ``, repairing Σ when it is not PD.

    A non-PSD Σ goes through :func:`nearest_psd` first; a semi-definite one gets a
    relative diagonal ``jitter`` (× mean variance) so the factorisation exists.
    """
    c = jnp.asarray(cov, jnp.float64)
    if not is_psd(c):
        c = nearest_psd(c)
    chol, finite = _cholesky(c)
    if bool(finite):
        return chol
    return _bumped_cholesky(c, jitter)
