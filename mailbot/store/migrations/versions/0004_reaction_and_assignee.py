"""tickets: first reaction (R-SLA-1 clock stop), assignee, closing time

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("reacted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reacted_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("assignee", sa.String(64), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        for col in ("closed_at", "assignee", "reacted_by", "reacted_at"):
            batch.drop_column(col)
