"""``stressed_var``: the stressed window searched over the whole history and sVaR / sES
per node (lake and catalog ``results``, method ``stressed_hs``; catalog
``stressed_periods``)."""

from __future__ import annotations

import pyarrow as pa

from riskcap.data.lake import sql_literal
from riskcap.data.schemas import RESULTS
from riskcap.engine.stress import (
    stressed_var,
)
from riskcap.pipeline.fingerprint import json_digest, table_digest
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
    replace_run_rows,
)
from riskcap.store.catalog import (
    StressedPeriod,
)

STRESSED_METHOD = "stressed_hs"


def stressed_var_task(ctx: RunContext) -> TaskOutput:
    """Search the stressed window over the whole history and publish sVaR / sES per node."""
    inputs, _ = ctx.market()
    c = ctx.settings.capital
    found = stressed_var(
        inputs, c, ctx.settings.pipeline.confidences, ctx.settings.engine.memory_gb
    )
    rows = [
        {
            "as_of": ctx.as_of,
            "node": node,
            "method": STRESSED_METHOD,
            "measure": measure,
            "horizon": found.horizon,
            "confidence": conf,
            "value": float(values[i]),
            "scenarios": found.scenarios,
        }
        for conf, (var, es) in found.figures.items()
        for i, node in enumerate(found.nodes)
        for measure, values in (("var", var), ("es", es))
    ]
    table = pa.Table.from_pylist([{**r, "run_id": ctx.run_id} for r in rows], schema=RESULTS.schema)
    version = replace_run_rows(
        ctx, "results", table, "stressed_var", f"method = {sql_literal(STRESSED_METHOD)}"
    )
    ctx.catalog.replace_results(ctx.run_id, rows, methods=[STRESSED_METHOD])
    period = {
        "as_of": ctx.as_of,
        "node": found.nodes[0],
        "start": found.start,
        "end": found.end,
        "window": found.window,
        "horizon": found.horizon,
        "confidence": found.confidence,
        "var": found.search_var,
        "windows_searched": found.windows_searched,
        "method": (
            f"max {found.horizon}-day {found.confidence:.0%} VaR of today's {found.nodes[0]} "
            f"over every {found.window}-return window of overlapping {found.horizon}-day moves"
        ),
    }
    ctx.catalog.replace_run_rows(StressedPeriod, ctx.run_id, [period])
    written = ctx.lake.read(
        "results", version=version, filters=[*ctx.run_filter(), ("method", "=", STRESSED_METHOD)]
    )
    return TaskOutput(
        json_digest([table_digest(written, exclude=("run_id",)), period]),
        {
            "results_version": version,
            "rows": written.num_rows,
            "start": found.start.isoformat(),
            "end": found.end.isoformat(),
            "var": found.search_var,
            "windows_searched": found.windows_searched,
        },
    )
