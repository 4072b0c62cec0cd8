"""Risk factors, shock types and the map between levels and shocks.

A factor is a market quantity the book is revalued on: an equity or index price, an
implied volatility, a zero rate at a curve pillar. Its **shock type** says how a
scenario moves it (DESIGN.md §3):

* ``log`` (prices, vols): shock ``r = ln(x₁/x₀)``, applied as ``x₀·exp(r)``;
* ``absolute`` (rates, spreads): shock ``Δ = x₁ − x₀``, applied as ``x₀ + Δ``.

Shapes: ``levels`` is ``(dates, factors)``, shocks are ``(scenarios, factors)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float

# Demo factor families and their shock types (mirrors the `factors` table).
SHOCK_TYPE_BY_FAMILY = {
    "equity_price": "log",
    "index_level": "log",
    "etf_price": "log",
    "implied_vol": "log",
    "zero_rate": "absolute",
}


@dataclass(frozen=True)
class Market:
    """The pricing state: factor levels on the as-of date and their shock types.

    ``width`` is the padded length of the factor vector the kernels see (0: from the
    factor count, :func:`factor_width`); a run sets it from the whole factors table,
    so a day whose book gains or drops underlyings keeps the compiled kernels."""

    x0: np.ndarray  # (factors,)
    is_log: np.ndarray  # (factors,) bool
    width: int = 0


@dataclass(frozen=True)
class FactorSet:
    """Ordered factor ids with their shock types; ``is_log[i]`` for factor ``ids[i]``."""

    ids: tuple[str, ...]
    is_log: np.ndarray  # (factors,) bool

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.is_log):
            raise ValueError("one shock type per factor id")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("factor ids must be unique")

    def index(self, factor_id: str) -> int:
        try:
            return self.ids.index(factor_id)
        except ValueError:
            raise KeyError(f"factor {factor_id!r} is not in the factor set") from None

    def indices(self, factor_ids: list[str] | tuple[str, ...]) -> np.ndarray:
        pos = {f: i for i, f in enumerate(self.ids)}
        return np.array([pos[f] for f in factor_ids], dtype=np.int32)

    def __len__(self) -> int:
        return len(self.ids)


def shocks_between(
    start: Float[ArrayLike, "... f"], end: Float[ArrayLike, "... f"], is_log: Bool[ArrayLike, " f"]
) -> Float[Array, "... f"]:
    """Shocks that move ``start`` to ``end``: ``ln(end/start)`` or ``end − start``."""
    start, end = jnp.asarray(start, jnp.float64), jnp.asarray(end, jnp.float64)
    is_log = jnp.asarray(is_log, bool)
    safe_start = jnp.where(is_log, start, 1.0)
    safe_end = jnp.where(is_log, end, 1.0)
    return jnp.where(is_log, jnp.log(safe_end / safe_start), end - start)


MIN_FACTOR_WIDTH = 16  # factors: the smallest padded width (of returns and revaluation)


def factor_width(n: int) -> int:
    """The padded length of a vector of ``n`` factors (a power of two, at least
    :data:`MIN_FACTOR_WIDTH`): returns, revaluation and the reverse-stress gradient
    keep their compiled kernels when a book gains an underlying."""
    return max(MIN_FACTOR_WIDTH, shape_bucket(n))


def returns(
    levels: Float[ArrayLike, "t f"], is_log: Bool[ArrayLike, " f"], horizon: int = 1
) -> Float[np.ndarray, "t_minus_h f"]:
    """Overlapping ``horizon``-day shocks of a level history: row t moves date t to t+h.

    With ``horizon=1`` these are the daily returns (log returns for log factors,
    differences for absolute ones). Overlapping windows: ``T − h`` rows from ``T`` dates.

    One compiled kernel per bucket of history lengths: the history is padded at the
    end with copies of its last date (their moves are zero and cut off), so a history
    one day longer each day reuses yesterday's kernel; every row is the same
    elementwise computation as unpadded. Returned on the host (NumPy): its callers
    slice, stack and pass it on, and a device array of a new length would compile a
    transfer kernel per length.
    """
    levels = np.asarray(levels, np.float64)
    t = levels.shape[0]
    if horizon < 1 or horizon >= t:
        raise ValueError(f"horizon {horizon} needs more than {horizon} dates of history")
    one = levels.ndim == 1  # a single factor's series
    grid = levels[:, None] if one else levels
    f = grid.shape[1]
    flags = np.broadcast_to(np.asarray(is_log, bool), (f,))
    # padded in dates and in factors (absolute, level 0: no move), so a history one
    # day longer and a book that gains an underlying keep the kernel
    rows, width = shape_bucket(t), factor_width(f)
    padded = np.zeros((rows, width))
    padded[:t, :f] = grid
    padded[t:, :f] = grid[-1]
    out = _returns(jnp.asarray(padded), jnp.asarray(np.pad(flags, (0, width - f))), horizon)
    cut = np.asarray(out)[: t - horizon, :f]  # cut on the host: no kernel per shape
    return cut[:, 0] if one else cut


def shape_bucket(n: int) -> int:
    """``n`` rounded up to a power of two: the array length a growing series (a
    history one day longer each day) is padded to, so ``jit`` compiles a handful of
    shapes in a year instead of one a day (the waste is below 2×)."""
    return 1 << max(0, (n - 1).bit_length())


@functools.partial(jax.jit, static_argnames=("horizon",))
def _returns(levels: Array, is_log: Array, horizon: int) -> Array:
    return shocks_between(levels[:-horizon], levels[horizon:], is_log)


def apply_shocks(
    x0: Float[ArrayLike, " f"], shocks: Float[ArrayLike, "s f"], is_log: Bool[ArrayLike, " f"]
) -> Float[Array, "s f"]:
    """Factor levels after each scenario's shocks: ``x₀·exp(r)`` or ``x₀ + Δ``."""
    x0 = jnp.asarray(x0, jnp.float64)
    shocks = jnp.asarray(shocks, jnp.float64)
    return jnp.where(jnp.asarray(is_log, bool), x0 * jnp.exp(shocks), x0 + shocks)
