"""Who is on call (dyżurny, R-HRS-2, R-HRS-3, R-SLA-1) and whom to escalate to.

PURE: no I/O, no clock (instants are parameters). rules/oncall.toml holds a weekly rota
handed over at a Warsaw wall-clock time, dated overrides (holidays, sick leave) and the
escalation chain; `OncallRules.from_dict` validates it, naming file and key.

The hand-over is a local time ("mon 08:00" stays 08:00 when the clocks change), so shifts
are built from calendar dates, never by adding 7 * 24 hours: the weeks holding the last
Sundays of March and October are 167 and 169 hours long. Warsaw datetimes compare by wall
clock (ignoring `fold`), so everything here compares in UTC and answers in Warsaw time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, NoReturn

from mailbot.core.calendar import WARSAW
from mailbot.errors import ConfigError

CHAIN_ROLES = ("oncall", "opiekun", "manager")  # on-call -> opiekun -> manager
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HANDOVER = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})$", re.IGNORECASE)
_KEYS = {"": ("rota", "override", "escalation"), "rota": ("handover", "start", "order")}
_KEYS |= {"override": ("from", "until", "staff", "reason"), "escalation": ("chain", "managers")}


@dataclass(frozen=True)
class Rota:
    """order[n % len(order)] has the week from the n-th hand-over. `start` is the day of
    the first one and falls on `weekday`: the file says plainly when the rota begins."""

    weekday: int  # 0 = Monday
    handover: time  # Warsaw wall clock
    start: date
    order: tuple[str, ...]

    def handover_at(self, week: int) -> datetime:
        """The n-th hand-over (0 = the first) as a Warsaw instant."""
        return _wall(self.start + timedelta(weeks=week), self.handover)

    def week_of(self, at: datetime) -> int:
        """Index of the shift holding `at` (negative before the first hand-over)."""
        week = (_utc(at).astimezone(WARSAW).date() - self.start).days // 7
        return week - 1 if _utc(at) < _utc(self.handover_at(week)) else week

    def describe(self) -> str:  # as written in the file: "mon 08:00"
        return f"{WEEKDAYS[self.weekday]} {self.handover:%H:%M}"


@dataclass(frozen=True)
class Override:
    """Somebody else is on duty in [start, until): holidays, sick leave, swaps."""

    start: datetime  # Warsaw, aware
    until: datetime
    staff: str
    reason: str


@dataclass(frozen=True)
class Duty:
    """Who is on duty at an instant, and until when this entry (shift or override) runs;
    the same person may well carry on after `until` (check again then)."""

    staff_id: str
    source: Literal["rota", "override"]
    until: datetime  # Warsaw, aware
    reason: str


@dataclass(frozen=True)
class OncallRules:
    rota: Rota
    overrides: tuple[Override, ...]  # sorted by start, never overlapping
    chain: tuple[str, ...]  # roles from CHAIN_ROLES, in escalation order
    managers: tuple[str, ...]  # staff ids with role manager, first one asked first
    source: str = field(default="", compare=False)  # the file, for later error messages

    @classmethod
    def from_dict(
        cls, doc: dict[str, Any], source: str, staff_ids_by_role: dict[str, set[str]]
    ) -> OncallRules:
        """Validate a parsed rules/oncall.toml; ConfigError names the file and key.
        Only staff with the role oncall take duty: staff.toml makes them give a phone."""
        v = _Check(source, staff_ids_by_role)
        v.keys(doc, "")
        rota_doc, esc = v.table(doc, "rota"), v.table(doc, "escalation")
        weekday, handover = v.get(rota_doc, "rota.handover", _handover)
        start = v.get(rota_doc, "rota.start", _day)
        order = v.staff_list(rota_doc, "rota.order", "oncall", optional=False, unique=False)
        rota = Rota(weekday, handover, start, order)
        if start.weekday() != weekday:
            v.fail("rota.start", f"{start} is a {start:%A}; hand-over is {rota.describe()}")
        chain = v.get(esc, "escalation.chain", _chain)
        managers = v.staff_list(esc, "escalation.managers", "manager", optional=True, unique=True)
        if "manager" in chain and not managers:
            v.fail("escalation.managers", "the chain names manager: list at least one")
        return cls(rota, v.overrides(doc.get("override", [])), chain, managers, source)


def on_duty(rules: OncallRules, at: datetime) -> Duty | None:
    """Who is on duty at `at` (aware): an override in force wins over the rota. None
    before the rota starts unless an override covers `at` (see `gaps`)."""
    now = _utc(at)
    for o in rules.overrides:
        if _utc(o.start) <= now < _utc(o.until):
            return Duty(o.staff, "override", o.until, o.reason)
    rota = rules.rota
    week = rota.week_of(now)
    if week < 0:
        return None
    begins, ends = rota.handover_at(week), _utc(rota.handover_at(week + 1))
    cut = min((_utc(o.start) for o in rules.overrides if now < _utc(o.start) < ends), default=ends)
    who = rota.order[week % len(rota.order)]
    return Duty(who, "rota", cut.astimezone(WARSAW), f"rota week from {begins:%Y-%m-%d %H:%M}")


def gaps(rules: OncallRules, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The periods in [start, end) with nobody on duty, merged, in Warsaw time: an alert
    nobody receives breaks R-SLA-1 silently, so `mailbot rules check` rejects them. Once
    started the rota covers every instant and overrides only replace a person, so gaps
    lie only before the first hand-over (where overrides may fill them)."""
    lo, hi = _utc(start), _utc(end)
    if hi < lo:
        raise ValueError(f"end {end} is before start {start}")
    bare_until = min(hi, _utc(rules.rota.handover_at(0)))
    found: list[tuple[datetime, datetime]] = []
    cursor = lo
    for o in rules.overrides:
        if cursor >= bare_until:
            break
        if _utc(o.start) > cursor:
            found.append((cursor, min(_utc(o.start), bare_until)))
        cursor = max(cursor, _utc(o.until))
    if cursor < bare_until:
        found.append((cursor, bare_until))
    return [(a.astimezone(WARSAW), b.astimezone(WARSAW)) for a, b in found if a < b]


