"""Request dependencies: the service state, the caller's key, role and desk entitlements.

Every ``/v1`` route and ``/metrics`` depends on :func:`principal`, which reads the
key from ``X-API-Key`` (or ``Authorization: Bearer``), so a request without a valid
key never reaches a route (401). Node-level entitlement:

* ``desk:D`` and the books of desk ``D`` are visible to keys entitled to ``D``;
* ``entity:…``, ``firm:…`` and ``ima:…`` (firm totals) only to keys entitled to
  every desk (``*``) and to admins.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated

import pyarrow.compute as pc
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from riskcap.api.metrics import ServiceMetrics
from riskcap.api.runs import RunQueue
from riskcap.api.whatif import WhatIfCache
from riskcap.config import Settings
from riskcap.data.lake import Lake
from riskcap.errors import (
    AuthenticationError,
    InvalidInput,
    NotFoundError,
    PermissionDenied,
    TooManyRequests,
)
from riskcap.store.catalog import Catalog
from riskcap.store.service import Principal, verify_key

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="riskcap API key")
bearer = HTTPBearer(auto_error=False, description="riskcap API key as a bearer token")

DESK_LEVEL = "desk"
BOOK_LEVEL = "book"
KEY_CACHE_S = 5.0
# A key verified in the last quarter of an hour is still checked (and works) from an
# address throttled for guessing: a user behind the same address as a guesser is not
# locked out, and a guesser, who holds no good key, gains nothing.
KNOWN_GOOD_S = 900.0
REFRESH_S = 5.0  # the books table and calendar are re-read at most this often
THROTTLE_ADDRESSES = 10_000
log = logging.getLogger("riskcap.api.auth")


@dataclass
class BookMap:
    """book → desk of the lake's ``books`` table and the lake's calendar bounds, read at
    most every :data:`REFRESH_S` seconds.

    An unknown name never triggers a read: a foreign node and a made-up one cost the
    same (no timing difference tells them apart), and a flood of made-up names cannot
    make the service re-read the lake.
    """

    lake: Lake
    desks_of_book: dict[str, str] = field(default_factory=dict)
    known_nodes: set[str] = field(default_factory=set)
    parents: dict[str, str] = field(default_factory=dict)
    first_date: dt.date | None = None
    _read_at: float = -REFRESH_S
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _fresh(self) -> None:
        if time.monotonic() - self._read_at < REFRESH_S:
            return
        with self._lock:
            if time.monotonic() - self._read_at < REFRESH_S:
                return
            rows = self.lake.read("books").to_pylist()
            first = self.lake.read("market_data", columns=["date"]).column("date")
            self.first_date = pc.min(first).as_py() if len(first) else None
            self.desks_of_book = {r["book_id"]: r["desk"] for r in rows}
            self.parents = {}
            for r in rows:
                self.parents[f"book:{r['book_id']}"] = f"desk:{r['desk']}"
                self.parents[f"desk:{r['desk']}"] = f"entity:{r['legal_entity']}"
                self.parents[f"entity:{r['legal_entity']}"] = f"firm:{r['firm']}"
            self.known_nodes = (
                set(self.parents)
                | {f"firm:{r['firm']}" for r in rows}
                | {f"ima:{r['firm']}" for r in rows}
            )
            self._read_at = time.monotonic()

    def desk_of(self, node: str) -> str | None:
        """The desk a node belongs to (``None``: an entity or firm total)."""
        level, _, name = node.partition(":")
        if level == DESK_LEVEL:
            return name
        if level == BOOK_LEVEL:
            self._fresh()
            return self.desks_of_book.get(name)
        return None

    def exists(self, node: str) -> bool:
        self._fresh()
        return node in self.known_nodes

    def desks(self) -> set[str]:
        self._fresh()
        return {n.partition(":")[2] for n in self.known_nodes if n.startswith("desk:")}

    def check_date(self, day: dt.date, what: str) -> None:
        """422 unless ``day`` lies between the lake's first market-data date and today."""
        self._fresh()
        today = dt.date.today()
        first = self.first_date or today
        if day > today:
            raise InvalidInput(f"{what} {day} is in the future (today is {today})")
        if day < first:
            raise InvalidInput(
                f"{what} {day} is before the lake's calendar, which starts on {first} "
                "(the first market-data date)"
            )


