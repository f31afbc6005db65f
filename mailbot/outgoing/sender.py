"""Delivers the outbox: pending rows -> SMTP (or the capture folder), with retries.

Each row is marked `sending` and committed before the SMTP transaction, and `sent` after
it. A crash in between leaves `sending`; `recover()` at the next start resends alerts
(an alert must never be lost) and marks client replies `uncertain` (a client must never
get two): staff see those in `mailbot outbox list`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core.backoff import Backoff
from mailbot.edges.sms import SmsChannel, SmsError, SmsRejected
from mailbot.edges.smtp import Mailer, SmtpError, SmtpRejected
from mailbot.faults import crash_point
from mailbot.outgoing.compose import compose_alert_email, compose_reply
from mailbot.outgoing.render import Rendered
from mailbot.store import repo
from mailbot.store.tables import OutboxItem, Ticket

log = logging.getLogger("mailbot.outbox")


@dataclass
class DeliveryReport:
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


class OutboxSender:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        mailer: Mailer,
        *,
        from_address: str,
        from_name: str,
        max_attempts: int,
        clock: Callable[[], datetime],
        retry: Backoff,  # [outbox] retry_after, doubling up to retry_max
        sms: SmsChannel | None = None,
    ):
        self.sms = sms
        self.retry = retry  # an outage delays mail, never loses it
        self.sessions = sessions
        self.mailer = mailer
        self.from_address = from_address
        self.from_name = from_name
        self.max_attempts = max_attempts
        self.clock = clock
        self.sms = sms

    def recover(self) -> DeliveryReport:
        """After a crash: rows left `sending` were maybe sent, maybe not."""
        report = DeliveryReport()
        now = self.clock()
        with self.sessions.begin() as session:
            for row in session.scalars(select(OutboxItem).where(OutboxItem.state == "sending")):
                ticket = session.get(Ticket, row.ticket_id)
                if row.kind == "reply":
                    row.state = "uncertain"
                    row.last_error = (
                        "interrupted while sending: maybe delivered, not resent "
                        "(a client must never get two replies); check and answer "
                        "by hand if needed"
                    )
                    report.count("uncertain")
                    if ticket is not None:
                        repo.add_event(session, ticket, "reply_uncertain", now, row.last_error)
                else:
                    row.state, row.next_attempt_at = "pending", now
                    report.count("alerts resent")
                log.warning(
                    "outbox #%d (%s to %s) was interrupted mid-send: now %s",
                    row.id,
                    row.kind,
                    row.recipient,
                    row.state,
                )
        crash_point("outbox.recovered")  # `sending` rows resolved, nothing sent yet
        return report

    def deliver_pending(self, limit: int = 200) -> DeliveryReport:
        report = DeliveryReport()
        now = self.clock()
        with self.sessions() as session:
            ids = list(
                session.scalars(
                    select(OutboxItem.id)
                    .where(OutboxItem.state == "pending", OutboxItem.next_attempt_at <= now)
                    .order_by(OutboxItem.emergency.desc(), OutboxItem.id)
                    .limit(limit)
                )
            )
        for item_id in ids:
            self._deliver_one(item_id, report)
        return report

    def _deliver_one(self, item_id: int, report: DeliveryReport) -> None:
        with self.sessions.begin() as session:  # claim it: `sending` is committed first
            claimed = session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item_id, OutboxItem.state == "pending")
                .values(state="sending")
            ).rowcount
            if claimed != 1:
                return  # another sender (thread or instance) has it
            row = session.get(OutboxItem, item_id)
            assert row is not None
            try:
                raw = self._compose(row)
            except ValueError as exc:  # a bad address: retrying cannot help
                row.state, row.last_error = "failed", f"cannot compose: {exc}"
                report.count("failed")
                log.error("outbox #%d to %r: cannot compose: %s", row.id, row.recipient, exc)
                return
            row.state, row.attempts = "sending", row.attempts + 1
            recipient, kind, attempts = row.recipient, row.kind, row.attempts
        crash_point("outbox.claimed")  # `sending` committed, nothing sent
        try:
            if kind == "alert_sms":
                if self.sms is None:
                    raise SmsRejected("no SMS channel is configured ([sms] channel)")
                self.sms.send(recipient, raw.decode("utf-8"))
                crash_point("outbox.sms_accepted")  # gateway took it, still `sending`
            else:
                self.mailer.send(self.from_address, [recipient], raw)
                crash_point("outbox.mail_accepted")  # SMTP took it, still `sending`
        except (SmtpRejected, SmsRejected) as exc:
            self._finish(item_id, "failed", f"rejected: {exc}", report)
        except ValueError as exc:
            self._finish(item_id, "failed", f"bad address: {exc}", report)
        except (SmtpError, SmsError) as exc:
            if (
                getattr(exc, "maybe_delivered", False) and kind == "reply"
            ):  # a client must never get two
                self._finish(item_id, "uncertain", f"maybe delivered: {exc}", report)
            elif attempts >= self.max_attempts:
                self._finish(item_id, "failed", f"gave up after {attempts} attempts: {exc}", report)
            else:
                wait = timedelta(seconds=self.retry.delay(attempts))
                self._finish(item_id, "pending", str(exc), report, retry_at=self.clock() + wait)
        else:
            self._finish(item_id, "sent", "", report)
            crash_point("outbox.marked")  # `sent` committed
            log.info("outbox #%d: %s sent to %s", item_id, kind, recipient)

    def _finish(
        self,
        item_id: int,
        state: str,
        error: str,
        report: DeliveryReport,
        retry_at: datetime | None = None,
    ) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            row = session.get(OutboxItem, item_id)
            assert row is not None
            row.state, row.last_error = state, error[:2000]
            if state == "sent":
                row.sent_at = now
            if retry_at is not None:
                row.next_attempt_at = retry_at
            ticket = session.get(Ticket, row.ticket_id)
            if ticket is not None and state in ("sent", "failed", "uncertain"):
                repo.add_event(
                    session,
                    ticket,
                    f"{row.kind}_{state}",
                    now,
                    f"{row.template} to {row.recipient}" + (f": {error}" if error else ""),
                )
        report.count(state if state != "pending" else "retry later")
        if state != "sent":
            log.warning("outbox #%d: %s (%s)", item_id, error, state)

    def _compose(self, row: OutboxItem) -> bytes:
        if row.kind == "alert_sms":
            return row.body_text.encode("utf-8")  # the SMS text, rendered at queue time
        rendered = Rendered(row.subject, row.body_text, row.body_html)
        now = self.clock()
        if row.kind == "reply":
            t = json.loads(row.threading or "{}")
            return compose_reply(
                rendered,
                from_addr=self.from_address,
                from_name=self.from_name,
                to_addr=row.recipient,
                to_name=row.recipient_name,
                in_reply_to=t.get("in_reply_to"),
                references=tuple(t.get("references", ())),
                thread_index=t.get("thread_index"),
                message_id=row.message_id,
                date=now,
            )
        return compose_alert_email(
            rendered,
            from_addr=self.from_address,
            from_name=self.from_name,
            to_addrs=[row.recipient],
            message_id=row.message_id,
            date=now,
            emergency=row.emergency,
        )
