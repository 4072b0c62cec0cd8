"""Alembic migrations of the catalog, run programmatically.

``upgrade(engine)`` brings a database to the latest revision. Concurrent openers
are serialised: a file lock beside a SQLite file, a transaction-scoped advisory lock
on PostgreSQL (taken in ``migrations/env.py``), so two processes starting at once
never both try to create the tables.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Engine, inspect

from riskcap.errors import CatalogError

MIGRATIONS = Path(str(resources.files("riskcap.store") / "migrations"))
PG_ADVISORY_KEY = 0x726B6361  # "rkca"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    if head is None:
        raise CatalogError(f"no catalog migration found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _migration_lock(engine: Engine) -> AbstractContextManager[object]:
    """A file lock beside a SQLite file; PostgreSQL locks in env.py (advisory lock)."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if database and database != ":memory:":
        return FileLock(database + ".migrate.lock", timeout=120)
    return nullcontext()


def upgrade(engine: Engine) -> None:
    """Upgrade the catalog behind ``engine`` to the head revision (no-op when there).

    The revision is read again under the lock: Alembic's SQLite DDL is not
    transactional, so another process's half-done migration is visible outside it.

    Raises
    ------
    CatalogError
        The database holds riskcap tables but no migration record (made by a
        pre-migration version): it is left untouched.
    """
    head = head_revision()
    if current_revision(engine) == head:
        return
    with _migration_lock(engine):
        current = current_revision(engine)
        if current == head:
            return
        if current is None and "ready_events" in inspect(engine).get_table_names():
            raise CatalogError(
                f"catalog {engine.url.render_as_string(hide_password=True)} was created "
                "before schema migrations existed; move it aside and run again to create "
                "a new one"
            )
        command.upgrade(alembic_config(engine), "head")
