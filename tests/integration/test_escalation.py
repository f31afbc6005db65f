"""A whole escalation with a controllable clock: receipt -> alert -> reminder
-> breach; an acknowledgement stops it; a restart sends no step twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mailbot.daemon import App
from mailbot.settings.config import load_config
from mailbot.store import repo
from mailbot.store.tables import OutboxItem, Ticket, TicketEvent
from tests.clock import Clock
from tests.integration.test_pipeline import mail, prime

pytestmark = pytest.mark.integration
CLIENT = "biuro@piekarnia-kowalski.pl"  # opieka, opiekun jan.wisniewski (rules/)
EMERGENCY = "F-K nie działa na żadnym komputerze, nikt w firmie nie może pracować."


@pytest.fixture
def clocked(make_app, mailbox):
    """Apps sharing one clock: 2026-11-18 (a Wednesday) 10:00 Warsaw = 09:00 UTC."""
    clock = Clock(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    first = make_app()

    def build() -> App:
        return App(load_config(first.config.path), clock=clock)

    app = build()
    prime(app)
    mailbox.append(
        "INBOX", mail("AWARIA F-K", EMERGENCY, sender=CLIENT, msgid="<x1@p.pl>"), date=clock.now
    )
    app.poll_once()
    return app, clock, build


def alerts(app) -> list[tuple[str, str]]:
    with app.sessions() as s:
        rows = s.scalars(
            select(OutboxItem).where(OutboxItem.kind == "alert_email").order_by(OutboxItem.id)
        )
        return [(r.dedup_key.split(":")[2], r.recipient.split("@")[0]) for r in rows]


def ticket(app) -> Ticket:
    with app.sessions() as s:
        return s.scalars(select(Ticket)).one()


def test_receipt_reminder_breach(clocked):
    app, clock, build = clocked
    t = ticket(app)
    assert t.deadline == datetime(2026, 11, 18, 11, 0, tzinfo=UTC)  # 10:00 + 2 h (R-SLA-1)
    receipt = alerts(app)
    assert {step for step, _ in receipt} == {"receipt"} and len(receipt) == 2  # oncall+opiekun
    clock.now += timedelta(minutes=89)  # 11:29 local: nothing new yet
    assert app.escalate() == {}
    clock.now += timedelta(minutes=1)  # 30 min before the deadline
    assert app.escalate() == {"reminder": 1}
    reminder = [a for a in alerts(app) if a[0] == "reminder"]
    assert len(reminder) == 3  # on call, opiekun, and a manager
    restarted = build()  # a restart in the middle sends nothing twice
    assert restarted.escalate() == {}
    clock.now += timedelta(minutes=30)  # the deadline
    assert restarted.escalate() == {"breach": 1}
    assert [a for a in alerts(restarted) if a[0] == "breach"] == [("breach", "krzysztof.majewski")]
    assert ticket(restarted).breached_at == t.deadline
    clock.now += timedelta(hours=2)
    assert restarted.escalate() == {}
    restarted.deliver()  # the delivery job's work (escalation only queues and wakes it)
    with restarted.sessions() as s:
        sent = s.scalars(select(OutboxItem.state).where(OutboxItem.kind == "alert_email"))
        assert set(sent) == {"sent"}  # captured by the default [smtp] mode


def test_ack_at_40_minutes_stops_escalation(clocked):
    app, clock, _build = clocked
    clock.now += timedelta(minutes=40)
    with app.sessions.begin() as s:
        t = repo.ticket_by_number(s, ticket(app).number)
        t.reacted_at, t.reacted_by = clock.now, "tomasz.kaczmarek"
    clock.now += timedelta(hours=3)
    assert app.escalate() == {}
    assert {step for step, _ in alerts(app)} == {"receipt"}
    with app.sessions() as s:
        kinds = set(s.scalars(select(TicketEvent.kind)))
    assert "breached" not in kinds and ticket(app).breached_at is None


def subjects(app, step: str) -> set[str]:
    with app.sessions() as s:
        rows = s.scalars(select(OutboxItem).where(OutboxItem.kind == "alert_email"))
        return {r.subject for r in rows if r.dedup_key.split(":")[2] == step}


def test_each_step_has_its_own_subject(clocked):
    app, clock, _build = clocked
    clock.now += timedelta(minutes=90)
    app.escalate()
    clock.now += timedelta(minutes=30)
    app.escalate()
    receipt, reminder, breach = (subjects(app, s) for s in ("receipt", "reminder", "breach"))
    assert all(s.startswith("AWARIA") for s in receipt)
    assert reminder == {
        "PRZYPOMNIENIE [KJM-2026-000001] zostało 30 min (do 12:00) – "
        "Piekarnia Kowalski Sp. z o.o., F-K: AWARIA F-K"
    }
    assert breach == {
        "PO TERMINIE [KJM-2026-000001] termin minął o 12:00 – "
        "Piekarnia Kowalski Sp. z o.o., F-K: AWARIA F-K"
    }


def test_a_stopped_daemon_sends_the_breach_not_a_late_reminder(clocked):
    """Down over the reminder's time: "zostało 30 min" after the deadline would be false,
    so only the breach goes out, to everyone the reminder would have reached."""
    app, clock, _build = clocked
    clock.now += timedelta(hours=3)
    assert app.escalate() == {"breach": 1}
    steps = alerts(app)
    assert not [a for a in steps if a[0] == "reminder"]
    assert len([a for a in steps if a[0] == "breach"]) == 3  # on call, opiekun, manager
    with app.sessions() as s:
        skipped = s.scalars(
            select(TicketEvent.detail).where(TicketEvent.kind == "escalation_reminder")
        ).one()
    assert skipped.startswith("pominięte")
    assert app.escalate() == {}  # and the reminder never comes later
