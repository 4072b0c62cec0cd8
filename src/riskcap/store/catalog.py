"""The catalog: relational records of the EOD process (SQLAlchemy 2 + Alembic).

SQLite file by default, PostgreSQL by URL (``catalog.url``). The schema is owned by
the Alembic migrations in ``riskcap/store/migrations`` (opening a :class:`Catalog`
upgrades the database to the latest revision); the ORM models below must match
them, which a test checks on both backends. Tables used so far:

``ready_events``
    One row per (source, as_of) an upstream system declared ready (the EOD
    checklist). Marking a source ready again keeps the first row.
``snapshots``
    One row per EOD snapshot build: as_of, the positions table version it wrote,
    and the input table versions it read.
``quality_results``
    Every data-quality check result, passed or not (the gate's audit trail).

Tables of the EOD pipeline, the regulatory runs and the service (filled by those
parts): ``runs``, ``tasks``, ``lineage``, ``results``, ``limits``, ``alerts``,
``api_keys``, ``audit_log``, ``backtest_exceptions``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from riskcap.errors import CatalogError
from riskcap.store.migrate import upgrade


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class ReadyEvent(Base):
    __tablename__ = "ready_events"
    __table_args__ = (UniqueConstraint("source", "as_of", name="uq_ready_source_as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200), default="cli")


class SnapshotRecord(Base):
    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    previous_as_of: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    positions_version: Mapped[int] = mapped_column(Integer)
    input_versions: Mapped[dict[str, int]] = mapped_column(JSON)
    rows: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


class QualityResultRecord(Base):
    __tablename__ = "quality_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("snapshots.id"), nullable=True, index=True
    )
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    check_name: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(20))
    passed: Mapped[bool] = mapped_column(Boolean)
    failing_count: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    sample: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Run(Base):
    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20))
    engine: Mapped[str] = mapped_column(String(20))
    config_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(BigInteger)
    code_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("run_id", "name", name="uq_task_run_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Lineage(Base):
    __tablename__ = "lineage"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), primary_key=True)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (Index("ix_results_as_of_node", "as_of", "node"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    node: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(50))
    horizon: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)


class Limit(Base):
    __tablename__ = "limits"
    __table_args__ = (UniqueConstraint("node", "measure", "horizon", name="uq_limit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(50))
    horizon: Mapped[int] = mapped_column(Integer)
    limit_value: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    limit_id: Mapped[int] = mapped_column(ForeignKey("limits.id"))
    node: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    limit_value: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiKey(Base):
    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(20))
    desks: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200))
    client: Mapped[str | None] = mapped_column(String(100), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class BacktestException(Base):
    __tablename__ = "backtest_exceptions"
    __table_args__ = (
        UniqueConstraint("node", "date", "pnl_type", "confidence", name="uq_backtest_exception"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.run_id"), nullable=True)
    node: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date] = mapped_column(Date)
    pnl_type: Mapped[str] = mapped_column(String(20))  # hypothetical | actual
    pnl: Mapped[float] = mapped_column(Float)
    var: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


@dataclass(frozen=True)
class ReadyMark:
    source: str
    as_of: dt.date
    recorded_at: dt.datetime
    newly_recorded: bool


class Catalog:
    """Access to the catalog database. Creates its tables on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url, future=True)
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise CatalogError(
                f"catalog {_safe(url)} unavailable: {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0]}"
            ) from exc

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise CatalogError(f"catalog {_safe(self.url)}: {str(exc).splitlines()[0]}") from exc

    # -- checklist ------------------------------------------------------------------
    def mark_ready(self, source: str, as_of: dt.date, recorded_by: str = "cli") -> ReadyMark:
        """Record that ``source`` delivered everything for ``as_of`` (idempotent)."""
        with self.session() as s:
            existing = s.scalar(
                select(ReadyEvent).where(ReadyEvent.source == source, ReadyEvent.as_of == as_of)
            )
            if existing is not None:
                return ReadyMark(source, as_of, existing.recorded_at, newly_recorded=False)
        try:
            with self.session() as s:
                event = ReadyEvent(source=source, as_of=as_of, recorded_by=recorded_by)
                s.add(event)
                s.flush()
                return ReadyMark(source, as_of, event.recorded_at, newly_recorded=True)
        except CatalogError as exc:  # a concurrent writer won the unique constraint
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            return self.mark_ready(source, as_of, recorded_by)

    def ready_sources(self, as_of: dt.date) -> set[str]:
        with self.session() as s:
            return set(s.scalars(select(ReadyEvent.source).where(ReadyEvent.as_of == as_of)))

    # -- snapshots ------------------------------------------------------------------
    def record_snapshot(
        self,
        as_of: dt.date,
        previous_as_of: dt.date | None,
        positions_version: int,
        input_versions: dict[str, int],
        rows: int,
    ) -> int:
        with self.session() as s:
            rec = SnapshotRecord(
                as_of=as_of,
                previous_as_of=previous_as_of,
                positions_version=positions_version,
                input_versions=input_versions,
                rows=rows,
            )
            s.add(rec)
            s.flush()
            return int(rec.id)

    def latest_snapshot(self, as_of: dt.date) -> SnapshotRecord | None:
        with self.session() as s:
            return s.scalar(
                select(SnapshotRecord)
                .where(SnapshotRecord.as_of == as_of)
                .order_by(SnapshotRecord.id.desc())
                .limit(1)
            )

    # -- quality --------------------------------------------------------------------
    def record_quality(self, rows: Sequence[dict[str, Any]]) -> None:
        with self.session() as s:
            for row in rows:
                s.add(QualityResultRecord(**_jsonable(row)))

    def quality_results(self, as_of: dt.date) -> list[QualityResultRecord]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(QualityResultRecord)
                    .where(QualityResultRecord.as_of == as_of)
                    .order_by(QualityResultRecord.id)
                )
            )


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if "sample" in out:
        out["sample"] = json.loads(json.dumps(out["sample"], default=str))
    return out


def _safe(url: str) -> str:
    """The URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url
