"""Property tests for calendar arithmetic: random instants over 2024-2030.

Instants are drawn in UTC (every UTC time exists and is unambiguous) and converted to
Warsaw, half uniformly, half near the days that break naive code: DST changes and Polish
public holidays. All comparisons are in UTC, since Warsaw datetimes compare by wall clock.
"""

from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.core.calendar import (
    CRITICAL_REACTION,
    EXTENDED_HOURS,
    NIGHT,
    NONSTOP,
    SATURDAYS,
    WARSAW,
    counted_time,
    covered,
    is_holiday,
    next_covered_start,
    next_mailbox_check,
    reaction_deadline,
)

YEARS = range(2024, 2031)
FAST = settings(max_examples=300, deadline=None)


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() - 6) % 7)


DST_DAYS = [_last_sunday(y, m) for y in YEARS for m in (3, 10)]
_ALL_DAYS = (date(2024, 1, 1) + timedelta(days=n) for n in range(7 * 366))
HOLIDAYS = [d for d in _ALL_DAYS if d.year in YEARS and is_holiday(d)]
SPECIAL_DAYS = sorted(set(DST_DAYS) | set(HOLIDAYS))

_START, _END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
_MICROS = (_END - _START) // timedelta(microseconds=1)
_uniform = st.integers(0, _MICROS).map(lambda us: _START + timedelta(microseconds=us))  # fast
_offset = st.one_of(
    st.integers(-6 * 3600, 30 * 3600).map(lambda s: timedelta(seconds=s)),
    st.integers(-12, 60).map(lambda n: timedelta(minutes=30 * n)),  # exact boundaries
)
_near_special = st.builds(
    lambda d, off: datetime.combine(d, time(0), tzinfo=WARSAW).astimezone(UTC) + off,
    st.sampled_from(SPECIAL_DAYS),
    _offset,
)
instants = st.one_of(_uniform, _near_special).map(lambda u: u.astimezone(WARSAW))


def _subsets(names: list[str]) -> list[frozenset[str]]:
    return [frozenset(c) for r in range(len(names) + 1) for c in combinations(names, r)]


# sampled_from over every subset: exhaustive, and much cheaper to draw than st.frozensets
addons_any = st.sampled_from(
    _subsets([EXTENDED_HOURS, SATURDAYS, NIGHT, NONSTOP, "data-warehouse"])
)
addons_basic_clock = st.sampled_from(_subsets([EXTENDED_HOURS, SATURDAYS, "data-warehouse"]))


def utc(x: datetime) -> datetime:
    return x.astimezone(UTC)


@FAST
@given(instants, addons_basic_clock)
def test_r_sla_1_deadline_never_in_night_hours(start, addons):
    """R-SLA-1: without night/non-stop service the deadline is inside 7:00-22:00."""
    deadline = reaction_deadline(start, addons)
    assert time(7) < deadline.time() <= time(22)
    assert deadline.tzinfo is WARSAW


@FAST
@given(instants, addons_any)
def test_r_sla_1_counted_time_until_deadline_is_the_promise(start, addons):
    """R-SLA-1: exactly 2 counted hours between start and deadline, DST or not."""
    deadline = reaction_deadline(start, addons)
    assert utc(deadline) > utc(start)
    assert counted_time(start, deadline, addons) == CRITICAL_REACTION


@FAST
@given(instants, addons_any)
def test_r_sla_1_deadline_is_the_earliest_such_instant(start, addons):
    """R-SLA-1: a microsecond earlier, less than the promise has been counted."""
    deadline = reaction_deadline(start, addons)
    before = utc(deadline) - timedelta(microseconds=1)  # in UTC: a DST fold may be near
    assert counted_time(start, before, addons) < CRITICAL_REACTION


# Pairs and triples close together: far-apart instants are trivially ordered, and long
# spans only make counted_time walk more days.
_gap = st.one_of(
    st.integers(0, 3 * 86400 * 10**6).map(lambda us: timedelta(microseconds=us)),
    st.integers(0, 6 * 48).map(lambda n: timedelta(minutes=30 * n)),
)


@FAST
@given(instants, _gap, addons_any)
def test_r_sla_1_deadline_is_monotonic_in_start(first, gap, addons):
    """R-SLA-1: a later report never gets an earlier deadline."""
    second = utc(first) + gap
    assert utc(reaction_deadline(first, addons)) <= utc(reaction_deadline(second, addons))


@FAST
@given(instants, _gap, _gap, addons_any)
def test_r_sla_1_counted_time_is_additive(x, gap1, gap2, addons):
    """R-SLA-1: counting a span in two pieces gives the same total; never above real time."""
    y, z = utc(x) + gap1, utc(x) + gap1 + gap2
    whole = counted_time(x, z, addons)
    assert whole == counted_time(x, y, addons) + counted_time(y, z, addons)
    assert whole <= z - utc(x)


@FAST
@given(instants, addons_any)
def test_r_add_covered_agrees_with_next_covered_start(instant, addons):
    """R-HRS-1, R-ADD-1..3: covered now <=> the next covered start is now; the start found
    is covered and really a start (the microsecond before it is not covered)."""
    start = next_covered_start(instant, addons)
    assert covered(instant, addons) == (utc(start) == utc(instant))
    assert utc(start) >= utc(instant)
    assert covered(start, addons)
    if utc(start) != utc(instant):
        assert not covered(utc(start) - timedelta(microseconds=1), addons)


@FAST
@given(instants)
def test_r_hrs_2_mailbox_check_is_inside_checking_hours(instant):
    """R-HRS-2: the promised look is within 7:00-22:00, after arrival, within a night."""
    look = next_mailbox_check(instant)
    assert time(7) < look.time() <= time(22)
    assert timedelta(0) < utc(look) - utc(instant) <= timedelta(hours=14)
