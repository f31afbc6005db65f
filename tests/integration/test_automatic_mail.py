"""Out-of-office and other machine-sent mail is never a ticket of its own: it joins its
sender's latest open ticket, or is kept as not_a_ticket, out of the queue, the digest,
the escalation and the package release (real Dovecot, SQLite)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from mailbot.core.digest import NOT_A_TICKET, build_digest
from mailbot.outgoing.digest_job import gather
from mailbot.store import ledger as ledger_store
from mailbot.store.tables import Message, OutboxItem, Ticket, TicketEvent
from tests.integration.test_pipeline import mail, prime, tickets

pytestmark = pytest.mark.integration
PACKAGE_CLIENT = "biuro@bilans-ostroleka.pl"  # pakiet, no valid package: on hold (R-PAK-3)
CARE_CLIENT = "biuro@piekarnia-kowalski.pl"  # opieka: emergencies are paged (R-SLA-1)


def auto_reply(subject: str, body: str, sender: str, msgid: str) -> bytes:
    head, rest = mail(subject, body, sender=sender, msgid=msgid).split(b"\n\n", 1)
    return head + b"\nAuto-Submitted: auto-replied\n\n" + rest


def outbox(app) -> list[OutboxItem]:
    with app.sessions() as s:
        return list(s.scalars(select(OutboxItem)))


def test_out_of_office_joins_the_senders_open_ticket(make_app, mailbox):
    app = make_app()
    prime(app)
    mailbox.append("INBOX", mail("Rozdzielenie lat w F-K", sender=PACKAGE_CLIENT, msgid="<q@b>"))
    app.poll_once()
    (ticket,) = tickets(app).values()
    assert ticket.state == "on_hold"
    replies = len(outbox(app))
    mailbox.append(
        "INBOX",
        auto_reply("Automatyczna odpowiedź: inna sprawa", "Jestem na urlopie do 30.11.",
                   PACKAGE_CLIENT, "<ooo@b>"),
    )  # fmt: skip
    app.poll_once()
    assert list(tickets(app)) == [ticket.number]  # no ticket of its own
    with app.sessions() as s:
        joined = s.scalars(select(Message).where(Message.message_key == "<ooo@b>")).one()
        assert joined.ticket_id == ticket.id and joined.automatic == "out-of-office"
        event = s.scalars(select(TicketEvent).where(TicketEvent.kind == "automatic")).one()
    assert event.ticket_id == ticket.id and "wiadomość automatyczna" in event.detail
    assert len(outbox(app)) == replies  # never answered (RFC 3834)


def test_out_of_office_without_an_open_ticket_is_not_a_ticket(make_app, mailbox):
    """Not counted in the digest, and a package purchase does not "release" it."""
    app = make_app()
    prime(app)
    mailbox.append(
        "INBOX",
        auto_reply("Automatyczna odpowiedź: Faktura", "Jestem poza biurem.", PACKAGE_CLIENT,
                   "<ooo2@b>"),
    )  # fmt: skip
    app.poll_once()
    (kept,) = tickets(app).values()
    assert kept.state == NOT_A_TICKET and kept.deadline is None and kept.reply is None
    assert outbox(app) == []
    with app.sessions.begin() as s:
        released = ledger_store.release_on_hold(s, "bilans", app.clock(), "zakup pakietu")
    assert released == [] and tickets(app)[kept.number].state == NOT_A_TICKET
    with app.sessions() as s:
        day = kept.created_at.astimezone(app.config.tz).date()
        digest = build_digest(gather(s, app.rules, date.fromordinal(day.toordinal() + 1),
                                     app.config.tz, app.clock()))  # fmt: skip
    assert digest.new_total == 0 and digest.open_tickets == () and digest.on_hold == ()
    assert sum(n for _, n, _ in digest.daily) == 0


def test_an_emergency_quoted_in_an_auto_reply_pages_nobody(make_app, mailbox):
    app = make_app()
    prime(app)
    body = "Jestem na urlopie.\n\n> AWARIA: F-K nie działa na żadnym komputerze, nikt nie pracuje"
    mailbox.append("INBOX", auto_reply("Automatyczna odpowiedź: AWARIA", body, CARE_CLIENT,
                                       "<ooo3@p>"))  # fmt: skip
    app.poll_once()
    (kept,) = tickets(app).values()
    assert kept.state == NOT_A_TICKET and kept.deadline is None
    assert outbox(app) == []  # no reply, no page
    assert app.escalate() == {}


def test_an_auto_reply_to_a_closed_ticket_does_not_reopen_it(make_app, mailbox):
    app = make_app()
    prime(app)
    mailbox.append("INBOX", mail("Pytanie o raport VAT", sender=CARE_CLIENT, msgid="<c1@p>"))
    app.poll_once()
    (number,) = tickets(app)
    with app.sessions.begin() as s:
        t = s.scalars(select(Ticket)).one()
        t.state, t.closed_at = "closed", app.clock()
    mailbox.append(
        "INBOX",
        auto_reply(f"Automatyczna odpowiedź: Re: Pytanie o raport VAT [{number}]",
                   "Jestem na urlopie.", CARE_CLIENT, "<ooo4@p>"),
    )  # fmt: skip
    app.poll_once()
    assert list(tickets(app)) == [number] and tickets(app)[number].state == "closed"
    with app.sessions() as s:
        kinds = list(s.scalars(select(TicketEvent.kind).order_by(TicketEvent.id)))
    assert "reopened" not in kinds and kinds[-1] == "automatic"


def test_a_colleagues_auto_reply_joins_the_clients_open_ticket(make_app, mailbox):
    """k.mazur was copied on our reply to biuro@ (both registered for the same client):
    the out-of-office joins the client's open ticket, not a ticket of its own."""
    app = make_app()
    prime(app)
    mailbox.append("INBOX", mail("Rozdzielenie lat w F-K", sender=PACKAGE_CLIENT, msgid="<r@b>"))
    app.poll_once()
    (number,) = tickets(app)
    mailbox.append(
        "INBOX",
        auto_reply("Automatyczna odpowiedź: Re: Rozdzielenie lat w F-K", "Jestem na urlopie.",
                   "k.mazur@bilans-ostroleka.pl", "<ooo5@b>"),
    )  # fmt: skip
    app.poll_once()
    assert list(tickets(app)) == [number]
    with app.sessions() as s:
        assert len(s.scalars(select(Message)).all()) == 2
