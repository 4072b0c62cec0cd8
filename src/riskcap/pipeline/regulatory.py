"""The regulatory tasks of the EOD pipeline: backtest, stressed VaR, capital, stress.

==============  ==============================================  ========================
task            writes                                          replaced on a rerun by
==============  ==============================================  ========================
backtest        lake ``backtest`` (every observation); catalog  replace-where / delete
                ``backtest_exceptions`` (the exceptions)        by run_id
stressed_var    lake and catalog ``results`` (method            replace-where / delete
                ``stressed_hs``); catalog ``stressed_periods``  by run_id and method
capital         catalog ``capital_results``                     delete by run_id
stress          catalog ``stress_results``                      delete by run_id
==============  ==============================================  ========================

**History.** Backtesting compares day ``T``'s P&L with the VaR of the run of record
of the previous business day, and capital averages VaR and stressed VaR over the last
60 days and counts exceptions over the last 250. These figures come from earlier
runs, so the runner fixes the **runs of record** (the latest succeeded run of each
earlier date) when a run starts, stores them with the run (``runs.inputs.prior_runs``,
part of the run key and of the lineage manifest) and the tasks read exactly those
runs' rows of the lake ``results`` and ``backtest`` tables: a resumed run or a
reproduction reads the same history.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from riskcap.capital.basel25 import OUT_OF_SCOPE, basel25_capital
from riskcap.config import BacktestPnl, Settings
from riskcap.data.lake import Lake, sql_literal
from riskcap.data.schemas import BACKTEST, PNL_ATTRIBUTION, RESULTS
from riskcap.engine.local import plan_blocks, revalue_books, values_by_book
from riskcap.engine.stress import (
    Scenario,
    named_scenarios,
    reverse_scenario,
    scenario_pnl,
    stressed_var,
    window_outside_history,
)
from riskcap.errors import RiskcapError
from riskcap.inputs.hierarchy import Hierarchy
from riskcap.inputs.risk_inputs import RiskInputs, load_risk_inputs
from riskcap.market.factors import shocks_between
from riskcap.pipeline.fingerprint import json_digest, table_digest
from riskcap.pipeline.history import prior_rows
from riskcap.pipeline.tasks import RunContext, TaskOutput, _replace_run_rows, scenario_sets
from riskcap.risk.backtest import TrafficLight, traffic_light
from riskcap.store.catalog import (
    BacktestException,
    BacktestObservation,
    CapitalResult,
    PnlAttributionRecord,
    StressedPeriod,
    StressResult,
)

log = logging.getLogger(__name__)

STRESSED_METHOD = "stressed_hs"
PNL_TYPES = ("hypothetical", "actual")


# -- backtesting P&L -------------------------------------------------------------------------
@dataclass(frozen=True)
class BacktestPnlResult:
    """Hypothetical and actual P&L of day ``as_of`` per node (profit positive)."""

    as_of: dt.date
    previous: dt.date
    nodes: tuple[str, ...]
    hypothetical: np.ndarray
    actual: np.ndarray
    risk_theoretical: np.ndarray
    trades: int


def _roll_up(inputs: RiskInputs, per_book: np.ndarray, hierarchy: Hierarchy) -> np.ndarray:
    """Figures per book of ``inputs`` onto the nodes of a (wider) ``hierarchy``."""
    index = {b: i for i, b in enumerate(hierarchy.books)}
    full = np.zeros(len(hierarchy.books))
    for b, v in zip(inputs.hierarchy.books, per_book, strict=True):
        full[index[b]] += v
    return hierarchy.membership @ full


def _node_values(inputs: RiskInputs, hierarchy: Hierarchy) -> np.ndarray:
    per_book = values_by_book(inputs.book, inputs.market.x0, len(inputs.hierarchy.books))
    return _roll_up(inputs, per_book, hierarchy)


def _risk_theoretical(before: RiskInputs, after: RiskInputs, hierarchy: Hierarchy) -> np.ndarray:
    """The risk model's P&L of ``before``'s positions: its factors moved from their
    ``before`` levels to their ``after`` levels, everything else (times to expiry, the
    shape of the vol term structure) as the model held it the day before."""
    if before.factors.ids != after.factors.ids:
        raise RiskcapError("the risk factors of one book differ between two days")
    shocks = np.asarray(shocks_between(before.market.x0, after.market.x0, before.factors.is_log))[
        None, :
    ]
    n_books = len(before.hierarchy.books)
    plan = plan_blocks(1, before.book.size, 1.0)
    per_book = revalue_books(before.book, before.market, shocks, n_books, plan)[:, 0]
    return _roll_up(before, per_book, hierarchy)


def backtest_pnl(
    lake: Lake, as_of: dt.date, previous: dt.date, versions: dict[str, int]
) -> BacktestPnlResult:
    """Hypothetical and actual P&L of ``as_of`` per node.

    * hypothetical: the ``previous`` day's positions revalued on ``as_of``'s market
      (prices, curve, vols, time to expiry) minus their value on ``previous``'s —
      full revaluation, no trades;
    * actual: hypothetical plus the P&L of the trades netted into ``as_of`` (trade
      dates after ``previous``), each marked from its trade price to the ``as_of``
      model value: ``quantity × multiplier × (mark − price)``;
    * risk-theoretical (FRTB PLA, MAR32.37): the ``previous`` risk model revalued under
      the factor moves from ``previous`` to ``as_of`` (no time decay, the ``previous``
      vol term-structure shape): what the ES model says the day's P&L was.

    Both roll up books to nodes over the union of books held on ``previous`` and
    traded on ``as_of``.
    """
    before = load_risk_inputs(lake, previous, 1, versions)
    after = load_risk_inputs(lake, as_of, 1, versions, positions_as_of=previous)
    trades = lake.read(
        "trades",
        version=versions["trades"],
        filters=[("trade_date", ">", previous), ("trade_date", "<=", as_of)],
    ).to_pandas()
    books = lake.read("books", version=versions["books"]).to_pandas().set_index("book_id")
    scope = sorted(set(before.hierarchy.books) | set(trades["book_id"]))
    hierarchy = Hierarchy.from_books(
        [(b, books.at[b, "desk"], books.at[b, "legal_entity"], books.at[b, "firm"]) for b in scope]
    )
    hypothetical = _node_values(after, hierarchy) - _node_values(before, hierarchy)
    risk_theoretical = _risk_theoretical(before, after, hierarchy)
    actual = hypothetical.copy()
    if not trades.empty:
        traded = load_risk_inputs(
            lake, as_of, 1, versions, positions=trades[["book_id", "instrument_id", "quantity"]]
        )
        instruments = lake.read("instruments", version=versions["instruments"]).to_pandas()
        mult = trades["instrument_id"].map(instruments.set_index("instrument_id")["multiplier"])
        paid = (
            (trades["quantity"] * mult.astype(float) * trades["price"])
            .groupby(trades["book_id"])
            .sum()
        )
        index = {b: i for i, b in enumerate(hierarchy.books)}
        cost = np.zeros(len(hierarchy.books))
        for b, v in paid.items():
            cost[index[str(b)]] = float(v)
        actual = actual + _node_values(traded, hierarchy) - hierarchy.membership @ cost
    return BacktestPnlResult(
        as_of, previous, hierarchy.nodes, hypothetical, actual, risk_theoretical, len(trades)
    )


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
            pnl = backtest_pnl(ctx.lake, ctx.as_of, previous, ctx.versions())
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
    version = _replace_run_rows(ctx, "backtest", table, "backtest")
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
    pla_version = _replace_run_rows(
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


# -- stressed VaR ----------------------------------------------------------------------------
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
    version = _replace_run_rows(
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


# -- capital -------------------------------------------------------------------------------
def _series(frame: pd.DataFrame, node: str) -> np.ndarray:
    """A node's daily figures, oldest first (one per as_of)."""
    rows = frame.loc[frame["node"] == node].sort_values("as_of")
    return rows["value"].to_numpy(np.float64)


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


