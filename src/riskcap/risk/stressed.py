"""Stressed-period search: the 12-month window in which the current portfolio's VaR peaks.

Basel 2.5 (BCBS, *Revisions to the Basel II market risk framework*, updated 2010,
¶718(Lxxvi)(i)) asks for a 10-day 99 % VaR of the **current portfolio** with inputs
calibrated to "a continuous 12-month period of significant financial stress relevant
to the bank's portfolio". riskcap picks that period by a documented, reproducible rule:

1. revalue today's portfolio on every overlapping ``h``-day move of the whole history
   (one full revaluation per historical ``h``-day return; ``pnl_h[i]`` moves date ``i``
   to date ``i + h``);
2. every window of ``L`` daily returns (``L + 1`` dates, 250 returns = 12 months)
   starting at date ``w`` holds the ``m = L − h + 1`` overlapping moves
   ``pnl_h[w .. w + m − 1]``, exactly the scenarios of an overlapping ``h``-day
   historical VaR over that window (:func:`riskcap.market.scenarios.fixed_window_shocks`);
3. the VaR of every window at once: a ``(windows, m)`` strided view and a partial
   sort (``np.partition``) — no Python loop over windows;
4. the stressed window is the one with the largest VaR (the earliest on a tie).

The search runs on one P&L series (the firm's); the stressed VaR of every node uses
the chosen window, so desks and the firm share one stressed period, as a bank's
approved period is one for its whole model.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from riskcap.market.factors import shape_bucket
from riskcap.risk.measures import tail_count


def window_size(window: int, horizon: int) -> int:
    """Overlapping ``horizon``-day moves inside a window of ``window`` daily returns."""
    if horizon < 1 or window < horizon:
        raise ValueError(f"a {window}-day window cannot hold a {horizon}-day move")
    return window - horizon + 1


def rolling_var_es(
    pnl_h: Float[ArrayLike, " n"], window: int, horizon: int, confidence: float
) -> tuple[Float[np.ndarray, " w"], Float[np.ndarray, " w"]]:
    """Empirical VaR and ES (positive losses) of every ``window``-return window.

    ``pnl_h`` holds the P&L of the overlapping ``horizon``-day moves of the history,
    oldest first; the result has one entry per window start date, ``n − m + 1`` in all.
    The ``k`` largest losses of every window come from a partial sort of the windows
    (``np.partition`` over a strided view: no copy per window), largest first; the VaR
    is the k-th, the ES their mean, taken by one jitted reduction over a row count
    bucketed by the history's length (the same compiled shape for many days).
    """
    x = np.asarray(pnl_h, np.float64)
    m = window_size(window, horizon)
    n = x.shape[0]
    if n < m:
        raise ValueError(
            f"{n} {horizon}-day moves of history are fewer than one {window}-day window"
        )
    k = tail_count(m, confidence)
    losses = -np.lib.stride_tricks.sliding_window_view(x, m)  # (w, m)
    worst = -np.sort(-np.partition(losses, m - k, axis=1)[:, m - k :], axis=1)
    rows = n - m + 1
    padded = np.concatenate([worst, np.zeros((shape_bucket(n) - m + 1 - rows, k))])
    return worst[:, k - 1], np.asarray(_row_means(jnp.asarray(padded)))[:rows]


@jax.jit
def _row_means(worst: Array) -> Array:
    return jnp.mean(worst, axis=1)


@dataclass(frozen=True)
class StressedWindow:
    """The chosen window: its start index (into the level dates) and its VaR/ES."""

    start: int  # index of the window's first date; it ends at start + window
    window: int
    horizon: int
    confidence: float
    var: float
    es: float
    windows: int  # how many windows were searched


def stressed_window(
    pnl_h: Float[ArrayLike, " n"], window: int, horizon: int, confidence: float
) -> StressedWindow:
    """The window of ``window`` daily returns maximising the ``horizon``-day VaR."""
    var, es = rolling_var_es(pnl_h, window, horizon, confidence)
    var_np = np.asarray(var)
    best = int(np.argmax(var_np))  # first maximum: the earliest window on a tie
    return StressedWindow(
        start=best,
        window=window,
        horizon=horizon,
        confidence=confidence,
        var=float(var_np[best]),
        es=float(np.asarray(es)[best]),
        windows=int(var_np.size),
    )
