"""Package hours (R-PAK-1..5), after-hours billing (R-BIL-1) and the update fee (R-CON-5).

PURE: no I/O, no clock. Hours and money are exact Decimal (a float makes 0.1 h into
0.1000000000000000055...). The store keeps purchases and deductions as append-only rows;
balances are always re-derived from them, so nothing can drift out of step.

Decisions where the terms leave room (pinned in tests/core/test_ledger.py):
- "Valid until" is INCLUSIVE ("ważny do"): bought 2026-11-02, usable up to and including
  2027-02-02 (Warsaw days); 30 Nov -> last day of Feb, 31 Aug -> 30 Nov.
- An intervention is judged at its START (`at`): which packages serve it, the R-PAK-5 rate,
  R-BIL-1 billing. It draws from the valid package expiring first, then the next one (the
  hours are prepaid); only what no valid package covers is overdraft, reported for
  billing, never taken from a later purchase. 0 minutes is refused (a typo).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from mailbot.core.calendar import WARSAW, covered, working_hours
from mailbot.core.contracts import CONTRACTS
from mailbot.core.decide import NO_BILLING_HOURS, PackageState

PACKAGE_HOURS = Decimal(3)  # R-PAK-1
PACKAGE_MONTHS = 3  # R-PAK-1
HALF_HOUR = Decimal("0.5")  # R-PAK-2
DOUBLE = 2  # R-PAK-5
LOW_HOURS = Decimal(1)  # `expiring`: this little left counts as running out
PACKAGE_CONTRACTS = ("pakiet", "brak")  # time drawn from packages (brak: if it bought one)
CENT = Decimal("0.01")
_ZERO = Decimal(0)
_BY_EXPIRY = attrgetter("valid_until", "purchased", "id")  # "the one that expires first"


def _warsaw_day(at: datetime) -> date:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: pass a timezone-aware instant")
    return at.astimezone(WARSAW).date()


def _amount(value: Decimal, name: str) -> Decimal:
    # Refuse floats, NaN and infinity up front: they would poison every sum after them.
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite, non-negative Decimal, got {value!r}")
    return value


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the last day of that month if it is shorter."""
    if isinstance(day, datetime):  # its .date() may be another day in Warsaw
        raise TypeError("pass a date, not a datetime")
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def valid_until(purchased: date, months: int = PACKAGE_MONTHS) -> date:
    """R-PAK-1: the last day (inclusive) a package bought on `purchased` can be used."""
    if months < 1:
        raise ValueError(f"a package is valid for at least a month, got {months}")
    return add_months(purchased, months)


@dataclass(frozen=True)
class Purchase:
    """One package bought (R-PAK-1): an append-only ledger row."""

    id: int
    client_id: str
    purchased: date
    hours: Decimal
    valid_until: date

    def __post_init__(self) -> None:
        if _amount(self.hours, "hours") == 0 or self.valid_until < self.purchased:
            raise ValueError(f"empty package or valid until before purchase: {self}")

    @classmethod
    def new(cls, id: int, client: str, purchased: date, hours: Decimal = PACKAGE_HOURS) -> Purchase:
        """A purchase with the standard validity, so callers cannot get it wrong."""
        return cls(id, client, purchased, hours, valid_until(purchased))

    def serves(self, day: date) -> bool:
        """Whether the package may be drawn on `day` (both ends inclusive), hours aside."""
        return self.purchased <= day <= self.valid_until


@dataclass(frozen=True)
class Deduction:
    """One ledger row (id None until stored). `minutes`, `rounded_hours`, `multiplier` describe
    the whole intervention and repeat on each of its rows (sum charged_hours, never minutes):
    a row per package drawn, the overdraft on the last, or one row with package_id None.
    Per intervention: rounded x multiplier == sum of charged_hours + overdraft_hours."""

    id: int | None
    client_id: str
    package_id: int | None
    at: datetime
    minutes: int
    rounded_hours: Decimal
    multiplier: int
    charged_hours: Decimal
    reason: str
    overdraft_hours: Decimal = _ZERO

    def __post_init__(self) -> None:
        _amount(self.overdraft_hours, "overdraft_hours")
        if _amount(self.charged_hours, "charged_hours") and self.package_id is None:
            raise ValueError("hours charged to no package: record them as overdraft")


