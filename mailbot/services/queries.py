"""What the CLI and the console read: the queue in handling order with its filters, a
ticket with everything that happened to it, a client's page, the outbox. Plain rows out,
so neither the CLI nor the console holds SQL. The queue, the tickets, a ticket's story
and the outbox are Core queries over a Connection (store/schema.py): the read-only
commands must start fast, and the ORM's import and mapping cost more than the query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from mailbot.core.states import ALL, NOT_WORK, OPEN
from mailbot.services.numbers import ActionError, invalid, ticket_number
from mailbot.store.schema import attachment, message, ticket, ticket_event
from mailbot.store.schema import outbox as outbox_items

if TYPE_CHECKING:  # the ORM and the ledger are imported where they are used
    from sqlalchemy.orm import Session

    from mailbot.core.ledger import Deduction, PackageBalance
    from mailbot.store.tables import Ticket

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


def queue(db: Connection, now: datetime, f: QueueFilter = QueueFilter()) -> list[QueueRow]:
    """Open tickets in handling order (R-PAK-6): emergencies, care clients, then arrival;
    backlog history is no work. `position` counts in the whole queue, filters aside."""
    t = ticket.c
    q = select(ticket).where(t.state.in_(check_states(f.state, OPEN) or OPEN),
                             t.history.is_(False))  # fmt: skip
    rows = db.execute(q.order_by(func.coalesce(t.priority, 9), t.created_at, t.id))
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


def _matches(t: Row[Any], f: QueueFilter) -> bool:
    assignee = t.assignee or "-"
    return (
        (f.client is None or t.client_id == f.client)
        and (f.assignee is None or assignee == f.assignee)
        and (f.product is None or t.product == f.product)
        and (f.emergency is None or t.emergency == f.emergency)
    )


def tickets(db: Connection, *, states: Sequence[str] = (), since: datetime | None = None,
            limit: int = 200) -> list[tuple[Row[Any], int]]:  # fmt: skip
    """Tickets newest first with their message count."""
    counts = (
        select(message.c.ticket_id, func.count(message.c.id).label("n"))
        .group_by(message.c.ticket_id)
        .subquery()
    )
    q = (
        select(ticket, func.coalesce(counts.c.n, 0).label("messages"))
        .outerjoin(counts, counts.c.ticket_id == ticket.c.id)
        .order_by(ticket.c.created_at.desc(), ticket.c.id.desc())
        .limit(limit)
    )
    if states := check_states(states):
        q = q.where(ticket.c.state.in_(states))
    if since is not None:
        q = q.where(ticket.c.created_at >= since)
    return [(row, row.messages) for row in db.execute(q)]


@dataclass(frozen=True)
class TicketView:
    ticket: Row[Any]
    messages: list[Row[Any]]  # oldest first
    attachments: dict[int, list[Row[Any]]]  # message id -> its attachments
    events: list[Row[Any]]  # the ticket's event log, in order
    sent: list[Row[Any]]  # what mailbot sent or will send about it, oldest first
    time: list[Row[Any]]
    charged: dict[int, Decimal]  # time entry id -> package hours deducted (R-PAK-2/5)
    actions: list[Row[Any]] = field(default_factory=list)  # who did what, with the reasons


def ticket_view(db: Connection, number: str) -> TicketView:
    from mailbot.store.schema_staff import audit_event, package_deduction, time_entry

    full = ticket_number(db, number)
    t = db.execute(select(ticket).where(ticket.c.number == full)).first()
    if t is None:
        raise ActionError(f"nie ma zgłoszenia {full}")
    messages = list(db.execute(
        select(message).where(message.c.ticket_id == t.id).order_by(message.c.received_at)
    ))  # fmt: skip
    attachments: dict[int, list[Row[Any]]] = {}
    for a in db.execute(select(attachment).where(
        attachment.c.message_id.in_([m.id for m in messages])
    ).order_by(attachment.c.id)):  # fmt: skip
        attachments.setdefault(a.message_id, []).append(a)
    events = list(db.execute(
        select(ticket_event).where(ticket_event.c.ticket_id == t.id).order_by(ticket_event.c.id)
    ))  # fmt: skip
    sent = list(db.execute(
        select(outbox_items).where(outbox_items.c.ticket_id == t.id).order_by(outbox_items.c.id)
    ))  # fmt: skip
    time = list(db.execute(
        select(time_entry).where(time_entry.c.ticket_id == t.id).order_by(time_entry.c.at)
    ))  # fmt: skip
    d = package_deduction.c
    charged = dict(db.execute(
        select(d.time_entry_id, func.sum(d.charged_hours))
        .where(d.time_entry_id.in_([e.id for e in time]))
        .group_by(d.time_entry_id)
    ).all())  # fmt: skip
    actions = list(db.execute(
        select(audit_event).where(audit_event.c.ticket_id == t.id).order_by(audit_event.c.id)
    ))  # fmt: skip
    return TicketView(t, messages, attachments, events, sent, time,
                      {k: Decimal(v) for k, v in charged.items()}, actions)  # fmt: skip


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
    from mailbot.store.tables import Message, Ticket

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


def outbox(db: Connection, states: Sequence[str] = (), limit: int = 100
           ) -> list[tuple[Row[Any], str]]:  # fmt: skip
    """Outgoing mail and SMS, newest first, with the ticket number."""
    o = outbox_items.c
    q = (
        select(outbox_items, ticket.c.number.label("ticket_number"))
        .join(ticket, ticket.c.id == o.ticket_id)
        .order_by(o.id.desc())
        .limit(limit)
    )
    if states:
        q = q.where(o.state.in_(check_states(states, OUTBOX_STATES)))
    return [(row, row.ticket_number) for row in db.execute(q)]
