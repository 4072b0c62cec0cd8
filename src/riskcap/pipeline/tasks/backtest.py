"""``backtest``: day T's hypothetical and actual P&L against the 1-day VaR of the run of
record of the previous business day, every observation in the lake ``backtest`` and the
catalog's copy, exceptions in ``backtest_exceptions``, the risk-theoretical P&L in
``pnl_attribution``. The traffic light of a node's observations is here too (capital
and FRTB read it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa

from riskcap.config import BacktestPnl
from riskcap.data.schemas import BACKTEST, PNL_ATTRIBUTION
from riskcap.engine.pnl import backtest_pnl
from riskcap.pipeline.fingerprint import json_digest, table_digest
from riskcap.pipeline.history import prior_rows
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
    replace_run_rows,
    scenario_sets,
)
from riskcap.risk.backtest import TrafficLight, traffic_light
from riskcap.store.catalog import (
    BacktestException,
    BacktestObservation,
    PnlAttributionRecord,
)

PNL_TYPES = ("hypothetical", "actual")


def _without_run_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "run_id"}


def backtest(ctx: RunContext) -> TaskOutput:
    """Day ``T``'s hypothetical and actual P&L against the previous run's 1-day VaR."""
    previous = dt.date.fromisoformat(str(ctx.outputs["snapshot"].detail["previous_as_of"]))
    var_run = ctx.prior_runs.get(previous)
    one_day = sorted({s.method.value for s in scenario_sets(ctx.settings) if s.horizon == 1})
    rows: list[dict[str, Any]] = []
    attribution: list[dict[str, Any]] = []
    reason = ""
    if var_run is None:
        reason = f"no succeeded run of {previous} to take the VaR from"
    else:
        prior = prior_rows(
            ctx.lake,
            ctx.catalog,
            "results",
            {previous: var_run},
            [("measure", "=", "var"), ("horizon", "=", 1), ("method", "in", one_day)],
        )
        if prior.empty:
            reason = f"the run of {previous} published no 1-day VaR"
        else:
            pnl = backtest_pnl(
                ctx.lake,
                ctx.as_of,
                previous,
                ctx.versions(),
                ctx.settings.eod.reporting_currency,
            )
            attribution = [
                {
                    "as_of": ctx.as_of,
                    "run_id": ctx.run_id,
                    "node": node,
                    "hypothetical": float(pnl.hypothetical[i]),
                    "risk_theoretical": float(pnl.risk_theoretical[i]),
                    "previous_as_of": previous,
                }
                for i, node in enumerate(pnl.nodes)
            ]
            where = {n: i for i, n in enumerate(pnl.nodes)}
            for r in prior.sort_values(["node", "method", "confidence"]).itertuples():
                if r.node not in where:
                    continue
                i = where[r.node]
                for pnl_type, series in (
                    ("hypothetical", pnl.hypothetical),
                    ("actual", pnl.actual),
                ):
                    value = float(series[i])
                    rows.append(
                        {
                            "as_of": ctx.as_of,
                            "run_id": ctx.run_id,
                            "node": r.node,
                            "method": r.method,
                            "confidence": float(r.confidence),
                            "pnl_type": pnl_type,
                            "pnl": value,
                            "var": float(r.value),
                            "var_as_of": previous,
                            "var_run_id": var_run,
                            "exception": value < -float(r.value),
                        }
                    )
    table = pa.Table.from_pylist(rows, schema=BACKTEST.schema)
    version = replace_run_rows(ctx, "backtest", table, "backtest")
    exceptions = [
        {
            "node": r["node"],
            "date": r["as_of"],
            "pnl_type": r["pnl_type"],
            "pnl": r["pnl"],
            "var": r["var"],
            "confidence": r["confidence"],
            "method": r["method"],
            "var_as_of": r["var_as_of"],
        }
        for r in rows
        if r["exception"]
    ]
    pla_version = replace_run_rows(
        ctx,
        "pnl_attribution",
        pa.Table.from_pylist(attribution, schema=PNL_ATTRIBUTION.schema),
        "backtest",
    )
    ctx.catalog.replace_run_rows(BacktestException, ctx.run_id, exceptions)
    ctx.catalog.replace_run_rows(
        BacktestObservation, ctx.run_id, [_without_run_id(r) for r in rows]
    )
    ctx.catalog.replace_run_rows(
        PnlAttributionRecord, ctx.run_id, [_without_run_id(r) for r in attribution]
    )
    written = ctx.lake.read("backtest", version=version, filters=ctx.run_filter())
    pla_written = ctx.lake.read("pnl_attribution", version=pla_version, filters=ctx.run_filter())
    return TaskOutput(
        json_digest(
            [
                table_digest(written, exclude=("run_id",)),
                table_digest(pla_written, exclude=("run_id",)),
            ]
        ),
        {
            "backtest_version": version,
            "pnl_attribution_version": pla_version,
            "rows": written.num_rows,
            "exceptions": len(exceptions),
            "previous_as_of": previous.isoformat(),
            **({"skipped": reason} if reason else {}),
        },
    )


def firm_traffic_light(
    observations: pd.DataFrame, node: str, pnl: BacktestPnl, window: int, confidence: float
) -> TrafficLight | None:
    """Traffic light of ``node`` over its last ``window`` observations (None: none yet)."""
    rows = observations.loc[observations["node"] == node]
    if rows.empty:
        return None
    lights = {}
    for pnl_type in PNL_TYPES:
        hits = rows.loc[rows["pnl_type"] == pnl_type].sort_values("as_of")["exception"]
        hits = hits.to_numpy(bool)[-window:]
        if hits.size:
            lights[pnl_type] = traffic_light(int(hits.sum()), int(hits.size), confidence)
    if not lights:
        return None
    if pnl is BacktestPnl.MAX:
        return max(lights.values(), key=lambda t: (t.exceptions, t.plus_factor))
    return lights.get(pnl.value)
