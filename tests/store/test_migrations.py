"""Alembic owns the catalog schema: it matches the ORM models, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from riskcap.store.catalog import Base, Catalog
from riskcap.store.migrate import current_revision, head_revision

TABLES = {
    "ready_events",
    "snapshots",
    "quality_results",
    "runs",
    "tasks",
    "lineage",
    "results",
    "limits",
    "alerts",
    "api_keys",
    "audit_log",
    "backtest_exceptions",
    "stressed_periods",
    "capital_results",
    "stress_results",
    "frtb_results",
    "frtb_desk_tests",
    "risk_factor_eligibility",
    "backtest_observations",
    "pnl_attribution",
}


def test_migrated_schema_matches_the_models(catalog_url: str) -> None:
    cat = Catalog(catalog_url)
    assert current_revision(cat.engine) == head_revision()
    with cat.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    assert diff == []
    assert tables >= TABLES and "alembic_version" in tables


def test_opening_again_is_a_noop(catalog_url: str) -> None:
    Catalog(catalog_url).mark_ready("trades", __import__("datetime").date(2022, 1, 3))
    again = Catalog(catalog_url)
    assert again.ready_sources(__import__("datetime").date(2022, 1, 3)) == {"trades"}


def _open(url: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    try:
        Catalog(url)
        queue.put("ok")
    except Exception as exc:  # reported to the parent
        queue.put(repr(exc))


def test_concurrent_first_opens_both_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_open, args=(url, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [queue.get(timeout=5) for _ in procs] == ["ok", "ok", "ok"]
    assert current_revision(sa.create_engine(url)) == head_revision()


def test_pre_migration_catalog_is_refused_untouched(tmp_path: Path) -> None:
    import pytest

    from riskcap.errors import CatalogError

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    Base.metadata.tables["ready_events"].create(engine)
    with pytest.raises(CatalogError, match="created before schema migrations"):
        Catalog(url)
    assert sa.inspect(engine).get_table_names() == ["ready_events"]


def test_downgrade_and_upgrade_round_trip(tmp_path: Path) -> None:
    from alembic import command

    from riskcap.store.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'rt.db'}"
    cat = Catalog(url)
    command.downgrade(alembic_config(cat.engine), "base")
    assert set(sa.inspect(cat.engine).get_table_names()) == {"alembic_version"}
    Catalog(url)
    assert set(sa.inspect(sa.create_engine(url)).get_table_names()) >= TABLES