def escalation_chain(
    rules: OncallRules, at: datetime, opiekun: str | None
) -> list[tuple[str, str]]:
    """[(role, staff id)] in chain order, e.g. on-call, the client's opiekun, a manager.

    Roles nobody fills are skipped (no rota yet, a client without opiekun). A person is
    named once, under the first role that reaches them: an opiekun who is also on call
    is paged once. The manager is the first of `managers` not already named, so a
    manager covering a duty override still escalates to someone else.
    """
    duty = on_duty(rules, at)
    candidates = {
        "oncall": (duty.staff_id,) if duty else (),
        "opiekun": (opiekun,) if opiekun else (),
        "manager": rules.managers,
    }
    found: list[tuple[str, str]] = []
    for role in rules.chain:
        named = {who for _, who in found}
        if (pick := next((w for w in candidates[role] if w not in named), None)) is not None:
            found.append((role, pick))
    return found


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: pass a timezone-aware instant")
    return instant.astimezone(UTC)


def _wall(day: date, clock: time) -> datetime:
    """`clock` on `day` in Warsaw; refuses wall times a DST change skips or repeats."""
    naive = datetime.combine(day, clock)
    first, second = (naive.replace(tzinfo=WARSAW, fold=f) for f in (0, 1))
    if first.utcoffset() != second.utcoffset():
        raise ValueError(f"{naive:%Y-%m-%d %H:%M} is skipped or repeated by a DST change")
    return first


def _handover(value: Any) -> tuple[int, time]:
    match = _HANDOVER.match(value.strip()) if isinstance(value, str) else None
    if not match or int(match[2]) > 23 or int(match[3]) > 59:
        raise ValueError(f'must be a weekday and a time like "mon 08:00", got {value!r}')
    if int(match[2]) == 2:  # the hour Warsaw skips/repeats on DST Sundays (2:00-3:00)
        raise ValueError(f"{value!r}: 2:00-2:59 is skipped or repeated on DST Sundays")
    return WEEKDAYS.index(match[1].lower()), time(int(match[2]), int(match[3]))


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError(f"must be a date like 2026-01-05 (no quotes), got {value!r}")


