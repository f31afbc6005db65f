"""Staff overriding the decision (emergency, scope, product, priority) with a reason, and
the corrections as labelled mail for the classifier (`mailbot labels export`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import tomlkit
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.core.calendar import reaction_deadline
from mailbot.core.classify_rules import PRODUCTS, SCOPES
from mailbot.core.states import NEW
from mailbot.services.base import Desk, audit, find_ticket, invalid, need_reason
from mailbot.store.tables import Correction, Message, Ticket

PRIORITIES = {1: "awaria klienta z opieką", 2: "awaria", 3: "klient z opieką", 4: "pozostałe"}


@dataclass(frozen=True)
class Overridden:
    number: str
    changed: tuple[str, ...]  # emergency, scope, product, priority
    correction: bool  # recorded for the labelled set (a message's labels changed)


def override(session: Session, desk: Desk, number: str, *, by: str, when: datetime,
             reason: str, emergency: bool | None = None, scope: str | None = None,
             product: str | None = None, priority: int | None = None) -> Overridden:  # fmt: skip
    """Correct what the classifier read. An emergency changes the queue order and, for a
    registered care client, sets the R-SLA-1 deadline counted from receipt (the client
    reported it then); no emergency clears it (R-PAK-6). Label changes are kept with the
    client's message as a correction, for the labelled set."""
    desk.staff(by)
    reason = need_reason(reason, "zmiana klasyfikacji")
    if scope is not None and scope not in SCOPES:
        raise invalid(f"zakres {scope!r} nieznany; możliwe: {', '.join(SCOPES)}")
    if product is not None and product not in (*PRODUCTS, "other"):
        raise invalid(f"produkt {product!r} nieznany; możliwe: {', '.join(PRODUCTS)}, other")
    if priority is not None and priority not in PRIORITIES:
        raise invalid("priorytet to 1 (najpilniejsze) do 4")
    ticket = find_ticket(session, number)
    before = {"emergency": ticket.emergency, "scope": ticket.scope, "product": ticket.product,
              "priority": ticket.priority}  # fmt: skip
    wanted = {"emergency": emergency, "scope": scope, "product": product, "priority": priority}
    changed = tuple(k for k, v in wanted.items() if v is not None and v != before[k])
    if not changed:
        raise invalid(f"{ticket.number}: nic do zmiany (podaj inną wartość niż obecna)")
    if "emergency" in changed:
        _set_emergency(ticket, bool(emergency))
    ticket.scope = scope if scope is not None else ticket.scope
    ticket.product = product if product is not None else ticket.product
    ticket.priority = priority if priority is not None else ticket.priority
    ticket.updated_at = when
    labels = [k for k in changed if k != "priority"]
    message = _client_message(session, ticket) if labels else None
    if message is not None:
        session.add(Correction(
            at=when, actor=by, ticket_id=ticket.id, message_id=message.id,
            emergency=bool(ticket.emergency), scope=ticket.scope or "other",
            product=ticket.product or "other", changed=",".join(labels), reason=reason,
        ))  # fmt: skip
    after = {k: getattr(ticket, k) for k in changed}
    audit(session, actor=by, at=when, action="corrected", ticket=ticket, reason=reason,
          event="poprawione: " + ", ".join(f"{k} {before[k]} → {after[k]}" for k in changed),
          before={k: before[k] for k in changed}, after=after)  # fmt: skip
    return Overridden(ticket.number, changed, message is not None)


def _set_emergency(ticket: Ticket, emergency: bool) -> None:
    """R-PAK-6 order and the R-SLA-1 deadline, as the intake decision sets them."""
    care = ticket.contract == "opieka" and ticket.trust == "registered"
    ticket.emergency = emergency
    ticket.priority = (1 if care else 2) if emergency else (3 if care else 4)
    if emergency and care and ticket.state == NEW and ticket.reacted_at is None:
        ticket.deadline = reaction_deadline(ticket.created_at, _addons(ticket))
    elif not emergency:
        ticket.deadline = None


def _addons(ticket: Ticket) -> frozenset[str]:
    """The client's add-ons as the stored decision recorded them (R-ADD-1..3)."""
    try:
        return frozenset(json.loads(ticket.decision or "{}").get("client", {}).get("addons", ()))
    except (ValueError, AttributeError):
        return frozenset()


def _client_message(session: Session, ticket: Ticket) -> Message | None:
    """The message the labels are about: the requester's first (a phone ticket has none)."""
    return session.scalar(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.third_party.is_(False))
        .order_by(Message.received_at, Message.id)
        .limit(1)
    )


def export_labels(session: Session, *, since: datetime | None = None) -> tuple[str, int]:
    """The corrected messages in the labelled-set format (tests/data/labelled-dev/*.toml:
    one [[mail]] per message with from, subject, body and the labels, `why` = the
    reason), the latest correction of each message; (TOML text, how many)."""
    q = (
        select(Correction, Message, Ticket.number)
        .join(Message, Message.id == Correction.message_id)
        .join(Ticket, Ticket.id == Correction.ticket_id)
        .order_by(Correction.id)
    )
    if since is not None:
        q = q.where(Correction.at >= since)
    latest: dict[int, tuple[Correction, Message, str]] = {}
    for c, m, number in session.execute(q):
        latest[m.id] = (c, m, number)
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Poprawki klasyfikacji wprowadzone przez personel (mailbot labels "
                            "export); format jak tests/data/labelled-dev/*.toml"))  # fmt: skip
    mails = tomlkit.aot()
    for c, m, number in latest.values():
        entry = tomlkit.table()
        for key, value in (
            ("id", f"KOR-{m.id}"), ("ticket", number), ("from_name", m.sender_name),
            ("from_addr", m.sender_address), ("subject", m.subject), ("style", "other"),
        ):  # fmt: skip
            entry.add(key, value)
        entry.add("body", tomlkit.string(m.body_text.strip("\n") + "\n", multiline=True))
        for key, value in (
            ("emergency", c.emergency), ("scope", c.scope), ("product", c.product),
            ("why", c.reason), ("corrected", c.changed), ("corrected_by", c.actor),
            ("corrected_at", c.at.isoformat(timespec="seconds")),
        ):  # fmt: skip
            entry.add(key, value)
        mails.append(entry)
    if not latest:
        return tomlkit.dumps(doc), 0
    doc.add("mail", mails)
    return tomlkit.dumps(doc), len(latest)
