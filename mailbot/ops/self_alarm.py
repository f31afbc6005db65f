"""The self-alarm: tell the admins when mailbot cannot do its job.

Checked every minute. Admins (role "admin" in rules/staff.toml) get a mail and an SMS,
each sent directly rather than through the outbox (the outbox may be what is stuck),
through whichever channel still works; an incident is announced once and its end once.
Incidents live in the database so a restart neither repeats nor forgets them; only
"the database is down" lives in memory, since it cannot be written anywhere else.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core import alarm
from mailbot.core.contracts import Staff
from mailbot.edges.mailer import Mailer
from mailbot.edges.sms import SmsChannel
from mailbot.ops.health import outbox_waiting
from mailbot.outgoing.render import gsm7
from mailbot.settings.oauth import OAuthConfig
from mailbot.store.tables import AlarmIncident, FolderState

log = logging.getLogger("mailbot.alarm")


@dataclass(frozen=True)
class Channels:
    """How admins are reached; either may be None (not configured)."""

    mailer: Mailer | None
    sms: SmsChannel | None
    from_address: str


@dataclass(frozen=True)
class Faults:
    """What the daemon itself saw go wrong since the last successful poll."""

    last_poll_error: str | None = None
    auth_error: str | None = None
    secret_warning: str | None = None
    failing: tuple[alarm.Failing, ...] = ()  # jobs failing run after run (deliver, ...)


class SelfAlarm:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        admins: list[Staff],
        channels: Callable[[], Channels],
        *,
        folder: str,
        instance: str,
        limits: alarm.Thresholds,
        tz: ZoneInfo,
        clock: Callable[[], datetime],
    ):
        self.sessions = sessions
        self.admins = admins
        self.channels = channels
        self.folder = folder
        self.instance = instance
        self.limits = limits
        self.tz = tz
        self.clock = clock
        self.running_since = clock()
        self._db_down: tuple[datetime, bool] | None = None  # (opened_at, announced)

    # -- one check -------------------------------------------------------------------
    def check(self, faults: Faults, *, database_only: bool = False) -> dict[str, str]:
        """Open and end incidents; returns the problems on now. `database_only` for a
        standby, which must not judge the active instance's polls and outbox."""
        now = self.clock()
        try:
            obs = self._observe(now, faults)
        except Exception as exc:  # noqa: BLE001 - the database is what failed
            self._database_down(now, f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            return {alarm.DATABASE: str(exc)}
        self._database_up(now)
        if database_only:
            return {}
        on = alarm.problems(obs, self.limits, self.tz)
        with self.sessions.begin() as session:
            rows = list(
                session.scalars(
                    select(AlarmIncident).where(
                        (AlarmIncident.resolved_at.is_(None))
                        | (AlarmIncident.recovery_notified_at.is_(None))
                    )
                )
            )
            open_rows = {r.kind: r for r in rows if r.resolved_at is None}
            change = alarm.changes(set(open_rows), on)
            for kind, detail in change.opened.items():
                row = AlarmIncident(kind=kind, detail=detail, opened_at=now, notified="")
                session.add(row)
                rows.append(row)
                log.error("self-alarm: %s: %s", alarm.TITLES[kind], detail)
            for kind in change.resolved:
                open_rows[kind].resolved_at = now
                log.warning("self-alarm: %s: resolved", alarm.TITLES.get(kind, kind))
            session.flush()
            for row in rows:  # announce what is not yet announced (retried every check)
                self._announce(row, now)
        return on

    def _observe(self, now: datetime, faults: Faults) -> alarm.Observation:
        with self.sessions() as session:
            state = session.get(FolderState, self.folder)
            waiting, oldest = outbox_waiting(session)
        return alarm.Observation(
            now=now,
            running_since=self.running_since,
            folder=self.folder,
            last_poll_ok=state.last_poll_at if state else None,
            last_poll_error=faults.last_poll_error,
            outbox_oldest=oldest,
            outbox_waiting=waiting,
            auth_error=faults.auth_error,
            secret_warning=faults.secret_warning,
            failing=faults.failing,
        )

    # -- the database, in memory -----------------------------------------------------
    def _database_down(self, now: datetime, detail: str) -> None:
        if self._db_down is None:
            log.error("self-alarm: database unavailable: %s", detail)
            self._db_down = (now, False)
        opened, announced = self._db_down
        if not announced:
            subject, body, sms = alarm.alarm_message(
                alarm.DATABASE, f"Baza danych nie odpowiada: {detail}", self.instance
            )
            self._db_down = (opened, bool(self._send(subject, body, sms)))

    def _database_up(self, now: datetime) -> None:
        if self._db_down is None:
            return
        opened, announced = self._db_down
        self._db_down = None
        log.warning("self-alarm: database available again")
        if announced:
            self._send(*alarm.recovery_message(alarm.DATABASE, opened, now, self.instance))

    # -- sending -----------------------------------------------------------------------
    def _announce(self, row: AlarmIncident, now: datetime) -> None:
        if row.notified_at is None:
            subject, body, sms = alarm.alarm_message(row.kind, row.detail, self.instance)
            sent = self._send(subject, body, sms)
            if sent:
                row.notified_at, row.notified = now, sent
        if row.resolved_at is not None and row.recovery_notified_at is None:
            if row.notified_at is None:  # never announced: no recovery to tell
                row.recovery_notified_at = now
                return
            sent = self._send(
                *alarm.recovery_message(row.kind, row.opened_at, row.resolved_at, self.instance)
            )
            if sent:
                row.recovery_notified_at = now

    def _send(self, subject: str, body: str, sms_text: str) -> str:
        """Mail and SMS to every admin; '' when nothing got through (retried later)."""
        if not self.admins:
            log.error("self-alarm: no staff member has the role admin in rules/staff.toml")
            return ""
        ch = self.channels()
        done: list[str] = []
        if ch.mailer is not None:
            try:
                ch.mailer.send(ch.from_address, [a.email for a in self.admins],
                               self._mail(ch.from_address, subject, body))  # fmt: skip
                done.append("mail")
            except Exception as exc:  # noqa: BLE001 - try the other channel
                log.error("self-alarm mail not sent: %s", exc)
        if ch.sms is not None:
            for admin in self.admins:
                if not admin.phone:
                    continue
                try:
                    ch.sms.send(admin.phone, gsm7(sms_text))
                    done.append(f"sms {admin.id}")
                except Exception as exc:  # noqa: BLE001 - try the next admin
                    log.error("self-alarm SMS to %s not sent: %s", admin.id, exc)
        if done:
            log.info("self-alarm sent (%s): %s", ", ".join(done), subject)
        return ", ".join(done)

    def _mail(self, from_address: str, subject: str, body: str) -> bytes:
        m = EmailMessage()
        m["From"] = f"mailbot <{from_address}>"
        m["To"] = ", ".join(a.email for a in self.admins)
        m["Subject"] = subject
        m["Date"] = format_datetime(self.clock())
        m["Message-ID"] = f"<alarm.{secrets.token_hex(8)}@kjmssoft.pl>"
        m["Auto-Submitted"] = "auto-generated"  # RFC 3834: nobody auto-answers this
        m.set_content(body)
        m["Content-Language"] = "pl"
        return m.as_bytes(policy=SMTP)


def oauth_notices(oauth: OAuthConfig | None, today: date) -> tuple[str, ...]:
    """The operator's lines for the digest (Digest.notices) and the self-alarm: () unless
    an OAuth2 client secret with a known expiry date is within its warning window."""
    if oauth is None:
        return ()
    warning = alarm.secret_expiry_warning(oauth.secret_expires, today, oauth.secret_warn_days)
    return (warning,) if warning else ()
