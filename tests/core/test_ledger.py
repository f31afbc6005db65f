"""The package ledger, rule by rule: tables per rule id, then property tests.

Times are Warsaw wall clock unless a test is about the day boundary in UTC. Hours are
compared as Decimal (Decimal("1.0") == Decimal("1")), never as floats.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mailbot.core.decide import PackageState
from mailbot.core.ledger import (
    DOUBLE,
    PACKAGE_HOURS,
    Deduction,
    Purchase,
    add_months,
    balance,
    billable_after_hours,
    care_start,
    expiring,
    multiplier,
    package_state,
    plan_deduction,
    round_up_half_hours,
    update_fee,
    valid_until,
)

WAW = ZoneInfo("Europe/Warsaw")
D = Decimal
CLIENT = "acme"


def waw(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=WAW)


def bought(pid: int, day: date, hours: str = "3") -> Purchase:
    return Purchase.new(pid, CLIENT, day, D(hours))


class Ledger:
    """A client's rows, appended the way the shell will: balance -> plan -> entries."""

    def __init__(self, *purchases: Purchase) -> None:
        self.purchases = list(purchases)
        self.rows: list[Deduction] = []

    def log(self, at: datetime, minutes: int, emergency: bool = False, contract: str = "pakiet"):
        packages = balance(self.purchases, self.rows, at.astimezone(WAW).date())
        plan = plan_deduction(packages, at, minutes, emergency, contract)
        self.rows += plan.entries(CLIENT)
        return plan

    def left(self, on: date) -> dict[int, Decimal]:
        return {b.purchase.id: b.left for b in balance(self.purchases, self.rows, on)}


# R-PAK-1: 3 hours, valid 3 months from purchase ------------------------------------------


@pytest.mark.parametrize(
    "purchased, expected",
    [
        (date(2026, 11, 2), date(2027, 2, 2)),  # the example
        (date(2026, 11, 30), date(2027, 2, 28)),  # 30 Nov -> last day of February
        (date(2027, 11, 30), date(2028, 2, 29)),  # ... in a leap year
        (date(2027, 11, 29), date(2028, 2, 29)),
        (date(2026, 11, 28), date(2027, 2, 28)),
        (date(2026, 8, 31), date(2026, 11, 30)),  # 31 Aug -> 30 Nov
        (date(2026, 12, 31), date(2027, 3, 31)),
        (date(2027, 1, 31), date(2027, 4, 30)),
        (date(2026, 10, 15), date(2027, 1, 15)),  # across the year end
        (date(2028, 2, 29), date(2028, 5, 29)),
        (date(2099, 12, 1), date(2100, 3, 1)),  # 2100 is not a leap year
        (date(2099, 11, 30), date(2100, 2, 28)),
    ],
)
def test_r_pak_1_valid_until(purchased: date, expected: date) -> None:
    assert valid_until(purchased) == expected
    assert Purchase.new(1, CLIENT, purchased).valid_until == expected
    assert Purchase.new(1, CLIENT, purchased).hours == PACKAGE_HOURS == 3


def test_r_pak_1_valid_until_is_inclusive_in_warsaw_days() -> None:
    ledger = Ledger(bought(1, date(2026, 11, 2)))
    # 23:30 on 2 February in Warsaw is still the last day (22:30 UTC)
    assert ledger.log(waw(2027, 2, 2, 23, 30), 25, emergency=True).draws == ((1, D("1.0")),)
    # 00:10 on 3 February in Warsaw is 23:10 UTC on the 2nd: expired all the same
    late = datetime(2027, 2, 2, 23, 10, tzinfo=UTC)
    assert late.astimezone(WAW).date() == date(2027, 2, 3)
    assert ledger.log(late, 25, emergency=True).draws == ()
    # usable from the day of purchase, not before
    assert ledger.log(waw(2026, 11, 2, 7), 25).draws == ((1, D("0.5")),)
    assert ledger.log(waw(2026, 11, 1, 12), 25).overdraft_hours == D("0.5")


@pytest.mark.parametrize(
    "on, valid, expired",
    [
        (date(2026, 11, 1), False, False),  # not bought yet
        (date(2026, 11, 2), True, False),
        (date(2027, 2, 2), True, False),
        (date(2027, 2, 3), False, True),
    ],
)
def test_r_pak_1_balance_flags(on: date, valid: bool, expired: bool) -> None:
    [b] = balance([bought(1, date(2026, 11, 2))], [], on)
    assert (b.valid, b.expired, b.used_up, b.used, b.left) == (valid, expired, False, 0, 3)


