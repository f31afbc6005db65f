"""The daemon's scheduled jobs: APScheduler wiring, the stop signals and one wrapper.

Every job (poll, deliver, escalation, digest, alarm, lease) runs through `Jobs.run`:
the lease check (a standby only watches), the timing, and what happens on a failure:
logged once with its reason, remembered as a failure streak (the self-alarm reports a
job failing for minutes) and retried sooner than the interval where the job says so.
Each job runs on its own scheduler thread and never two at a time, so a hung SMTP
server holds up the delivery and nothing else: polling, escalation and the self-alarm
go on. A job asked to run while it runs (IDLE saw new mail during a poll, intake
queued replies during a delivery pass) runs once more right after, never in parallel.

A stop (SIGTERM, SIGINT) lets each running job finish what it has in hand; a job still
busy near the end of the grace time has its server connections cut (`abort`), so the
daemon exits within seconds whatever a server does.
"""

from __future__ import annotations

import enum
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from mailbot.core.backoff import Backoff
from mailbot.errors import MailbotError

log = logging.getLogger("mailbot.daemon")

# `mailbot poll --once` exit codes, added up when several steps fail (as fsck does):
# 1 and 2 keep their meaning for every command (see cli/common.py).
POLL_FAILED, ESCALATION_FAILED, DELIVERY_FAILED = 4, 8, 16


class Signals:
    """SIGTERM and SIGINT set an Event instead of killing the process. `mailbot run`
    installs this before anything else, so a stop in its first second exits cleanly too;
    `also(event)` passes a signal on to an event made later (the App's stop)."""

    def __init__(self) -> None:
        self.received = threading.Event()
        self._also: list[threading.Event] = []

    @classmethod
    def install(cls) -> Signals:
        signals = cls()
        signal.signal(signal.SIGTERM, signals._on_signal)
        signal.signal(signal.SIGINT, signals._on_signal)
        return signals

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info(
            "%s received: finishing the message in hand, then exiting",
            signal.Signals(signum).name,
        )
        self.received.set()
        for event in self._also:
            event.set()

    def also(self, event: threading.Event) -> None:
        self._also.append(event)
        if self.received.is_set():
            event.set()


class Result(enum.Enum):
    """What a job may return instead of None."""

    IDLE = "idle"  # nothing could be tried (e.g. the SMTP server rests): a streak goes on


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    what: str  # for the log: "poll", "outbox delivery", ...
    every: float | None = None  # seconds between runs (None: cron, or only when woken)
    cron: CronTrigger | None = None
    first: bool = False  # run right at start
    leased: bool = True  # only the instance holding the lease runs it
    retry: Backoff | None = None  # after a failure, again this much later (below `every`)


@dataclass(frozen=True)
class Streak:
    """A job failing since `since` (its runs in a row that failed)."""

    count: int
    since: datetime
    error: str
    kind: type[BaseException]


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    wanted: threading.Event = field(default_factory=threading.Event)


