"""rules/ and templates/ edited while mailbot runs (the console registers a sender's
address, someone adds a client or rewords a reply): the next poll uses them, and a broken
edit keeps what is in use instead of stopping intake or sending a broken mail."""

from __future__ import annotations

import logging
import shutil

from sqlalchemy import select

from mailbot.settings.edit import add_client_address
from mailbot.store.tables import OutboxItem, Ticket
from tests.integration.conftest import RULES, TEMPLATES
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


def _reply_text(app, subject: str) -> str:
    ticket_id = _ticket(app, subject).id
    with app.sessions() as s:
        text = select(OutboxItem.body_text).where(OutboxItem.ticket_id == ticket_id)
        return s.scalars(text).one()


def test_a_reworded_reply_is_used_at_the_next_poll_once_it_passes_the_check(
    make_app, mailbox, tmp_path, caplog
):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    app = make_app(templates=templates)
    prime(app)
    mailbox.append("INBOX", mail("Pierwsze", sender=GMAIL, msgid="<t1@gmail.com>"))
    app.poll_once()
    assert "Zapraszamy do kontaktu w każdej chwili." not in _reply_text(app, "Pierwsze")

    txt = templates / "unknown_sender.txt.j2"
    txt.write_text(txt.read_text(encoding="utf-8") + "\nZapraszamy do kontaktu w każdej chwili.\n",
                   encoding="utf-8")  # fmt: skip
    mailbox.append("INBOX", mail("Drugie", sender=GMAIL, msgid="<t2@gmail.com>"))
    with caplog.at_level(logging.INFO, logger="mailbot.daemon"):
        app.poll_once()
    assert "Zapraszamy do kontaktu w każdej chwili." in _reply_text(app, "Drugie")
    assert any("templates/ read again" in r.getMessage() for r in caplog.records)

    # a variable mailbot does not provide: the check refuses it, the wording before stays
    txt.write_text(txt.read_text(encoding="utf-8") + "{{ nie_ma_takiej }}\n", encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mailbot.daemon"):
        for n in ("Trzecie", "Czwarte"):
            mailbox.append("INBOX", mail(n, sender=f"{n.lower()}@gmail.com", msgid=f"<{n}@g.com>"))
            app.poll_once()
    for n in ("Trzecie", "Czwarte"):
        assert "Zapraszamy do kontaktu w każdej chwili." in _reply_text(app, n)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "nie_ma_takiej" in errors[0] and "stay in use" in errors[0]
