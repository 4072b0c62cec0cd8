"""Request dependencies: the service state, the caller's key, role and desk entitlements.

Every ``/v1`` route and ``/metrics`` depends on :func:`principal`, which reads the
key from ``X-API-Key`` (or ``Authorization: Bearer``), so a request without a valid
key never reaches a route (401). Node-level entitlement:

* ``desk:D`` and the books of desk ``D`` are visible to keys entitled to ``D``;
* ``entity:…``, ``firm:…`` and ``ima:…`` (firm totals) only to keys entitled to
  every desk (``*``) and to admins.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from riskcap.api.runs import RunQueue
from riskcap.api.whatif import WhatIfCache
from riskcap.config import Settings
from riskcap.data.lake import Lake
from riskcap.errors import AuthenticationError, NotFoundError, PermissionDenied
from riskcap.store.catalog import Catalog
from riskcap.store.service import Principal, verify_key

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="riskcap API key")
bearer = HTTPBearer(auto_error=False, description="riskcap API key as a bearer token")

DESK_LEVEL = "desk"
BOOK_LEVEL = "book"
KEY_CACHE_S = 5.0


@dataclass
class BookMap:
    """book → desk of the lake's ``books`` table, refreshed when a node is unknown."""

    lake: Lake
    desks_of_book: dict[str, str] = field(default_factory=dict)
    known_nodes: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self) -> None:
        rows = self.lake.read("books").to_pylist()
        with self._lock:
            self.desks_of_book = {r["book_id"]: r["desk"] for r in rows}
            self.known_nodes = (
                {f"book:{r['book_id']}" for r in rows}
                | {f"desk:{r['desk']}" for r in rows}
                | {f"entity:{r['legal_entity']}" for r in rows}
                | {f"firm:{r['firm']}" for r in rows}
                | {f"ima:{r['firm']}" for r in rows}
            )

    def desk_of(self, node: str) -> str | None:
        """The desk a node belongs to (``None``: an entity or firm total)."""
        level, _, name = node.partition(":")
        if level == DESK_LEVEL:
            return name
        if level == BOOK_LEVEL:
            if name not in self.desks_of_book:
                self.refresh()
            return self.desks_of_book.get(name)
        return None

    def exists(self, node: str) -> bool:
        if node not in self.known_nodes:
            self.refresh()
        return node in self.known_nodes


@dataclass
class ServiceState:
    """What the app holds for its lifetime (one per app, on ``app.state.riskcap``)."""

    settings: Settings
    catalog: Catalog
    lake: Lake
    books: BookMap
    whatif: WhatIfCache
    runs: RunQueue
    _keys: dict[str, tuple[float, Principal]] = field(default_factory=dict)

    def principal(self, token: str) -> Principal:
        """Verify a key (verified keys are remembered for a few seconds)."""
        now = time.monotonic()
        hit = self._keys.get(token)
        if hit is not None and now - hit[0] < KEY_CACHE_S:
            return hit[1]
        p = verify_key(self.catalog, token)
        self._keys[token] = (now, p)
        return p


def state(request: Request) -> ServiceState:
    st: ServiceState = request.app.state.riskcap
    return st


State = Annotated[ServiceState, Depends(state)]


def principal(
    request: Request,
    key: Annotated[str | None, Security(api_key_header)] = None,
    bearer_token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> Principal:
    token = key or (bearer_token.credentials if bearer_token else None)
    if not token:
        raise AuthenticationError("an API key is required (header X-API-Key)")
    p = state(request).principal(token)
    request.state.principal = p
    return p


Caller = Annotated[Principal, Depends(principal)]


def writer(caller: Caller) -> Principal:
    """A caller allowed to write (risk_manager or admin)."""
    if not caller.may_write():
        raise PermissionDenied(f"role {caller.role.value} may not change anything")
    return caller


Writer = Annotated[Principal, Depends(writer)]


def firm_wide(caller: Caller) -> Principal:
    """A caller entitled to every desk (firm totals, audit, metrics)."""
    if not caller.all_desks:
        raise PermissionDenied("this needs a key entitled to every desk ('*')")
    return caller


FirmWide = Annotated[Principal, Depends(firm_wide)]


def firm_writer(caller: Writer) -> Principal:
    """A writer entitled to every desk: firm-wide actions (EOD triggers, ready events)."""
    return firm_wide(caller)


FirmWriter = Annotated[Principal, Depends(firm_writer)]


def may_see(st: ServiceState, caller: Principal, node: str) -> bool:
    if caller.all_desks:
        return True
    desk = st.books.desk_of(node)
    return desk is not None and caller.sees_desk(desk)


def check_node(st: ServiceState, caller: Principal, node: str) -> None:
    """403 unless ``caller`` may see ``node``; 404 if no such node exists."""
    if not may_see(st, caller, node):
        raise PermissionDenied(
            f"key {caller.key_id} is not entitled to {node} "
            f"(desks: {', '.join(caller.desks)}; firm totals need '*')"
        )
    if not st.books.exists(node):
        raise NotFoundError(f"no node {node!r} (nodes look like desk:EQ-CASH or book:EQC-TECH)")


def visible(st: ServiceState, caller: Principal, nodes: Iterable[str]) -> list[str]:
    return [n for n in nodes if may_see(st, caller, n)]


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
