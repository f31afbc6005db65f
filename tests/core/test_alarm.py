"""Self-alarm decisions: which incidents open and end, and the messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailbot.core import alarm

TZ = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LIMITS = alarm.Thresholds(no_poll=timedelta(minutes=15), outbox=timedelta(minutes=30))


def observe(**kw) -> alarm.Observation:
    base = dict(now=NOW, running_since=NOW - timedelta(hours=5), folder="INBOX",
                last_poll_ok=NOW - timedelta(minutes=1))  # fmt: skip
    return alarm.Observation(**(base | kw))


def test_all_well_is_silent():
    assert alarm.problems(observe(), LIMITS, TZ) == {}


@pytest.mark.parametrize(
    ("minutes", "on"), [(14, False), (15, True), (300, True)], ids=["14min", "15min", "5h"]
)
def test_no_successful_poll_for_the_limit(minutes, on):
    obs = observe(last_poll_ok=NOW - timedelta(minutes=minutes), last_poll_error="IMAP down")
    found = alarm.problems(obs, LIMITS, TZ)
    assert (alarm.NO_POLL in found) is on
    if on:
        assert f"Od {minutes} min" in found[alarm.NO_POLL]
        last = (NOW - timedelta(minutes=minutes)).astimezone(TZ)  # shown in Warsaw time
        assert last.strftime("%Y-%m-%d %H:%M") in found[alarm.NO_POLL]
        assert "IMAP down" in found[alarm.NO_POLL]


def test_a_fresh_start_counts_from_the_start_not_from_never():
    obs = observe(last_poll_ok=None, running_since=NOW - timedelta(minutes=2))
    assert alarm.problems(obs, LIMITS, TZ) == {}
    obs = observe(last_poll_ok=None, running_since=NOW - timedelta(minutes=20))
    assert "nigdy" in alarm.problems(obs, LIMITS, TZ)[alarm.NO_POLL]


def test_outbox_waiting_too_long():
    young = observe(outbox_oldest=NOW - timedelta(minutes=29), outbox_waiting=3)
    assert alarm.problems(young, LIMITS, TZ) == {}
    old = observe(outbox_oldest=NOW - timedelta(minutes=31), outbox_waiting=3)
    assert "3 wiadomość(i)" in alarm.problems(old, LIMITS, TZ)[alarm.OUTBOX]


def test_auth_failure_is_its_own_incident_at_once():
    found = alarm.problems(observe(auth_error="LOGIN failed"), LIMITS, TZ)
    assert list(found) == [alarm.AUTH]
    assert "LOGIN failed" in found[alarm.AUTH]


def test_database_down_hides_the_rest():
    obs = observe(database_error="connection refused", auth_error="x",
                  last_poll_ok=NOW - timedelta(hours=1))  # fmt: skip
    assert list(alarm.problems(obs, LIMITS, TZ)) == [alarm.DATABASE]


def test_changes_open_once_and_end_once():
    first = alarm.changes(set(), {alarm.NO_POLL: "a"})
    assert first.opened == {alarm.NO_POLL: "a"} and not first.resolved
    again = alarm.changes({alarm.NO_POLL}, {alarm.NO_POLL: "a, later"})
    assert not again.opened and not again.resolved  # still on: no second message
    over = alarm.changes({alarm.NO_POLL}, {})
    assert not over.opened and over.resolved == {alarm.NO_POLL}


def test_messages_are_polish_and_short_for_sms():
    subject, body, sms = alarm.alarm_message(alarm.AUTH, "x" * 500, "host-a/12")
    assert subject == "[mailbot] ALARM: logowanie do skrzynki odrzucone"
    assert "host-a/12" in body and "ustąpi" in body
    assert len(sms) <= 300
    subject, body, sms = alarm.recovery_message(alarm.AUTH, NOW, NOW + timedelta(minutes=42), "h")
    assert subject.startswith("[mailbot] OK:") and "42 min" in body and "42 min" in sms


# -- the OAuth2 secret's expiry warning (self-alarm, digest, doctor) --------------------------


@pytest.mark.parametrize(
    ("expires", "today", "words"),
    [
        (date(2026, 12, 20), date(2026, 11, 25), "za 25 dni"),
        (date(2026, 11, 26), date(2026, 11, 25), "za 1 dzień"),
        (date(2026, 11, 25), date(2026, 11, 25), "wygasa dziś"),
        (date(2026, 11, 1), date(2026, 11, 25), "wygasł 2026-11-01"),
        (date(2026, 12, 25), date(2026, 11, 25), "in 30 days"),  # exactly warn_days
    ],
)
def test_secret_expiry_warning_within_the_window(expires, today, words):
    msg = alarm.secret_expiry_warning(expires, today, 30)
    assert msg is not None and words in msg
    assert expires.isoformat() in msg and "oauth.secret_expires" in msg


@pytest.mark.parametrize(
    ("expires", "warn_days"),
    [(date(2026, 12, 26), 30), (None, 30), (date(2026, 11, 26), 0)],
)
def test_no_secret_expiry_warning_outside_the_window(expires, warn_days):
    assert alarm.secret_expiry_warning(expires, date(2026, 11, 25), warn_days) is None
