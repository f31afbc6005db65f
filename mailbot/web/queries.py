"""The console's own reads, over one Session: what only its pages show (an attachment
to download, a client's time entries, the digest archive, SLA rows, sign-ins). The
queue, a ticket, a client and every change go through the services layer, shared with
the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.store.tables import AttachmentRow, JobRun, Message, Ticket, TimeEntry, WebLogin


def time_entries_of(session: Session, client_id: str, limit: int) -> list[tuple[TimeEntry, str]]:
    """A client's newest time entries, with the ticket number each was logged against."""
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


def digest_days(session: Session, limit: int = 120) -> list[JobRun]:
    return list(
        session.scalars(
            select(JobRun).where(JobRun.job == "digest").order_by(JobRun.day.desc()).limit(limit)
        )
    )


def digest_run(session: Session, day: date) -> JobRun | None:
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
