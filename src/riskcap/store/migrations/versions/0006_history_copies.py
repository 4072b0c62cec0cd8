"""Catalog copies of the lake's backtest observations and P&L attribution, so the
history windows of capital and FRTB (250 days) are read by run id from an index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backtest_observations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("pnl_type", sa.String(length=20), nullable=False),
        sa.Column("pnl", sa.Float(), nullable=False),
        sa.Column("var", sa.Float(), nullable=False),
        sa.Column("var_as_of", sa.Date(), nullable=False),
        sa.Column("var_run_id", sa.String(length=36), nullable=False),
        sa.Column("exception", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "run_id", "node", "method", "confidence", "pnl_type", name="uq_backtest_observation"
        ),
    )
    op.create_table(
        "pnl_attribution",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("hypothetical", sa.Float(), nullable=False),
        sa.Column("risk_theoretical", sa.Float(), nullable=False),
        sa.Column("previous_as_of", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "node", name="uq_pnl_attribution"),
    )


def downgrade() -> None:
    op.drop_table("pnl_attribution")
    op.drop_table("backtest_observations")
