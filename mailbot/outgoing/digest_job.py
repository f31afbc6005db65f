"""The managers' daily digest: gather plain snapshots from the database, let the
pure core count, render Polish HTML + text with a chart, send once per working day."""

from __future__ import annotations

import base64
import logging
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core import ledger
from mailbot.core.digest import (
    NOT_A_TICKET,
    BillableSnap,
    DigestInput,
    PackageSnap,
    TicketSnap,
    build_digest,
    chart_start,
    period_start,
)
from mailbot.core.states import NOT_WORK, OPEN
from mailbot.outgoing.digest_mail import CHART_CID
from mailbot.settings.rules import Rules
from mailbot.store import ledger as ledger_store
from mailbot.store.tables import (
    JobRun,
    OutboxItem,
    QuarantineEntry,
    Ticket,
    TimeEntry,
)

log = logging.getLogger("mailbot.digest")


def _snap(t: Ticket, rules: Rules) -> TicketSnap:
    client = rules.book.client(t.client_id) if t.client_id else None
    return TicketSnap(
        number=t.number, subject=t.subject, created_at=t.created_at, client_id=t.client_id,
        client_name=client.name if client else None, contract=t.contract,
        product=t.product or "other", scope=t.scope or "other", emergency=t.emergency,
        trust=t.trust or "unknown", state=t.state, priority=t.priority or 4,
        deadline=t.deadline, reacted_at=t.reacted_at,
        breached_at=t.breached_at, closed_at=t.closed_at,
    )  # fmt: skip


def _client_name(rules: Rules, client_id: str | None) -> str:
    client = rules.book.client(client_id) if client_id else None
    return client.name if client else (client_id or "-")


def gather(session: Session, rules: Rules, day: date, tz: ZoneInfo, now: datetime) -> DigestInput:
    since = datetime.combine(period_start(day), time(0), tz)
    until = datetime.combine(day, time(0), tz)
    tickets = session.scalars(
        select(Ticket).where(
            Ticket.history.is_(False),
            Ticket.state.not_in(NOT_WORK),  # out-of-office, spam, merged: no ticket
            or_((Ticket.created_at >= since) & (Ticket.created_at < until), Ticket.state.in_(OPEN)),
        )
    )
    packages = []
    for client in rules.book.clients:
        balances = ledger.balance(
            ledger_store.purchases(session, client.id),
            ledger_store.deductions(session, client.id),
            day,
        )
        near = {b.purchase.id for b, _ in ledger.expiring(balances, day, timedelta(days=14))}
        for b in balances:
            if b.purchase.id in near or (b.used_up and b.purchase.valid_until >= day):
                packages.append(
                    PackageSnap(client.id, client.name, b.left, b.purchase.valid_until, b.used_up)
                )
    billable = [
        BillableSnap(
            e.client_id or "-", _client_name(rules, e.client_id), e.at, e.minutes, e.billable_reason
        )
        for e in session.scalars(
            select(TimeEntry).where(
                TimeEntry.billable.is_(True), TimeEntry.at >= since, TimeEntry.at < until
            )
        )
    ]
    suppressed = (
        session.scalar(
            select(func.count(OutboxItem.id)).where(
                OutboxItem.state == "suppressed",
                OutboxItem.created_at >= since,
                OutboxItem.created_at < until,
            )
        )
        or 0
    )
    quarantine = tuple(
        (q.id, q.reason)
        for q in session.scalars(
            select(QuarantineEntry).where(QuarantineEntry.resolved_at.is_(None))
        )
    )
    failures = tuple(
        (o.id, o.recipient, o.last_error)
        for o in session.scalars(
            select(OutboxItem).where(OutboxItem.state.in_(("failed", "uncertain")))
        )
    )
    return DigestInput(
        day=day, since=since, until=until, tickets=tuple(_snap(t, rules) for t in tickets),
        packages=tuple(packages), billable=tuple(billable), suppressed_replies=suppressed,
        quarantine=quarantine, outbox_failures=failures,
        daily=_daily(session, day, tz),
    )  # fmt: skip


