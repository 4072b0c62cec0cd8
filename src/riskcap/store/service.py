"""Catalog records of the risk service: API keys, audit log, limits, alerts, run requests.

API keys are ``rk_<key id>_<secret>``; only the SHA-256 of the whole key is stored
(the secret is 256 random bits, so a plain hash is as strong as a slow one and
costs microseconds per request). A key carries a role and the desks it may see;
``*`` means every desk and is the only way to see entity and firm figures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from riskcap.errors import (
    AuthenticationError,
    CatalogError,
    InvalidInput,
    LimitConflict,
    NotFoundError,
)
from riskcap.store.catalog import (
    Alert,
    ApiKey,
    AuditEntry,
    BacktestException,
    Catalog,
    Limit,
    Result,
    RunRequest,
    _utcnow,
)
from riskcap.store.roles import ALL_DESKS as ALL_DESKS  # re-exported
from riskcap.store.roles import Role as Role

T = TypeVar("T")
KEY_PREFIX = "rk"
_KEY_ID = re.compile(r"[0-9a-f]{12}")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key id, role and desk entitlements."""

    key_id: str
    role: Role
    desks: tuple[str, ...]

    @property
    def all_desks(self) -> bool:
        return self.role is Role.ADMIN or ALL_DESKS in self.desks

    def may_write(self) -> bool:
        return self.role in (Role.RISK_MANAGER, Role.ADMIN)

    def sees_desk(self, desk: str) -> bool:
        return self.all_desks or desk in self.desks


@dataclass(frozen=True)
class NewKey:
    key_id: str
    token: str  # shown once; only its hash is stored
    role: Role
    desks: tuple[str, ...]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(
    catalog: Catalog,
    role: Role,
    desks: Sequence[str],
    description: str = "",
    *,
    known_desks: Collection[str] | None = None,
) -> NewKey:
    """Create a key for ``role`` on ``desks`` (``["*"]``: every desk) and store its hash.

    An admin key is firm-wide by definition, so it takes ``*`` only. With
    ``known_desks`` (the lake's desks) every named desk must be one of them.

    Raises
    ------
    InvalidInput
        No desk, desks for an admin, or a desk not among ``known_desks``.
    """
    desks = tuple(sorted({d.strip() for d in desks if d.strip()}))
    if not desks:
        raise InvalidInput("a key needs at least one desk (or '*' for every desk)")
    if ALL_DESKS in desks and len(desks) > 1:
        raise InvalidInput("'*' already means every desk: name desks or '*', not both")
    if role is Role.ADMIN and desks != (ALL_DESKS,):
        raise InvalidInput(
            "an admin key sees every desk: create it with --desks '*' (or use the "
            "risk_manager role for a desk-scoped writer)"
        )
    if known_desks is not None and desks != (ALL_DESKS,):
        unknown = sorted(set(desks) - set(known_desks))
        if unknown:
            raise InvalidInput(
                f"no desk {', '.join(unknown)} in the lake's books; known desks: "
                f"{', '.join(sorted(known_desks)) or 'none yet (ingest books first)'}"
            )
    key_id = secrets.token_hex(6)
    token = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    with catalog.session() as s:
        s.add(
            ApiKey(
                key_id=key_id,
                key_hash=_hash(token),
                role=role.value,
                desks=list(desks),
                description=description or None,
            )
        )
    return NewKey(key_id, token, role, desks)


def verify_key(catalog: Catalog, token: str) -> Principal:
    """The principal of ``token``.

    Raises
    ------
    AuthenticationError
        Malformed, unknown or revoked key (the message never echoes the key).
    """
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not _KEY_ID.fullmatch(parts[1]):
        raise AuthenticationError(
            "malformed API key (keys look like rk_<id>_<secret>)", reason="malformed"
        )
    with catalog.session() as s:
        row = s.get(ApiKey, parts[1])
    if row is None or not hmac.compare_digest(row.key_hash, _hash(token)):
        raise AuthenticationError("unknown API key", reason="unknown")
    if row.revoked_at is not None:
        raise AuthenticationError(
            f"API key {row.key_id} was revoked on {row.revoked_at:%Y-%m-%d}", reason="revoked"
        )
    return Principal(row.key_id, Role(row.role), tuple(row.desks))


def _existing(session: Session, model: type[T], key: object, what: str) -> T:
    """The row of ``model`` with primary key ``key``, or NotFoundError naming it."""
    row = session.get(model, key)
    if row is None:
        raise NotFoundError(f"no {what} {key!r}")
    return row


def list_keys(catalog: Catalog) -> list[ApiKey]:
    with catalog.session() as s:
        return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.key_id)))


def revoke_key(catalog: Catalog, key_id: str) -> ApiKey:
    with catalog.session() as s:
        row = _existing(s, ApiKey, key_id, "API key")
        if row.revoked_at is None:
            row.revoked_at = _utcnow()
        return row


