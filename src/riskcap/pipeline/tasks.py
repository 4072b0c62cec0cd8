"""The tasks of the EOD pipeline (DESIGN.md §5), each a function of a :class:`RunContext`.

Every task reads only pinned inputs — the table versions recorded when the run
started, the outputs of the tasks before it — and writes its outputs **atomically**
so that running it again (a retry, a resume after ``kill -9``) replaces them rather
than adding to them:

==============  =========================================  ============================
task            writes                                     replaced on a second run by
==============  =========================================  ============================
checklist       nothing (checks the ready events)          —
snapshot        ``positions`` partition as_of; catalog     replace-where on as_of; the
                ``snapshots`` row                          run's row deleted first
quality_gate    catalog ``quality_results``                the run's rows deleted first
market_prep     checkpoint ``market_prep.npz``             atomic rename
scenarios       checkpoint ``scenarios.npz``               atomic rename
revalue         ``pnl_vectors`` (one commit)               replace-where on run_id
measures        ``results`` (lake, one commit; catalog,    replace-where / delete by
                one transaction)                           run_id
publish         catalog ``lineage``; run → succeeded       one transaction (upsert)
==============  =========================================  ============================

Each returns a :class:`TaskOutput`: the SHA-256 of its output content (stored with
the task; equal across an interrupted-and-resumed run and an uninterrupted one)
and a small detail record (versions written, row counts).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from riskcap.config import Settings
from riskcap.data.lake import Lake, WriteMode, sql_literal
from riskcap.data.quality import run_quality_gate
from riskcap.data.schemas import PNL_VECTORS, RESULTS
from riskcap.data.snapshot import build_snapshot, missing_sources
from riskcap.engine.local import revalue
from riskcap.engine.var import (
    VarMethod,
    VarSpec,
    daily_covariance,
    monte_carlo_shocks,
    scenario_shocks,
)
from riskcap.errors import RiskcapError, SnapshotNotReady
from riskcap.inputs.risk_inputs import RiskInputs, load_risk_inputs
from riskcap.pipeline.checkpoint import (
    read_checkpoint,
    risk_inputs_from_arrays,
    risk_inputs_to_arrays,
    write_checkpoint,
)
from riskcap.pipeline.fingerprint import json_digest, table_digest
from riskcap.risk.measures import var_es
from riskcap.store.catalog import Catalog


@dataclass(frozen=True)
class TaskOutput:
    checksum: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class ScenarioSet:
    """One set of scenarios a run revalues on: ``hs_1d``, ``hs_10d``, ``mc_1d`` …"""

    method: VarMethod
    horizon: int

    @property
    def name(self) -> str:
        return f"{self.method.value}_{self.horizon}d"


def scenario_sets(settings: Settings) -> list[ScenarioSet]:
    p = settings.pipeline
    return [ScenarioSet(VarMethod.HS, h) for h in sorted(set(p.hs_horizons))] + [
        ScenarioSet(VarMethod.MC, h) for h in sorted(set(p.mc_horizons))
    ]


@dataclass
class RunContext:
    """What a task sees: the run, its pinned inputs and the outputs of done tasks."""

    run_id: str
    as_of: dt.date
    settings: Settings
    lake: Lake
    catalog: Catalog
    pinned: dict[str, int]
    outputs: dict[str, TaskOutput] = field(default_factory=dict)
    prior_runs: dict[dt.date, str] = field(default_factory=dict)  # runs of record before as_of
    sleep: Callable[[float], None] = time.sleep

    @property
    def work_dir(self) -> Path:
        return self.settings.work_path / self.run_id

    def checkpoint(self, task: str) -> Path:
        return self.work_dir / f"{task}.npz"

    def versions(self) -> dict[str, int]:
        """Pinned input versions, with ``positions`` at the version the snapshot wrote."""
        out = dict(self.pinned)
        if "snapshot" in self.outputs:
            out["positions"] = int(self.outputs["snapshot"].detail["positions_version"])
        return out

    def spec(self, s: ScenarioSet | None = None) -> VarSpec:
        if s is None:
            return VarSpec.from_config(self.settings.risk, self.settings.engine)
        return VarSpec.from_config(
            self.settings.risk, self.settings.engine, method=s.method, horizon=s.horizon
        )

    def market(self) -> tuple[RiskInputs, np.ndarray]:
        """The market-prep checkpoint: risk inputs and the daily covariance."""
        arrays, meta = read_checkpoint(
            self.checkpoint("market_prep"), self.outputs["market_prep"].checksum
        )
        cov = arrays.pop("covariance")
        versions = self.outputs["market_prep"].detail.get("versions", {})
        return risk_inputs_from_arrays(arrays, meta, versions), cov

    def scenarios(self) -> dict[str, np.ndarray]:
        arrays, _ = read_checkpoint(
            self.checkpoint("scenarios"), self.outputs["scenarios"].checksum
        )
        return arrays

    def run_filter(self) -> list[tuple[str, str, Any]]:
        return [("as_of", "=", self.as_of), ("run_id", "=", self.run_id)]

    def run_predicate(self) -> str:
        return f"as_of = {sql_literal(self.as_of)} AND run_id = {sql_literal(self.run_id)}"


def wait_for_sources(
    catalog: Catalog,
    sources: list[str],
    as_of: dt.date,
    timeout_s: float,
    poll_s: float,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[list[str]], None] | None = None,
) -> list[str]:
    """Wait up to ``timeout_s`` for every source to be marked ready for ``as_of``.

    Raises
    ------
    SnapshotNotReady
        Still missing at the deadline; the message names the missing sources.
    """
    deadline = time.monotonic() + timeout_s
    told = False
    while True:
        missing = missing_sources(catalog, sources, as_of)
        if not missing:
            return list(sources)
        left = deadline - time.monotonic()
        if left <= 0:
            waited = f" after waiting {timeout_s:g} s" if timeout_s else ""
            raise SnapshotNotReady(
                f"EOD {as_of}: checklist failed{waited}: source(s) not ready: "
                f"{', '.join(missing)} (mark each with `riskcap ready SOURCE --as-of {as_of}`)",
                missing=missing,
            )
        if not told and on_wait is not None:
            on_wait(missing)
            told = True
        sleep(min(poll_s, left))


# -- the tasks ----------------------------------------------------------------------------
def checklist(ctx: RunContext) -> TaskOutput:
    sources = wait_for_sources(ctx.catalog, ctx.settings.eod.sources, ctx.as_of, 0.0, 1.0)
    return TaskOutput(json_digest(sorted(sources)), {"sources": sources})


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


def quality_gate(ctx: RunContext) -> TaskOutput:
    results = run_quality_gate(
        ctx.lake,
        ctx.catalog,
        ctx.as_of,
        ctx.settings.quality,
        snapshot_id=int(ctx.outputs["snapshot"].detail["snapshot_id"]),
        versions=ctx.versions(),
        run_id=ctx.run_id,
    )
    content = [[r.name, r.severity.value, r.passed, r.failing_count, r.message] for r in results]
    return TaskOutput(
        json_digest(content),
        {"checks": len(results), "warnings": [r.name for r in results if not r.passed]},
    )


def market_prep(ctx: RunContext) -> TaskOutput:
    spec = ctx.spec()
    # the whole history: look-backs take their tail; the stressed-period search and
    # the historical stress windows need all of it
    inputs = load_risk_inputs(ctx.lake, ctx.as_of, None, versions=ctx.versions())
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
        },
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


def revalue_scenario_set(inputs: RiskInputs, shocks: np.ndarray, memory_gb: float) -> np.ndarray:
    """P&L ``(nodes, scenarios)`` of one scenario set (full revaluation, local engine)."""
    return revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, memory_gb=memory_gb)


def revalue_all(ctx: RunContext, inputs: RiskInputs) -> dict[str, np.ndarray]:
    """P&L ``(nodes, scenarios)`` of every scenario set, on the configured engine."""
    shocks = ctx.scenarios()
    engine = ctx.settings.engine
    names = [s.name for s in scenario_sets(ctx.settings)]
    if engine.name == "spark":
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
    version = _replace_run_rows(ctx, "pnl_vectors", table, "revalue")
    written = ctx.lake.read("pnl_vectors", version=version, filters=ctx.run_filter())
    return TaskOutput(
        table_digest(written, exclude=("run_id",)),
        {"pnl_vectors_version": version, "rows": written.num_rows},
    )


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
    version = _replace_run_rows(ctx, "results", table, "measures", where)
    ctx.catalog.replace_results(ctx.run_id, rows, methods=methods)
    written = ctx.lake.read(
        "results", version=version, filters=[*ctx.run_filter(), ("method", "in", methods)]
    )
    return TaskOutput(
        table_digest(written, exclude=("run_id",)),
        {"results_version": version, "rows": written.num_rows},
    )


def _replace_run_rows(
    ctx: RunContext, table: str, data: pa.Table, task: str, where: str | None = None
) -> int:
    """Write the run's rows of ``table`` (those matching ``where`` too, if given) in one
    commit replacing any earlier attempt's."""
    predicate = ctx.run_predicate() + (f" AND {where}" if where else "")
    with ctx.lake.lock(table):
        return ctx.lake.write(
            table,
            data,
            mode=WriteMode.REPLACE_WHERE,
            predicate=predicate,
            metadata={
                "operation": task,
                "run_id": ctx.run_id,
                "as_of": ctx.as_of.isoformat(),
            },
        )


def remove_work_dir(ctx: RunContext) -> None:
    shutil.rmtree(ctx.work_dir, ignore_errors=True)
