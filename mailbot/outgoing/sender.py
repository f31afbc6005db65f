"""Delivers the outbox: pending rows -> SMTP (or the capture folder) and the SMS gateway.

A pass sends until nothing is due, or its deadline, or a stop: due rows are read in
batches (emergencies first), e-mail goes over one SMTP session, and each message costs
one commit, which records the outcome of the message before it and claims it
(`sending`) before a byte is sent. So at any moment at most one row is `sending`, as
when each row had a commit of its own for the claim and another for the outcome: a
crash leaves that one row, and `recover()` at the next start resends it if it is an
alert (an alert must never be lost) or marks it `uncertain` if it is a client reply (a
client must never get two); staff see those in `mailbot outbox list`.

When a channel fails for reasons that are not the message's (the SMTP server cannot be
reached, times out, the SMS gateway is down) the row in hand waits for its retry, and
the channel's other due rows wait with it (their next attempt moves, their attempts stay
as they are): a dead server costs one timeout per backoff step, not one per row, and a
long outage uses up the attempts of the one row that probes it, not of every row.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core.backoff import Backoff
from mailbot.edges.mailer import Mailer, MailSession
from mailbot.edges.sms import SmsChannel, SmsError, SmsRejected
from mailbot.edges.smtp import SmtpError, SmtpRejected, open_session
from mailbot.faults import crash_point
from mailbot.outgoing.compose import STAFF_REPLY, compose_alert_email, compose_reply
from mailbot.outgoing.render import Rendered
from mailbot.store import repo
from mailbot.store.tables import OutboxItem, Ticket, TicketEvent

log = logging.getLogger("mailbot.outbox")

_O, _E = OutboxItem.__table__, TicketEvent.__table__
_COLUMNS = (
    _O.c.id, _O.c.kind, _O.c.template, _O.c.ticket_id, _O.c.recipient, _O.c.recipient_name,
    _O.c.subject, _O.c.body_text, _O.c.body_html, _O.c.threading, _O.c.message_id,
    _O.c.emergency, _O.c.attempts,
)  # fmt: skip
_CLAIM = (
    update(_O)
    .where(_O.c.id == bindparam("oid"), _O.c.state == "pending")
    .values(state="sending", attempts=_O.c.attempts + 1)
)
_MARK = update(_O).where(_O.c.id == bindparam("oid"))  # SET: the keys passed
_EVENTS = insert(_E)
MAIL, SMS = "mail", "sms"


@dataclass
class DeliveryReport:
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # a channel failed in this pass (not a message's fault)
    down: list[str] = field(default_factory=list)  # channels that failed, none sent since
    more: bool = False  # rows were still due when the pass ended (deadline, stop, limit)
    connections: int = 0  # SMTP connections opened

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    @property
    def failed(self) -> bool:
        """The pass could not deliver because a channel is down (for the self-alarm)."""
        return self.error is not None

    @property
    def idle(self) -> bool:
        """Nothing was tried while a channel is down: its mail waits for the retry, so
        this pass says nothing about whether the channel works again."""
        return not self.counts and self.error is None and bool(self.down)


@dataclass(frozen=True)
class _Outcome:
    """What became of one row, committed with the next claim (or at the pass's end)."""

    row_id: int
    ticket_id: int
    kind: str
    label: str  # "template to recipient", for the ticket's event
    state: str  # sent | failed | uncertain | pending (retry later)
    error: str = ""
    retry_at: datetime | None = None


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
        batch: int = 200,
    ):
        self.retry = retry  # an outage delays mail, never loses it
        self.sessions = sessions
        self.mailer = mailer
        self.from_address = from_address
        self.from_name = from_name
        self.max_attempts = max_attempts
        self.clock = clock
        self.sms = sms
        self.batch = batch
        self._down: dict[str, str] = {}  # channel -> its last failure, until one goes out
        self._lock = threading.Lock()  # one pass at a time per process

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

    def deliver_pending(
        self,
        limit: int | None = None,
        *,
        deadline: float | None = None,
        stop: Callable[[], bool] = lambda: False,
    ) -> DeliveryReport:
        """One pass: until nothing is due, or `limit` rows, or `deadline`
        (time.monotonic()), or `stop()`; the message in hand is always finished."""
        with self._lock:
            return _Pass(self, limit, deadline, stop).run()

    def channel_error(self) -> str | None:
        """The last failure of a channel nothing went out through since (the self-alarm
        and the logs)."""
        return next(reversed(self._down.values()), None)

    def compose(self, row: Row[Any] | OutboxItem) -> bytes:
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
                personal=row.template == STAFF_REPLY,
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


