"""Coalescing pages (core/pages.py): who shares a window, and when one holds a page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbot.core.pages import DEFAULT_WINDOW, holds, page_group

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_pages_are_grouped_by_step_and_client_or_sender():
    assert page_group("receipt", "piekarnia", "biuro@x.pl") == "receipt:client:piekarnia"
    assert page_group("receipt", None, " Jan@X.pl ") == "receipt:sender:jan@x.pl"
    assert page_group("reminder", "piekarnia", "a@x.pl") != page_group(
        "receipt", "piekarnia", "a@x.pl"
    )


def test_a_page_is_held_only_inside_the_window_of_the_last_one_sent():
    assert not holds(None, T0, DEFAULT_WINDOW)  # the first page goes at once
    assert holds(T0, T0, DEFAULT_WINDOW)  # the same poll: held
    assert holds(T0, T0 + timedelta(minutes=9, seconds=59), DEFAULT_WINDOW)
    assert not holds(T0, T0 + DEFAULT_WINDOW, DEFAULT_WINDOW)  # the window has passed
    assert not holds(T0, T0, timedelta(0))  # no window: nothing is ever held
