"""``snapshot``: the positions partition of the date (previous snapshot ⟗ trades since),
one Delta commit replacing an earlier attempt's; the catalog's snapshot record."""

from __future__ import annotations

from riskcap.data.snapshot import build_snapshot
from riskcap.pipeline.fingerprint import table_digest
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
)


def snapshot(ctx: RunContext) -> TaskOutput:
    res = build_snapshot(
        ctx.lake,
        ctx.catalog,
        ctx.as_of,
        sources=ctx.settings.eod.sources,
        zero_tolerance=ctx.settings.eod.zero_quantity_tolerance,
        versions=ctx.pinned,
        run_id=ctx.run_id,
    )
    written = ctx.lake.read(
        "positions", version=res.positions_version, filters=[("as_of", "=", ctx.as_of)]
    )
    return TaskOutput(
        table_digest(written),
        {
            "positions_version": res.positions_version,
            "snapshot_id": res.snapshot_id,
            "previous_as_of": res.previous_as_of.isoformat(),
            "rows": res.rows,
            "closed": res.closed,
            "trades_applied": res.trades_applied,
        },
    )
