"""What the staff console reads, a screen at a time: the queue filtered, counted and paged
by the database, search hits and a client's newest tickets as queue lines, and a ticket
with its ORM objects loaded for the page. The CLI's reads are Core queries in queries.py
(its commands must start fast); the console is a long-running process, so it reads
through the ORM session its actions use too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from mailbot.core.states import OPEN
from mailbot.services.base import find_ticket
from mailbot.services.queries import (
    ClientPage,
    QueueFilter,
    QueueRow,
    check_states,
    client_page,
)
from mailbot.store import repo
from mailbot.store.tables import AuditEvent, OutboxItem, PackageDeduction, Ticket, TimeEntry

__all__ = [
    "ClientPage", "QueueFilter", "QueueRow", "TicketPage", "client_page", "newest_rows",
    "queue_page", "queue_row", "queue_rows", "ticket_page",
]  # fmt: skip

# The handling order (R-PAK-6): priority (emergencies, then care clients), then arrival.
# The 9 is a literal so the database can use the index ix_ticket_queue (migration 0011).
HANDLING_ORDER = (func.coalesce(Ticket.priority, text("9")), Ticket.created_at, Ticket.id)
_COLUMNS = (
    Ticket.number, Ticket.state, Ticket.priority, Ticket.client_id, Ticket.contract,
    Ticket.product, Ticket.emergency, Ticket.created_at, Ticket.deadline, Ticket.reacted_at,
    Ticket.assignee, Ticket.requester, Ticket.requester_name, Ticket.subject, Ticket.channel,
)  # fmt: skip


def queue_row(t: Any, now: datetime, position: int = 0) -> QueueRow:
    """A queue line from the columns above (or a Ticket: the names are the same)."""
    left = None
    if t.deadline is not None and t.reacted_at is None:
        left = int((t.deadline - now).total_seconds() // 60)
    return QueueRow(
        position, t.number, t.state, t.priority or 4, t.client_id, t.contract, t.product,
        t.emergency, t.created_at, t.deadline, t.reacted_at is not None, left, t.assignee,
        t.requester or t.requester_name, t.subject, t.channel,
    )  # fmt: skip


def _open(states: Sequence[str]) -> list[Any]:
    return [Ticket.state.in_(check_states(states, OPEN) or OPEN), Ticket.history.is_(False)]


def queue_page(session: Session, now: datetime, f: QueueFilter, *, limit: int,
               offset: int = 0) -> tuple[list[QueueRow], int]:  # fmt: skip
    """One page of `queue` for a screen (the console shows 50 at a time) and how many
    match in all: filtered and counted by the database, so a queue of thousands costs
    one page. `position` counts in the filtered list here."""
    where = _open(f.state)
    if f.client is not None:
        where.append(Ticket.client_id == f.client)
    if f.assignee == "-":
        where.append(Ticket.assignee.is_(None))
    elif f.assignee is not None:
        where.append(Ticket.assignee == f.assignee)
    if f.product is not None:
        where.append(Ticket.product == f.product)
    if f.emergency is not None:
        where.append(Ticket.emergency.is_(f.emergency))
    page = session.execute(
        select(*_COLUMNS).where(*where).order_by(*HANDLING_ORDER).limit(limit).offset(offset)
    )
    rows = [queue_row(t, now, offset + n) for n, t in enumerate(page, 1)]
    return rows, session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0


def queue_rows(session: Session, now: datetime, numbers: Sequence[str]) -> list[QueueRow]:
    """These tickets (search hits), open or not, as queue lines in handling order."""
    if not numbers:
        return []
    q = select(*_COLUMNS).where(Ticket.number.in_(list(numbers))).order_by(*HANDLING_ORDER)
    return [queue_row(t, now, n) for n, t in enumerate(session.execute(q), 1)]


def newest_rows(session: Session, now: datetime, client_ids: Sequence[str], limit: int = 50
                ) -> list[QueueRow]:  # fmt: skip
    """The newest tickets of these clients, as queue lines (index ix_ticket_client_created)."""
    if not client_ids:
        return []
    q = select(*_COLUMNS).where(Ticket.client_id.in_(list(client_ids)))
    rows = session.execute(q.order_by(Ticket.created_at.desc()).limit(limit))
    return [queue_row(t, now, n) for n, t in enumerate(rows, 1)]


@dataclass(frozen=True)
class TicketPage:
    ticket: Ticket  # with .messages (and their attachments) and .events loaded
    sent: list[OutboxItem]  # what mailbot sent or will send about it, oldest first
    time: list[TimeEntry]
    charged: dict[int, Decimal]  # time entry id -> package hours deducted (R-PAK-2/5)
    actions: list[AuditEvent]  # who did what, with the reasons
    overdraft: dict[int, Decimal] = field(default_factory=dict)  # hours beyond any package


def ticket_page(session: Session, number: str) -> TicketPage:
    ticket = find_ticket(session, number)
    loaded = repo.load_ticket(session, ticket.number)
    assert loaded is not None
    sent = list(session.scalars(
        select(OutboxItem).where(OutboxItem.ticket_id == ticket.id).order_by(OutboxItem.id)
    ))  # fmt: skip
    time = list(session.scalars(
        select(TimeEntry).where(TimeEntry.ticket_id == ticket.id).order_by(TimeEntry.at)
    ))  # fmt: skip
    drawn = session.execute(
        select(PackageDeduction.time_entry_id, func.sum(PackageDeduction.charged_hours),
               func.sum(PackageDeduction.overdraft_hours))
        .where(PackageDeduction.time_entry_id.in_([e.id for e in time]))
        .group_by(PackageDeduction.time_entry_id)
    ).all()  # fmt: skip
    actions = list(session.scalars(
        select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
    ))  # fmt: skip
    return TicketPage(loaded, sent, time, {k: Decimal(c) for k, c, _ in drawn}, actions,
                      {k: Decimal(o) for k, _, o in drawn if o})  # fmt: skip
