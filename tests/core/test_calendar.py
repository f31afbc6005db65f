"""Calendar arithmetic: examples, one table per rule.

Dates used: 2026-03-04 is a Wednesday (working day), 2026-03-07 a Saturday, 2026-03-08 a
Sunday. DST: 2026-03-29 (02:00 CET -> 03:00 CEST), 2026-10-25 (03:00 CEST -> 02:00 CET).
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from mailbot.core.calendar import (
    CRITICAL_REACTION,
    EXTENDED_HOURS,
    NIGHT,
    NONSTOP,
    SATURDAYS,
    WARSAW,
    Coverage,
    counted_time,
    covered,
    is_after_hours,
    is_holiday,
    is_night,
    is_working_day,
    next_covered_start,
    next_mailbox_check,
    reaction_deadline,
    working_hours,
)

BASIC: frozenset[str] = frozenset()


def w(y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    """A Warsaw wall-clock instant."""
    return datetime(y, mo, d, h, mi, tzinfo=WARSAW, fold=fold)


def same_instant(a: datetime, b: datetime) -> bool:
    # Two Warsaw datetimes compare by wall clock (fold ignored): compare in UTC.
    return a.astimezone(UTC) == b.astimezone(UTC)


def wed(h: int, mi: int = 0) -> datetime:
    return w(2026, 3, 4, h, mi)


def thu(h: int, mi: int = 0) -> datetime:
    return w(2026, 3, 5, h, mi)


def sat(h: int, mi: int = 0) -> datetime:
    return w(2026, 3, 7, h, mi)


def sun(h: int, mi: int = 0) -> datetime:
    return w(2026, 3, 8, h, mi)


# --- R-HRS-1: working days -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2026, 3, 4), True, id="R-HRS-1-wednesday"),
        pytest.param(date(2026, 3, 7), False, id="R-HRS-1-saturday"),
        pytest.param(date(2026, 3, 8), False, id="R-HRS-1-sunday"),
        pytest.param(date(2024, 12, 24), True, id="R-HRS-1-wigilia-2024-working"),
        pytest.param(date(2025, 12, 24), False, id="R-HRS-1-wigilia-2025-holiday"),
        pytest.param(date(2026, 12, 24), False, id="R-HRS-1-wigilia-2026-holiday"),
        pytest.param(date(2027, 12, 24), False, id="R-HRS-1-wigilia-2027-holiday"),
        pytest.param(date(2024, 4, 1), False, id="R-HRS-1-easter-monday-2024"),
        pytest.param(date(2025, 4, 21), False, id="R-HRS-1-easter-monday-2025"),
        pytest.param(date(2026, 4, 6), False, id="R-HRS-1-easter-monday-2026"),
        pytest.param(date(2027, 3, 29), False, id="R-HRS-1-easter-monday-2027"),
        pytest.param(date(2030, 4, 22), False, id="R-HRS-1-easter-monday-2030"),
        pytest.param(date(2024, 5, 30), False, id="R-HRS-1-corpus-christi-2024"),
        pytest.param(date(2025, 6, 19), False, id="R-HRS-1-corpus-christi-2025"),
        pytest.param(date(2026, 6, 4), False, id="R-HRS-1-corpus-christi-2026"),
        pytest.param(date(2028, 6, 15), False, id="R-HRS-1-corpus-christi-2028"),
        pytest.param(date(2026, 4, 7), True, id="R-HRS-1-tuesday-after-easter"),
        pytest.param(date(2026, 1, 6), False, id="R-HRS-1-epiphany"),
        pytest.param(date(2026, 5, 1), False, id="R-HRS-1-may-day"),
        pytest.param(date(2026, 11, 11), False, id="R-HRS-1-independence-day"),
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_is_holiday_covers_weekend_holidays_and_rejects_datetimes():
    assert is_holiday(date(2026, 8, 15))  # a Saturday, Assumption
    assert not is_holiday(date(2026, 3, 7))
    with pytest.raises(TypeError):
        is_holiday(wed(10))
    with pytest.raises(TypeError):  # a Saturday too, not just when the weekday passes
        is_working_day(sat(10))


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param(wed(6, 59), False, id="R-HRS-1-before-7"),
        pytest.param(wed(7), True, id="R-HRS-1-at-7"),
        pytest.param(wed(15, 59), True, id="R-HRS-1-15:59"),
        pytest.param(wed(16), False, id="R-HRS-1-at-16-closed"),
        pytest.param(sat(10), False, id="R-HRS-1-saturday"),
        pytest.param(w(2026, 11, 11, 10), False, id="R-HRS-1-holiday"),
        pytest.param(w(2026, 12, 24, 10), False, id="R-HRS-1-wigilia-2026"),
        pytest.param(w(2024, 12, 24, 10), True, id="R-HRS-1-wigilia-2024"),
        pytest.param(datetime(2026, 3, 4, 6, 30, tzinfo=UTC), True, id="R-HRS-1-utc-input"),
    ],
)
def test_working_hours(instant, expected):
    assert working_hours(instant) is expected
    assert is_after_hours(instant) is not expected  # R-PAK-5, R-BIL-1


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param(wed(21, 59), False, id="R-SLA-1-night-21:59"),
        pytest.param(wed(22), True, id="R-SLA-1-night-at-22"),
        pytest.param(wed(3), True, id="R-SLA-1-night-3"),
        pytest.param(wed(6, 59), True, id="R-SLA-1-night-6:59"),
        pytest.param(wed(7), False, id="R-SLA-1-night-at-7"),
    ],
)
def test_is_night(instant, expected):
    assert is_night(instant) is expected


# --- Covered hours: R-HRS-1 widened by R-ADD-1..3 ------------------------------------

EXT = frozenset({EXTENDED_HOURS})
SAT = frozenset({SATURDAYS})
EXT_SAT = frozenset({EXTENDED_HOURS, SATURDAYS})
NGT = frozenset({NIGHT})
NON = frozenset({NONSTOP})
DWH = frozenset({"data-warehouse", "dedicated-software"})


@pytest.mark.parametrize(
    ("instant", "addons", "expected"),
    [
        pytest.param(wed(10), BASIC, True, id="R-HRS-1-basic-10"),
        pytest.param(wed(16), BASIC, False, id="R-HRS-1-basic-16"),
        pytest.param(wed(21), BASIC, False, id="R-HRS-1-basic-21"),
        pytest.param(wed(23), BASIC, False, id="R-HRS-1-basic-23"),
        pytest.param(sat(10), BASIC, False, id="R-HRS-1-basic-saturday"),
        pytest.param(wed(16), EXT, True, id="R-ADD-1-extended-16"),
        pytest.param(wed(21, 59), EXT, True, id="R-ADD-1-extended-21:59"),
        pytest.param(wed(22), EXT, False, id="R-ADD-1-extended-22"),
        pytest.param(wed(6, 59), EXT, False, id="R-ADD-1-extended-6:59"),
        pytest.param(sat(10), EXT, False, id="R-ADD-1-extended-not-saturday"),
        pytest.param(w(2026, 11, 11, 18), EXT, False, id="R-ADD-1-extended-not-holiday"),
        pytest.param(sat(10), SAT, True, id="R-ADD-1-saturdays-10"),
        pytest.param(sat(16, 30), SAT, False, id="R-ADD-1-saturdays-weekday-hours"),
        pytest.param(sat(21), EXT_SAT, True, id="R-ADD-1-saturdays-extended-21"),
        pytest.param(sun(10), EXT_SAT, False, id="R-ADD-1-saturdays-not-sunday"),
        pytest.param(w(2026, 8, 15, 10), SAT, False, id="R-ADD-1-saturday-holiday"),
        pytest.param(w(2026, 12, 26, 10), SAT, False, id="R-ADD-1-saturday-christmas"),
        pytest.param(wed(22), NGT, True, id="R-ADD-2-night-22"),
        pytest.param(wed(3), NGT, True, id="R-ADD-2-night-3"),
        pytest.param(wed(7), NGT, True, id="R-ADD-2-night-day-still-basic"),
        pytest.param(wed(16, 30), NGT, False, id="R-ADD-2-night-not-evening"),
        pytest.param(sun(23), NGT, True, id="R-ADD-2-night-every-night"),
        pytest.param(sun(12), NGT, False, id="R-ADD-2-night-not-sunday-day"),
        pytest.param(sun(12), NON, True, id="R-ADD-3-nonstop-sunday"),
        pytest.param(wed(3), NON, True, id="R-ADD-3-nonstop-night"),
        pytest.param(w(2026, 12, 24, 18), NON, True, id="R-ADD-3-nonstop-holiday"),
        pytest.param(wed(10), DWH, True, id="R-ADD-4-no-hours-change-10"),
        pytest.param(wed(18), DWH, False, id="R-ADD-4-no-hours-change-18"),
    ],
)
def test_covered(instant, addons, expected):
    assert covered(instant, addons) is expected


def test_addons_as_a_string_is_refused():
    with pytest.raises(TypeError):
        covered(wed(18), "extended-hours")  # type: ignore[arg-type]


def test_coverage_from_addons():
    assert Coverage.from_addons(BASIC) == Coverage()
    assert Coverage.from_addons(EXT_SAT | NGT) == Coverage(
        day_end=time(22), saturdays=True, night=True
    )


@pytest.mark.parametrize(
    ("instant", "addons", "expected"),
    [
        pytest.param(wed(10), BASIC, wed(10), id="R-HRS-1-covered-now"),
        pytest.param(wed(16), BASIC, thu(7), id="R-HRS-1-after-work"),
        pytest.param(wed(3), BASIC, wed(7), id="R-HRS-1-before-work"),
        pytest.param(w(2026, 3, 6, 17), BASIC, w(2026, 3, 9, 7), id="R-HRS-1-friday-to-monday"),
        pytest.param(w(2026, 12, 23, 16), BASIC, w(2026, 12, 28, 7), id="R-HRS-1-christmas"),
        pytest.param(w(2026, 4, 4, 10), BASIC, w(2026, 4, 7, 7), id="R-HRS-1-easter"),
        pytest.param(w(2026, 3, 6, 17), SAT, sat(7), id="R-ADD-1-saturdays-next"),
        pytest.param(w(2026, 12, 25, 9), SAT, w(2026, 12, 28, 7), id="R-ADD-1-saturday-holiday"),
        pytest.param(wed(22, 30), EXT, thu(7), id="R-ADD-1-extended-night"),
        pytest.param(wed(16, 30), NGT, wed(22), id="R-ADD-2-night-starts-22"),
        pytest.param(sun(12), NGT, sun(22), id="R-ADD-2-night-sunday"),
        pytest.param(sun(12), DWH, w(2026, 3, 9, 7), id="R-ADD-4-unknown-ignored"),
    ],
)
def test_next_covered_start(instant, addons, expected):
    result = next_covered_start(instant, addons)
    assert same_instant(result, expected)
    assert result.tzinfo is WARSAW


# --- R-SLA-1: the critical reaction clock ---------------------------------------------


@pytest.mark.parametrize(
    ("start", "addons", "expected"),
    [
        pytest.param(wed(21, 30), BASIC, thu(8, 30), id="R-SLA-1-21:30-to-8:30"),
        pytest.param(wed(23, 40), BASIC, thu(9), id="R-SLA-1-23:40-to-9:00"),
        pytest.param(wed(14), BASIC, wed(16), id="R-SLA-1-14:00-to-16:00"),
        pytest.param(wed(6), BASIC, wed(9), id="R-SLA-1-6:00-to-9:00"),
        pytest.param(wed(20), BASIC, wed(22), id="R-SLA-1-ends-at-22"),
        pytest.param(wed(22), BASIC, thu(9), id="R-SLA-1-starts-at-22"),
        pytest.param(sat(10), BASIC, sat(12), id="R-SLA-1-saturday-counts"),
        pytest.param(sun(21), BASIC, w(2026, 3, 9, 8), id="R-SLA-1-sunday-counts"),
        pytest.param(w(2026, 12, 24, 21), BASIC, w(2026, 12, 25, 8), id="R-SLA-1-holiday-counts"),
        pytest.param(wed(21, 30), EXT_SAT, thu(8, 30), id="R-SLA-1-extended-hours-same-clock"),
        pytest.param(wed(21, 30), DWH, thu(8, 30), id="R-SLA-1-unknown-addon-same-clock"),
        pytest.param(wed(21, 30), NGT, wed(23, 30), id="R-SLA-1-R-ADD-2-night-counts"),
        pytest.param(wed(23, 40), NGT, thu(1, 40), id="R-SLA-1-R-ADD-2-night-23:40"),
        pytest.param(wed(23, 40), NON, thu(1, 40), id="R-SLA-1-R-ADD-3-nonstop-23:40"),
        # DST (night hours are skipped, so the change itself is never inside a window)
        pytest.param(w(2026, 3, 28, 21), BASIC, w(2026, 3, 29, 8), id="R-SLA-1-dst-march"),
        pytest.param(w(2026, 10, 24, 21), BASIC, w(2026, 10, 25, 8), id="R-SLA-1-dst-october"),
        # 02:00-03:00 does not exist on 2026-03-29: two real hours after 01:30 CET is 04:30
        pytest.param(w(2026, 3, 29, 1, 30), NON, w(2026, 3, 29, 4, 30), id="R-SLA-1-nonstop-march"),
        pytest.param(w(2026, 3, 29, 1, 30), NGT, w(2026, 3, 29, 4, 30), id="R-SLA-1-night-march"),
        # 02:00-03:00 happens twice on 2026-10-25: 01:30 CEST + 2h is the second 02:30 (CET)
        pytest.param(
            w(2026, 10, 25, 1, 30), NON, w(2026, 10, 25, 2, 30, fold=1), id="R-SLA-1-nonstop-oct"
        ),
        pytest.param(
            w(2026, 10, 25, 0, 30), NON, w(2026, 10, 25, 2, 30, fold=0), id="R-SLA-1-nonstop-oct-0"
        ),
    ],
)
def test_reaction_deadline(start, addons, expected):
    deadline = reaction_deadline(start, addons)
    assert same_instant(deadline, expected)
    assert deadline.utcoffset() == expected.utcoffset()  # the right side of a DST fold
    assert deadline.tzinfo is WARSAW
    assert counted_time(start, deadline, addons) == CRITICAL_REACTION


def test_reaction_deadline_nonstop_october_is_two_real_hours():
    deadline = reaction_deadline(w(2026, 10, 25, 1, 30), NON)  # R-SLA-1, R-ADD-3
    assert deadline.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert (deadline.hour, deadline.minute, deadline.fold) == (2, 30, 1)


def test_reaction_deadline_accepts_utc_and_other_durations():
    start = datetime(2026, 3, 4, 20, 30, tzinfo=UTC)  # 21:30 Warsaw (CET)
    assert same_instant(reaction_deadline(start, BASIC), thu(8, 30))  # R-SLA-1
    assert same_instant(reaction_deadline(wed(21), BASIC, timedelta(hours=16)), thu(22))
    with pytest.raises(ValueError):
        reaction_deadline(wed(10), BASIC, timedelta(0))


@pytest.mark.parametrize(
    ("start", "end", "addons", "expected"),
    [
        pytest.param(wed(21), thu(8), BASIC, timedelta(hours=2), id="R-SLA-1-over-night"),
        pytest.param(wed(22), thu(7), BASIC, timedelta(0), id="R-SLA-1-night-not-counted"),
        pytest.param(wed(0), thu(0), BASIC, timedelta(hours=15), id="R-SLA-1-whole-day"),
        pytest.param(wed(10), wed(10), BASIC, timedelta(0), id="R-SLA-1-empty"),
        pytest.param(sat(0), w(2026, 3, 9, 0), BASIC, timedelta(hours=30), id="R-SLA-1-weekend"),
        pytest.param(wed(22), thu(7), NGT, timedelta(hours=9), id="R-SLA-1-R-ADD-2-night"),
        pytest.param(
            w(2026, 3, 29), w(2026, 3, 30), BASIC, timedelta(hours=15), id="R-SLA-1-dst-march-day"
        ),
        pytest.param(
            w(2026, 3, 29), w(2026, 3, 30), NON, timedelta(hours=23), id="R-SLA-1-dst-march-nonstop"
        ),
        pytest.param(
            w(2026, 10, 25), w(2026, 10, 26), NON, timedelta(hours=25), id="R-SLA-1-dst-oct-nonstop"
        ),
    ],
)
def test_counted_time(start, end, addons, expected):
    assert counted_time(start, end, addons) == expected


def test_counted_time_refuses_reversed_interval():
    with pytest.raises(ValueError):
        counted_time(thu(8), wed(21), BASIC)


# --- R-HRS-2: mailbox checks ------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param(wed(7), wed(9), id="R-HRS-2-at-7"),
        pytest.param(wed(10), wed(12), id="R-HRS-2-day"),
        pytest.param(wed(20), wed(22), id="R-HRS-2-at-20-last-sure"),
        pytest.param(wed(20, 30), thu(9), id="R-HRS-2-20:30-next-morning"),
        pytest.param(wed(21), thu(9), id="R-HRS-2-21:00-next-morning"),
        pytest.param(wed(23), thu(9), id="R-HRS-2-night"),
        pytest.param(wed(6), wed(9), id="R-HRS-2-early-morning"),
        pytest.param(sun(10), sun(12), id="R-HRS-2-every-day"),
        pytest.param(w(2026, 12, 24, 10), w(2026, 12, 24, 12), id="R-HRS-2-holiday"),
        pytest.param(w(2026, 3, 29, 1, 30), w(2026, 3, 29, 9), id="R-HRS-2-dst-night"),
    ],
)
def test_next_mailbox_check(instant, expected):
    result = next_mailbox_check(instant)
    assert same_instant(result, expected)
    assert result.tzinfo is WARSAW


# --- Naive datetimes are refused everywhere ---------------------------------------------

NAIVE = datetime(2026, 3, 4, 10)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: working_hours(NAIVE), id="working_hours"),
        pytest.param(lambda: is_after_hours(NAIVE), id="is_after_hours"),
        pytest.param(lambda: is_night(NAIVE), id="is_night"),
        pytest.param(lambda: covered(NAIVE, BASIC), id="covered"),
        pytest.param(lambda: next_covered_start(NAIVE, BASIC), id="next_covered_start"),
        pytest.param(lambda: reaction_deadline(NAIVE, BASIC), id="reaction_deadline"),
        pytest.param(lambda: counted_time(NAIVE, wed(12), BASIC), id="counted_time-start"),
        pytest.param(lambda: counted_time(wed(8), NAIVE, BASIC), id="counted_time-end"),
        pytest.param(lambda: next_mailbox_check(NAIVE), id="next_mailbox_check"),
    ],
)
def test_naive_datetime_is_refused(call):
    with pytest.raises(ValueError, match="naive"):
        call()
