"""A small hand-built book on 5 factors for the numeric-core tests (no lake)."""

from __future__ import annotations

from typing import Any

import numpy as np

from riskcap.inputs.hierarchy import Hierarchy
from riskcap.market.factors import FactorSet, Market
from riskcap.pricing.book import (
    Bond,
    Book,
    CommodityFuture,
    Curves,
    Future,
    FxForward,
    FxOption,
    Linear,
    Markets,
    Option,
    Swap,
    empty_family,
    stack_curves,
)
from riskcap.pricing.rates import payment_times

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
MARKETS = Markets(CURVES, stack_curves([]), CURVES)  # spreads: a copy of the curve


def schedule(rows: list[tuple[float, int]], width: int = 24) -> tuple[np.ndarray, np.ndarray]:
    pairs = [payment_times(t, f, width) for t, f in rows]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


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
        rep([2, 2, 2, 2], np.int32),
        rep([1.0, 1.1, 0.9, 1.0]),
        rep([100.0, 90.0, 110.0, 105.0]),
        rep([1.0, 0.25, 2.0, 0.5]),
        rep([0.0, 0.01, 0.02, 0.0]),
        rep([True, False, True, False]),
        first(4),
        none(4),
    )
    times, mask = schedule([(5.0, 2), (9.5, 1)])
    bond = Bond(
        rep([1, 2], np.int32),
        rep([1e4, -5e3]),
        rep([0.04, 0.035]),
        rep([2.0, 1.0]),
        np.tile(times, (copies, 1)),
        np.tile(mask, (copies, 1)),
        first(2),
        none(2),
        none(2),  # risk-free: no spread curve
    )
    times, mask = schedule([(7.0, 1)])
    swap = Swap(
        rep([2], np.int32),
        rep([1e6]),
        rep([0.037]),
        rep([1.0]),
        np.tile(times, (copies, 1)),
        np.tile(mask, (copies, 1)),
        rep([True]),
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


FAMILIES = {
    "linear": Linear,
    "future": Future,
    "option": Option,
    "bond": Bond,
    "swap": Swap,
    "fx_forward": FxForward,
    "fx_option": FxOption,
    "commodity_future": CommodityFuture,
}


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
    return Book(*fams, curves, forwards or none, spreads or none)  # type: ignore[arg-type]


def linear_book() -> Book:
    linear = Linear(
        np.array([0, 1, 2], np.int32),
        np.array([1000.0, -500.0, 300.0]),
        np.array([0, 1, 0], np.int32),
        np.full(3, -1, np.int32),
    )
    return book_of(CURVES, spreads=MARKETS.spreads, linear=linear)
