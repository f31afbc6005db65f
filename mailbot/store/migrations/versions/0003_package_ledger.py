"""package ledger: purchases, time entries, deductions (append-only)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
HOURS = sa.Numeric(8, 2)


def upgrade() -> None:
    op.create_table(
        "package_purchase",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.String(64), sa.ForeignKey("client.id"), nullable=False),
        sa.Column("purchased", sa.Date(), nullable=False),
        sa.Column("hours", HOURS, nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_package_purchase_client_id", "package_purchase", ["client_id"])
    op.create_table(
        "time_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id"), nullable=False),
        sa.Column("client_id", sa.String(64), sa.ForeignKey("client.id"), nullable=True),
        sa.Column("staff", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("contract", sa.String(16), nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("billable_reason", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_time_entry_ticket_id", "time_entry", ["ticket_id"])
    op.create_index("ix_time_entry_client_id", "time_entry", ["client_id"])
    op.create_index("ix_time_entry_at", "time_entry", ["at"])
    op.create_table(
        "package_deduction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("time_entry_id", sa.Integer(), sa.ForeignKey("time_entry.id"), nullable=False),
        sa.Column("client_id", sa.String(64), sa.ForeignKey("client.id"), nullable=False),
        sa.Column("package_id", sa.Integer(), sa.ForeignKey("package_purchase.id"), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("rounded_hours", HOURS, nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("charged_hours", HOURS, nullable=False),
        sa.Column("overdraft_hours", HOURS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_package_deduction_time_entry_id", "package_deduction", ["time_entry_id"])
    op.create_index("ix_package_deduction_client_id", "package_deduction", ["client_id"])


def downgrade() -> None:
    op.drop_table("package_deduction")
    op.drop_table("time_entry")
    op.drop_table("package_purchase")
