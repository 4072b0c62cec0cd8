"""Value-at-Risk and Expected Shortfall on P&L vectors.

Conventions (DESIGN.md §3; ORE's historical-simulation report, shared/reference):

* P&L is **profit positive**; VaR and ES are reported as **positive losses**.
* Empirical quantile: with ``n`` scenarios and confidence ``α`` the tail count is
  ``k = ⌈(1 − α)·n⌉``; ``VaR = −(k-th smallest P&L)``, ``ES = −mean(k smallest)``.
  ``(1 − α)·n`` is rounded to 9 decimals before the ceiling, so that binary
  floating point (``(1 − 0.99)·100 = 1.0000000000000009``) does not add a scenario.
* :func:`interpolated_var` is the linear-interpolation variant, named as such.

Shapes: ``pnl`` is ``(..., scenarios)``; measures reduce the last axis, so a
``(nodes, scenarios)`` matrix gives one figure per node.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float


def tail_count(n: int, confidence: float) -> int:
    """``k = ⌈(1 − α)·n⌉`` (at least 1): how many worst scenarios form the tail."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n < 1:
        raise ValueError("no scenarios")
    return max(1, math.ceil(round((1.0 - confidence) * n, 9)))


def selected_var_es(pnl: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(VaR, ES)`` of each row over its ``k`` smallest P&Ls, by selection
    (``np.partition``, O(n)) instead of a sort: VaR is minus the largest of them (the
    k-th smallest, the number the sort picks) and ES minus their mean."""
    tail = np.partition(pnl, k - 1, axis=-1)[..., :k]
    return -tail.max(axis=-1), -tail.mean(axis=-1)


def value_at_risk(pnl: Float[ArrayLike, "... s"], confidence: float) -> Float[Array, ...]:
    """Empirical VaR: minus the ``k``-th smallest P&L (positive = loss)."""
    x = jnp.asarray(pnl, jnp.float64)
    k = tail_count(x.shape[-1], confidence)
    return -jnp.sort(x, axis=-1)[..., k - 1]


def expected_shortfall(pnl: Float[ArrayLike, "... s"], confidence: float) -> Float[Array, ...]:
    """Empirical ES: minus the mean of the ``k`` smallest P&Ls (positive = loss)."""
    x = jnp.asarray(pnl, jnp.float64)
    k = tail_count(x.shape[-1], confidence)
    return -jnp.mean(jnp.sort(x, axis=-1)[..., :k], axis=-1)


def var_es(
    pnl: Float[ArrayLike, "... s"], confidence: float
) -> tuple[Float[Array, ...], Float[Array, ...]]:
    """``(VaR, ES)`` from one sort."""
    x = jnp.asarray(pnl, jnp.float64)
    k = tail_count(x.shape[-1], confidence)
    tail = jnp.sort(x, axis=-1)[..., :k]
    return -tail[..., k - 1], -jnp.mean(tail, axis=-1)


def interpolated_var(pnl: Float[ArrayLike, "... s"], confidence: float) -> Float[Array, ...]:
    """VaR from the linearly interpolated ``(1 − α)`` quantile (NumPy's 'linear')."""
    x = jnp.asarray(pnl, jnp.float64)
    return -jnp.quantile(x, 1.0 - confidence, axis=-1, method="linear")


def tail_indices(pnl: Float[ArrayLike, " s"], confidence: float) -> Array:
    """Indices of the ``k`` worst scenarios, worst first (ties: lower index first)."""
    x = jnp.asarray(pnl, jnp.float64)
    k = tail_count(x.shape[-1], confidence)
    return jnp.argsort(x, stable=True)[:k]
