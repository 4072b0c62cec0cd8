"""The ``/v1`` routes: thin functions over the catalog, the lake and the what-if cache.

Reads take the **run of record** of a date (its newest succeeded run) unless a
``run_id`` is given. Every route depends on the caller's key (401 without one);
node-level figures are filtered to, or checked against, the key's desks (403).
Writes need ``risk_manager`` or ``admin`` and are written to the audit log; the
firm-wide ones (EOD triggers, ready events) need a key for every desk too.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy import select

from riskcap.api import schemas as S
from riskcap.api.deps import (
    Caller,
    FirmWide,
    FirmWriter,
    ServiceState,
    State,
    Writer,
    check_node,
    client_address,
    may_see,
    visible,
)
from riskcap.api.whatif import ProposedTrade
from riskcap.capital.frtb_ima import EXPLAINED_MINIMUM
from riskcap.config import INFRASTRUCTURE_SECTIONS, redacted_config
from riskcap.errors import InvalidInput, NotFoundError, RiskcapError
from riskcap.inputs.hierarchy import Hierarchy
from riskcap.risk.backtest import indicative
from riskcap.risk.measures import var_es
from riskcap.store.catalog import (
    BacktestException,
    CapitalResult,
    FrtbResult,
    Result,
    Run,
    StressResult,
)
from riskcap.store.service import (
    Principal,
    Role,
    acknowledge_alert,
    audit,
    audit_log,
    create_request,
    delete_limit,
    get_alert,
    get_limit,
    get_request,
    list_alerts,
    list_limits,
    save_limit,
)

router = APIRouter(prefix="/v1")

NodeQuery = Annotated[
    str | None,
    Query(max_length=200, description="A node, level:name (default: every node you may see)"),
]
DateQuery = Annotated[dt.date | None, Query(description="Business date (default: the latest)")]
RUN_ID_PATTERN = r"^[0-9a-f][0-9a-f\-]{7,35}$"  # a run id or a unique prefix (≥ 8)
RunQuery = Annotated[
    str | None,
    Query(pattern=RUN_ID_PATTERN, description="A run id or prefix (default: run of record)"),
]
RunPath = Annotated[str, Path(pattern=RUN_ID_PATTERN, description="A run id or prefix")]
HIDDEN = "(details need a key entitled to every desk)"
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A row id")]
QUANTILES = (0.001, 0.01, 0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
HISTORY_LIMIT = 2000


def _audit(
    st: ServiceState,
    request: Request,
    who: Principal,
    action: str,
    target: str,
    detail: dict[str, Any],
) -> None:
    audit(st.catalog, who.key_id, action, target, client_address(request), detail)


def _run_of(st: ServiceState, as_of: dt.date | None, run_id: str | None) -> Run:
    if as_of is not None:
        st.books.check_date(as_of, "as_of")
    if run_id is not None:
        run = st.catalog.run(run_id)
        if run.status != "succeeded":
            raise NotFoundError(f"run {run.run_id} has not succeeded (status {run.status})")
        return run
    return st.catalog.run_of_record(as_of)


def _published(st: ServiceState) -> Run | None:
    """The latest run of record, or None before the first one."""
    try:
        return st.catalog.run_of_record()
    except NotFoundError:
        return None


def _visible_rows(
    st: ServiceState, caller: Principal, rows: list[Any], node: str | None
) -> list[Any]:
    if node is not None:
        check_node(st, caller, node)
        return [r for r in rows if r.node == node]
    return [r for r in rows if may_see(st, caller, r.node)]


# -- who am I ----------------------------------------------------------------------
@router.get("/me", response_model=S.Me, tags=["auth"])
def me(caller: Caller) -> S.Me:
    """The calling key: role and desks."""
    return S.Me(
        key_id=caller.key_id,
        role=caller.role.value,
        desks=list(caller.desks),
        all_desks=caller.all_desks,
    )


@router.get("/nodes", response_model=list[S.NodeOut], tags=["results"])
def nodes(st: State, caller: Caller) -> list[S.NodeOut]:
    """The reporting hierarchy (firm → entity → desk → book) you may see, top-down."""
    rows = st.lake.read("books").to_pylist()
    if not rows:
        return []
    h = Hierarchy.from_books(
        [(r["book_id"], r["desk"], r["legal_entity"], r["firm"]) for r in rows]
    )
    out = []
    for label, parent in zip(h.nodes, h.parents, strict=True):
        if may_see(st, caller, label):
            above = h.nodes[parent] if parent >= 0 else None
            out.append(
                S.NodeOut(
                    node=label,
                    level=label.split(":")[0],
                    # a desk key's view starts at its desks: their entity is a firm-wide
                    # figure and is not named
                    parent=above if above is not None and may_see(st, caller, above) else None,
                )
            )
    return out


# -- runs --------------------------------------------------------------------------
def _run_out(run: Run, caller: Principal) -> S.RunOut:
    out = S.RunOut.model_validate(run)
    if run.finished_at is not None:
        out.seconds = (run.finished_at - run.created_at).total_seconds()
    out.message = _shown_text(out.message, caller)
    return out


def _shown_text(text: str | None, caller: Principal) -> str | None:
    """Operational free text (run messages, task errors) for firm-wide keys only: it may
    name any node or figure of the firm."""
    return text if text is None or caller.all_desks else HIDDEN


@router.get("/runs", response_model=list[S.RunOut], tags=["runs"])
def list_runs(
    st: State,
    caller: Caller,
    as_of: DateQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[S.RunOut]:
    """The latest runs (of ``as_of`` when given), newest first."""
    if as_of is not None:
        st.books.check_date(as_of, "as_of")
    return [_run_out(r, caller) for r in st.catalog.list_runs(as_of, limit)]


@router.post(
    "/runs",
    response_model=S.TriggerOut,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["runs"],
    responses={422: {"model": S.ErrorOut}},
)
def trigger_run(body: S.TriggerIn, request: Request, st: State, caller: FirmWriter) -> S.TriggerOut:
    """Queue the EOD of ``as_of``; answers at once with the run id to poll."""
    st.books.check_date(body.as_of, "as_of")
    if body.as_of.weekday() >= 5:
        raise InvalidInput(f"as_of {body.as_of} is a {body.as_of:%A}, not a business day")
    req = create_request(st.catalog, body.as_of, body.force, caller.key_id, client_address(request))
    _audit(
        st,
        request,
        caller,
        "run.trigger",
        req.request_id,
        {"as_of": body.as_of.isoformat(), "force": body.force},
    )
    st.runs.submit(req.request_id, body.as_of, body.force)
    return S.TriggerOut(
        run_id=req.request_id,
        as_of=body.as_of,
        status="queued",
        status_url=f"/v1/runs/{req.request_id}",
    )


def _request_out(req: Any, caller: Principal) -> S.RequestOut:
    out = S.RequestOut.model_validate(req)
    out.message = _shown_text(out.message, caller)
    return out


@router.get("/runs/{run_id}", response_model=S.RunDetail, tags=["runs"])
def show_run(run_id: RunPath, st: State, caller: Caller) -> S.RunDetail:
    """A run (its tasks with durations), or the state of a triggered request."""
    req = get_request(st.catalog, run_id)
    target = req.run_id if req is not None and req.run_id else run_id
    try:
        run = st.catalog.run(target)
    except NotFoundError:
        if req is None:
            raise
        return S.RunDetail(
            run_id=req.request_id,
            as_of=req.as_of,
            status=req.status,
            request=_request_out(req, caller),
        )
    tasks = []
    for t in st.catalog.tasks(run.run_id):
        out = S.TaskOut.model_validate(t)
        if t.started_at and t.finished_at:
            out.seconds = (t.finished_at - t.started_at).total_seconds()
        out.error = _shown_text(out.error, caller)
        tasks.append(out)
    return S.RunDetail(
        run_id=run_id if req is not None else run.run_id,
        as_of=run.as_of,
        status=run.status,
        run=_run_out(run, caller),
        tasks=tasks,
        request=_request_out(req, caller) if req is not None else None,
        resolved_run_id=run.run_id if run.run_id != run_id else None,
    )


@router.get("/runs/{run_id}/lineage", tags=["runs"])
def lineage(run_id: RunPath, st: State, caller: Caller) -> dict[str, Any]:
    """The lineage manifest of a published run (inputs, config, code, outputs).

    Secrets are redacted for every key; the sections that say where riskcap runs
    (lake, catalog, service) are shown to admin keys only.
    """
    manifest = st.catalog.lineage(run_id)
    config = redacted_config(manifest.get("config", {}))
    if caller.role is not Role.ADMIN:
        config = {k: v for k, v in config.items() if k not in INFRASTRUCTURE_SECTIONS}
    return {**manifest, "config": config}


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
        ids = [_run_of(st, as_of, run_id).run_id]
    q = select(Result).where(Result.run_id.in_(ids))
    for column, value in (
        (Result.node, node),
        (Result.measure, measure),
        (Result.method, method),
        (Result.horizon, horizon),
        (Result.confidence, confidence),
    ):
        if value is not None:
            q = q.where(column == value)
    with st.catalog.session() as s:
        rows = list(s.scalars(q.order_by(Result.as_of, Result.id)))
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
    run = _run_of(st, as_of, run_id)
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
    run = _run_of(st, as_of, None) if as_of is not None else _published(st)
    q = select(BacktestException)
    if node is not None:
        q = q.where(BacktestException.node == node)
    if method is not None:
        q = q.where(BacktestException.method == method)
    if run is not None:
        q = q.where(BacktestException.date <= run.as_of)
    with st.catalog.session() as s:
        rows = list(s.scalars(q.order_by(BacktestException.date, BacktestException.id)))
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
        for c in _visible_rows(st, caller, st.catalog.run_rows(CapitalResult, run.run_id), node):
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
    """Basel 2.5 (MAR 2019 ¶718(Lxxvi)) and FRTB IMA (MAR33) capital by node."""
    run = _run_of(st, as_of, run_id)
    basel = _visible_rows(st, caller, st.catalog.run_rows(CapitalResult, run.run_id), node)
    frtb = _visible_rows(st, caller, st.catalog.run_rows(FrtbResult, run.run_id), node)
    return S.Capital(
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


@router.get("/stress", response_model=list[S.StressOut], tags=["results"])
def stress(
    st: State,
    caller: Caller,
    node: NodeQuery = None,
    as_of: DateQuery = None,
    run_id: RunQuery = None,
) -> list[S.StressOut]:
    """Stress P&L by scenario and node (historical, hypothetical, reverse)."""
    run = _run_of(st, as_of, run_id)
    rows = _visible_rows(st, caller, st.catalog.run_rows(StressResult, run.run_id), node)
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


# -- limits and alerts -------------------------------------------------------------
def _with_usage(st: ServiceState, rows: list[Any]) -> list[S.LimitOut]:
    """Limits with their figure and utilisation in the latest published run."""
    run = _published(st)
    figures = (
        {}
        if run is None
        else {
            (r.node, r.measure, r.method, r.horizon, r.confidence): r.value
            for r in st.catalog.results(run.run_id)
        }
    )
    out = []
    for row in rows:
        limit = S.LimitOut.model_validate(row)
        value = figures.get((row.node, row.measure, row.method, row.horizon, row.confidence))
        if run is not None and value is not None:
            limit.value, limit.as_of = value, run.as_of
            limit.utilisation = value / row.limit_value
        out.append(limit)
    return out


@router.get("/limits", response_model=list[S.LimitOut], tags=["limits"])
def get_limits(st: State, caller: Caller, node: NodeQuery = None) -> list[S.LimitOut]:
    """Limits you may see, with their utilisation in the latest run."""
    return _with_usage(st, _visible_rows(st, caller, list_limits(st.catalog), node))


@router.post(
    "/limits",
    response_model=S.LimitOut,
    status_code=201,
    tags=["limits"],
    responses={409: {"model": S.ErrorOut}},
)
def create_limit(body: S.LimitIn, request: Request, st: State, caller: Writer) -> S.LimitOut:
    """Set a limit on one figure of one node (you must be entitled to the node)."""
    check_node(st, caller, body.node)
    row = save_limit(st.catalog, {**body.model_dump(), "created_by": caller.key_id})
    _audit(st, request, caller, "limit.create", f"limit:{row.id}", body.model_dump())
    return _with_usage(st, [row])[0]


def _own(st: ServiceState, caller: Principal, row: Any, what: str, row_id: int) -> Any:
    """``row`` if ``caller`` may see its node; else the answer of a missing row."""
    if not may_see(st, caller, row.node):
        raise NotFoundError(f"no {what} {row_id!r}")
    return row


def _own_limit(st: ServiceState, caller: Principal, limit_id: int) -> Any:
    return _own(st, caller, get_limit(st.catalog, limit_id), "limit", limit_id)


@router.get("/limits/{limit_id}", response_model=S.LimitOut, tags=["limits"])
def show_limit(limit_id: RowId, st: State, caller: Caller) -> S.LimitOut:
    row = _own_limit(st, caller, limit_id)
    return _with_usage(st, [row])[0]


@router.put(
    "/limits/{limit_id}",
    response_model=S.LimitOut,
    tags=["limits"],
    responses={409: {"model": S.ErrorOut}},
)
def update_limit(
    limit_id: RowId, body: S.LimitIn, request: Request, st: State, caller: Writer
) -> S.LimitOut:
    """Replace a limit's figure and value."""
    before = _own_limit(st, caller, limit_id)
    check_node(st, caller, body.node)
    row = save_limit(st.catalog, body.model_dump(), limit_id)
    _audit(
        st,
        request,
        caller,
        "limit.update",
        f"limit:{limit_id}",
        {"before": before.limit_value, **body.model_dump()},
    )
    return _with_usage(st, [row])[0]


