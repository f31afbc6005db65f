"""Time and packages: what logging time will cost before it is saved (R-PAK-2/5), logging
it, and recording a package purchase (R-PAK-1), which releases on-hold tickets (R-PAK-3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from mailbot.core import ledger
from mailbot.core.contracts import Client, contract_at, local_day
from mailbot.services.base import Desk, audit, find_ticket, invalid
from mailbot.services.mail import released_notice
from mailbot.store import ledger as ledger_store
from mailbot.store import repo
from mailbot.store.tables import PackagePurchase, Ticket

SANE_MINUTES = 8 * 60  # one intervention longer than a working day: ask before saving
_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)


def minutes_of(text: str) -> int:
    """'40m', '1h', '1h30m', '1,5h' or '90' (minutes) -> minutes, as staff type them."""
    t = (text or "").strip().lower().replace(",", ".")
    if t.isdigit():
        minutes = int(t)
    elif m := re.fullmatch(r"(\d+\.\d+)\s*h", t):
        minutes = int(Decimal(m.group(1)) * 60)
    elif (m := _DURATION.match(t)) and any(m.groups()):
        minutes = int(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    else:
        raise invalid(f"czas {text!r} nie wygląda jak 40m, 1h, 1h30m ani 1,5h")
    if minutes <= 0:
        raise invalid("czas musi być dłuższy niż 0 minut")
    return minutes


@dataclass(frozen=True)
class TimePreview:
    """What logging `minutes` on the ticket will do, shown before it is saved."""

    number: str
    minutes: int
    contract: str
    rounded_hours: Decimal | None  # R-PAK-2; None for care (nothing deducted)
    multiplier: int  # R-PAK-5
    charged_hours: Decimal | None
    overdraft_hours: Decimal
    left_after: Decimal | None  # hours left in valid packages afterwards
    billable: bool  # R-BIL-1 (care)
    reason: str
    long: bool  # more than SANE_MINUTES: a typo? ask first


def _facts(desk: Desk, ticket: Ticket, at: datetime) -> tuple[Client | None, str]:
    client = desk.rules.book.client(ticket.client_id) if ticket.client_id else None
    return client, contract_at(client, local_day(at)) if client else "brak"


def preview_time(session: Session, desk: Desk, number: str, minutes: int, *,
                 at: datetime) -> TimePreview:  # fmt: skip
    """The rounding, the rate and the hours left, computed as log_time will, writing
    nothing (R-PAK-2, R-PAK-5, R-BIL-1)."""
    ticket = find_ticket(session, number)
    client, contract = _facts(desk, ticket, at)
    long = minutes > SANE_MINUTES
    if client is not None and contract in ledger.PACKAGE_CONTRACTS:
        balances = ledger.balance(
            ledger_store.purchases(session, client.id),
            ledger_store.deductions(session, client.id),
            local_day(at),
        )
        plan = ledger.plan_deduction(balances, at, minutes, bool(ticket.emergency), contract)
        left = sum((b.left for b in balances if b.purchase.serves(local_day(at))), Decimal(0))
        drawn = sum((h for _, h in plan.draws), Decimal(0))
        return TimePreview(ticket.number, minutes, contract, plan.rounded_hours,
                           plan.multiplier, plan.charged_hours, plan.overdraft_hours,
                           left - drawn, False, plan.reason, long)  # fmt: skip
    addons = set(client.addons) if client else set()
    if contract == "opieka":
        billable, why = ledger.billable_after_hours(at, bool(ticket.emergency), contract, addons)
    else:
        billable, why = False, "brak klienta: czas tylko zapisany"
    return TimePreview(ticket.number, minutes, contract, None, 1, None, Decimal(0), None,
                       billable, why, long)  # fmt: skip


def log_time(session: Session, desk: Desk, number: str, minutes: int, *, by: str,
             when: datetime, at: datetime | None = None, note: str = "",
             confirmed: bool = False) -> ledger_store.Logged:  # fmt: skip
    """One intervention on the ticket; a package client's hours are deducted, rounded up
    to the half hour and doubled after hours for an emergency (R-PAK-2, R-PAK-5). More
    than SANE_MINUTES needs `confirmed` (500h is a typo more often than a week's work)."""
    desk.staff(by)
    at = at or when
    if at > when:
        raise invalid("czas pracy nie może zaczynać się w przyszłości (--at)")
    if minutes <= 0:
        raise invalid("czas musi być dłuższy niż 0 minut")
    if minutes > SANE_MINUTES and not confirmed:
        raise invalid(f"{minutes // 60} h {minutes % 60} min to więcej niż dzień pracy: "
                      "potwierdź (--yes), jeśli to nie pomyłka")  # fmt: skip
    ticket = find_ticket(session, number)
    client, contract = _facts(desk, ticket, at)
    logged = ledger_store.log_time(session, ticket, client, contract, minutes, at, by, note, when)
    audit(session, actor=by, at=when, action="time_logged", ticket=ticket, minutes=minutes,
          started=at, note=note)  # fmt: skip
    return logged


def hours_of(text: str) -> Decimal:
    """'3', '1,5', '4.5' -> Decimal hours, a positive multiple of half an hour (R-PAK-2)."""
    try:
        hours = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        raise invalid(f"liczba godzin {text!r} nie jest liczbą") from None
    if not hours.is_finite() or hours <= 0 or hours % Decimal("0.5"):
        raise invalid("liczba godzin musi być dodatnią wielokrotnością 0,5")
    return hours


@dataclass(frozen=True)
class PackageAdded:
    purchase: PackagePurchase
    released: list[str]  # tickets that waited for a package, now in the queue (R-PAK-3)


def add_package(session: Session, desk: Desk, client_id: str, purchased: date, *, by: str,
                when: datetime, hours: Decimal = ledger.PACKAGE_HOURS,
                note: str = "") -> PackageAdded:  # fmt: skip
    """A package bought (R-PAK-1: 3 hours, 3 months). The client's on-hold tickets go to
    the queue and the client hears so (R-PAK-3), in this same transaction."""
    desk.staff(by)
    client = desk.client(client_id)
    if purchased > when.astimezone(desk.tz).date():
        raise invalid("data zakupu nie może być w przyszłości")
    if hours <= 0 or hours % Decimal("0.5"):
        raise invalid("liczba godzin musi być dodatnią wielokrotnością 0,5")
    repo.sync_clients(session, [client], when)  # the ledger references the client row
    row = ledger_store.add_purchase(session, client.id, purchased, hours, by, when, note)
    state = ledger_store.package_state(session, client, when)
    released: list[str] = []
    if state and state.valid:
        tell = released_notice(desk, when) if desk.outbox is not None else None
        why = f"pakiet #{row.id} kupiony {purchased:%d.%m.%Y}"
        released = ledger_store.release_on_hold(session, client.id, when, why, tell=tell)
    audit(session, actor=by, at=when, action="package_added", client_id=client.id, note=note,
          purchased=purchased, hours=hours, released=released)  # fmt: skip
    return PackageAdded(row, released)


def month_range(month: str, tz) -> tuple[date, date, datetime, datetime]:
    """'2026-11' -> first and last day, and the Warsaw instants [start, end) of the month."""
    from datetime import time, timedelta

    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise invalid(f"miesiąc to RRRR-MM, a nie {month!r}") from None
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start, end = (datetime.combine(d, time(0), tz) for d in (first, nxt))
    return first, nxt - timedelta(days=1), start, end


def billing(session: Session, desk: Desk, month: str) -> list[ledger_store.BillingLine]:
    """Per client, for a Warsaw month: billable after-hours work (R-BIL-1), package hours
    used and overdrawn, packages bought and expired unused (R-PAK-1..5)."""
    first, last, start, end = month_range(month, desk.tz)
    ids = [c.id for c in desk.rules.book.clients]
    return ledger_store.billing_report(session, ids, start, end, first, last)


BILLING_COLUMNS = (
    "klient", "nazwa", "NIP", "interwencje płatne", "minuty płatne", "godziny z pakietu",
    "godziny ponad pakiet", "pakiety kupione", "godziny kupione", "pakiety wygasłe",
    "godziny wygasłe niewykorzystane",
)  # fmt: skip


def billing_rows(desk: Desk, lines: list[ledger_store.BillingLine]) -> list[list[object]]:
    rows: list[list[object]] = []
    for x in lines:
        client = desk.rules.book.client(x.client_id)
        rows.append([
            x.client_id, client.name if client else "", client.nip if client else "",
            x.billable_interventions, x.billable_minutes, x.package_hours_used,
            x.overdraft_hours, x.packages_bought, x.hours_bought, x.packages_expired,
            x.hours_expired_unused,
        ])  # fmt: skip
    return rows


def billing_csv(desk: Desk, lines: list[ledger_store.BillingLine]) -> bytes:
    """The report as Polish Excel opens it by a double click: ';' between columns, a
    decimal comma, UTF-8 with a BOM (without it Excel reads the file as windows-1250)."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(BILLING_COLUMNS)
    for row in billing_rows(desk, lines):
        writer.writerow([str(v).replace(".", ",") if isinstance(v, Decimal) else v for v in row])
    return buf.getvalue().encode("utf-8-sig")
