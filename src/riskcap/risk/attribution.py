"""Risk attribution of a node's VaR / ES to its children (Euler, incremental, marginal).

For historical or Monte Carlo P&L vectors with ``total = Σ_i child_i`` scenario by
scenario (Tasche, "Capital allocation to business units and sub-portfolios: the
Euler principle", 2008):

* **component ES** of child ``i``: ``−mean(child_i)`` over the ``k`` scenarios that
  form the total's tail. Components sum to the total ES exactly.
* **component VaR**: ``−child_i`` in the total's VaR scenario (the k-th worst). They
  sum to the total VaR exactly (a single-scenario estimate, noisier than ES's).
* **incremental**: ``measure(total) − measure(total − child_i)`` — what removing the
  child changes (with/without).
* **marginal**: ``∂ measure(total + w·child_i)/∂w`` at ``w = 0``, by a one-sided
  difference of step ``h``; for HS and MC it equals the component while the tail
  scenarios do not change (Euler's theorem for positively homogeneous measures).

For delta-normal VaR the Euler components are ``z·δ_i(Σδ)_i/σ`` (Jorion §7.2).
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from riskcap.risk.measures import expected_shortfall, tail_indices, value_at_risk


def component_es(
    total: Float[ArrayLike, " s"], children: Float[ArrayLike, "c s"], confidence: float
) -> Float[Array, " c"]:
    idx = tail_indices(total, confidence)
    return -jnp.mean(jnp.asarray(children, jnp.float64)[:, idx], axis=1)


def component_var(
    total: Float[ArrayLike, " s"], children: Float[ArrayLike, "c s"], confidence: float
) -> Float[Array, " c"]:
    idx = tail_indices(total, confidence)
    return -jnp.asarray(children, jnp.float64)[:, idx[-1]]


def incremental(
    total: Float[ArrayLike, " s"],
    children: Float[ArrayLike, "c s"],
    confidence: float,
    measure: str = "es",
) -> Float[Array, " c"]:
    fn = expected_shortfall if measure == "es" else value_at_risk
    t = jnp.asarray(total, jnp.float64)
    without = t[None, :] - jnp.asarray(children, jnp.float64)
    return fn(t, confidence) - fn(without, confidence)


def marginal(
    total: Float[ArrayLike, " s"],
    children: Float[ArrayLike, "c s"],
    confidence: float,
    measure: str = "es",
    h: float = 1e-6,
) -> Float[Array, " c"]:
    fn = expected_shortfall if measure == "es" else value_at_risk
    t = jnp.asarray(total, jnp.float64)
    bumped = t[None, :] + h * jnp.asarray(children, jnp.float64)
    return (fn(bumped, confidence) - fn(t, confidence)) / h


def delta_normal_components(
    delta: Float[ArrayLike, "c f"], cov: Float[ArrayLike, "f f"], confidence: float
) -> Float[Array, " c"]:
    """Euler components of delta-normal VaR for children with deltas ``delta[i]``."""
    from jax.scipy.stats import norm

    d = jnp.asarray(delta, jnp.float64)
    c = jnp.asarray(cov, jnp.float64)
    total = d.sum(axis=0)
    sigma = jnp.sqrt(total @ c @ total)
    return norm.ppf(confidence) * (d @ (c @ total)) / sigma
