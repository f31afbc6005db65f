"""An alert flood (real Dovecot, aiosmtpd and a local SMS gateway): twenty emergencies
from one client in a minute were forty alert e-mails and forty SMS. Pages about one
client are coalesced (core/pages.py): the first goes at once, the rest of the page
window is one "N więcej" page; every ticket is still recorded."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mailbot.daemon import App
from mailbot.settings.config import load_config
from mailbot.store.tables import OutboxItem, Ticket
from tests.clock import Clock
from tests.integration.conftest import PASSWORD_ENV, write_config
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)
from tests.integration.test_pipeline import mail
from tests.integration.test_sms import gateway as gateway_fixture  # noqa: F401

pytestmark = pytest.mark.integration

CLIENT = "biuro@piekarnia-kowalski.pl"  # care; opiekun jan.wisniewski (rules/clients.toml)
ONCALL = "monika.grabowska"  # on call here, nobody's opiekun
PAGED = {"monika.grabowska@kjmssoft.pl", "jan.wisniewski@kjmssoft.pl"}
EMERGENCY = "F-K nie działa na żadnym komputerze, nikt nie może pracować."
# A fixed night (a Wednesday): who is paged depends on the hour, and the suite runs at any
NIGHT = datetime(2026, 11, 25, 23, 10, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture
def flood_app(tmp_path, mailbox, db_url, sessions, smtp_server, gateway_fixture, monkeypatch):  # noqa: F811
    """An App on a settable clock, real SMTP and an SMS webhook gateway."""
    gateway = gateway_fixture
    monkeypatch.setenv(PASSWORD_ENV, mailbox.password)
    server = smtp_server()
    config = write_config(
        tmp_path,
        mailbox,
        db_url,
        smtp={"mode": "smtp", "host": server.host, "port": server.port, "tls": "none"},
        sms={"channel": "webhook", "url": gateway.url},
        outbox={"page_window": "10m"},
    )
    clock = Clock(NIGHT)
    app = App(load_config(config), clock=clock)
    app.decider.oncall = lambda at: ONCALL
    yield app, clock, server, gateway
    app.close()


def alert_mails(server) -> list:
    got = [message_from_bytes(m.raw, policy=policy.default) for m in server.handler.messages]
    return [m for m in got if str(m["To"]).split("<")[-1].rstrip(">") in PAGED]


def test_twenty_emergencies_in_a_minute_page_each_person_twice_not_twenty_times(flood_app, mailbox):
    app, clock, server, gateway = flood_app
    assert app.poll_once().fetched == 0  # later mail is new, not backlog history
    for i in range(20):  # delivered at night too (IMAP INTERNALDATE: when it was received)
        raw = mail(f"AWARIA {i}", EMERGENCY, sender=CLIENT, msgid=f"<f{i}@piekarnia-kowalski.pl>")
        mailbox.append("INBOX", raw, date=NIGHT + timedelta(seconds=i))
    assert app.poll_once().actions == {"created": 20}
    app.escalate()  # the every-minute job: nothing is due yet
    app.deliver()
    first = alert_mails(server)
    assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in first) == sorted(PAGED)
    assert len(gateway.requests) == 2  # one SMS each
    # a minute later, still inside the window: nothing more
    clock.now += timedelta(minutes=1)
    app.escalate()
    app.deliver()
    assert len(alert_mails(server)) == 2 and len(gateway.requests) == 2
    # the window has passed: one "19 więcej" page per person and channel
    clock.now += timedelta(minutes=10)
    assert app.escalate() == {"summary page": 4}
    app.deliver()
    mails = alert_mails(server)
    assert len(mails) == 4 and len(gateway.requests) == 4  # not 40 and 40
    summaries = [m for m in mails if "19 więcej" in str(m["Subject"])]
    assert {str(m["To"]).split("<")[-1].rstrip(">") for m in summaries} == PAGED
    text = summaries[0].get_body(("plain",)).get_content()
    with app.sessions() as s:
        numbers = list(s.scalars(select(Ticket.number).order_by(Ticket.id)))
        assert len(numbers) == 20 and all(t.emergency for t in s.scalars(select(Ticket)))
        states = dict(
            s.execute(
                select(OutboxItem.state, func.count(OutboxItem.id))
                .where(OutboxItem.kind.in_(("alert_email", "alert_sms")))
                .group_by(OutboxItem.state)
            ).all()
        )
    assert all(n in text for n in numbers[1:])  # every held ticket is named
    assert states == {"sent": 8, "coalesced": 19 * 4}  # nothing lost: every page is kept
    sms = [json.loads(r.body)["text"] for r in gateway.requests]
    assert sum("19 wiecej" in t for t in sms) == 2 and all(len(t) <= 160 for t in sms)
    # nothing held any more: the next check sends nothing
    clock.now += timedelta(minutes=11)
    assert "summary page" not in app.escalate()


def test_another_client_in_the_same_minute_is_paged_at_once(flood_app, mailbox):
    app, _clock, server, _gateway = flood_app
    assert app.poll_once().fetched == 0
    mailbox.append_many(
        "INBOX",
        [mail("AWARIA", EMERGENCY, sender=CLIENT, msgid="<a1@piekarnia-kowalski.pl>"),
         mail("AWARIA", EMERGENCY, sender="p.nowicki@budmax.com.pl", msgid="<b1@budmax.com.pl>")],
    )  # fmt: skip
    app.poll_once()
    app.deliver()
    to_oncall = [m for m in alert_mails(server) if "monika.grabowska" in str(m["To"])]
    assert len(to_oncall) == 2  # two clients: two pages, none held
