"""``market_prep``: risk inputs over the whole history and the daily covariance, as a
checksummed checkpoint the later tasks read."""

from __future__ import annotations

from riskcap.engine.var import (
    daily_covariance,
)
from riskcap.errors import RiskcapError
from riskcap.inputs.risk_inputs import load_risk_inputs
from riskcap.pipeline.checkpoint import (
    risk_inputs_to_arrays,
    write_checkpoint,
)
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
)


def market_prep(ctx: RunContext) -> TaskOutput:
    spec = ctx.spec()
    # the whole history: look-backs take their tail; the stressed-period search and
    # the historical stress windows need all of it
    inputs = load_risk_inputs(
        ctx.lake,
        ctx.as_of,
        None,
        versions=ctx.versions(),
        reporting=ctx.settings.eod.reporting_currency,
    )
    if len(inputs.dates) < spec.history_days:
        raise RiskcapError(
            f"EOD {ctx.as_of}: a {spec.lookback}-day look-back needs {spec.history_days} dates "
            f"of market data for the book's factors; the lake has {len(inputs.dates)}"
        )
    arrays, meta = risk_inputs_to_arrays(inputs)
    arrays["covariance"] = daily_covariance(inputs, spec)
    sha = write_checkpoint(ctx.checkpoint("market_prep"), arrays, meta)
    return TaskOutput(
        sha,
        {
            "factors": len(inputs.factors.ids),
            "positions": inputs.book.size,
            "history": [inputs.dates[0].isoformat(), inputs.dates[-1].isoformat()],
            "nodes": len(inputs.hierarchy.nodes),
            "versions": inputs.versions,
            # levels carried forward from the last close: holidays of their markets
            "carried_forward": list(inputs.carried),
            # instruments held that cannot be priced, left out of every figure (reason)
            **({"unpriced": dict(inputs.unpriced)} if inputs.unpriced else {}),
        },
    )
