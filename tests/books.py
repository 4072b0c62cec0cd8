"""A small hand-built book on 5 factors for the numeric-core tests (no lake)."""

from __future__ import annotations

from typing import Any

import numpy as np

from riskcap.inputs.hierarchy import Hierarchy
from riskcap.market.factors import FactorSet, Market
from riskcap.pricing.book import (
    FAMILY_TYPES,
    Bond,
    Book,
    Curves,
    Future,
    Linear,
    Markets,
    Option,
    Swap,
    empty_family,
    stack_curves,
)

# factors: 0 spot A, 1 spot B, 2 vol A (1Y ATM), 3 zero 1Y, 4 zero 10Y
FACTORS = FactorSet(
    ("EQ.A", "EQ.B", "VOL.A", "IR.1Y", "IR.10Y"), np.array([True, True, True, False, False])
)
X0 = np.array([100.0, 50.0, 0.25, 0.03, 0.04])
MARKET = Market(X0, FACTORS.is_log)
HIERARCHY = Hierarchy.from_books(
    [("B1", "D1", "E1", "F"), ("B2", "D1", "E1", "F"), ("B3", "D2", "E2", "F")]
)
CURVE_TENORS = np.array([1.0, 10.0])
CURVE_FACTORS = np.array([3, 4], np.int32)
CURVES = stack_curves([(CURVE_TENORS, CURVE_FACTORS)])
MARKETS = Markets(CURVES, stack_curves([]), CURVES, CURVES)  # spreads, projections: copies


