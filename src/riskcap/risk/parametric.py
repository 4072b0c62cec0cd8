"""Parametric VaR and ES: delta-normal, delta-gamma-normal, Cornish–Fisher.

The P&L is approximated from sensitivities to the factor **shocks** ``r`` (log
returns for log factors, changes for absolute ones), with ``r ~ N(0, Σ)`` over the
horizon:

* delta-normal: ``ΔP = δᵀr``; ``σ² = δᵀΣδ``; ``VaR = z_α σ``, ``ES = σ φ(z_α)/(1 − α)``
  (Jorion, *Value at Risk*, 3rd ed., §7; ES for the normal: McNeil, Frey, Embrechts,
  *Quantitative Risk Management*, Example 2.14).
* delta-gamma-normal: ``ΔP = δᵀr + ½ rᵀΓr`` matched to a normal by its first two
  moments: ``μ = ½ tr(ΓΣ)``, ``σ² = δᵀΣδ + ½ tr((ΓΣ)²)``; ``VaR = z_α σ − μ``.
* Cornish–Fisher: the same quadratic P&L with skewness ``s`` and excess kurtosis
  ``κ`` from its exact cumulants (with ``b = Σ^{½}δ`` and ``λ`` the eigenvalues of
  ``½ Σ^{½}ΓΣ^{½}``: ``κ₂ = Σb² + 2Σλ²``, ``κ₃ = 6Σb²λ + 8Σλ³``,
  ``κ₄ = 48Σb²λ² + 48Σλ⁴``), quantile
  ``w = z + (z² − 1)s/6 + (z³ − 3z)κ/24 − (2z³ − 5z)s²/36`` at ``z = Φ⁻¹(1 − α)``
  (Jorion §14; Mina & Xiao, *Return to RiskMetrics*, 2001). ES averages that
  quantile over the tail, ``ES = −(1/p)∫_{−∞}^{z_p} (μ + σ w(z)) φ(z) dz``, in closed
  form since ``w`` is a cubic in ``z`` and the truncated normal moments are
  ``∫φ = p``, ``∫zφ = −φ(z_p)``, ``∫z²φ = p − z_pφ(z_p)``, ``∫z³φ = −(z_p² + 2)φ(z_p)``.

VaR and ES are positive losses.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.scipy.stats import norm
from jaxtyping import Array, ArrayLike, Float


def _z(confidence: float) -> Array:
    return norm.ppf(jnp.asarray(confidence, jnp.float64))


def delta_normal(
    delta: Float[ArrayLike, " f"], cov: Float[ArrayLike, "f f"], confidence: float
) -> tuple[Array, Array]:
    """``(VaR, ES)`` of ``δᵀr`` with ``r ~ N(0, Σ)``."""
    d = jnp.asarray(delta, jnp.float64)
    sigma = jnp.sqrt(d @ jnp.asarray(cov, jnp.float64) @ d)
    z = _z(confidence)
    return z * sigma, sigma * norm.pdf(z) / (1.0 - confidence)


def delta_gamma_moments(
    delta: Float[ArrayLike, " f"], gamma: Float[ArrayLike, "f f"], cov: Float[ArrayLike, "f f"]
) -> tuple[Array, Array, Array, Array]:
    """Mean, standard deviation, skewness and excess kurtosis of ``δᵀr + ½rᵀΓr``."""
    d = jnp.asarray(delta, jnp.float64)
    g = jnp.asarray(gamma, jnp.float64)
    c = jnp.asarray(cov, jnp.float64)
    w, v = jnp.linalg.eigh(0.5 * (c + c.T))
    root = (v * jnp.sqrt(jnp.clip(w, 0.0, None))) @ v.T  # symmetric Σ^{1/2}
    lam, vecs = jnp.linalg.eigh(0.5 * root @ (0.5 * (g + g.T)) @ root)
    b = vecs.T @ (root @ d)
    mean = jnp.sum(lam)
    k2 = jnp.sum(b**2) + 2.0 * jnp.sum(lam**2)
    k3 = 6.0 * jnp.sum(b**2 * lam) + 8.0 * jnp.sum(lam**3)
    k4 = 48.0 * jnp.sum(b**2 * lam**2) + 48.0 * jnp.sum(lam**4)
    sd = jnp.sqrt(k2)
    return mean, sd, k3 / sd**3, k4 / k2**2


def delta_gamma_normal(
    delta: Float[ArrayLike, " f"],
    gamma: Float[ArrayLike, "f f"],
    cov: Float[ArrayLike, "f f"],
    confidence: float,
) -> tuple[Array, Array]:
    """``(VaR, ES)`` of the delta-gamma P&L matched to a normal by mean and variance."""
    mean, sd, _, _ = delta_gamma_moments(delta, gamma, cov)
    z = _z(confidence)
    return z * sd - mean, sd * norm.pdf(z) / (1.0 - confidence) - mean


def cornish_fisher_quantile(z: ArrayLike, skew: ArrayLike, kurt: ArrayLike) -> Array:
    """Cornish–Fisher expansion of a standard quantile ``z`` (excess kurtosis ``kurt``)."""
    z = jnp.asarray(z, jnp.float64)
    return (
        z
        + (z**2 - 1.0) * skew / 6.0
        + (z**3 - 3.0 * z) * kurt / 24.0
        - (2.0 * z**3 - 5.0 * z) * skew**2 / 36.0
    )


def cornish_fisher(
    delta: Float[ArrayLike, " f"],
    gamma: Float[ArrayLike, "f f"],
    cov: Float[ArrayLike, "f f"],
    confidence: float,
) -> tuple[Array, Array]:
    """``(VaR, ES)`` of the delta-gamma P&L with the Cornish–Fisher quantile."""
    mean, sd, skew, kurt = delta_gamma_moments(delta, gamma, cov)
    p = 1.0 - confidence
    zp = norm.ppf(jnp.asarray(p, jnp.float64))
    var = -(mean + sd * cornish_fisher_quantile(zp, skew, kurt))
    phi = norm.pdf(zp)
    m1, m2, m3 = -phi, p - zp * phi, -(zp**2 + 2.0) * phi  # ∫_{−∞}^{z_p} zⁿ φ(z) dz
    tail_w = (
        m1
        + (m2 - p) * skew / 6.0
        + (m3 - 3.0 * m1) * kurt / 24.0
        - (2.0 * m3 - 5.0 * m1) * skew**2 / 36.0
    )
    es = -(mean + sd * tail_w / p)
    return var, es
