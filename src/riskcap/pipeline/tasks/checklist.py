"""``checklist``: every configured source marked ready for the date (no wait: the
runner waited before the run started)."""

from __future__ import annotations

from riskcap.pipeline.fingerprint import json_digest
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
    wait_for_sources,
)


def checklist(ctx: RunContext) -> TaskOutput:
    sources = wait_for_sources(ctx.catalog, ctx.settings.eod.sources, ctx.as_of, 0.0, 1.0)
    return TaskOutput(json_digest(sorted(sources)), {"sources": sources})
