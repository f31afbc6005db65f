"""The one error a person sees from a staff action, and a ticket number as people type it.

Apart from base.py so the read-only commands (services/queries.py) use them without the
ORM, which base.py's actions need: they open the database and nothing else.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from mailbot.errors import MailbotError
from mailbot.store.schema import ticket

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

_FULL = re.compile(r"^\s*(?:\[)?(KJM-\d{4}-\d{6})(?:\])?\s*$", re.IGNORECASE)
_YEAR_SEQ = re.compile(r"^\s*(\d{4})-(\d{1,6})\s*$")
_SEQ = re.compile(r"^\s*(\d{1,6})\s*$")
_NUMBER = ticket.c.number


class ActionError(MailbotError):
    """What a person asked for cannot be done: one Polish sentence saying why and what to
    do instead, shown by the CLI and the console alike, never a traceback. `code` follows
    the CLI's exit codes: 2 when the input itself is wrong, 1 when the ticket's state
    does not allow it."""

    def __init__(self, message: str, *, code: int = 1):
        super().__init__(message)
        self.code = code


def invalid(message: str) -> ActionError:
    return ActionError(message, code=2)


def ticket_number(db: Session | Connection, text: str) -> str:
    """The full number for what a person typed: 'KJM-2026-000042', '2026-42' or just '42'
    (the newest ticket with that sequence number, so in January '3' still finds
    December's ticket 3 when this year has none)."""
    if m := _FULL.match(text or ""):
        return m.group(1).upper()
    if m := _YEAR_SEQ.match(text or ""):
        return f"KJM-{m.group(1)}-{int(m.group(2)):06d}"
    if m := _SEQ.match(text or ""):
        found = db.scalar(
            select(_NUMBER)
            .where(_NUMBER.like(f"KJM-%-{int(m.group(1)):06d}"))
            .order_by(_NUMBER.desc())
            .limit(1)
        )
        if found is None:
            raise ActionError(f"nie ma zgłoszenia o numerze {int(m.group(1))}")
        return found
    raise invalid(f"{text!r} nie jest numerem zgłoszenia (np. KJM-2026-000042, 2026-42 albo 42)")