def capital(ctx: RunContext) -> TaskOutput:
    """Basel 2.5 capital per node (¶718(Lxxvi)(k)–(l)) with the firm's multiplier."""
    s = ctx.settings
    c = s.capital
    recent = _recent(ctx.prior_runs, c.average_days - 1)
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
        tested = {**_recent(ctx.prior_runs, s.backtest.window - 1), ctx.as_of: ctx.run_id}
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


def _recent(runs: dict[dt.date, str], count: int) -> dict[dt.date, str]:
    if count <= 0:
        return {}
    keep = sorted(runs)[-count:]
    return {d: runs[d] for d in keep}


# -- stress ------------------------------------------------------------------------------
def stress_scenarios(
    inputs: RiskInputs,
    daily_cov: np.ndarray,
    settings: Settings,
    firm_var: float | None,
    *,
    only: Iterable[str] | None = None,
    extra_losses: Iterable[float] = (),
    node: str | None = None,
) -> list[Scenario]:
    """Historical, hypothetical and reverse scenarios of a run.

    ``only`` keeps the scenarios so named (``reverse`` keeps every reverse test);
    reverse targets are ``stress.reverse_var_multiples`` × ``firm_var`` (skipped when
    ``firm_var`` is None), ``stress.reverse_losses`` and ``extra_losses``, solved for
    ``node`` (default: the firm) under the daily covariance × ``stress.reverse_horizon``.
    """
    st = settings.stress
    targets: list[tuple[str, float]] = []
    if firm_var is not None:
        targets += [(f"reverse_{m:g}x_var", m * firm_var) for m in st.reverse_var_multiples]
    targets += [(f"reverse_loss_{loss:.0f}", loss) for loss in (*st.reverse_losses, *extra_losses)]
    configured = [x.name for x in st.historical] + [x.name for x in st.hypothetical]
    wanted = set(only or ())
    unknown = wanted - set(configured) - {n for n, _ in targets} - {"reverse"}
    if unknown:
        raise RiskcapError(
            f"no stress scenario named {', '.join(sorted(unknown))}; available: "
            f"{', '.join([*configured, *(n for n, _ in targets)])}"
        )
    named = [n for n in configured if not wanted or n in wanted]
    # asked by name: a window outside the history is an error; else it is skipped
    out = named_scenarios(inputs, st, named if wanted else None) if named else []
    head = node or inputs.hierarchy.nodes[0]
    cov = daily_cov * st.reverse_horizon
    for name, target in targets:
        if wanted and name not in wanted and "reverse" not in wanted:
            continue
        scenario, _ = reverse_scenario(inputs, cov, target, head, name)
        out.append(scenario)
    return out


