"""``scenarios``: the shocks of every scenario set (HS, MC and FHS per horizon), as a
checksummed checkpoint. An FHS set records its model and the factors whose fit did not
converge and fell back to EWMA (a warning in the log and the task's detail)."""

from __future__ import annotations

import logging

import numpy as np

from riskcap.engine.var import (
    VarMethod,
    filtered_shocks,
    monte_carlo_shocks,
    scenario_shocks,
)
from riskcap.pipeline.checkpoint import (
    write_checkpoint,
)
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
    scenario_sets,
)

log = logging.getLogger(__name__)


def scenarios(ctx: RunContext) -> TaskOutput:
    inputs, cov = ctx.market()
    arrays: dict[str, np.ndarray] = {}
    fhs: dict[str, dict[str, object]] = {}
    for s in scenario_sets(ctx.settings):
        spec = ctx.spec(s)
        if s.method is VarMethod.MC:
            arrays[s.name] = monte_carlo_shocks(spec, cov)
        elif s.method is VarMethod.FHS:
            filtered = filtered_shocks(inputs, spec)
            arrays[s.name] = filtered.shocks
            fallback = [inputs.factors.ids[i] for i in filtered.fallback]
            fhs[s.name] = {
                "model": str(spec.fhs_model),
                "innovation": str(spec.fhs_innovation),
                "fit_days": filtered.fit_days,
                "fallback_to_ewma": fallback,
            }
            if fallback:
                log.warning(
                    "EOD %s %s: the %s fit did not converge for %d factor(s), EWMA used: %s",
                    ctx.as_of,
                    s.name,
                    spec.fhs_model,
                    len(fallback),
                    ", ".join(fallback),
                )
        else:
            arrays[s.name] = scenario_shocks(inputs, spec)
    sizes = {name: int(a.shape[0]) for name, a in arrays.items()}
    sha = write_checkpoint(ctx.checkpoint("scenarios"), arrays, {"scenarios": sizes})
    detail: dict[str, object] = {"scenarios": sizes, "seed": ctx.settings.risk.seed}
    return TaskOutput(sha, detail | ({"fhs": fhs} if fhs else {}))
