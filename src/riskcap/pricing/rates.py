"""Zero-curve kernels: zero rates, interpolation weights, discount factors, and the
order-fixed sums the bond and swap kernels (:mod:`riskcap.pricing.book`) add with.

Curve convention: zero rates are **continuously compounded** on an ACT/365F time
axis, interpolated **linearly in the zero rate** between pillar tenors and held
flat beyond the first and last pillar. ``DF(t) = exp(-z(t)·t)``.

Cash flows (payment times and amounts) are built on the host from QuantLib's
schedules and day counts (:mod:`riskcap.inputs.schedules`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
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
