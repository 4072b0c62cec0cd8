"""Published figures: VaR/ES results and trends, P&L distributions, backtests,
capital, stress losses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Path, Query

from riskcap.api import schemas as S
from riskcap.api.deps import (
    Caller,
    State,
    check_node,
    may_see,
)
from riskcap.api.routers.common import (
    HISTORY_LIMIT,
    QUANTILES,
    DateQuery,
    NodeQuery,
    RunQuery,
    published,
    run_of,
    visible_rows,
)
from riskcap.capital.frtb_ima import EXPLAINED_MINIMUM
from riskcap.errors import NotFoundError
from riskcap.risk.backtest import indicative
from riskcap.risk.measures import var_es
from riskcap.store.catalog import (
    CapitalResult,
    FrtbResult,
    Result,
    StressResult,
)
from riskcap.store.service import backtest_exceptions, results_of_runs

router = APIRouter(prefix="/v1")


# -- figures -----------------------------------------------------------------------
@router.get("/results", response_model=list[S.ResultOut], tags=["results"])
def results(
    st: State,
    caller: Caller,
    node: NodeQuery = None,
    as_of: DateQuery = None,
    start: Annotated[dt.date | None, Query(description="First date of a trend")] = None,
    end: Annotated[dt.date | None, Query(description="Last date of a trend")] = None,
    days: Annotated[
        int | None,
        Query(ge=1, le=HISTORY_LIMIT, description="A trend over the latest `days` run dates"),
    ] = None,
    measure: S.Measure | None = None,
    method: S.Method | None = None,
    horizon: Annotated[int | None, Query(ge=1, le=250)] = None,
    confidence: Annotated[float | None, Query(gt=0.0, lt=1.0)] = None,
    run_id: RunQuery = None,
) -> list[S.ResultOut]:
    """VaR and ES by node, date and measure.

    One run (``run_id``, or the run of record of ``as_of`` or of the latest date), or
    with ``start``/``end`` the runs of record of every date in between, or with
    ``days`` those of the latest ``days`` dates (a trend).
    """
    if node is not None:
        check_node(st, caller, node)
    for name, day in (("as_of", as_of), ("start", start), ("end", end)):
        if day is not None:
            st.books.check_date(day, name)
    if start is not None or end is not None or days is not None:
        ids = list(st.catalog.runs_of_record(start=start, end=end).values())[
            -(days or HISTORY_LIMIT) :
        ]
    else:
        ids = [run_of(st, as_of, run_id).run_id]
    rows = results_of_runs(
        st.catalog,
        ids,
        node=node,
        measure=measure,
        method=method,
        horizon=horizon,
        confidence=confidence,
    )
    return [S.ResultOut.model_validate(r) for r in rows if may_see(st, caller, r.node)]


@router.get("/pnl/{node}", response_model=S.PnlDistribution, tags=["results"])
def pnl_distribution(
    node: Annotated[str, Path(max_length=200)],
    st: State,
    caller: Caller,
    as_of: DateQuery = None,
    run_id: RunQuery = None,
    scenario_set: Annotated[str, Query(pattern=r"^(hs|mc)_[0-9]{1,3}d$")] = "hs_1d",
    bins: Annotated[int | None, Query(ge=5, le=500)] = None,
) -> S.PnlDistribution:
    """A node's simulated P&L: histogram, quantiles, VaR and ES (not the raw vector)."""
    check_node(st, caller, node)
    run = run_of(st, as_of, run_id)
    table = st.lake.read(
        "pnl_vectors",
        filters=[
            ("as_of", "=", run.as_of),
            ("run_id", "=", run.run_id),
            ("node", "=", node),
            ("scenario_set", "=", scenario_set),
        ],
        columns=["pnl"],
    )
    if table.num_rows == 0:
        raise NotFoundError(f"run {run.run_id} has no {scenario_set} P&L of {node}")
    pnl = np.asarray(table.column("pnl")[0].as_py(), np.float64)
    counts, edges = np.histogram(pnl, bins=bins or st.settings.service.histogram_bins)
    confs = sorted(set(st.settings.pipeline.confidences), reverse=True)
    measured = {c: var_es(pnl, c) for c in confs}
    return S.PnlDistribution(
        run_id=run.run_id,
        as_of=run.as_of,
        node=node,
        scenario_set=scenario_set,
        scenarios=int(pnl.size),
        mean=float(pnl.mean()),
        std=float(pnl.std(ddof=1)),
        min=float(pnl.min()),
        max=float(pnl.max()),
        quantiles={
            str(q): float(v) for q, v in zip(QUANTILES, np.quantile(pnl, QUANTILES), strict=True)
        },
        var={str(c): float(v) for c, (v, _) in measured.items()},
        es={str(c): float(e) for c, (_, e) in measured.items()},
        histogram=S.Histogram(edges=edges.tolist(), counts=counts.tolist()),
    )


