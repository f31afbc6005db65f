"""What the CLI and the console read: the queue in handling order with its filters, a
ticket with everything that happened to it, a client's page, the outbox. Plain frozen
rows out, so neither the CLI nor the console holds SQL. Imports only the database layer:
the read-only commands must start fast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select
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


def queue(session: Session, now: datetime, f: QueueFilter = QueueFilter()) -> list[QueueRow]:
    """Open tickets in handling order (R-PAK-6): emergencies, care clients, then arrival;
    backlog history is no work. `position` counts in the whole queue, filters aside."""
    q = select(Ticket).where(Ticket.state.in_(check_states(f.state, OPEN) or OPEN),
                             Ticket.history.is_(False))  # fmt: skip
    rows = session.scalars(
        q.order_by(func.coalesce(Ticket.priority, 9), Ticket.created_at, Ticket.id)
    )
    out = []
    for n, t in enumerate(rows, 1):
        if not _matches(t, f):
            continue
        left = None
        if t.deadline is not None and t.reacted_at is None:
            left = int((t.deadline - now).total_seconds() // 60)
        out.append(QueueRow(
            n, t.number, t.state, t.priority or 4, t.client_id, t.contract, t.product,
            t.emergency, t.created_at, t.deadline, t.reacted_at is not None, left, t.assignee,
            t.requester or t.requester_name, t.subject, t.channel,
        ))  # fmt: skip
    return out


def _matches(t: Ticket, f: QueueFilter) -> bool:
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
    charged = dict(session.execute(
        select(PackageDeduction.time_entry_id, func.sum(PackageDeduction.charged_hours))
        .where(PackageDeduction.time_entry_id.in_([e.id for e in time]))
        .group_by(PackageDeduction.time_entry_id)
    ).all())  # fmt: skip
    actions = list(session.scalars(
        select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
    ))  # fmt: skip
    return TicketView(loaded, sent, time, {k: Decimal(v) for k, v in charged.items()}, actions)


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
