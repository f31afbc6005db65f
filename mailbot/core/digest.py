"""The managers' daily digest as figures. Pure: no I/O, no clock.

The caller snapshots the database into DigestInput; everything here is computed against
`inp.until`, never "now", so re-running the digest for a past day (`mailbot digest
--date ...`) gives the same figures, and a reaction or closure recorded after the cut-off
does not leak back into an earlier report. Rows are plain values (str, int, date,
datetime, Decimal) so templates can show them without calling back into the code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from mailbot.core.calendar import is_working_day
from mailbot.core.states import NOT_TICKET

WARSAW = ZoneInfo("Europe/Warsaw")
EXPIRY_WARNING_DAYS = 14  # packages expiring within this many days are listed
DAILY_DAYS = 30  # the chart's span
MIN_CHART_DAYS = 7  # in the first days: a week's frame, not 30 empty days
UNKNOWN_CONTRACT = "unknown"  # the contract key of tickets from unidentified senders
# Automatic mail (out-of-office, bounces) with no open ticket to join, and what staff mark
# so, is in this state: not a ticket, so never counted, listed or charted here.
NOT_A_TICKET = NOT_TICKET


@dataclass(frozen=True)
class TicketSnap:
    number: str
    subject: str
    created_at: datetime  # aware
    client_id: str | None
    client_name: str | None
    contract: str | None  # opieka | pakiet | brak | None (sender not identified)
    product: str
    scope: str
    emergency: bool
    trust: str
    state: str  # new | on_hold | needs_identification | out_of_scope | closed | ...
    priority: int
    deadline: datetime | None  # R-SLA-1; None = no reaction promise
    reacted_at: datetime | None
    breached_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class PackageSnap:
    client_id: str
    client_name: str
    hours_left: Decimal
    valid_until: date | None
    used_up: bool


@dataclass(frozen=True)
class BillableSnap:
    client_id: str
    client_name: str
    at: datetime
    minutes: int
    reason: str


@dataclass(frozen=True)
class DigestInput:
    day: date  # the digest's date (Warsaw)
    since: datetime
    until: datetime
    tickets: tuple[TicketSnap, ...]  # created in [since, until) plus every still-open one
    packages: tuple[PackageSnap, ...]  # used up or expiring within 14 days
    billable: tuple[BillableSnap, ...]
    suppressed_replies: int
    quarantine: tuple[tuple[int, str], ...]  # (id, reason)
    outbox_failures: tuple[tuple[int, str, str], ...]  # (id, recipient, error)
    daily: tuple[tuple[date, int, float | None], ...]  # (day, created, median reaction min)


@dataclass(frozen=True)
class EmergencyRow:
    number: str
    client_name: str | None
    created_at: datetime
    deadline: datetime | None
    reacted_at: datetime | None  # None also when the reaction came after the cut-off
    reaction_minutes: int | None
    kept: bool | None  # None: no promise (no deadline) or the deadline is still ahead
    status: str  # kept | missed | pending | no_promise


@dataclass(frozen=True)
class BreachRow:
    number: str
    client_name: str | None
    subject: str
    deadline: datetime
    breached_at: datetime
    reacted_at: datetime | None


@dataclass(frozen=True)
class OpenRow:
    number: str
    client_name: str | None
    subject: str
    state: str
    emergency: bool
    created_at: datetime
    age_days: int
    age_hours: int  # on top of age_days


@dataclass(frozen=True)
class PackageRow:
    client_name: str
    hours_left: Decimal
    valid_until: date | None
    used_up: bool
    days_left: int | None  # until valid_until, from the digest's day; negative = expired


@dataclass(frozen=True)
class Digest:
    day: date
    period_from: date  # first Warsaw day covered
    period_to: date  # last Warsaw day covered
    since: datetime
    until: datetime
    new_total: int
    new_by_contract: dict[str, int]  # most frequent first
    new_by_product: dict[str, int]
    new_by_scope: dict[str, int]
    new_by_urgency: dict[str, int]  # emergency | normal
    emergencies: tuple[EmergencyRow, ...]
    emergencies_kept: int
    emergencies_missed: int
    breaches: tuple[BreachRow, ...]
    open_tickets: tuple[OpenRow, ...]  # oldest first
    on_hold: tuple[OpenRow, ...]
    needs_identification: tuple[OpenRow, ...]
    packages: tuple[PackageRow, ...]  # used up first, then soonest expiry
    billable: tuple[BillableSnap, ...]
    billable_minutes: int
    suppressed_replies: int
    quarantine: tuple[tuple[int, str], ...]
    outbox_failures: tuple[tuple[int, str, str], ...]
    daily: tuple[tuple[date, int, float | None], ...]  # oldest first, at most 30 days
    # for the operator, shown first: e.g. the OAuth2 client secret expiring; added by
    # the caller with dataclasses.replace, since they come from the config, not the database
    notices: tuple[str, ...] = ()


def period_start(day: date) -> date:
    """The previous working day: the digest covers what happened since the last one was
    sent, so Monday's covers Friday and the weekend, and the day after a holiday covers
    the holiday too (R-HRS-1, Polish holidays)."""
    d = day - timedelta(days=1)
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def period_bounds(day: date) -> tuple[datetime, datetime]:
    """[since, until) for `day`'s digest: Warsaw midnights, so a day is a calendar day as
    managers read it, whatever the DST offset."""
    since = datetime.combine(period_start(day), time(0), tzinfo=WARSAW)
    return since, datetime.combine(day, time(0), tzinfo=WARSAW)


def _counts(values: Iterable[str]) -> dict[str, int]:
    """Most frequent first, ties by name: a stable order for tables and tests."""
    return dict(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def _known(at: datetime | None, until: datetime) -> datetime | None:
    """A timestamp as the digest may see it: one after the cut-off has not happened yet."""
    return at if at is not None and at < until else None


def _emergency(t: TicketSnap, until: datetime) -> EmergencyRow:
    """The 2-hour promise (R-SLA-1) is kept when the reaction came by the deadline; an
    unreacted ticket whose deadline has passed already counts as missed."""
    reacted = _known(t.reacted_at, until)
    minutes = int((reacted - t.created_at).total_seconds() // 60) if reacted else None
    if t.deadline is None:
        kept, status = None, "no_promise"
    elif reacted is not None:
        kept = reacted <= t.deadline
        status = "kept" if kept else "missed"
    elif t.deadline < until:
        kept, status = False, "missed"
    else:
        kept, status = None, "pending"
    return EmergencyRow(
        t.number, t.client_name, t.created_at, t.deadline, reacted, minutes, kept, status
    )


def _breach(t: TicketSnap, since: datetime, until: datetime) -> BreachRow | None:
    """Recorded breaches (breached_at) count; a missed deadline the escalation job has not
    stamped yet counts too, at the deadline, so a stopped daemon cannot hide a breach."""
    reacted = _known(t.reacted_at, until)
    at = t.breached_at
    if at is None and t.deadline is not None and (reacted is None or reacted > t.deadline):
        at = t.deadline
    if at is None or t.deadline is None or not since <= at < until:
        return None
    return BreachRow(t.number, t.client_name, t.subject, t.deadline, at, reacted)


def _is_open(t: TicketSnap, until: datetime) -> bool:
    closed = _known(t.closed_at, until) is not None or (t.state == "closed" and not t.closed_at)
    return t.created_at < until and not closed


def _open(t: TicketSnap, until: datetime) -> OpenRow:
    age = until - t.created_at
    return OpenRow(
        t.number, t.client_name, t.subject, t.state, t.emergency, t.created_at,
        age.days, age.seconds // 3600,
    )  # fmt: skip


def _package(p: PackageSnap, day: date) -> PackageRow:
    left = (p.valid_until - day).days if p.valid_until else None
    return PackageRow(p.client_name, p.hours_left, p.valid_until, p.used_up, left)


def chart_start(day: date, first_ticket: date | None) -> date:
    """The chart's first day: 30 days back, but not before mailbot's first ticket beyond
    a week's frame, so the first digests show their few real days instead of a 30-day
    frame of empty days with the bars squeezed at its right edge."""
    start = day - timedelta(days=DAILY_DAYS)
    if first_ticket is None:
        return day - timedelta(days=MIN_CHART_DAYS)
    return max(start, min(first_ticket, day - timedelta(days=MIN_CHART_DAYS)))


def build_digest(inp: DigestInput) -> Digest:
    """All figures of one digest from one snapshot."""
    since, until = inp.since, inp.until
    tickets = [t for t in inp.tickets if t.state != NOT_A_TICKET]
    new = [t for t in tickets if since <= t.created_at < until]
    new.sort(key=lambda t: (t.created_at, t.number))
    emergencies = tuple(_emergency(t, until) for t in new if t.emergency)
    breaches = [b for t in tickets if (b := _breach(t, since, until))]
    breaches.sort(key=lambda b: (b.breached_at, b.number))
    still_open = sorted(
        (t for t in tickets if _is_open(t, until)), key=lambda t: (t.created_at, t.number)
    )
    open_rows = tuple(_open(t, until) for t in still_open)
    billable = tuple(sorted((b for b in inp.billable if since <= b.at < until), key=lambda b: b.at))
    packages = sorted(
        (_package(p, inp.day) for p in inp.packages),
        key=lambda p: (not p.used_up, p.valid_until or date.max, p.client_name),
    )
    daily = tuple(sorted(inp.daily, key=lambda r: r[0])[-DAILY_DAYS:])
    return Digest(
        day=inp.day,
        period_from=since.astimezone(WARSAW).date(),
        period_to=(until - timedelta(microseconds=1)).astimezone(WARSAW).date(),
        since=since,
        until=until,
        new_total=len(new),
        new_by_contract=_counts(t.contract or UNKNOWN_CONTRACT for t in new),
        new_by_product=_counts(t.product for t in new),
        new_by_scope=_counts(t.scope for t in new),
        new_by_urgency=_counts("emergency" if t.emergency else "normal" for t in new),
        emergencies=emergencies,
        emergencies_kept=sum(e.status == "kept" for e in emergencies),
        emergencies_missed=sum(e.status == "missed" for e in emergencies),
        breaches=tuple(breaches),
        open_tickets=open_rows,
        on_hold=tuple(r for r in open_rows if r.state == "on_hold"),
        needs_identification=tuple(r for r in open_rows if r.state == "needs_identification"),
        packages=tuple(packages),
        billable=billable,
        billable_minutes=sum(b.minutes for b in billable),
        suppressed_replies=inp.suppressed_replies,
        quarantine=tuple(inp.quarantine),
        outbox_failures=tuple(inp.outbox_failures),
        daily=daily,
    )
