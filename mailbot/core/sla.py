"""Which escalation steps are due for a ticket (pure; R-SLA-1).

At receipt the on-call person and the opiekun are paged (the intake decision does that);
30 minutes before the deadline with no reaction they are paged again, plus a manager;
at the deadline the manager is told and the ticket counts as breached. A reaction (a
staff reply through the mailbox, or `mailbot ack`) stops everything at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

REMINDER_BEFORE = timedelta(minutes=30)
STEPS = ("reminder", "breach")


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


def roles_for(step: str) -> tuple[str, ...]:
    """Who hears of a step: a reminder goes to everyone in the chain, a breach to the
    manager."""
    return ("oncall", "opiekun", "manager") if step == "reminder" else ("manager",)
