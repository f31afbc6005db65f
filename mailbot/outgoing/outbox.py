"""The transactional outbox: what to send is written in the transaction that records the
message; a sender job delivers it later (issue #5).

Guarantees: one reply per inbound message and one alert per ticket, staff member and
step, ever (a unique `dedup_key`); a crash in the middle of sending resends an alert (an
alert must never be lost) but never a client reply (a client must never get two): that
row becomes `uncertain` and is listed for staff. Loop guards (RFC 3834) run before any
reply is queued, in the decision (`automatic`) and here (rate limit per sender).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from mailbot.core import calendar
from mailbot.core.decide import IntakeDecision
from mailbot.core.pages import DEFAULT_WINDOW, holds, page_group
from mailbot.errors import ConfigError
from mailbot.model import Address, InboundMail
from mailbot.outgoing.excerpt import first_paragraph, phone_numbers
from mailbot.outgoing.links import AckLinks
from mailbot.outgoing.render import (
    MORE_MAIL,
    MORE_SMS,
    Rendered,
    TemplateProblem,
    TemplateSet,
    queue_url,
    ticket_url,
)
from mailbot.settings.rules import Rules
from mailbot.store.tables import Message, OutboxItem, Ticket

log = logging.getLogger("mailbot.outbox")


@dataclass(frozen=True)
class OutboxPolicy:
    replies_per_sender_per_hour: int = 5
    max_attempts: int = 8
    sms: bool = False  # an SMS channel is configured: alerts go by SMS too
    sms_transliterate: bool = True
    page_window: timedelta = DEFAULT_WINDOW  # core.pages: later pages are folded; 0 = off
    base_url: str = ""  # [web] base_url: alerts link to the ticket's page; "" = no link


_BATCH = "mailbot_outbox_batch"  # Session.info key: the transaction's OutboxBatch
_REPLIES = (
    select(OutboxItem.recipient, func.count(OutboxItem.id))
    .where(
        OutboxItem.kind == "reply",
        OutboxItem.recipient.in_(bindparam("to", expanding=True)),
        OutboxItem.state.in_(("pending", "sending", "sent", "uncertain")),
        OutboxItem.created_at >= bindparam("since"),
    )
    .group_by(OutboxItem.recipient)
)
_INSERT = insert(OutboxItem.__table__)


@dataclass
class OutboxBatch:
    """The outbox rows of one intake group, written with one INSERT at its end.

    Per message, the rate limit was an ORM count that flushed the session first (~2 ms,
    a quarter of a live message's cost): here the replies of the last hour are counted
    once for every sender of the group and then kept up to date in memory. Rows wait in
    `rows` until `Outbox.write_batch`; `inbound_id` may stand for a message not yet
    inserted, resolved then."""

    replies: dict[str, int]  # recipient -> auto-replies in the last hour, this batch's too
    rows: list[dict[str, Any]] = field(default_factory=list)


def last_inbound(message: Message) -> InboundMail:
    """A stored message as an InboundMail, enough to thread a later reply to it."""
    return InboundMail(
        message_id=message.message_key, message_id_synthetic=message.synthetic_key,
        sender=Address(message.sender_name, message.sender_address), to=(), cc=(),
        subject=message.subject, date=message.sent_at, in_reply_to=message.in_reply_to,
        references=tuple(message.references.split()), text=message.body_text, html=None,
        attachments=(), content_type="text/plain",
    )  # fmt: skip


def reply_context(
    mail: InboundMail,
    ticket: str,
    d: IntakeDecision,
    rules: Rules,
    received: datetime,
    package: Any = None,
    base_url: str = "",
) -> dict[str, Any]:
    """Everything any template may ask for (templates/README.md); extra keys are fine.
    The alert keys describe the receipt step (escalation.ticket_context the later ones)."""
    client = rules.book.client(d.client_id) if d.client_id else None
    opiekun = rules.book.staff_member(client.opiekun) if client and client.opiekun else None
    addons = frozenset(d.addons)
    return {
        "ticket": ticket, "subject": mail.subject, "sender": mail.sender.address
        if mail.sender else "", "client_name": client.name if client else None,
        "contract": d.contract, "opiekun": opiekun, "package": package or d.package,
        "deadline": d.deadline, "received_at": received,
        "handle_from": calendar.next_covered_start(received, addons if d.contract == "opieka"
                                                   else frozenset()),
        "checked_by": calendar.next_mailbox_check(received),
        "oncall_alerted": any(a.role == "oncall" for a in d.alerts), "billing": d.billing,
        "scope": d.scope, "product": d.product,
        "reasons": list(d.urgency_reasons), "rules": list(d.rules), "role": "oncall",
        "possible": d.possible and not d.emergency,
        "hardware_suspected": d.emergency and d.scope == "hardware",
        "step": "receipt", "minutes_left": None,
    } | message_view(mail.text, ticket, rules, base_url)  # fmt: skip


def message_view(text: str, number: str, rules: Rules, base_url: str) -> dict[str, Any]:
    """What an alert shows of the client's mail: its first paragraph whole (not 400
    characters cut mid-word), every phone number in it but ours, and the ticket's link."""
    ours = [s.phone for s in rules.book.staff if s.phone]
    return {
        "excerpt": first_paragraph(text),
        "phones": list(phone_numbers(text, ours)),
        "ticket_url": ticket_url(base_url, number),
    }


