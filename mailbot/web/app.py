"""The Starlette application: routes, the sign-in check on every page, CSRF on every
form, security headers and the access log.

Handlers are plain functions run in the thread pool (the database calls are
synchronous); `page()` wraps each one: it reads the signed session cookie, checks that
the staff member still exists with the same password and may see the page, checks the
CSRF token of a form, opens one database session, and turns a bad input into a Polish
message, never a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mailbot.core.contracts import PRODUCTS, Staff, contract_at
from mailbot.core.states import CLOSED, NOT_TICKET, NOT_WORK, OPEN
from mailbot.outgoing.links import LinkError, staff_code
from mailbot.services import pages as q
from mailbot.services.base import ActionError, find_ticket
from mailbot.services.tickets import ack
from mailbot.web import queries, search, words
from mailbot.web.actions import TicketActions
from mailbot.web.auth import (
    ACTION_ROLES,
    ROLE_NAMES,
    Visitor,
    check_password,
    console_role,
    fingerprint,
    may,
    new_csrf,
    record_login,
    same,
    stored_hash,
    wait_minutes,
)
from mailbot.web.console import Console
from mailbot.web.files import content_disposition, find_attachment
from mailbot.web.guard import Guard
from mailbot.web.links import use_once
from mailbot.web.managers import ManagerPages
from mailbot.web.oidc import OidcPages
from mailbot.web.request import Ctx, Invalid, User, local_target, sentence

HERE = Path(__file__).parent
COOKIE = "mailbot_session"
FLASH = "mailbot_flash"
PAGE_SIZE = 50
NOTE_KINDS = ("note",)  # events that are a staff member's internal note
log = logging.getLogger("mailbot.web")


def create_app(console: Console) -> Starlette:
    return ConsoleApp(console).asgi()


class ConsoleApp(ManagerPages, TicketActions, OidcPages):
    def __init__(self, console: Console):
        self.c = console
        self.tz = console.config.tz
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(("html",), default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(w=words, label=words.label, ROLE_NAMES=ROLE_NAMES)
        self.env.globals["oidc_sign_in"] = console.oidc is not None  # "Zaloguj przez Microsoft"
        self.env.filters["when"] = lambda at: words.when(at, self.tz)
        self.env.filters["hours"] = words.hours
        self.env.filters["num"] = words.number
        self.env.filters["masked"] = words.masked

    @property
    def staff_names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.c.rules.book.staff}

    # -------------------------------------------------------------- plumbing

    def asgi(self) -> Starlette:
        p = self.page
        routes = [
            Route("/", p(self.queue_page)),
            Route("/queue/rows", p(self.queue_rows)),
            Route("/login", self.login, methods=["GET", "POST"]),
            Route("/login/oidc", self.oidc_start),
            Route("/login/oidc/callback", self.oidc_callback),
            Route("/logout", p(self.logout), methods=["POST"]),
            Route("/t/{number}", p(self.ticket_page)),
            # the addresses alerts, SMS and the digest carry (outgoing/render.py)
            Route("/tickets/{number}", p(self.ticket_page)),
            Route("/queue", p(self.queue_page)),
            Route("/t/{number}/left", p(self.ticket_left)),
            Route("/t/{number}/time/preview", p(self.time_preview)),
            Route("/t/{number}/{action}", p(self.action), methods=["POST"]),
            Route("/new", p(self.new_ticket), methods=["GET", "POST"]),
            Route("/a/{attachment_id:int}", p(self.attachment)),
            Route("/c/{client_id}", p(self.client_page)),
            Route("/search", p(self.search_page)),
            Route("/ack/{token}", p(self.ack_page, role=None), methods=["GET", "POST"]),
            Route("/reports/digests", p(self.digests_page, role="manager")),
            Route("/reports/digests/{day}", p(self.digest_html, role="manager")),
            Route("/reports/billing", p(self.billing_page, role="manager")),
            Route("/reports/billing.csv", p(self.billing_csv, role="manager")),
            Route("/reports/sla", p(self.sla_page, role="manager")),
            Route("/admin/logins", p(self.logins_page, role="admin")),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
        app = Starlette(
            routes=routes,
            exception_handlers={HTTPException: self.http_error, Exception: self.crash},
        )
        return Guard(app, secure=self.c.web.https)  # type: ignore[return-value]

    def render(self, ctx: Ctx | None, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("user", ctx.user if ctx else None)
        values.setdefault("csrf", ctx.visitor.csrf if ctx else "")
        values.setdefault("now", ctx.now if ctx else self.c.clock())
        if ctx is not None and not name.startswith("_"):  # a whole page shows the message
            values.setdefault("flash", ctx.flash)
            ctx.flash_shown = bool(ctx.flash)
        return HTMLResponse(self.env.get_template(name).render(**values), status_code=status)

    def redirect(self, target: str, message: str = "") -> Response:
        """Back to a page after an action, with what happened shown there once."""
        response = RedirectResponse(target, status_code=303)
        if message:
            response.set_cookie(FLASH, self.c.cookies.dump_flash(message), max_age=120,
                                httponly=True, samesite="lax", secure=self.c.web.https,
                                path="/")  # fmt: skip
        return response

    def page(self, handler: Callable[[Ctx], Response], role: str | None = "staff"):
        """The endpoint for `handler`: sign-in, role, CSRF, one database session."""

        async def endpoint(request: Request) -> Response:
            form = await request.form() if request.method == "POST" else None
            return await run_in_threadpool(self._serve, handler, role, request, form)

        return endpoint

    def _serve(
        self, handler, role: str | None, request: Request, form: FormData | None
    ) -> Response:
        cookie_visitor = self.c.cookies.load(request.cookies.get(COOKIE))
        visitor = cookie_visitor or Visitor(new_csrf())
        with self.c.sessions() as session:
            ctx = Ctx(request, session, visitor, None, form, self.c.clock())
            ctx.user = self._user(session, visitor)
            ctx.flash = self.c.cookies.load_flash(request.cookies.get(FLASH)) if ctx.user else ""
            request.scope.setdefault("state", {})["staff"] = ctx.user.id if ctx.user else "-"
            if role is not None and ctx.user is None:
                response = self._to_login(request)
            elif role is not None and not may(ctx.user.role, role):  # type: ignore[union-attr]
                response = self.forbidden(
                    ctx,
                    "Ta strona jest dostępna dla "
                    + ("administratorów." if role == "admin" else "kierowników i administratorów."),
                )
            elif form is not None and not same(str(form.get("csrf", "")), visitor.csrf):
                response = self.render(
                    ctx,
                    "error.html",
                    403,
                    title="Formularz wygasł",
                    message="Formularz wygasł albo nie pochodzi z konsoli. Otwórz stronę "
                    "jeszcze raz i spróbuj ponownie.",
                )
            else:
                try:
                    response = handler(ctx)
                except (Invalid, ActionError) as exc:
                    session.rollback()
                    response = self.render(
                        ctx, "error.html", 400, title="Błędne dane", message=sentence(str(exc))
                    )
        if cookie_visitor is None:
            self._set_cookie(response, visitor)
        if ctx.flash_shown:
            response.delete_cookie(FLASH, path="/")
        return response

    def forbidden(self, ctx: Ctx, message: str) -> Response:
        return self.render(ctx, "error.html", 403, title="Brak uprawnień", message=message)

    def _user(self, session: Session, visitor: Visitor) -> User | None:
        """The signed-in staff member, if the cookie names one who still exists and
        whose password (or Microsoft sign-in, web/oidc.py) has not changed since."""
        if not visitor.staff_id:
            return None
        staff = self.c.rules.book.staff_member(visitor.staff_id)
        stored = stored_hash(session, visitor.staff_id) if staff else None
        expected = self.expected_fingerprint(staff, stored, visitor.fingerprint) if staff else None
        if staff is None or expected is None or not same(expected, visitor.fingerprint):
            return None
        return User(staff.id, staff.name, console_role(staff))

    def _to_login(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = "/login?" + urlencode({"next": target})
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    def _set_cookie(self, response: Response, visitor: Visitor) -> None:
        response.set_cookie(
            COOKIE,
            self.c.cookies.dump(visitor),
            max_age=self.c.web.session_lifetime,
            httponly=True,
            samesite="lax",
            secure=self.c.web.https,
            path="/",
        )

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        title = {404: "Nie ma takiej strony", 405: "Niedozwolona metoda"}.get(status, "Błąd")
        message = {
            404: "Sprawdź adres albo wróć do kolejki.",
            405: "Tej strony nie można otworzyć w ten sposób.",
        }.get(status, "Nie udało się obsłużyć żądania.")
        return self.render(None, "error.html", status, title=title, message=message)

    async def crash(self, request: Request, exc: Exception) -> Response:
        log.error("console error on %s", request.url.path, exc_info=exc)
        return self.render(
            None,
            "error.html",
            500,
            title="Błąd konsoli",
            message="Coś poszło nie tak po naszej stronie; błąd zapisano w dzienniku. "
            "Spróbuj ponownie za chwilę.",
        )

    # -------------------------------------------------------------- sign-in

    async def login(self, request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        return await run_in_threadpool(self._login, request, form)

    def _login(self, request: Request, form: FormData | None) -> Response:
        visitor = self.c.cookies.load(request.cookies.get(COOKIE)) or Visitor(new_csrf())
        target = local_target(request.query_params.get("next", "/"))
        values = {"user": None, "csrf": visitor.csrf, "now": self.c.clock(), "next": target}
        if form is None:
            response = self.render(None, "login.html", **values)
            self._set_cookie(response, visitor)
            return response
        staff_id = str(form.get("login", "")).strip().lower()[:64]
        password = str(form.get("password", ""))
        ip = request.client.host if request.client else "-"
        now = self.c.clock()
        if not same(str(form.get("csrf", "")), visitor.csrf):
            return self.render(
                None, "login.html", 403, **values, error="Formularz wygasł: wpisz dane jeszcze raz."
            )
        if not staff_id or not password:
            return self.render(
                None,
                "login.html",
                400,
                **values,
                login=staff_id,
                error="Wpisz identyfikator i hasło.",
            )
        with self.c.sessions.begin() as session:
            wait = wait_minutes(session, staff_id, ip, now)
            if wait:
                record_login(session, staff_id, ip, False, "rate limited", now)
                return self.render(
                    None,
                    "login.html",
                    429,
                    **values,
                    login=staff_id,
                    error=f"Zbyt wiele nieudanych prób. Spróbuj ponownie za {wait} min.",
                )
            staff = self.c.rules.book.staff_member(staff_id)
            stored = stored_hash(session, staff.id) if staff else None
            if staff is None or not check_password(stored, password):
                record_login(session, staff_id, ip, False, "bad login or password", now)
                return self.render(
                    None,
                    "login.html",
                    401,
                    **values,
                    login=staff_id,
                    error="Nieprawidłowy identyfikator lub hasło.",
                )
            record_login(session, staff.id, ip, True, "", now)
        assert stored is not None
        signed_in = Visitor(new_csrf(), staff.id, fingerprint(stored))
        response = RedirectResponse(target, status_code=303)
        self._set_cookie(response, signed_in)
        return response

    def logout(self, ctx: Ctx) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # -------------------------------------------------------------- queue

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

    # -------------------------------------------------------------- ticket

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

    # -------------------------------------------------------------- client, search

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

    # -------------------------------------------------------------- one-tap ack

    def ack_page(self, ctx: Ctx) -> Response:
        """The on-call alert's link: a page with one button (link scanners only look);
        pressing it records the reaction as `mailbot ack` does, without a login."""
        token = ctx.request.path_params["token"]
        try:
            claim = self.c.links.read(token)
        except LinkError as exc:
            return self.render(ctx, "ack.html", 410, problem=str(exc))
        staff: Staff | None = next(
            (s for s in self.c.rules.book.staff if staff_code(s.id) == claim.staff_code), None
        )
        try:
            ticket = find_ticket(ctx.session, claim.ticket) if staff else None
        except ActionError:
            ticket = None
        if staff is None or ticket is None:
            return self.render(ctx, "ack.html", 410, problem="Ten link jest nieaktualny.")
        if ctx.form is None:
            return self.render(ctx, "ack.html", t=ticket, staff=staff, token=token)
        try:
            use_once(ctx.session, claim, staff.id, ticket.id, ctx.now)
        except LinkError as exc:
            ctx.session.rollback()
            return self.render(ctx, "ack.html", 410, problem=str(exc), t=ticket)
        done = ack(ctx.session, self.c.desk, ticket.number, by=staff.id, when=ctx.now)
        ctx.session.commit()
        log.info(
            "one-tap acknowledgement of %s by %s (%s)",
            ticket.number,
            staff.id,
            "already reacted" if done.already else "recorded",
        )
        return self.render(
            ctx, "ack.html", t=ticket, staff=staff, recorded=not done.already, used=True,
            first_by=self.staff_names.get(done.by, done.by), first_at=done.at,
        )  # fmt: skip
