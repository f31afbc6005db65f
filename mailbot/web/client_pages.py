"""A client's page (contract, package, hours, senders, tickets) and the search: the two
ways to find tickets other than the queue, listed with the queue's rows.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response

from mailbot.core.contracts import contract_at
from mailbot.services import pages as q
from mailbot.web import queries, search
from mailbot.web.queue_pages import QueuePages
from mailbot.web.request import Ctx, Invalid


class ClientPages(QueuePages):
    def client_page(self, ctx: Ctx) -> Response:
        from mailbot.store import ledger as ledger_store

        client = self.c.rules.book.client(ctx.request.path_params["client_id"])
        if client is None:
            raise HTTPException(404)
        today = ctx.now.astimezone(self.tz).date()
        page = q.client_page(ctx.session, client.id, today, recent=30)
        return self.render(
            ctx,
            "client.html",
            client=client,
            contract_now=contract_at(client, today),
            opiekun=self.c.rules.book.staff_member(client.opiekun) if client.opiekun else None,
            package=ledger_store.package_state(ctx.session, client, ctx.now),
            balances=page.balances,
            deductions=page.deductions[-50:],
            senders=page.senders,
            entries=queries.time_entries_of(ctx.session, client.id, 50),
            open_rows=[self._row(q.queue_row(t, ctx.now), ctx.now) for t in page.open_tickets],
            recent_rows=[self._row(q.queue_row(t, ctx.now), ctx.now) for t in page.recent_tickets],
        )

    def search_page(self, ctx: Ctx) -> Response:
        query = ctx.arg("q")
        rows: list[q.QueueRow] = []
        if query:
            if len(query) < 2:
                raise Invalid("Wpisz co najmniej 2 znaki.")
            needle = query.lower()
            clients = tuple(
                c.id
                for c in self.c.rules.book.clients
                if needle in c.name.lower() or needle == c.id or needle == c.nip
            )
            year = ctx.now.astimezone(self.tz).year
            rows = q.queue_rows(ctx.session, ctx.now, search.number_candidates(query, year))
            rows += q.newest_rows(ctx.session, ctx.now, clients)
            known = {r.number for r in rows}
            found = [n for n in search.ticket_numbers(ctx.session, query) if n not in known]
            rows += q.queue_rows(ctx.session, ctx.now, found)
        unique = {r.number: r for r in rows}.values()
        return self.render(
            ctx, "search.html", q=query, rows=[self._row(r, ctx.now) for r in unique]
        )
