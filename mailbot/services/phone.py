"""A ticket staff open themselves for a phone call or a visit (R-CHN-1..3): the landline
and the opiekun's mobile are channels too, and package hours for a phone consultation can
only be logged against a ticket (R-PAK-2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.core.classify_rules import PRODUCTS, SCOPES
from mailbot.core.contracts import contract_at, local_day
from mailbot.core.states import CLOSED, NEW
from mailbot.services.base import Desk, audit, invalid
from mailbot.services.ledger import log_time
from mailbot.store import ledger as ledger_store
from mailbot.store import repo
from mailbot.store.tables import Ticket

CHANNELS = {
    "phone": "telefon na linię stacjonarną",  # R-CHN-3: one shared person on duty
    "mobile": "telefon do opiekuna",  # R-CHN-1: care clients only, 7-16 on working days
    "walk_in": "wizyta osobista",
}


@dataclass(frozen=True)
class Opened:
    number: str
    state: str
    logged: ledger_store.Logged | None


def open_ticket(session: Session, desk: Desk, client_id: str, subject: str, *, by: str,
                when: datetime, channel: str = "phone", caller: str = "", text: str = "",
                minutes: int | None = None, started: datetime | None = None,
                scope: str = "consultation", product: str = "other", emergency: bool = False,
                close: bool = True) -> Opened:  # fmt: skip
    """A ticket for a call or a visit, with what was said as its first note and the time
    spent logged (package hours deducted, R-PAK-2/5). Taking the call is the reaction
    (no deadline); by default the ticket is closed at once, as most calls end solved."""
    desk.staff(by)
    client = desk.client(client_id)
    if channel not in CHANNELS:
        raise invalid(f"kanał {channel!r} nieznany; możliwe: {', '.join(CHANNELS)}")
    contract = contract_at(client, local_day(when))
    if channel == "mobile" and contract != "opieka":
        raise invalid("telefon do opiekuna to kanał klientów z opieką (R-CHN-1, R-PAK-4)")
    if not subject.strip():
        raise invalid("podaj temat zgłoszenia")
    if scope not in SCOPES:
        raise invalid(f"zakres {scope!r} nieznany; możliwe: {', '.join(SCOPES)}")
    if product not in (*PRODUCTS, "other"):
        raise invalid(f"produkt {product!r} nieznany; możliwe: {', '.join(PRODUCTS)}, other")
    repo.sync_clients(session, [client], when)
    care = contract == "opieka"
    ticket = Ticket(
        number=repo.next_ticket_number(session, when.astimezone(desk.tz).year),
        state=CLOSED if close else NEW, subject=subject.strip(), requester="",
        requester_name=caller.strip() or client.name, history=False, created_at=started or when,
        updated_at=when, client_id=client.id, contract=contract, trust="registered",
        product=product, scope=scope, emergency=emergency, covered=None,
        priority=(1 if care else 2) if emergency else (3 if care else 4),  # R-PAK-6
        deadline=None, reply=None, billing="none", reacted_at=started or when, reacted_by=by,
        closed_at=when if close else None, channel=channel,
    )  # fmt: skip
    session.add(ticket)
    session.flush()
    said = f"{CHANNELS[channel]}" + (f", dzwoni {caller.strip()}" if caller.strip() else "")
    audit(session, actor=by, at=when, action="opened", ticket=ticket, client_id=client.id,
          event=said + (f": {text.strip()}" if text.strip() else ""), channel=channel,
          caller=caller, text=text)  # fmt: skip
    logged = None
    if minutes:
        logged = log_time(session, desk, ticket.number, minutes, by=by, when=when,
                          at=started or when, note=CHANNELS[channel])  # fmt: skip
    return Opened(ticket.number, ticket.state, logged)
