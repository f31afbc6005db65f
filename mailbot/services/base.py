"""What every staff action shares: the Desk (rules, local time, the outbox), the one
error a person sees, finding a ticket by a short number, and the audit record.

Kept free of templates, the outbox and intake at import time: the read-only commands
import this module too, and they open the database and nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.errors import MailbotError
from mailbot.store import repo
from mailbot.store.tables import AuditEvent, Ticket

if TYPE_CHECKING:
    from mailbot.core.contracts import Client, Staff
    from mailbot.intake.decider import Decider
    from mailbot.outgoing.outbox import Outbox
    from mailbot.settings.rules import Rules

WARSAW = ZoneInfo("Europe/Warsaw")
_FULL = re.compile(r"^\s*(?:\[)?(KJM-\d{4}-\d{6})(?:\])?\s*$", re.IGNORECASE)
_YEAR_SEQ = re.compile(r"^\s*(\d{4})-(\d{1,6})\s*$")
_SEQ = re.compile(r"^\s*(\d{1,6})\s*$")


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


@dataclass(frozen=True)
class Desk:
    """What staff actions need besides the session: who is staff and which clients there
    are (rules/), the local zone, and, for actions that write to the client or decide
    again, the outbox and the decider (None for the others, which then need no templates)."""

    rules: Rules
    tz: ZoneInfo = WARSAW
    outbox: Outbox | None = None
    decider: Decider | None = None
    rules_dir: Path | None = None  # where clients.toml is, to register an address (R-CON-6)

    def staff(self, staff_id: str) -> Staff:
        member = self.rules.book.staff_member(staff_id or "")
        if member is None:
            raise invalid(
                f"nie ma pracownika {staff_id!r} w rules/staff.toml "
                "(podaj identyfikator, np. jan.wisniewski)"
            )
        return member

    def client(self, client_id: str) -> Client:
        client = self.rules.book.client(client_id or "")
        if client is None:
            raise invalid(f"nie ma klienta {client_id!r} w rules/clients.toml")
        return client

    def mail(self) -> Outbox:
        if self.outbox is None:  # a wiring mistake, not a person's: say it plainly
            raise RuntimeError("this action writes to the client: build the Desk with mail")
        return self.outbox

    def local(self, when: datetime | None) -> str:
        """A moment as staff read it: '02.12.2026 14:05', Warsaw time."""
        return when.astimezone(self.tz).strftime("%d.%m.%Y %H:%M") if when else "-"


def ticket_number(session: Session, text: str) -> str:
    """The full number for what a person typed: 'KJM-2026-000042', '2026-42' or just '42'
    (the newest ticket with that sequence number, so in January '3' still finds
    December's ticket 3 when this year has none)."""
    if m := _FULL.match(text or ""):
        return m.group(1).upper()
    if m := _YEAR_SEQ.match(text or ""):
        return f"KJM-{m.group(1)}-{int(m.group(2)):06d}"
    if m := _SEQ.match(text or ""):
        found = session.scalar(
            select(Ticket.number)
            .where(Ticket.number.like(f"KJM-%-{int(m.group(1)):06d}"))
            .order_by(Ticket.number.desc())
            .limit(1)
        )
        if found is None:
            raise ActionError(f"nie ma zgłoszenia o numerze {int(m.group(1))}")
        return found
    raise invalid(f"{text!r} nie jest numerem zgłoszenia (np. KJM-2026-000042, 2026-42 albo 42)")


def find_ticket(session: Session, text: str) -> Ticket:
    number = ticket_number(session, text)
    ticket = repo.ticket_by_number(session, number)
    if ticket is None:
        raise ActionError(f"nie ma zgłoszenia {number}")
    return ticket


def need_reason(reason: str, what: str) -> str:
    """Some actions change what the client or the figures see: they must say why."""
    if not (reason or "").strip():
        raise invalid(f"{what}: podaj powód (--reason)")
    return reason.strip()


def audit(
    session: Session,
    *,
    actor: str,
    at: datetime,
    action: str,
    ticket: Ticket | None = None,
    client_id: str | None = None,
    reason: str = "",
    event: str | None = None,
    **args: Any,
) -> None:
    """One audit record (who, when, what, why, with the arguments) and, for a ticket,
    the line its event log shows (`event`), in the action's own transaction."""
    if ticket is not None and ticket.id is None:
        session.flush()
    session.add(
        AuditEvent(
            at=at,
            actor=actor,
            action=action,
            ticket_id=ticket.id if ticket is not None else None,
            client_id=client_id or (ticket.client_id if ticket is not None else None),
            reason=reason,
            detail=json.dumps(args, ensure_ascii=False, default=str, sort_keys=True),
        )
    )
    if ticket is not None and event is not None:
        text = f"{event} ({actor})" + (f": {reason}" if reason else "")
        repo.add_event(session, ticket, action, at, text)
