"""Escalation steps (R-SLA-1): reminder 30 min before, breach at the deadline,
nothing once somebody reacted."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.core.sla import StepPlan, due_steps, minutes_left, plan_steps, roles_for

W = ZoneInfo("Europe/Warsaw")
DEADLINE = datetime(2026, 11, 26, 8, 30, tzinfo=W)


@pytest.mark.parametrize(
    ("minutes_before", "steps"),
    [
        (120, ()),
        (31, ()),
        (30, ("reminder",)),
        (1, ("reminder",)),
        (0, ("reminder", "breach")),
        (-90, ("reminder", "breach")),
    ],
)
def test_r_sla_1_steps(minutes_before, steps):
    now = DEADLINE - timedelta(minutes=minutes_before)
    assert due_steps(DEADLINE, None, now) == steps


def test_reaction_or_closing_stops_escalation():
    late = DEADLINE + timedelta(hours=1)
    assert due_steps(DEADLINE, DEADLINE - timedelta(hours=1), late) == ()
    assert due_steps(DEADLINE, None, late, closed=True) == ()
    assert due_steps(None, None, late) == ()


def test_roles():
    assert roles_for("reminder") == ("oncall", "opiekun", "manager")
    assert roles_for("breach") == ("manager",)
    # no reminder went out before the breach: the breach reaches its people instead
    assert roles_for("breach", reminded=False) == ("oncall", "opiekun", "manager")


def test_a_reminder_due_with_the_breach_is_skipped_not_sent():
    """A "zostało 30 min" after the deadline would be false, and the manager would get two
    mails in the same minute."""
    assert plan_steps(("reminder", "breach")) == StepPlan(send=("breach",), skip=("reminder",))
    assert plan_steps(("reminder",)) == StepPlan(send=("reminder",), skip=())
    assert plan_steps(("breach",)) == StepPlan(send=("breach",), skip=())
    assert plan_steps(()) == StepPlan(send=(), skip=())


@pytest.mark.parametrize(
    ("seconds_before", "left"), [(1800, 30), (1799, 30), (1741, 30), (1740, 29), (1, 1), (0, 0)]
)
def test_minutes_left_round_up(seconds_before, left):
    assert minutes_left(DEADLINE, DEADLINE - timedelta(seconds=seconds_before)) == left
    assert minutes_left(DEADLINE, DEADLINE + timedelta(minutes=5)) == 0


@given(st.integers(-600, 600), st.integers(-600, 600))
def test_steps_only_grow_with_time(a, b):
    early, late = sorted((a, b))
    first = due_steps(DEADLINE, None, DEADLINE + timedelta(minutes=early))
    later = due_steps(DEADLINE, None, DEADLINE + timedelta(minutes=late))
    assert set(first) <= set(later)