@router.delete("/limits/{limit_id}", status_code=204, tags=["limits"])
def remove_limit(limit_id: RowId, request: Request, st: State, caller: Writer) -> Response:
    _own_limit(st, caller, limit_id)
    row = delete_limit(st.catalog, limit_id)
    _audit(
        st,
        request,
        caller,
        "limit.delete",
        f"limit:{limit_id}",
        {"node": row.node, "measure": row.measure},
    )
    return Response(status_code=204)


@router.get("/alerts", response_model=list[S.AlertOut], tags=["limits"])
def alerts(
    st: State, caller: Caller, node: NodeQuery = None, run_id: RunQuery = None
) -> list[S.AlertOut]:
    """Limit breaches, newest first."""
    rows = _visible_rows(st, caller, list_alerts(st.catalog, run_id), node)
    return [S.AlertOut.model_validate(r) for r in rows]


@router.post("/alerts/{alert_id}/ack", response_model=S.AlertOut, tags=["limits"])
def acknowledge(alert_id: RowId, request: Request, st: State, caller: Writer) -> S.AlertOut:
    """Mark an alert as seen."""
    _own(st, caller, get_alert(st.catalog, alert_id), "alert", alert_id)
    row = acknowledge_alert(st.catalog, alert_id)
    _audit(st, request, caller, "alert.ack", f"alert:{alert_id}", {"node": row.node})
    return S.AlertOut.model_validate(row)


