"""automatic mail that became a ticket of its own before: not_a_ticket

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02

Intake now keeps an out-of-office reply (or any machine-sent mail) that has no open
ticket of its sender to join as `not_a_ticket`. Tickets recorded before that, whose
every message is automatic and which still wait in an open state, would otherwise stay in
the queue and the digest (an "on hold" out-of-office released by a package purchase).
Closed ones are history and are left as they are. Downgrade: they wait as `new` again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN = ("new", "on_hold", "needs_identification", "out_of_scope")


def upgrade() -> None:
    ticket = sa.table("ticket", sa.column("id"), sa.column("state"), sa.column("deadline"))
    message = sa.table("message", sa.column("ticket_id"), sa.column("automatic"))
    has_person = (
        sa.select(message.c.ticket_id)
        .where(message.c.ticket_id == ticket.c.id, message.c.automatic.is_(None))
        .exists()
    )
    has_robot = (
        sa.select(message.c.ticket_id)
        .where(message.c.ticket_id == ticket.c.id, message.c.automatic.is_not(None))
        .exists()
    )
    op.execute(
        ticket.update()
        .where(ticket.c.state.in_(OPEN), has_robot, ~has_person)
        .values(state="not_a_ticket", deadline=None)
    )


def downgrade() -> None:
    ticket = sa.table("ticket", sa.column("state"))
    op.execute(ticket.update().where(ticket.c.state == "not_a_ticket").values(state="new"))
