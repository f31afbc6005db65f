"""What every staff action shares: the Desk (rules, local time, the outbox), the one
error a person sees, finding a ticket by a short number, and the audit record.

Kept free of templates, the outbox and intake at import time: the read-only commands
import this module too, and they open the database and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from mailbot.services.numbers import ActionError, invalid, ticket_number
from mailbot.store import repo
from mailbot.store.tables import AuditEvent, Ticket

if TYPE_CHECKING:
    from mailbot.core.contracts import Client, Staff
    from mailbot.intake.decider import Decider
    from mailbot.outgoing.outbox import Outbox
    from mailbot.settings.rules import Rules

WARSAW = ZoneInfo("Europe/Warsaw")


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
