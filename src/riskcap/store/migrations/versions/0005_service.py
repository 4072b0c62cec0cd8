"""Risk service: limits by method and confidence, richer alerts, EOD run requests.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("limits") as batch:
        batch.add_column(
            sa.Column("method", sa.String(length=20), server_default="hs", nullable=False)
        )
        batch.add_column(sa.Column("confidence", sa.Float(), server_default="0.99", nullable=False))
        batch.add_column(sa.Column("description", sa.Text(), server_default="", nullable=False))
        batch.drop_constraint("uq_limit", type_="unique")
        batch.create_unique_constraint(
            "uq_limit_figure", ["node", "measure", "method", "horizon", "confidence"]
        )
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(
            sa.Column("method", sa.String(length=20), server_default="hs", nullable=False)
        )
        batch.add_column(sa.Column("horizon", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("confidence", sa.Float(), server_default="0.99", nullable=False))
        batch.add_column(sa.Column("as_of", sa.Date(), nullable=True))
        batch.add_column(sa.Column("message", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("webhook", sa.String(length=200), nullable=True))
        # a deleted limit leaves its alerts (they carry the figures) with no limit
        batch.alter_column("limit_id", existing_type=sa.Integer(), nullable=True)
        batch.create_unique_constraint("uq_alert_run_limit", ["run_id", "limit_id"])
    op.create_table(
        "run_requests",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("force", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index("ix_run_requests_as_of", "run_requests", ["as_of"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_run_requests_as_of", table_name="run_requests")
    op.drop_table("run_requests")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("uq_alert_run_limit", type_="unique")
        batch.alter_column("limit_id", existing_type=sa.Integer(), nullable=False)
        for column in ("webhook", "message", "as_of", "confidence", "horizon", "method"):
            batch.drop_column(column)
    with op.batch_alter_table("limits") as batch:
        batch.drop_constraint("uq_limit_figure", type_="unique")
        batch.create_unique_constraint("uq_limit", ["node", "measure", "horizon"])
        for column in ("description", "confidence", "method"):
            batch.drop_column(column)
