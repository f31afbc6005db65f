"""The transactional outbox: what to send is written in the transaction that records the
message; a sender job delivers it later.

Guarantees: one reply per inbound message and one alert per ticket, staff member and
step, ever (a unique `dedup_key`); a crash in the middle of sending resends an alert (an
alert must never be lost) but never a client reply (a client must never get two): that
row becomes `uncertain` and is listed for staff. Loop guards (RFC 3834) run before any
reply is queued, in the decision (`automatic`) and here (rate limit per sender).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mailbot.core.decide import IntakeDecision
from mailbot.core.pages import page_group
from mailbot.model import InboundMail
from mailbot.outgoing import page_summary
from mailbot.outgoing.compose import STAFF_REPLY
from mailbot.outgoing.contexts import last_inbound, message_view, reply_context
from mailbot.outgoing.outbox_rows import OutboxBatch, OutboxPolicy, OutboxRows, log
from mailbot.outgoing.render import Rendered, TemplateProblem

# Where each part lives: contexts.py (what templates get), outbox_rows.py (writing a row,
# now or with the intake group), page_summary.py (the "N więcej" page). Their public
# names stay importable from here.
__all__ = ["Outbox", "OutboxBatch", "OutboxPolicy", "last_inbound", "message_view",
           "reply_context"]  # fmt: skip


class Outbox(OutboxRows):
    """What intake, the escalation job and staff actions queue: replies and pages."""

    def queue_reply(
        self,
        session: Session,
        *,
        template: str,
        context: dict[str, Any],
        mail: InboundMail,
        ticket_id: Any,  # an id, or a group's placeholder (OutboxBatch)
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
        elif self.replies_last_hour(session, to, now) >= self.policy.replies_per_sender_per_hour:
            state = "suppressed"
            error = (
                f"rate limit: {self.policy.replies_per_sender_per_hour} auto-replies "
                f"per hour to {to} (loop protection)"
            )
        else:
            rendered, error = self.render(template, context, error)
            if rendered is None:
                state = "failed"
        refs = [*mail.references, mail.message_id] if mail.message_id else list(mail.references)
        self.add_row(
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
        if state == "pending":
            self.count_reply(session, to)
        return state

    def queue_written_reply(
        self,
        session: Session,
        *,
        rendered: Rendered,
        mail: InboundMail,
        ticket: str,
        ticket_id: Any,  # an id, or a group's placeholder (OutboxBatch)
        inbound_id: int,
        now: datetime,
        occasion: str,
    ) -> str:
        """A reply a person wrote (services.mail.reply), threaded like the automatic ones.
        Not rate limited: the limit stops mail loops, and a person answering is none."""
        to = mail.sender.address if mail.sender else ""
        refs = [*mail.references, mail.message_id] if mail.message_id else list(mail.references)
        state = "pending" if to else "failed"
        self.add_row(
            session, kind="reply", template=STAFF_REPLY,
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
        ticket_id: Any,  # an id, or a group's placeholder (OutboxBatch)
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
        ticket_id: Any,  # an id, or a group's placeholder (OutboxBatch)
        step: str,
        now: datetime,
        group: str | None = None,
    ) -> int:
        """One e-mail per paged person and step (receipt, reminder, breach). A person named
        by two roles (on call and the client's opiekun) is paged once, under the first:
        a second row would break the unique dedup_key and, with it, the whole intake
        transaction (the fault-injection suite found this).

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
            rendered, error = self.render("alert_oncall", ctx, "")
            state = "pending" if rendered else "failed"
            if rendered and self.held(session, group, staff.email, "alert_email", now):
                state = "folded"
            self.add_row(
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

    def _queue_sms(
        self,
        session: Session,
        ctx: dict[str, Any],
        staff_id: str,
        phone: str,
        ticket_id: Any,  # an id, or a group's placeholder (OutboxBatch)
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
        self.add_row(
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
                if self.held(session, group, phone, "alert_sms", now)
                else "pending"
            ),
            error=error,
            now=now,
            page_group=group,
        )

    def queue_summaries(self, session: Session, now: datetime) -> int:
        """One "N więcej" page per person, channel and group whose window has passed
        (page_summary.py)."""
        return page_summary.queue_summaries(self, session, now)
