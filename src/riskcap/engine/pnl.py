"""Backtesting P&L (hypothetical, actual, risk-theoretical) of a day per node: full
revaluation of the previous day's positions on the day's market, and of the day's
trades from their prices to the day's marks (MAR32; Basel 2.5 backtesting)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from riskcap.data.factor_names import DEFAULT_REPORTING_CURRENCY
from riskcap.data.lake import Lake
from riskcap.engine.local import plan_blocks, revalue_books, values_by_book
from riskcap.errors import RiskcapError
from riskcap.inputs.hierarchy import Hierarchy
from riskcap.inputs.risk_inputs import RiskInputs, load_risk_inputs
from riskcap.market.factors import shocks_between


@dataclass(frozen=True)
class BacktestPnlResult:
    """Hypothetical and actual P&L of day ``as_of`` per node (profit positive)."""

    as_of: dt.date
    previous: dt.date
    nodes: tuple[str, ...]
    hypothetical: np.ndarray
    actual: np.ndarray
    risk_theoretical: np.ndarray
    trades: int


def _roll_up(inputs: RiskInputs, per_book: np.ndarray, hierarchy: Hierarchy) -> np.ndarray:
    """Figures per book of ``inputs`` onto the nodes of a (wider) ``hierarchy``."""
    index = {b: i for i, b in enumerate(hierarchy.books)}
    full = np.zeros(len(hierarchy.books))
    for b, v in zip(inputs.hierarchy.books, per_book, strict=True):
        full[index[b]] += v
    return hierarchy.membership @ full


def _node_values(inputs: RiskInputs, hierarchy: Hierarchy) -> np.ndarray:
    market = inputs.market
    per_book = values_by_book(inputs.book, market.x0, len(inputs.hierarchy.books), market.width)
    return _roll_up(inputs, per_book, hierarchy)


def _risk_theoretical(before: RiskInputs, after: RiskInputs, hierarchy: Hierarchy) -> np.ndarray:
    """The risk model's P&L of ``before``'s positions: its factors moved from their
    ``before`` levels to their ``after`` levels, everything else (times to expiry, the
    shape of the vol term structure) as the model held it the day before."""
    if before.factors.ids != after.factors.ids:
        raise RiskcapError("the risk factors of one book differ between two days")
    shocks = np.asarray(shocks_between(before.market.x0, after.market.x0, before.factors.is_log))[
        None, :
    ]
    n_books = len(before.hierarchy.books)
    plan = plan_blocks(1, 1.0)
    per_book = revalue_books(before.book, before.market, shocks, n_books, plan)[:, 0]
    return _roll_up(before, per_book, hierarchy)


def backtest_pnl(
    lake: Lake,
    as_of: dt.date,
    previous: dt.date,
    versions: dict[str, int],
    reporting: str = DEFAULT_REPORTING_CURRENCY,
) -> BacktestPnlResult:
    """Hypothetical and actual P&L of ``as_of`` per node.

    * hypothetical: the ``previous`` day's positions revalued on ``as_of``'s market
      (prices, curve, vols, time to expiry) minus their value on ``previous``'s —
      full revaluation, no trades;
    * actual: hypothetical plus the P&L of the trades netted into ``as_of`` (trade
      dates after ``previous``), each marked from its trade price to the ``as_of``
      model value: ``quantity × multiplier × (mark − price)``, the price converted to
      the ``reporting`` currency at ``as_of``'s FX rate;
    * risk-theoretical (FRTB PLA, MAR32.37): the ``previous`` risk model revalued under
      the factor moves from ``previous`` to ``as_of`` (no time decay, the ``previous``
      vol term-structure shape): what the ES model says the day's P&L was.

    Both roll up books to nodes over the union of books held on ``previous`` and
    traded on ``as_of``. A position that cannot be priced on either day is left out of
    both (its value is not P&L).
    """
    before = load_risk_inputs(lake, previous, 1, versions, reporting=reporting)
    after = load_risk_inputs(
        lake, as_of, 1, versions, positions_as_of=previous, reporting=reporting
    )
    left_out = set(before.unpriced) | set(after.unpriced)
    if left_out:  # a position priced on one day only would count its value as P&L
        held = lake.read(
            "positions", version=versions["positions"], filters=[("as_of", "=", previous)]
        ).to_pandas()
        kept = held.loc[~held["instrument_id"].isin(left_out)]
        before = load_risk_inputs(lake, previous, 1, versions, positions=kept, reporting=reporting)
        after = load_risk_inputs(lake, as_of, 1, versions, positions=kept, reporting=reporting)
    trades = lake.read(
        "trades",
        version=versions["trades"],
        filters=[("trade_date", ">", previous), ("trade_date", "<=", as_of)],
    ).to_pandas()
    books = lake.read("books", version=versions["books"]).to_pandas().set_index("book_id")
    scope = sorted(set(before.hierarchy.books) | set(trades["book_id"]))
    hierarchy = Hierarchy.from_books(
        [(b, books.at[b, "desk"], books.at[b, "legal_entity"], books.at[b, "firm"]) for b in scope]
    )
    hypothetical = _node_values(after, hierarchy) - _node_values(before, hierarchy)
    risk_theoretical = _risk_theoretical(before, after, hierarchy)
    actual = hypothetical.copy()
    if not trades.empty:
        traded = load_risk_inputs(
            lake,
            as_of,
            1,
            versions,
            positions=trades[["book_id", "instrument_id", "quantity"]],
            reporting=reporting,
        )
        instruments = lake.read("instruments", version=versions["instruments"]).to_pandas()
        by_id = instruments.set_index("instrument_id")
        mult = trades["instrument_id"].map(by_id["multiplier"])
        rate = trades["instrument_id"].map(by_id["currency"]).map(traded.fx_rate)
        paid = (
            (trades["quantity"] * mult.astype(float) * trades["price"] * rate.astype(float))
            .groupby(trades["book_id"])
            .sum()
        )
        index = {b: i for i, b in enumerate(hierarchy.books)}
        cost = np.zeros(len(hierarchy.books))
        for b, v in paid.items():
            cost[index[str(b)]] = float(v)
        actual = actual + _node_values(traded, hierarchy) - hierarchy.membership @ cost
    return BacktestPnlResult(
        as_of, previous, hierarchy.nodes, hypothetical, actual, risk_theoretical, len(trades)
    )
