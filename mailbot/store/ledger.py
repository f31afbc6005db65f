"""The package ledger in the database: rows in, the pure ledger (core/ledger.py) decides.

Every change is an INSERT; nothing is updated in place. A write takes a per-client lock
first (an advisory lock on PostgreSQL, the write lock on SQLite), so two staff logging
time at once on the same package cannot both draw the last hour (R-PAK-1..5).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from mailbot.core import ledger
from mailbot.core.contracts import Client, local_day
from mailbot.core.decide import PackageState
from mailbot.store import repo
from mailbot.store.tables import (
    PackageDeduction,
    PackagePurchase,
    Ticket,
    TimeEntry,
)

_ROWS = "mailbot_ledger_rows"  # Session.info key: (transaction, client id -> its rows)


def lock_client(session: Session, client_id: str) -> None:
    """Serialise ledger writes per client for the rest of this transaction. Every write
    here begins with it, so it also forgets the rows package_state kept."""
    session.info.pop(_ROWS, None)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        key = zlib.crc32(f"mailbot-ledger:{client_id}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    else:  # SQLite: an empty write takes the database's write lock at once
        session.execute(text("UPDATE client SET id = id WHERE id = :c"), {"c": client_id})


# Intake asks for every package client's message (R-PAK-3): plain rows over the
# connection, not ORM objects (a third of the cost).
_P, _D = PackagePurchase.__table__, PackageDeduction.__table__
# Built once: building a select per call cost as much as running it.
_PURCHASES = (
    select(_P.c.id, _P.c.client_id, _P.c.purchased, _P.c.hours, _P.c.valid_until)
    .where(_P.c.client_id == bindparam("client_id"))
    .order_by(_P.c.id)
)
_DEDUCTIONS = (
    select(
        _D.c.id, _D.c.client_id, _D.c.package_id, _D.c.at, _D.c.minutes, _D.c.rounded_hours,
        _D.c.multiplier, _D.c.charged_hours, _D.c.reason, _D.c.overdraft_hours,
    )
    .where(_D.c.client_id == bindparam("client_id"))
    .order_by(_D.c.id)
)  # fmt: skip


def purchases(session: Session, client_id: str) -> list[ledger.Purchase]:
    session.flush()  # what this transaction added, as an ORM query's autoflush would
    rows = session.connection().execute(_PURCHASES, {"client_id": client_id})
    return [
        ledger.Purchase(r.id, r.client_id, r.purchased, Decimal(r.hours), r.valid_until)
        for r in rows
    ]


def deductions(session: Session, client_id: str) -> list[ledger.Deduction]:
    session.flush()
    rows = session.connection().execute(_DEDUCTIONS, {"client_id": client_id})
    return [
        ledger.Deduction(
            r.id,
            r.client_id,
            r.package_id,
            r.at,
            r.minutes,
            Decimal(r.rounded_hours),
            r.multiplier,
            Decimal(r.charged_hours),
            r.reason,
            Decimal(r.overdraft_hours),
        )
        for r in rows
    ]


def package_state(session: Session | None, client: Client, at: datetime) -> PackageState | None:
    """What the intake decision needs (R-PAK-3); None when nothing was ever bought.

    A client's rows are read once per transaction: intake's group of fifty messages asked
    twice for each of a package client's mails (~0.1 ms a message) and never writes the
    ledger; a write here (lock_client) makes the next call read them again."""
    if session is None:
        return None
    transaction = session.get_transaction()
    kept = session.info.get(_ROWS)
    if kept is None or kept[0] is not transaction:
        kept = session.info[_ROWS] = (transaction, {})
    rows = kept[1].get(client.id)
    if rows is None:
        rows = kept[1][client.id] = (purchases(session, client.id), deductions(session, client.id))
    return ledger.package_state(*rows, at)


def add_purchase(
    session: Session,
    client_id: str,
    purchased: date,
    hours: Decimal,
    by: str,
    now: datetime,
    note: str = "",
) -> PackagePurchase:
    lock_client(session, client_id)
    row = PackagePurchase(
        client_id=client_id,
        purchased=purchased,
        hours=hours,
        valid_until=ledger.valid_until(purchased),
        created_by=by,
        created_at=now,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


def release_on_hold(
    session: Session,
    client_id: str,
    now: datetime,
    why: str,
    tell: Callable[[Session, Ticket], None] | None = None,
) -> list[str]:
    """Tickets waiting for a package go back to `new` once one is bought (R-PAK-3), and
    the client is told (`tell` queues the reply) in the same transaction."""
    released = []
    for ticket in session.scalars(
        select(Ticket).where(Ticket.client_id == client_id, Ticket.state == "on_hold")
    ):
        ticket.state, ticket.updated_at = "new", now
        repo.add_event(session, ticket, "released", now, why)
        if tell is not None:
            tell(session, ticket)
        released.append(ticket.number)
    return released


@dataclass(frozen=True)
class Logged:
    entry: TimeEntry
    plan: ledger.DeductionPlan | None
    left: Decimal | None


def log_time(
    session: Session,
    ticket: Ticket,
    client: Client | None,
    contract: str,
    minutes: int,
    at: datetime,
    staff: str,
    note: str,
    now: datetime,
) -> Logged:
    """One intervention: a time entry and, for package clients, the deductions."""
    emergency = bool(ticket.emergency)
    plan = None
    billable, why = False, ""
    if client is not None and contract in ledger.PACKAGE_CONTRACTS:
        lock_client(session, client.id)
        balances = ledger.balance(
            purchases(session, client.id), deductions(session, client.id), local_day(at)
        )
        plan = ledger.plan_deduction(balances, at, minutes, emergency, contract)
        mult = plan.multiplier
    else:
        mult = 1
        addons = set(client.addons) if client else set()
        billable, why = ledger.billable_after_hours(at, emergency, contract, addons)
    entry = TimeEntry(
        ticket_id=ticket.id,
        client_id=client.id if client else None,
        staff=staff,
        at=at,
        minutes=minutes,
        note=note,
        emergency=emergency,
        contract=contract,
        multiplier=mult,
        billable=billable,
        billable_reason=why if billable else "",
        created_at=now,
    )
    session.add(entry)
    session.flush()
    left = None
    if plan is not None and client is not None:
        for d in plan.entries(client.id):
            session.add(
                PackageDeduction(
                    time_entry_id=entry.id,
                    client_id=client.id,
                    package_id=d.package_id,
                    at=d.at,
                    minutes=d.minutes,
                    rounded_hours=d.rounded_hours,
                    multiplier=d.multiplier,
                    charged_hours=d.charged_hours,
                    overdraft_hours=d.overdraft_hours,
                    reason=d.reason,
                )
            )
        session.flush()
        state = package_state(session, client, at)
        left = state.hours_left if state else None
    detail = f"{minutes} min by {staff}" + (f": {note}" if note else "")
    if plan is not None:
        detail += f"; charged {plan.charged_hours} h ({plan.reason})"
        if plan.overdraft_hours:
            detail += f", overdraft {plan.overdraft_hours} h"
    elif billable:
        detail += f"; billable: {why}"
    repo.add_event(session, ticket, "time_logged", now, detail)
    return Logged(entry, plan, left)


@dataclass(frozen=True)
class BillingLine:
    client_id: str
    billable_interventions: int
    billable_minutes: int
    package_hours_used: Decimal
    overdraft_hours: Decimal
    packages_bought: int
    hours_bought: Decimal
    packages_expired: int
    hours_expired_unused: Decimal
    notes: tuple[str, ...]


def billing_report(
    session: Session, client_ids: list[str], start: datetime, end: datetime, first: date, last: date
) -> list[BillingLine]:
    """Per client, for [start, end) (a Warsaw month): billable after-hours care work
    (R-BIL-1), package hours used and overdrawn (R-PAK-2/5), packages bought, packages
    that expired in the month with hours unused (R-PAK-1)."""
    lines = []
    for client_id in client_ids:
        entries = list(
            session.scalars(
                select(TimeEntry).where(
                    TimeEntry.client_id == client_id,
                    TimeEntry.at >= start,
                    TimeEntry.at < end,
                    TimeEntry.billable.is_(True),
                )
            )
        )
        drawn = [d for d in deductions(session, client_id) if start <= d.at < end]
        bought = purchases(session, client_id)
        in_month = [p for p in bought if first <= p.purchased <= last]
        balances = ledger.balance(bought, deductions(session, client_id), last)
        expired = [b for b in balances if first <= b.purchase.valid_until <= last and b.left > 0]
        line = BillingLine(
            client_id,
            len(entries),
            sum(e.minutes for e in entries),
            sum((d.charged_hours for d in drawn), Decimal(0)),
            sum((d.overdraft_hours for d in drawn), Decimal(0)),
            len(in_month),
            sum((p.hours for p in in_month), Decimal(0)),
            len(expired),
            sum((b.left for b in expired), Decimal(0)),
            tuple(
                f"{e.at:%Y-%m-%d %H:%M} UTC, {e.minutes} min: {e.billable_reason}" for e in entries
            ),
        )
        if any(
            (
                line.billable_interventions,
                line.package_hours_used,
                line.overdraft_hours,
                line.packages_bought,
                line.packages_expired,
            )
        ):
            lines.append(line)
    return lines
