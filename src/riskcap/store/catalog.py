"""The catalog: relational records of the EOD process (SQLAlchemy 2).

SQLite file by default, PostgreSQL by URL (``catalog.url``). Tables:

``ready_events``
    One row per (source, as_of) an upstream system declared ready (the EOD
    checklist). Marking a source ready again keeps the first row.
``snapshots``
    One row per EOD snapshot build: as_of, the positions table version it wrote,
    and the input table versions it read.
``quality_results``
    Every data-quality check result, passed or not (the gate's audit trail).
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
    Boolean,
    Date,
    DateTime,
    Engine,
    ForeignKey,
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
            Base.metadata.create_all(self.engine)
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