def schedule(rows: list[tuple[float, int]], width: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Test schedules (synthetic arrays, not market dates): payment times
    ``T, T − 1/f, …`` still ahead, padded to ``width`` (mask False)."""
    times = np.zeros((len(rows), width))
    mask = np.zeros((len(rows), width), bool)
    for i, (t, f) in enumerate(rows):
        n = int(np.ceil(t * f - 1e-9)) if t > 0 else 0
        times[i, :n] = t - np.arange(n) / f
        mask[i, :n] = True
    return times, mask


def bond_grid(
    rows: list[tuple[float, int, float]], width: int = 24
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(times, amounts, mask)`` of regular bonds ``(maturity, frequency, coupon)``:
    coupons ``100·c/f`` and the redemption of 100 at maturity (column 0)."""
    times, mask = schedule([(t, f) for t, f, _ in rows], width)
    amounts = np.where(mask, 100.0 * np.array([c / f for _, f, c in rows])[:, None], 0.0)
    amounts[:, 0] += np.where(mask[:, 0], 100.0, 0.0)
    return times, amounts, mask


def swap_grid(
    rows: list[tuple[float, int, float, bool]], width: int = 24
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(times, amounts, mask)`` of one-curve swaps ``(maturity, frequency, fixed rate,
    pay fixed)`` reset today: fixed coupons ``K/f`` paid, the floating leg telescoped
    to ``+1`` today and ``−1`` at maturity (signs for a payer; a receiver the opposite)."""
    times, mask = schedule([(t, f) for t, f, _, _ in rows], width)
    sign = np.array([1.0 if p else -1.0 for _, _, _, p in rows])[:, None]
    fixed = np.array([k / f for _, f, k, _ in rows])[:, None]
    amounts = np.where(mask, -sign * fixed, 0.0)
    amounts[:, 0] -= sign[:, 0] * mask[:, 0]
    n = mask.sum(axis=1)
    times[np.arange(len(rows)), n] = 0.0  # the floating leg's +1 today
    amounts[np.arange(len(rows)), n] = sign[:, 0]
    mask[np.arange(len(rows)), n] = True
    return times, amounts, mask


def atm_only(vol: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Options' smile fields of one vol factor each (``σ = scale·x[vol]``): the point
    twice, the second with scale 0."""
    vol = np.asarray(vol, np.int32)
    scale = np.asarray(scale, np.float64)
    return np.stack([vol, vol], axis=-1), np.stack([scale, np.zeros_like(scale)], axis=-1)


def no_floats(n: int, width: int = 0) -> tuple[np.ndarray, ...]:
    """Swap fields of no projected coupons: times, starts, ends, scales, mask."""
    z = np.zeros((n, width))
    return z, z, z, z, np.zeros((n, width), bool)


def mixed_book(copies: int = 1) -> Book:
    """Equities, options, a future, bonds and swaps across three books."""
    rng = np.random.default_rng(0)

    def rep(a: list[object], dtype: object = None) -> np.ndarray:
        return np.tile(np.asarray(a, dtype=dtype), copies)

    def none(n: int) -> np.ndarray:  # reporting currency / no curve
        return np.full(n * copies, -1, np.int32)

    def first(n: int) -> np.ndarray:  # the one curve
        return np.zeros(n * copies, np.int32)

    linear = Linear(
        rep([0, 1, 2], np.int32),
        rep([1000.0, -500.0, 300.0]) * (1 + rng.random(3 * copies) * 0),
        rep([0, 1, 0], np.int32),
        none(3),
    )
    future = Future(
        rep([2], np.int32),
        rep([50.0]),
        rep([0], np.int32),
        rep([0.5]),
        rep([0.01]),
        first(1),
        none(1),
    )
    option = Option(
        rep([0, 1, 1, 2], np.int32),
        rep([100.0, -200.0, 50.0, 80.0]),
        rep([0, 0, 0, 0], np.int32),
        *atm_only(rep([2, 2, 2, 2], np.int32), rep([1.0, 1.1, 0.9, 1.0])),
        rep([100.0, 90.0, 110.0, 105.0]),
        rep([1.0, 0.25, 2.0, 0.5]),
        rep([0.0, 0.01, 0.02, 0.0]),
        rep([True, False, True, False]),
        first(4),
        none(4),
    )
    times, amounts, mask = bond_grid([(5.0, 2, 0.04), (9.5, 1, 0.035)])
    bond = Bond(
        rep([1, 2], np.int32),
        rep([1e4, -5e3]),
        np.tile(times, (copies, 1)),
        np.tile(amounts, (copies, 1)),
        np.tile(mask, (copies, 1)),
        first(2),
        none(2),
        none(2),  # risk-free: no spread curve
    )
    times, amounts, mask = swap_grid([(7.0, 1, 0.037, True)])
    swap = Swap(
        rep([2], np.int32),
        rep([1e6]),
        np.tile(times, (copies, 1)),
        np.tile(amounts, (copies, 1)),
        np.tile(mask, (copies, 1)),
        *no_floats(copies),
        rep([1.0]),
        first(1),
        first(1),
        none(1),
    )
    return book_of(
        CURVES,
        spreads=MARKETS.spreads,
        linear=linear,
        future=future,
        option=option,
        bond=bond,
        swap=swap,
    )


FAMILIES = FAMILY_TYPES


def book_of(
    curves: Curves,
    forwards: Curves | None = None,
    spreads: Curves | None = None,
    width: int = 1,
    **families: Any,
) -> Book:
    """A Book of the ``families`` given (by field name), every other family empty (its
    schedules ``width`` wide); no forward or spread curves unless given (default for
    spreads: the test curve stack's copy, :data:`MARKETS`)."""
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"not book families: {sorted(unknown)}")
    fams = [families.get(name, empty_family(kind, width)) for name, kind in FAMILIES.items()]
    none = stack_curves([])
    return Book(*fams, curves, forwards or none, spreads or none, curves)  # type: ignore[arg-type]


def linear_book() -> Book:
    linear = Linear(
        np.array([0, 1, 2], np.int32),
        np.array([1000.0, -500.0, 300.0]),
        np.array([0, 1, 0], np.int32),
        np.full(3, -1, np.int32),
    )
    return book_of(CURVES, spreads=MARKETS.spreads, linear=linear)