def test_r_pak_1_used_up_package_is_not_valid() -> None:
    ledger = Ledger(bought(1, date(2026, 11, 2)))
    ledger.log(waw(2026, 11, 3), 180)
    [b] = balance(ledger.purchases, ledger.rows, date(2026, 11, 4))
    assert (b.valid, b.expired, b.used_up, b.used, b.left) == (False, False, True, 3, 0)


@pytest.mark.parametrize(
    "bad", [lambda: valid_until(date(2026, 1, 1), 0), lambda: bought(1, date(2026, 1, 1), "0")]
)
def test_r_pak_1_refuses_nonsense(bad) -> None:
    with pytest.raises(ValueError):
        bad()


def test_r_pak_1_refuses_datetimes_and_floats() -> None:
    with pytest.raises(TypeError):
        valid_until(datetime(2026, 11, 2, 23, tzinfo=UTC))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Purchase.new(1, CLIENT, date(2026, 11, 2), 3.0)  # type: ignore[arg-type]


# R-PAK-2: each intervention rounded UP to the next half hour -----------------------------


@pytest.mark.parametrize(
    "minutes, hours",
    [(1, "0.5"), (25, "0.5"), (30, "0.5"), (31, "1.0"), (40, "1.0"), (60, "1.0"), (61, "1.5")]
    + [(90, "1.5"), (91, "2.0"), (180, "3.0"), (181, "3.5")],
)
def test_r_pak_2_rounds_up_to_half_hours(minutes: int, hours: str) -> None:
    assert round_up_half_hours(minutes) == D(hours)


