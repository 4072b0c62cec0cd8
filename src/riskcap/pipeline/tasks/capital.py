"""``capital``: Basel 2.5 capital per node (¶718(Lxxvi)(k)–(l)) from the last 60 days of
VaR and stressed VaR and the firm's backtest multiplier (catalog ``capital_results``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskcap.capital.basel25 import OUT_OF_SCOPE, basel25_capital
from riskcap.pipeline.fingerprint import json_digest
from riskcap.pipeline.history import prior_rows, recent_runs
from riskcap.pipeline.tasks.backtest import firm_traffic_light
from riskcap.pipeline.tasks.context import (
    RunContext,
    TaskOutput,
)
from riskcap.pipeline.tasks.stressed_var import STRESSED_METHOD
from riskcap.store.catalog import (
    CapitalResult,
)


def _series(frame: pd.DataFrame, node: str) -> np.ndarray:
    """A node's daily figures, oldest first (one per as_of)."""
    rows = frame.loc[frame["node"] == node].sort_values("as_of")
    return rows["value"].to_numpy(np.float64)


def capital(ctx: RunContext) -> TaskOutput:
    """Basel 2.5 capital per node (¶718(Lxxvi)(k)–(l)) with the firm's multiplier."""
    s = ctx.settings
    c = s.capital
    recent = recent_runs(ctx.prior_runs, c.average_days - 1)
    runs = {**recent, ctx.as_of: ctx.run_id}
    figures = prior_rows(
        ctx.lake,
        ctx.catalog,
        "results",
        runs,
        [
            ("measure", "=", "var"),
            ("horizon", "=", c.horizon),
            ("confidence", "=", c.confidence),
            ("method", "in", [c.var_method, STRESSED_METHOD]),
        ],
    )
    var = figures.loc[figures["method"] == c.var_method]
    svar = figures.loc[figures["method"] == STRESSED_METHOD]
    firm = (
        next(n for n in var["node"].unique() if str(n).startswith("firm:"))
        if not var.empty
        else None
    )
    light = None
    if firm is not None:  # the multiplier comes from the firm's backtest
        tested = {**recent_runs(ctx.prior_runs, s.backtest.window - 1), ctx.as_of: ctx.run_id}
        observations = prior_rows(
            ctx.lake,
            ctx.catalog,
            "backtest",
            tested,
            [("node", "=", firm), ("method", "=", c.var_method), ("confidence", "=", c.confidence)],
        )
        light = firm_traffic_light(
            observations, firm, c.backtest_pnl, s.backtest.window, c.confidence
        )
    plus = light.plus_factor if light is not None else 0.0
    own = var.loc[var["as_of"] == ctx.as_of, "node"].tolist()
    rows = []
    for node in sorted(own):
        v, sv = _series(var, node), _series(svar, node)
        if sv.size == 0:
            continue
        result = basel25_capital(v, sv, plus, average_days=c.average_days, floor=c.multiplier_floor)
        rows.append(
            {
                "as_of": ctx.as_of,
                "node": node,
                "regime": "basel25",
                "capital": result.total,
                "var_latest": result.var.latest,
                "var_average": result.var.average,
                "var_days": result.var.days,
                "var_term": result.var.value,
                "svar_latest": result.svar.latest,
                "svar_average": result.svar.average,
                "svar_days": result.svar.days,
                "svar_term": result.svar.value,
                "multiplier": result.var.multiplier,
                "plus_factor": plus,
                "zone": light.zone.value if light is not None else "n/a",
                "exceptions": light.exceptions if light is not None else 0,
                "observations": light.observations if light is not None else 0,
                "detail": {
                    "var_binding": result.var.binding,
                    "svar_binding": result.svar.binding,
                    "var_method": c.var_method,
                    "horizon": c.horizon,
                    "confidence": c.confidence,
                    "backtest_pnl": c.backtest_pnl.value,
                    "multiplier_from": firm,
                    "out_of_scope": list(OUT_OF_SCOPE),
                },
            }
        )
    ctx.catalog.replace_run_rows(CapitalResult, ctx.run_id, rows)
    return TaskOutput(
        json_digest([{k: v for k, v in r.items()} for r in rows]),
        {
            "nodes": len(rows),
            "plus_factor": plus,
            "zone": rows[0]["zone"] if rows else "n/a",
            "average_days": int(rows[0]["var_days"]) if rows else 0,
        },
    )
