"""Replies and alerts through the transactional outbox to a real SMTP server (aiosmtpd):
threading headers, loop safety, rate limit, outage and crash semantics."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from mailbot.edges.smtp import SmtpSession
from mailbot.store.tables import OutboxItem
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    RecordingHandler,
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)
from tests.integration.test_pipeline import mail, prime

pytestmark = pytest.mark.integration
CLIENT = "biuro@piekarnia-kowalski.pl"  # a registered care client in rules/clients.toml


def smtp_app(make_app, server, **outbox):
    return make_app(
        smtp={"mode": "smtp", "host": server.host, "port": server.port, "tls": "none"},
        outbox=outbox or {"max_attempts": 3},
    )


def rows(app) -> list[OutboxItem]:
    with app.sessions() as s:
        return list(s.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_reply_arrives_threaded_in_polish(make_app, mailbox, smtp_server):
    server = smtp_server()
    app = smtp_app(make_app, server)
    prime(app)
    mailbox.append(
        "INBOX",
        mail(
            "Błąd w raporcie VAT – pilne?",
            "Raport pokazuje zły miesiąc.",
            sender=CLIENT,
            msgid="<c1@piekarnia-kowalski.pl>",
        ),
    )
    app.poll_once()
    assert app.deliver() == {"sent": 1}
    (got,) = server.handler.messages
    assert got.rcpt_tos == [CLIENT]
    m = message_from_bytes(got.raw, policy=policy.default)
    assert m["In-Reply-To"] == "<c1@piekarnia-kowalski.pl>"
    assert "<c1@piekarnia-kowalski.pl>" in m["References"]
    assert m["Auto-Submitted"] == "auto-replied"
    number = rows(app)[0].subject.split("[")[1].split("]")[0]
    assert m["Subject"].startswith("Re: ") and f"[{number}]" in m["Subject"]
    assert m["Message-ID"] == rows(app)[0].message_id
    text = m.get_body(("plain",)).get_content()
    html = m.get_body(("html",)).get_content()
    assert number in text and "Dzień dobry" in text and number in html
    assert app.deliver() == {}  # sent once, never again


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<lista.piekarnia-kowalski.pl>"},
        {"X-Autoreply": "yes"},
    ],
)
def test_no_reply_to_robots(make_app, mailbox, smtp_server, headers):
    server = smtp_server()
    app = smtp_app(make_app, server)
    prime(app)
    raw = mail("Zgłoszenie", sender=CLIENT, msgid="<r1@piekarnia-kowalski.pl>")
    head, body = raw.split(b"\n\n", 1)
    extra = "".join(f"{k}: {v}\n" for k, v in headers.items()).encode()
    mailbox.append("INBOX", head + b"\n" + extra + b"\n" + body)
    assert app.poll_once().fetched == 1
    assert rows(app) == [] and app.deliver() == {}


def test_no_reply_to_bounces_robots_or_ourselves(make_app, mailbox, smtp_server):
    server = smtp_server()
    app = smtp_app(make_app, server)
    prime(app)
    bounce = mail(
        "Undelivered Mail Returned to Sender", sender="MAILER-DAEMON@mx.piekarnia-kowalski.pl"
    )
    mailbox.append("INBOX", bounce)
    mailbox.append("INBOX", mail("Pętla?", sender="pomoc@kjmssoft.pl"))
    mailbox.append("INBOX", mail("Faktura nr 12/2026", sender="noreply@ksef.example.pl"))
    mailbox.append("INBOX", mail("Automatyczna odpowiedź: Faktura", sender=CLIENT))
    null_path = mail("Zwrot", sender=CLIENT, msgid="<np@x.pl>")
    mailbox.append("INBOX", b"Return-Path: <>\n" + null_path)
    report = b"\n".join(
        [
            b"From: postmaster@piekarnia-kowalski.pl",
            b"To: pomoc@kjmssoft.pl",
            b"Subject: Raport",
            b"Message-ID: <dsn@x.pl>",
            b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
            b"",
            b"--b",
            b"Content-Type: text/plain",
            b"",
            b"Nie dostarczono.",
            b"--b--",
            b"",
        ]
    )
    mailbox.append("INBOX", report)
    assert app.poll_once().fetched == 6
    assert rows(app) == []  # RFC 3834: no auto-reply to any of them


def test_rate_limit_per_sender(make_app, mailbox, smtp_server):
    server = smtp_server()
    app = smtp_app(make_app, server, replies_per_sender_per_hour=2)
    prime(app)
    for i in range(4):
        mailbox.append(
            "INBOX", mail(f"Sprawa {i}", sender=CLIENT, msgid=f"<rl{i}@piekarnia-kowalski.pl>")
        )
    app.poll_once()
    assert [r.state for r in rows(app)] == ["pending", "pending", "suppressed", "suppressed"]
    assert app.deliver() == {"sent": 2}
    assert len(server.handler.messages) == 2


def test_smtp_down_then_back_delivers_once(make_app, mailbox, smtp_server):
    from types import SimpleNamespace

    from tests.servers import free_port

    nothing_there = SimpleNamespace(host="127.0.0.1", port=free_port())  # SMTP is down
    app = smtp_app(make_app, nothing_there, max_attempts=5)
    prime(app)
    mailbox.append("INBOX", mail("Pytanie o fakturę", sender=CLIENT, msgid="<d1@x.pl>"))
    app.poll_once()
    assert app.deliver() == {"retry later": 1}
    (row,) = rows(app)
    assert row.state == "pending" and row.attempts == 1 and "refused" in row.last_error.lower()
    back = smtp_server()  # up again, on another port: point the app at it
    app.sender().mailer.port = back.port
    with app.sessions.begin() as s:
        s.get(OutboxItem, row.id).next_attempt_at = row.created_at  # retry now
    assert app.deliver() == {"sent": 1}
    assert len(back.handler.messages) == 1 and app.deliver() == {}


def naive_utc(at: datetime) -> datetime:
    """SQLite gives naive UTC back, PostgreSQL aware times."""
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def test_failed_sends_wait_as_configured_then_twice_as_long(make_app, mailbox):
    from types import SimpleNamespace

    from tests.servers import free_port

    down = SimpleNamespace(host="127.0.0.1", port=free_port())
    app = smtp_app(make_app, down, max_attempts=5, retry_after="2m", retry_max="3m")
    prime(app)
    mailbox.append("INBOX", mail("Pytanie o fakturę", sender=CLIENT, msgid="<d2@x.pl>"))
    app.poll_once()
    waits = []
    for _ in range(3):
        with app.sessions.begin() as s:  # as if each wait had passed
            row = s.scalars(select(OutboxItem)).one()
            row.next_attempt_at = row.created_at
        started = app.clock()
        assert app.deliver() == {"retry later": 1}
        (row,) = rows(app)
        waits.append(naive_utc(row.next_attempt_at) - naive_utc(started))
    assert [round(w.total_seconds() / 60) for w in waits] == [2, 3, 3]  # 2, 4 capped at 3


def test_crash_mid_send_resends_alert_but_not_reply(make_app, mailbox, smtp_server, monkeypatch):
    server = smtp_server()
    app = smtp_app(make_app, server)
    prime(app)
    raw = mail(
        "AWARIA",
        "F-K nie działa na żadnym komputerze, nikt nie może pracować.",
        sender=CLIENT,
        msgid="<e1@piekarnia-kowalski.pl>",
    )
    mailbox.append("INBOX", raw)
    app.poll_once()
    kinds = sorted(r.kind for r in rows(app))
    assert kinds[0] == "alert_email" and "reply" in kinds  # the page and the reply

    def crash(*_a, **_k):
        raise KeyboardInterrupt("killed while talking to the SMTP server")

    monkeypatch.setattr(SmtpSession, "send", crash)
    with pytest.raises(KeyboardInterrupt):
        app.deliver()
    monkeypatch.undo()
    stuck = [r for r in rows(app) if r.state == "sending"]
    assert len(stuck) == 1
    restarted = smtp_app(make_app, server)  # a new process: recover() runs first
    restarted.deliver()
    deliver_again = restarted.deliver()
    states = {r.kind + ":" + r.recipient: r.state for r in rows(restarted)}
    if stuck[0].kind == "reply":
        assert states[f"reply:{CLIENT}"] == "uncertain"  # never a second reply
    else:
        assert states[f"alert_email:{stuck[0].recipient}"] == "sent"  # an alert is resent
    assert deliver_again == {}
    assert all(s in ("sent", "uncertain") for s in states.values())


def test_capture_mode_writes_eml_files(make_app, mailbox):
    app = make_app()  # default [smtp] mode = "capture"
    prime(app)
    mailbox.append("INBOX", mail("Pytanie o raport", sender=CLIENT, msgid="<cap@x.pl>"))
    app.poll_once()
    assert app.deliver() == {"sent": 1}
    (eml,) = (app.config.data_dir / "sent").glob("*.eml")
    assert b"In-Reply-To: <cap@x.pl>" in eml.read_bytes()


def test_history_gets_no_reply(make_app, mailbox):
    mailbox.append("INBOX", mail("Stara sprawa", sender=CLIENT, msgid="<old@x.pl>"))
    app = make_app()
    app.poll_once()  # first start: backlog is history
    assert rows(app) == []


def test_emergency_pages_by_email_and_sms_once(make_app, mailbox, monkeypatch):
    """An alert goes by e-mail and SMS (webhook gateway); a second delivery
    round sends nothing again."""
    received = []

    class Gateway:
        def send(self, phone, text):
            received.append((phone, text))
            return "sms-1"

    monkeypatch.setenv("MAILBOT_SMS_TOKEN", "t0ken")
    app = make_app(smtp={"mode": "capture"})
    app.outbox.policy = type(app.outbox.policy)(5, 3, sms=True, sms_transliterate=True)
    prime(app)
    mailbox.append(
        "INBOX",
        mail(
            "AWARIA",
            "F-K nie działa na żadnym komputerze, nikt nie może pracować.",
            sender=CLIENT,
            msgid="<sms1@x.pl>",
        ),
    )
    app.poll_once()
    app.sender().sms = Gateway()
    counts = app.deliver()
    kinds = sorted(r.kind for r in rows(app))
    assert kinds.count("alert_sms") == 2 and kinds.count("alert_email") == 2
    assert counts == {"sent": 5}  # the reply, two e-mails, two SMS
    assert all(p.startswith("+48") and len(t) <= 160 for p, t in received)
    assert any("KJM-" in t for _, t in received)
    assert app.deliver() == {}


def test_sms_webhook_channel_from_config(make_app, mailbox):
    from mailbot.edges.sms import WebhookChannel

    app = make_app(
        smtp={"mode": "capture"}, sms={"channel": "webhook", "url": "http://127.0.0.1:9/send"}
    )
    assert isinstance(app.sender().sms, WebhookChannel)
    assert app.outbox.policy.sms


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_on_call_opiekun_is_paged_once_and_the_message_kept(make_app, mailbox):
    """The person on call who is also the client's opiekun: one alert row, not a second
    one that broke the unique dedup_key and lost the whole message (found by the
    fault-injection suite)."""
    app = make_app()
    app.decider.oncall = lambda at: "tomasz.kaczmarek"  # opiekun of budmax (clients.toml)
    prime(app)
    mailbox.append(
        "INBOX",
        mail("AWARIA", "F-K nie działa na żadnym komputerze, nikt nie może pracować.",
             sender="p.nowicki@budmax.com.pl", msgid="<both@budmax.com.pl>"),
    )  # fmt: skip
    assert app.poll_once().actions == {"created": 1}
    alerts = [r for r in rows(app) if r.kind == "alert_email"]
    assert [r.recipient for r in alerts] == ["tomasz.kaczmarek@kjmssoft.pl"]
