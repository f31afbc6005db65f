"""Judgement through the whole pipeline (real Dovecot and aiosmtpd): a total outage with a
hardware cause is paged as an emergency and the client is told the hardware department may
take it over (R-HRS-3, R-SCO-2); a "possible emergency" from a care client at night pages
the on-call person with wording that says it may not be one, and sets no deadline."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mailbot.daemon import App
from mailbot.settings.config import load_config
from mailbot.store.tables import Ticket
from tests.clock import Clock
from tests.integration.conftest import PASSWORD_ENV, write_config
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)
from tests.integration.test_pipeline import mail

pytestmark = pytest.mark.integration

CLIENT = "biuro@piekarnia-kowalski.pl"  # care; opiekun jan.wisniewski (rules/clients.toml)
ONCALL = "monika.grabowska"
NIGHT = datetime(2026, 11, 25, 23, 10, tzinfo=ZoneInfo("Europe/Warsaw"))  # a Wednesday


@pytest.fixture
def night_app(tmp_path, mailbox, db_url, sessions, smtp_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv(PASSWORD_ENV, mailbox.password)
    server = smtp_server()
    config = write_config(
        tmp_path, mailbox, db_url,
        smtp={"mode": "smtp", "host": server.host, "port": server.port, "tls": "none"},
    )  # fmt: skip
    app = App(load_config(config), clock=Clock(NIGHT))
    app.decider.oncall = lambda at: ONCALL
    assert app.poll_once().fetched == 0  # later mail is new, not backlog history
    yield app, server
    app.close()


def sent(server) -> dict[str, list]:
    out: dict[str, list] = {}
    for m in server.handler.messages:
        msg = message_from_bytes(m.raw, policy=policy.default)
        out.setdefault(str(msg["To"]).split("<")[-1].rstrip(">"), []).append(msg)
    return out


def text(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def test_a_dead_server_at_night_is_paged_and_the_client_hears_of_the_hardware_department(
    night_app, mailbox
):
    app, server = night_app
    body = "Serwer padł po burzy, nikt nie może pracować w F-K. Proszę o pilny kontakt."
    mailbox.append(
        "INBOX", mail("Awaria serwera", body, sender=CLIENT, msgid="<hw@p.pl>"), date=NIGHT
    )
    assert app.poll_once().actions == {"created": 1}
    app.deliver()
    with app.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.emergency, ticket.scope, ticket.state) == (True, "hardware", "new")
        assert ticket.deadline is not None
    got = sent(server)
    page = text(got["monika.grabowska@kjmssoft.pl"][0])
    assert page.startswith("AWARIA") and "prawdopodobnie sprzęt" in page
    assert "jan.wisniewski@kjmssoft.pl" in got  # the opiekun too
    reply = text(got[CLIENT][0])
    assert "dział sprzętowy" in reply and "zajmiemy się nim także poza godzinami" in reply


def test_a_possible_emergency_at_night_pages_on_call_with_its_own_wording(night_app, mailbox):
    app, server = night_app
    body = "Od godziny F-K nie działa, nie wiem co robić."
    mailbox.append("INBOX", mail("F-K", body, sender=CLIENT, msgid="<maybe@p.pl>"), date=NIGHT)
    assert app.poll_once().actions == {"created": 1}
    app.deliver()
    with app.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.emergency, ticket.deadline) == (False, None)
    got = sent(server)
    page = got["monika.grabowska@kjmssoft.pl"]
    assert len(page) == 1 and text(page[0]).startswith("MOŻLIWA AWARIA (może nie być awarią)")
    assert "jan.wisniewski@kjmssoft.pl" not in got  # only on call looks; the opiekun sleeps
    assert "prawdopodobnie sprzęt" not in text(page[0])
