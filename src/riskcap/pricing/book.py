"""A book as arrays, and its value on a factor vector.

A :class:`Book` holds one struct-of-arrays block per instrument family. Every array
is indexed by position within the family; ``book`` is the position's book index (for
aggregation) and ``units = quantity × multiplier``. Factor references are integer
indices into the factor vector ``x`` (see :mod:`riskcap.market.factors`).

Valuation on a factor vector ``x`` (shape ``(factors,)``), per family:

* ``Linear`` (equity, index): ``units · x[spot]``
* ``Future`` (index future): ``units · S·exp((r(t) − q)·t)``, ``r`` from the curve
* ``Option`` (European): ``units · BSM(S, K, t, r(t), q, σ)`` with
  ``σ = x[vol] · vol_scale`` — the option's implied vol moves with its underlying's
  1Y ATM vol factor, keeping the term-structure shape of the as-of date
* ``Bond``: ``units · dirty price per 100`` off the zero curve
* ``Swap``: ``units · PV per unit notional`` off the zero curve

The zero curve is the factor values at ``curve.factors`` on pillar times
``curve.tenors`` (continuously compounded, linear in zero rate, flat outside; see
:mod:`riskcap.pricing.rates`). All functions are pure and jittable; vmap them over
scenarios.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from riskcap.pricing.equity import black_scholes_merton, forward_price
from riskcap.pricing.rates import (
    bond_price_from_df,
    interpolation_weights,
    ordered_segment_sum,
    swap_pv_from_df,
)

# Book fields are NumPy arrays when built on the host and JAX arrays inside jit.
Arr = Any


class Linear(NamedTuple):
    book: Arr  # (p,) int32
    units: Arr  # (p,)
    spot: Arr  # (p,) int32 factor index


class Future(NamedTuple):
    book: Arr
    units: Arr
    spot: Arr
    t: Arr  # years to expiry (ACT/365F)
    div_yield: Arr


class Option(NamedTuple):
    book: Arr
    units: Arr
    spot: Arr
    vol: Arr  # (p,) int32 factor index of the underlying's vol
    vol_scale: Arr  # σ_option / vol factor level on the as-of date
    strike: Arr
    t: Arr
    div_yield: Arr
    is_call: Arr  # bool


class Bond(NamedTuple):
    book: Arr
    units: Arr
    coupon: Arr
    frequency: Arr
    times: Arr  # (p, m) payment times, padded; column 0 is the maturity (payment_times)
    mask: Arr  # (p, m) bool


class Swap(NamedTuple):
    book: Arr
    units: Arr
    fixed_rate: Arr
    frequency: Arr
    times: Arr
    mask: Arr
    pay_fixed: Arr  # bool


class Payments(NamedTuple):
    """The payments of a block of bonds or swaps as one flat list (see
    :func:`riskcap.engine.local.payment_block`), ordered by position, then as in the
    schedule: only the payments still to come, not a ``(positions, width)`` grid
    padded to the longest schedule (the demo's 12 bonds and swaps have 216 payments
    in a grid of 768 cells). Padding payments are not ``live`` and add nothing."""

    time: Arr  # (u,) payment times in years
    frequency: Arr  # (u,) payments a year of the payment's position
    position: Arr  # (u,) int32 position in the block, ascending
    live: Arr  # (u,) bool


class BondFlows(NamedTuple):
    """A :class:`Bond` block valued over its :class:`Payments` (same prices)."""

    book: Arr
    units: Arr
    coupon: Arr
    maturity: Arr  # (p,) time of the last payment (Bond.times[:, 0])
    has_maturity: Arr  # (p,) bool: a payment is left (Bond.mask[:, 0])
    payments: Payments


class SwapFlows(NamedTuple):
    """A :class:`Swap` block valued over its :class:`Payments` (same PVs)."""

    book: Arr
    units: Arr
    fixed_rate: Arr
    maturity: Arr
    has_maturity: Arr
    pay_fixed: Arr
    payments: Payments


class Curve(NamedTuple):
    tenors: Arr  # (k,) pillar times in years
    factors: Arr  # (k,) int32 factor indices of the zero rates


Family = Linear | Future | Option | Bond | Swap | BondFlows | SwapFlows


class Book(NamedTuple):
    """All positions of a run, by family (a JAX pytree)."""

    linear: Linear
    future: Future
    option: Option
    bond: Bond
    swap: Swap
    curve: Curve

    @property
    def families(self) -> tuple[Family, ...]:
        return (self.linear, self.future, self.option, self.bond, self.swap)

    @property
    def size(self) -> int:
        return sum(int(f.units.shape[0]) for f in self.families)


def _curve_rates(curve: Curve, x: Float[Array, " f"]) -> Float[Array, " k"]:
    return x[curve.factors]


def _zero(curve: Curve, x: Float[Array, " f"], t: Float[Array, ...]) -> Float[Array, ...]:
    """Zero rates at times ``t`` (linear in zero rate, flat outside; see rates.py).

    A book with no curve (shares and indices only) has a curve of no pillars; the
    families that would read it are then empty, and their rates are zeros of ``t``'s
    shape (decided at trace time: the pillar count is static).
    """
    if curve.tenors.shape[0] == 0:
        return jnp.zeros_like(jnp.asarray(t, jnp.float64))
    return interpolation_weights(curve.tenors, t) @ _curve_rates(curve, x)


def _df(curve: Curve, x: Float[Array, " f"], t: Float[Array, ...]) -> Float[Array, ...]:
    return jnp.exp(-_zero(curve, x, t) * t)


def linear_values(f: Linear, curve: Curve, x: Float[Array, " f"]) -> Float[Array, " p"]:
    return f.units * x[f.spot]


def future_values(f: Future, curve: Curve, x: Float[Array, " f"]) -> Float[Array, " p"]:
    r = _zero(curve, x, f.t)
    return f.units * forward_price(x[f.spot], r, f.div_yield, f.t)


def option_values(f: Option, curve: Curve, x: Float[Array, " f"]) -> Float[Array, " p"]:
    r = _zero(curve, x, f.t)
    sigma = x[f.vol] * f.vol_scale
    return f.units * black_scholes_merton(
        x[f.spot], f.strike, f.t, r, f.div_yield, sigma, f.is_call
    )


def bond_values(f: Bond, curve: Curve, x: Float[Array, " f"]) -> Float[Array, " p"]:
    price = bond_price_from_df(_df(curve, x, f.times), f.mask, f.coupon, f.frequency)
    return f.units * price


def swap_values(f: Swap, curve: Curve, x: Float[Array, " f"]) -> Float[Array, " p"]:
    df = _df(curve, x, f.times)
    return f.units * swap_pv_from_df(df, f.mask, f.fixed_rate, f.frequency, f.pay_fixed)


def _annuity_of(curve: Curve, x: Float[Array, " f"], f: BondFlows | SwapFlows) -> Array:
    """``Σ τ·DF(t)`` per position over its payments: what :func:`annuity` gives on the
    ``(positions, width)`` grid, summed in the same order (schedule order, one payment
    at a time), without the grid's masked cells."""
    pay = f.payments
    per = jnp.where(pay.live, _df(curve, x, pay.time) / pay.frequency, 0.0)
    return ordered_segment_sum(per, pay.position, f.units.shape[0])


