"""The escalation job: every minute, tickets whose R-SLA-1 deadline is near
or passed without a reaction get their next alert step, exactly once per step.

A step is recorded as a ticket event in the same transaction that queues its alerts in
the outbox, so a restart never sends a step twice and a crash never loses one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core.oncall import escalation_chain
from mailbot.core.pages import page_group
from mailbot.core.sla import due_steps, minutes_left, plan_steps, roles_for
from mailbot.faults import crash_point
from mailbot.outgoing.outbox import Outbox, message_view
from mailbot.outgoing.render import czas_pl
from mailbot.settings.rules import Rules
from mailbot.store import repo
from mailbot.store.tables import Message, Ticket, TicketEvent

log = logging.getLogger("mailbot.escalation")


def ticket_context(
    ticket: Ticket, first: Message | None, rules: Rules, base_url: str = ""
) -> dict[str, Any]:
    """What the alert templates need, from the ticket and its stored decision; the
    caller adds the step ("reminder" or "breach") and the minutes left."""
    doc = json.loads(ticket.decision or "{}")
    client = rules.book.client(ticket.client_id) if ticket.client_id else None
    opiekun = rules.book.staff_member(client.opiekun) if client and client.opiekun else None
    return {
        "ticket": ticket.number, "subject": ticket.subject, "sender": ticket.requester,
        "client_name": client.name if client else None, "contract": ticket.contract,
        "opiekun": opiekun, "product": ticket.product or "other",
        "received_at": ticket.created_at, "deadline": ticket.deadline,
        "billing": ticket.billing, "step": "reminder", "minutes_left": None,
        "reasons": doc.get("urgency", {}).get("reasons", []), "rules": doc.get("rules", []),
        # only emergencies escalate (a deadline); a possible one has none
        "possible": False, "hardware_suspected": ticket.emergency and ticket.scope == "hardware",
    } | message_view(first.body_text if first else "", ticket.number, rules, base_url)  # fmt: skip


class Escalator:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        rules: Rules,
        outbox: Outbox,
        clock: Callable[[], datetime],
    ):
        self.sessions = sessions
        self.rules = rules
        self.outbox = outbox
        self.clock = clock

    def run(self) -> dict[str, int]:
        """Due escalation steps, and the "N więcej" pages whose page window has passed
        (the pages held back to stop one client's flood ringing a phone again and again)."""
        now = self.clock()
        done: dict[str, int] = {}
        with self.sessions.begin() as session:
            if summaries := self.outbox.queue_summaries(session, now):
                done["summary page"] = summaries
        with self.sessions() as session:
            ids = list(
                session.scalars(
                    select(Ticket.id).where(
                        Ticket.deadline.is_not(None),
                        Ticket.reacted_at.is_(None),
                        Ticket.state != "closed",
                        Ticket.history.is_(False),
                        Ticket.breached_at.is_(None),
                    )
                )
            )
        for ticket_id in ids:
            with self.sessions.begin() as session:
                steps = self._escalate(session, ticket_id, now)
                if steps:
                    crash_point("escalation.queued")  # steps + alerts written, uncommitted
            for step in steps:
                done[step] = done.get(step, 0) + 1
            if steps:
                crash_point("escalation.committed")  # committed, alerts not yet delivered
        return done

    def _escalate(self, session: Session, ticket_id: int, now: datetime) -> list[str]:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return []
        steps = due_steps(ticket.deadline, ticket.reacted_at, now, closed=ticket.state == "closed")
        sent = set(
            session.scalars(
                select(TicketEvent.kind).where(
                    TicketEvent.ticket_id == ticket_id, TicketEvent.kind.like("escalation_%")
                )
            )
        )
        fresh = [s for s in steps if f"escalation_{s}" not in sent]
        if not fresh:
            return []
        plan = plan_steps(fresh)
        for step in plan.skip:  # recorded, so it is never sent late
            repo.add_event(
                session, ticket, f"escalation_{step}", now,
                "pominięte: termin reakcji minął, zanim przyszła pora przypomnienia",
            )  # fmt: skip
        first = session.scalar(
            select(Message).where(Message.ticket_id == ticket_id).order_by(Message.id).limit(1)
        )
        context = ticket_context(ticket, first, self.rules, self.outbox.policy.base_url)
        client = self.rules.book.client(ticket.client_id) if ticket.client_id else None
        chain = escalation_chain(self.rules.oncall, now, client.opiekun if client else None)
        reminded = "escalation_reminder" in sent
        for step in plan.send:
            wanted = roles_for(step, reminded=reminded)
            alerts = [(role, who) for role, who in chain if role in wanted]
            assert ticket.deadline is not None  # only tickets with a deadline escalate
            left = minutes_left(ticket.deadline, now) if step == "reminder" else None
            queued = self.outbox.queue_staff_alerts(
                session,
                alerts=alerts,
                context=context | {"step": step, "minutes_left": left},
                ticket_id=ticket_id,
                step=step,
                now=now,
                group=page_group(step, ticket.client_id, ticket.requester),
            )
            repo.add_event(
                session,
                ticket,
                f"escalation_{step}",
                now,
                f"powiadomienia: {queued} ("
                + (", ".join(f"{r} {w}" for r, w in alerts) or "nikt")
                + ")",
            )
            if step == "breach":
                ticket.breached_at = ticket.deadline
                repo.add_event(
                    session,
                    ticket,
                    "breached",
                    now,
                    f"brak reakcji do terminu {czas_pl(ticket.deadline)}",
                )
            log.warning(
                "ticket %s: %s step, alerted %s",
                ticket.number,
                step,
                ", ".join(f"{r} {w}" for r, w in alerts) or "nobody",
            )
        return [*plan.send]