@dataclass(frozen=True)
class PackageBalance:
    """A package on a given day: `used`/`left` count every deduction passed in."""

    purchase: Purchase
    used: Decimal
    left: Decimal
    valid: bool  # serves that day and has hours left (R-PAK-1)
    expired: bool  # that day is after valid_until
    used_up: bool


@dataclass(frozen=True)
class DeductionPlan:
    """What one intervention costs and where the hours come from (see `plan_deduction`)."""

    at: datetime
    minutes: int
    rounded_hours: Decimal
    multiplier: int
    charged_hours: Decimal  # rounded x multiplier: the whole intervention
    reason: str
    draws: tuple[tuple[int, Decimal], ...]  # (package id, hours), first-expiring first
    overdraft_hours: Decimal

    def entries(self, client_id: str) -> tuple[Deduction, ...]:
        """The ledger rows to append, ids None (layout: see `Deduction`)."""
        parts: Sequence[tuple[int | None, Decimal]] = self.draws or ((None, _ZERO),)
        return tuple(
            Deduction(
                None, client_id, pid, self.at, self.minutes, self.rounded_hours, self.multiplier,
                hours, self.reason + (f"; {hours} h from package {pid}" if pid is not None else ""),
                self.overdraft_hours if n == len(parts) - 1 else _ZERO,
            )
            for n, (pid, hours) in enumerate(parts)
        )  # fmt: skip


def round_up_half_hours(minutes: int) -> Decimal:
    """R-PAK-2: up to the next half hour (25 min -> 0.5, 40 -> 1.0, 60 -> 1.0, 61 -> 1.5)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be an int, got {minutes!r}")
    if minutes <= 0:
        raise ValueError(f"an intervention takes at least a minute, got {minutes}")
    return HALF_HOUR * ((minutes + 29) // 30)


def multiplier(at: datetime, emergency: bool, contract: str) -> tuple[int, str]:
    """R-PAK-5: a package client's emergency outside working hours (R-HRS-1: packages have
    no add-ons) counts double. Other after-hours work was KJM's choice: single rate."""
    if contract not in CONTRACTS:
        raise ValueError(f"unknown contract {contract!r}")
    if contract == "opieka":
        return 1, "care: unlimited hours, nothing deducted (R-CON-2)"
    if working_hours(at):
        return 1, "within working hours 7:00-16:00 (R-HRS-1): single rate"
    if emergency:
        return DOUBLE, "after-hours emergency: deducted double (R-PAK-5)"
    return 1, "after hours but not an emergency: single rate (R-PAK-5 doubles emergencies)"


def balance(
    purchases: Iterable[Purchase], deductions: Iterable[Deduction], on: date
) -> list[PackageBalance]:
    """Each package's hours used and left, first-expiring first; validity as of `on`. Every
    deduction passed counts, whatever its date (for a past view pass only the rows recorded
    by then). `left` < 0 means rows written without the per-client lock: shown, not hidden."""
    purchases = sorted(purchases, key=_BY_EXPIRY)
    used = {p.id: _ZERO for p in purchases}
    if len(used) != len(purchases):
        raise ValueError("duplicate purchase id")
    for d in deductions:
        if d.package_id is not None and d.package_id not in used:
            raise ValueError(f"deduction {d.id} draws from unknown package {d.package_id}")
        if d.package_id is not None:
            used[d.package_id] += d.charged_hours
    result = []
    for p in purchases:
        left = p.hours - used[p.id]
        valid = p.serves(on) and left > 0
        result.append(PackageBalance(p, used[p.id], left, valid, on > p.valid_until, left <= 0))
    return result


def package_state(
    purchases: Sequence[Purchase], deductions: Iterable[Deduction], at: datetime
) -> PackageState | None:
    """What the intake decision needs (R-PAK-3): None if the client never bought a
    package; else the hours left over ALL valid packages (what it can still use), the
    valid_until of the first-expiring valid one (None if none), and whether any is valid."""
    if not purchases:
        return None
    valid = [b for b in balance(purchases, deductions, _warsaw_day(at)) if b.valid]
    first = valid[0].purchase.valid_until if valid else None
    return PackageState(sum((b.left for b in valid), _ZERO), first, bool(valid))


