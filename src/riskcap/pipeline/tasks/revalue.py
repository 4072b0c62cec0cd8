"""``revalue``: full revaluation of the book under every scenario set (local blocks or
Spark), P&L vectors per node in ``pnl_vectors`` (one commit, replaced by run id)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from riskcap.choices import EngineName
from riskcap.data.schemas import PNL_VECTORS
from riskcap.engine.local import revalue
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.pipeline.fingerprint import table_digest
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
    replace_run_rows,
    scenario_sets,
)


def revalue_scenario_set(inputs: RiskInputs, shocks: np.ndarray, memory_gb: float) -> np.ndarray:
    """P&L ``(nodes, scenarios)`` of one scenario set (full revaluation, local engine)."""
    return revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, memory_gb=memory_gb)


def revalue_all(ctx: RunContext, inputs: RiskInputs) -> dict[str, np.ndarray]:
    """P&L ``(nodes, scenarios)`` of every scenario set, on the configured engine."""
    shocks = ctx.scenarios()
    engine = ctx.settings.engine
    names = [s.name for s in scenario_sets(ctx.settings)]
    if engine.name is EngineName.SPARK:
        from riskcap.engine.spark import payload_for, revalue_spark, spark_session

        payload = payload_for(
            ctx.lake, ctx.versions(), inputs, {n: shocks[n] for n in names}, engine.memory_gb
        )
        return revalue_spark(
            spark_session(engine.spark_master, ctx.settings.work_path / "jax-cache"),
            ctx.lake,
            ctx.versions(),
            payload,
            engine.spark_partitions,
        )
    return {n: revalue_scenario_set(inputs, shocks[n], engine.memory_gb) for n in names}


def revalue_task(ctx: RunContext) -> TaskOutput:
    inputs, _ = ctx.market()
    by_set = revalue_all(ctx, inputs)
    columns: dict[str, list[Any]] = {name: [] for name in PNL_VECTORS.columns}
    for s in scenario_sets(ctx.settings):
        pnl = by_set[s.name]
        for node, vector in zip(inputs.hierarchy.nodes, pnl, strict=True):
            columns["as_of"].append(ctx.as_of)
            columns["run_id"].append(ctx.run_id)
            columns["scenario_set"].append(s.name)
            columns["method"].append(s.method.value)
            columns["horizon"].append(s.horizon)
            columns["node"].append(node)
            columns["pnl"].append(vector)
    table = pa.table(
        {k: pa.array(v, type=PNL_VECTORS.schema.field(k).type) for k, v in columns.items()}
    )
    version = replace_run_rows(ctx, "pnl_vectors", table, "revalue")
    written = ctx.lake.read("pnl_vectors", version=version, filters=ctx.run_filter())
    return TaskOutput(
        table_digest(written, exclude=("run_id",)),
        {"pnl_vectors_version": version, "rows": written.num_rows},
    )
