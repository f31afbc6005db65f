"""Which job does what, and the daemon's life: start, run until a stop, shut down.

What runs when (and what happens when it fails or a stop comes) is mailbot/jobs.py;
parts.py builds what the jobs use. `mailbot poll --once` (cron) is `App.once`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from apscheduler.triggers.cron import CronTrigger

from mailbot.core import alarm
from mailbot.core.backoff import Backoff
from mailbot.core.digest import Digest
from mailbot.daemon.parts import Parts, log, utc_now
from mailbot.edges.smtp import SmtpMailer
from mailbot.errors import ConfigError, ImapAuthError, TransientError
from mailbot.intake.idle import IdleWatcher
from mailbot.intake.poller import PollReport
from mailbot.jobs import (
    DELIVERY_FAILED,
    ESCALATION_FAILED,
    POLL_FAILED,
    Job,
    Jobs,
    Result,
    Signals,
)
from mailbot.ops.logs import counts_text
from mailbot.ops.self_alarm import Faults, oauth_notices
from mailbot.outgoing.digest_job import DigestJob
from mailbot.outgoing.digest_mail import chart_png, compose_digest, render_digest
from mailbot.outgoing.sender import DeliveryReport
from mailbot.settings.config import Config

STOP_GRACE = 3.5  # seconds from a stop to the jobs' end; then lease, workers: exit in < 5 s


class DeliveryFailed(TransientError):
    """A delivery pass could not send: the SMTP server or the SMS gateway is down."""


@dataclass
class OnceReport:
    """`mailbot poll --once`: each step ran whatever the others did."""

    poll: PollReport | None = None
    steps: dict[str, int] = field(default_factory=dict)  # escalation
    sent: dict[str, int] = field(default_factory=dict)  # delivery
    failed: list[str] = field(default_factory=list)  # "poll", "escalation", "deliver"

    @property
    def exit_code(self) -> int:
        codes = {"poll": POLL_FAILED, "escalation": ESCALATION_FAILED, "deliver": DELIVERY_FAILED}
        return sum(codes[step] for step in self.failed)


class App(Parts):
    """One mailbot process: its parts (parts.py) and the jobs that use them."""

    def __init__(self, config: Config, *, clock: Callable[[], datetime] = utc_now):
        super().__init__(config, clock=clock)
        self.jobs = self._jobs()
        self._secret_warning: str | None = None
        self.last_poll: PollReport | None = None
        self.delivered: dict[str, int] = {}  # what delivery passes did, for `poll --once`
        self.escalated: dict[str, int] = {}  # and the escalation steps
        self._idle: IdleWatcher | None = None

    def _jobs(self) -> Jobs:
        """What the daemon runs when; each job on its own thread (mailbot/jobs.py)."""
        c = self.config
        jobs = Jobs(c.tz, self.stop, active=self.lease.held, clock=self.clock, scrub=self.scrub)
        jobs.add(Job("poll", self._poll, "poll", every=c.poll_interval, first=True,
                     retry=Backoff(base=5, cap=c.poll_interval)))  # fmt: skip
        jobs.add(Job("deliver", self._deliver, "outbox delivery", every=c.deliver_interval,
                     first=True))  # fmt: skip
        jobs.add(Job("escalation", lambda: self.escalate(), "escalation check", every=60,
                     retry=Backoff(base=10, cap=60)))  # R-SLA-1 reminders, breaches  # fmt: skip
        if c.digest_enabled:  # working days at the set local time
            hour, minute = map(int, c.digest_time.split(":"))
            cron = CronTrigger(day_of_week="mon-fri", hour=hour, minute=minute, timezone=c.tz)
            jobs.add(Job("digest", self._digest, "digest", cron=cron,
                         retry=Backoff(base=300, cap=3600)))  # fmt: skip
        if c.alarm_enabled:  # a standby watches the database only
            jobs.add(Job("alarm", self._alarm, "self-alarm check", every=60, leased=False))
        jobs.add(Job("lease", self._renew_lease, "lease renewal",
                     every=max(1, c.lease_seconds // 3), leased=False))  # fmt: skip
        return jobs

    def deliver_pass(self) -> DeliveryReport:
        """One delivery pass, bounded by outbox.pass_limit (and a stop)."""
        report = self.sender().deliver_pending(
            deadline=time.monotonic() + self.config.deliver_pass, stop=self.stop.is_set
        )
        for what, n in report.counts.items():
            self.delivered[what] = self.delivered.get(what, 0) + n
        if report.counts:
            log.info("outbox: %s", counts_text(report.counts))
        return report

    def deliver(self) -> dict[str, int]:
        """Everything due now, pass after pass (`mailbot outbox send`, tests)."""
        counts: dict[str, int] = {}
        while True:
            report = self.deliver_pass()
            for what, n in report.counts.items():
                counts[what] = counts.get(what, 0) + n
            if not report.more or self.stop.is_set():
                return counts

    def _deliver(self) -> Result | None:
        """The delivery job: a pass; again at once when mail was left (the deadline)."""
        report = self.deliver_pass()
        if report.more:
            self.jobs.wake("deliver")
        if report.failed:
            raise DeliveryFailed(f"outbox delivery: {report.error}")
        return Result.IDLE if report.idle else None

    def escalate(self) -> dict[str, int]:
        """Due escalation steps -> alerts in the outbox, delivered by the delivery job."""
        steps = self.escalator.run()
        for what, n in steps.items():
            self.escalated[what] = self.escalated.get(what, 0) + n
        if steps:
            log.warning("escalation: %s", counts_text(steps))
            self.jobs.wake("deliver")
        return steps

    def digest_job(self) -> DigestJob:
        return DigestJob(
            self.sessions,
            self.rules,
            self.config.tz,
            self.clock,
            render=self.render_digest,
            send=self.send_digest,
        )

    def render_digest(self, digest: Digest) -> tuple[str, str, str, bytes]:
        if self.config.oauth is not None:  # the admin hears of an expiring secret
            digest = replace(digest, notices=oauth_notices(self.config.oauth, digest.day))
        subject, text, html = render_digest(digest, self.templates, self.config.web_base_url)
        return subject, text, html, chart_png(digest.daily)

    def send_digest(
        self, subject: str, text: str, html: str, png: bytes, recipients: list[str]
    ) -> None:
        smtp = self.config.smtp
        assert smtp is not None
        if not recipients:
            raise ConfigError(
                "no staff member has the role manager: nobody to send the digest to",
                file=str(self.config.rules_dir / "staff.toml"),
            )
        raw = compose_digest(
            subject,
            text,
            html,
            png,
            from_addr=smtp.from_address,
            to_addrs=recipients,
            date=self.clock(),
            message_id=f"<digest.{secrets.token_hex(8)}@kjmssoft.pl>",
        )
        self.sender().mailer.send(smtp.from_address, recipients, raw)

    def _digest(self) -> None:
        log.info("%s", self.digest_job().run())

    def poll_once(self) -> PollReport:
        self.refresh_rules()
        self.refresh_templates()
        report = self.poller().poll_once()
        log.info("poll done: %s", report.summary())
        if self.config.imap.sent_folder:
            self.scan_sent()
        return report

    def mail_committed(self) -> None:
        """Intake committed mail: its replies go out at once, not at the next pass."""
        self.jobs.wake("deliver")

    def _poll(self) -> None:
        """The poll job; a failure is the wrapper's (logged, remembered, retried soon)."""
        self.last_poll = self.poll_once()
        self.jobs.wake("deliver")

    def request_poll(self) -> None:
        """A poll now (IDLE saw new mail); one already running polls once more."""
        self.jobs.wake("poll")

    @property
    def faults(self) -> Faults:
        """What the self-alarm is told: the jobs' failure streaks and the secret's expiry."""
        poll = self.jobs.streak("poll")
        return Faults(
            last_poll_error=poll.error if poll else None,
            auth_error=poll.error if poll and issubclass(poll.kind, ImapAuthError) else None,
            secret_warning=self._secret_warning,
            failing=tuple(
                alarm.Failing(name, streak.since, streak.error)
                for name, streak in self.jobs.failing().items()
                if name in alarm.JOB_KINDS
            ),
        )

    def _alarm(self) -> None:
        """Every minute: the self-alarm. A standby only watches the database."""
        if self.config.oauth is not None:  # the Azure client secret's expiry
            notices = oauth_notices(
                self.config.oauth, self.clock().astimezone(self.config.tz).date()
            )
            self._secret_warning = notices[0] if notices else None
        self.self_alarm.check(self.faults, database_only=not self.lease.held())

    def _renew_lease(self) -> None:
        """Renew the lease, or take it when the active instance is gone."""
        was_held = self.lease.held()
        try:
            held = self.lease.acquire()
        except Exception as exc:  # noqa: BLE001 - the database may be restarting
            log.error("lease renewal failed (the database?): %s", exc)
            return
        if held and not was_held:
            log.info("active instance now: polling at once")
            self.jobs.wake("poll")

    def once(self) -> OnceReport:
        """Poll, escalate and deliver once, each step whatever the others did: breach
        alerts must go out exactly when the mailbox is what fails. The caller holds the
        lease. The exit code (OnceReport.exit_code) says which steps failed."""
        result = OnceReport()
        self.last_poll, self.escalated, self.delivered = None, {}, {}
        self.poller()  # a config problem (the password's variable unset) stops all: exit 2
        for name in ("poll", "escalation", "deliver"):
            if not self.jobs.run(name):
                result.failed.append(name)
        result.poll, result.steps, result.sent = self.last_poll, self.escalated, self.delivered
        return result

    def run(self, signals: Signals | None = None) -> int:
        """Run the jobs until SIGTERM/SIGINT; finish the message in hand, exit 0 within
        seconds whatever the servers do (mailbot/jobs.py). `signals`: installed by the
        caller as early as it could; else now."""
        signals = signals or Signals.install()
        signals.also(self.stop)
        try:
            if self.start():
                while not self.stop.wait(0.5):
                    pass
        finally:
            self.shutdown()
        return 0

    def start(self) -> bool:
        """Everything before the first poll, each step skipped once a stop came."""
        for step in (self.check_schema, self.check_templates, self.poller, self.sender,
                     self.start_workers):  # fmt: skip
            if self.stop.is_set():
                return False
            step()  # the poller resolves the password: a config error stops us here
        if not self.lease.acquire():
            log.warning("standby: %s is active; taking over when it stops", self.lease_holder())
        if self.stop.is_set():
            return False
        self.jobs.start()
        if self.config.idle:
            self._idle = IdleWatcher(
                self.imap_settings,
                self.config.imap.folder,
                self.request_poll,
                active=self.lease.held,
                stop=self.stop,
                renew=self.config.idle_renew,
            )
            self._idle.start()
        log.info(
            "mailbot running: polling %s on %s every %ds",
            self.config.imap.folder,
            self.config.imap.host,
            self.config.poll_interval,
        )
        return True

    def shutdown(self) -> None:
        """After a stop: the jobs finish the message in hand (a server that does not
        answer has its connection cut), the lease goes to a standby at once, the parse
        workers end. A job still stuck after that is left behind: the process exits
        anyway, and what it had in hand is recovered at the next start, as after a kill."""
        self.stop.set()
        started = time.monotonic()
        busy = self.jobs.shutdown(started + STOP_GRACE, self._abort)
        if self._idle is not None:
            self._idle.join(max(0.1, started + STOP_GRACE - time.monotonic()))
        self.release_lease()
        self.close()
        if busy:
            log.error("stopping with %s still running: its work is recovered at the next "
                      "start", ", ".join(busy))  # fmt: skip
            logging.shutdown()
            os._exit(0)
        log.info("mailbot stopped")

    def _abort(self) -> None:
        """Cut the connections jobs may be waiting on (SMTP, IMAP): their calls fail now."""
        if self._sender is not None and isinstance(self._sender.mailer, SmtpMailer):
            self._sender.mailer.abort()
        for mailbox in (
            self._poller.mailbox if self._poller else None,
            self._scanner.mailbox if self._scanner else None,
        ):
            client = mailbox.client if mailbox is not None else None
            sock = client.socket() if client is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