class Outbox:
    def __init__(
        self,
        templates: TemplateSet,
        rules: Rules,
        policy: OutboxPolicy,
        message_id: Callable[[str], str],
        links: AckLinks | None = None,
    ):
        self.templates = templates
        self.rules = rules
        self.policy = policy
        self.message_id = message_id
        self.links = links  # the one-tap "Przyjmuję" links alerts carry; None: none

    def begin_batch(self, session: Session, senders: Iterable[str], now: datetime) -> None:
        """Outbox rows queued in this transaction wait for `write_batch` (intake's group
        commit); the rate limit of every sender in `senders` is counted now, at once."""
        to = sorted({s for s in senders if s})
        counts = (
            dict(session.execute(_REPLIES, {"to": to, "since": now - timedelta(hours=1)}).all())
            if to
            else {}
        )
        session.info[_BATCH] = OutboxBatch({t: counts.get(t, 0) for t in to})

    def write_batch(self, session: Session, resolve: Callable[[Any], int | None]) -> int:
        """Insert the rows queued since `begin_batch` (one statement); `resolve` turns a
        placeholder `inbound_id` into the message's id. Returns how many were written."""
        batch: OutboxBatch | None = session.info.pop(_BATCH, None)
        if batch is None or not batch.rows:
            return 0
        rows = [r | {"inbound_id": resolve(r["inbound_id"])} for r in batch.rows]
        session.connection().execute(_INSERT, rows)
        return len(rows)

    def queue_reply(
        self,
        session: Session,
        *,
        template: str,
        context: dict[str, Any],
        mail: InboundMail,
        ticket_id: int,
        inbound_id: Any,
        emergency: bool,
        now: datetime,
        occasion: str = "",
    ) -> str:
        """Queue the auto-reply to one inbound message; returns the row's state.
        `occasion` names a later, separate reply in the same thread (e.g. "released").
        Only a reply that will be sent is rendered: a flood is mostly rate-limited."""
        to = mail.sender.address if mail.sender else ""
        state, error, rendered = "pending", "", None
        if not to:
            state, error = "failed", "the message has no sender address"
        elif self._replies_last_hour(session, to, now) >= self.policy.replies_per_sender_per_hour:
            state = "suppressed"
            error = (
                f"rate limit: {self.policy.replies_per_sender_per_hour} auto-replies "
                f"per hour to {to} (loop protection)"
            )
        else:
            rendered, error = self._render(template, context, error)
            if rendered is None:
                state = "failed"
        refs = [*mail.references, mail.message_id] if mail.message_id else list(mail.references)
        self._add(
            session,
            kind="reply",
            template=template,
            dedup=f"reply:{mail.message_id}" + (f":{occasion}" if occasion else ""),
            ticket_id=ticket_id,
            inbound_id=inbound_id,
            to=to,
            name=mail.sender.name if mail.sender else "",
            rendered=rendered,
            threading={
                "in_reply_to": mail.message_id,
                "references": refs,
                "thread_index": mail.thread_index,
            },
            ticket=context["ticket"],
            emergency=emergency,
            state=state,
            error=error,
            now=now,
        )
        batch: OutboxBatch | None = session.info.get(_BATCH)
        if batch is not None and state == "pending":
            batch.replies[to] = batch.replies.get(to, 0) + 1
        return state

    def queue_written_reply(
        self,
        session: Session,
        *,
        rendered: Rendered,
        mail: InboundMail,
        ticket: str,
        ticket_id: int,
        inbound_id: int,
        now: datetime,
        occasion: str,
    ) -> str:
        """A reply a person wrote (services.mail.reply), threaded like the automatic ones.
        Not rate limited: the limit stops mail loops, and a person answering is none."""
        to = mail.sender.address if mail.sender else ""
        refs = [*mail.references, mail.message_id] if mail.message_id else list(mail.references)
        state = "pending" if to else "failed"
        self._add(
            session, kind="reply", template="staff_reply",
            dedup=f"reply:{mail.message_id}:{occasion}", ticket_id=ticket_id,
            inbound_id=inbound_id, to=to, name=mail.sender.name if mail.sender else "",
            rendered=rendered, threading={"in_reply_to": mail.message_id, "references": refs,
                                          "thread_index": mail.thread_index},
            ticket=ticket, emergency=False, state=state,
            error="" if to else "the message has no sender address", now=now,
        )  # fmt: skip
        return state

    def queue_alerts(
        self,
        session: Session,
        *,
        d: IntakeDecision,
        context: dict[str, Any],
        ticket_id: int,
        step: str,
        now: datetime,
    ) -> int:
        """The pages an intake decision calls for (step "receipt"), coalesced per client."""
        return self.queue_staff_alerts(
            session,
            alerts=[(a.role, a.to) for a in d.alerts],
            context=context,
            ticket_id=ticket_id,
            step=step,
            now=now,
            group=page_group(step, d.client_id, context["sender"]),
        )

    def queue_staff_alerts(
        self,
        session: Session,
        *,
        alerts: list[tuple[str, str | None]],
        context: dict[str, Any],
        ticket_id: int,
        step: str,
        now: datetime,
        group: str | None = None,
    ) -> int:
        """One e-mail per paged person and step (receipt, reminder, breach). A person named
        by two roles (on call and the client's opiekun) is paged once, under the first:
        a second row would break the unique dedup_key and, with it, the whole intake
        transaction (found by the fault-injection suite, #8).

        `group` (core.pages.page_group): a page that the same person got for the same
        group less than the page window ago holds this one back (state `folded`, kept
        whole); queue_summaries later sends the held ones as one "N więcej" page."""
        queued = 0
        paged: set[str] = set()
        for role, staff_id in alerts:
            staff = self.rules.book.staff_member(staff_id) if staff_id else None
            if staff is None:
                log.error(
                    "alert for ticket %s: nobody to page as %s (rota gap?)", context["ticket"], role
                )
                continue
            if staff.id in paged:
                continue
            paged.add(staff.id)
            ctx = context | {"role": role, "ack_url": self.ack_url(context["ticket"], staff.id)}
            rendered, error = self._render("alert_oncall", ctx, "")
            state = "pending" if rendered else "failed"
            if rendered and self._held(session, group, staff.email, "alert_email", now):
                state = "folded"
            self._add(
                session,
                kind="alert_email",
                template="alert_oncall",
                dedup=f"alert:{context['ticket']}:{step}:{staff.id}:email",
                ticket_id=ticket_id,
                inbound_id=None,
                to=staff.email,
                name=staff.name,
                rendered=rendered,
                threading={},
                ticket=context["ticket"],
                emergency=True,
                state=state,
                error=error,
                now=now,
                page_group=group,
            )
            queued += 1
            if self.policy.sms and staff.phone:
                self._queue_sms(session, ctx, staff.id, staff.phone, ticket_id, step, now, group)
        return queued

    def ack_url(self, ticket: str, staff_id: str) -> str:
        """The paged person's own one-tap link for the ticket, "" without a console. A
        key that cannot be read costs the link, never the alert."""
        if self.links is None:
            return ""
        try:
            return self.links.url(ticket, staff_id)
        except ConfigError as exc:
            log.error("alert for %s goes without its one-tap link: %s", ticket, exc)
            return ""

    def _held(self, session: Session, group: str | None, to: str, kind: str, now: datetime
              ) -> bool:  # fmt: skip
        return group is not None and holds(
            self._last_page(session, group, to, kind), now, self.policy.page_window
        )

    @staticmethod
    def _last_page(session: Session, group: str, to: str, kind: str) -> datetime | None:
        """When the person last got a page of this group on this channel (held ones and
        the ones counted in a summary did not reach them), rows of this batch included."""
        last = session.scalar(
            select(func.max(OutboxItem.created_at)).where(
                OutboxItem.page_group == group,
                OutboxItem.recipient == to,
                OutboxItem.kind == kind,
                OutboxItem.state.not_in(("folded", "coalesced")),
            )
        )
        batch: OutboxBatch | None = session.info.get(_BATCH)
        for row in batch.rows if batch is not None else ():
            same = (row["page_group"], row["recipient"], row["kind"]) == (group, to, kind)
            if same and row["state"] not in ("folded", "coalesced"):
                last = row["created_at"] if last is None else max(last, row["created_at"])
        return last

    def queue_summaries(self, session: Session, now: datetime) -> int:
        """One "N więcej" page per person, channel and group whose window has passed,
        for the pages held back in it (every minute, from the escalation job). The held
        rows become `coalesced`: kept, listed by `mailbot outbox list`, never sent."""
        folded = list(
            session.scalars(
                select(OutboxItem).where(OutboxItem.state == "folded").order_by(OutboxItem.id)
            )
        )
        held: dict[tuple[str, str, str], list[OutboxItem]] = {}
        for row in folded:
            held.setdefault((row.page_group or "", row.recipient, row.kind), []).append(row)
        queued = 0
        for (group, to, kind), rows in held.items():
            if holds(self._last_page(session, group, to, kind), now, self.policy.page_window):
                continue
            tickets = {
                t.id: t
                for t in session.scalars(
                    select(Ticket).where(Ticket.id.in_({r.ticket_id for r in rows}))
                )
            }
            context = self._summary_context(group, [tickets[r.ticket_id] for r in rows])
            self._queue_summary(session, group, to, kind, rows, context, now)
            session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_([r.id for r in rows]))
                .values(state="coalesced")
            )
            queued += 1
        return queued

    def _summary_context(self, group: str, tickets: list[Ticket]) -> dict[str, Any]:
        """What the alert_more templates get (templates/README.md)."""
        last = tickets[-1]
        client = self.rules.book.client(last.client_id) if last.client_id else None
        return {
            "ticket": last.number,
            "count": len(tickets),
            "tickets": [
                {"ticket": t.number, "subject": t.subject, "received_at": t.created_at}
                for t in tickets
            ],
            "client_name": client.name if client else None,
            "sender": last.requester,
            "step": group.split(":", 1)[0],
            "window_minutes": int(self.policy.page_window.total_seconds() // 60),
            "queue_url": queue_url(self.policy.base_url),
            "ticket_url": ticket_url(self.policy.base_url, last.number),
        }

    def _queue_summary(
        self,
        session: Session,
        group: str,
        to: str,
        kind: str,
        rows: list[OutboxItem],
        context: dict[str, Any],
        now: datetime,
    ) -> None:
        error, rendered = "", None
        if kind == "alert_sms":
            try:
                text = self.templates.render_sms(
                    context, name=MORE_SMS, transliterate=self.policy.sms_transliterate
                )
                rendered = Rendered("", text, "")
            except TemplateProblem as exc:
                error = f"template {MORE_SMS}: {exc}"
        else:
            rendered, error = self._render(MORE_MAIL, context, "")
        self._add(
            session,
            kind=kind,
            template=MORE_SMS if kind == "alert_sms" else MORE_MAIL,
            dedup=f"more:{group}:{to}:{kind}:{rows[0].id}",
            ticket_id=rows[-1].ticket_id,
            inbound_id=None,
            to=to,
            name=rows[-1].recipient_name,
            rendered=rendered,
            threading={},
            ticket=context["ticket"],
            emergency=True,
            state="pending" if rendered else "failed",
            error=error,
            now=now,
            page_group=group,
        )

    def _queue_sms(
        self,
        session: Session,
        ctx: dict[str, Any],
        staff_id: str,
        phone: str,
        ticket_id: int,
        step: str,
        now: datetime,
        group: str | None = None,
    ) -> None:
        try:
            text, error = (
                self.templates.render_sms(ctx, transliterate=self.policy.sms_transliterate),
                "",
            )
        except TemplateProblem as exc:
            text, error = "", f"template alert_sms: {exc}"
        self._add(
            session,
            kind="alert_sms",
            template="alert_sms",
            dedup=f"alert:{ctx['ticket']}:{step}:{staff_id}:sms",
            ticket_id=ticket_id,
            inbound_id=None,
            to=phone,
            name=staff_id,
            rendered=Rendered("", text, "") if text else None,
            threading={},
            ticket=ctx["ticket"],
            emergency=True,
            state=(
                "failed"
                if not text
                else "folded"
                if self._held(session, group, phone, "alert_sms", now)
                else "pending"
            ),
            error=error,
            now=now,
            page_group=group,
        )

    def _render(
        self, template: str, context: dict[str, Any], error: str
    ) -> tuple[Rendered | None, str]:
        try:
            return self.templates.render_reply(template, context), error
        except TemplateProblem as exc:  # never lose the inbound message over a template
            log.error("cannot render %s: %s", template, exc)
            return None, f"template {template}: {exc}"

    @staticmethod
    def _replies_last_hour(session: Session, to: str, now: datetime) -> int:
        batch: OutboxBatch | None = session.info.get(_BATCH)
        if batch is not None and to in batch.replies:
            return batch.replies[to]
        counts = dict(
            session.execute(_REPLIES, {"to": [to], "since": now - timedelta(hours=1)}).all()
        )
        if batch is not None:
            batch.replies[to] = counts.get(to, 0)
        return counts.get(to, 0)

    def _add(
        self,
        session: Session,
        *,
        kind: str,
        template: str,
        dedup: str,
        ticket_id: int,
        inbound_id: Any,
        to: str,
        name: str,
        rendered: Rendered | None,
        threading: dict[str, Any],
        ticket: str,
        emergency: bool,
        state: str,
        error: str,
        now: datetime,
        page_group: str | None = None,
    ) -> None:
        """The row now (one INSERT), or at the end of the batch when one is open."""
        row = {
            "kind": kind, "template": template, "dedup_key": dedup[:400],
            "ticket_id": ticket_id, "inbound_id": inbound_id, "recipient": to,
            "recipient_name": name, "subject": rendered.subject if rendered else "",
            "body_text": rendered.text if rendered else "",
            "body_html": rendered.html if rendered else "",
            "threading": json.dumps(threading), "message_id": self.message_id(ticket),
            "emergency": emergency, "state": state, "attempts": 0, "next_attempt_at": now,
            "last_error": error, "created_at": now, "sent_at": None, "page_group": page_group,
        }  # fmt: skip
        batch: OutboxBatch | None = session.info.get(_BATCH)
        if batch is not None:
            batch.rows.append(row)
        else:
            session.connection().execute(_INSERT, row)
