"""Pipeline records: pinned inputs on runs, task details, run-tagged snapshots and
quality results (so a retried task replaces its own rows), and the method and
scenario count of each result with one row per figure.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inputs", sa.JSON(), nullable=True))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_snapshots_run_id"), ["run_id"], unique=False)
    with op.batch_alter_table("quality_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_quality_results_run_id"), ["run_id"], unique=False)
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("method", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("scenarios", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "uq_results_figure",
            ["run_id", "node", "method", "measure", "horizon", "confidence"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_index("uq_results_figure")
        batch_op.drop_column("scenarios")
        batch_op.drop_column("method")
    with op.batch_alter_table("quality_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_results_run_id"))
        batch_op.drop_column("run_id")
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshots_run_id"))
        batch_op.drop_column("run_id")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("detail")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("inputs")