# -- audit -------------------------------------------------------------------------
def audit(
    catalog: Catalog,
    actor: str,
    action: str,
    target: str,
    client: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append who did what to which object, when and from where."""
    with catalog.session() as s:
        s.add(
            AuditEntry(
                actor=actor[:100],
                action=action[:100],
                target=target[:200],
                client=(client or "")[:100] or None,
                detail=detail or {},
            )
        )


def audit_log(catalog: Catalog, limit: int = 100) -> list[AuditEntry]:
    with catalog.session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


# -- limits and alerts -------------------------------------------------------------
def list_limits(catalog: Catalog) -> list[Limit]:
    with catalog.session() as s:
        return list(s.scalars(select(Limit).order_by(Limit.node, Limit.measure, Limit.id)))


def get_limit(catalog: Catalog, limit_id: int) -> Limit:
    with catalog.session() as s:
        row = _existing(s, Limit, limit_id, "limit")
        return row


def save_limit(catalog: Catalog, values: dict[str, Any], limit_id: int | None = None) -> Limit:
    """Create a limit (``limit_id`` None) or replace one's fields.

    Raises
    ------
    CatalogError
        Another limit already covers that node and figure (a conflict).
    NotFoundError
        ``limit_id`` does not exist.
    """
    try:
        with catalog.session() as s:
            if limit_id is None:
                row = Limit(**values)
                s.add(row)
            else:
                row = _existing(s, Limit, limit_id, "limit")
                for k, v in values.items():
                    setattr(row, k, v)
            s.flush()
            return row
    except CatalogError as exc:
        if isinstance(exc.__cause__, IntegrityError):
            raise LimitConflict(
                f"a limit on {values.get('node')} {values.get('method')} "
                f"{values.get('measure')} {values.get('horizon')}d "
                f"{values.get('confidence')} exists already; update it instead"
            ) from None
        raise


def delete_limit(catalog: Catalog, limit_id: int) -> Limit:
    """Delete a limit; its alerts stay (they carry the node, figure and limit value)."""
    with catalog.session() as s:
        row = _existing(s, Limit, limit_id, "limit")
        s.execute(update(Alert).where(Alert.limit_id == limit_id).values(limit_id=None))
        s.delete(row)
        return row


def list_alerts(catalog: Catalog, run_id: str | None = None, limit: int = 200) -> list[Alert]:
    with catalog.session() as s:
        q = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if run_id is not None:
            q = q.where(Alert.run_id == run_id)
        return list(s.scalars(q))


def get_alert(catalog: Catalog, alert_id: int) -> Alert:
    with catalog.session() as s:
        row = _existing(s, Alert, alert_id, "alert")
        return row


def acknowledge_alert(catalog: Catalog, alert_id: int) -> Alert:
    with catalog.session() as s:
        row = _existing(s, Alert, alert_id, "alert")
        row.acknowledged = True
        return row


# -- EOD requests ------------------------------------------------------------------
def create_request(
    catalog: Catalog, as_of: dt.date, force: bool, requested_by: str, client: str | None
) -> RunRequest:
    req = RunRequest(
        request_id=str(uuid.uuid4()),
        as_of=as_of,
        force=force,
        requested_by=requested_by,
        client=client,
        status="queued",
    )
    with catalog.session() as s:
        s.add(req)
    return req


def get_request(catalog: Catalog, request_id: str) -> RunRequest | None:
    with catalog.session() as s:
        return s.get(RunRequest, request_id)


def update_request(catalog: Catalog, request_id: str, **values: Any) -> None:
    if values.get("status") in ("succeeded", "failed"):
        values["finished_at"] = _utcnow()
    with catalog.session() as s:
        s.execute(update(RunRequest).where(RunRequest.request_id == request_id).values(**values))


# -- published figures ----------------------------------------------------------------
def results_of_runs(
    catalog: Catalog,
    run_ids: Sequence[str],
    *,
    node: str | None = None,
    measure: str | None = None,
    method: str | None = None,
    horizon: int | None = None,
    confidence: float | None = None,
) -> list[Result]:
    """The published figures of ``run_ids``, oldest date first, narrowed by the filters
    given (``None``: any)."""
    q = select(Result).where(Result.run_id.in_(list(run_ids)))
    for column, value in (
        (Result.node, node),
        (Result.measure, measure),
        (Result.method, method),
        (Result.horizon, horizon),
        (Result.confidence, confidence),
    ):
        if value is not None:
            q = q.where(column == value)
    with catalog.session() as s:
        return list(s.scalars(q.order_by(Result.as_of, Result.id)))


def backtest_exceptions(
    catalog: Catalog,
    *,
    node: str | None = None,
    method: str | None = None,
    until: dt.date | None = None,
) -> list[BacktestException]:
    """Recorded backtest exceptions up to ``until``, oldest first (a later run may record
    the same exception again: callers keep one per node, day, P&L type and model)."""
    q = select(BacktestException)
    if node is not None:
        q = q.where(BacktestException.node == node)
    if method is not None:
        q = q.where(BacktestException.method == method)
    if until is not None:
        q = q.where(BacktestException.date <= until)
    with catalog.session() as s:
        return list(s.scalars(q.order_by(BacktestException.date, BacktestException.id)))
