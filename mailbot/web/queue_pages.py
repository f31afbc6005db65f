"""The queue of open tickets (the console's home page) and its rows, which htmx reloads
alone when a filter changes. The client and search pages list tickets with the same rows
(`_row`), so they build on this class.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from mailbot.core.contracts import PRODUCTS
from mailbot.core.states import CLOSED, OPEN
from mailbot.services import pages as q
from mailbot.web import words
from mailbot.web.base import ConsoleBase
from mailbot.web.request import Ctx, Invalid

PAGE_SIZE = 50


class QueuePages(ConsoleBase):
    def _filter(self, ctx: Ctx) -> tuple[q.QueueFilter, bool, dict[str, str]]:
        args = {k: ctx.arg(k) for k in ("client", "state", "assignee", "product", "emergency")}
        mine = ctx.arg("mine") == "1"
        if args["state"] and args["state"] not in OPEN:
            raise Invalid("Nieznany stan zgłoszenia w filtrze.")
        if args["client"] and self.c.rules.book.client(args["client"]) is None:
            raise Invalid(f"Nie ma klienta „{args['client']}”.")
        if args["assignee"] not in ("", "-") and not self.c.rules.book.staff_member(
            args["assignee"]
        ):
            raise Invalid(f"Nie ma pracownika „{args['assignee']}”.")
        if args["emergency"] not in ("", "1", "0"):
            raise Invalid("Filtr awarii przyjmuje tylko: tak, nie, wszystkie.")
        assignee = ctx.user.id if mine and ctx.user else args["assignee"]
        f = q.QueueFilter(
            client=args["client"] or None,
            state=(args["state"],) if args["state"] else (),
            assignee=assignee or None,
            product=args["product"] or None,
            emergency=None if args["emergency"] == "" else args["emergency"] == "1",
        )
        args["mine"] = "1" if mine else ""
        return f, mine, {k: v for k, v in args.items() if v}

    def _page_number(self, ctx: Ctx) -> int:
        raw = ctx.arg("page") or "1"
        if not raw.isdigit() or not 1 <= int(raw) <= 100000:
            raise Invalid("Numer strony musi być liczbą od 1.")
        return int(raw)

    def _queue(self, ctx: Ctx) -> dict[str, Any]:
        f, mine, args = self._filter(ctx)
        page = self._page_number(ctx)
        rows, total = q.queue_page(
            ctx.session, ctx.now, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        query = urlencode(args)
        here = "/" + (f"?{query}&page={page}" if query else f"?page={page}")
        return {
            "rows": [self._row(r, ctx.now) for r in rows],
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "args": args,
            "mine": mine,
            "query": query,
            "back": here,  # where an action from a queue row comes back to
        }

    def _row(self, r: q.QueueRow, now: datetime) -> dict[str, Any]:
        client = self.c.rules.book.client(r.client_id) if r.client_id else None
        left, css = words.time_left(r.deadline, r.reacted, r.state == CLOSED, now)
        age = int((now - r.created_at).total_seconds() // 60)
        return {
            "r": r,
            "client": client.name if client else None,
            "left": left,
            "left_css": css,
            "age": words.duration(age),
            "assignee": self.staff_names.get(r.assignee or ""),
        }

    def queue_page(self, ctx: Ctx) -> Response:
        return self.render(
            ctx,
            "queue.html",
            **self._queue(ctx),
            clients=self.c.rules.book.clients,
            staff=self.c.rules.book.staff,
            products=PRODUCTS,
            states=OPEN,
        )

    def queue_rows(self, ctx: Ctx) -> Response:
        return self.render(ctx, "_queue_rows.html", **self._queue(ctx))