def _daily(session: Session, day: date, tz: ZoneInfo) -> tuple:
    """Per day up to yesterday, since core.digest.chart_start (the last 30 days, fewer
    in mailbot's first weeks): tickets created, median minutes to the first reaction."""
    real = (Ticket.history.is_(False), Ticket.state != NOT_A_TICKET)  # not robots' mail
    first = session.scalar(select(func.min(Ticket.created_at)).where(*real))
    begin = chart_start(day, first.astimezone(tz).date() if first else None)
    start = datetime.combine(begin, time(0), tz)
    rows = session.execute(
        select(Ticket.created_at, Ticket.reacted_at).where(*real, Ticket.created_at >= start)
    )
    per_day: dict[date, list] = {begin + timedelta(days=n): [] for n in range((day - begin).days)}
    for created, reacted in rows:
        d = created.astimezone(tz).date()
        if d in per_day:
            per_day[d].append((reacted - created).total_seconds() / 60 if reacted else None)
    return tuple(
        (
            d,
            len(v),
            statistics.median([m for m in v if m is not None])
            if any(m is not None for m in v)
            else None,
        )
        for d, v in per_day.items()
    )


@dataclass(frozen=True)
class DigestMail:
    """One day's digest as it would be sent: what `preview` shows and `run` sends."""

    day: date
    subject: str
    text: str
    html: str  # refers to the chart as cid:wykres (the image travels in the same mail)
    png: bytes
    recipients: tuple[str, ...]

    def html_with_chart(self) -> str:
        """The HTML with the chart inlined as a data: URI, to open in a browser (a file
        on disk has no mail around it to resolve cid:)."""
        inline = "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")
        return self.html.replace(f"cid:{CHART_CID}", inline)


class DigestJob:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        rules: Rules,
        tz: ZoneInfo,
        clock: Callable[[], datetime],
        render,
        send,
    ):
        self.sessions = sessions
        self.rules = rules
        self.tz = tz
        self.clock = clock
        self.render = render  # Digest -> (subject, text, html, png)
        self.send = send  # (subject, text, html, png, recipients) -> None

    def managers(self) -> list[str]:
        return [s.email for s in self.rules.book.staff if "manager" in s.roles]

    def preview(self, day: date | None = None) -> DigestMail:
        """The digest for `day` (default today), rendered and not sent, not recorded:
        `mailbot digest` shows this; `--send` is `run(day, force=True)`."""
        now = self.clock()
        day = day or now.astimezone(self.tz).date()
        with self.sessions() as session:
            digest = build_digest(gather(session, self.rules, day, self.tz, now))
        subject, text, html, png = self.render(digest)
        return DigestMail(day, subject, text, html, png, tuple(self.managers()))

    def run(self, day: date | None = None, *, force: bool = False) -> str:
        """Send the digest for `day` (default today) once; returns what happened."""
        from mailbot.core.calendar import is_working_day

        now = self.clock()
        day = day or now.astimezone(self.tz).date()
        if not force and not is_working_day(day):
            return f"{day}: not a working day, no digest"
        with self.sessions() as session:
            if not force and session.get(JobRun, ("digest", day)) is not None:
                return f"{day}: digest already sent"
        mail = self.preview(day)
        self.send(mail.subject, mail.text, mail.html, mail.png, list(mail.recipients))
        try:
            with self.sessions.begin() as session:
                session.add(
                    JobRun(
                        job="digest", day=day, ran_at=now, detail=f"to {', '.join(mail.recipients)}"
                    )
                )
        except IntegrityError:
            pass  # a forced re-send of a day already recorded
        log.info("digest for %s sent to %s", day, ", ".join(mail.recipients))
        return f"{day}: digest sent to {', '.join(mail.recipients)}"