def plan_deduction(
    packages: Iterable[PackageBalance], at: datetime, minutes: int, emergency: bool, contract: str
) -> DeductionPlan:
    """R-PAK-2 rounding, R-PAK-5 rate, then draw from packages that serve `at`'s day, the
    first-expiring first; what none covers is overdraft (the client is then on hold,
    R-PAK-3). Validity is re-checked against `at`, whatever day the balances were for."""
    if contract not in PACKAGE_CONTRACTS:
        raise ValueError(f"{contract!r}: only package hours are deducted (care: R-CON-2)")
    packages = sorted(packages, key=lambda b: _BY_EXPIRY(b.purchase))
    if len({b.purchase.client_id for b in packages}) > 1:
        raise ValueError("packages of several clients")
    rounded = round_up_half_hours(minutes)
    factor, why = multiplier(at, emergency, contract)
    day, need, draws = _warsaw_day(at), rounded * factor, []
    for b in packages:
        if need and b.left > 0 and b.purchase.serves(day):
            take = min(need, b.left)
            draws.append((b.purchase.id, take))
            need -= take
    reason = f"{minutes} min -> {rounded} h (R-PAK-2) x{factor}: {why}"
    if need:
        reason += f"; {need} h overdraft: no valid package hours left (R-PAK-3)"
    return DeductionPlan(at, minutes, rounded, factor, rounded * factor, reason, tuple(draws), need)


def billable_after_hours(
    at: datetime, emergency: bool, contract: str, addons: Set[str]
) -> tuple[bool, str]:
    """R-BIL-1: a care client's emergency outside its covered hours, on basic care (no
    evening/night add-on), is billed per price list. The same test as the intake decision
    (decide.NO_BILLING_HOURS), so a ticket's forecast and its logged time agree."""
    if contract in PACKAGE_CONTRACTS:
        return False, "package hours: after-hours emergencies count double (R-PAK-5)"
    if contract != "opieka":
        raise ValueError(f"unknown contract {contract!r}")
    if covered(at, addons):
        return False, "within the client's covered hours: part of the care fee"
    if not emergency:
        return False, "outside covered hours but not an emergency: not billed (R-HRS-3)"
    if extra := sorted(set(addons) & NO_BILLING_HOURS):
        return False, f"care with the {', '.join(extra)} add-on is not basic care (R-BIL-1)"
    return True, "emergency outside working hours on basic care: billed per price list (R-BIL-1)"


def care_start(accepted: date) -> date:
    """R-CON-4: care starts on the 1st of the calendar month after the quote is accepted."""
    return add_months(accepted.replace(day=1), 1)


def update_fee(
    update_value: Decimal, care_from: date, care_to: date | None, year: int
) -> tuple[Decimal, int, list[str]]:
    """R-CON-5: update_value x months of `year` without care / 12, to the cent (HALF_UP, and
    multiplied first: 1000 x 3 / 12 = 250.00). `care_from` is the FIRST DAY OF CARE, a 1st
    (R-CON-4; an acceptance date is refused, naming the start it implies); `care_to` the last
    day of care (inclusive) or None. A month with care on any day is a care month."""
    _amount(update_value, "update_value")
    if care_from.day != 1:
        why = f"care starts on a 1st (R-CON-4): accepted {care_from}? then {care_start(care_from)}"
        raise ValueError(why)
    if care_to is not None and care_to < care_from:
        raise ValueError(f"care ends ({care_to}) before it starts ({care_from})")
    start = (care_from.year, care_from.month)
    end = (care_to.year, care_to.month) if care_to else (year + 1, 1)
    months = [f"{year}-{m:02d}" for m in range(1, 13) if not start <= (year, m) <= end]
    fee = (update_value * len(months) / 12).quantize(CENT, rounding=ROUND_HALF_UP)
    return fee, len(months), months


def expiring(
    balances: Iterable[PackageBalance], today: date, within: timedelta
) -> list[tuple[PackageBalance, str]]:
    """Packages usable today that run out soon, soonest first, with why: valid_until within
    `within` (whole days) or <= LOW_HOURS left. Expired/used-up ones are gone already."""
    if within < timedelta(0):
        raise ValueError(f"within must not be negative, got {within}")
    horizon = today + timedelta(days=within.days)
    result = []
    for b in (b for b in balances if b.left > 0 and b.purchase.serves(today)):
        why = [f"expires {b.purchase.valid_until}"] if b.purchase.valid_until <= horizon else []
        why += [f"{b.left} h left"] if b.left <= LOW_HOURS else []
        if why:
            result.append((b, ", ".join(why)))
    return sorted(result, key=lambda e: (e[0].purchase.valid_until, e[0].left))
