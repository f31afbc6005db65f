"""Which escalation steps are due for a ticket, and who hears of each (pure; R-SLA-1).

At receipt the on-call person and the opiekun are paged (the intake decision does that);
30 minutes before the deadline with no reaction they are paged again, plus a manager;
at the deadline the manager is told and the ticket counts as breached. A reaction (a
staff reply through the mailbox, or `mailbot ack`) stops everything at once.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

REMINDER_BEFORE = timedelta(minutes=30)
STEPS = ("reminder", "breach")
EVERYONE = ("oncall", "opiekun", "manager")


@dataclass(frozen=True)
class StepPlan:
    send: tuple[str, ...]  # steps whose alerts go out now, in order
    skip: tuple[str, ...]  # steps recorded as done without alerts (they came too late)


def due_steps(
    deadline: datetime | None, reacted_at: datetime | None, now: datetime, *, closed: bool = False
) -> tuple[str, ...]:
    """The steps whose time has come (each is sent once: the caller dedups by step)."""
    if deadline is None or reacted_at is not None or closed:
        return ()
    steps = []
    if now >= deadline - REMINDER_BEFORE:
        steps.append("reminder")
    if now >= deadline:
        steps.append("breach")
    return tuple(steps)


def plan_steps(fresh: Collection[str]) -> StepPlan:
    """A reminder found due together with the breach (the daemon was stopped, or the
    deadline came less than 30 minutes after receipt) would say "zostało 30 min" after
    the deadline: it is skipped, and the breach reaches the reminder's people instead
    (roles_for), so nobody gets two mails in the same minute saying different things."""
    if "breach" in fresh and "reminder" in fresh:
        return StepPlan(send=("breach",), skip=("reminder",))
    return StepPlan(send=tuple(s for s in STEPS if s in fresh), skip=())


def roles_for(step: str, *, reminded: bool = True) -> tuple[str, ...]:
    """Who hears of a step: a reminder goes to everyone in the chain, a breach to the
    manager, or to everyone when no reminder went out before it."""
    if step == "reminder" or not reminded:
        return EVERYONE
    return ("manager",)


def minutes_left(deadline: datetime, now: datetime) -> int:
    """Whole minutes to the deadline, rounded up: "zostało 30 min", never "zostało 0 min"
    while there is still time."""
    return max(0, math.ceil((deadline - now).total_seconds() / 60))
