"""Who a key is and what it may see: ``/me``, ``/nodes``, and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from riskcap.api import schemas as S
from riskcap.api.deps import (
    Caller,
    FirmWide,
    State,
    may_see,
)
from riskcap.inputs.hierarchy import Hierarchy
from riskcap.inputs.nodes import node_level
from riskcap.store.service import (
    audit_log,
)

router = APIRouter(prefix="/v1")


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
                    level=node_level(label),
                    # a desk key's view starts at its desks: their entity is a firm-wide
                    # figure and is not named
                    parent=above if above is not None and may_see(st, caller, above) else None,
                )
            )
    return out


# -- audit -------------------------------------------------------------------------
@router.get("/audit", response_model=list[S.AuditOut], tags=["auth"])
def getaudit_write(
    st: State, caller: FirmWide, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[S.AuditOut]:
    """Who changed or triggered what, when and from where (newest first)."""
    return [S.AuditOut.model_validate(r) for r in audit_log(st.catalog, limit)]