# -- ready events ------------------------------------------------------------------
@router.post("/ready-events", response_model=S.ReadyOut, status_code=201, tags=["runs"])
def post_ready(body: S.ReadyIn, request: Request, st: State, caller: FirmWriter) -> S.ReadyOut:
    """An upstream system declares its data for ``as_of`` complete (idempotent)."""
    st.books.check_date(body.as_of, "as_of")
    mark = st.catalog.mark_ready(body.source, body.as_of, recorded_by=f"api:{caller.key_id}")
    _audit(
        st,
        request,
        caller,
        "ready.mark",
        f"{body.source}@{body.as_of}",
        {"newly_recorded": mark.newly_recorded},
    )
    return S.ReadyOut(
        source=mark.source,
        as_of=mark.as_of,
        recorded_at=mark.recorded_at,
        newly_recorded=mark.newly_recorded,
    )


@router.get("/ready-events", response_model=list[str], tags=["runs"])
def get_ready(st: State, caller: Caller, as_of: dt.date) -> list[str]:
    """The sources marked ready for ``as_of``."""
    st.books.check_date(as_of, "as_of")
    return sorted(st.catalog.ready_sources(as_of))


# -- what-if -----------------------------------------------------------------------
@router.post(
    "/whatif", response_model=S.WhatIfOut, tags=["what-if"], responses={422: {"model": S.ErrorOut}}
)
def whatif(body: S.WhatIfIn, st: State, caller: Caller) -> S.WhatIfOut:
    """Incremental VaR and ES of proposed trades against the latest run's P&L vectors.

    Read-only (nothing is stored): every role may ask, on books of its desks.
    """
    cfg = st.settings.service
    if len(body.trades) > cfg.whatif_max_trades:
        raise RiskcapError(f"at most {cfg.whatif_max_trades} trades per what-if request")
    for t in body.trades:
        check_node(st, caller, f"book:{t.book_id}")
    model = st.whatif.model()
    result = model.evaluate(
        [ProposedTrade(t.book_id, t.instrument_id, t.quantity) for t in body.trades],
        cfg.whatif_confidence,
        visible(st, caller, model.inputs.hierarchy.nodes),
    )
    return S.WhatIfOut.model_validate(result)


# -- audit -------------------------------------------------------------------------
@router.get("/audit", response_model=list[S.AuditOut], tags=["auth"])
def get_audit(
    st: State, caller: FirmWide, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[S.AuditOut]:
    """Who changed or triggered what, when and from where (newest first)."""
    return [S.AuditOut.model_validate(r) for r in audit_log(st.catalog, limit)]
