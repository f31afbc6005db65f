"""Coalescing pages (pure): one client's flood wakes a person once, not once per mail.

Twenty emergencies from one address in a minute were forty e-mails and forty SMS. Pages
are grouped by escalation step and by client (or, with no client, by sender address).
The first page of a group goes at once; while a page of that group went to the same
person on the same channel less than `window` ago, later ones are held ("folded"). When
the window has passed, the held ones go as one page saying how many more there were,
and that page starts the next window. Tickets, replies and deadlines are not affected:
only how often a person's phone rings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_WINDOW = timedelta(minutes=10)


def page_group(step: str, client_id: str | None, sender: str) -> str:
    """The key pages are coalesced under: the step (receipt, reminder, breach) and who."""
    who = f"client:{client_id}" if client_id else f"sender:{sender.strip().lower()}"
    return f"{step}:{who}"


def holds(last_page: datetime | None, now: datetime, window: timedelta) -> bool:
    """True while a page of the group reached the person less than `window` ago: a new
    page is held, or held ones still wait for their summary."""
    return window > timedelta(0) and last_page is not None and now - last_page < window
