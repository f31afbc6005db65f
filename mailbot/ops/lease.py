"""One active instance per database: a lease row with an expiry.

Two `mailbot run` processes (an active and a standby, on two hosts) share one
PostgreSQL database and one mailbox. Only the lease holder polls, sends and runs the
scheduled jobs; the holder renews the lease every third of its length, and a standby
takes it once it has expired, so a hand-over takes at most 4/3 of the lease (kept
within one poll interval by the config). Exactly-once does not rest on the lease
(Message-ID is unique and outbox rows are claimed atomically): the lease keeps the
instances from working twice and makes the daily jobs run once.

A row, not a PostgreSQL advisory lock: it works on SQLite too (a cron `poll --once`
overlapping a running daemon), it shows who holds it (`mailbot status`), and it does
not depend on when the server notices a dead TCP connection.

Holders are named `instance/pid`. A holder on this same instance whose process is gone
(a crash, systemd restarting us) is taken over at once instead of after the expiry.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.store.tables import LeaseRow

log = logging.getLogger("mailbot.lease")

ACTIVE = "active"


@dataclass(frozen=True)
class LeaseInfo:
    holder: str
    acquired_at: datetime
    expires_at: datetime


def current(session: Session, name: str = ACTIVE) -> LeaseInfo | None:
    row = session.get(LeaseRow, name)
    return LeaseInfo(row.holder, row.acquired_at, row.expires_at) if row else None


def holder_name(instance: str, pid: int | None = None) -> str:
    return f"{instance}/{os.getpid() if pid is None else pid}"


def _dead_local(holder: str, instance: str) -> bool:
    """Is `holder` a process of this instance that no longer runs?"""
    name, _, pid = holder.rpartition("/")
    if name != instance or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


class Lease:
    """This process's side of the lease. `held()` is the local, fenced view."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        instance: str,
        seconds: int,
        clock: Callable[[], datetime],
        name: str = ACTIVE,
    ):
        self.sessions = sessions
        self.instance = instance
        self.holder = holder_name(instance)
        self.ttl = timedelta(seconds=seconds)
        self.clock = clock
        self.name = name
        self._until: datetime | None = None  # our expiry as last written by us

    def held(self) -> bool:
        """True while our last renewal still has a safety margin (a tenth of the lease):
        a process paused past its expiry must not act on a lease someone else took."""
        return self._until is not None and self.clock() < self._until - self.ttl / 10

    def acquire(self) -> bool:
        """Renew ours, or take an expired or orphaned one. Never raises on a lost race."""
        now = self.clock()
        until = now + self.ttl
        was_held = self._until is not None
        with self.sessions.begin() as session:
            renewed = session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                .values(renewed_at=now, expires_at=until)
            ).rowcount
            row = None if renewed else session.get(LeaseRow, self.name)
            previous = row.holder if row else ""
            expired = row.expires_at if row else now
            free = row is not None and (expired <= now or _dead_local(previous, self.instance))
            taken = (
                free
                and session.execute(  # only if nobody changed it meanwhile
                    update(LeaseRow)
                    .where(
                        LeaseRow.name == self.name,
                        LeaseRow.holder == previous,
                        LeaseRow.expires_at == expired,
                    )
                    .values(holder=self.holder, acquired_at=now, renewed_at=now, expires_at=until)
                ).rowcount
            )
        if renewed:
            self._until = until
            return True
        if row is None:
            return self._insert(now, until)
        if not taken:
            self._lost(was_held, previous)
            return False
        self._until = until
        why = "its lease expired" if expired <= now else "its process is gone"
        log.warning("lease taken: %s is now the active instance (%s: %s)", self.holder,
                    previous, why)  # fmt: skip
        return True

    def _insert(self, now: datetime, until: datetime) -> bool:
        try:
            with self.sessions.begin() as session:
                session.add(
                    LeaseRow(
                        name=self.name,
                        holder=self.holder,
                        acquired_at=now,
                        renewed_at=now,
                        expires_at=until,
                    )
                )
        except IntegrityError:  # another instance inserted first
            return False
        self._until = until
        log.info("lease taken: %s is the active instance", self.holder)
        return True

    def _lost(self, was_held: bool, holder: str) -> None:
        if was_held:
            log.error("lease lost to %s: this instance stops polling and sending", holder)
        self._until = None

    def release(self) -> None:
        """On a clean stop, hand over at once instead of after the expiry."""
        if self._until is None:
            return
        self._until = None
        with self.sessions.begin() as session:
            session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                .values(expires_at=self.clock())
            )
        log.info("lease released by %s", self.holder)
