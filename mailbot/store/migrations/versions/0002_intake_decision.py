"""intake decision: clients, the decision on tickets, machine-sent marker on messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("nip", sa.String(length=16), nullable=False),
        sa.Column("contract", sa.String(length=16), nullable=False),
        sa.Column("opiekun", sa.String(length=64), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("contract", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("trust", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("product", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("scope", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("emergency", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("covered", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reply", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("billing", sa.String(length=16), nullable=False, server_default="none")
        )
        batch.add_column(sa.Column("decision", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_ticket_client", "client", ["client_id"], ["id"])
        batch.create_index("ix_ticket_client_id", ["client_id"])
        batch.create_index("ix_ticket_priority", ["priority"])
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("automatic", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_column("automatic")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_index("ix_ticket_priority")
        batch.drop_index("ix_ticket_client_id")
        batch.drop_constraint("fk_ticket_client", type_="foreignkey")
        for col in (
            "decision",
            "billing",
            "reply",
            "deadline",
            "priority",
            "covered",
            "emergency",
            "scope",
            "product",
            "trust",
            "contract",
            "client_id",
        ):
            batch.drop_column(col)
    op.drop_table("client")
