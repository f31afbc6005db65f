"""One parsed message into the database: dedup, thread, decide, the ticket rows, and
the reply and pages it calls for, in the caller's transaction (record.py owns those).

What happens to the ticket follows from who wrote and what was decided: a new ticket, a
follow-up (reopening a closed ticket), a third party's note that changes nothing, an
automatic reply joining its sender's open ticket or kept as not a ticket, and a
duplicate Message-ID recorded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from mailbot.core.classify import Classification
from mailbot.core.decide import IntakeDecision
from mailbot.core.digest import NOT_A_TICKET
from mailbot.core.follow_up import escalates, follow_up_reply
from mailbot.core.threads import TicketOwner, match_thread, ticket_number_in_subject
from mailbot.intake.decider import Decided, Decider
from mailbot.intake.group_writes import GroupWrites, MessageRef, Stored, TicketRef
from mailbot.intake.ticket_rows import (
    CLOSED_STATES,
    FIND_KEY,
    FIND_TICKET,
    GROUP,
    INSERT_ATTACHMENT,
    INSERT_MESSAGE,
    INSERT_TICKET,
    UPDATE_TICKET,
    clean,
    decision_columns,
    event,
    home_of_automatic,
    message_values,
    not_a_ticket,
    ticket_number,
)
from mailbot.model import FetchedMessage, InboundMail
from mailbot.outgoing.contexts import VIEW_KEYS
from mailbot.outgoing.outbox import Outbox, reply_context
from mailbot.store import repo


@dataclass(frozen=True)
class Outcome:
    # created | follow_up | reopened | third_party | duplicate | quarantined, and for
    # automatic mail: automatic (joined a ticket) | not_a_ticket (see _store)
    action: str
    ticket: str | None
    message_key: str | None
    detail: str = ""
    summary: str = ""  # the decision in one line, for the log


def log_line(decided: Decided | None, history: bool, follow_up: bool) -> str:
    """The decision in one line, for the log (Outcome.summary)."""
    if decided is None:
        return ""
    d = decided.decision
    reply = None if history else (follow_up_reply(d) if follow_up else d.reply)
    parts = [
        f"client={d.client_id or '-'}",
        f"trust={d.trust}",
        f"state={d.state}",
        f"priority={d.priority}",
        f"reply={reply or '-'}",
    ]
    if d.emergency:
        parts.insert(2, "EMERGENCY")
    if d.alerts and not history and not follow_up:
        parts.append("alerts=" + ",".join(f"{a.role}:{a.to or '?'}" for a in d.alerts))
    return " ".join(parts)


AUTOMATIC_DETAIL = {  # event details staff read in the ticket's history
    "automatic": "wiadomość automatyczna ({}): dołączona do zgłoszenia, bez odpowiedzi",
    "not_a_ticket": "wiadomość automatyczna ({}): nie jest zgłoszeniem, poza kolejką i raportem",
}


def open_ticket(conn: Connection, group: GroupWrites | None, row: dict[str, object]
                ) -> int | TicketRef:  # fmt: skip
    """A new ticket's row: inserted now, or with the group's others (group_writes.py)."""
    if group is not None:
        return group.add_ticket(row)
    return conn.execute(INSERT_TICKET, row).scalar_one()


def file_message(
    session: Session,
    fetched: FetchedMessage,
    mail: InboundMail,
    sha: str,
    history: bool,
    now: datetime,
    what: Classification | None = None,
    *,
    tz: ZoneInfo,
    decider: Decider | None,
    outbox: Outbox | None,
) -> Outcome:
    """SQL Core statements, not the ORM unit of work: this is the hot path of a backlog
    (the ORM version managed ~180 messages/s; see the README's benchmark section).
    In a group commit the rows wait in GroupWrites for the group's end."""
    conn = session.connection()
    received = fetched.internal_date or now
    group: GroupWrites | None = session.info.get(GROUP)
    existing: Stored | Row | None = None
    if group is not None and mail.message_id in group.absent:
        group.absent.discard(mail.message_id)  # a second copy later on is a duplicate
    elif group is not None and mail.message_id in group.pending:
        existing = group.pending[mail.message_id]
    else:
        existing = conn.execute(FIND_KEY, {"key": mail.message_id}).first()
    if existing is not None:
        detail = f"already stored in {existing.number}"
        if existing.raw_sha256 != sha:
            detail += f"; different bytes kept as raw {sha[:12]}"
            event(
                session,
                existing.ticket_id,
                "duplicate_message_id",
                now,
                f"{mail.message_id} arrived again with other content "
                f"(UID {fetched.uid}, raw {sha})",
                None,
            )
        return Outcome("duplicate", existing.number, mail.message_id, detail)

    number_in_subject = ticket_number_in_subject(mail.subject)
    refs = [r for r in (mail.in_reply_to, *mail.references) if r]
    if group is not None and (number_in_subject or refs):
        group.insert_tickets(conn)  # the ticket it names or answers may be one this group opened
    match = match_thread(
        mail.subject,
        mail.in_reply_to,
        mail.references,
        known_tickets=repo.existing_ticket_numbers(session, [number_in_subject or ""]),
        ticket_by_message_id=(
            group.tickets_of(refs) if group else repo.tickets_by_message_keys(session, refs)
        ),
    )
    ticket = None
    if match.ticket:  # only from a number in the subject or refs: inserted above
        ticket = conn.execute(FIND_TICKET, {"number": match.ticket}).first()
    owner = TicketOwner(ticket.requester, ticket.client_id) if ticket is not None else None
    decided = decider(session, mail, received, match, what, owner) if decider else None
    thread = decided.thread if decided else match
    named = None  # a ticket a third party's emergency named: noted there, not joined
    if ticket is not None and thread.ticket is None:
        named, ticket = ticket, None
    third_party = ticket is not None and thread.third_party
    columns = decision_columns(decided, history)
    escalated = False
    reacted = None
    # Out-of-office and other machine-sent mail is never a ticket of its own: it joins
    # the sender's latest open ticket, or is kept as not-a-ticket.
    automatic = decided.decision.automatic if decided else None
    number = match.ticket
    if automatic and ticket is None and mail.sender and not named:
        assert decided is not None
        if group is not None:
            group.insert_tickets(conn)  # its sender's ticket may be one this group opened
        ticket = home_of_automatic(conn, mail.sender.address, decided, history)
        number = ticket.number if ticket is not None else None
    if ticket is None and automatic:
        action = "not_a_ticket"
        number = ticket_number(session, received.astimezone(tz).year)
        values = {
            "number": number, "state": NOT_A_TICKET, "subject": clean(mail.subject),
            "requester": mail.sender.address if mail.sender else "",
            "requester_name": clean(mail.sender.name if mail.sender else ""),
            "history": history, "created_at": received, "updated_at": now,
        }  # fmt: skip
        ticket_id = open_ticket(conn, group, values | not_a_ticket(columns))
    elif ticket is None:
        action = "created"
        number = ticket_number(session, received.astimezone(tz).year)
        values = {
            "number": number, "state": "new", "subject": clean(mail.subject),
            "requester": mail.sender.address if mail.sender else "",
            "requester_name": clean(mail.sender.name if mail.sender else ""),
            "history": history, "created_at": received, "updated_at": now,
        }  # fmt: skip
        ticket_id = open_ticket(conn, group, values | columns)
    elif third_party:  # recorded on the ticket; its owner, trust, urgency stay as they are
        ticket_id, number, action = ticket.id, match.ticket, "third_party"
        conn.execute(UPDATE_TICKET, {"tid": ticket_id, "updated_at": now})
    elif automatic:  # noted on the ticket; it is not reopened, answered or escalated
        ticket_id, action = ticket.id, "automatic"
        conn.execute(UPDATE_TICKET, {"tid": ticket_id, "updated_at": now})
    else:
        ticket_id, number = ticket.id, match.ticket
        action = "reopened" if ticket.state in CLOSED_STATES else "follow_up"
        values = {"updated_at": now} | ({"state": "new"} if action == "reopened" else {})
        staff = decided.decision.staff_id if decided else None
        if staff and ticket.reacted_at is None:  # a colleague answered: the first reaction
            values |= {"reacted_at": received, "reacted_by": staff}
            reacted = staff
        if decided and escalates(ticket.emergency, decided.decision, thread.author):
            escalated = True  # the follow-up reports an emergency: its decision rules
            values |= columns
        conn.execute(UPDATE_TICKET, {"tid": ticket_id, **values})

    assert number is not None
    row = message_values(fetched, mail, sha, received, history)
    row |= {"ticket_id": ticket_id, "automatic": automatic, "third_party": third_party}
    queues = decided is not None and outbox is not None and not history
    queues = queues and not third_party  # a third party is neither answered nor paged for
    queues = queues and not automatic  # nor a robot (RFC 3834), nor for one
    message_id: int | MessageRef
    if group is not None:  # nothing needs its id before the group's end (outbox too)
        message_id = group.add_message(row, number)
    else:
        message_id = conn.execute(INSERT_MESSAGE, row).scalar_one()
    attachments = [
        {
            "message_id": message_id,
            "filename": clean(a.filename),
            "content_type": a.content_type[:255],
            "size": a.size,
            "sha256": a.sha256,
        }
        for a in mail.attachments
    ]
    if attachments and isinstance(message_id, MessageRef):
        group.attachments += attachments  # type: ignore[union-attr]
    elif attachments:
        conn.execute(INSERT_ATTACHMENT, attachments)
    detail = (
        f"follow-up to a closed ticket ({thread.reason})"
        if action == "reopened"
        else AUTOMATIC_DETAIL[action].format(automatic)
        if action in AUTOMATIC_DETAIL
        else thread.reason
    )
    kind = {"created": "created", "reopened": "reopened", "third_party": "third_party",
            "automatic": "automatic", "not_a_ticket": NOT_A_TICKET}  # fmt: skip
    event(session, ticket_id, kind.get(action, "follow_up"), now, detail, message_id)
    if named is not None:
        sender = mail.sender.address if mail.sender else "?"
        event(
            session,
            named.id,
            "third_party",
            now,
            f"{sender} named this ticket in a message reporting an emergency: recorded "
            f"as their own ticket {number}; nothing here changed",
            message_id,
        )
    if reacted:
        event(
            session,
            ticket_id,
            "reaction",
            now,
            f"first reaction: {reacted} replied by mail (stops the R-SLA-1 clock)",
            message_id,
        )
    if queues:
        assert decided is not None
        queue_mail(
            outbox,
            session,
            mail,
            decided.decision,
            number,
            ticket_id,
            message_id,
            received,
            now,
            new=action == "created" or escalated,
        )
    summary = log_line(decided, history, action != "created" and not escalated)
    if third_party:
        summary = "third party: no change to the ticket, no reply, no page"
    if automatic:
        where = "joined its sender's open ticket" if action == "automatic" else "not a ticket"
        summary = f"automatic ({automatic}): {where}, no reply, no page"
    if escalated:
        event(
            session,
            ticket_id,
            "escalated",
            now,
            f"follow-up reports an emergency: {', '.join(decided.decision.urgency_reasons)}",
            message_id,
        )
    return Outcome(action, number, mail.message_id, thread.reason, summary)


def queue_mail(
    outbox: Outbox,
    session: Session,
    mail: InboundMail,
    d: IntakeDecision,
    number: str,
    ticket_id: int | TicketRef,
    message_id: int | MessageRef,
    received: datetime,
    now: datetime,
    *,
    new: bool,
) -> None:
    """The reply and the pages this message calls for, in this same transaction."""
    template = d.reply if new else follow_up_reply(d)
    paging = new and bool(d.alerts)
    view = paging or bool(template and outbox.templates.reads(template, VIEW_KEYS))
    context = reply_context(
        mail, number, d, outbox.rules, received, base_url=outbox.policy.base_url, view=view
    )
    if template:
        state = outbox.queue_reply(
            session,
            template=template,
            context=context,
            mail=mail,
            ticket_id=ticket_id,
            inbound_id=message_id,
            emergency=d.emergency,
            now=now,
        )
        if state != "pending":
            event(
                session,
                ticket_id,
                f"reply_{state}",
                now,
                f"{template} to {mail.sender.address if mail.sender else '?'} not sent ({state})",
                message_id,
            )
    if paging:
        outbox.queue_alerts(
            session, d=d, context=context, ticket_id=ticket_id, step="receipt", now=now
        )
