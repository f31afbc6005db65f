"""A ticket's life cycle as staff move it: acknowledge, assign, close, reopen, note,
mark not-a-ticket, merge. Each is one function over a session; each checks its input,
changes the ticket and writes the audit record in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from mailbot.core.states import CLOSED, MERGED, NEW, NOT_TICKET, NOT_WORK, STATE_NAMES
from mailbot.services.base import ActionError, Desk, audit, find_ticket, invalid
from mailbot.services.mail import close_notice
from mailbot.store import repo
from mailbot.store.tables import Message, Ticket

# Why a message is no ticket, as staff name it (the CLI's and the console's choices).
NOT_TICKET_KINDS = {
    "out_of_office": "odpowiedź automatyczna o nieobecności",
    "spam": "spam",
    "automatic": "inna wiadomość automatyczna",
}


@dataclass(frozen=True)
class Acked:
    number: str
    by: str
    at: datetime
    already: bool  # someone had reacted before: nothing changed


def ack(
    session: Session, desk: Desk, number: str, *, by: str, when: datetime,
    reacted_at: datetime | None = None,
) -> Acked:  # fmt: skip
    """The first reaction to a ticket: stops its R-SLA-1 clock (escalation stops too).
    A second acknowledgement changes nothing and says who was first."""
    desk.staff(by)
    ticket = find_ticket(session, number)
    if ticket.reacted_at is not None:
        return Acked(ticket.number, ticket.reacted_by or "?", ticket.reacted_at, True)
    at = reacted_at or when
    if at > when:
        raise invalid("reakcja nie może być w przyszłości (--at)")
    ticket.reacted_at, ticket.reacted_by = at, by
    audit(session, actor=by, at=when, action="acknowledged", ticket=ticket,
          event=f"reakcja odnotowana o {desk.local(at)}", reacted_at=at)  # fmt: skip
    return Acked(ticket.number, by, at, False)


def assign(session: Session, desk: Desk, number: str, staff_id: str, *, by: str,
           when: datetime) -> Ticket:  # fmt: skip
    """Whose turn the ticket is."""
    desk.staff(by)
    member = desk.staff(staff_id)
    ticket = _open(session, number, "przypisać")
    ticket.assignee, ticket.updated_at = member.id, when
    audit(session, actor=by, at=when, action="assigned", ticket=ticket,
          event=f"przypisane: {member.name}", assignee=member.id)  # fmt: skip
    return ticket


@dataclass(frozen=True)
class Closed:
    number: str
    notice: str | None  # the outbox state of the ticket_closed mail; None: nobody to tell


def close(session: Session, desk: Desk, number: str, *, by: str, when: datetime,
          note: str = "", notify: bool = True) -> Closed:  # fmt: skip
    """Close the ticket and tell the client (`ticket_closed`, with the package hours the
    ticket cost, R-PAK-2). A later message from the client reopens it."""
    desk.staff(by)
    ticket = find_ticket(session, number)
    if ticket.state == CLOSED:
        raise ActionError(f"{ticket.number} jest już zamknięte")
    if ticket.state in NOT_WORK:
        raise ActionError(f"{ticket.number} nie jest zgłoszeniem ({_state_pl(ticket)})")
    ticket.state, ticket.closed_at, ticket.updated_at = CLOSED, when, when
    audit(session, actor=by, at=when, action="closed", ticket=ticket,
          event="zamknięte" + (f": {note}" if note else ""), note=note)  # fmt: skip
    tell = notify and not ticket.history  # backlog history is never answered
    return Closed(ticket.number, close_notice(session, desk, ticket, note, when) if tell else None)


def reopen(session: Session, desk: Desk, number: str, *, by: str, when: datetime,
           reason: str = "") -> Ticket:  # fmt: skip
    """A closed (or wrongly set aside) ticket goes back to the queue."""
    desk.staff(by)
    ticket = find_ticket(session, number)
    if ticket.state not in (CLOSED, NOT_TICKET):
        raise ActionError(f"{ticket.number} nie jest zamknięte (stan: {_state_pl(ticket)})")
    ticket.state, ticket.closed_at, ticket.updated_at = NEW, None, when
    audit(session, actor=by, at=when, action="reopened", ticket=ticket, reason=reason,
          event="otwarte ponownie")  # fmt: skip
    return ticket


def add_note(session: Session, desk: Desk, number: str, text: str, *, by: str,
             when: datetime) -> Ticket:  # fmt: skip
    """An internal note: staff read it on the ticket, the client never does."""
    desk.staff(by)
    if not text.strip():
        raise invalid("notatka jest pusta")
    ticket = find_ticket(session, number)
    ticket.updated_at = when
    audit(session, actor=by, at=when, action="note", ticket=ticket, event=text.strip())
    return ticket


def mark_not_ticket(session: Session, desk: Desk, number: str, kind: str, *, by: str,
                    when: datetime, reason: str = "") -> Ticket:  # fmt: skip
    """An out-of-office answer, spam or another robot's mail is no work: out of the queue
    and the digest, no deadline, no escalation. `reopen` undoes it."""
    desk.staff(by)
    if kind not in NOT_TICKET_KINDS:
        raise invalid(f"rodzaj {kind!r} nieznany; możliwe: {', '.join(NOT_TICKET_KINDS)}")
    ticket = find_ticket(session, number)
    if ticket.state in NOT_WORK:
        raise ActionError(f"{ticket.number} już nie jest zgłoszeniem ({_state_pl(ticket)})")
    ticket.state, ticket.deadline, ticket.updated_at = NOT_TICKET, None, when
    audit(session, actor=by, at=when, action="not_ticket", ticket=ticket, reason=reason,
          event=f"to nie zgłoszenie: {NOT_TICKET_KINDS[kind]}", kind=kind)  # fmt: skip
    return ticket


def merge(session: Session, desk: Desk, source: str, target: str, *, by: str, when: datetime,
          reason: str = "") -> Ticket:  # fmt: skip
    """`source` joins `target`: its messages move there (so a reply to any of them threads
    to `target`), it leaves the queue as `merged`, and both logs say so. Time logged and
    mail sent stay recorded where they happened. Tickets of two different clients are
    not merged: that would show one client another's mail."""
    desk.staff(by)
    src, dst = find_ticket(session, source), find_ticket(session, target)
    if src.id == dst.id:
        raise invalid("nie można połączyć zgłoszenia z nim samym")
    for t in (src, dst):
        if t.state == MERGED:
            raise ActionError(f"{t.number} jest już połączone z innym zgłoszeniem")
    if src.client_id and dst.client_id and src.client_id != dst.client_id:
        raise ActionError(
            f"{src.number} (klient {src.client_id}) i {dst.number} (klient {dst.client_id}) "
            "należą do różnych klientów"
        )
    was_closed = src.state == CLOSED
    moved = session.execute(
        update(Message).where(Message.ticket_id == src.id).values(ticket_id=dst.id)
    ).rowcount
    session.expire(src, ["messages"])
    session.expire(dst, ["messages"])
    src.state, src.deadline, src.updated_at = MERGED, None, when
    dst.updated_at = when
    if dst.state == CLOSED and not was_closed:  # open work joins it: open again
        dst.state, dst.closed_at = NEW, None
    if src.emergency and not dst.emergency:
        dst.emergency = True  # the merged ticket keeps the more urgent reading
        dst.priority = min(dst.priority or 4, src.priority or 4)
    audit(session, actor=by, at=when, action="merged", ticket=src, reason=reason,
          event=f"połączone z {dst.number} ({moved} wiad.)", into=dst.number)  # fmt: skip
    repo.add_event(session, dst, "merged_in", when,
                   f"dołączone {src.number} ({moved} wiad.) ({by})")  # fmt: skip
    return dst


def _open(session: Session, number: str, what: str) -> Ticket:
    ticket = find_ticket(session, number)
    if ticket.state in NOT_WORK:
        raise ActionError(f"nie można {what} {ticket.number}: {_state_pl(ticket)}")
    return ticket


def _state_pl(ticket: Ticket) -> str:
    return STATE_NAMES.get(ticket.state, ticket.state)
