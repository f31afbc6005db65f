"""The "N więcej" page: pages held back in a page window, sent as one.

A page that the same person got for the same group less than the page window ago is
held back (state `folded`, core.pages); every minute the escalation job asks for one
summary page per person, channel and group whose window has passed. The held rows
become `coalesced`: kept, listed by `mailbot outbox list`, never sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailbot.core.pages import holds
from mailbot.outgoing.outbox_rows import OutboxRows
from mailbot.outgoing.render import (
    MORE_MAIL,
    MORE_SMS,
    Rendered,
    TemplateProblem,
    queue_url,
    ticket_url,
)
from mailbot.store.tables import OutboxItem, Ticket


def queue_summaries(out: OutboxRows, session: Session, now: datetime) -> int:
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
        if holds(out.last_page(session, group, to, kind), now, out.policy.page_window):
            continue
        tickets = {
            t.id: t
            for t in session.scalars(
                select(Ticket).where(Ticket.id.in_({r.ticket_id for r in rows}))
            )
        }
        context = _summary_context(out, group, [tickets[r.ticket_id] for r in rows])
        _queue_summary(out, session, group, to, kind, rows, context, now)
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_([r.id for r in rows]))
            .values(state="coalesced")
        )
        queued += 1
    return queued


def _summary_context(out: OutboxRows, group: str, tickets: list[Ticket]) -> dict[str, Any]:
    """What the alert_more templates get (templates/README.md)."""
    last = tickets[-1]
    client = out.rules.book.client(last.client_id) if last.client_id else None
    return {
        "ticket": last.number,
        "count": len(tickets),
        "tickets": [
            {"ticket": t.number, "subject": t.subject, "received_at": t.created_at} for t in tickets
        ],
        "client_name": client.name if client else None,
        "sender": last.requester,
        "step": group.split(":", 1)[0],
        "window_minutes": int(out.policy.page_window.total_seconds() // 60),
        "queue_url": queue_url(out.policy.base_url),
        "ticket_url": ticket_url(out.policy.base_url, last.number),
    }


def _queue_summary(
    out: OutboxRows,
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
            text = out.templates.render_sms(
                context, name=MORE_SMS, transliterate=out.policy.sms_transliterate
            )
            rendered = Rendered("", text, "")
        except TemplateProblem as exc:
            error = f"template {MORE_SMS}: {exc}"
    else:
        rendered, error = out.render(MORE_MAIL, context, "")
    out.add_row(
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
