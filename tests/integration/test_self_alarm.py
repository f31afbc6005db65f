"""The self-alarm against a real SMTP server and a local SMS gateway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mailbot.core import alarm
from mailbot.edges.sms import WebhookChannel
from mailbot.edges.smtp import SmtpMailer
from mailbot.ops.self_alarm import Channels, Faults, SelfAlarm
from mailbot.settings.rules import load_rules
from mailbot.store.db import make_engine, session_factory
from mailbot.store.tables import AlarmIncident, FolderState, OutboxItem, Ticket
from tests.clock import Clock
from tests.integration.conftest import PASSWORD_ENV, RULES
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)
from tests.integration.test_sms import gateway as gateway_fixture  # noqa: F401

pytestmark = pytest.mark.integration

ADMIN = "rafal.dabrowski@kjmssoft.pl"  # the one staff member with the role admin
START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def build(sessions, clock, mailer, sms) -> SelfAlarm:
    rules = load_rules(RULES)
    return SelfAlarm(
        sessions,
        [s for s in rules.book.staff if "admin" in s.roles],
        lambda: Channels(mailer, sms, "pomoc@kjmssoft.pl"),
        folder="INBOX",
        instance="host-a/1",
        limits=alarm.Thresholds(timedelta(minutes=15), timedelta(minutes=30)),
        tz=ZoneInfo("Europe/Warsaw"),
        clock=clock,
    )


def polled(sessions, when: datetime) -> None:
    with sessions.begin() as s:
        state = s.get(FolderState, "INBOX")
        if state is None:
            s.add(
                FolderState(
                    folder="INBOX", uidvalidity=1, last_uid=0, last_poll_at=when, updated_at=when
                )
            )
        else:
            state.last_poll_at = when


def subjects(server) -> list[str]:
    return [str(message_from_bytes(m.raw, policy=policy.default)["Subject"])
            for m in server.handler.messages]  # fmt: skip


def test_no_poll_alarms_once_and_recovers_once(sessions, smtp_server, gateway_fixture):  # noqa: F811
    gateway = gateway_fixture
    server = smtp_server(tls="none")
    clock = Clock(START)
    watcher = build(sessions, clock, SmtpMailer(server.host, server.port, "none"),
                    WebhookChannel(gateway.url + "/sms"))  # fmt: skip
    polled(sessions, START)
    for minutes in (1, 10, 14):
        clock.now = START + timedelta(minutes=minutes)
        assert watcher.check(Faults()) == {}
    assert server.handler.messages == [] and gateway.requests == []

    for minutes in (16, 17, 30):  # the incident goes on: one alarm only
        clock.now = START + timedelta(minutes=minutes)
        on = watcher.check(Faults(last_poll_error="IMAP connect failed: refused"))
        assert list(on) == [alarm.NO_POLL]
    assert subjects(server) == ["[mailbot] ALARM: skrzynka nie jest odczytywana"]
    assert server.handler.messages[0].rcpt_tos == [ADMIN]
    mail = message_from_bytes(server.handler.messages[0].raw, policy=policy.default)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert "IMAP connect failed: refused" in mail.get_content()
    assert len(gateway.requests) == 1 and b"+48881234567" in gateway.requests[0].body

    polled(sessions, clock.now)  # polls work again
    clock.now += timedelta(minutes=1)
    assert watcher.check(Faults()) == {}
    clock.now += timedelta(minutes=1)
    assert watcher.check(Faults()) == {}
    assert subjects(server)[1:] == ["[mailbot] OK: skrzynka nie jest odczytywana — problem ustąpił"]
    assert len(gateway.requests) == 2
    with sessions() as s:
        row = s.scalars(select(AlarmIncident)).one()
        assert row.notified == "mail, sms rafal.dabrowski" and row.recovery_notified_at


def test_smtp_down_the_sms_still_goes_and_nothing_is_repeated(sessions, gateway_fixture):  # noqa: F811
    gateway = gateway_fixture
    clock = Clock(START)
    dead_smtp = SmtpMailer("127.0.0.1", 9, "none", timeout=2)  # discard port: refused
    watcher = build(sessions, clock, dead_smtp, WebhookChannel(gateway.url + "/sms"))
    polled(sessions, START + timedelta(minutes=45))
    with sessions.begin() as s:  # a reply waiting since START (SMTP is down)
        ticket = Ticket(
            number="KJM-2026-000001",
            state="new",
            subject="x",
            requester="a@firma.pl",
            created_at=START,
            updated_at=START,
        )
        s.add(ticket)
        s.flush()
        s.add(
            OutboxItem(
                kind="reply",
                template="ack",
                dedup_key="k",
                ticket_id=ticket.id,
                recipient="a@firma.pl",
                message_id="<m@kjmssoft.pl>",
                state="pending",
                next_attempt_at=START,
                created_at=START,
            )
        )
    clock.now = START + timedelta(minutes=46)
    assert list(watcher.check(Faults())) == [alarm.OUTBOX]
    clock.now += timedelta(minutes=1)
    watcher.check(Faults())
    assert len(gateway.requests) == 1  # announced by SMS, once
    with sessions() as s:
        assert s.scalars(select(AlarmIncident)).one().notified == "sms rafal.dabrowski"


def test_nothing_gets_through_then_it_is_announced_when_a_channel_comes_back(sessions, smtp_server):
    clock = Clock(START)
    server = smtp_server(tls="none")
    reachable = SmtpMailer(server.host, server.port, "none")
    channel = {"mailer": SmtpMailer("127.0.0.1", 9, "none", timeout=2)}
    watcher = build(sessions, clock, None, None)
    watcher.channels = lambda: Channels(channel["mailer"], None, "pomoc@kjmssoft.pl")
    clock.now = START + timedelta(minutes=20)  # never polled since the start
    watcher.check(Faults(auth_error="LOGIN failed"))
    with sessions() as s:
        assert {r.kind: r.notified_at for r in s.scalars(select(AlarmIncident))} == {
            alarm.AUTH: None, alarm.NO_POLL: None}  # fmt: skip
    channel["mailer"] = reachable
    clock.now += timedelta(minutes=1)
    watcher.check(Faults(auth_error="LOGIN failed"))
    clock.now += timedelta(minutes=1)
    watcher.check(Faults(auth_error="LOGIN failed"))
    assert sorted(subjects(server)) == [
        "[mailbot] ALARM: logowanie do skrzynki odrzucone",
        "[mailbot] ALARM: skrzynka nie jest odczytywana",
    ]


def test_database_down_is_announced_from_memory_once(sessions, smtp_server):
    server = smtp_server(tls="none")
    clock = Clock(START)
    mailer = SmtpMailer(server.host, server.port, "none")
    watcher = build(sessions, clock, mailer, None)
    down = make_engine("postgresql+psycopg://mailbot:x@127.0.0.1:9/mailbot")  # refused
    watcher.sessions = session_factory(down)
    for _ in range(3):
        clock.now += timedelta(minutes=1)
        assert list(watcher.check(Faults())) == [alarm.DATABASE]
    assert subjects(server) == ["[mailbot] ALARM: baza danych niedostępna"]
    watcher.sessions = sessions
    polled(sessions, clock.now)
    clock.now += timedelta(minutes=1)
    assert watcher.check(Faults()) == {}
    assert subjects(server)[1:] == ["[mailbot] OK: baza danych niedostępna — problem ustąpił"]


def test_the_daemon_reports_a_refused_login(make_app, mailbox, monkeypatch, tmp_path):
    """A wrong password: the poll job records an auth failure, the alarm mails the admin
    (captured mail here: smtp.mode = capture); the right one again ends the incident."""
    app = make_app()
    monkeypatch.setenv(PASSWORD_ENV, "wrong-password")
    assert app.lease.acquire()
    app.jobs.run("poll")
    assert app.faults.auth_error and "refused" in app.faults.auth_error
    assert list(app.self_alarm.check(app.faults)) == [alarm.AUTH]
    sent = tmp_path / "data" / "sent"
    captured = sorted(sent.glob("*.eml"))
    assert len(captured) == 1
    mail = message_from_bytes(captured[0].read_bytes(), policy=policy.default)
    assert mail["Subject"] == "[mailbot] ALARM: logowanie do skrzynki odrzucone"
    assert "wrong-password" not in captured[0].read_text()

    monkeypatch.setenv(PASSWORD_ENV, mailbox.password)
    app._poller = None  # the operator fixed the secret and restarted... or the env is read anew
    app.jobs.run("poll")
    assert app.faults.auth_error is None
    assert app.self_alarm.check(app.faults) == {}
    captured = sorted(sent.glob("*.eml"))
    assert len(captured) == 2
    subjects = {str(message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"])
                for p in captured}  # fmt: skip
    assert "[mailbot] OK: logowanie do skrzynki odrzucone — problem ustąpił" in subjects
