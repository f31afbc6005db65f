"""Time (preview before saving, R-PAK-2/5), packages (R-PAK-1/3), phone tickets (R-CHN)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from mailbot.services import ledger, phone
from mailbot.services.base import ActionError
from mailbot.store import repo
from mailbot.store.tables import AuditEvent, OutboxItem
from tests.services.conftest import at

STAFF = "magdalena.wojcik"


@pytest.mark.parametrize(
    ("text", "minutes"), [("40m", 40), ("1h", 60), ("1h30m", 90), ("1,5h", 90), ("90", 90)]
)
def test_durations_as_staff_type_them(text, minutes):
    assert ledger.minutes_of(text) == minutes


@pytest.mark.parametrize("text", ["", "0", "pół godziny", "-5m"])
def test_bad_durations(text):
    with pytest.raises(ActionError) as caught:
        ledger.minutes_of(text)
    assert caught.value.code == 2


def test_package_purchase_releases_on_hold_and_the_preview_matches_the_log(desk, sessions, receive):
    number = receive("03-rozdzielenie-lat.eml", at("2026-11-23 11:31"))  # package client
    with sessions() as s:
        assert repo.ticket_by_number(s, number).state == "on_hold"  # R-PAK-3
    with sessions.begin() as s:
        added = ledger.add_package(s, desk, "bilans", date(2026, 11, 23), by=STAFF,
                                   when=at("2026-11-23 12:00"))  # fmt: skip
    assert added.released == [number]
    with sessions() as s:
        assert repo.ticket_by_number(s, number).state == "new"
        told = s.scalars(select(OutboxItem).where(OutboxItem.template == "ticket_released"))
        assert [o.recipient for o in told] == ["biuro@bilans-ostroleka.pl"]
    with sessions() as s:  # 40 min in working hours: 1 h (R-PAK-2), single rate
        preview = ledger.preview_time(s, desk, number, 40, at=at("2026-11-24 10:00"))
    assert (preview.rounded_hours, preview.multiplier, preview.charged_hours) == (
        Decimal("1.0"), 1, Decimal("1.0"))  # fmt: skip
    assert preview.left_after == Decimal(2) and not preview.long
    with sessions.begin() as s:
        logged = ledger.log_time(s, desk, number, 40, by=STAFF, when=at("2026-11-24 10:40"),
                                 at=at("2026-11-24 10:00"))  # fmt: skip
        assert logged.plan.charged_hours == preview.charged_hours
        assert logged.left == preview.left_after
        assert s.scalars(select(AuditEvent.action)).all() == ["package_added", "time_logged"]


def test_a_typo_of_500h_needs_confirmation(desk, sessions, receive):
    number = receive("02-korekta-faktury.eml", at("2026-11-23 09:15"))
    with sessions.begin() as s:
        assert ledger.preview_time(s, desk, number, 500 * 60, at=at("2026-11-23 10:00")).long
        with pytest.raises(ActionError, match="potwierdź"):
            ledger.log_time(s, desk, number, 500 * 60, by=STAFF, when=at("2026-11-23 10:00"))
        care = ledger.log_time(s, desk, number, 500 * 60, by=STAFF, when=at("2026-11-23 10:00"),
                               confirmed=True)  # fmt: skip
        assert care.plan is None  # care: nothing deducted (R-CON-2)


def test_package_input_is_checked(desk, sessions):
    with sessions.begin() as s:
        for client, day, hours, words in [
            ("nikt", date(2026, 11, 1), Decimal(3), "nie ma klienta"),
            ("bilans", date(2027, 1, 1), Decimal(3), "w przyszłości"),
            ("bilans", date(2026, 11, 1), Decimal("0.7"), "wielokrotnością"),
        ]:
            with pytest.raises(ActionError, match=words):
                ledger.add_package(s, desk, client, day, hours=hours, by=STAFF,
                                   when=at("2026-11-23 12:00"))  # fmt: skip
    assert ledger.hours_of("1,5") == Decimal("1.5")


def test_phone_ticket_with_time_logged_against_the_package(desk, sessions):
    with sessions.begin() as s:
        ledger.add_package(s, desk, "bilans", date(2026, 11, 2), by=STAFF,
                           when=at("2026-11-02 09:00"))  # fmt: skip
    with sessions.begin() as s:
        opened = phone.open_ticket(s, desk, "bilans", "Jak zamknąć rok w F-K?", by=STAFF,
                                   when=at("2026-11-24 10:30"), caller="Katarzyna Mazur",
                                   text="Pytanie o zamknięcie roku.", minutes=25,
                                   started=at("2026-11-24 10:00"))  # fmt: skip
        assert opened.state == "closed" and opened.logged.plan.charged_hours == Decimal("0.5")
        t = repo.ticket_by_number(s, opened.number)
        assert (t.channel, t.client_id, t.contract, t.reacted_by) == ("phone", "bilans",
                                                                     "pakiet", STAFF)  # fmt: skip
        assert "Pytanie o zamknięcie roku." in t.events[0].detail
        assert s.scalars(select(OutboxItem)).all() == []  # nobody to mail about a call
    with sessions.begin() as s, pytest.raises(ActionError, match="R-CHN-1"):
        phone.open_ticket(s, desk, "bilans", "x", by=STAFF, when=at("2026-11-24 11:00"),
                          channel="mobile")  # fmt: skip
