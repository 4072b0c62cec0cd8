"""``stress``: every configured stress scenario (historical windows, hypothetical
shocks) and the reverse stress tests, losses per node (catalog ``stress_results``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import numpy as np

from riskcap.config import Settings
from riskcap.engine.stress import (
    Scenario,
    named_scenarios,
    reverse_scenario,
    scenario_pnl,
    window_outside_history,
)
from riskcap.errors import RiskcapError
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.pipeline.fingerprint import json_digest
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
)
from riskcap.store.catalog import (
    StressResult,
)

log = logging.getLogger(__name__)


def stress_scenarios(
    inputs: RiskInputs,
    daily_cov: np.ndarray,
    settings: Settings,
    firm_var: float | None,
    *,
    only: Iterable[str] | None = None,
    extra_losses: Iterable[float] = (),
    node: str | None = None,
) -> list[Scenario]:
    """Historical, hypothetical and reverse scenarios of a run.

    ``only`` keeps the scenarios so named (``reverse`` keeps every reverse test);
    reverse targets are ``stress.reverse_var_multiples`` × ``firm_var`` (skipped when
    ``firm_var`` is None), ``stress.reverse_losses`` and ``extra_losses``, solved for
    ``node`` (default: the firm) under the daily covariance × ``stress.reverse_horizon``.
    """
    st = settings.stress
    targets: list[tuple[str, float]] = []
    if firm_var is not None:
        targets += [(f"reverse_{m:g}x_var", m * firm_var) for m in st.reverse_var_multiples]
    targets += [(f"reverse_loss_{loss:.0f}", loss) for loss in (*st.reverse_losses, *extra_losses)]
    configured = [x.name for x in st.historical] + [x.name for x in st.hypothetical]
    wanted = set(only or ())
    unknown = wanted - set(configured) - {n for n, _ in targets} - {"reverse"}
    if unknown:
        raise RiskcapError(
            f"no stress scenario named {', '.join(sorted(unknown))}; available: "
            f"{', '.join([*configured, *(n for n, _ in targets)])}"
        )
    named = [n for n in configured if not wanted or n in wanted]
    # asked by name: a window outside the history is an error; else it is skipped
    out = named_scenarios(inputs, st, named if wanted else None) if named else []
    head = node or inputs.hierarchy.nodes[0]
    cov = daily_cov * st.reverse_horizon
    for name, target in targets:
        if wanted and name not in wanted and "reverse" not in wanted:
            continue
        scenario, _ = reverse_scenario(inputs, cov, target, head, name)
        out.append(scenario)
    return out


def stress_rows(
    as_of: dt.date, inputs: RiskInputs, scenarios: list[Scenario], pnl: np.ndarray
) -> list[dict[str, Any]]:
    return [
        {
            "as_of": as_of,
            "scenario": s.name,
            "kind": s.kind,
            "node": node,
            "pnl": float(pnl[i, j]),
            "description": s.description,
            "detail": s.detail,
        }
        for j, s in enumerate(scenarios)
        for i, node in enumerate(inputs.hierarchy.nodes)
    ]


def stress(ctx: RunContext) -> TaskOutput:
    """Every configured stress scenario and the reverse stress tests, losses per node."""
    inputs, cov = ctx.market()
    st = ctx.settings.stress
    firm_var = None
    if st.reverse_var_multiples:
        own = ctx.lake.read(
            "results",
            version=int(ctx.outputs["measures"].detail["results_version"]),
            filters=[
                *ctx.run_filter(),
                ("node", "=", inputs.hierarchy.nodes[0]),
                ("method", "=", "hs"),
                ("measure", "=", "var"),
                ("horizon", "=", st.reverse_horizon),
                ("confidence", "=", ctx.settings.capital.confidence),
            ],
        )
        firm_var = float(own.column("value")[0].as_py()) if own.num_rows else None
    scenarios = stress_scenarios(inputs, cov, ctx.settings, firm_var)
    pnl = scenario_pnl(inputs, scenarios, ctx.settings.engine.memory_gb)
    rows = stress_rows(ctx.as_of, inputs, scenarios, pnl)
    ctx.catalog.replace_run_rows(StressResult, ctx.run_id, rows)
    detail: dict[str, Any] = {"scenarios": len(scenarios), "rows": len(rows)}
    skipped = [r for w in st.historical if (r := window_outside_history(inputs, w))]
    if skipped:  # recorded with the run: a window the lake's history does not cover
        detail["skipped_windows"] = skipped
        for reason in skipped:
            log.warning("EOD %s: stress window skipped: %s", ctx.as_of, reason)
    if scenarios:
        detail["worst"] = scenarios[int(np.argmin(pnl[0]))].name
    return TaskOutput(json_digest(rows), detail)
