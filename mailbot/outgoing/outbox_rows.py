"""How an outbox row is written: at once, or with the rest of an intake group.

The queueing rules (who gets a reply, who is paged, what is folded) are outbox.py's;
this module is the writing underneath them that every queue_* shares: the rate-limit
count, the page-window lookup, rendering that never loses the inbound message over a
template, and the row itself, inserted now or kept in the group's OutboxBatch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from mailbot.core.pages import DEFAULT_WINDOW, holds
from mailbot.errors import ConfigError
from mailbot.outgoing.links import AckLinks
from mailbot.outgoing.render import Rendered, TemplateProblem, TemplateSet
from mailbot.settings.rules import Rules
from mailbot.store.tables import OutboxItem

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
    `rows` until `Outbox.write_batch`; `inbound_id` and `ticket_id` may stand for a
    message or a ticket not yet inserted, resolved then."""

    replies: dict[str, int]  # recipient -> auto-replies in the last hour, this batch's too
    rows: list[dict[str, Any]] = field(default_factory=list)


class OutboxRows:
    """The templates, rules and policy an outbox writes with, and the row writing."""

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
        placeholder `inbound_id` or `ticket_id` into the message's or the ticket's id.
        Returns how many were written."""
        batch: OutboxBatch | None = session.info.pop(_BATCH, None)
        if batch is None or not batch.rows:
            return 0
        rows = [
            r | {"inbound_id": resolve(r["inbound_id"]), "ticket_id": resolve(r["ticket_id"])}
            for r in batch.rows
        ]
        session.connection().execute(_INSERT, rows)
        return len(rows)

    def held(self, session: Session, group: str | None, to: str, kind: str, now: datetime
              ) -> bool:  # fmt: skip
        return group is not None and holds(
            self.last_page(session, group, to, kind), now, self.policy.page_window
        )

    @staticmethod
    def last_page(session: Session, group: str, to: str, kind: str) -> datetime | None:
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

    def render(
        self, template: str, context: dict[str, Any], error: str
    ) -> tuple[Rendered | None, str]:
        try:
            return self.templates.render_reply(template, context), error
        except TemplateProblem as exc:  # never lose the inbound message over a template
            log.error("cannot render %s: %s", template, exc)
            return None, f"template {template}: {exc}"

    @staticmethod
    def replies_last_hour(session: Session, to: str, now: datetime) -> int:
        batch: OutboxBatch | None = session.info.get(_BATCH)
        if batch is not None and to in batch.replies:
            return batch.replies[to]
        counts = dict(
            session.execute(_REPLIES, {"to": [to], "since": now - timedelta(hours=1)}).all()
        )
        if batch is not None:
            batch.replies[to] = counts.get(to, 0)
        return counts.get(to, 0)

    @staticmethod
    def count_reply(session: Session, to: str) -> None:
        """A reply queued in an open batch counts against its sender's rate limit."""
        batch: OutboxBatch | None = session.info.get(_BATCH)
        if batch is not None:
            batch.replies[to] = batch.replies.get(to, 0) + 1

    def add_row(
        self,
        session: Session,
        *,
        kind: str,
        template: str,
        dedup: str,
        ticket_id: Any,  # an id, or a group's placeholder (OutboxBatch)
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
