"""Zero-curve kernels: discount factors, fixed-rate bonds, vanilla interest-rate swaps.

Curve convention: zero rates are **continuously compounded** on an ACT/365F time
axis, interpolated **linearly in the zero rate** between pillar tenors and held
flat beyond the first and last pillar. ``DF(t) = exp(-z(t)·t)``.

Cash-flow schedules are built on the host (:func:`payment_times`) and padded to a
fixed width with a mask, so kernels are vmappable over instruments.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float


def zero_rate(
    tenors: Float[ArrayLike, " n"], rates: Float[ArrayLike, " n"], t: Float[ArrayLike, ...]
) -> Float[Array, ...]:
    """Zero rate at times ``t`` by linear interpolation, flat extrapolation."""
    return jnp.interp(jnp.asarray(t, jnp.float64), jnp.asarray(tenors), jnp.asarray(rates))


def interpolation_weights(
    tenors: Float[ArrayLike, "... n"],
    t: Float[ArrayLike, ...],
    last: Float[ArrayLike, ...] | None = None,
) -> Float[Array, "... n"]:
    """Weights ``w`` with ``zero_rate(tenors, rates, t) = w @ rates`` for any ``rates``.

    Linear interpolation is a fixed linear map of the pillar rates once the times are
    known: hat functions on the pillars, clamped to the ends (flat extrapolation).
    Computing ``w`` once per block turns every scenario's curve lookup into a small
    contraction instead of a search and two gathers. ``tenors`` may carry a row per
    time (``(..., n)``, a curve per position); ``last`` clamps times to a last real
    pillar before padding pillars (default: the last tenor).
    """
    tenors = jnp.asarray(tenors, jnp.float64)
    upper = tenors[..., -1] if last is None else jnp.asarray(last, jnp.float64)
    t = jnp.clip(jnp.asarray(t, jnp.float64), tenors[..., 0], upper)[..., None]
    left = jnp.concatenate([tenors[..., :1] - 1.0, tenors[..., :-1]], axis=-1)
    right = jnp.concatenate([tenors[..., 1:], tenors[..., -1:] + 1.0], axis=-1)
    up = (t - left) / (tenors - left)
    down = (right - t) / (right - tenors)
    return jnp.clip(jnp.minimum(up, down), 0.0, 1.0)


def discount_factor(
    tenors: Float[ArrayLike, " n"], rates: Float[ArrayLike, " n"], t: Float[ArrayLike, ...]
) -> Float[Array, ...]:
    """``exp(-z(t)·t)`` with :func:`zero_rate`; ``t`` in years (ACT/365F)."""
    t = jnp.asarray(t, jnp.float64)
    return jnp.exp(-zero_rate(tenors, rates, t) * t)


def payment_times(
    time_to_maturity: float, frequency: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Remaining payment times (years) of a regular schedule, rolled back from maturity.

    Returns ``(times, mask)`` of length ``width``: the payments at
    ``T, T - 1/f, T - 2/f, ...`` that are still in the future, padded with zeros
    (``mask`` False). Raises ``ValueError`` if ``width`` is too small.
    """
    if frequency <= 0:
        raise ValueError("payment frequency must be positive")
    n = int(np.ceil(time_to_maturity * frequency - 1e-9)) if time_to_maturity > 0 else 0
    if n > width:
        raise ValueError(f"{n} payments do not fit a schedule of width {width}")
    times = np.zeros(width)
    mask = np.zeros(width, dtype=bool)
    times[:n] = time_to_maturity - np.arange(n) / frequency
    mask[:n] = True
    return times, mask


def ordered_sum(values: Float[Array, "... m"]) -> Float[Array, ...]:
    """Sum over the last axis in a fixed left-to-right order.

    XLA's reductions may group terms differently for different batch shapes; adding
    the payment columns one by one (unrolled: ``m`` is a small static width) makes a
    value independent of how many scenarios or positions are valued together, so
    block sizes never change a historical-simulation result.
    """
    total = values[..., 0]
    for j in range(1, values.shape[-1]):
        total = total + values[..., j]
    return total


def ordered_segment_sum(values: Float[Array, " u"], segments: Array, n: int) -> Float[Array, " n"]:
    """Sum ``values`` into ``n`` segments, one value at a time in index order.

    The segment form of :func:`ordered_sum` (a ``scan``, not XLA's scatter-add, whose
    grouping may change with the shape): a segment's total is its values added left
    to right, whichever other segments share the array.
    """

    def add(acc: Array, item: tuple[Array, Array]) -> tuple[Array, None]:
        value, segment = item
        return acc.at[segment].add(value), None

    total, _ = jax.lax.scan(add, jnp.zeros(n, values.dtype), (values, segments))
    return total


