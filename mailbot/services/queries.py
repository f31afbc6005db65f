"""What the CLI and the console read: the queue in handling order with its filters, a
ticket with everything that happened to it, a client's page, the outbox. Plain frozen
rows out, so neither the CLI nor the console holds SQL. Imports only the database layer:
the read-only commands must start fast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from mailbot.core.states import ALL, NOT_WORK, OPEN
from mailbot.services.base import find_ticket, invalid
from mailbot.store import repo
from mailbot.store.tables import (
    AuditEvent,
    Message,
    OutboxItem,
    PackageDeduction,
    Ticket,
    TimeEntry,
)

if TYPE_CHECKING:  # the ledger is imported where it is used: `queue` must start fast
    from mailbot.core.ledger import Deduction, PackageBalance

OUTBOX_STATES = ("pending", "sending", "sent", "failed", "uncertain", "suppressed", "folded",
                 "coalesced")  # fmt: skip


def check_states(states: Sequence[str], known: Sequence[str] = ALL) -> list[str]:
    """Unknown state names are a mistake to say, not an empty list to show."""
    wrong = [s for s in states if s not in known]
    if wrong:
        raise invalid(f"nieznany stan {', '.join(map(repr, wrong))}; możliwe: {', '.join(known)}")
    return list(states)


@dataclass(frozen=True)
class QueueRow:
    position: int
    number: str
    state: str
    priority: int
    client_id: str | None
    contract: str | None
    product: str | None
    emergency: bool
    created_at: datetime
    deadline: datetime | None
    reacted: bool
    minutes_left: int | None  # to the R-SLA-1 deadline; negative: breached; None: no deadline
    assignee: str | None
    requester: str
    subject: str
    channel: str


@dataclass(frozen=True)
class QueueFilter:
    client: str | None = None
    state: tuple[str, ...] = ()
    assignee: str | None = None  # "-" for nobody's
    product: str | None = None
    emergency: bool | None = None


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


def queue(session: Session, now: datetime, f: QueueFilter = QueueFilter()) -> list[QueueRow]:
    """Open tickets in handling order (R-PAK-6): emergencies, care clients, then arrival;
    backlog history is no work. `position` counts in the whole queue, filters aside."""
    rows = session.execute(select(*_COLUMNS).where(*_open(f.state)).order_by(*HANDLING_ORDER))
    return [queue_row(t, now, n) for n, t in enumerate(rows, 1) if _matches(t, f)]


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


def _matches(t: Any, f: QueueFilter) -> bool:
    assignee = t.assignee or "-"
    return (
        (f.client is None or t.client_id == f.client)
        and (f.assignee is None or assignee == f.assignee)
        and (f.product is None or t.product == f.product)
        and (f.emergency is None or t.emergency == f.emergency)
    )


def tickets(session: Session, *, states: Sequence[str] = (), since: datetime | None = None,
            limit: int = 200) -> list[tuple[Ticket, int]]:  # fmt: skip
    """Tickets newest first with their message count."""
    return repo.list_tickets(session, states=check_states(states), since=since, limit=limit)


@dataclass(frozen=True)
class TicketView:
    ticket: Ticket  # with .messages (and their attachments) and .events loaded
    sent: list[OutboxItem]  # what mailbot sent or will send about it, oldest first
    time: list[TimeEntry]
    charged: dict[int, Decimal]  # time entry id -> package hours deducted (R-PAK-2/5)
    actions: list[AuditEvent]  # who did what, with the reasons
    overdraft: dict[int, Decimal] = field(default_factory=dict)  # hours beyond any package


def ticket_view(session: Session, number: str) -> TicketView:
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
    return TicketView(loaded, sent, time, {k: Decimal(c) for k, c, _ in drawn}, actions,
                      {k: Decimal(o) for k, _, o in drawn if o})  # fmt: skip


@dataclass(frozen=True)
class ClientPage:
    client_id: str
    balances: list[PackageBalance]
    deductions: list[Deduction]
    open_tickets: list[Ticket]
    recent_tickets: list[Ticket]  # closed in the last ones, newest first
    senders: list[tuple[str, int]]  # addresses that wrote for the client, with counts


def client_page(session: Session, client_id: str, today: date, recent: int = 20) -> ClientPage:
    """A client's package balance and ledger (R-PAK-1..5) and its tickets."""
    from mailbot.core import ledger
    from mailbot.store import ledger as ledger_store

    bought = ledger_store.purchases(session, client_id)
    drawn = ledger_store.deductions(session, client_id)
    mine = select(Ticket).where(Ticket.client_id == client_id, Ticket.history.is_(False))
    open_ = list(session.scalars(
        mine.where(Ticket.state.in_(OPEN)).order_by(Ticket.priority, Ticket.created_at)
    ))  # fmt: skip
    done = list(session.scalars(
        mine.where(Ticket.state.not_in((*OPEN, *NOT_WORK)))
        .order_by(Ticket.created_at.desc()).limit(recent)
    ))  # fmt: skip
    senders = session.execute(
        select(Message.sender_address, func.count(Message.id))
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Ticket.client_id == client_id, Message.third_party.is_(False))
        .group_by(Message.sender_address)
        .order_by(func.count(Message.id).desc())
    ).all()
    return ClientPage(client_id, ledger.balance(bought, drawn, today), drawn, open_, done,
                      [(a, n) for a, n in senders])  # fmt: skip


def outbox(session: Session, states: Sequence[str] = (), limit: int = 100
           ) -> list[tuple[OutboxItem, str]]:  # fmt: skip
    """Outgoing mail and SMS, newest first, with the ticket number."""
    q = (
        select(OutboxItem, Ticket.number)
        .join(Ticket, Ticket.id == OutboxItem.ticket_id)
        .order_by(OutboxItem.id.desc())
        .limit(limit)
    )
    if states:
        q = q.where(OutboxItem.state.in_(check_states(states, OUTBOX_STATES)))
    return [(item, number) for item, number in session.execute(q)]