class _Pass:
    """One delivery pass (OutboxSender.deliver_pending): its cursor, SMTP session and
    the outcomes not yet committed."""

    def __init__(
        self,
        sender: OutboxSender,
        limit: int | None,
        deadline: float | None,
        stop: Callable[[], bool],
    ):
        self.s = sender
        self.limit = limit
        self.deadline = deadline
        self.stop = stop
        self.report = DeliveryReport()
        self.done: list[_Outcome] = []
        self.mail: MailSession | None = None
        self.after = {True: 0, False: 0}  # emergency -> the last id looked at
        self.handled = 0
        self.failed: set[str] = set()  # channels that failed in this pass
        self.defer: list[tuple[str, datetime]] = []  # (channel, until): its due rows wait

    def run(self) -> DeliveryReport:
        now = self.s.clock()
        try:
            with self.s.sessions() as session:
                while not self._over():
                    rows = self._due(session, now)
                    if not rows:
                        break
                    for row in rows:
                        if self._over():
                            break
                        self._one(session, row)
                self._commit(session, None)
        finally:
            if self.mail is not None:
                self.report.connections = getattr(self.mail, "connections", 0)
                self.mail.close()
        self.report.down = list(self.s._down)
        return self.report

    def _over(self) -> bool:
        over = (
            self.stop()
            or (self.deadline is not None and time.monotonic() >= self.deadline)
            or (self.limit is not None and self.handled >= self.limit)
        )
        if over:
            self.report.more = True
        return over

    def _due(self, session: Session, now: datetime) -> list[Row[Any]]:
        """The next batch of due rows, emergencies first, each row looked at once; none
        of a resting channel's."""
        query = select(*_COLUMNS).where(
            _O.c.state == "pending",
            _O.c.next_attempt_at <= now,
            or_(
                and_(_O.c.emergency.is_(True), _O.c.id > self.after[True]),
                and_(_O.c.emergency.is_(False), _O.c.id > self.after[False]),
            ),
        )
        mail, sms = MAIL in self.failed, SMS in self.failed
        if mail and sms:
            return []
        if mail or sms:
            query = query.where((_O.c.kind == "alert_sms") if mail else (_O.c.kind != "alert_sms"))
        rows = list(
            session.execute(query.order_by(_O.c.emergency.desc(), _O.c.id).limit(self.s.batch))
        )
        session.commit()  # no transaction held while sending
        for row in rows:
            self.after[bool(row.emergency)] = max(self.after[bool(row.emergency)], row.id)
        return rows

    def _one(self, session: Session, row: Row[Any]) -> None:
        channel = SMS if row.kind == "alert_sms" else MAIL
        if channel in self.failed:
            return  # it waits with the channel's other rows (see _commit)
        label = f"{row.template} to {row.recipient}"
        try:
            raw = self.s.compose(row)
        except ValueError as exc:  # a bad address: retrying cannot help
            log.error("outbox #%d to %r: cannot compose: %s", row.id, row.recipient, exc)
            self._outcome(row, label, "failed", f"cannot compose: {exc}")
            return
        if not self._commit(session, row.id):
            return  # another sender (thread or instance) has it
        self.handled += 1
        crash_point("outbox.claimed")  # `sending` committed, nothing sent
        attempts = row.attempts + 1
        try:
            if channel == SMS:
                if self.s.sms is None:
                    raise SmsRejected("no SMS channel is configured ([sms] channel)")
                self.s.sms.send(row.recipient, raw.decode("utf-8"))
                crash_point("outbox.sms_accepted")  # gateway took it, still `sending`
            else:
                if self.mail is None:
                    self.mail = open_session(self.s.mailer, deadline=self.deadline)
                self.mail.send(self.s.from_address, [row.recipient], raw)
                crash_point("outbox.mail_accepted")  # SMTP took it, still `sending`
        except (SmtpRejected, SmsRejected) as exc:
            self._outcome(row, label, "failed", f"rejected: {exc}")
        except ValueError as exc:
            self._outcome(row, label, "failed", f"bad address: {exc}")
        except (SmtpError, SmsError) as exc:
            self.report.error = str(exc)
            self.failed.add(channel)
            self.s._down[channel] = str(exc)
            retry_at = self.s.clock() + timedelta(seconds=self.s.retry.delay(attempts))
            self.defer.append((channel, retry_at))
            log.warning("outbox: the %s channel failed; its mail waits until %s",
                        channel, retry_at.strftime("%H:%M:%S %Z"))  # fmt: skip
            if getattr(exc, "maybe_delivered", False) and row.kind == "reply":
                self._outcome(row, label, "uncertain", f"maybe delivered: {exc}")
            elif attempts >= self.s.max_attempts:
                self._outcome(row, label, "failed", f"gave up after {attempts} attempts: {exc}")
            else:
                self._outcome(row, label, "pending", str(exc), retry_at)
        else:
            if self.s._down.pop(channel, None) is not None:
                log.info("outbox: the %s channel works again", channel)
            self._outcome(row, label, "sent")
            log.info("outbox #%d: %s sent to %s", row.id, row.kind, row.recipient)

    def _outcome(
        self,
        row: Row[Any],
        label: str,
        state: str,
        error: str = "",
        retry_at: datetime | None = None,
    ) -> None:
        self.done.append(_Outcome(row.id, row.ticket_id, row.kind, label, state, error, retry_at))
        self.report.count(state if state != "pending" else "retry later")
        if state != "sent":
            log.warning("outbox #%d: %s (%s)", row.id, error, state)

    def _commit(self, session: Session, claim: int | None) -> bool:
        """One transaction: the outcomes so far, then the claim of row `claim`. Returns
        whether the claim succeeded (True when there is none)."""
        if not self.done and not self.defer and claim is None:
            return True
        now = self.s.clock()
        conn = session.connection()
        done, self.done = self.done, []
        defer, self.defer = self.defer, []
        for channel, until in defer:  # due now, they wait for the channel's retry
            sms = _O.c.kind == "alert_sms"
            conn.execute(
                update(_O)
                .where(
                    _O.c.state == "pending",
                    _O.c.next_attempt_at < until,
                    sms if channel == SMS else ~sms,
                )  # fmt: skip
                .values(next_attempt_at=until)
            )
        for o in done:
            values: dict[str, Any] = {
                "oid": o.row_id,
                "state": o.state,
                "last_error": o.error[:2000],
            }
            if o.state == "sent":
                values["sent_at"] = now
            if o.retry_at is not None:
                values["next_attempt_at"] = o.retry_at
            conn.execute(_MARK, values)
        events = [
            {"ticket_id": o.ticket_id, "kind": f"{o.kind}_{o.state}", "at": now,
             "detail": o.label + (f": {o.error}" if o.error else ""), "message_id": None}
            for o in done
            if o.state in ("sent", "failed", "uncertain")
        ]  # fmt: skip
        if events:
            conn.execute(_EVENTS, events)
        claimed = claim is None or conn.execute(_CLAIM, {"oid": claim}).rowcount == 1
        session.commit()
        for o in done:
            if o.state == "sent":
                crash_point("outbox.marked")  # `sent` committed
        return claimed
