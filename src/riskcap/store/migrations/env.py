"""Alembic environment for the riskcap catalog (engine passed in by riskcap.store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from riskcap.store.catalog import Base
from riskcap.store.migrate import PG_ADVISORY_KEY

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":  # one migrator at a time
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_ADVISORY_KEY})
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
