"""Limits on figures and the alerts their breaches raised."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from riskcap.api import schemas as S
from riskcap.api.deps import (
    Caller,
    ServiceState,
    State,
    Writer,
    check_node,
    may_see,
)
from riskcap.api.routers.common import (
    NodeQuery,
    RowId,
    RunQuery,
    audit_write,
    published,
    visible_rows,
)
from riskcap.errors import NotFoundError
from riskcap.store.service import (
    Principal,
    acknowledge_alert,
    delete_limit,
    get_alert,
    get_limit,
    list_alerts,
    list_limits,
    save_limit,
)

router = APIRouter(prefix="/v1")


# -- limits and alerts -------------------------------------------------------------
def _with_usage(st: ServiceState, rows: list[Any]) -> list[S.LimitOut]:
    """Limits with their figure and utilisation in the latest published run."""
    run = published(st)
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
    return _with_usage(st, visible_rows(st, caller, list_limits(st.catalog), node))


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
    audit_write(st, request, caller, "limit.create", f"limit:{row.id}", body.model_dump())
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
    audit_write(
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
    audit_write(
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
    rows = visible_rows(st, caller, list_alerts(st.catalog, run_id), node)
    return [S.AlertOut.model_validate(r) for r in rows]


@router.post("/alerts/{alert_id}/ack", response_model=S.AlertOut, tags=["limits"])
def acknowledge(alert_id: RowId, request: Request, st: State, caller: Writer) -> S.AlertOut:
    """Mark an alert as seen."""
    _own(st, caller, get_alert(st.catalog, alert_id), "alert", alert_id)
    row = acknowledge_alert(st.catalog, alert_id)
    audit_write(st, request, caller, "alert.ack", f"alert:{alert_id}", {"node": row.node})
    return S.AlertOut.model_validate(row)