@pytest.mark.parametrize("minutes, error", [(0, ValueError), (-5, ValueError)])
def test_r_pak_2_refuses_no_time(minutes: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        round_up_half_hours(minutes)


@pytest.mark.parametrize("minutes", [40.0, True, "40", D(40)])
def test_r_pak_2_minutes_are_ints(minutes) -> None:
    with pytest.raises(TypeError):
        round_up_half_hours(minutes)


def test_r_pak_2_each_intervention_rounded_on_its_own() -> None:
    ledger = Ledger(bought(1, date(2026, 11, 2)))
    for _ in range(3):
        ledger.log(waw(2026, 11, 3), 10)  # 3 x 10 min = 30 min, but 3 x 0.5 h
    assert ledger.left(date(2026, 11, 3)) == {1: D("1.5")}


# R-PAK-5: a package client's after-hours emergency counts double -------------------------


@pytest.mark.parametrize(
    "at, emergency, contract, factor",
    [
        (waw(2026, 11, 3, 10), True, "pakiet", 1),  # Tuesday, working hours
        (waw(2026, 11, 3, 7), True, "pakiet", 1),  # 7:00 is in
        (waw(2026, 11, 3, 15, 59), True, "pakiet", 1),
        (waw(2026, 11, 3, 16), True, "pakiet", DOUBLE),  # 16:00 is out (half-open)
        (waw(2026, 11, 3, 6, 59), True, "pakiet", DOUBLE),
        (waw(2026, 11, 7, 10), True, "pakiet", DOUBLE),  # Saturday
        (waw(2026, 11, 11, 10), True, "pakiet", DOUBLE),  # Independence Day, a Wednesday
        (waw(2026, 11, 3, 20), False, "pakiet", 1),  # not an emergency: single
        (waw(2026, 11, 3, 20), True, "brak", DOUBLE),  # no contract, bought a package
        (waw(2026, 11, 3, 20), True, "opieka", 1),  # care: unlimited, nothing deducted
    ],
)
def test_r_pak_5_multiplier(at: datetime, emergency: bool, contract: str, factor: int) -> None:
    got, reason = multiplier(at, emergency, contract)
    assert got == factor and reason
    if factor == DOUBLE:
        assert "R-PAK-5" in reason


def test_r_pak_5_doubles_the_deduction() -> None:
    ledger = Ledger(bought(1, date(2026, 11, 2)))
    plan = ledger.log(waw(2026, 11, 3, 20), 40, emergency=True)
    assert (plan.rounded_hours, plan.multiplier, plan.charged_hours) == (1, 2, 2)
    [row] = ledger.rows
    assert (row.minutes, row.rounded_hours, row.multiplier, row.charged_hours) == (40, 1, 2, 2)
    assert "R-PAK-2" in row.reason and "R-PAK-5" in row.reason
    assert ledger.left(date(2026, 11, 3)) == {1: 1}


@pytest.mark.parametrize(
    "call",
    [
        lambda: multiplier(datetime(2026, 11, 3, 20), True, "pakiet"),  # naive
        lambda: multiplier(waw(2026, 11, 3), True, "gold"),
        lambda: plan_deduction([], waw(2026, 11, 3), 40, False, "opieka"),
    ],
)
def test_r_pak_5_refuses_nonsense(call) -> None:
    with pytest.raises(ValueError):
        call()


# Drawing: first-expiring package, then the next one, then overdraft (R-PAK-1..3) ---------


def test_draws_from_the_package_that_expires_first() -> None:
    # bought later, but with a shorter (hand-set) validity: expiry decides, not purchase
    short = Purchase(2, CLIENT, date(2026, 11, 5), D(3), date(2026, 12, 1))
    ledger = Ledger(bought(1, date(2026, 11, 2)), short)
    assert ledger.log(waw(2026, 11, 10), 40).draws == ((2, D("1.0")),)
    assert ledger.log(waw(2026, 12, 2), 40).draws == ((1, D("1.0")),)  # 2 expired on the 1st


def test_runs_on_into_the_next_package() -> None:
    ledger = Ledger(bought(1, date(2026, 10, 1)), bought(2, date(2026, 11, 2)))
    ledger.log(waw(2026, 11, 3), 150)  # 2.5 h from package 1
    plan = ledger.log(waw(2026, 11, 4), 60)  # 0.5 h left in 1, the rest from 2
    assert plan.draws == ((1, D("0.5")), (2, D("0.5"))) and plan.overdraft_hours == 0
    assert ledger.left(date(2026, 11, 4)) == {1: 0, 2: D("2.5")}
    first, second = ledger.rows[-2:]
    assert (first.package_id, first.charged_hours, second.package_id) == (1, D("0.5"), 2)
    assert first.minutes == second.minutes == 60  # the intervention, repeated per row


def test_overdraft_uses_up_the_package_and_puts_the_client_on_hold() -> None:
    ledger = Ledger(bought(1, date(2026, 11, 2)))
    ledger.log(waw(2026, 11, 3), 150)  # 0.5 h left
    plan = ledger.log(waw(2026, 11, 4, 20), 40, emergency=True)  # 1 h x 2 = 2 h
    assert (plan.charged_hours, plan.draws, plan.overdraft_hours) == (2, ((1, D("0.5")),), D("1.5"))
    assert "overdraft" in plan.reason and "R-PAK-3" in plan.reason
    assert ledger.rows[-1].overdraft_hours == D("1.5")
    assert ledger.left(date(2026, 11, 5)) == {1: 0}
    # R-PAK-3: the decision now sees no valid package
    assert package_state(ledger.purchases, ledger.rows, waw(2026, 11, 5)) == PackageState(
        D(0), None, False
    )


def test_expired_package_is_not_drawn() -> None:
    ledger = Ledger(bought(1, date(2026, 7, 1)))  # valid until 2026-10-01, 3 h unused
    plan = ledger.log(waw(2026, 10, 2), 40)
    assert plan.draws == () and plan.overdraft_hours == 1
    [row] = ledger.rows
    assert (row.package_id, row.charged_hours, row.overdraft_hours) == (None, 0, 1)
    ledger.purchases.append(bought(2, date(2026, 10, 5)))
    assert ledger.log(waw(2026, 10, 6), 40).draws == ((2, D("1.0")),)
    assert ledger.left(date(2026, 10, 6)) == {1: 3, 2: 2}  # the overdraft is not carried


def test_back_dated_intervention_counts_against_what_is_left() -> None:
    ledger = Ledger(bought(1, date(2026, 11, 2)))
    ledger.log(waw(2026, 11, 20), 180)  # all 3 h
    plan = ledger.log(waw(2026, 11, 10), 30)  # logged later, for an earlier day
    assert plan.draws == () and plan.overdraft_hours == D("0.5")


def test_plan_refuses_packages_of_two_clients() -> None:
    mixed = [bought(1, date(2026, 11, 2)), Purchase.new(2, "other", date(2026, 11, 2))]
    with pytest.raises(ValueError, match="several clients"):
        plan_deduction(balance(mixed, [], date(2026, 11, 3)), waw(2026, 11, 3), 30, False, "pakiet")


def test_balance_refuses_rows_of_unknown_packages() -> None:
    row = Deduction(7, CLIENT, 99, waw(2026, 11, 3), 30, D("0.5"), 1, D("0.5"), "x")
    with pytest.raises(ValueError, match="unknown package"):
        balance([bought(1, date(2026, 11, 2))], [row], date(2026, 11, 3))
    with pytest.raises(ValueError, match="overdraft"):
        Deduction(8, CLIENT, None, waw(2026, 11, 3), 30, D("0.5"), 1, D("0.5"), "x")


# R-PAK-3: what the intake decision reads -------------------------------------------------


def test_r_pak_3_package_state() -> None:
    at = waw(2026, 12, 10)
    assert package_state([], [], at) is None  # never bought: decide tells "brak" apart
    one, two = bought(1, date(2026, 10, 1)), bought(2, date(2026, 11, 20), "1.5")
    ledger = Ledger(one, two)
    ledger.log(waw(2026, 11, 21), 60)
    assert package_state(ledger.purchases, ledger.rows, at) == PackageState(
        D("3.5"), date(2027, 1, 1), True
    )
    assert package_state(ledger.purchases, ledger.rows, waw(2027, 1, 2)) == PackageState(
        D("1.5"), date(2027, 2, 20), True
    )
    assert package_state(ledger.purchases, ledger.rows, waw(2027, 2, 21)) == PackageState(
        D(0), None, False
    )


# R-BIL-1: basic care's after-hours emergencies are billed per price list ------------------


@pytest.mark.parametrize(
    "at, emergency, contract, addons, billable",
    [
        (waw(2026, 11, 3, 20), True, "opieka", set(), True),  # Tuesday evening
        (waw(2026, 11, 3, 10), True, "opieka", set(), False),  # working hours
        (waw(2026, 11, 3, 20), False, "opieka", set(), False),  # not an emergency
        (waw(2026, 11, 11, 10), True, "opieka", set(), True),  # public holiday
        (waw(2026, 11, 7, 10), True, "opieka", set(), True),  # Saturday
        (waw(2026, 11, 7, 10), True, "opieka", {"saturdays"}, False),  # Saturday covered
        (waw(2026, 11, 8, 10), True, "opieka", {"saturdays"}, True),  # Sunday is not
        (waw(2026, 11, 3, 20), True, "opieka", {"extended-hours"}, False),  # covered
        (waw(2026, 11, 3, 23), True, "opieka", {"extended-hours"}, False),  # evening add-on
        (waw(2026, 11, 3, 23), True, "opieka", {"night"}, False),
        (waw(2026, 11, 8, 3), True, "opieka", {"nonstop"}, False),
        (waw(2026, 11, 3, 20), True, "opieka", {"data-warehouse"}, True),  # not about hours
        (waw(2026, 11, 3, 20), True, "pakiet", set(), False),  # doubled instead (R-PAK-5)
        (waw(2026, 11, 3, 20), True, "brak", set(), False),
    ],
)
def test_r_bil_1_billable_after_hours(
    at: datetime, emergency: bool, contract: str, addons: set[str], billable: bool
) -> None:
    got, reason = billable_after_hours(at, emergency, contract, addons)
    assert got is billable and reason
    if billable:
        assert "R-BIL-1" in reason


def test_r_bil_1_refuses_unknown_contract_and_string_addons() -> None:
    with pytest.raises(ValueError):
        billable_after_hours(waw(2026, 11, 3, 20), True, "gold", set())
    with pytest.raises(TypeError):
        billable_after_hours(waw(2026, 11, 3, 20), True, "opieka", "night")  # type: ignore[arg-type]


# R-CON-5 (with R-CON-4): pro-rata update fee for partial-year care ------------------------

ALL_2026 = [f"2026-{m:02d}" for m in range(1, 13)]


@pytest.mark.parametrize(
    "value, care_from, care_to, fee, months",
    [
        ("2400", date(2026, 4, 1), None, "600.00", ["2026-01", "2026-02", "2026-03"]),
        ("2400", date(2025, 1, 1), None, "0.00", []),  # a full year: free update
        ("2400", date(2026, 1, 1), None, "0.00", []),
        ("2400", date(2026, 1, 1), date(2026, 9, 30), "600.00", ["2026-10", "2026-11", "2026-12"]),
        ("2400", date(2026, 2, 1), date(2026, 10, 15), "600.00", ["2026-01", "2026-11", "2026-12"]),
        ("2400", date(2027, 1, 1), None, "2400.00", ALL_2026),
        ("2400", date(2024, 1, 1), date(2025, 6, 30), "2400.00", ALL_2026),
        ("1000", date(2026, 4, 1), None, "250.00", ["2026-01", "2026-02", "2026-03"]),
        ("100", date(2026, 12, 1), None, "91.67", ALL_2026[:11]),
        ("0.30", date(2026, 2, 1), None, "0.03", ["2026-01"]),  # 0.025: half up, not even
    ],
)
def test_r_con_5_update_fee(
    value: str, care_from: date, care_to: date | None, fee: str, months: list[str]
) -> None:
    got = update_fee(D(value), care_from, care_to, 2026)
    assert got == (D(fee), len(months), months)
    assert str(got[0]) == fee  # to the cent


def test_r_con_4_care_starts_the_month_after_acceptance() -> None:
    assert care_start(date(2026, 3, 17)) == date(2026, 4, 1)
    assert care_start(date(2026, 3, 1)) == date(2026, 4, 1)
    assert care_start(date(2026, 12, 31)) == date(2027, 1, 1)
    with pytest.raises(ValueError, match="2026-04-01"):  # an acceptance date, refused
        update_fee(D(2400), date(2026, 3, 17), None, 2026)


@pytest.mark.parametrize(
    "value, care_from, care_to",
    [
        (D(2400), date(2026, 4, 1), date(2026, 3, 31)),
        (2400.0, date(2026, 4, 1), None),
        (D(-1), date(2026, 4, 1), None),
        (D("NaN"), date(2026, 4, 1), None),
    ],
)
def test_r_con_5_refuses_nonsense(value, care_from: date, care_to: date | None) -> None:
    with pytest.raises(ValueError):
        update_fee(value, care_from, care_to, 2026)


# expiring: by date or by hours ------------------------------------------------------------


def test_expiring_by_date_or_hours() -> None:
    purchases = [
        bought(1, date(2026, 11, 2)),  # until 2027-02-02, untouched
        bought(2, date(2026, 12, 1)),  # until 2027-03-01, 1 h left
        bought(3, date(2026, 12, 1)),  # until 2027-03-01, 1.5 h left: neither
        bought(4, date(2026, 9, 1)),  # expired 2026-12-01
        bought(5, date(2027, 1, 2)),  # used up
    ]
    rows = [
        Deduction(1, CLIENT, 2, waw(2026, 12, 2), 120, D(2), 1, D(2), "x"),
        Deduction(2, CLIENT, 3, waw(2026, 12, 2), 90, D("1.5"), 1, D("1.5"), "x"),
        Deduction(3, CLIENT, 5, waw(2027, 1, 3), 180, D(3), 1, D(3), "x"),
    ]
    today = date(2027, 1, 20)
    balances = balance(purchases, rows, today)
    found = expiring(balances, today, timedelta(days=14))
    assert [(b.purchase.id, why) for b, why in found] == [
        (1, "expires 2027-02-02"),
        (2, "1 h left"),
    ]
    later = expiring(balances, date(2027, 2, 20), timedelta(days=14))
    assert [(b.purchase.id, why) for b, why in later] == [
        (2, "expires 2027-03-01, 1 h left"),
        (3, "expires 2027-03-01"),
    ]
    assert expiring(balances, today, timedelta(0)) == [found[1]]
    assert expiring(balances, today, timedelta(days=13)) == found  # 2 Feb is 13 days on
    assert expiring(balances, today, timedelta(days=12, hours=23)) == [found[1]]
    with pytest.raises(ValueError):
        expiring([], today, timedelta(days=-1))


# Properties ------------------------------------------------------------------------------

FAST = settings(max_examples=300, deadline=None)
dates = st.dates(date(1900, 1, 1), date(2200, 12, 31))


@FAST
@given(st.integers(1, 100_000))
def test_rounding_is_never_down_and_at_most_half_an_hour_up(minutes: int) -> None:
    hours = round_up_half_hours(minutes)
    assert hours * 60 >= minutes  # never down
    assert hours * 60 - minutes < 30  # less than half an hour up
    assert hours % D("0.5") == 0


@FAST
@given(dates)
def test_valid_until_is_three_calendar_months_later(purchased: date) -> None:
    until = valid_until(purchased)
    assert until > purchased
    assert 89 <= (until - purchased).days <= 92  # 3 months + at most 3 days' slack
    assert (until.year * 12 + until.month) - (purchased.year * 12 + purchased.month) == 3
    # the same day, or the last day of a month too short for it
    assert until.day == purchased.day or (until + timedelta(days=1)).day == 1
    assert until.day <= purchased.day


@FAST
@given(dates, dates)
def test_valid_until_is_monotonic_in_the_purchase_date(a: date, b: date) -> None:
    a, b = min(a, b), max(a, b)
    assert valid_until(a) <= valid_until(b)


@FAST
@given(dates, st.integers(1, 60))
def test_add_months_agrees_with_repeated_single_months_where_no_clamping(
    day: date, months: int
) -> None:
    day = day.replace(day=min(day.day, 28))  # no month is shorter than 28 days
    later = add_months(day, months)
    assert later.day == day.day
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months


_START = datetime(2026, 1, 1, tzinfo=UTC)
instants = st.integers(0, 2 * 365 * 24 * 4).map(lambda q: _START + timedelta(minutes=15 * q))
purchase_events = st.tuples(
    st.just("buy"),
    st.dates(date(2025, 11, 1), date(2027, 12, 31)),
    st.sampled_from(["0.5", "1", "2.5", "3", "3", "3", "6"]),
)
log_events = st.tuples(
    st.just("log"),
    instants,
    st.integers(1, 400),
    st.booleans(),
    st.sampled_from(["pakiet", "brak"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(purchase_events, log_events), max_size=40))
def test_balance_is_purchases_minus_deductions(events: list[tuple]) -> None:
    """Any order of purchases and (possibly back-dated) interventions: every hour bought is
    either left or charged, no package goes below zero, each intervention's cost is drawn
    plus overdraft, and overdraft only happens when no valid package had hours left."""
    ledger = Ledger()
    for step in events:
        if step[0] == "buy":
            ledger.purchases.append(bought(len(ledger.purchases) + 1, step[1], step[2]))
            continue
        _, at, minutes, emergency, contract = step
        day = at.astimezone(WAW).date()
        plan = ledger.log(at, minutes, emergency, contract)
        new_rows = ledger.rows[-max(1, len(plan.draws)) :]
        event(f"draws={len(plan.draws)} overdraft={bool(plan.overdraft_hours)} x{plan.multiplier}")
        assert plan.charged_hours == round_up_half_hours(minutes) * plan.multiplier
        assert sum(r.charged_hours + r.overdraft_hours for r in new_rows) == plan.charged_hours
        after = balance(ledger.purchases, ledger.rows, day)
        drawn = {pid for pid, _ in plan.draws}
        for b in after:
            if b.purchase.id in drawn:
                assert b.purchase.serves(day)
        if plan.overdraft_hours:
            assert not any(b.valid for b in after)  # everything usable was used first
        # first-expiring first: a drawn package leaves none earlier-expiring with hours
        for pid in drawn:
            target = next(b for b in after if b.purchase.id == pid)
            for b in after:
                if b.valid and b.purchase.valid_until < target.purchase.valid_until:
                    raise AssertionError(f"drew {pid} while {b.purchase.id} had hours")
        state = package_state(ledger.purchases, ledger.rows, at)
        if ledger.purchases:
            assert state is not None
            assert state.hours_left == sum((b.left for b in after if b.valid), D(0))
            assert state.valid == (state.hours_left > 0)

    final = balance(ledger.purchases, ledger.rows, date(2026, 6, 1))
    bought_hours = sum((p.hours for p in ledger.purchases), D(0))
    charged = sum((r.charged_hours for r in ledger.rows), D(0))
    assert bought_hours - sum((b.left for b in final), D(0)) == charged
    for b in final:
        mine = sum((r.charged_hours for r in ledger.rows if r.package_id == b.purchase.id), D(0))
        assert b.used == mine and b.left == b.purchase.hours - mine
        assert 0 <= b.left <= b.purchase.hours


@FAST
@given(
    st.decimals(0, 1_000_000, places=2),
    st.dates(date(2020, 1, 1), date(2030, 12, 1)).map(lambda d: d.replace(day=1)),
    st.one_of(st.none(), st.integers(0, 3000)),
    st.integers(2020, 2030),
)
def test_update_fee_is_value_over_12_per_month_without_care(
    value: Decimal, care_from: date, care_days: int | None, year: int
) -> None:
    care_to = None if care_days is None else care_from + timedelta(days=care_days)
    fee, count, months = update_fee(value, care_from, care_to, year)
    assert count == len(months) and 0 <= count <= 12
    assert fee == (value * count / 12).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert 0 <= fee <= value
    cared = [m for m in range(1, 13) if f"{year}-{m:02d}" not in months]
    assert len(cared) + count == 12
    if care_from <= date(year, 1, 1) and (care_to is None or care_to >= date(year, 12, 1)):
        assert (fee, count) == (0, 0)  # a full year of care makes the update free
