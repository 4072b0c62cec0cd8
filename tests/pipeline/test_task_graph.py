"""The task graph declares what each task reads (issue 17, item 3): every output a
task's module reads from the run context comes from a task it depends on (directly or
through others), and the run order is a topological order of the graph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from riskcap.pipeline import tasks
from riskcap.pipeline.tasks import TASK_GRAPH, TASKS, task_order

TASK_DIR = Path(tasks.__file__).parent
# what a RunContext call reads: ctx.market() the market_prep checkpoint, ctx.scenarios()
# the scenarios checkpoint, ctx.versions() the positions version the snapshot wrote
READS = [
    (re.compile(r'ctx\.outputs\["(\w+)"\]'), None),
    (re.compile(r"ctx\.market\(\)"), "market_prep"),
    (re.compile(r"ctx\.scenarios\(\)"), "scenarios"),
    (re.compile(r"ctx\.versions\(\)"), "snapshot"),
]


def _upstream(task: str) -> set[str]:
    seen: set[str] = set()
    todo = list(TASK_GRAPH[task])
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(TASK_GRAPH[t])
    return seen


@pytest.mark.parametrize("task", sorted(TASKS))
def test_a_task_reads_only_what_it_depends_on(task: str) -> None:
    module = TASKS[task].__module__.rpartition(".")[2]
    text = (TASK_DIR / f"{module}.py").read_text(encoding="utf-8")
    read = set()
    for pattern, fixed in READS:
        for m in pattern.finditer(text):
            read.add(fixed or m.group(1))
    assert read <= _upstream(task), f"{task} reads {sorted(read - _upstream(task))} undeclared"


def test_the_order_is_topological_and_every_task_is_published() -> None:
    order = task_order()
    assert set(order) == set(TASK_GRAPH) == set(TASKS) | {"publish"}
    position = {t: i for i, t in enumerate(order)}
    assert all(position[d] < position[t] for t, deps in TASK_GRAPH.items() for d in deps)
    assert _upstream("publish") == set(TASKS)
    # independent tasks are not chained: the backtest does not wait for the VaR
    assert "measures" not in _upstream("backtest") and "backtest" not in _upstream("stress")
