"""Calendar arithmetic for KJM's support terms (pure: no I/O, never reads the clock).

Every function takes timezone-aware instants (any zone; a naive datetime is a ValueError,
since guessing its zone would silently shift deadlines) and answers in Europe/Warsaw,
because the terms are written in Warsaw wall-clock hours. Durations are real elapsed
time: arithmetic is done in UTC, so a span across a daylight-saving change counts what a
stopwatch would ("2 hours" in R-SLA-1 is two real hours, also on the last Sundays of
March and October). Two Warsaw datetimes compare by wall clock, ignoring `fold`; that
is why everything here compares and subtracts in UTC.

Hours are half-open: "7:00-16:00" is from 7:00 up to, not including, 16:00. The daily
boundaries used (7:00, 16:00, 22:00) never fall in a DST gap or fold in Warsaw (clocks
change between 2:00 and 3:00), so building them from a date is unambiguous.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WARSAW = ZoneInfo("Europe/Warsaw")

DAY_START = time(7)  # R-HRS-1 working day, R-HRS-2 / R-SLA-1 end of the night
WORK_END = time(16)  # R-HRS-1
NIGHT_START = time(22)  # R-HRS-2, R-SLA-1 ("godziny nocne 22:00-7:00"), R-ADD-1 evening end
CRITICAL_REACTION = timedelta(hours=2)  # R-SLA-1
MAILBOX_CHECK_EVERY = timedelta(hours=2)  # R-HRS-2

# Add-on names (R-ADD-1..4) as stored on a contract. Others (e.g. "data-warehouse",
# "dedicated-software") widen what is covered, not when, so they are ignored here.
EXTENDED_HOURS = "extended-hours"  # R-ADD-1: 7:00-22:00 on working days
SATURDAYS = "saturdays"  # R-ADD-1: Saturdays too, with the client's weekday hours
NIGHT = "night"  # R-ADD-2: 22:00-7:00, every night
NONSTOP = "nonstop"  # R-ADD-3: always

_SATURDAY = 5
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: pass a timezone-aware instant")
    return instant.astimezone(UTC)


def _local(instant: datetime) -> datetime:
    return _utc(instant).astimezone(WARSAW)


def _at(day: date, clock: time) -> datetime:
    """`clock` on `day` in Warsaw, as a UTC instant (only for 7:00, 16:00, 22:00: see top)."""
    return datetime.combine(day, clock, tzinfo=WARSAW).astimezone(UTC)


def _addon_set(addons: Set[str]) -> Set[str]:
    # A str passes for a set of characters ("night" in "overnight" is True): refuse it.
    if isinstance(addons, str):
        raise TypeError("addons must be a set of add-on names, not a string")
    return addons


@lru_cache(maxsize=64)  # a year per entry: bounded, not global mutable state
def _holidays(year: int) -> frozenset[date]:
    """Polish public holidays of one year (incl. Easter-dependent ones, and 24 December
    from 2025 under Dz.U. 2024 poz. 1965 -- present in holidays >= 0.64)."""
    return frozenset(holidays.country_holidays("PL", years=year))


def is_holiday(d: date) -> bool:
    """A Polish public holiday (any weekday)."""
    if isinstance(d, datetime):  # its .date() may be a different day in Warsaw
        raise TypeError("pass a date (the Warsaw calendar day), not a datetime")
    return d in _holidays(d.year)


def is_working_day(d: date) -> bool:
    """R-HRS-1: Monday-Friday and not a Polish public holiday."""
    return not is_holiday(d) and d.weekday() < _SATURDAY  # is_holiday first: refuses datetimes


def working_hours(instant: datetime) -> bool:
    """R-HRS-1: 7:00-16:00 on a working day (free basic-care service, R-PAK-5 single rate)."""
    local = _local(instant)
    return is_working_day(local.date()) and DAY_START <= local.time() < WORK_END


def is_after_hours(instant: datetime) -> bool:
    """Outside R-HRS-1 working hours: only emergencies are handled (R-HRS-3), a package
    client's time counts double (R-PAK-5), basic care bills per price list (R-BIL-1)."""
    return not working_hours(instant)


def is_night(instant: datetime) -> bool:
    """22:00-7:00 local, the hours R-SLA-1 does not count (and R-HRS-2 does not check)."""
    clock = _local(instant).time()
    return not DAY_START <= clock < NIGHT_START


@dataclass(frozen=True)
class Coverage:
    """The hours a care client's contract covers: R-HRS-1 widened by add-ons (R-ADD-1..3).

    Inside them, service is part of the care fee; outside, only emergencies are handled
    and basic care bills them (R-BIL-1).
    """

    day_end: time = WORK_END
    saturdays: bool = False
    night: bool = False
    nonstop: bool = False

    @classmethod
    def from_addons(cls, addons: Set[str]) -> Coverage:
        addons = _addon_set(addons)
        return cls(
            day_end=NIGHT_START if EXTENDED_HOURS in addons else WORK_END,
            saturdays=SATURDAYS in addons,
            night=NIGHT in addons,
            nonstop=NONSTOP in addons,
        )

    def covers_day(self, d: date) -> bool:
        """Whether the daytime window (7:00-day_end) applies on `d`. A Saturday that is
        a public holiday stays uncovered: the add-on buys the client's working Saturdays."""
        if is_working_day(d):
            return True
        return self.saturdays and d.weekday() == _SATURDAY and not is_holiday(d)

    def covers(self, instant: datetime) -> bool:
        if self.nonstop:
            return True
        local = _local(instant)
        if self.night and is_night(local):
            return True
        return self.covers_day(local.date()) and DAY_START <= local.time() < self.day_end