def annuity(
    df: Float[ArrayLike, "... m"], mask: ArrayLike, frequency: Float[ArrayLike, ...]
) -> Float[Array, ...]:
    """``Σ_i τ DF(t_i)`` over the masked payments, ``τ = 1/frequency``."""
    df = jnp.asarray(df, jnp.float64)
    freq = jnp.asarray(frequency, jnp.float64)[..., None]
    return ordered_sum(jnp.where(jnp.asarray(mask, bool), df / freq, 0.0))


def bond_price_from_df(
    df: Float[ArrayLike, "... m"],
    mask: ArrayLike,
    coupon_rate: Float[ArrayLike, ...],
    frequency: Float[ArrayLike, ...],
) -> Float[Array, ...]:
    r"""Dirty price per 100 face of a fixed-rate bullet bond from its discount factors.

    .. math:: P = 100\left(c \sum_i \tfrac{1}{f} DF(t_i) + DF(t_n)\right)

    ``df[..., 0]`` is the maturity's discount factor (schedules from
    :func:`payment_times`); a bond with no payment left is worth 0. No accrued
    interest is subtracted.
    """
    df = jnp.asarray(df, jnp.float64)
    mask = jnp.asarray(mask, bool)
    redemption = jnp.where(mask[..., 0], df[..., 0], 0.0)
    return 100.0 * (jnp.asarray(coupon_rate) * annuity(df, mask, frequency) + redemption)


def swap_pv_from_df(
    df: Float[ArrayLike, "... m"],
    mask: ArrayLike,
    fixed_rate: Float[ArrayLike, ...],
    frequency: Float[ArrayLike, ...],
    pay_fixed: ArrayLike,
) -> Float[Array, ...]:
    r"""PV per unit notional of a vanilla fixed-for-floating swap from discount factors.

    Single-curve valuation with the floating leg worth par at the valuation date:

    .. math::
        PV_{\text{float}} = 1 - DF(T),\qquad
        PV_{\text{fixed}} = K \sum_i \tau\,DF(t_i),\ \tau = 1/f

    A payer (``pay_fixed``) swap is worth ``PV_float − PV_fixed``, a receiver the
    opposite. Simplification (stated): the current floating coupon is treated as
    reset on the valuation date.
    """
    df = jnp.asarray(df, jnp.float64)
    mask = jnp.asarray(mask, bool)
    floating = 1.0 - jnp.where(mask[..., 0], df[..., 0], 1.0)
    payer = floating - jnp.asarray(fixed_rate) * annuity(df, mask, frequency)
    return jnp.where(jnp.asarray(pay_fixed, bool), payer, -payer)


def fixed_bond_price(
    tenors: Float[ArrayLike, " n"],
    rates: Float[ArrayLike, " n"],
    coupon_rate: Float[ArrayLike, ""],
    frequency: Float[ArrayLike, ""],
    times: Float[ArrayLike, " m"],
    mask: ArrayLike,
) -> Float[Array, ""]:
    """:func:`bond_price_from_df` on the curve ``(tenors, rates)``."""
    return bond_price_from_df(discount_factor(tenors, rates, times), mask, coupon_rate, frequency)


def swap_pv(
    tenors: Float[ArrayLike, " n"],
    rates: Float[ArrayLike, " n"],
    fixed_rate: Float[ArrayLike, ""],
    frequency: Float[ArrayLike, ""],
    times: Float[ArrayLike, " m"],
    mask: ArrayLike,
    pay_fixed: ArrayLike,
) -> Float[Array, ""]:
    """:func:`swap_pv_from_df` on the curve ``(tenors, rates)``."""
    df = discount_factor(tenors, rates, times)
    return swap_pv_from_df(df, mask, fixed_rate, frequency, pay_fixed)


def par_swap_rate(
    tenors: Float[ArrayLike, " n"],
    rates: Float[ArrayLike, " n"],
    frequency: Float[ArrayLike, ""],
    times: Float[ArrayLike, " m"],
    mask: ArrayLike,
) -> Float[Array, ""]:
    """Fixed rate that makes :func:`swap_pv` zero: ``(1 − DF(T)) / annuity``."""
    df = discount_factor(tenors, rates, times)
    return swap_pv_from_df(df, mask, 0.0, frequency, True) / annuity(df, mask, frequency)
