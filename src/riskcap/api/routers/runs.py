"""EOD runs: list, trigger, show, lineage; the ready events of the checklist."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from riskcap.api import schemas as S
from riskcap.api.deps import (
    Caller,
    FirmWriter,
    State,
    client_address,
)
from riskcap.api.routers.common import (
    HIDDEN,
    DateQuery,
    RunPath,
    audit_write,
)
from riskcap.config import INFRASTRUCTURE_SECTIONS, redacted_config
from riskcap.errors import InvalidInput, NotFoundError
from riskcap.store.catalog import (
    Run,
)
from riskcap.store.service import (
    Principal,
    Role,
    create_request,
    get_request,
)

router = APIRouter(prefix="/v1")


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
    audit_write(
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


# -- ready events ------------------------------------------------------------------
@router.post("/ready-events", response_model=S.ReadyOut, status_code=201, tags=["runs"])
def post_ready(body: S.ReadyIn, request: Request, st: State, caller: FirmWriter) -> S.ReadyOut:
    """An upstream system declares its data for ``as_of`` complete (idempotent)."""
    st.books.check_date(body.as_of, "as_of")
    mark = st.catalog.mark_ready(body.source, body.as_of, recorded_by=f"api:{caller.key_id}")
    audit_write(
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
