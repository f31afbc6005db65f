"""On-call rota, overrides, gaps and escalation.

The rota below hands over every Monday 08:00 from 2026-01-05: the week from Monday
2026-01-05 + 7n belongs to ORDER[n % 3] (jan, tomasz, magdalena). DST changes on Sundays
2026-03-29 (n=11, magdalena's week: 167 real hours) and 2026-10-25 (n=41: 169 hours).
"""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.core.calendar import WARSAW
from mailbot.core.oncall import OncallRules, escalation_chain, gaps, on_duty
from mailbot.errors import ConfigError

SOURCE = "rules/oncall.toml"
ORDER = ("jan", "tomasz", "magdalena")
ONCALL_JAN = ("oncall", "jan")
ROLES: dict[str, set[str]] = {
    "oncall": {"jan", "tomasz", "magdalena", "dawid", "marek"},
    "opiekun": {"jan", "tomasz", "ola"},
    "manager": {"marek", "maria"},
    "admin": {"root"},
}
TEXT = """
[rota]
handover = "mon 08:00"
start = 2026-01-05
order = ["jan", "tomasz", "magdalena"]

[[override]]  # before the rota start: fills part of the gap
from = 2026-01-02T08:00:00
until = 2026-01-03T08:00:00
staff = "dawid"
reason = "dyżur przed startem rotacji"

[[override]]  # across the spring DST change
from = 2026-03-28T12:00:00
until = 2026-03-29T12:00:00
staff = "tomasz"
reason = "zamiana"

[[override]]
from = 2026-12-24T08:00:00
until = 2026-12-28T08:00:00
staff = "dawid"
reason = "Wigilia – zastępstwo"

[[override]]  # a manager covering a duty
from = 2027-02-01T08:00:00
until = 2027-02-02T08:00:00
staff = "marek"
reason = "szkolenie zespołu"

[escalation]
chain = ["oncall", "opiekun", "manager"]
managers = ["marek", "maria"]
"""
DOC = tomllib.loads(TEXT)
RULES = OncallRules.from_dict(DOC, SOURCE, ROLES)


def w(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, fold: int = 0) -> datetime:
    """A Warsaw wall-clock instant."""
    return datetime(y, mo, d, h, mi, s, tzinfo=WARSAW, fold=fold)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# --- who is on duty ---------------------------------------------------------------------

DUTY = [
    # (at, staff, source, until) -- until compared in UTC, which checks the DST offset
    pytest.param(w(2026, 1, 5, 7, 59), None, None, None, id="before the first hand-over"),
    pytest.param(w(2026, 1, 5, 8), "jan", "rota", w(2026, 1, 12, 8), id="first hand-over"),
    pytest.param(w(2026, 1, 12, 7, 59, 59), "jan", "rota", w(2026, 1, 12, 8), id="1s before"),
    pytest.param(w(2026, 1, 12, 8), "tomasz", "rota", w(2026, 1, 19, 8), id="at hand-over"),
    pytest.param(utc(2026, 1, 19, 7), "magdalena", "rota", w(2026, 1, 26, 8), id="utc input"),
    pytest.param(w(2026, 1, 26, 8), "jan", "rota", w(2026, 2, 2, 8), id="order wraps"),
    # spring DST (Sunday 2026-03-29): the override runs across it, the rota resumes
    pytest.param(w(2026, 3, 28, 11), "magdalena", "rota", w(2026, 3, 28, 12), id="cut"),
    pytest.param(w(2026, 3, 28, 12), "tomasz", "override", w(2026, 3, 29, 12), id="ov-start"),
    pytest.param(w(2026, 3, 29, 1, 59), "tomasz", "override", w(2026, 3, 29, 12), id="pre-DST"),
    pytest.param(w(2026, 3, 29, 3), "tomasz", "override", w(2026, 3, 29, 12), id="post-DST"),
    pytest.param(w(2026, 3, 29, 12), "magdalena", "rota", w(2026, 3, 30, 8), id="ov-end"),
    pytest.param(utc(2026, 3, 30, 5, 59), "magdalena", "rota", utc(2026, 3, 30, 6), id="CEST"),
    pytest.param(utc(2026, 3, 30, 6), "jan", "rota", w(2026, 4, 6, 8), id="08:00 CEST"),
    # autumn DST (Sunday 2026-10-25): 02:30 happens twice, both in magdalena's week
    pytest.param(w(2026, 10, 25, 2, 30), "magdalena", "rota", utc(2026, 10, 26, 7), id="f0"),
    pytest.param(w(2026, 10, 25, 2, 30, fold=1), "magdalena", "rota", w(2026, 10, 26, 8), id="f1"),
    pytest.param(utc(2026, 10, 26, 6, 59), "magdalena", "rota", w(2026, 10, 26, 8), id="CET-1"),
    pytest.param(utc(2026, 10, 26, 7), "jan", "rota", w(2026, 11, 2, 8), id="08:00 CET"),
    # an override and its boundaries (start inclusive, until exclusive)
    pytest.param(w(2026, 12, 24, 7, 59), "magdalena", "rota", w(2026, 12, 24, 8), id="ov-1m"),
    pytest.param(w(2026, 12, 24, 8), "dawid", "override", w(2026, 12, 28, 8), id="Wigilia"),
    pytest.param(w(2026, 12, 28, 7, 59), "dawid", "override", w(2026, 12, 28, 8), id="ov-end-1m"),
    pytest.param(w(2026, 12, 28, 8), "jan", "rota", w(2027, 1, 4, 8), id="ov ends at hand-over"),
    # overrides before the rota start cover their own period only
    pytest.param(w(2026, 1, 2, 8), "dawid", "override", w(2026, 1, 3, 8), id="pre-rota ov"),
    pytest.param(w(2026, 1, 3, 8), None, None, None, id="after pre-rota ov"),
]


