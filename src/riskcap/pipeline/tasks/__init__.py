"""The tasks of the EOD pipeline (DESIGN.md §5): one module a task, each a function of
a :class:`~riskcap.pipeline.tasks.context.RunContext` returning a
:class:`~riskcap.pipeline.tasks.context.TaskOutput` (the SHA-256 of its output content
and a small detail record).

Every task reads only pinned inputs — the table versions recorded when the run
started, the outputs of the tasks it depends on, the runs of record fixed at the start
(:mod:`riskcap.pipeline.history`) — and writes its outputs **atomically**, so that
running it again (a retry, a resume after ``kill -9``) replaces them:

==============  ==============================================  ========================
task            writes                                          replaced on a rerun by
==============  ==============================================  ========================
checklist       nothing (checks the ready events)               —
snapshot        ``positions`` partition as_of; catalog          replace-where on as_of;
                ``snapshots`` row                               the run's row first
quality_gate    catalog ``quality_results``                     the run's rows first
market_prep     checkpoint ``market_prep.npz``                  atomic rename
scenarios       checkpoint ``scenarios.npz``                    atomic rename
revalue         ``pnl_vectors`` (one commit)                    replace-where on run_id
measures        lake and catalog ``results``                    by run_id
backtest        lake ``backtest`` and ``pnl_attribution``;      by run_id
                catalog copies, ``backtest_exceptions``
stressed_var    lake and catalog ``results`` (``stressed_hs``);  by run_id and method
                catalog ``stressed_periods``
capital         catalog ``capital_results``                     by run_id
frtb            lake and catalog ``results`` (``frtb_ima``);    by run_id and method
                catalog FRTB tables
frtb_sa         lake and catalog ``results`` (``frtb_sa``)      by run_id and method
stress          catalog ``stress_results``                      by run_id
basel3          lake and catalog ``results`` (``basel3``);      by run_id and method
                catalog ``alerts`` of ratios under requirement
publish         catalog ``lineage``; run → succeeded            one transaction
==============  ==============================================  ========================

:data:`TASK_GRAPH` declares what each task reads — the data dependencies, not a
chain — so tasks that do not depend on each other (``backtest`` and ``stressed_var``
once the market is prepared) could run side by side; the runner runs them in one
deterministic topological order (:func:`task_order`).
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable

from riskcap.pipeline.tasks import (
    backtest,
    basel3,
    capital,
    checklist,
    frtb,
    frtb_sa,
    market_prep,
    measures,
    quality_gate,
    revalue,
    scenarios,
    snapshot,
    stress,
    stressed_var,
)
from riskcap.pipeline.tasks.context import RunContext, TaskOutput

# task → the tasks whose outputs (or gate) it needs. market_prep needs the quality
# gate as a circuit breaker: no risk is computed on data that failed a blocking check;
# backtest needs it for the same reason (it revalues the day's book itself).
TASK_GRAPH: dict[str, set[str]] = {
    "checklist": set(),
    "snapshot": {"checklist"},
    "quality_gate": {"snapshot"},
    "market_prep": {"quality_gate"},
    "scenarios": {"market_prep"},
    "revalue": {"market_prep", "scenarios"},
    "measures": {"revalue"},
    "backtest": {"snapshot", "quality_gate"},  # the previous date; the day's P&L
    "stressed_var": {"market_prep"},
    "capital": {"measures", "stressed_var", "backtest"},  # today's VaR, sVaR, multiplier
    "frtb": {"market_prep", "backtest"},  # today's desk backtests and PLA
    "frtb_sa": {"market_prep", "frtb"},  # the desks on the IMA and their C_A
    "stress": {"market_prep", "measures"},  # the firm's VaR for reverse stress
    "basel3": {"market_prep", "frtb_sa"},  # the day's book and the market-risk capital
    "publish": {
        "measures",
        "backtest",
        "stressed_var",
        "capital",
        "frtb",
        "frtb_sa",
        "stress",
        "basel3",
    },
}
TASKS: dict[str, Callable[[RunContext], TaskOutput]] = {
    "checklist": checklist.checklist,
    "snapshot": snapshot.snapshot,
    "quality_gate": quality_gate.quality_gate,
    "market_prep": market_prep.market_prep,
    "scenarios": scenarios.scenarios,
    "revalue": revalue.revalue_task,
    "measures": measures.measures,
    "backtest": backtest.backtest,
    "stressed_var": stressed_var.stressed_var_task,
    "capital": capital.capital,
    "frtb": frtb.frtb,
    "frtb_sa": frtb_sa.frtb_sa,
    "stress": stress.stress,
    "basel3": basel3.basel3,
}


def task_order() -> tuple[str, ...]:
    """A topological order of :data:`TASK_GRAPH`; among tasks ready together, the one
    listed first in it goes first (the same order on every run and every machine)."""
    rank = {name: i for i, name in enumerate(TASK_GRAPH)}
    sorter = graphlib.TopologicalSorter(TASK_GRAPH)
    sorter.prepare()
    ready: list[str] = []
    order: list[str] = []
    while sorter.is_active():
        ready = sorted([*ready, *sorter.get_ready()], key=rank.__getitem__)
        order.append(ready.pop(0))
        sorter.done(order[-1])
    return tuple(order)