@router.get("/backtests", response_model=S.Backtests, tags=["results"])
def backtests(
    st: State,
    caller: Caller,
    node: NodeQuery = None,
    method: S.Method | None = None,
    as_of: DateQuery = None,
) -> S.Backtests:
    """Backtesting exceptions over time and each node's traffic-light zone (MAR99)."""
    if node is not None:
        check_node(st, caller, node)
    run = run_of(st, as_of, None) if as_of is not None else published(st)
    rows = backtest_exceptions(
        st.catalog, node=node, method=method, until=run.as_of if run is not None else None
    )
    # one row per exception day: a later run re-records the same exceptions
    seen: set[tuple[Any, ...]] = set()
    exceptions = []
    for r in rows:
        key = (r.node, r.date, r.pnl_type, r.method, r.confidence)
        if key in seen or not may_see(st, caller, r.node):
            continue
        seen.add(key)
        exceptions.append(S.ExceptionOut.model_validate(r))
    zones = []
    if run is not None:
        for c in visible_rows(st, caller, st.catalog.run_rows(CapitalResult, run.run_id), node):
            zones.append(
                S.ZoneOut(
                    node=c.node,
                    as_of=c.as_of,
                    zone=c.zone,
                    exceptions=c.exceptions,
                    observations=c.observations,
                    multiplier=c.multiplier,
                    indicative=indicative(c.observations),
                )
            )
    return S.Backtests(exceptions=exceptions, zones=zones)


@router.get("/capital", response_model=S.Capital, tags=["results"])
def capital(
    st: State,
    caller: Caller,
    node: NodeQuery = None,
    as_of: DateQuery = None,
    run_id: RunQuery = None,
) -> S.Capital:
    """Basel 2.5 (MAR 2019 ¶718(Lxxvi)), FRTB IMA (MAR33) and FRTB SA (MAR20–23) capital
    by node; on the firm, the market-risk capital of MAR33.43."""
    run = run_of(st, as_of, run_id)
    basel = visible_rows(st, caller, st.catalog.run_rows(CapitalResult, run.run_id), node)
    frtb = visible_rows(st, caller, st.catalog.run_rows(FrtbResult, run.run_id), node)
    sa_rows = [r for r in st.catalog.run_rows(Result, run.run_id) if r.method == "frtb_sa"]
    return S.Capital(
        frtb_sa=_sa_out(run.run_id, visible_rows(st, caller, sa_rows, node)),
        basel25=[
            S.CapitalOut.model_validate(r).model_copy(
                update={"indicative": indicative(r.observations)}
            )
            for r in basel
        ],
        frtb=[
            S.FrtbOut.model_validate(r).model_copy(
                update={
                    "indicative": indicative(r.observations),
                    "reduced_set_adequate": r.explained >= EXPLAINED_MINIMUM,
                }
            )
            for r in frtb
        ],
    )


@router.get("/capital/adequacy", response_model=S.Adequacy, tags=["results"])
def capital_adequacy(
    st: State,
    caller: Caller,
    entity: Annotated[
        str | None,
        Query(max_length=200, description="A legal entity (RC-UK-LTD or entity:RC-UK-LTD)"),
    ] = None,
    as_of: DateQuery = None,
    run_id: RunQuery = None,
) -> S.Adequacy:
    """Basel III capital adequacy per legal entity and the consolidated firm: RWA by
    risk type (credit SA/IRB, SA-CCR, BA-CVA, market, SMA), the output floor (RBC20.11),
    CET1, Tier 1, total capital and leverage ratios against minimum + buffers."""
    from riskcap.pipeline.tasks.basel3 import adequacy_report, entity_node

    run = run_of(st, as_of, run_id)
    node = None if entity is None else entity_node(entity)
    if node is not None:
        check_node(st, caller, node)
    report = adequacy_report(st.catalog, run.run_id, [node] if node else None)
    nodes = [n for n in report["nodes"] if may_see(st, caller, n["node"])]
    return S.Adequacy(
        run_id=run.run_id,
        as_of=run.as_of,
        nodes=[S.AdequacyNode.model_validate(n) for n in nodes],
        out_of_scope=report["out_of_scope"],
    )


def _sa_out(run_id: str, rows: list[Result]) -> list[S.FrtbSaOut]:
    by_node: dict[str, dict[str, float]] = {}
    days: dict[str, dt.date] = {}
    for r in rows:
        by_node.setdefault(r.node, {})[r.measure] = float(r.value)
        days[r.node] = r.as_of
    out = []
    for node, m in by_node.items():
        scenarios = {sc: m[f"sbm:{sc}"] for sc in ("high", "medium", "low")}
        acr = {k.removeprefix("acr:"): v for k, v in m.items() if k.startswith("acr:")}
        out.append(
            S.FrtbSaOut(
                run_id=run_id,
                as_of=days[node],
                node=node,
                sa=m["sa"],
                sbm=m["sbm"],
                scenario=max(scenarios, key=lambda sc: scenarios[sc]),
                sbm_by_scenario=scenarios,
                drc=m["drc"],
                rrao=m["rrao"],
                components={k: v for k, v in m.items() if k.count(":") == 2 and "acr" not in k},
                acr=acr or None,
            )
        )
    return out


@router.get("/stress", response_model=list[S.StressOut], tags=["results"])
def stress(
    st: State,
    caller: Caller,
    node: NodeQuery = None,
    as_of: DateQuery = None,
    run_id: RunQuery = None,
) -> list[S.StressOut]:
    """Stress P&L by scenario and node (historical, hypothetical, reverse)."""
    run = run_of(st, as_of, run_id)
    rows = visible_rows(st, caller, st.catalog.run_rows(StressResult, run.run_id), node)
    out = []
    for r in rows:
        row = S.StressOut.model_validate(r)
        calibrated_on = (r.detail or {}).get("node")
        if calibrated_on is not None and not may_see(st, caller, calibrated_on):
            # the scenario was calibrated on a total this key may not see: its text
            # names that node and its loss target, so say only what the scenario is
            row.description = (
                f"{r.kind} stress scenario {r.scenario}, calibrated on a total outside "
                f"this key's desks; the P&L shown is {r.node}'s"
            )
        out.append(row)
    return out
