"""`mailbot status`: one look at whether mailbot is working, for people and monitors.

Exit codes follow the Nagios convention so any monitoring can call it: 0 OK,
1 WARNING, 2 CRITICAL. Thresholds: no successful poll for 3 intervals is a warning and
for 15 minutes (at least 5 intervals) critical; outbox mail older than 15 minutes is a
warning, failed or uncertain mail needs a person (warning); anything in quarantine is a
warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.edges.imap import ImapMailbox, converted
from mailbot.store.tables import FolderState, OutboxItem, QuarantineEntry

OK, WARNING, CRITICAL = 0, 1, 2
LEVELS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL"}


@dataclass
class Health:
    level: int = OK
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, level: int, text: str) -> None:
        self.level = max(self.level, level)
        self.problems.append(f"{LEVELS[level]}: {text}")


def outbox_waiting(session: Session) -> tuple[int, datetime | None]:
    """Outbox rows not yet out (pending or being sent), and when the oldest was queued."""
    waiting, oldest = session.execute(
        select(func.count(OutboxItem.id), func.min(OutboxItem.created_at)).where(
            OutboxItem.state.in_(("pending", "sending"))
        )
    ).one()
    return waiting, oldest


def sending_fails(session: Session) -> tuple[int, str]:
    """Outbox rows waiting for a retry after a failed attempt (the SMTP server or the SMS
    gateway failed them), and the latest failure: a dead server shows after one try."""
    retrying = (
        session.scalar(
            select(func.count(OutboxItem.id)).where(
                OutboxItem.state == "pending", OutboxItem.attempts > 0
            )
        )
        or 0
    )
    if not retrying:
        return 0, ""
    error = session.scalar(
        select(OutboxItem.last_error)
        .where(OutboxItem.state == "pending", OutboxItem.attempts > 0)
        .order_by(OutboxItem.next_attempt_at.desc())
        .limit(1)
    )
    return retrying, error or "?"


def check(session: Session, folder: str, poll_interval: int, now: datetime) -> Health:
    h = Health()
    state = session.get(FolderState, folder)
    last = state.last_poll_at if state else None
    h.facts["last_poll"] = last.isoformat() if last else None
    h.facts["last_uid"] = state.last_uid if state else None
    if last is None:
        h.problem(CRITICAL, f"no poll of {folder} has ever succeeded")
    else:
        lag = now - last
        h.facts["poll_lag_seconds"] = int(lag.total_seconds())
        if lag > max(timedelta(minutes=15), timedelta(seconds=5 * poll_interval)):
            h.problem(CRITICAL, f"no successful poll for {_ago(lag)}")
        elif lag > timedelta(seconds=3 * poll_interval):
            h.problem(WARNING, f"no successful poll for {_ago(lag)}")
    waiting, oldest = outbox_waiting(session)
    h.facts["outbox_pending"] = waiting
    h.facts["outbox_oldest"] = oldest.isoformat() if oldest else None
    if oldest is not None and now - oldest > timedelta(minutes=15):
        h.problem(WARNING, f"outbox mail waiting for {_ago(now - oldest)}")
    retrying, error = sending_fails(session)
    h.facts["outbox_retrying"] = retrying
    if retrying:
        h.problem(
            WARNING,
            f"sending fails: {error} ({waiting} waiting; `mailbot outbox list`)",
        )
    stuck = dict(
        session.execute(
            select(OutboxItem.state, func.count(OutboxItem.id))
            .where(OutboxItem.state.in_(("failed", "uncertain")))
            .group_by(OutboxItem.state)
        ).all()
    )
    h.facts["outbox_failed"] = stuck.get("failed", 0)
    h.facts["outbox_uncertain"] = stuck.get("uncertain", 0)
    if stuck:
        h.problem(
            WARNING,
            "outbox: "
            + ", ".join(f"{n} {s}" for s, n in stuck.items())
            + " (see `mailbot outbox list`)",
        )
    quarantined = (
        session.scalar(
            select(func.count(QuarantineEntry.id)).where(QuarantineEntry.resolved_at.is_(None))
        )
        or 0
    )
    h.facts["quarantine"] = quarantined
    if quarantined:
        h.problem(
            WARNING, f"{quarantined} message(s) in quarantine (see `mailbot quarantine list`)"
        )
    return h


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def waiting_on_server(mailbox: ImapMailbox, folder: str, last_uid: int) -> int:
    """Messages in the intake folder newer than the checkpoint: not yet taken.

    EXAMINE (read-only) on a connection of its own: `status` never disturbs the daemon."""
    try:
        mailbox.connect()
        assert mailbox.client is not None
        with converted("count waiting mail", mailbox.scrub):
            mailbox.client.select_folder(folder, readonly=True)
            uids = mailbox.client.search(["UID", f"{last_uid + 1}:*"])
        return sum(1 for u in uids if u > last_uid)
    finally:
        mailbox.close()


def next_runs(
    tz: ZoneInfo, poll_interval: int, digest_time: str | None, last_poll: datetime | None,
    now: datetime,
) -> dict[str, str]:  # fmt: skip
    """When the scheduled jobs run next, as the daemon's scheduler would fire them.
    A monitor's process cannot ask the daemon's scheduler, so this recomputes it."""
    local = now.astimezone(tz)
    nxt = {"escalation_check": "every minute"}
    poll = max(now, last_poll + timedelta(seconds=poll_interval)) if last_poll else now
    nxt["poll"] = poll.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    if digest_time:
        hour, minute = map(int, digest_time.split(":"))
        trigger = CronTrigger(day_of_week="mon-fri", hour=hour, minute=minute, timezone=tz)
        fire = trigger.get_next_fire_time(None, local)
        nxt["digest"] = fire.strftime("%Y-%m-%d %H:%M") if fire else "never"
    return nxt
