"""One ticket's page: the thread of mails in and out with the staff's notes, the
decision explained, the time left, and the action forms this person may use; also its
time-left badge (reloaded alone) and the download of an attachment. The actions
themselves are in actions.py, which builds on this class to show the page again after a
refused action.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response

from mailbot.core.classify_rules import PRODUCTS, SCOPES
from mailbot.core.states import CLOSED, NOT_TICKET, NOT_WORK, OPEN
from mailbot.services import corrections, phone, tickets
from mailbot.services import pages as q
from mailbot.services.base import ActionError
from mailbot.web import queries, words
from mailbot.web.auth import ACTION_ROLES, may
from mailbot.web.base import ConsoleBase
from mailbot.web.files import content_disposition, find_attachment
from mailbot.web.request import Ctx, Invalid

NOTE_KINDS = ("note",)  # events that are a staff member's internal note


class TicketPages(ConsoleBase):
    def choices(self) -> dict[str, Any]:
        """What the action forms offer, in Polish."""
        return {
            "staff": self.c.rules.book.staff,
            "clients": self.c.rules.book.clients,
            "scopes": {s: words.label(words.SCOPES, s) for s in (*SCOPES, "other")},
            "products": (*PRODUCTS, "other"),
            "priorities": corrections.PRIORITIES,
            "not_ticket": tickets.NOT_TICKET_KINDS,
            "channels": phone.CHANNELS,
        }

    def _number(self, ctx: Ctx) -> str:
        number = ctx.request.path_params["number"].strip().upper()
        if len(number) > 32:
            raise Invalid("Za długi numer zgłoszenia.")
        return number

    def _view(self, ctx: Ctx, number: str) -> q.TicketPage:
        try:
            return q.ticket_page(ctx.session, number)
        except ActionError:  # no such ticket, or no ticket number at all
            raise HTTPException(404) from None

    def ticket_page(self, ctx: Ctx) -> Response:
        return self.ticket_response(ctx, self._number(ctx))

    def ticket_response(self, ctx: Ctx, number: str, status: int = 200, **values: Any
                        ) -> Response:  # fmt: skip
        """The ticket page; after a refused action with `error`, the action's form open
        (`action`) and what was typed in it (`typed`)."""
        v = self._view(ctx, number)
        t = v.ticket
        notes = [e for e in t.events if e.kind in NOTE_KINDS]
        thread: list[dict[str, Any]] = [
            {"kind": "in", "at": m.received_at, "m": m} for m in t.messages
        ]
        thread += [{"kind": "out", "at": o.sent_at or o.created_at, "o": o} for o in v.sent]
        thread += [{"kind": "note", "at": e.at, "e": e} for e in notes]
        order = {"in": 0, "out": 1, "note": 2}
        thread.sort(key=lambda item: (item["at"], order[item["kind"]]))
        try:
            doc = json.loads(t.decision) if t.decision else None
        except ValueError:
            doc = None
        client = self.c.rules.book.client(t.client_id) if t.client_id else None
        left, css = words.time_left(
            t.deadline, t.reacted_at is not None, t.state == CLOSED, ctx.now
        )
        return self.render(
            ctx,
            "ticket.html",
            status,
            t=t,
            thread=thread,
            events=[e for e in t.events if e.kind not in NOTE_KINDS],
            client=client,
            explained=words.explain(doc, self.staff_names),
            rules=(doc or {}).get("rules", []),
            reasons=(doc or {}).get("reasons", []),
            time=v.time,
            charged=v.charged,
            overdraft=v.overdraft,
            left=left,
            left_css=css,
            names=self.staff_names,
            can=self._can(ctx, t),
            choices=self.choices(),
            typed=values.pop("typed", {}),
            **values,
        )

    def _can(self, ctx: Ctx, t) -> dict[str, bool]:
        """Which forms the ticket page offers this person, by role and the ticket's state
        (the services check the state again; the role is checked by `action`)."""
        role = ctx.user.role if ctx.user else "staff"
        allowed = {name: may(role, needed) for name, needed in ACTION_ROLES.items()}
        work, queued = t.state not in NOT_WORK, t.state in OPEN
        return {
            "ack": queued and t.deadline is not None and t.reacted_at is None,
            "take": queued and t.assignee != (ctx.user.id if ctx.user else None),
            "assign": work,
            "close": work and t.state != CLOSED,
            "reopen": t.state in (CLOSED, NOT_TICKET),
            "time": work,
            "reply": work,
            "note": True,
            "link": work,
            "register": work and allowed["register"],
            "override": work and allowed["override"],
            "not_ticket": work and (allowed["not_ticket_emergency"] or not t.emergency),
            "merge": work and allowed["merge"],
        }

    def ticket_left(self, ctx: Ctx) -> Response:
        t = self._view(ctx, self._number(ctx)).ticket
        left, css = words.time_left(
            t.deadline, t.reacted_at is not None, t.state == CLOSED, ctx.now
        )
        return HTMLResponse(f'<span class="left {css}">{left}</span>')

    def attachment(self, ctx: Ctx) -> Response:
        found = queries.attachment(ctx.session, ctx.request.path_params["attachment_id"])
        if found is None:
            raise HTTPException(404)
        row, message = found
        try:
            data = find_attachment(
                self.c.raw_store.get(message.raw_sha256), row.sha256, row.filename
            )
        except FileNotFoundError:
            data = None
        if data is None:
            return self.render(
                ctx,
                "error.html",
                404,
                title="Brak załącznika",
                message="Wiadomość z tym załącznikiem nie jest już przechowywana (albo "
                "zapisano z niej tylko początek, bo była za duża).",
            )
        # Never shown inline, whatever the sender claimed it is: a download, as bytes.
        return Response(
            data,
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": content_disposition(row.filename),
                "Content-Security-Policy": "sandbox",
                "Cache-Control": "private, no-store",
            },
        )
