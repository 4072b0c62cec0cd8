"""``measures``: VaR and ES per node, scenario set and confidence, in the lake and the
catalog ``results`` (replaced by run id)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from riskcap.data.lake import sql_literal
from riskcap.data.schemas import RESULTS
from riskcap.pipeline.fingerprint import table_digest
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
    replace_run_rows,
    scenario_sets,
)
from riskcap.risk.measures import var_es


def measures(ctx: RunContext) -> TaskOutput:
    version = int(ctx.outputs["revalue"].detail["pnl_vectors_version"])
    vectors = ctx.lake.read("pnl_vectors", version=version, filters=ctx.run_filter())
    by_set: dict[str, dict[str, np.ndarray]] = {}
    for name, node, pnl in zip(
        vectors.column("scenario_set").to_pylist(),
        vectors.column("node").to_pylist(),
        vectors.column("pnl").to_pylist(),
        strict=True,
    ):
        by_set.setdefault(name, {})[node] = np.asarray(pnl, np.float64)
    rows: list[dict[str, Any]] = []
    for s in scenario_sets(ctx.settings):
        nodes = sorted(by_set[s.name])
        matrix = np.stack([by_set[s.name][n] for n in nodes])
        for conf in sorted(set(ctx.settings.pipeline.confidences), reverse=True):
            var, es = (np.asarray(a) for a in var_es(matrix, conf))
            for node, v, e in zip(nodes, var, es, strict=True):
                for measure, value in (("var", v), ("es", e)):
                    rows.append(
                        {
                            "as_of": ctx.as_of,
                            "node": node,
                            "method": s.method.value,
                            "measure": measure,
                            "horizon": s.horizon,
                            "confidence": conf,
                            "value": float(value),
                            "scenarios": int(matrix.shape[1]),
                        }
                    )
    table = pa.Table.from_pylist([{**r, "run_id": ctx.run_id} for r in rows], schema=RESULTS.schema)
    methods = sorted({s.method.value for s in scenario_sets(ctx.settings)})
    where = "method IN (" + ", ".join(sql_literal(m) for m in methods) + ")"
    version = replace_run_rows(ctx, "results", table, "measures", where)
    ctx.catalog.replace_results(ctx.run_id, rows, methods=methods)
    written = ctx.lake.read(
        "results", version=version, filters=[*ctx.run_filter(), ("method", "in", methods)]
    )
    return TaskOutput(
        table_digest(written, exclude=("run_id",)),
        {"results_version": version, "rows": written.num_rows},
    )
