"""Linking an unknown sender's ticket to a client (R-CON-6), overriding the decision with
a reason, the corrections as labelled mail, and a person's reply to the client."""

from __future__ import annotations

import email
import json
import tomllib
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.core.backoff import Backoff
from mailbot.edges.mailer import CaptureMailer
from mailbot.outgoing.sender import OutboxSender
from mailbot.services import clients, corrections, mail, tickets
from mailbot.services.base import ActionError
from mailbot.settings.rulebook import load_rulebook
from mailbot.store import repo
from mailbot.store.tables import Correction, OutboxItem
from tests.labelled import build_raw
from tests.services.conftest import at

STAFF = "jan.wisniewski"
GMAIL = "ewa.lewandowska1984@gmail.com"


def test_link_decides_again_and_registers_the_address(desk, sessions, receive, rules_dir):
    number = receive("09-gmail-nieznany.eml", at("2026-11-24 21:49"))
    with sessions() as s:
        assert repo.ticket_by_number(s, number).state == "needs_identification"
    with sessions.begin() as s:
        linked = clients.link_client(s, desk, number, "piekarnia", by=STAFF,
                                     when=at("2026-11-25 08:10"), register=True)  # fmt: skip
    assert linked.registered and linked.client_id == "piekarnia"
    with sessions() as s:
        t = repo.ticket_by_number(s, number)
        assert (t.client_id, t.contract, t.trust) == ("piekarnia", "opieka", "registered")
        assert t.state == linked.state != "needs_identification"
        assert json.loads(t.decision)["client"]["id"] == "piekarnia"
        replies = s.scalars(select(OutboxItem).where(OutboxItem.kind == "reply")).all()
        assert [r.template for r in replies] == ["unknown_sender", linked.reply]
    book = load_rulebook(rules_dir)
    assert book.client_for_address(GMAIL).id == "piekarnia"
    assert "# KJM clients" in (rules_dir / "clients.toml").read_text()  # comments kept
    with sessions.begin() as s, pytest.raises(ActionError, match="już zgłoszeniem"):
        clients.link_client(s, desk, number, "piekarnia", by=STAFF, when=at("2026-11-25 08:20"))


def test_an_address_of_another_client_is_not_linked(desk, sessions, receive):
    number = receive("02-korekta-faktury.eml", at("2026-11-23 09:15"))  # budmax, registered
    with sessions.begin() as s, pytest.raises(ActionError, match="zarejestrowany dla klienta"):
        clients.link_client(s, desk, number, "bilans", by=STAFF, when=at("2026-11-23 10:00"))


def test_override_records_a_correction_that_exports_as_labelled_mail(desk, sessions, receive):
    number = receive("10-pytanie-kadry.eml", at("2026-11-25 08:13"))
    with sessions.begin() as s:
        with pytest.raises(ActionError, match="powód"):
            corrections.override(s, desk, number, by=STAFF, when=at("2026-11-25 09:00"),
                                 reason=" ", emergency=True)  # fmt: skip
        with pytest.raises(ActionError, match="zakres"):
            corrections.override(s, desk, number, by=STAFF, when=at("2026-11-25 09:00"),
                                 reason="x", scope="naprawa")  # fmt: skip
        done = corrections.override(s, desk, number, by=STAFF, when=at("2026-11-25 09:00"),
                                    reason="chodzi o poprawienie listy płac", scope="document_fix",
                                    product="F-K", priority=4)  # fmt: skip
        assert done.correction and "scope" in done.changed
        t = repo.ticket_by_number(s, number)
        assert (t.scope, t.priority) == ("document_fix", 4)
        (c,) = s.scalars(select(Correction))
        assert c.reason == "chodzi o poprawienie listy płac" and "priority" not in c.changed
    with sessions() as s:
        text, count = corrections.export_labels(s)
    (entry,) = tomllib.loads(text)["mail"]
    assert count == 1 and entry["scope"] == "document_fix" and entry["ticket"] == number
    assert entry["why"] == "chodzi o poprawienie listy płac" and "Dzień dobry" in entry["body"]
    assert b"kadry@ug-brzozowo.pl" in build_raw(entry)  # the labelled set's own builder reads it


def test_override_emergency_sets_the_deadline_from_receipt(desk, sessions, receive):
    number = receive("02-korekta-faktury.eml", at("2026-11-23 09:15"))  # care, registered
    with sessions.begin() as s:
        corrections.override(s, desk, number, by=STAFF, when=at("2026-11-23 09:30"),
                             reason="nikt nie może wystawić faktury", emergency=True)  # fmt: skip
        t = repo.ticket_by_number(s, number)
        assert (t.emergency, t.priority) == (True, 1)
        assert t.deadline == at("2026-11-23 11:15")  # R-SLA-1: 2 h from receipt
        with pytest.raises(ActionError, match="nic do zmiany"):
            corrections.override(s, desk, number, by=STAFF, when=at("2026-11-23 09:31"),
                                 reason="x", emergency=True)  # fmt: skip


def _sender(sessions) -> OutboxSender:
    return OutboxSender(sessions, CaptureMailer(Path("unused")), from_address="pomoc@kjmssoft.pl",
                        from_name="Pomoc KJM", max_attempts=3, clock=lambda: at("2026-11-23 07:01"),
                        retry=Backoff(60, 600))  # fmt: skip


def test_reply_threads_to_the_client_and_is_the_first_reaction(desk, sessions, receive):
    number = receive("01-awaria-fk.eml", at("2026-11-23 06:43"))
    with sessions.begin() as s:
        with pytest.raises(ActionError, match="pusta"):
            mail.reply(s, desk, number, "  ", by=STAFF, when=at("2026-11-23 07:00"))
        sent = mail.reply(s, desk, number, "Dzień dobry,\n\nłączymy się <zdalnie>.", by=STAFF,
                          when=at("2026-11-23 07:00"))  # fmt: skip
    assert sent.first_reaction and sent.to == "biuro@piekarnia-kowalski.pl"
    with sessions() as s:
        row = s.scalars(select(OutboxItem).where(OutboxItem.template == "staff_reply")).one()
        assert row.subject.startswith("Re: ") and f"[{number}]" in row.subject
        assert "Jan Wiśniewski" in row.body_text and "&lt;zdalnie&gt;" in row.body_html
        assert json.loads(row.threading)["in_reply_to"]
        assert repo.ticket_by_number(s, number).reacted_by == STAFF
        # as the sender writes it: a person's mail, not marked automatic or bulk (RFC 3834)
        sent = email.message_from_bytes(_sender(sessions).compose(row), policy=policy.default)
        assert sent["Subject"] == row.subject and sent["In-Reply-To"]
        for automatic in ("Auto-Submitted", "Precedence", "X-Auto-Response-Suppress"):
            assert automatic not in sent, automatic
        auto = select(OutboxItem).where(
            OutboxItem.kind == "reply", OutboxItem.template != row.template
        )
        marked = email.message_from_bytes(_sender(sessions).compose(s.scalars(auto).first()))
        assert marked["Auto-Submitted"] == "auto-replied" and marked["Precedence"] == "bulk"
    with sessions.begin() as s:  # a second reply is no second reaction
        assert not mail.reply(s, desk, number, "Gotowe.", by=STAFF,
                              when=at("2026-11-23 07:30")).first_reaction  # fmt: skip
        tickets.close(s, desk, number, by=STAFF, when=at("2026-11-23 08:00"))