def _instant(value: Any) -> datetime:
    """A TOML date-time (local = Warsaw wall clock, or with an offset) or an ISO string."""
    wrong = ValueError(f"must be a date and time like 2026-12-24T08:00:00, got {value!r}")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise wrong from None
    if not isinstance(value, datetime):
        raise wrong
    if value.tzinfo is None:
        return _wall(value.date(), value.time())
    return value.astimezone(WARSAW)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value.strip()


def _chain(value: Any) -> tuple[str, ...]:
    roles = ", ".join(CHAIN_ROLES)
    if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
        raise ValueError(f"must list some of {roles}, each once, got {value!r}")
    if unknown := [r for r in value if r not in CHAIN_ROLES]:
        raise ValueError(f"unknown role {unknown[0]!r} (known: {roles})")
    return tuple(value)


class _Check:
    """Converts values with errors naming the file and a dotted key (`override[2].until`)."""

    def __init__(self, source: str, staff_ids_by_role: dict[str, set[str]]):
        self.source, self.roles = source, staff_ids_by_role
        self.known = set().union(*staff_ids_by_role.values())

    def fail(self, key: str, message: str) -> NoReturn:
        raise ConfigError(message, file=self.source, key=key)

    def keys(self, table: dict[str, Any], where: str) -> None:
        allowed = _KEYS[where.partition("[")[0]]
        for key in table:
            if key not in allowed:
                name = f"{where}.{key}" if where else key
                self.fail(name, f"unknown key (known: {', '.join(allowed)})")

    def table(self, doc: dict[str, Any], key: str) -> dict[str, Any]:
        value = doc.get(key)
        if not isinstance(value, dict):
            self.fail(key, f"missing [{key}] table" if value is None else "must be a table")
        self.keys(value, key)
        return value

    def get(self, table: dict[str, Any], key: str, fn: Any) -> Any:
        if (value := table.get(key.rpartition(".")[2])) is None:
            self.fail(key, "missing required key")
        try:
            return fn(value)
        except ValueError as exc:
            raise ConfigError(str(exc), file=self.source, key=key) from None

    def staff(self, table: dict[str, Any], key: str, role: str) -> str:
        if (who := self.get(table, key, _text)) not in self.known:
            self.fail(key, f"unknown staff id {who!r} (not in staff.toml)")
        if who not in self.roles.get(role, set()):
            self.fail(key, f"{who!r} does not have the role {role} in staff.toml")
        return who

    def staff_list(
        self, table: dict[str, Any], key: str, role: str, *, optional: bool, unique: bool
    ) -> tuple[str, ...]:
        value = table.get(key.rpartition(".")[2], [] if optional else None)
        if not isinstance(value, list) or not (value or optional):
            self.fail(key, "must list at least one staff id")
        ids = tuple(self.staff({key.rpartition(".")[2]: v}, key, role) for v in value)
        if unique and len(set(ids)) != len(ids):
            self.fail(key, "lists the same staff id twice")
        return ids

    def overrides(self, value: Any) -> tuple[Override, ...]:
        if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
            self.fail("override", "write overrides as [[override]] tables")
        labelled: list[tuple[str, Override]] = []
        for n, raw in enumerate(value, 1):
            label = f"override[{n}]"
            self.keys(raw, label)
            o = Override(
                start=self.get(raw, f"{label}.from", _instant),
                until=self.get(raw, f"{label}.until", _instant),
                staff=self.staff(raw, f"{label}.staff", "oncall"),
                reason=self.get(raw, f"{label}.reason", _text),
            )
            if _utc(o.until) <= _utc(o.start):
                self.fail(f"{label}.until", f"{o.until:%Y-%m-%d %H:%M} is not after from")
            labelled.append((label, o))
        labelled.sort(key=lambda item: _utc(item[1].start))
        for (before, a), (label, b) in zip(labelled, labelled[1:], strict=False):
            if _utc(b.start) < _utc(a.until):
                span = f"{a.start:%Y-%m-%d %H:%M} - {a.until:%Y-%m-%d %H:%M}"
                self.fail(f"{label}.from", f"overlaps {before} ({span})")
        return tuple(o for _, o in labelled)