@pytest.mark.parametrize(("at", "staff", "source", "until"), DUTY)
def test_on_duty(at: datetime, staff: str | None, source: str, until: datetime) -> None:
    duty = on_duty(RULES, at)
    if staff is None:
        assert duty is None
        return
    assert duty is not None
    assert (duty.staff_id, duty.source) == (staff, source)
    assert duty.until.astimezone(UTC) == until.astimezone(UTC)
    assert duty.until.tzinfo is WARSAW


def test_duty_reason_names_the_override_or_the_week() -> None:
    reasons = [
        getattr(on_duty(RULES, at), "reason", None) for at in (w(2026, 12, 25), w(2026, 2, 3))
    ]
    assert reasons == ["Wigilia – zastępstwo", "rota week from 2026-02-02 08:00"]


def test_the_dst_weeks_are_167_and_169_hours_long() -> None:
    """Hand-over stays at local 08:00, so the weeks holding a DST change are not 168 h."""
    rota = RULES.rota
    length = {
        n: rota.handover_at(n + 1).astimezone(UTC) - rota.handover_at(n) for n in (10, 11, 41)
    }
    assert length == {10: timedelta(hours=168), 11: timedelta(hours=167), 41: timedelta(hours=169)}
    assert rota.week_of(w(2026, 3, 30, 7, 59)) == 11 and rota.week_of(w(2026, 3, 30, 8)) == 12


def test_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        on_duty(RULES, datetime(2026, 5, 5, 12))


# --- gaps ---------------------------------------------------------------------------------

PRE_ROTA = [(w(2026, 1, 1), w(2026, 1, 2, 8)), (w(2026, 1, 3, 8), w(2026, 1, 5, 8))]
GAPS = {
    "before the rota, around a pre-rota override": (w(2026, 1, 1), w(2026, 1, 10), PRE_ROTA),
    "from inside": (w(2026, 1, 2, 12), w(2026, 1, 4), [(w(2026, 1, 3, 8), w(2026, 1, 4))]),
    "exactly the override": (w(2026, 1, 2, 8), w(2026, 1, 3, 8), []),
    "after the rota start: none": (w(2026, 1, 5, 8), w(2027, 6, 1), []),
    "empty interval": (w(2026, 3, 1), w(2026, 3, 1), []),
    "end inside": (w(2025, 12, 1), w(2026, 1, 2, 9), [(w(2025, 12, 1), w(2026, 1, 2, 8))]),
}


@pytest.mark.parametrize(("start", "end", "expected"), GAPS.values(), ids=GAPS.keys())
def test_gaps(start: datetime, end: datetime, expected: list[tuple[datetime, datetime]]) -> None:
    found = gaps(RULES, start, end)
    as_utc = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in found]
    assert as_utc == [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in expected]


def test_gaps_refuses_end_before_start() -> None:
    with pytest.raises(ValueError, match="before start"):
        gaps(RULES, w(2026, 2, 1), w(2026, 1, 1))


