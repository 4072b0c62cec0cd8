"""Hedge optimisation on a published run: the quantities of chosen hedge instruments that
minimise a node's ES (or VaR) under the run's own scenarios.

The node's P&L vector is the run's published one (``pnl_vectors``, the scenario set of
``service.whatif_scenario_set``); each hedge instrument is revalued in full under the
same shocks with the what-if path (:class:`riskcap.api.whatif.WhatIfModel`), one unit at
a time, so an option hedge's P&L is its exact repricing in every scenario. The
solvers are :mod:`riskcap.risk.optimise` (the exact LP and the smoothed-gradient
method); the result is checked by the what-if of the hedge trades, whose "after" ES of
the node is the optimiser's figure recomputed through the same path a trader's
proposed trade takes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskcap.api.whatif import ProposedTrade, WhatIfModel, WhatIfResult
from riskcap.errors import WhatIfRejected
from riskcap.risk.measures import tail_count
from riskcap.risk.optimise import (
    HedgeProblem,
    HedgeSolution,
    OptimiseError,
    marginal_es,
    minimise_var,
    one_sided_es,
    solve_gradient,
    solve_lp,
    tail_risk,
)

SOLVERS = ("lp", "gradient", "both")
MEASURES = ("es", "var")


@dataclass(frozen=True)
class HedgeSpec:
    instrument_id: str
    lower: float = -math.inf
    upper: float = math.inf
    cost: float | None = None  # per unit, for the budget; default |value of one unit|


@dataclass(frozen=True)
class HedgeLine:
    instrument_id: str
    quantity: float
    lower: float
    upper: float
    cost: float
    marginal_es: float  # ∂ES/∂quantity of the unhedged node: what one unit does first
    es_per_unit_bought: float  # one-sided ES change per unit bought at the solution
    es_per_unit_sold: float  # … per unit sold (both ≥ 0 at an optimum inside the bounds)


@dataclass(frozen=True)
class SolverReport:
    solver: str
    var: float
    es: float
    iterations: int
    seconds: float
    compile_seconds: float
    violation: float


@dataclass(frozen=True)
class OptimiseResult:
    run_id: str
    node: str
    book: str
    measure: str
    confidence: float
    scenario_set: str
    scenarios: int
    var_before: float
    es_before: float
    var_after: float
    es_after: float
    solver: str
    hedges: list[HedgeLine]
    solvers: list[SolverReport]  # every solver that ran, the chosen one first
    whatif: WhatIfResult


def parse_hedge(text: str) -> HedgeSpec:
    """``ID``, ``ID:LOWER:UPPER`` or ``ID:LOWER:UPPER:COST`` (empty = unbounded/default)."""
    parts = text.split(":")
    if not parts[0] or len(parts) not in (1, 3, 4):
        raise WhatIfRejected(f"hedge {text!r}: expected ID, ID:LOWER:UPPER or ID:LOWER:UPPER:COST")
    try:
        lower = float(parts[1]) if len(parts) > 1 and parts[1] else -math.inf
        upper = float(parts[2]) if len(parts) > 2 and parts[2] else math.inf
        cost = float(parts[3]) if len(parts) > 3 and parts[3] else None
    except ValueError:
        raise WhatIfRejected(f"hedge {text!r}: bounds and cost must be numbers") from None
    return HedgeSpec(parts[0], lower, upper, cost)


def hedge_book(model: WhatIfModel, node: str, book: str | None) -> str:
    """The book the hedge trades go into: ``book`` (under ``node``) or the node itself."""
    h = model.inputs.hierarchy
    try:
        row = h.index(node)
    except KeyError:
        raise WhatIfRejected(f"no node {node!r} in run {model.run_id[:8]}'s hierarchy") from None
    if book is None:
        if not node.startswith("book:"):
            raise WhatIfRejected(
                f"{node} is not a book: say which of its books takes the hedge (book)"
            )
        book = node.removeprefix("book:")
    if book not in h.books:
        raise WhatIfRejected(f"book {book!r} not in run {model.run_id[:8]}'s hierarchy")
    if not h.membership[row, h.books.index(book)]:
        raise WhatIfRejected(f"book {book} is not under {node}: a hedge there would not move it")
    return book


def optimise(
    model: WhatIfModel,
    node: str,
    hedges: Sequence[HedgeSpec],
    confidence: float,
    *,
    book: str | None = None,
    measure: str = "es",
    solver: str = "lp",
    budget: float | None = None,
    min_mean: float | None = None,
    visible: Sequence[str] | None = None,
) -> OptimiseResult:
    """Minimise ``node``'s ES (or VaR) over the hedge quantities; see the module docstring.

    Raises :class:`WhatIfRejected` for a request that cannot be posed (unknown node,
    book or instrument, a hedge on factors the run does not cover, a duplicate hedge)
    and :class:`OptimiseError` for one that has no solution (infeasible or unbounded).
    """
    if measure not in MEASURES:
        raise WhatIfRejected(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    if solver not in SOLVERS:
        raise WhatIfRejected(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}")
    if not hedges:
        raise WhatIfRejected("name at least one hedge instrument")
    ids = [h.instrument_id for h in hedges]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise WhatIfRejected(f"hedge instrument(s) named twice: {', '.join(dupes)}")
    target = hedge_book(model, node, book)
    h = model.inputs.hierarchy
    base = model.pnl[h.index(node)]
    units, costs = [], []
    for spec in hedges:
        one = [ProposedTrade(target, spec.instrument_id, 1.0)]
        units.append(model.trade_pnl(one).sum(axis=0))
        if budget is not None:
            costs.append(abs(model.trade_value(one)) if spec.cost is None else spec.cost)
        else:
            costs.append(0.0 if spec.cost is None else spec.cost)
    k = tail_count(base.shape[0], confidence)
    problem = HedgeProblem(
        base=base,
        unit=np.stack(units, axis=1),
        tail=k,
        lower=np.array([s.lower for s in hedges]),
        upper=np.array([s.upper for s in hedges]),
        cost=np.array(costs) if budget is not None else None,
        budget=budget,
        min_mean=min_mean,
    )
    if budget is not None and any(c == 0 for c in costs):
        free = [s.instrument_id for s, c in zip(hedges, costs, strict=True) if c == 0]
        raise WhatIfRejected(
            f"hedge(s) {', '.join(free)} cost nothing per unit (value 0 today): give a cost "
            "(ID:LOWER:UPPER:COST) for the budget"
        )
    names = ["lp", "gradient"] if solver == "both" else [solver]
    solutions: list[HedgeSolution] = []
    for name in names:
        solve = solve_lp if name == "lp" else solve_gradient
        solutions.append(minimise_var(problem, solve) if measure == "var" else solve(problem))
    chosen = solutions[0]
    x = chosen.quantities
    var_before, es_before = tail_risk(base, k)
    trades = [
        ProposedTrade(target, s.instrument_id, float(q))
        for s, q in zip(hedges, x, strict=True)
        if q != 0.0
    ]
    allowed = list(visible) if visible is not None else h.nodes
    if trades:
        check = model.evaluate(trades, confidence, allowed)
    else:  # nothing to trade: the node as it is
        check = model.evaluate(
            [ProposedTrade(target, hedges[0].instrument_id, 0.0)], confidence, allowed
        )
    return OptimiseResult(
        run_id=model.run_id,
        node=node,
        book=target,
        measure=measure,
        confidence=confidence,
        scenario_set=model.scenario_set,
        scenarios=int(base.shape[0]),
        var_before=var_before,
        es_before=es_before,
        var_after=chosen.var,
        es_after=chosen.es,
        solver=chosen.solver,
        hedges=[
            HedgeLine(s.instrument_id, float(q), s.lower, s.upper, float(c), *map(float, m))
            for s, q, c, *m in zip(
                hedges,
                x,
                costs,
                marginal_es(problem, np.zeros_like(x)),
                *one_sided_es(problem, x),
                strict=True,
            )
        ],
        solvers=[
            SolverReport(
                s.solver, s.var, s.es, s.iterations, s.seconds, s.compile_seconds, s.violation
            )
            for s in solutions
        ],
        whatif=check,
    )


__all__ = ["HedgeSpec", "OptimiseError", "OptimiseResult", "optimise", "parse_hedge"]
