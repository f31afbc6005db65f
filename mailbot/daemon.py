"""Composition root: config -> edges, store -> poller -> scheduler."""

from __future__ import annotations

import logging
import multiprocessing
import secrets
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.core.alarm import Thresholds
from mailbot.core.backoff import Backoff
from mailbot.core.digest import Digest
from mailbot.edges.imap import ImapMailbox, ImapSettings
from mailbot.edges.sms import SmsapiChannel, SmsChannel, WebhookChannel
from mailbot.edges.smtp import CaptureMailer, Mailer, SmtpMailer
from mailbot.errors import ConfigError, ImapAuthError, MailbotError
from mailbot.intake.decider import Decider, rota_lookup
from mailbot.intake.idle import IdleWatcher
from mailbot.intake.poller import Poller, PollReport
from mailbot.intake.prepare import tune_gc
from mailbot.intake.record import Intake
from mailbot.intake.sent_scan import SentScanner
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
from mailbot.outgoing.outbox import Outbox, OutboxPolicy, last_inbound
from mailbot.outgoing.render import TemplateSet, check_all
from mailbot.outgoing.sender import OutboxSender
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


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        )
        self.intake = Intake(self.sessions, self.raw_store, config.tz, self.decider, self.outbox)
        self._sender: OutboxSender | None = None
        self._delivering = threading.Lock()  # poll and escalation jobs both deliver
        self.escalator = Escalator(self.sessions, self.rules, self.outbox, self.clock)
        self.stop = threading.Event()
        self.lease = Lease(self.sessions, config.instance_name, config.lease_seconds, self.clock)
        self._scheduler: BackgroundScheduler | None = None
        self.faults = Faults()  # what went wrong since the last good poll (self-alarm)
        # Edges scrub what they convert; this catches text that reached us unconverted.
        self.scrub = Scrubber.of(config_secrets(config))
        self._polling = threading.Lock()  # never two polls at once, whoever asks
        self._poll_wanted = threading.Event()
        self._poll_failures = 0
        self._poll_backoff = Backoff(base=5, cap=config.poll_interval)
        self._idle: IdleWatcher | None = None
        self.self_alarm = SelfAlarm(
            self.sessions,
            [s for s in self.rules.book.staff if "admin" in s.roles],
            self._alarm_channels,
            folder=config.imap.folder,
            instance=self.lease.holder,
            limits=Thresholds(
                timedelta(seconds=config.alarm_no_poll), timedelta(seconds=config.alarm_outbox)
            ),
            tz=config.tz,
            clock=self.clock,
        )
        self._pool: Executor | None = None
        self._poller: Poller | None = None
        self._scanner: SentScanner | None = None
        self._imap_token: Callable[[], str] | None = None  # XOAUTH2: one per process

    def check_schema(self) -> None:
        check_schema(self.engine)

    def pool(self) -> Executor | None:
        """Parsing dominates intake time; worker processes use the second core.

        A worker killed hard (OOM, segfault) breaks the pool for good: build a new one.
        The batch it was parsing failed as a whole and is fetched again next poll."""
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
                self.config.parse_workers, mp_context=context, initializer=tune_gc
            )
        return self._pool

    def start_workers(self) -> None:
        """Start the parse workers now rather than on the first batch, so a backlog found
        by the first poll does not wait for them. Returns once each has run a task."""
        try:
            pool = self.pool()
            if pool is not None:
                for ready in [pool.submit(tune_gc) for _ in range(self.config.parse_workers)]:
                    ready.result(timeout=120)
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

    def deliver(self) -> dict[str, int]:
        with self._delivering:
            report = self.sender().deliver_pending()
        if report.counts:
            log.info("outbox: %s", counts_text(report.counts))
        return report.counts

    def escalate(self) -> dict[str, int]:
        """Due escalation steps -> alerts in the outbox, then deliver them."""
        steps = self.escalator.run()
        if steps:
            log.warning("escalation: %s", counts_text(steps))
            self.deliver()
        return steps

    def _escalation_job(self) -> None:
        if not self.lease.held():
            return
        try:
            self.escalate()
        except MailbotError as exc:
            log.error("escalation check failed, will retry in a minute: %s", exc)
        except Exception:
            log.exception("escalation check crashed unexpectedly, will retry in a minute")

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

    def _digest_job(self) -> None:
        if not self.lease.held():
            return
        try:
            log.info("%s", self.digest_job().run())
        except MailbotError as exc:
            log.error("digest failed: %s", exc)
        except Exception:
            log.exception("digest crashed unexpectedly")

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

    def _poll_job(self) -> None:
        """Scheduler job: one failed poll is logged, never fatal; the next one retries."""
        if not self.lease.held():
            return
        if not self._polling.acquire(blocking=False):  # IDLE woke us during a poll
            self._poll_wanted.set()
            return
        try:
            while True:
                self._poll_wanted.clear()
                self._poll_and_deliver()
                if self.stop.is_set() or not self._poll_wanted.is_set():
                    break
        finally:
            self._polling.release()

    def _poll_failed(self, error: str, *, auth: bool = False) -> None:
        """Remember it for the self-alarm and try again soon."""
        self.faults = replace(
            self.faults, last_poll_error=error, auth_error=error if auth else None
        )
        self._retry_poll()

    def _retry_poll(self) -> None:
        """After a failed poll, retry sooner than the interval: 5 s, 10 s, 20 s, …
        (capped at the interval), so a short outage costs seconds, a long one no storm."""
        self._poll_failures += 1
        delay = self._poll_backoff.delay(self._poll_failures)
        if self._scheduler is None or self.stop.is_set() or delay >= self.config.poll_interval:
            return
        log.info("next poll attempt in %.0f s (failure %d in a row)", delay, self._poll_failures)
        self._scheduler.add_job(
            self._poll_job,
            "date",
            run_date=datetime.now(self.config.tz) + timedelta(seconds=delay),
            id="poll-retry",
            replace_existing=True,
        )

    def request_poll(self) -> None:
        """A poll now (IDLE saw new mail); one already running polls once more."""
        self._poll_wanted.set()
        if self._scheduler is not None and not self.stop.is_set():
            self._scheduler.add_job(self._poll_job, id="poll-now", replace_existing=True)

    def _poll_and_deliver(self) -> None:
        try:
            self.poll_once()
            self.faults = replace(self.faults, last_poll_error=None, auth_error=None)
            self._poll_failures = 0
        except ImapAuthError as exc:
            log.error("poll failed: the mailbox refused our login: %s", exc)
            self._poll_failed(str(exc), auth=True)
        except MailbotError as exc:
            log.error("poll failed: %s", exc)
            self._poll_failed(str(exc))
        except Exception as exc:
            log.exception("poll crashed unexpectedly")
            self._poll_failed(self.scrub(repr(exc)))
        if self.stop.is_set():
            return
        try:  # the outbox is delivered even when the mailbox is unreachable
            self.deliver()
        except MailbotError as exc:
            log.error("outbox delivery failed, will retry: %s", exc)
        except Exception:
            log.exception("outbox delivery crashed unexpectedly, will retry")

    def _alarm_channels(self) -> Channels:
        """The outbox sender's mailer and SMS gateway, used directly."""
        smtp = self.config.smtp
        sender = self.sender()
        return Channels(sender.mailer, sender.sms, smtp.from_address if smtp else "")

    def _alarm_job(self) -> None:
        """Every minute: the self-alarm. A standby only watches the database."""
        if self.config.oauth is not None:  # the Azure client secret's expiry
            notices = oauth_notices(
                self.config.oauth, self.clock().astimezone(self.config.tz).date()
            )
            self.faults = replace(self.faults, secret_warning=notices[0] if notices else None)
        try:
            self.self_alarm.check(self.faults, database_only=not self.lease.held())
        except Exception:
            log.exception("self-alarm check crashed unexpectedly, will retry in a minute")

    def _lease_job(self) -> None:
        """Renew the lease, or take it when the active instance is gone."""
        was_held = self.lease.held()
        try:
            held = self.lease.acquire()
        except Exception as exc:  # noqa: BLE001 - the database may be restarting
            log.error("lease renewal failed (the database?): %s", exc)
            return
        if held and not was_held and self._scheduler is not None:
            log.info("active instance now: polling at once")
            self._scheduler.modify_job("poll", next_run_time=datetime.now(self.config.tz))

    def run(self) -> int:
        """Poll every interval until SIGTERM/SIGINT; finish the message in hand, exit 0."""
        self.check_schema()
        self.check_templates()
        self.poller()  # resolve the password now: a config error stops us before any poll
        self.sender()
        self.start_workers()

        def on_signal(signum: int, _frame: object) -> None:
            log.info(
                "%s received: finishing the message in hand, then exiting",
                signal.Signals(signum).name,
            )
            self.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        scheduler = BackgroundScheduler(timezone=self.config.tz)
        self._scheduler = scheduler
        if not self.lease.acquire():
            log.warning("standby: %s is active; taking over when it stops", self.lease_holder())
        if self.config.alarm_enabled:
            scheduler.add_job(
                self._alarm_job, "interval", seconds=60, id="alarm", max_instances=1,
                coalesce=True,
            )  # fmt: skip
        scheduler.add_job(
            self._lease_job,
            "interval",
            seconds=max(1, self.config.lease_seconds // 3),
            id="lease",
            max_instances=1,
            coalesce=True,
        )
        scheduler.add_job(
            self._poll_job,
            "interval",
            seconds=self.config.poll_interval,
            id="poll",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=self.config.poll_interval,
            next_run_time=datetime.now(self.config.tz),
        )
        scheduler.add_job(  # R-SLA-1 reminders and breaches, every minute
            self._escalation_job,
            "interval",
            seconds=60,
            id="escalation",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=60,
        )
        if self.config.digest_enabled:  # working days at the set local time
            hour, minute = map(int, self.config.digest_time.split(":"))
            scheduler.add_job(
                self._digest_job,
                CronTrigger(
                    day_of_week="mon-fri", hour=hour, minute=minute, timezone=self.config.tz
                ),
                id="digest",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,
            )
        scheduler.start()
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
        while not self.stop.wait(0.5):
            pass
        scheduler.shutdown(wait=True)
        if self._idle is not None:
            self._idle.join(5)
        self.release_lease()
        self.close()
        log.info("mailbot stopped")
        return 0

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
