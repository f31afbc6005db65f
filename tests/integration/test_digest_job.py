"""The daily digest from a real database: figures from the seed, sent once a
working day at the configured local time, never on Polish holidays, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from mailbot.core.digest import build_digest
from mailbot.daemon import App
from mailbot.outgoing.digest_job import gather
from mailbot.settings.config import load_config
from mailbot.store.tables import Ticket
from tests.clock import Clock
from tests.integration.smtp_server import smtp_cert_dir_fixture, smtp_server_fixture  # noqa: F401
from tests.integration.test_pipeline import mail, prime

pytestmark = pytest.mark.integration
W = ZoneInfo("Europe/Warsaw")
CLIENT = "biuro@piekarnia-kowalski.pl"
EMERGENCY = "F-K nie działa na żadnym komputerze, nikt w firmie nie może pracować."


@pytest.fixture
def seeded(make_app, mailbox):
    """Tuesday 2026-11-17: an emergency (reacted in 40 min), a question, an unknown
    sender. The digest of Wednesday 2026-11-18 covers Tuesday."""
    clock = Clock(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    first = make_app()
    app = App(load_config(first.config.path), clock=clock)
    prime(app)
    day = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    mailbox.append("INBOX", mail("AWARIA", EMERGENCY, sender=CLIENT, msgid="<d1@p.pl>"), date=day)
    mailbox.append(
        "INBOX",
        mail("Pytanie o raport", "Jak wydrukować raport?", sender=CLIENT, msgid="<d2@p.pl>"),
        date=day + timedelta(hours=1),
    )
    mailbox.append(
        "INBOX",
        mail("Kim jestem?", "Proszę o pomoc.", sender="x@gmail.com", msgid="<d3@p.pl>"),
        date=day + timedelta(hours=2),
    )
    app.poll_once()
    with app.sessions() as s:
        emergency_id = s.scalar(select(Ticket.id).where(Ticket.emergency.is_(True)))
    with app.sessions.begin() as s:
        t = s.get(Ticket, emergency_id)
        t.reacted_at, t.reacted_by = t.created_at + timedelta(minutes=40), "tomasz.kaczmarek"
    clock.now = datetime(2026, 11, 18, 6, 30, tzinfo=UTC)  # Wednesday 7:30 in Warsaw
    return app, clock


def test_digest_figures_match_the_seed(seeded):
    app, clock = seeded
    with app.sessions() as s:
        digest = build_digest(gather(s, app.rules, date(2026, 11, 18), W, clock.now))
    subject, text, html, png = app.render_digest(digest)
    assert "18.11.2026" in subject
    assert png.startswith(b"\x89PNG") and "cid:wykres" in html
    assert "40 min" in text  # the emergency's reaction time, promise kept
    assert digest.new_total == 3 and (digest.emergencies_kept, digest.emergencies_missed) == (1, 0)
    assert len(digest.needs_identification) == 1 and len(digest.open_tickets) == 3
    assert "NOWE ZGŁOSZENIA: 3" in text and "Dotrzymano: 1, nie dotrzymano: 0" in text
    assert "NADAWCY DO IDENTYFIKACJI: 1" in text


def test_sent_once_per_working_day_and_not_on_holidays(seeded, smtp_server):
    app, clock = seeded
    sent = []
    app.send_digest = lambda *a: sent.append(a)
    job = app.digest_job()
    assert "sent" in job.run()  # Wednesday 18.11
    assert "already sent" in job.run()  # a restart on the same day: not again
    assert "already sent" in app.digest_job().run()
    clock.now = datetime(2026, 11, 11, 6, 30, tzinfo=UTC)  # 11.11: Independence Day
    assert "not a working day" in app.digest_job().run()
    clock.now = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)  # a Saturday
    assert "not a working day" in app.digest_job().run()
    assert len(sent) == 1 and sent[0][4]  # to the managers


def test_trigger_fires_at_local_time_on_weekdays():
    trigger = CronTrigger(day_of_week="mon-fri", hour=7, minute=30, timezone=W)
    friday_evening = datetime(2026, 11, 20, 18, 0, tzinfo=W)
    nxt = trigger.get_next_fire_time(None, friday_evening)
    assert nxt == datetime(2026, 11, 23, 7, 30, tzinfo=W)  # Monday, local time
    across_dst = trigger.get_next_fire_time(None, datetime(2026, 10, 23, 18, 0, tzinfo=W))
    assert (across_dst.hour, across_dst.minute) == (7, 30)  # still 7:30 after the change


def test_digest_mail_through_smtp(seeded, smtp_server):
    app, _clock = seeded
    server = smtp_server()
    from mailbot.edges.smtp import SmtpMailer

    app.sender().mailer = SmtpMailer(server.host, server.port, "none")
    assert "sent" in app.digest_job().run()
    (got,) = server.handler.messages
    m = message_from_bytes(got.raw, policy=policy.default)
    assert m["Auto-Submitted"] == "auto-generated"
    image = next(p for p in m.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<wykres>"
    assert m.get_body(("html",)).get_content().count("cid:wykres") == 1
    assert len(got.rcpt_tos) >= 1


def test_preview_renders_without_sending_or_recording(seeded):
    """What `mailbot digest` shows: the day's mail, nothing sent, the real run still due;
    its chart starts at the first ticket (a week's frame), not 30 empty days."""
    app, _clock = seeded
    sent = []
    app.send_digest = lambda *a: sent.append(a)
    preview = app.digest_job().preview(date(2026, 11, 18))
    assert sent == [] and preview.day == date(2026, 11, 18)
    assert "18.11.2026" in preview.subject and "NOWE ZGŁOSZENIA: 3" in preview.text
    assert preview.recipients and preview.png.startswith(b"\x89PNG")
    assert "data:image/png;base64," in preview.html_with_chart()
    with app.sessions() as s:
        digest = build_digest(gather(s, app.rules, date(2026, 11, 18), W, app.clock()))
    assert [d for d, _, _ in digest.daily][0] == date(2026, 11, 11)  # 7 days, from 11.11
    assert "sent" in app.digest_job().run(date(2026, 11, 18))  # preview recorded nothing
    assert len(sent) == 1
