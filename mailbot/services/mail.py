"""Mail to the client that staff actions cause: the notice that a ticket is closed, that
an on-hold ticket is handled (R-PAK-3), and a reply a person writes. All go through the
outbox in the action's transaction, threaded to the client's last message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import jinja2
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.core.contracts import Staff
from mailbot.core.ledger import PACKAGE_CONTRACTS
from mailbot.outgoing.outbox import last_inbound
from mailbot.outgoing.render import Rendered, temat
from mailbot.services.base import ActionError, Desk, audit, find_ticket, invalid
from mailbot.store import ledger as ledger_store
from mailbot.store.tables import Message, PackageDeduction, Ticket, TimeEntry

# The layout's blocks (templates/README.md) with a person's words: no "sent
# automatically" footer, the writer's name in the signature. The words are escaped here.
_HTML = (
    '{% extends "_uklad.html.j2" %}'
    "{% block heading %}KJM – odpowiedź w zgłoszeniu{% endblock %}"
    "{% block content %}{{ body }}{% endblock %}"
    "{% block signature %}<p>Z poważaniem,<br><strong>{{ name }}</strong><br>"
    "Zespół Wsparcia KJM</p>{% endblock %}"
    "{% block footer %}Odpowiadając, prosimy zachować w temacie numer zgłoszenia "
    "[{{ ticket }}].{% endblock %}"
)


def last_client_message(session: Session, ticket: Ticket) -> Message | None:
    """The client's latest own message: a notice threads to it. Not a robot's, and not a
    third party's (the client hears it, not whoever wrote in between)."""
    return session.scalar(
        select(Message)
        .where(
            Message.ticket_id == ticket.id,
            Message.automatic.is_(None),
            Message.third_party.is_(False),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )


def notify(session: Session, desk: Desk, ticket: Ticket, template: str,
           context: dict[str, Any], *, occasion: str, when: datetime) -> str | None:  # fmt: skip
    """Queue `template` to the client; the outbox row's state, None with nobody to tell
    (a phone ticket, or only robots wrote)."""
    last = last_client_message(session, ticket)
    if last is None or not last.sender_address:
        return None
    mail = last_inbound(last)
    return desk.mail().queue_reply(
        session, template=template, context={"ticket": ticket.number, "subject": mail.subject}
        | context, mail=mail, ticket_id=ticket.id, inbound_id=last.id, emergency=False,
        now=when, occasion=occasion,
    )  # fmt: skip


def close_notice(session: Session, desk: Desk, ticket: Ticket, note: str, when: datetime
                 ) -> str | None:  # fmt: skip
    """`ticket_closed`: the summary staff wrote and, for a package client, the hours the
    ticket cost and what is left (R-PAK-2, R-PAK-1)."""
    client = desk.rules.book.client(ticket.client_id) if ticket.client_id else None
    charged, package = None, None
    if client is not None and ticket.contract in PACKAGE_CONTRACTS:
        charged = session.scalar(
            select(func.coalesce(func.sum(PackageDeduction.charged_hours), 0))
            .join(TimeEntry, TimeEntry.id == PackageDeduction.time_entry_id)
            .where(TimeEntry.ticket_id == ticket.id)
        )
        charged = Decimal(charged) if charged else None
        package = ledger_store.package_state(session, client, when)
    context = {"closed_at": when, "resolution": note or None, "hours_charged": charged,
               "package": package}  # fmt: skip
    return notify(session, desk, ticket, "ticket_closed", context,
                  occasion=f"closed:{when.timestamp():.0f}", when=when)  # fmt: skip


def released_notice(desk: Desk, when: datetime):
    """The `tell` that store.ledger.release_on_hold calls for each released ticket."""

    def tell(session: Session, ticket: Ticket) -> None:
        client = desk.rules.book.client(ticket.client_id) if ticket.client_id else None
        package = ledger_store.package_state(session, client, when) if client else None
        context = {"package": package, "client_name": client.name if client else None}
        notify(session, desk, ticket, "ticket_released", context, occasion="released",
               when=when)  # fmt: skip

    return tell


@dataclass(frozen=True)
class Replied:
    number: str
    to: str
    state: str  # the outbox row: pending, or failed/suppressed with the reason in the log
    first_reaction: bool  # this reply stopped the R-SLA-1 clock


def reply(session: Session, desk: Desk, number: str, text: str, *, by: str,
          when: datetime) -> Replied:  # fmt: skip
    """A person's answer to the client, threaded to the client's last message, with the
    ticket tag in the subject. The first one is the ticket's first reaction (R-SLA-1)."""
    staff = desk.staff(by)
    if not text.strip():
        raise invalid("odpowiedź jest pusta")
    ticket = find_ticket(session, number)
    last = last_client_message(session, ticket)
    if last is None or not last.sender_address:
        raise ActionError(f"{ticket.number}: nie ma wiadomości klienta, na którą odpowiedzieć")
    outbox = desk.mail()
    rendered = written_reply(desk, ticket, text, staff)
    state = outbox.queue_written_reply(
        session, rendered=rendered, mail=last_inbound(last), ticket=ticket.number,
        ticket_id=ticket.id, inbound_id=last.id, now=when,
        occasion=f"staff:{when.timestamp():.6f}",
    )  # fmt: skip
    first = ticket.reacted_at is None
    if first:
        ticket.reacted_at, ticket.reacted_by = when, by
    ticket.updated_at = when
    audit(session, actor=by, at=when, action="reply", ticket=ticket,
          event=f"odpowiedź do {last.sender_address}" + (" (pierwsza reakcja)" if first else ""),
          to=last.sender_address, text=text.strip())  # fmt: skip
    return Replied(ticket.number, last.sender_address, state, first)


def written_reply(desk: Desk, ticket: Ticket, text: str, staff: Staff) -> Rendered:
    """Subject, text and HTML of a person's reply, in the layout of the automatic ones."""
    body = text.strip().replace("\r\n", "\n")
    subject = f"Re: {temat(ticket.subject)} [{ticket.number}]"
    plain = (
        f"{body}\n\nZ poważaniem,\n{staff.name}\nZespół Wsparcia KJM\n\n--\n"
        f"Odpowiadając, prosimy zachować w temacie numer zgłoszenia [{ticket.number}].\n"
    )
    paragraphs = Markup("").join(
        Markup('<p style="margin:0 0 12px;white-space:pre-wrap;">{}</p>').format(p)
        for p in body.split("\n\n")
    )
    try:
        html = (
            desk.mail()
            .templates.env.from_string(_HTML)
            .render(
                ticket=ticket.number,
                subject=ticket.subject,
                body=paragraphs,
                name=escape(staff.name),
            )  # fmt: skip
        )
    except (jinja2.TemplateError, ValueError, TypeError) as exc:  # the support team's file
        raise ActionError(f"układ _uklad.html.j2 nie daje się użyć: {exc}") from None
    return Rendered(subject, plain, html)