def stress_rows(
    as_of: dt.date, inputs: RiskInputs, scenarios: list[Scenario], pnl: np.ndarray
) -> list[dict[str, Any]]:
    return [
        {
            "as_of": as_of,
            "scenario": s.name,
            "kind": s.kind,
            "node": node,
            "pnl": float(pnl[i, j]),
            "description": s.description,
            "detail": s.detail,
        }
        for j, s in enumerate(scenarios)
        for i, node in enumerate(inputs.hierarchy.nodes)
    ]


def stress(ctx: RunContext) -> TaskOutput:
    """Every configured stress scenario and the reverse stress tests, losses per node."""
    inputs, cov = ctx.market()
    st = ctx.settings.stress
    firm_var = None
    if st.reverse_var_multiples:
        own = ctx.lake.read(
            "results",
            version=int(ctx.outputs["measures"].detail["results_version"]),
            filters=[
                *ctx.run_filter(),
                ("node", "=", inputs.hierarchy.nodes[0]),
                ("method", "=", "hs"),
                ("measure", "=", "var"),
                ("horizon", "=", st.reverse_horizon),
                ("confidence", "=", ctx.settings.capital.confidence),
            ],
        )
        firm_var = float(own.column("value")[0].as_py()) if own.num_rows else None
    scenarios = stress_scenarios(inputs, cov, ctx.settings, firm_var)
    pnl = scenario_pnl(inputs, scenarios, ctx.settings.engine.memory_gb)
    rows = stress_rows(ctx.as_of, inputs, scenarios, pnl)
    ctx.catalog.replace_run_rows(StressResult, ctx.run_id, rows)
    detail: dict[str, Any] = {"scenarios": len(scenarios), "rows": len(rows)}
    skipped = [r for w in st.historical if (r := window_outside_history(inputs, w))]
    if skipped:  # recorded with the run: a window the lake's history does not cover
        detail["skipped_windows"] = skipped
        for reason in skipped:
            log.warning("EOD %s: stress window skipped: %s", ctx.as_of, reason)
    if scenarios:
        detail["worst"] = scenarios[int(np.argmin(pnl[0]))].name
    return TaskOutput(json_digest(rows), detail)
