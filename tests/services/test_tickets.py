"""ack, assign, close (with the client's notice), reopen, note, not-a-ticket, merge."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from mailbot.services import tickets
from mailbot.services.base import ActionError
from mailbot.store import repo
from mailbot.store.tables import AuditEvent, Message, OutboxItem
from tests.services.conftest import at

STAFF = "tomasz.kaczmarek"


def test_ack_stops_the_clock_once_and_short_numbers_find_the_ticket(desk, sessions, receive):
    number = receive("01-awaria-fk.eml", at("2026-11-23 06:45"))
    with sessions.begin() as s:
        first = tickets.ack(s, desk, "1", by=STAFF, when=at("2026-11-23 07:10"))
    assert (first.number, first.already) == (number, False)
    with sessions.begin() as s:
        again = tickets.ack(
            s, desk, number.lower(), by="jan.wisniewski", when=at("2026-11-23 08:00")
        )
        assert again.already and again.by == STAFF
        ticket = repo.ticket_by_number(s, number)
        assert ticket.reacted_by == STAFF
        (event,) = s.scalars(select(AuditEvent))
        assert (event.actor, event.action, event.ticket_id) == (STAFF, "acknowledged", ticket.id)
        assert [e.kind for e in ticket.events][-1] == "acknowledged"


@pytest.mark.parametrize(
    ("who", "number", "code", "words"),
    [
        ("nobody", "1", 2, "nie ma pracownika"),
        (STAFF, "KJM-2026-999999", 1, "nie ma zgłoszenia"),
        (STAFF, "abc", 2, "nie jest numerem"),
        (STAFF, "77", 1, "nie ma zgłoszenia o numerze 77"),
    ],
)
def test_bad_input_is_one_polish_sentence(desk, sessions, receive, who, number, code, words):
    receive("01-awaria-fk.eml", at("2026-11-23 06:45"))
    with sessions.begin() as s, pytest.raises(ActionError) as caught:
        tickets.ack(s, desk, number, by=who, when=at("2026-11-23 07:00"))
    assert caught.value.code == code and words in str(caught.value)


def test_close_sends_ticket_closed_and_reopen_brings_it_back(desk, sessions, receive):
    number = receive("02-korekta-faktury.eml", at("2026-11-23 09:15"))
    with sessions.begin() as s:
        closed = tickets.close(s, desk, number, by=STAFF, when=at("2026-11-23 11:00"),
                               note="Faktura skorygowana.")  # fmt: skip
    assert closed.notice == "pending"
    with sessions.begin() as s:
        notice = s.scalars(select(OutboxItem).where(OutboxItem.template == "ticket_closed")).one()
        assert notice.recipient == "j.wisniewska@budmax.com.pl"
        assert f"[{number}]" in notice.subject and "Faktura skorygowana." in notice.body_text
        assert json.loads(notice.threading)["in_reply_to"]  # threaded to the client's mail
        with pytest.raises(ActionError, match="już zamknięte"):
            tickets.close(s, desk, number, by=STAFF, when=at("2026-11-23 11:05"))
    with sessions.begin() as s:
        assert tickets.reopen(s, desk, number, by=STAFF, when=at("2026-11-24 08:00")).state == "new"
        # a second close is a second notice, not a clash with the first one's dedup key
        assert tickets.close(s, desk, number, by=STAFF, when=at("2026-11-24 09:00")).notice
        assert (
            len(s.scalars(select(OutboxItem).where(OutboxItem.template == "ticket_closed")).all())
            == 2
        )


def test_assign_note_and_not_a_ticket(desk, sessions, receive):
    # (an out-of-office reply never becomes a ticket of its own: intake keeps it out; a
    # person's mail that staff find is not a ticket is marked so by hand)
    number = receive("09-gmail-nieznany.eml", at("2026-11-24 12:02"))
    with sessions.begin() as s:
        tickets.assign(s, desk, number, "jan.wisniewski", by=STAFF, when=at("2026-11-24 12:10"))
        tickets.add_note(s, desk, number, "Reklama, klientka wraca 30.11.", by=STAFF,
                         when=at("2026-11-24 12:11"))  # fmt: skip
        with pytest.raises(ActionError, match="rodzaj"):
            tickets.mark_not_ticket(s, desk, number, "urlop", by=STAFF, when=at("2026-11-24 12:12"))
        t = tickets.mark_not_ticket(
            s, desk, number, "spam", by=STAFF, when=at("2026-11-24 12:12"), reason="reklama"
        )
        assert t.state == "not_a_ticket" and t.assignee == "jan.wisniewski"
        kinds = [e.kind for e in t.events]
        assert kinds[-3:] == ["assigned", "note", "not_ticket"]
        assert "klientka wraca" in t.events[-2].detail
    with sessions.begin() as s, pytest.raises(ActionError, match="nie można przypisać"):
        tickets.assign(s, desk, number, STAFF, by=STAFF, when=at("2026-11-24 12:20"))


def test_merge_moves_the_messages_and_a_reply_naming_the_old_number_threads_on(
    desk, sessions, receive
):
    a = receive("02-korekta-faktury.eml", at("2026-11-23 09:15"))
    b = receive("08-zalacznik.eml", at("2026-11-24 14:38"))
    with sessions.begin() as s:
        kept = tickets.merge(s, desk, b, a, by=STAFF, when=at("2026-11-24 15:00"),
                             reason="ta sama sprawa")  # fmt: skip
        assert kept.number == a
        assert repo.ticket_by_number(s, b).state == "merged"
        assert {m.ticket_id for m in s.scalars(select(Message))} == {kept.id}
        assert repo.existing_ticket_numbers(s, [a, b]) == {a}  # the merged number leads on
        with pytest.raises(ActionError, match="już połączone"):
            tickets.merge(s, desk, b, a, by=STAFF, when=at("2026-11-24 15:01"))
        with pytest.raises(ActionError, match="samym"):
            tickets.merge(s, desk, a, a, by=STAFF, when=at("2026-11-24 15:01"))


def test_tickets_of_two_clients_are_not_merged(desk, sessions, receive):
    a = receive("02-korekta-faktury.eml", at("2026-11-23 09:15"))
    b = receive("03-rozdzielenie-lat.eml", at("2026-11-23 11:31"))
    with sessions.begin() as s, pytest.raises(ActionError, match="różnych klientów"):
        tickets.merge(s, desk, b, a, by=STAFF, when=at("2026-11-24 15:00"))
