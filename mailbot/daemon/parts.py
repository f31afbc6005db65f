"""The parts one mailbot process is made of, built from the config and nothing else.

The store, the rules, the decider, the templates and the outbox, intake, the escalator,
the lease and the self-alarm are built at once; the parse workers, the IMAP settings
and the outbox sender on first use (a command that never polls never starts workers or
reads the IMAP secret). What runs when is app.py's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

from mailbot.core.alarm import Thresholds
from mailbot.core.backoff import Backoff
from mailbot.edges.imap import ImapMailbox, ImapSettings
from mailbot.edges.mailer import CaptureMailer, Mailer
from mailbot.edges.sms import SmsapiChannel, SmsChannel, WebhookChannel
from mailbot.edges.smtp import SmtpMailer
from mailbot.errors import ConfigError
from mailbot.intake.poller import Poller
from mailbot.intake.prepare import tune_gc
from mailbot.intake.record import Intake
from mailbot.intake.sent_scan import SentScanner
from mailbot.intake.workers import new_pool, wait_ready
from mailbot.ops.lease import Lease
from mailbot.ops.lease import current as current_lease
from mailbot.ops.logs import counts_text
from mailbot.ops.self_alarm import Channels, SelfAlarm
from mailbot.outgoing.escalation import Escalator
from mailbot.outgoing.render import TemplateSet
from mailbot.outgoing.sender import OutboxSender
from mailbot.outgoing.sms_mail import EmailToSmsChannel
from mailbot.outgoing.template_check import checked
from mailbot.scrub import Scrubber
from mailbot.services.desk import decider_for, outbox_for
from mailbot.settings.config import Config
from mailbot.settings.rules import Rules, load_rules, rules_stamp, templates_stamp
from mailbot.settings.secrets import config_secrets
from mailbot.store import repo
from mailbot.store.db import check_schema, make_engine, session_factory
from mailbot.store.rawstore import RawStore

log = logging.getLogger("mailbot.daemon")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Parts:
    """Everything one mailbot process needs, built from the config and nothing else."""

    def __init__(self, config: Config, *, clock: Callable[[], datetime] = utc_now):
        tune_gc()
        self.config = config
        self.clock = clock
        self.engine = make_engine(config.database_url)
        self.sessions = session_factory(self.engine)
        self.raw_store = RawStore(config.raw_dir)
        self._rules_seen = rules_stamp(config.rules_dir)
        self._templates_seen = templates_stamp(config.templates_dir)
        rules = load_rules(config.rules_dir)  # a mistake stops us here (ConfigError)
        self.templates = TemplateSet.load(config.templates_dir)
        self._sender: OutboxSender | None = None
        self._poller: Poller | None = None
        self._scanner: SentScanner | None = None
        self._use_rules(rules)
        self.stop = threading.Event()
        self.lease = Lease(self.sessions, config.instance_name, config.lease_seconds, self.clock)
        # Edges scrub what they convert; this catches text that reached us unconverted.
        self.scrub = Scrubber.of(config_secrets(config))
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
        self._imap_token: Callable[[], str] | None = None  # XOAUTH2: one per process

    def _use_rules(self, rules: Rules) -> None:
        """Everything that reads rules/ (clients, staff, the rota, the phrases), built
        around `rules`; jobs pick the new objects up at their next run."""
        config = self.config
        self.rules = rules
        self.decider = decider_for(config, rules)
        self.outbox = outbox_for(config, rules, self.templates)
        self.intake = Intake(self.sessions, self.raw_store, config.tz, self.decider, self.outbox)
        self.escalator = Escalator(self.sessions, rules, self.outbox, self.clock)
        self._scanner = None  # built again with these rules when next needed
        if self._poller is not None:
            self._poller.intake = self.intake

    def refresh_rules(self) -> bool:
        """Read rules/ again when a file there changed since: an address the console
        registered, a client or a rota entry someone added. Checked before every poll (a
        few stat calls); broken files keep the rules in use and say why once."""
        seen = rules_stamp(self.config.rules_dir)
        if seen == self._rules_seen:
            return False
        self._rules_seen = seen
        try:
            rules = load_rules(self.config.rules_dir)
        except ConfigError as exc:
            log.error("rules/ changed but cannot be used; the rules read before stay in use "
                      "until it is fixed: %s", exc)  # fmt: skip
            return False
        self._use_rules(rules)
        self.self_alarm.admins = [s for s in rules.book.staff if "admin" in s.roles]
        if self._poller is not None:
            log.info("rules/ read again after a change; clients synced: %s",
                     counts_text(self.sync_clients()))  # fmt: skip
        else:
            log.info("rules/ read again after a change")
        return True

    def refresh_templates(self) -> bool:
        """Read templates/ again when a file there changed since, and use it only once
        it passes the same check as at start (`mailbot rules check`): a broken edit keeps
        the templates in use and says why once, so no client gets a half-rendered mail."""
        seen = templates_stamp(self.config.templates_dir)
        if seen == self._templates_seen:
            return False
        self._templates_seen = seen
        try:
            templates = checked(TemplateSet.load(self.config.templates_dir))
        except ConfigError as exc:
            log.error("templates/ changed but cannot be used; the templates read before "
                      "stay in use until it is fixed: %s", exc)  # fmt: skip
            return False
        self.templates = templates
        self._use_rules(self.rules)  # the outbox renders with them
        log.info("templates/ read again after a change (checked: no problems)")
        return True

    def check_schema(self) -> None:
        check_schema(self.engine)

    def pool(self) -> Executor | None:
        """Parsing dominates intake time; worker processes use the second core.

        A worker killed hard (OOM, segfault) breaks the pool for good: build a new one.
        The batch it was parsing failed as a whole and is fetched again next poll.
        (intake/workers.py)"""
        if isinstance(self._pool, ProcessPoolExecutor) and self._pool._broken:
            log.error("a parse worker died; starting a new worker pool")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._pool is None and self.config.parse_workers > 1:
            self._pool = new_pool(self.config.parse_workers)
        return self._pool

    def start_workers(self) -> None:
        """Start the parse workers now rather than on the first batch, so a backlog found
        by the first poll does not wait for them. Returns once each has run a task, or
        at a stop."""
        try:
            pool = self.pool()
            if pool is not None:
                wait_ready(pool, self.config.parse_workers, self.stop)
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
                committed=self.mail_committed,  # replies go out during intake
            )
        return self._poller

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

    def mail_committed(self) -> None:
        """Called by the poller after each commit (app.py wakes the delivery job)."""

    def check_templates(self) -> None:
        """What runs is what was checked: templates are compiled once, at start."""
        checked(self.templates)

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

    def _alarm_channels(self) -> Channels:
        """The outbox sender's mailer and SMS gateway, used directly."""
        smtp = self.config.smtp
        sender = self.sender()
        return Channels(sender.mailer, sender.sms, smtp.from_address if smtp else "")

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
