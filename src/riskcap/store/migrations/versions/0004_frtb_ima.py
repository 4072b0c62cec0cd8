"""FRTB IMA: results and capital per node, desk eligibility tests, risk-factor
eligibility (RFET) per run.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _per_run(name: str, unique: str, key: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", key, name=unique),
    )
    op.create_index(f"ix_{name}_run_id", name, ["run_id"], unique=False)
    op.create_index(f"ix_{name}_as_of", name, ["as_of"], unique=False)


def upgrade() -> None:
    _per_run(
        "frtb_results",
        "uq_frtb_result",
        "node",
        sa.Column("node", sa.String(length=200), nullable=False),
        *(
            sa.Column(c, sa.Float(), nullable=False)
            for c in ("capital", "imcc", "ses", "imcc_average", "ses_average")
        ),
        sa.Column("average_days", sa.Integer(), nullable=False),
        sa.Column("binding", sa.String(length=10), nullable=False),
        *(
            sa.Column(c, sa.Float(), nullable=False)
            for c in (
                "es",
                "es_fc",
                "es_rc",
                "es_rs",
                "explained",
                "explained_average",
                "multiplier",
                "plus_factor",
            )
        ),
        sa.Column("zone", sa.String(length=10), nullable=False),
        sa.Column("exceptions", sa.Integer(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("stressed_start", sa.Date(), nullable=False),
        sa.Column("stressed_end", sa.Date(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    _per_run(
        "frtb_desk_tests",
        "uq_frtb_desk_test",
        "node",
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("exceptions_99", sa.Integer(), nullable=False),
        sa.Column("exceptions_975", sa.Integer(), nullable=False),
        sa.Column("backtest_observations", sa.Integer(), nullable=False),
        sa.Column("spearman", sa.Float(), nullable=True),
        sa.Column("ks", sa.Float(), nullable=True),
        sa.Column("pla_observations", sa.Integer(), nullable=False),
        sa.Column("pla_zone", sa.String(length=10), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    _per_run(
        "risk_factor_eligibility",
        "uq_risk_factor_eligibility",
        "factor_id",
        sa.Column("factor_id", sa.String(length=200), nullable=False),
        sa.Column("risk_class", sa.String(length=20), nullable=False),
        sa.Column("liquidity_horizon", sa.Integer(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("min_in_90_days", sa.Integer(), nullable=False),
        sa.Column("modellable", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for name in ("risk_factor_eligibility", "frtb_desk_tests", "frtb_results"):
        op.drop_index(f"ix_{name}_as_of", table_name=name)
        op.drop_index(f"ix_{name}_run_id", table_name=name)
        op.drop_table(name)
