"""A follow-up from someone who may not speak for the ticket (real Dovecot, SQLite and
PostgreSQL): ticket numbers are sequential, so another client or a stranger can guess
one. Their message is noted on the ticket as a third party's and changes nothing there:
not its client, trust, priority or urgency, and nobody is paged for the ticket."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from mailbot.store.tables import Message, OutboxItem, Ticket, TicketEvent
from tests.integration.test_cli import invoke
from tests.integration.test_pipeline import mail, prime

pytestmark = pytest.mark.integration

CLIENT = "biuro@piekarnia-kowalski.pl"  # care, opiekun jan.wisniewski (rules/clients.toml)
OTHER_CLIENT = "p.nowicki@budmax.com.pl"  # care, opiekun tomasz.kaczmarek
STRANGER = "attacker@evil.example"
EMERGENCY = "F-K nie działa na żadnym komputerze, nikt nie może pracować. AWARIA!"


def snapshot(app, number: str) -> tuple:
    with app.sessions() as s:
        t = s.scalar(select(Ticket).where(Ticket.number == number))
        assert t is not None
        return (t.client_id, t.trust, t.requester, t.priority, t.emergency, t.deadline,
                t.state, t.contract, t.decision)  # fmt: skip


def opened(app, mailbox) -> str:
    """A care client's ordinary question: the ticket an attacker will name."""
    prime(app)
    mailbox.append(
        "INBOX",
        mail("Pytanie o raport VAT", "Jak wydrukować raport?", sender=CLIENT,
             msgid="<q1@piekarnia-kowalski.pl>"),
    )  # fmt: skip
    assert app.poll_once().actions == {"created": 1}
    with app.sessions() as s:
        (number,) = s.scalars(select(Ticket.number))
    return number


def outbox(app) -> list[OutboxItem]:
    with app.sessions() as s:
        return list(s.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_a_stranger_naming_a_ticket_is_noted_and_changes_nothing(make_app, mailbox):
    app = make_app(smtp={"mode": "capture"})
    number = opened(app, mailbox)
    before, queued = snapshot(app, number), len(outbox(app))
    # by the number in the subject, and by In-Reply-To of the client's message
    mailbox.append(
        "INBOX",
        mail(f"Re: Pytanie o raport VAT [{number}]", EMERGENCY, sender=STRANGER,
             msgid="<s1@evil.example>"),
    )  # fmt: skip
    mailbox.append(
        "INBOX",
        mail("Re: Pytanie o raport VAT", EMERGENCY, sender=STRANGER, msgid="<s2@evil.example>",
             in_reply_to="<q1@piekarnia-kowalski.pl>"),
    )  # fmt: skip
    assert app.poll_once().actions == {"third_party": 2}
    assert snapshot(app, number) == before
    assert len(outbox(app)) == queued  # no reply to the stranger, nobody paged
    with app.sessions() as s:
        notes = s.scalars(select(Message).where(Message.sender_address == STRANGER)).all()
        assert len(notes) == 2 and all(m.third_party for m in notes)
        kinds = [e.kind for e in s.scalars(select(TicketEvent).order_by(TicketEvent.id))]
        assert kinds.count("third_party") == 2 and "escalated" not in kinds
        assert s.scalar(select(Ticket.id).where(Ticket.number != number)) is None
    shown = invoke(app, "tickets", "show", number)
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("OSOBA TRZECIA") == 2 and STRANGER in shown.output


def test_another_clients_emergency_is_their_own_ticket(make_app, mailbox):
    app = make_app(smtp={"mode": "capture"})
    app.decider.oncall = lambda at: "monika.grabowska"  # on call, opiekun of neither client
    number = opened(app, mailbox)
    before = snapshot(app, number)
    mailbox.append(
        "INBOX",
        mail(f"Re: Pytanie o raport VAT [{number}]", EMERGENCY, sender=OTHER_CLIENT,
             msgid="<b1@budmax.com.pl>"),
    )  # fmt: skip
    assert app.poll_once().actions == {"created": 1}
    assert snapshot(app, number) == before  # client, trust, priority: all as they were
    with app.sessions() as s:
        own = s.scalar(select(Ticket).where(Ticket.number != number))
        assert own is not None and own.client_id == "budmax" and own.requester == OTHER_CLIENT
        assert own.emergency and own.priority == 1 and own.deadline is not None
        doc = json.loads(own.decision)
        assert doc["thread"]["named_ticket"] == number and doc["thread"]["ticket"] is None
        note = s.scalar(
            select(TicketEvent)
            .join(Ticket)
            .where(Ticket.number == number, TicketEvent.kind == "third_party")
        )
        assert note is not None and own.number in note.detail
    pages = [r for r in outbox(app) if r.kind == "alert_email"]
    assert {r.recipient for r in pages} == {
        "monika.grabowska@kjmssoft.pl",
        "tomasz.kaczmarek@kjmssoft.pl",  # budmax's opiekun, not the named ticket's
    }
    assert all(r.ticket_id == own.id for r in pages)
    # its own reply goes to the other client, with its own ticket number
    replies = [r for r in outbox(app) if r.kind == "reply" and r.recipient == OTHER_CLIENT]
    assert len(replies) == 1 and own.number in replies[0].subject


def test_the_same_clients_colleague_and_the_requester_still_escalate(make_app, mailbox):
    """A registered address of the same client speaks for the ticket (R-CON-6)."""
    app = make_app()
    number = opened(app, mailbox)
    mailbox.append(
        "INBOX",
        mail(f"Re: [{number}] Pytanie", EMERGENCY, sender="a.kowalska@piekarnia-kowalski.pl",
             msgid="<q2@piekarnia-kowalski.pl>"),
    )  # fmt: skip
    assert app.poll_once().actions == {"follow_up": 1}
    client_id, trust, _, priority, emergency, *_ = snapshot(app, number)
    assert (client_id, trust, priority, emergency) == ("piekarnia", "registered", 1, True)
