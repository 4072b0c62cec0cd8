"""``quality_gate``: every data-quality check on the snapshot, all results stored, a
blocking failure stops the run (no risk is computed on data that failed)."""

from __future__ import annotations

from riskcap.data.quality import run_quality_gate
from riskcap.pipeline.fingerprint import json_digest
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
)


def quality_gate(ctx: RunContext) -> TaskOutput:
    results = run_quality_gate(
        ctx.lake,
        ctx.catalog,
        ctx.as_of,
        ctx.settings.quality,
        snapshot_id=int(ctx.outputs["snapshot"].detail["snapshot_id"]),
        versions=ctx.versions(),
        run_id=ctx.run_id,
        reporting=ctx.settings.eod.reporting_currency,
    )
    content = [[r.name, r.severity.value, r.passed, r.failing_count, r.message] for r in results]
    return TaskOutput(
        json_digest(content),
        {"checks": len(results), "warnings": [r.name for r in results if not r.passed]},
    )