class Jobs:
    def __init__(
        self,
        tz: ZoneInfo,
        stop: threading.Event,
        *,
        active: Callable[[], bool],
        clock: Callable[[], datetime],
        scrub: Callable[[str], str] = str,
    ):
        self.tz = tz
        self.stop = stop
        self.active = active  # holds the lease
        self.clock = clock
        self.scrub = scrub
        self.scheduler = BackgroundScheduler(
            timezone=tz, executors={"default": ThreadPoolExecutor(16)}
        )
        self._jobs: dict[str, Job] = {}
        self._state: dict[str, _State] = {}
        self._streaks: dict[str, Streak] = {}
        self._guard = threading.Lock()  # _streaks, written by every job's thread

    def add(self, job: Job) -> None:
        self._jobs[job.name] = job
        self._state[job.name] = _State()

    def start(self, *, paused: bool = False) -> None:
        """Schedule every job and start the scheduler's thread."""
        for job in self._jobs.values():
            trigger: dict[str, object]
            if job.cron is not None:
                trigger = {"trigger": job.cron, "misfire_grace_time": 3600}
            elif job.every is not None:
                trigger = {"trigger": "interval", "seconds": job.every}
                trigger["misfire_grace_time"] = int(job.every)
            else:
                continue
            if job.first:
                trigger["next_run_time"] = datetime.now(self.tz)
            # Two instances at most: the second finds the first running and only asks
            # it to run once more (the wrapper's lock), so APScheduler never has to skip
            # a run with "maximum number of running instances reached".
            self.scheduler.add_job(
                self.run, args=[job.name], id=job.name, max_instances=2, coalesce=True,
                **trigger,
            )  # fmt: skip
        self.scheduler.start(paused=paused)

    # -- running --------------------------------------------------------------------
    def run(self, name: str) -> bool | None:
        """Run job `name` now, in this thread, through the wrapper. Returns True when it
        succeeded (or had nothing to do), False when it failed, None when it did not run
        (stopping, standby, or already running: then it runs once more after)."""
        job = self._jobs[name]
        if self.stop.is_set() or (job.leased and not self.active()):
            return None
        state = self._state[name]
        if not state.lock.acquire(blocking=False):
            state.wanted.set()
            return None
        ok = True
        try:
            while True:
                state.wanted.clear()
                ok = self._once(job) and ok
                if self.stop.is_set() or not state.wanted.is_set():
                    return ok
        finally:
            state.lock.release()

    def wake(self, name: str) -> None:
        """Run `name` as soon as possible: now on a scheduler thread, or, when it is
        running, once more right after (also without a scheduler, as `poll --once`)."""
        state = self._state[name]
        state.wanted.set()
        if state.lock.locked() or self.stop.is_set() or not self.scheduler.running:
            return
        self.scheduler.add_job(
            self.run, args=[name], id=f"{name}-now", replace_existing=True, max_instances=2
        )

    def _once(self, job: Job) -> bool:
        started = time.monotonic()
        try:
            result = job.run()
        except Exception as exc:  # noqa: BLE001 - a job's failure never ends the daemon
            self._failed(job, exc)
            return False
        finally:
            took = time.monotonic() - started
            if job.every is not None and took > job.every:
                log.info("%s took %.0f s, longer than its interval (%.0f s)", job.what, took,
                         job.every)  # fmt: skip
        if result is not Result.IDLE:
            self._succeeded(job)
        return True

    def _failed(self, job: Job, exc: Exception) -> None:
        if isinstance(exc, MailbotError):
            error = str(exc)
            log.error("%s failed: %s", job.what, error)
        else:
            error = self.scrub(repr(exc))
            log.exception("%s crashed unexpectedly", job.what)
        with self._guard:
            before = self._streaks.get(job.name)
            streak = Streak(
                before.count + 1 if before else 1,
                before.since if before else self.clock(),
                error,
                type(exc),
            )
            self._streaks[job.name] = streak
        self._retry(job, streak.count)

    def _succeeded(self, job: Job) -> None:
        with self._guard:
            before = self._streaks.pop(job.name, None)
        if before is not None and before.count > 1:
            log.info("%s works again after %d failed runs", job.what, before.count)

    def _retry(self, job: Job, failures: int) -> None:
        """After a failure, run again sooner than the interval: 5 s, 10 s, 20 s, …, so a
        short outage costs seconds and a long one no storm."""
        if job.retry is None or self.stop.is_set() or not self.scheduler.running:
            return
        delay = job.retry.delay(failures)
        if job.every is not None and delay >= job.every:
            return
        log.info("next %s attempt in %.0f s (failure %d in a row)", job.what, delay, failures)
        self.scheduler.add_job(
            self.run, "date", args=[job.name], id=f"{job.name}-retry", replace_existing=True,
            run_date=datetime.now(self.tz) + timedelta(seconds=delay),
        )  # fmt: skip

    # -- what the self-alarm and tests look at ----------------------------------------
    def streak(self, name: str) -> Streak | None:
        with self._guard:
            return self._streaks.get(name)

    def failing(self) -> dict[str, Streak]:
        with self._guard:
            return dict(self._streaks)

    def busy(self) -> list[str]:
        return [name for name, state in self._state.items() if state.lock.locked()]

    def next_run(self, name: str) -> datetime | None:
        job = self.scheduler.get_job(name)
        return job.next_run_time if job is not None else None

    # -- stopping -------------------------------------------------------------------
    def shutdown(self, until: float, abort: Callable[[], None]) -> list[str]:
        """No new runs; wait (until time.monotonic() reaches `until`) for the running
        jobs to finish what they have in hand, cutting their connections (`abort`) when
        one is still busy a second and a half before. Returns the jobs still running."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        aborted = False
        while (busy := self.busy()) and time.monotonic() < until:
            if not aborted and time.monotonic() >= until - 1.5:
                log.warning("still running: %s; cutting their connections", ", ".join(busy))
                abort()
                aborted = True
            time.sleep(0.05)
        return self.busy()
