"""rules/ edited while mailbot runs (the console registers a sender's address, someone
adds a client): the next poll decides with the new rules, and a broken edit keeps the
rules in use instead of stopping intake."""

from __future__ import annotations

import logging
import shutil

from sqlalchemy import select

from mailbot.settings.edit import add_client_address
from mailbot.store.tables import Ticket
from tests.integration.conftest import RULES
from tests.integration.test_pipeline import mail, prime

GMAIL = "ewa.lewandowska1984@gmail.com"


def _ticket(app, subject: str) -> Ticket:
    with app.sessions() as s:
        return s.scalars(select(Ticket).where(Ticket.subject == subject)).one()


def test_an_address_registered_while_running_is_known_at_the_next_poll(
    make_app, mailbox, tmp_path, caplog
):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    app = make_app(rules=rules)
    prime(app)
    mailbox.append("INBOX", mail("Pytanie o licencję", sender=GMAIL, msgid="<r1@gmail.com>"))
    app.poll_once()
    first = _ticket(app, "Pytanie o licencję")
    assert (first.client_id, first.trust) == (None, "unknown")

    add_client_address(rules, "piekarnia", GMAIL)  # what "link and register" writes
    mailbox.append("INBOX", mail("Drugie pytanie", sender=GMAIL, msgid="<r2@gmail.com>"))
    with caplog.at_level(logging.INFO, logger="mailbot.daemon"):
        app.poll_once()
    second = _ticket(app, "Drugie pytanie")
    assert (second.client_id, second.trust) == ("piekarnia", "registered")
    assert any("read again after a change" in r.getMessage() for r in caplog.records)

    # a broken edit: intake goes on with the rules read before, and says why once
    (rules / "clients.toml").write_text("[[client]\nid = ", encoding="utf-8")
    caplog.clear()
    mailbox.append("INBOX", mail("Trzecie pytanie", sender=GMAIL, msgid="<r3@gmail.com>"))
    mailbox.append("INBOX", mail("Czwarte pytanie", sender=GMAIL, msgid="<r4@gmail.com>"))
    with caplog.at_level(logging.INFO, logger="mailbot.daemon"):
        assert app.poll_once().fetched == 2
        mailbox.append("INBOX", mail("Piąte pytanie", sender=GMAIL, msgid="<r5@gmail.com>"))
        app.poll_once()
    assert _ticket(app, "Czwarte pytanie").client_id == "piekarnia"
    assert _ticket(app, "Piąte pytanie").client_id == "piekarnia"
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "clients.toml" in errors[0] and "stay in use" in errors[0]
