"""Composition root: config -> edges, store -> poller, sender -> the scheduled jobs.

What runs when (and what happens when it fails or a stop comes) is mailbot/jobs.py;
this module builds the parts and says which job does what.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.core import alarm
from mailbot.core.alarm import Thresholds
from mailbot.core.backoff import Backoff
from mailbot.core.digest import Digest
from mailbot.edges.imap import ImapMailbox, ImapSettings
from mailbot.edges.sms import SmsapiChannel, SmsChannel, WebhookChannel
from mailbot.edges.smtp import CaptureMailer, Mailer, SmtpMailer
from mailbot.errors import ConfigError, ImapAuthError, TransientError
from mailbot.intake.decider import Decider, rota_lookup
from mailbot.intake.idle import IdleWatcher
from mailbot.intake.poller import Poller, PollReport
from mailbot.intake.prepare import tune_gc, worker_init
from mailbot.intake.record import Intake
from mailbot.intake.sent_scan import SentScanner
from mailbot.jobs import (
    DELIVERY_FAILED,
    ESCALATION_FAILED,
    POLL_FAILED,
    Job,
    Jobs,
    Result,
    Signals,
)
from mailbot.ops.lease import Lease
from mailbot.ops.lease import current as current_lease
from mailbot.ops.logs import counts_text
from mailbot.ops.self_alarm import Channels, Faults, SelfAlarm, oauth_notices
from mailbot.outgoing.compose import make_message_id
from mailbot.outgoing.digest_job import DigestJob
from mailbot.outgoing.digest_mail import (
    chart_png,
    check_digest_templates,
    compose_digest,
    render_digest,
)
from mailbot.outgoing.escalation import Escalator
from mailbot.outgoing.links import ack_links
from mailbot.outgoing.outbox import Outbox, OutboxPolicy, last_inbound
from mailbot.outgoing.render import TemplateSet, check_all
from mailbot.outgoing.sender import DeliveryReport, OutboxSender
from mailbot.outgoing.sms_mail import EmailToSmsChannel
from mailbot.scrub import Scrubber
from mailbot.settings.config import Config
from mailbot.settings.rules import load_rules
from mailbot.settings.secrets import config_secrets
from mailbot.store import ledger as ledger_store
from mailbot.store import repo
from mailbot.store.db import check_schema, make_engine, session_factory
from mailbot.store.rawstore import RawStore
from mailbot.store.tables import Message, Ticket

log = logging.getLogger("mailbot.daemon")


STOP_GRACE = 3.5  # seconds from a stop to the jobs' end; then lease, workers: exit in < 5 s


def utc_now() -> datetime:
    return datetime.now(UTC)


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


class App:
    """Everything one mailbot process needs, built from the config and nothing else."""

    def __init__(self, config: Config, *, clock: Callable[[], datetime] = utc_now):
        tune_gc()
        self.config = config
        self.clock = clock
        self.engine = make_engine(config.database_url)
        self.sessions = session_factory(self.engine)
        self.raw_store = RawStore(config.raw_dir)
        self.rules = load_rules(config.rules_dir)  # a mistake stops us here (ConfigError)
        self.decider = Decider(
            self.rules,
            config.tz,
            own_addresses=config.own_addresses,
            trusted_authserv_ids=config.trusted_authserv_ids,
            oncall=rota_lookup(self.rules.oncall),
            package_state=ledger_store.package_state,
        )
        self.templates = TemplateSet.load(config.templates_dir)
        sms = config.sms
        self.outbox = Outbox(
            self.templates,
            self.rules,
            OutboxPolicy(
                config.replies_per_sender_per_hour,
                config.max_attempts,
                sms=bool(sms and sms.channel != "none"),
                sms_transliterate=sms.transliterate if sms else True,
                page_window=timedelta(seconds=config.page_window),
                base_url=config.web_base_url,
            ),
            make_message_id,
            ack_links(config.web),
        )
        self.intake = Intake(self.sessions, self.raw_store, config.tz, self.decider, self.outbox)
        self._sender: OutboxSender | None = None
        self.escalator = Escalator(self.sessions, self.rules, self.outbox, self.clock)
        self.stop = threading.Event()
        self.lease = Lease(self.sessions, config.instance_name, config.lease_seconds, self.clock)
        # Edges scrub what they convert; this catches text that reached us unconverted.
        self.scrub = Scrubber.of(config_secrets(config))
        self.jobs = self._jobs()
        self._secret_warning: str | None = None
        self.last_poll: PollReport | None = None
        self.delivered: dict[str, int] = {}  # what delivery passes did, for `poll --once`
        self.escalated: dict[str, int] = {}  # and the escalation steps
        self._idle: IdleWatcher | None = None
        self.self_alarm = SelfAlarm(
            self.sessions,
            [s for s in self.rules.book.staff if "admin" in s.roles],
            self._alarm_channels,
            folder=config.imap.folder,
            instance=self.lease.holder,
            limits=Thresholds(
                timedelta(seconds=config.alarm_no_poll),
                timedelta(seconds=config.alarm_outbox),
                timedelta(seconds=config.alarm_failing),
            ),
            tz=config.tz,
            clock=self.clock,
        )
        self._pool: Executor | None = None
        self._poller: Poller | None = None
        self._scanner: SentScanner | None = None
        self._imap_token: Callable[[], str] | None = None  # XOAUTH2: one per process

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

    def check_schema(self) -> None:
        check_schema(self.engine)

    def pool(self) -> Executor | None:
        """Parsing dominates intake time; worker processes use the second core.

        A worker killed hard (OOM, segfault) breaks the pool for good: build a new one.
        The batch it was parsing failed as a whole and is fetched again next poll.
        Workers end with this process whatever ends it (intake.prepare.worker_init)."""
        if isinstance(self._pool, ProcessPoolExecutor) and self._pool._broken:
            log.error("a parse worker died; starting a new worker pool")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._pool is None and self.config.parse_workers > 1:
            context = multiprocessing.get_context("forkserver")
            # Imported once by the forkserver, not again by every worker: a worker that
            # imports the daemon's main module and intake's dependencies (SQLAlchemy)
            # spends ~1 s of CPU on it. Takes effect when the forkserver starts.
            context.set_forkserver_preload(["__main__", "mailbot.intake.prepare"])
            self._pool = ProcessPoolExecutor(
                self.config.parse_workers,
                mp_context=context,
                initializer=worker_init,
                initargs=(os.getpid(),),
            )
        return self._pool

    def start_workers(self) -> None:
        """Start the parse workers now rather than on the first batch, so a backlog found
        by the first poll does not wait for them. Returns once each has run a task, or
        at a stop."""
        try:
            pool = self.pool()
            if pool is not None:
                deadline = time.monotonic() + 120
                for ready in [pool.submit(tune_gc) for _ in range(self.config.parse_workers)]:
                    while not self.stop.is_set():
                        try:
                            ready.result(timeout=0.2)
                            break
                        except TimeoutError:
                            if time.monotonic() > deadline:
                                raise
        except Exception as exc:  # noqa: BLE001 - the first poll tries again and reports it
            log.warning("parse workers did not start (%s); the first poll tries again", exc)
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def sync_clients(self) -> dict[str, int]:
        """Tickets reference clients: the database follows rules/clients.toml."""
        with self.sessions.begin() as session:
            return repo.sync_clients(session, self.rules.book.clients, self.clock())

    def imap_settings(self) -> ImapSettings:
        """How to reach and log in to the mailbox; the one place that reads the secret.

        XOAUTH2: one token provider serves the poller and the Sent scanner, so a token
        is fetched about once an hour, not at every reconnect."""
        i = self.config.imap
        if i.auth != "xoauth2":
            return ImapSettings(
                i.host, i.port, i.tls, i.user, self.config.imap_password(), i.cafile, i.timeout
            )
        if self._imap_token is None:
            from mailbot.edges.oauth import provider_from_config

            assert self.config.oauth is not None  # load_config: xoauth2 needs [oauth]
            self._imap_token = provider_from_config(self.config.oauth)
        return ImapSettings(
            i.host, i.port, i.tls, i.user, "", i.cafile, i.timeout, token=self._imap_token
        )

    def poller(self) -> Poller:
        if self._poller is None:
            counts = self.sync_clients()
            log.info(
                "clients synced from %s: %s",
                self.config.rules_dir,
                counts_text(counts),
            )
            i = self.config.imap
            self._poller = Poller(
                i,
                ImapMailbox(self.imap_settings()),
                self.intake,
                self.sessions,
                self.clock,
                self.config.tz,
                history_cutoff=self.config.history_cutoff,
                pool=self.pool,
                stop=self.stop,
                committed=lambda: self.jobs.wake("deliver"),  # replies go out during intake
            )
        return self._poller

    def check_templates(self) -> None:
        """What runs is what was checked: templates are compiled once, at start."""
        problems = check_all(self.templates) + check_digest_templates(self.templates)
        if problems:
            raise ConfigError(
                f"{len(problems)} template problem(s): " + "; ".join(problems),
                file=str(self.config.templates_dir),
            )

    def sender(self) -> OutboxSender:
        """The outbox sender; the first use in a process recovers rows a crash left."""
        if self._sender is None:
            smtp = self.config.smtp
            assert smtp is not None
            if smtp.mode == "smtp":
                mailer: Mailer = SmtpMailer(
                    smtp.host,
                    smtp.port,
                    smtp.tls,
                    smtp.user,
                    smtp.password(),
                    smtp.cafile,
                    smtp.timeout,
                    None,
                )
                mailer.per_connection = smtp.per_connection
            else:
                mailer = CaptureMailer(self.config.data_dir / "sent")
            self._sender = OutboxSender(
                self.sessions,
                mailer,
                sms=self._sms_channel(mailer),
                from_address=smtp.from_address,
                from_name=smtp.from_name,
                max_attempts=self.config.max_attempts,
                clock=self.clock,
                retry=Backoff(base=self.config.retry_after, cap=self.config.retry_max),
            )
            recovered = self._sender.recover()
            if recovered.counts:
                log.warning("outbox recovered after an interruption: %s", recovered.counts)
        return self._sender

    def _sms_channel(self, mailer: Mailer) -> SmsChannel | None:
        sms = self.config.sms
        if sms is None or sms.channel == "none":
            return None
        if sms.channel == "smsapi":
            return SmsapiChannel(sms.token() or "", sms.sender_name, sms.base_url, sms.timeout)
        if sms.channel == "webhook":
            return WebhookChannel(sms.url, sms.token(), sms.timeout)
        smtp = self.config.smtp
        assert smtp is not None
        return EmailToSmsChannel(mailer, sms.address_template, smtp.from_address)

    # -- delivery ------------------------------------------------------------------------
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

    def tell_released(self, session: Session, ticket: Ticket) -> None:
        """The client hears that its on-hold ticket is being handled (R-PAK-3)."""
        last = session.scalar(
            select(Message)
            .where(
                Message.ticket_id == ticket.id,
                Message.automatic.is_(None),
                Message.third_party.is_(False),  # the client hears it, not a third party
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        if last is None or not last.sender_address:
            return
        mail = last_inbound(last)
        client = self.rules.book.client(ticket.client_id) if ticket.client_id else None
        package = ledger_store.package_state(session, client, self.clock()) if client else None
        context = {
            "ticket": ticket.number,
            "subject": mail.subject,
            "package": package,
            "client_name": client.name if client else None,
        }
        self.outbox.queue_reply(
            session,
            template="ticket_released",
            context=context,
            mail=mail,
            ticket_id=ticket.id,
            inbound_id=last.id,
            emergency=False,
            now=self.clock(),
            occasion="released",
        )

    # -- the digest ----------------------------------------------------------------------
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

    # -- polling -------------------------------------------------------------------------
    def poll_once(self) -> PollReport:
        report = self.poller().poll_once()
        log.info("poll done: %s", report.summary())
        if self.config.imap.sent_folder:
            self.scan_sent()
        return report

    def scan_sent(self) -> int:
        """Staff replies in the Sent folder are reactions too."""
        if self._scanner is None:
            i = self.config.imap
            self._scanner = SentScanner(
                ImapMailbox(self.imap_settings()),
                i.sent_folder or "Sent",
                self.sessions,
                self.rules.book,
                self.clock,
            )
        try:
            return self._scanner.scan()
        except BaseException:
            self._scanner.mailbox.close()
            raise

    def _poll(self) -> None:
        """The poll job; a failure is the wrapper's (logged, remembered, retried soon)."""
        self.last_poll = self.poll_once()
        self.jobs.wake("deliver")

    def request_poll(self) -> None:
        """A poll now (IDLE saw new mail); one already running polls once more."""
        self.jobs.wake("poll")

    # -- the self-alarm and the lease ----------------------------------------------------
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

    def _alarm_channels(self) -> Channels:
        """The outbox sender's mailer and SMS gateway, used directly."""
        smtp = self.config.smtp
        sender = self.sender()
        return Channels(sender.mailer, sender.sms, smtp.from_address if smtp else "")

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

    # -- cron: one pass ------------------------------------------------------------------
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

    # -- the daemon ----------------------------------------------------------------------
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

    def lease_holder(self) -> str:
        with self.sessions() as session:
            other = current_lease(session)
        if other is None:
            return "nobody"
        until = other.expires_at.astimezone(self.config.tz).strftime("%Y-%m-%d %H:%M:%S")
        return f"{other.holder}, lease until {until}"

    def release_lease(self) -> None:
        try:
            self.lease.release()
        except Exception as exc:  # noqa: BLE001 - the standby then waits for the expiry
            log.warning("could not release the lease: %s", exc)

    def close(self) -> None:
        if self._poller is not None:
            self._poller.mailbox.close()
        if self._scanner is not None:
            self._scanner.mailbox.close()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self.engine.dispose()