def covered(instant: datetime, addons: Set[str]) -> bool:
    """Whether `instant` is inside the client's covered hours (R-HRS-1, R-ADD-1..3).

    `addons` is required (no default): forgetting a client's add-ons would silently
    give it basic-care hours.
    """
    return Coverage.from_addons(addons).covers(instant)


def next_covered_start(instant: datetime, addons: Set[str]) -> datetime:
    """When the client's covered hours next begin: `instant` itself if covered now.

    Used to tell a client when a non-emergency request will be handled (R-HRS-3).
    """
    coverage = Coverage.from_addons(addons)
    if coverage.covers(instant):
        return _local(instant)
    now = _utc(instant)
    day = _local(instant).date()
    while True:  # ends: every week has working days
        starts = []
        if coverage.covers_day(day):
            starts.append(_at(day, DAY_START))
        if coverage.night:
            starts.append(_at(day, NIGHT_START))
        for start in starts:
            if start > now:
                return start.astimezone(WARSAW)
        day += _ONE_DAY


def _clock_never_stops(addons: Set[str]) -> bool:
    """R-SLA-1 skips only night hours; a client that bought the night (R-ADD-2) or
    non-stop service (R-ADD-3) has none to skip."""
    addons = _addon_set(addons)
    return NIGHT in addons or NONSTOP in addons


def reaction_deadline(
    start: datetime, addons: Set[str], within: timedelta = CRITICAL_REACTION
) -> datetime:
    """R-SLA-1: the instant by which a critical failure reported at `start` must get a
    reaction: `within` (2 h) of real time counted only 7:00-22:00 local, on EVERY day.

    The terms exclude night hours only ("z pominięciem godzin nocnych (22:00-7:00)"), so
    weekends and holidays count. If the time runs out exactly at 22:00, the deadline is
    22:00 that day (the earliest instant with `within` counted), not 7:00 next morning.
    Examples: 14:00 -> 16:00, 21:30 -> 8:30 next day, 23:40 -> 9:00, 6:00 -> 9:00.
    """
    if within <= _ZERO:
        raise ValueError(f"reaction time must be positive, got {within}")
    now = _utc(start)
    if _clock_never_stops(addons):
        return (now + within).astimezone(WARSAW)
    left = within
    day = _local(start).date()
    while True:
        opens, closes = max(_at(day, DAY_START), now), _at(day, NIGHT_START)
        if opens < closes:
            if left <= closes - opens:
                return (opens + left).astimezone(WARSAW)
            left -= closes - opens
        day += _ONE_DAY


def counted_time(start: datetime, end: datetime, addons: Set[str]) -> timedelta:
    """R-SLA-1: the time the reaction clock counts between two instants (real time inside
    7:00-22:00 local, or all of it with night/non-stop service). For reporting reaction
    times; `counted_time(s, reaction_deadline(s, a), a)` is exactly the promise."""
    lo, hi = _utc(start), _utc(end)
    if hi < lo:
        raise ValueError(f"end {end} is before start {start}")
    if _clock_never_stops(addons):
        return hi - lo
    total = _ZERO
    day = _local(start).date()
    while (opens := _at(day, DAY_START)) < hi:
        closes = _at(day, NIGHT_START)
        total += max(_ZERO, min(closes, hi) - max(opens, lo))
        day += _ONE_DAY
    return total


def next_mailbox_check(instant: datetime) -> datetime:
    """R-HRS-2: the latest time by which the person on duty will have looked at the
    mailbox after a message arrives at `instant`.

    The terms promise a look "minimum co dwie godziny w godzinach 7:00-22:00", every day:
    every 2-hour stretch inside 7:00-22:00 holds a look, and nothing more. So a message
    arriving 7:00-20:00 is seen within 2 hours. One arriving after 20:00 may miss the
    last look of the day (a look at 20:10, then none until 22:00, keeps the promise), and
    no look is promised at night; it is seen by 9:00 (the first 2-hour stretch of the
    next morning). A message arriving 0:00-7:00 is seen by 9:00 the same day.
    """
    now = _utc(instant)
    today = _local(instant).date()
    if _at(today, DAY_START) <= now <= _at(today, NIGHT_START) - MAILBOX_CHECK_EVERY:
        return (now + MAILBOX_CHECK_EVERY).astimezone(WARSAW)
    morning = today if now < _at(today, DAY_START) else today + _ONE_DAY
    return (_at(morning, DAY_START) + MAILBOX_CHECK_EVERY).astimezone(WARSAW)
