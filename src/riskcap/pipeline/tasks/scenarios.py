"""``scenarios``: the shocks of every scenario set (HS per horizon, MC per horizon),
as a checksummed checkpoint."""

from __future__ import annotations

import numpy as np

from riskcap.engine.var import (
    VarMethod,
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


def scenarios(ctx: RunContext) -> TaskOutput:
    inputs, cov = ctx.market()
    arrays: dict[str, np.ndarray] = {}
    for s in scenario_sets(ctx.settings):
        spec = ctx.spec(s)
        if s.method is VarMethod.MC:
            arrays[s.name] = monte_carlo_shocks(spec, cov)
        else:
            arrays[s.name] = scenario_shocks(inputs, spec)
    sizes = {name: int(a.shape[0]) for name, a in arrays.items()}
    sha = write_checkpoint(ctx.checkpoint("scenarios"), arrays, {"scenarios": sizes})
    return TaskOutput(sha, {"scenarios": sizes, "seed": ctx.settings.risk.seed})
