"""The managers' pages: the digest archive, billing (and its CSV) and SLA figures, and
the admins' login audit: the pages only managers and admins see."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Any

from starlette.responses import HTMLResponse, RedirectResponse, Response

from mailbot.web import queries
from mailbot.web.base import ConsoleBase
from mailbot.web.files import content_disposition
from mailbot.web.reports import excel_csv, month_bounds, sla_figures
from mailbot.web.request import Ctx, Invalid


class ManagerPages(ConsoleBase):
    def digests_page(self, ctx: Ctx) -> Response:
        day = ctx.arg("day")
        if day:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise Invalid("Data musi mieć postać RRRR-MM-DD, np. 2026-11-27.") from None
            return RedirectResponse(f"/reports/digests/{day}?view=1", status_code=303)
        return self.render(ctx, "digests.html", runs=queries.digest_days(ctx.session))

    def digest_html(self, ctx: Ctx) -> Response:
        from mailbot.core.digest import build_digest
        from mailbot.outgoing.digest_job import gather

        try:
            day = date.fromisoformat(ctx.request.path_params["day"])
        except ValueError:
            raise Invalid("Data musi mieć postać RRRR-MM-DD, np. 2026-11-27.") from None
        if ctx.arg("view"):
            run = queries.digest_run(ctx.session, day)
            return self.render(ctx, "digest.html", day=day, run=run)
        run = queries.digest_run(ctx.session, day)
        built = build_digest(
            gather(ctx.session, self.c.rules, day, self.tz, run.ran_at if run else ctx.now)
        )
        html = self._digest_html(built)
        return HTMLResponse(
            html,
            headers={
                # shown in the digest page's frame (the mail's own inline styles; no script)
                "Content-Security-Policy": "default-src 'none'; img-src data:; "
                "style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox",
                "X-Frame-Options": "SAMEORIGIN",
            },
        )

    def _digest_html(self, built) -> str:

        from mailbot.outgoing.digest_mail import chart_png, render_digest
        from mailbot.outgoing.render import TemplateSet

        _subject, _text, html = render_digest(built, TemplateSet.load(self.c.config.templates_dir))
        png = base64.b64encode(chart_png(built.daily)).decode("ascii")
        return html.replace("cid:wykres", f"data:image/png;base64,{png}")

    def _month(self, ctx: Ctx) -> tuple[str, date, date]:
        month = ctx.arg("month") or ctx.now.astimezone(self.tz).strftime("%Y-%m")
        try:
            first, nxt = month_bounds(month)
        except ValueError:
            raise Invalid("Miesiąc musi mieć postać RRRR-MM, np. 2026-11.") from None
        return month, first, nxt

    def _billing(self, ctx: Ctx):
        from mailbot.store import ledger as ledger_store

        month, first, nxt = self._month(ctx)
        start, end = (datetime.combine(d, datetime.min.time(), self.tz) for d in (first, nxt))
        lines = ledger_store.billing_report(
            ctx.session,
            [c.id for c in self.c.rules.book.clients],
            start,
            end,
            first,
            nxt - timedelta(days=1),
        )
        return month, lines

    BILLING_HEADER = (
        "Klient",
        "NIP",
        "Interwencje płatne",
        "Minuty płatne",
        "Godziny z pakietu",
        "Godziny ponad pakiet",
        "Kupione pakiety",
        "Kupione godziny",
        "Wygasłe pakiety",
        "Niewykorzystane godziny wygasłe",
    )

    def _billing_rows(self, lines) -> list[list[Any]]:
        rows = []
        for x in lines:
            client = self.c.rules.book.client(x.client_id)
            rows.append(
                [
                    client.name if client else x.client_id,
                    client.nip if client else "",
                    x.billable_interventions,
                    x.billable_minutes,
                    x.package_hours_used,
                    x.overdraft_hours,
                    x.packages_bought,
                    x.hours_bought,
                    x.packages_expired,
                    x.hours_expired_unused,
                ]
            )
        return rows

    def billing_page(self, ctx: Ctx) -> Response:
        month, lines = self._billing(ctx)
        return self.render(
            ctx,
            "billing.html",
            month=month,
            header=self.BILLING_HEADER,
            rows=self._billing_rows(lines),
            lines=lines,
        )

    def billing_csv(self, ctx: Ctx) -> Response:
        month, lines = self._billing(ctx)
        return Response(
            excel_csv(self.BILLING_HEADER, self._billing_rows(lines)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": content_disposition(f"rozliczenie-{month}.csv")},
        )

    def sla_page(self, ctx: Ctx) -> Response:
        month, first, nxt = self._month(ctx)
        start, end = (datetime.combine(d, datetime.min.time(), self.tz) for d in (first, nxt))
        rows = queries.sla_rows(ctx.session, start, end)
        return self.render(
            ctx, "sla.html", month=month, rows=rows, figures=sla_figures(rows, ctx.now)
        )

    def logins_page(self, ctx: Ctx) -> Response:
        return self.render(ctx, "logins.html", logins=queries.logins(ctx.session))