def test_a_rota_starting_later_leaves_a_gap_until_then() -> None:
    doc = edit(rota(start=date(2027, 3, 1)))
    rules = OncallRules.from_dict(doc, SOURCE, ROLES)
    found = gaps(rules, w(2027, 1, 1), w(2027, 4, 1))
    assert found == [(w(2027, 1, 1), w(2027, 2, 1, 8)), (w(2027, 2, 2, 8), w(2027, 3, 1, 8))]
    assert on_duty(rules, w(2027, 3, 1, 8)) is not None


# --- validation: every mistake names the file and the key --------------------------------


def edit(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    change(doc)
    return doc


def override(n: int, from_: Any = None, **values: Any) -> Any:
    """Change the n-th [[override]] (from 1); `from_` stands for the key `from`."""
    values |= {"from": from_} if from_ else {}
    return lambda d: d["override"][n - 1].update(values)


def rota(**values: Any) -> Any:
    return lambda d: d["rota"].update(values)


def esc(**values: Any) -> Any:
    return lambda d: d["escalation"].update(values)


ERRORS = [
    # (change, key, message)
    (lambda d: d.update(rotation={}), "rotation", "unknown key"),
    (lambda d: d.pop("rota"), "rota", "missing [rota]"),
    (lambda d: d.update(rota="mon 08:00"), "rota", "must be a table"),
    (rota(hand_over="mon 08:00"), "rota.hand_over", "unknown key"),
    (lambda d: d["rota"].pop("handover"), "rota.handover", "missing"),
    (rota(handover="monday 8am"), "rota.handover", "mon 08:00"),
    (rota(handover="mon 24:00"), "rota.handover", "mon 08:00"),
    (rota(handover="sun 02:30"), "rota.handover", "DST"),
    (rota(start="2026-01-05"), "rota.start", "no quotes"),
    (rota(start=date(2026, 1, 7)), "rota.start", "Wednesday"),
    (rota(order=[]), "rota.order", "at least one"),
    (rota(order="jan"), "rota.order", "at least one"),
    (rota(order=["jan", "jan.kowalski"]), "rota.order", "unknown staff id 'jan.kowalski'"),
    (rota(order=["jan", "ola"]), "rota.order", "'ola' does not have the role oncall"),
    (rota(order=["jan", 7]), "rota.order", "non-empty string"),
    (lambda d: d.update(override={"staff": "jan"}), "override", "[[override]]"),
    (override(2, to="x"), "override[2].to", "unknown key"),
    (override(1, until=datetime(2026, 1, 2, 8)), "override[1].until", "not after from"),
    (override(1, until=datetime(2026, 1, 1, 8)), "override[1].until", "not after from"),
    (override(1, staff="anna"), "override[1].staff", "unknown staff id 'anna'"),
    (override(1, staff="maria"), "override[1].staff", "role oncall"),
    (lambda d: d["override"][0].pop("reason"), "override[1].reason", "missing"),
    (override(1, reason="  "), "override[1].reason", "non-empty"),
    (override(1, from_=date(2026, 1, 2)), "override[1].from", "date and time"),
    (override(1, from_="24 grudnia"), "override[1].from", "date and time"),
    (override(2, until=datetime(2026, 3, 29, 2, 30)), "override[2].until", "DST"),  # skipped
    (override(3, until=datetime(2026, 10, 25, 2, 30)), "override[3].until", "DST"),  # twice
    # the later of two overlapping entries is blamed, named by its place in the file
    (override(3, from_=datetime(2026, 3, 29, 11)), "override[3].from", "overlaps override[2]"),
    (
        override(2, from_=datetime(2027, 2, 1, 7), until=datetime(2027, 2, 1, 9)),
        "override[4].from",
        "overlaps override[2]",
    ),
    (lambda d: d.pop("escalation"), "escalation", "missing [escalation]"),
    (esc(chain=["oncall", "boss"]), "escalation.chain", "unknown role 'boss'"),
    (esc(chain=[]), "escalation.chain", "some of"),
    (esc(chain=["oncall", "oncall"]), "escalation.chain", "once"),
    (esc(managers=["jan"]), "escalation.managers", "role manager"),
    (esc(managers=["marek", "marek"]), "escalation.managers", "twice"),
    (lambda d: d["escalation"].pop("managers"), "escalation.managers", "names manager"),
    (esc(boss="marek"), "escalation.boss", "unknown key"),
]


@pytest.mark.parametrize(("change", "key", "message"), ERRORS, ids=[e[1] for e in ERRORS])
def test_validation_errors_name_file_and_key(change: Any, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        OncallRules.from_dict(edit(change), SOURCE, ROLES)
    assert (info.value.file, info.value.key) == (SOURCE, key)
    assert message in str(info.value)
    assert SOURCE in str(info.value) and key in str(info.value)


def test_valid_variants_load() -> None:
    def load(change: Any) -> OncallRules:
        return OncallRules.from_dict(edit(change), SOURCE, ROLES)

    assert load(lambda d: d.pop("override")).overrides == ()
    assert load(esc(chain=["oncall", "opiekun"], managers=[])).managers == ()
    assert load(rota(handover="Tue 07:30", start=date(2026, 1, 6))).rota.describe() == "tue 07:30"
    # an override with an explicit offset, here as an ISO string, is the same instant
    assert load(override(3, from_="2026-12-24T07:00:00+00:00")) == RULES


def test_overrides_are_kept_in_time_order() -> None:
    doc = edit(lambda d: d["override"].reverse())
    assert OncallRules.from_dict(doc, SOURCE, ROLES).overrides == RULES.overrides
    starts = [o.start.astimezone(UTC) for o in RULES.overrides]
    assert starts == sorted(starts)


# --- escalation chain ----------------------------------------------------------------------

JAN_WEEK = w(2026, 1, 27, 10)
CHAINS = {
    "full chain": (JAN_WEEK, "tomasz", [ONCALL_JAN, ("opiekun", "tomasz"), ("manager", "marek")]),
    "no opiekun": (JAN_WEEK, None, [ONCALL_JAN, ("manager", "marek")]),
    "opiekun on call: once": (JAN_WEEK, "jan", [ONCALL_JAN, ("manager", "marek")]),
    "nobody on duty yet": (w(2025, 12, 1), "ola", [("opiekun", "ola"), ("manager", "marek")]),
    "manager on duty: next manager": (
        w(2027, 2, 1, 12),
        "ola",
        [("oncall", "marek"), ("opiekun", "ola"), ("manager", "maria")],
    ),
}


@pytest.mark.parametrize(("at", "opiekun", "expected"), CHAINS.values(), ids=CHAINS.keys())
def test_escalation_chain(at: datetime, opiekun: str | None, expected: list) -> None:
    assert escalation_chain(RULES, at, opiekun) == expected


def test_escalation_follows_the_configured_order() -> None:
    doc = edit(esc(chain=["manager", "oncall"]))
    rules = OncallRules.from_dict(doc, SOURCE, ROLES)
    assert escalation_chain(rules, JAN_WEEK, "tomasz") == [("manager", "marek"), ONCALL_JAN]


# --- properties ----------------------------------------------------------------------------

ROTA_START = w(2026, 1, 5, 8).astimezone(UTC)
IN_2026_2027 = st.datetimes(
    datetime(2026, 1, 5), datetime(2027, 12, 31, 23, 59), timezones=st.just(UTC)
)
AROUND_START = st.datetimes(datetime(2025, 11, 1), datetime(2026, 2, 1), timezones=st.just(UTC))
OVERRIDE_STARTS = {o.start.astimezone(UTC) for o in RULES.overrides}


@settings(max_examples=400, deadline=None)
@given(IN_2026_2027.filter(lambda t: t >= ROTA_START))
def test_after_the_rota_start_someone_is_always_on_duty(at: datetime) -> None:
    duty = on_duty(RULES, at)
    assert duty is not None
    assert duty.staff_id in set(ORDER) | {o.staff for o in RULES.overrides}
    until = duty.until.astimezone(UTC)
    assert at < until <= at + timedelta(hours=169)  # at most a week with a DST change
    assert on_duty(RULES, until - timedelta(microseconds=1)) == duty  # holds until `until`
    if duty.source == "rota":  # a rota shift ends at a hand-over or where an override begins
        assert duty.until.time() == time(8) or until in OVERRIDE_STARTS


@settings(max_examples=300, deadline=None)
@given(AROUND_START)
def test_gaps_are_exactly_where_nobody_is_on_duty(at: datetime) -> None:
    found = gaps(RULES, datetime(2025, 11, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    in_gap = any(a.astimezone(UTC) <= at < b.astimezone(UTC) for a, b in found)
    assert in_gap == (on_duty(RULES, at) is None)