def bond_flow_values(f: BondFlows, curve: Curve, x: Float[Array, " f"]) -> Float[Array, " p"]:
    redemption = jnp.where(f.has_maturity, _df(curve, x, f.maturity), 0.0)
    return f.units * (100.0 * (f.coupon * _annuity_of(curve, x, f) + redemption))


def swap_flow_values(f: SwapFlows, curve: Curve, x: Float[Array, " f"]) -> Float[Array, " p"]:
    floating = 1.0 - jnp.where(f.has_maturity, _df(curve, x, f.maturity), 1.0)
    payer = floating - f.fixed_rate * _annuity_of(curve, x, f)
    return f.units * jnp.where(f.pay_fixed, payer, -payer)


VALUE_FUNCTIONS = {
    Linear: linear_values,
    Future: future_values,
    Option: option_values,
    Bond: bond_values,
    Swap: swap_values,
    BondFlows: bond_flow_values,
    SwapFlows: swap_flow_values,
}


def family_values(f: Family, curve: Curve, x: Float[Array, " f"]) -> Float[Array, " p"]:
    """Values of one family's positions on factor vector ``x``."""
    fn: Any = VALUE_FUNCTIONS[type(f)]
    return fn(f, curve, x)


def position_values(book: Book, x: Float[Array, " f"]) -> Float[Array, " n"]:
    """Values of every position on ``x``, families concatenated in Book order."""
    return jnp.concatenate([family_values(f, book.curve, x) for f in book.families])


def position_books(book: Book) -> Array:
    """Book index of every position, in :func:`position_values` order."""
    return jnp.concatenate([f.book for f in book.families])


def empty_family(kind: type[Family], width: int = 1) -> Family:
    """A family with no positions (fields of length 0, schedules of ``width``)."""
    i = np.zeros(0, np.int32)
    z = np.zeros(0)
    b = np.zeros(0, bool)
    zz = np.zeros((0, width))
    bb = np.zeros((0, width), bool)
    if kind is Linear:
        return Linear(i, z, i)
    if kind is Future:
        return Future(i, z, i, z, z)
    if kind is Option:
        return Option(i, z, i, i, z, z, z, z, b)
    if kind is Bond:
        return Bond(i, z, z, z, zz, bb)
    return Swap(i, z, z, z, zz, bb, b)
