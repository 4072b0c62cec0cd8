"""What the ``/v1`` routers share: query and path types, the run a read takes, the
audit of writes, and the filter of rows to what a key may see."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path, Query, Request

from riskcap.api.deps import (
    ServiceState,
    check_node,
    client_address,
    may_see,
)
from riskcap.errors import NotFoundError
from riskcap.store.catalog import (
    Run,
)
from riskcap.store.service import (
    Principal,
    audit,
)

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


def audit_write(
    st: ServiceState,
    request: Request,
    who: Principal,
    action: str,
    target: str,
    detail: dict[str, Any],
) -> None:
    audit(st.catalog, who.key_id, action, target, client_address(request), detail)


def run_of(st: ServiceState, as_of: dt.date | None, run_id: str | None) -> Run:
    if as_of is not None:
        st.books.check_date(as_of, "as_of")
    if run_id is not None:
        run = st.catalog.run(run_id)
        if run.status != "succeeded":
            raise NotFoundError(f"run {run.run_id} has not succeeded (status {run.status})")
        return run
    return st.catalog.run_of_record(as_of)


def published(st: ServiceState) -> Run | None:
    """The latest run of record, or None before the first one."""
    try:
        return st.catalog.run_of_record()
    except NotFoundError:
        return None


def visible_rows(
    st: ServiceState, caller: Principal, rows: list[Any], node: str | None
) -> list[Any]:
    if node is not None:
        check_node(st, caller, node)
        return [r for r in rows if r.node == node]
    return [r for r in rows if may_see(st, caller, r.node)]
