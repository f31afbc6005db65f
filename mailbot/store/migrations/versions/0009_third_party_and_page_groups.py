"""messages from third parties on a ticket; pages grouped per client for coalescing

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.add_column(
            sa.Column("third_party", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("page_group", sa.String(400), nullable=True))
    op.create_index("ix_outbox_page_group", "outbox", ["page_group", "recipient", "kind"])


def downgrade() -> None:
    op.drop_index("ix_outbox_page_group", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("page_group")
    with op.batch_alter_table("message") as batch:
        batch.drop_column("third_party")
