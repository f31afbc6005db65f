"""The console's reads (and its one write, the acknowledgement), over one Session.

TO BE REPLACED by the services layer's queries and `services.ack` once it lands: every
function here is thin on purpose, one query each, so the swap is a change of imports.
Reads select columns, not whole rows, where a page lists many tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from mailbot.store import repo
from mailbot.store.tables import (
    AttachmentRow,
    JobRun,
    Message,
    OutboxItem,
    PackageDeduction,
    Ticket,
    TicketEvent,
    TimeEntry,
    WebLogin,
)

OPEN_STATES = ("new", "on_hold", "needs_identification", "out_of_scope")
NOTE_KINDS = ("note",)  # events that are a staff member's internal note
# The handling order (R-PAK-6): priority (emergencies, then care clients), then arrival.
# The 9 is a literal so the database can use the index ix_ticket_queue (migration 0011).
HANDLING_ORDER = (func.coalesce(Ticket.priority, text("9")), Ticket.created_at, Ticket.id)


@dataclass(frozen=True)
class QueueFilter:
    client: str = ""
    state: str = ""  # "" = every open state
    assignee: str = ""  # a staff id, or "-" for nobody
    product: str = ""
    emergency: bool | None = None


@dataclass(frozen=True)
class QueueRow:
    number: str
    state: str
    subject: str
    requester: str
    client_id: str | None
    contract: str | None
    product: str | None
    emergency: bool
    priority: int | None
    created_at: datetime
    deadline: datetime | None
    reacted_at: datetime | None
    assignee: str | None


_QUEUE_COLUMNS = (
    Ticket.number,
    Ticket.state,
    Ticket.subject,
    Ticket.requester,
    Ticket.client_id,
    Ticket.contract,
    Ticket.product,
    Ticket.emergency,
    Ticket.priority,
    Ticket.created_at,
    Ticket.deadline,
    Ticket.reacted_at,
    Ticket.assignee,
)


def queue(
    session: Session, f: QueueFilter, limit: int, offset: int = 0
) -> tuple[list[QueueRow], int]:
    """One page of open tickets in handling order, and how many match in all."""
    where = [Ticket.history.is_(False)]
    where.append(Ticket.state == f.state if f.state else Ticket.state.in_(OPEN_STATES))
    if f.client:
        where.append(Ticket.client_id == f.client)
    if f.assignee == "-":
        where.append(Ticket.assignee.is_(None))
    elif f.assignee:
        where.append(Ticket.assignee == f.assignee)
    if f.product:
        where.append(Ticket.product == f.product)
    if f.emergency is not None:
        where.append(Ticket.emergency.is_(f.emergency))
    rows = session.execute(
        select(*_QUEUE_COLUMNS).where(*where).order_by(*HANDLING_ORDER).limit(limit).offset(offset)
    )
    total = session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0
    return [QueueRow(*r) for r in rows], total


def ticket(session: Session, number: str) -> Ticket | None:
    """The ticket with its messages (and their attachments) and events loaded."""
    return repo.load_ticket(session, number)


def sent_for(session: Session, ticket_id: int) -> list[OutboxItem]:
    """What mailbot wrote about the ticket: replies, alerts, escalations."""
    return list(
        session.scalars(
            select(OutboxItem).where(OutboxItem.ticket_id == ticket_id).order_by(OutboxItem.id)
        )
    )


def ledger_for(session: Session, ticket_id: int) -> list[tuple[TimeEntry, list[PackageDeduction]]]:
    entries = list(
        session.scalars(
            select(TimeEntry).where(TimeEntry.ticket_id == ticket_id).order_by(TimeEntry.at)
        )
    )
    drawn: dict[int, list[PackageDeduction]] = {}
    if entries:
        for d in session.scalars(
            select(PackageDeduction)
            .where(PackageDeduction.time_entry_id.in_([e.id for e in entries]))
            .order_by(PackageDeduction.id)
        ):
            drawn.setdefault(d.time_entry_id, []).append(d)
    return [(e, drawn.get(e.id, [])) for e in entries]


def client_tickets(session: Session, client_id: str, *, open_: bool, limit: int) -> list[QueueRow]:
    q = select(*_QUEUE_COLUMNS).where(Ticket.client_id == client_id)
    if open_:
        q = q.where(Ticket.state.in_(OPEN_STATES)).order_by(*HANDLING_ORDER)
    else:
        q = q.where(Ticket.state.not_in(OPEN_STATES)).order_by(Ticket.created_at.desc())
    return [QueueRow(*r) for r in session.execute(q.limit(limit))]


def time_entries_of(session: Session, client_id: str, limit: int) -> list[tuple[TimeEntry, str]]:
    return [
        (e, number)
        for e, number in session.execute(
            select(TimeEntry, Ticket.number)
            .join(Ticket, Ticket.id == TimeEntry.ticket_id)
            .where(TimeEntry.client_id == client_id)
            .order_by(TimeEntry.at.desc())
            .limit(limit)
        )
    ]


def attachment(session: Session, attachment_id: int) -> tuple[AttachmentRow, Message] | None:
    row = session.execute(
        select(AttachmentRow, Message)
        .join(Message, Message.id == AttachmentRow.message_id)
        .where(AttachmentRow.id == attachment_id)
    ).first()
    return (row[0], row[1]) if row else None


def tickets_by_numbers(session: Session, numbers: list[str]) -> list[QueueRow]:
    if not numbers:
        return []
    return [
        QueueRow(*r)
        for r in session.execute(
            select(*_QUEUE_COLUMNS).where(Ticket.number.in_(numbers)).order_by(*HANDLING_ORDER)
        )
    ]


def client_recent(session: Session, client_ids: tuple[str, ...], limit: int = 50
                  ) -> list[QueueRow]:  # fmt: skip
    """The newest tickets of these clients (index ix_ticket_client_created)."""
    if not client_ids:
        return []
    q = select(*_QUEUE_COLUMNS).where(Ticket.client_id.in_(client_ids))
    return [
        QueueRow(*r) for r in session.execute(q.order_by(Ticket.created_at.desc()).limit(limit))
    ]


def digest_days(session: Session, limit: int = 120) -> list[JobRun]:
    return list(
        session.scalars(
            select(JobRun).where(JobRun.job == "digest").order_by(JobRun.day.desc()).limit(limit)
        )
    )


def digest_run(session: Session, day) -> JobRun | None:
    return session.get(JobRun, ("digest", day))


@dataclass(frozen=True)
class SlaRow:
    number: str
    client_id: str | None
    created_at: datetime
    deadline: datetime
    reacted_at: datetime | None
    breached_at: datetime | None
    state: str


def sla_rows(session: Session, since: datetime, until: datetime) -> list[SlaRow]:
    """Tickets with a reaction deadline (R-SLA-1) created in [since, until)."""
    return [
        SlaRow(*r)
        for r in session.execute(
            select(
                Ticket.number,
                Ticket.client_id,
                Ticket.created_at,
                Ticket.deadline,
                Ticket.reacted_at,
                Ticket.breached_at,
                Ticket.state,
            )
            .where(
                Ticket.deadline.is_not(None),
                Ticket.history.is_(False),
                Ticket.created_at >= since,
                Ticket.created_at < until,
            )
            .order_by(Ticket.created_at)
        )
    ]


def logins(session: Session, limit: int = 200) -> list[WebLogin]:
    return list(session.scalars(select(WebLogin).order_by(WebLogin.id.desc()).limit(limit)))


def events_of(ticket: Ticket) -> tuple[list[TicketEvent], list[TicketEvent]]:
    """(the event log, the staff notes) of a loaded ticket."""
    notes = [e for e in ticket.events if e.kind in NOTE_KINDS]
    return [e for e in ticket.events if e.kind not in NOTE_KINDS], notes


def acknowledge(
    session: Session, number: str, by: str, when: datetime, now: datetime
) -> tuple[Ticket | None, bool]:
    """Record the first reaction (stops the R-SLA-1 clock) as `mailbot ack` does today:
    the same columns and the same "acknowledged" event. (ticket, False) when someone had
    reacted already; (None, False) when there is no such ticket."""
    found = repo.ticket_by_number(session, number)
    if found is None or found.reacted_at is not None:
        return found, False
    found.reacted_at, found.reacted_by = when, by
    repo.add_event(
        session, found, "acknowledged", now, f"reaction recorded by {by} at {when.isoformat()}"
    )
    return found, True
