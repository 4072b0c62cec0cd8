"""Greeks by automatic differentiation (``jax.jacfwd`` / ``jax.hessian``), not bumping.

Two coordinate systems:

* **levels** ``x`` (prices, vol levels, zero rates): :func:`position_sensitivities`
  and :func:`node_sensitivities` give ``∂V/∂x`` and ``∂²V/∂x²``;
* **shocks** ``r`` (log returns for log factors, changes for absolute ones):
  :func:`shock_sensitivities` differentiates ``V(apply_shocks(x₀, r))`` at ``r = 0``;
  these are the δ and Γ the parametric VaR methods use.

Reported summaries (:func:`summarise`, per node; signs are P&L):

* ``delta_1pct``: Σ over spot factors of ``x ∂V/∂x × 1%`` — P&L of +1% in every spot
  to first order (dollar delta per 1%);
* ``gamma_1pct``: Σ over spot factors of ``x² ∂²V/∂x² × (1%)²`` (dollar gamma);
* ``vega_1vol``: Σ over vol factors of ``∂V/∂x × 0.01`` — P&L of +1 vol point;
* ``dv01``: ``−Σ`` over curve pillars of ``∂V/∂z × 1bp`` — the **loss** for a +1bp
  parallel shift (positive for a long bond, the market convention);
* ``fx_delta_1pct``: Σ over FX rates of ``x ∂V/∂x × 1%`` — P&L, in the reporting
  currency, of every foreign currency strengthening 1% against it.

Per factor (:func:`by_factor`): the same units one factor at a time — a price's or an
FX rate's delta per 1%, a vol factor's vega per vol point, a curve pillar's DV01.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float

from riskcap.market.factors import apply_shocks
from riskcap.pricing.book import Book, position_books, position_values


def node_values(
    book: Book, x: Float[Array, " f"], membership: Float[Array, "m b"]
) -> Float[Array, " m"]:
    """Value per hierarchy node: positions → books (segment_sum) → nodes (membership)."""
    per_book = jax.ops.segment_sum(
        position_values(book, x), position_books(book), num_segments=membership.shape[1]
    )
    return membership @ per_book


@jax.jit
def position_sensitivities(
    book: Book, x: Float[ArrayLike, " f"]
) -> tuple[Float[Array, " p"], Float[Array, "p f"], Float[Array, "p f"]]:
    """Per position: value, gradient ``∂V/∂x`` and own gamma ``∂²V/∂x_i²``."""
    x = jnp.asarray(x, jnp.float64)
    values = position_values(book, x)
    grad = jax.jacfwd(position_values, argnums=1)(book, x)
    hess = jax.jacfwd(jax.jacrev(position_values, argnums=1), argnums=1)(book, x)
    return values, grad, jnp.diagonal(hess, axis1=1, axis2=2)


@jax.jit
def node_sensitivities(
    book: Book, x: Float[ArrayLike, " f"], membership: Float[ArrayLike, "m b"]
) -> tuple[Float[Array, " m"], Float[Array, "m f"], Float[Array, "m f f"]]:
    """Per node: value, gradient and full Hessian with respect to factor levels."""
    x = jnp.asarray(x, jnp.float64)
    m = jnp.asarray(membership, jnp.float64)
    values = node_values(book, x, m)
    grad = jax.jacfwd(node_values, argnums=1)(book, x, m)
    hess = jax.hessian(node_values, argnums=1)(book, x, m)
    return values, grad, hess


@jax.jit
def shock_sensitivities(
    book: Book,
    x0: Float[ArrayLike, " f"],
    is_log: Bool[ArrayLike, " f"],
    membership: Float[ArrayLike, "m b"],
) -> tuple[Float[Array, "m f"], Float[Array, "m f f"]]:
    """Per node: ``δ = ∂V/∂r`` and ``Γ = ∂²V/∂r²`` at ``r = 0`` (shock coordinates)."""
    x0 = jnp.asarray(x0, jnp.float64)
    m = jnp.asarray(membership, jnp.float64)

    def value_of_shock(r: Array) -> Array:
        return node_values(book, apply_shocks(x0, r[None, :], is_log)[0], m)

    r0 = jnp.zeros_like(x0)
    return jax.jacfwd(value_of_shock)(r0), jax.hessian(value_of_shock)(r0)


@dataclass(frozen=True)
class GreekSummary:
    delta_1pct: np.ndarray
    gamma_1pct: np.ndarray
    vega_1vol: np.ndarray
    dv01: np.ndarray
    fx_delta_1pct: np.ndarray


# factor type → (how its sensitivity is quoted, the scale on ∂V/∂x, times the level?)
FACTOR_UNITS: dict[str, tuple[str, float, bool]] = {
    "equity_price": ("delta per 1%", 0.01, True),
    "index_level": ("delta per 1%", 0.01, True),
    "etf_price": ("delta per 1%", 0.01, True),
    "commodity_price": ("delta per 1%", 0.01, True),
    "fx_rate": ("FX delta per 1%", 0.01, True),
    "implied_vol": ("vega per vol point", 0.01, False),
    "zero_rate": ("DV01 (loss for +1bp)", -1e-4, False),
    "credit_spread": ("CS01 (loss for +1bp)", -1e-4, False),
}


def by_factor(
    x: Float[ArrayLike, " f"], grad: Float[ArrayLike, "n f"], factor_types: tuple[str, ...]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each row's sensitivity to each factor in its market unit (:data:`FACTOR_UNITS`):
    ``(rows, factors)`` figures and the unit of each factor."""
    x = np.asarray(x, np.float64)
    g = np.asarray(grad, np.float64)
    units = tuple(FACTOR_UNITS[t][0] for t in factor_types)
    scale = np.array([FACTOR_UNITS[t][1] for t in factor_types])
    times_level = np.array([FACTOR_UNITS[t][2] for t in factor_types])
    return g * scale * np.where(times_level, x, 1.0), units


def summarise(
    x: Float[ArrayLike, " f"],
    grad: Float[ArrayLike, "n f"],
    own_gamma: Float[ArrayLike, "n f"],
    spot: Bool[ArrayLike, " f"],
    vol: Bool[ArrayLike, " f"],
    rate: Bool[ArrayLike, " f"],
    fx: Bool[ArrayLike, " f"] | None = None,
) -> GreekSummary:
    """The per-row summary figures defined in the module docstring."""
    x = np.asarray(x)
    g = np.asarray(grad)
    h = np.asarray(own_gamma)
    spot, vol, rate = (np.asarray(a, bool) for a in (spot, vol, rate))
    fx_ = np.zeros_like(spot) if fx is None else np.asarray(fx, bool)
    return GreekSummary(
        delta_1pct=(g[:, spot] * x[spot]).sum(axis=1) * 0.01,
        gamma_1pct=(h[:, spot] * x[spot] ** 2).sum(axis=1) * 1e-4,
        vega_1vol=g[:, vol].sum(axis=1) * 0.01,
        dv01=-g[:, rate].sum(axis=1) * 1e-4,
        fx_delta_1pct=(g[:, fx_] * x[fx_]).sum(axis=1) * 0.01,
    )
