"""Regulatory results: backtest exceptions per run and VaR model, stressed periods,
Basel 2.5 capital and stress-test results.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("backtest_exceptions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_backtest_exception", type_="unique")
        batch_op.add_column(
            sa.Column("method", sa.String(length=20), nullable=False, server_default="hs")
        )
        batch_op.add_column(sa.Column("var_as_of", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_backtest_exception", ["run_id", "node", "method", "pnl_type", "confidence"]
        )
        batch_op.create_index("ix_backtest_exceptions_node_date", ["node", "date"], unique=False)

    op.create_table(
        "stressed_periods",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("var", sa.Float(), nullable=False),
        sa.Column("windows_searched", sa.Integer(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"]),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_index("ix_stressed_periods_as_of", "stressed_periods", ["as_of"], unique=False)

    op.create_table(
        "capital_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("regime", sa.String(length=20), nullable=False),
        sa.Column("capital", sa.Float(), nullable=False),
        sa.Column("var_latest", sa.Float(), nullable=False),
        sa.Column("var_average", sa.Float(), nullable=False),
        sa.Column("var_days", sa.Integer(), nullable=False),
        sa.Column("var_term", sa.Float(), nullable=False),
        sa.Column("svar_latest", sa.Float(), nullable=False),
        sa.Column("svar_average", sa.Float(), nullable=False),
        sa.Column("svar_days", sa.Integer(), nullable=False),
        sa.Column("svar_term", sa.Float(), nullable=False),
        sa.Column("multiplier", sa.Float(), nullable=False),
        sa.Column("plus_factor", sa.Float(), nullable=False),
        sa.Column("zone", sa.String(length=10), nullable=False),
        sa.Column("exceptions", sa.Integer(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "node", "regime", name="uq_capital_result"),
    )
    op.create_index("ix_capital_results_run_id", "capital_results", ["run_id"], unique=False)
    op.create_index("ix_capital_results_as_of", "capital_results", ["as_of"], unique=False)

    op.create_table(
        "stress_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scenario", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("pnl", sa.Float(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "scenario", "node", name="uq_stress_result"),
    )
    op.create_index("ix_stress_results_run_id", "stress_results", ["run_id"], unique=False)
    op.create_index("ix_stress_results_as_of", "stress_results", ["as_of"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stress_results_as_of", table_name="stress_results")
    op.drop_index("ix_stress_results_run_id", table_name="stress_results")
    op.drop_table("stress_results")
    op.drop_index("ix_capital_results_as_of", table_name="capital_results")
    op.drop_index("ix_capital_results_run_id", table_name="capital_results")
    op.drop_table("capital_results")
    op.drop_index("ix_stressed_periods_as_of", table_name="stressed_periods")
    op.drop_table("stressed_periods")
    with op.batch_alter_table("backtest_exceptions", schema=None) as batch_op:
        batch_op.drop_index("ix_backtest_exceptions_node_date")
        batch_op.drop_constraint("uq_backtest_exception", type_="unique")
        batch_op.drop_column("var_as_of")
        batch_op.drop_column("method")
        batch_op.create_unique_constraint(
            "uq_backtest_exception", ["node", "date", "pnl_type", "confidence"]
        )
