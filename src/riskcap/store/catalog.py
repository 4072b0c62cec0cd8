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
``api_keys``, ``audit_log``, ``backtest_exceptions``; ``backtest_observations`` and
``pnl_attribution`` copy the lake tables of those names for fast history windows.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
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
    delete,
    event,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from riskcap.config import Settings, redact_credentials
from riskcap.errors import CatalogError, NotFoundError
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
    run_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


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
    run_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


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
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


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
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Lineage(Base):
    __tablename__ = "lineage"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), primary_key=True)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (
        Index("ix_results_as_of_node", "as_of", "node"),
        Index(
            "uq_results_figure",
            "run_id",
            "node",
            "method",
            "measure",
            "horizon",
            "confidence",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    node: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(50))
    horizon: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(20), server_default="")
    scenarios: Mapped[int] = mapped_column(Integer, server_default="0")


class Limit(Base):
    """A limit on one published figure of one node: VaR or ES by method, horizon and
    confidence (``measure`` var | es). A run whose figure exceeds it raises an alert."""

    __tablename__ = "limits"
    __table_args__ = (
        UniqueConstraint(
            "node", "measure", "method", "horizon", "confidence", name="uq_limit_figure"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(50))
    horizon: Mapped[int] = mapped_column(Integer)
    limit_value: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    method: Mapped[str] = mapped_column(String(20), server_default="hs")
    confidence: Mapped[float] = mapped_column(Float, server_default="0.99")
    description: Mapped[str] = mapped_column(Text, server_default="")


class Alert(Base):
    """A limit breach found after a run (one per run and limit)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("run_id", "limit_id", name="uq_alert_run_limit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    limit_id: Mapped[int | None] = mapped_column(ForeignKey("limits.id"), nullable=True)
    node: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    limit_value: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)
    method: Mapped[str] = mapped_column(String(20), server_default="hs")
    horizon: Mapped[int] = mapped_column(Integer, server_default="1")
    confidence: Mapped[float] = mapped_column(Float, server_default="0.99")
    as_of: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    message: Mapped[str] = mapped_column(Text, server_default="")
    webhook: Mapped[str | None] = mapped_column(String(200), nullable=True)


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


class RunRequest(Base):
    """An EOD run asked for through the API: queued, then running, then done.

    ``request_id`` is the run id the service answered with; a request that found a
    succeeded run with the same inputs (or resumed an unfinished one) points at that
    run in ``run_id``.
    """

    __tablename__ = "run_requests"

    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    force: Mapped[bool] = mapped_column(Boolean)
    requested_by: Mapped[str] = mapped_column(String(100))
    client: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # queued | running | succeeded | failed
    run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BacktestException(Base):
    """A day whose loss exceeded the previous day's 1-day VaR (one row per exception)."""

    __tablename__ = "backtest_exceptions"
    __table_args__ = (
        UniqueConstraint(
            "run_id", "node", "method", "pnl_type", "confidence", name="uq_backtest_exception"
        ),
        Index("ix_backtest_exceptions_node_date", "node", "date"),
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
    method: Mapped[str] = mapped_column(String(20), server_default="hs")
    var_as_of: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class BacktestObservation(Base):
    """One backtest observation (the catalog's copy of a lake ``backtest`` row), so the
    capital and FRTB tasks read a 250-day window by run id from an index instead of
    opening 250 daily partitions."""

    __tablename__ = "backtest_observations"
    __table_args__ = (
        UniqueConstraint(
            "run_id", "node", "method", "confidence", "pnl_type", name="uq_backtest_observation"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    node: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    pnl_type: Mapped[str] = mapped_column(String(20))
    pnl: Mapped[float] = mapped_column(Float)
    var: Mapped[float] = mapped_column(Float)
    var_as_of: Mapped[dt.date] = mapped_column(Date)
    var_run_id: Mapped[str] = mapped_column(String(36))
    exception: Mapped[bool] = mapped_column(Boolean)


class PnlAttributionRecord(Base):
    """One node's hypothetical and risk-theoretical P&L of a day (the catalog's copy of a
    lake ``pnl_attribution`` row), read by run id for the PLA window."""

    __tablename__ = "pnl_attribution"
    __table_args__ = (UniqueConstraint("run_id", "node", name="uq_pnl_attribution"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    node: Mapped[str] = mapped_column(String(200))
    hypothetical: Mapped[float] = mapped_column(Float)
    risk_theoretical: Mapped[float] = mapped_column(Float)
    previous_as_of: Mapped[dt.date] = mapped_column(Date)


class StressedPeriod(Base):
    """The stressed window a run chose (¶718(Lxxvi)(i)) and the VaR it gives."""

    __tablename__ = "stressed_periods"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    node: Mapped[str] = mapped_column(String(200))  # the node the search ran on
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    window: Mapped[int] = mapped_column(Integer)
    horizon: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    var: Mapped[float] = mapped_column(Float)
    windows_searched: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(Text)


class CapitalResult(Base):
    """Basel 2.5 market-risk capital of one node in one run, with its breakdown."""

    __tablename__ = "capital_results"
    __table_args__ = (UniqueConstraint("run_id", "node", "regime", name="uq_capital_result"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    node: Mapped[str] = mapped_column(String(200))
    regime: Mapped[str] = mapped_column(String(20))  # basel25
    capital: Mapped[float] = mapped_column(Float)
    var_latest: Mapped[float] = mapped_column(Float)
    var_average: Mapped[float] = mapped_column(Float)
    var_days: Mapped[int] = mapped_column(Integer)
    var_term: Mapped[float] = mapped_column(Float)
    svar_latest: Mapped[float] = mapped_column(Float)
    svar_average: Mapped[float] = mapped_column(Float)
    svar_days: Mapped[int] = mapped_column(Integer)
    svar_term: Mapped[float] = mapped_column(Float)
    multiplier: Mapped[float] = mapped_column(Float)
    plus_factor: Mapped[float] = mapped_column(Float)
    zone: Mapped[str] = mapped_column(String(10))
    exceptions: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class StressResult(Base):
    """P&L of one node under one stress scenario in one run (profit positive)."""

    __tablename__ = "stress_results"
    __table_args__ = (UniqueConstraint("run_id", "scenario", "node", name="uq_stress_result"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    scenario: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # historical | hypothetical | reverse
    node: Mapped[str] = mapped_column(String(200))
    pnl: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class FrtbResult(Base):
    """FRTB IMA figures and capital of one node in one run (MAR33), with the breakdown."""

    __tablename__ = "frtb_results"
    __table_args__ = (UniqueConstraint("run_id", "node", name="uq_frtb_result"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    node: Mapped[str] = mapped_column(String(200))
    capital: Mapped[float] = mapped_column(Float)  # C_A, MAR33.41
    imcc: Mapped[float] = mapped_column(Float)
    ses: Mapped[float] = mapped_column(Float)
    imcc_average: Mapped[float] = mapped_column(Float)
    ses_average: Mapped[float] = mapped_column(Float)
    average_days: Mapped[int] = mapped_column(Integer)
    binding: Mapped[str] = mapped_column(String(10))  # latest | average
    es: Mapped[float] = mapped_column(Float)  # stress-calibrated unconstrained ES
    es_fc: Mapped[float] = mapped_column(Float)
    es_rc: Mapped[float] = mapped_column(Float)
    es_rs: Mapped[float] = mapped_column(Float)
    explained: Mapped[float] = mapped_column(Float)  # ES_R,C / ES_F,C today
    explained_average: Mapped[float] = mapped_column(Float)  # over the last 12 weeks
    multiplier: Mapped[float] = mapped_column(Float)
    plus_factor: Mapped[float] = mapped_column(Float)
    zone: Mapped[str] = mapped_column(String(10))
    exceptions: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)
    stressed_start: Mapped[dt.date] = mapped_column(Date)
    stressed_end: Mapped[dt.date] = mapped_column(Date)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class FrtbDeskTest(Base):
    """A desk's FRTB eligibility tests in one run: backtesting (MAR32) and PLA."""

    __tablename__ = "frtb_desk_tests"
    __table_args__ = (UniqueConstraint("run_id", "node", name="uq_frtb_desk_test"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    node: Mapped[str] = mapped_column(String(200))
    exceptions_99: Mapped[int] = mapped_column(Integer)
    exceptions_975: Mapped[int] = mapped_column(Integer)
    backtest_observations: Mapped[int] = mapped_column(Integer)
    spearman: Mapped[float | None] = mapped_column(Float, nullable=True)
    ks: Mapped[float | None] = mapped_column(Float, nullable=True)
    pla_observations: Mapped[int] = mapped_column(Integer)
    pla_zone: Mapped[str] = mapped_column(String(10))  # green | amber | red | n/a
    eligible: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)


class RiskFactorEligibility(Base):
    """The risk-factor eligibility test (MAR31.12) of one factor in one run."""

    __tablename__ = "risk_factor_eligibility"
    __table_args__ = (UniqueConstraint("run_id", "factor_id", name="uq_risk_factor_eligibility"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    factor_id: Mapped[str] = mapped_column(String(200))
    risk_class: Mapped[str] = mapped_column(String(20))
    liquidity_horizon: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(Text)
    observations: Mapped[int] = mapped_column(Integer)
    min_in_90_days: Mapped[int] = mapped_column(Integer)
    modellable: Mapped[bool] = mapped_column(Boolean)
    rule: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class ReadyMark:
    source: str
    as_of: dt.date
    recorded_at: dt.datetime
    newly_recorded: bool


class Catalog:
    """Access to the catalog database. Creates its tables on first use."""

    def __init__(self, url: str, *, file_mode: int | None = None) -> None:
        self.url = url
        if file_mode is not None:
            _create_sqlite_file(url, file_mode)
        try:
            self.engine: Engine = create_engine(url, future=True)
            if _sqlite_path(url) is not None:
                event.listen(self.engine, "connect", _sqlite_wal)
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise CatalogError(
                f"catalog {redact_credentials(url)} unavailable: {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0]}"
            ) from exc

    @classmethod
    def of(cls, settings: Settings) -> Catalog:
        """The catalog of ``settings`` (a new SQLite file gets ``catalog.file_mode``)."""
        return cls(settings.catalog_url, file_mode=settings.catalog.file_permissions)

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise CatalogError(
                f"catalog {redact_credentials(self.url)}: {str(exc).splitlines()[0]}"
            ) from exc

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
        input_versions: Mapping[str, int],
        rows: int,
        run_id: str | None = None,
    ) -> int:
        """Record a snapshot build; a run's earlier record (a retried task) is replaced."""
        with self.session() as s:
            if run_id is not None:
                s.execute(delete(QualityResultRecord).where(QualityResultRecord.run_id == run_id))
                s.execute(delete(SnapshotRecord).where(SnapshotRecord.run_id == run_id))
            rec = SnapshotRecord(
                as_of=as_of,
                previous_as_of=previous_as_of,
                positions_version=positions_version,
                input_versions=input_versions,
                rows=rows,
                run_id=run_id,
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
    def latest_snapshot_id(self, as_of: dt.date) -> int | None:
        latest = self.latest_snapshot(as_of)
        return latest.id if latest is not None else None

    def record_quality(self, rows: Sequence[dict[str, Any]], run_id: str | None = None) -> None:
        """Store check results; a run's earlier results (a retried task) are replaced."""
        with self.session() as s:
            if run_id is not None:
                s.execute(delete(QualityResultRecord).where(QualityResultRecord.run_id == run_id))
            for row in rows:
                s.add(QualityResultRecord(**_jsonable(row), run_id=run_id))

    def quality_results(
        self, as_of: dt.date, run_id: str | None = None
    ) -> list[QualityResultRecord]:
        """Check results of ``as_of`` (only those of ``run_id`` when given), oldest first."""
        with self.session() as s:
            q = select(QualityResultRecord).where(QualityResultRecord.as_of == as_of)
            if run_id is not None:
                q = q.where(QualityResultRecord.run_id == run_id)
            return list(s.scalars(q.order_by(QualityResultRecord.id)))

    # -- runs and tasks -------------------------------------------------------------
    def create_run(self, run: Run) -> Run:
        with self.session() as s:
            s.add(run)
        return run

    def run(self, run_id: str) -> Run:
        """The run ``run_id`` (a unique prefix of at least 8 characters is enough)."""
        with self.session() as s:
            found = s.get(Run, run_id)
            if found is None and len(run_id) >= 8:
                matches = list(
                    s.scalars(
                        select(Run).where(Run.run_id.startswith(run_id, autoescape=True)).limit(2)
                    )
                )
                found = matches[0] if len(matches) == 1 else None
            if found is None:
                raise NotFoundError(f"no run {run_id!r} in the catalog")
            return found

    def runs_by_key(self, run_key: str) -> list[Run]:
        """Runs with ``run_key``, newest first."""
        with self.session() as s:
            return list(
                s.scalars(
                    select(Run)
                    .where(Run.run_key == run_key)
                    .order_by(Run.created_at.desc(), Run.run_id)
                )
            )

    def list_runs(self, as_of: dt.date | None = None, limit: int = 50) -> list[Run]:
        """The latest runs (of ``as_of`` if given), newest first."""
        with self.session() as s:
            q = select(Run).order_by(Run.created_at.desc(), Run.run_id).limit(limit)
            if as_of is not None:
                q = q.where(Run.as_of == as_of)
            return list(s.scalars(q))

    def run_of_record(self, as_of: dt.date | None = None) -> Run:
        """The run of record of ``as_of`` — its newest succeeded run (ties: the smallest
        run id) — or, without ``as_of``, that of the latest date that has one. Every
        reader of published figures (CLI, API, metrics, what-if) goes through here.

        Raises
        ------
        NotFoundError
            No succeeded run (of ``as_of``) yet; the message names the command.
        """
        with self.session() as s:
            q = select(Run).where(Run.status == RunStatus.SUCCEEDED)
            if as_of is not None:
                q = q.where(Run.as_of == as_of)
            run = s.scalar(q.order_by(Run.as_of.desc(), Run.created_at.desc(), Run.run_id).limit(1))
        if run is None:
            day = as_of.isoformat() if as_of is not None else "DATE"
            raise NotFoundError(
                f"no succeeded EOD run{f' of {as_of}' if as_of else ''} yet: run "
                f"`riskcap eod run --as-of {day}` first"
            )
        return run

    def set_run_status(self, run_id: str, status: str, message: str | None = None) -> None:
        with self.session() as s:
            run = _get_run(s, run_id)
            run.status = status
            run.message = message
            run.finished_at = None if status == RunStatus.RUNNING else _utcnow()

    def tasks(self, run_id: str) -> list[Task]:
        with self.session() as s:
            return list(s.scalars(select(Task).where(Task.run_id == run_id).order_by(Task.id)))

    def start_task(self, run_id: str, name: str) -> int:
        """Mark ``name`` running (creating its row); return the attempt number."""
        with self.session() as s:
            task = s.scalar(select(Task).where(Task.run_id == run_id, Task.name == name))
            if task is None:
                task = Task(run_id=run_id, name=name, attempts=0)
                s.add(task)
            task.status = TaskStatus.RUNNING
            task.attempts += 1
            task.started_at = _utcnow()
            task.finished_at = None
            task.error = None
            return task.attempts

    def finish_task(
        self,
        run_id: str,
        name: str,
        checksum: str,
        detail: dict[str, Any],
        *,
        session: Session | None = None,
    ) -> None:
        """Mark ``name`` done with its output checksum (in ``session`` when given)."""
        if session is None:
            with self.session() as s:
                self.finish_task(run_id, name, checksum, detail, session=s)
            return
        task = _get_task(session, run_id, name)
        task.status = TaskStatus.DONE
        task.checksum = checksum
        task.detail = json.loads(json.dumps(detail, default=str))
        task.finished_at = _utcnow()

    def fail_task(self, run_id: str, name: str, error: str, status: str) -> None:
        with self.session() as s:
            task = _get_task(s, run_id, name)
            task.status = status
            task.error = error
            task.finished_at = _utcnow()

    def reset_task(self, run_id: str, name: str) -> None:
        """Make a done task pending again (its checkpoint is gone or corrupt)."""
        with self.session() as s:
            task = s.scalar(select(Task).where(Task.run_id == run_id, Task.name == name))
            if task is not None:
                task.status = TaskStatus.PENDING
                task.checksum = None

    # -- results and lineage --------------------------------------------------------
    def replace_results(
        self, run_id: str, rows: Sequence[dict[str, Any]], methods: Sequence[str]
    ) -> None:
        """``run_id``'s results of ``methods``, replacing earlier writes (one transaction)."""
        with self.session() as s:
            s.execute(
                delete(Result).where(Result.run_id == run_id, Result.method.in_(list(methods)))
            )
            s.add_all(Result(run_id=run_id, **row) for row in rows)

    def results(self, run_id: str) -> list[Result]:
        with self.session() as s:
            return list(
                s.scalars(select(Result).where(Result.run_id == run_id).order_by(Result.id))
            )

    def runs_of_record(
        self,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        before: dt.date | None = None,
        limit: int | None = None,
    ) -> dict[dt.date, str]:
        """``{as_of: run_id}`` of the run of record of every date in ``[start, end]``
        (and before ``before``), oldest first; with ``limit``, the latest ``limit``
        dates. The same choice as :meth:`run_of_record`."""
        with self.session() as s:
            q = select(Run.as_of, Run.run_id).where(Run.status == RunStatus.SUCCEEDED)
            if start is not None:
                q = q.where(Run.as_of >= start)
            if end is not None:
                q = q.where(Run.as_of <= end)
            if before is not None:
                q = q.where(Run.as_of < before)
            rows = s.execute(q.order_by(Run.as_of.desc(), Run.created_at.desc(), Run.run_id)).all()
        out: dict[dt.date, str] = {}
        for as_of, run_id in rows:
            if as_of not in out:
                if limit is not None and len(out) == limit:
                    break
                out[as_of] = run_id
        return dict(sorted(out.items()))

    def replace_run_rows(
        self, model: type[Base], run_id: str, rows: Sequence[dict[str, Any]]
    ) -> None:
        """Replace ``run_id``'s rows of a per-run table in one transaction."""
        column = model.__table__.c.run_id
        with self.session() as s:
            s.execute(delete(model).where(column == run_id))
            s.add_all(model(run_id=run_id, **row) for row in rows)

    def rows_of_runs(
        self,
        model: type[Base],
        run_ids: Sequence[str],
        filters: Sequence[tuple[str, str, Any]] = (),
    ) -> tuple[list[dict[str, Any]], set[str]]:
        """The rows of ``model`` written by ``run_ids`` that match ``filters`` (column,
        ``=`` or ``in``, value), as dicts of their columns less ``id``, and the ids of
        the runs that have any row of ``model`` at all (matching or not)."""
        table = model.__table__
        columns = [c for c in table.c if c.name != "id"]
        names = [c.name for c in columns]
        rows: list[dict[str, Any]] = []
        present: set[str] = set()
        ids = sorted(set(run_ids))
        with self.session() as s:
            for start in range(0, len(ids), 500):  # well under any backend's bound-parameter cap
                chunk = ids[start : start + 500]
                q = select(*columns).where(table.c.run_id.in_(chunk))
                for name, op, value in filters:
                    column = table.c[name]
                    if op == "=":
                        q = q.where(column == value)
                    elif op == "in":
                        q = q.where(column.in_(list(value)))
                    else:
                        raise ValueError(f"filter operator {op!r}: only '=' and 'in'")
                rows.extend(dict(zip(names, r, strict=True)) for r in s.execute(q))
                present.update(
                    s.scalars(select(table.c.run_id).where(table.c.run_id.in_(chunk)).distinct())
                )
        return rows, present

    def figures(self, run_id: str, method: str) -> dict[str, dict[str, float]]:
        """``run_id``'s results of ``method`` as ``{node: {measure: value}}``."""
        with self.session() as s:
            rows = s.execute(
                select(Result.node, Result.measure, Result.value)
                .where(Result.run_id == run_id, Result.method == method)
                .order_by(Result.id)
            )
            out: dict[str, dict[str, float]] = {}
            for node, measure, value in rows:
                out.setdefault(node, {})[measure] = float(value)
        return out

    def run_rows(self, model: type[Base], run_id: str) -> list[Any]:
        table = model.__table__
        with self.session() as s:
            q = select(model).where(table.c.run_id == run_id)
            if "id" in table.c:
                q = q.order_by(table.c.id)
            return list(s.scalars(q))

    def publish(
        self, run_id: str, manifest: dict[str, Any], checksum: str, detail: dict[str, Any]
    ) -> None:
        """Store the lineage manifest, finish the publish task and the run: one transaction."""
        with self.session() as s:
            existing = s.get(Lineage, run_id)
            if existing is None:
                s.add(Lineage(run_id=run_id, manifest=manifest))
            else:
                existing.manifest = manifest
            self.finish_task(run_id, "publish", checksum, detail, session=s)
            run = _get_run(s, run_id)
            run.status = RunStatus.SUCCEEDED
            run.message = None
            run.finished_at = _utcnow()

    def lineage(self, run_id: str) -> dict[str, Any]:
        full_id = self.run(run_id).run_id
        with self.session() as s:
            rec = s.get(Lineage, full_id)
            if rec is None:
                raise NotFoundError(
                    f"run {run_id} has no lineage manifest yet (it has not been published)"
                )
            return dict(rec.manifest)


def _get_run(s: Session, run_id: str) -> Run:
    run = s.get(Run, run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id} in the catalog")
    return run


def _get_task(s: Session, run_id: str, name: str) -> Task:
    task = s.scalar(select(Task).where(Task.run_id == run_id, Task.name == name))
    if task is None:
        raise NotFoundError(f"run {run_id} has no task {name!r} in the catalog")
    return task


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class TaskStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    RETRYING = "retrying"
    FAILED = "failed"


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if "sample" in out:
        out["sample"] = json.loads(json.dumps(out["sample"], default=str))
    return out


def _sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for another database or ``:memory:``)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite:///:memory:":
        return None
    return Path(url[len(prefix) :].split("?", 1)[0])


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """Write-ahead log with full sync for a SQLite catalog file.

    SQLite's default rollback journal costs three syncs a commit (~1 ms here); an EOD
    day commits some 60 times (each task's start and finish, its figures). The WAL
    syncs once a commit and is as durable at ``synchronous=FULL``: a commit that
    returned survives a crash or power loss. Readers no longer block the writer
    (the service reads while the EOD writes). The database needs a local file system
    (a ``-wal`` and a ``-shm`` file beside it, with its permissions), as SQLite
    always needed for locking.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _create_sqlite_file(url: str, mode: int) -> None:
    """Create a missing SQLite database file with ``mode`` before SQLite does (its
    journal and WAL files take the database file's permissions)."""
    path = _sqlite_path(url)
    if path is None or path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:  # another process made it first
        return
    os.close(fd)
    path.chmod(mode)  # the umask may have removed bits that were asked for