class AuthThrottle:
    """Failed authentications per client address in a sliding minute.

    Past ``per_minute`` failures an address is refused (429), before any lookup, for
    keys not verified in the last :data:`KNOWN_GOOD_S` seconds; a good key in use keeps
    working (it is verified again, so a revocation still takes effect). At most
    :data:`THROTTLE_ADDRESSES` addresses are remembered (the oldest are dropped).
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float] | None:
        times = self._failures.get(address)
        if times is not None:
            while times and now - times[0] > 60.0:
                times.popleft()
        return times

    def blocked_for(self, address: str) -> float:
        """Seconds until ``address`` may try again (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if times is None or len(times) < self.per_minute:
                return 0.0
            return max(60.0 - (now - times[0]), 1.0)

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if times is None:
                times = self._failures[address] = deque()
            self._failures.move_to_end(address)
            times.append(now)
            while len(times) > self.per_minute:
                times.popleft()
            while len(self._failures) > THROTTLE_ADDRESSES:
                self._failures.popitem(last=False)


@dataclass
class ServiceState:
    """What the app holds for its lifetime (one per app, on ``app.state.riskcap``)."""

    settings: Settings
    catalog: Catalog
    lake: Lake
    books: BookMap
    whatif: WhatIfCache
    runs: RunQueue
    metrics: ServiceMetrics
    throttle: AuthThrottle
    _keys: dict[str, tuple[float, Principal]] = field(default_factory=dict)
    _good: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def cached_principal(self, token: str) -> Principal | None:
        """The principal of a key verified in the last :data:`KEY_CACHE_S` seconds."""
        hit = self._keys.get(token)
        if hit is not None and time.monotonic() - hit[0] < KEY_CACHE_S:
            return hit[1]
        return None

    def principal(self, token: str) -> Principal:
        """Verify a key (verified keys are remembered for a few seconds)."""
        p = self.cached_principal(token)
        if p is None:
            p = verify_key(self.catalog, token)
            now = time.monotonic()
            self._keys[token] = (now, p)
            self._good[token] = now
            self._good.move_to_end(token)
            while len(self._good) > THROTTLE_ADDRESSES:
                self._good.popitem(last=False)
        return p

    def known_good(self, token: str) -> bool:
        """Whether ``token`` was verified in the last :data:`KNOWN_GOOD_S` seconds."""
        seen = self._good.get(token)
        return seen is not None and time.monotonic() - seen < KNOWN_GOOD_S


def state(request: Request) -> ServiceState:
    st: ServiceState = request.app.state.riskcap
    return st


State = Annotated[ServiceState, Depends(state)]


def _token(key: str | None, bearer_token: HTTPAuthorizationCredentials | None) -> str | None:
    return key or (bearer_token.credentials if bearer_token else None)


def _key_id(token: str) -> str | None:
    """The key id of a well-formed token (for logs; never the secret)."""
    parts = token.split("_", 2)
    return parts[1][:24] if len(parts) == 3 and parts[0] == "rk" else None


def authenticate(st: ServiceState, request: Request, token: str | None) -> Principal:
    """The caller of ``token``; failures are logged, counted and throttled per address.

    Raises
    ------
    AuthenticationError
        No, malformed, unknown or revoked key (401).
    TooManyRequests
        This address failed too often in the last minute (429).
    """
    address = client_address(request) or "unknown"
    if not token:
        reason, error = "missing", AuthenticationError("an API key is required (header X-API-Key)")
    else:
        p = st.cached_principal(token)
        if p is not None:
            return p
        wait = 0.0 if st.known_good(token) else st.throttle.blocked_for(address)
        if wait > 0:
            st.metrics.auth_failures.labels("throttled").inc()
            raise TooManyRequests(
                f"too many failed authentications from this address; retry in {wait:.0f} s",
                retry_after_s=wait,
            )
        try:
            return st.principal(token)
        except AuthenticationError as exc:
            reason, error = exc.reason, exc
    if token:  # a guess costs a lookup; no key at all costs nothing and is not throttled
        st.throttle.failed(address)
    st.metrics.auth_failures.labels(reason).inc()
    log.warning(
        "authentication failed (%s) from %s, key id %s, %s %s",
        reason,
        address,
        _key_id(token) if token else None,
        request.method,
        getattr(request.scope.get("route"), "path", "?"),
    )
    raise error


def principal(
    request: Request,
    key: Annotated[str | None, Security(api_key_header)] = None,
    bearer_token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> Principal:
    p = authenticate(state(request), request, _token(key, bearer_token))
    request.state.principal = p
    return p


def optional_principal(
    request: Request,
    key: Annotated[str | None, Security(api_key_header)] = None,
    bearer_token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> Principal | None:
    """The caller when a key is sent (checked like any key), else ``None``."""
    token = _token(key, bearer_token)
    return None if token is None else authenticate(state(request), request, token)


Caller = Annotated[Principal, Depends(principal)]
MaybeCaller = Annotated[Principal | None, Depends(optional_principal)]


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
    """404 unless ``node`` exists and ``caller`` may see it.

    A node outside the caller's entitlement answers exactly like one that does not
    exist (same status, same body, same work), so ids cannot be probed.
    """
    if not (may_see(st, caller, node) and st.books.exists(node)):
        raise NotFoundError(f"no node {node!r} among the nodes this key may see")


def visible(st: ServiceState, caller: Principal, nodes: Iterable[str]) -> list[str]:
    return [n for n in nodes if may_see(st, caller, n)]


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
