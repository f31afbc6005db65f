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
from mailbot.outgoing.links import LinkError, staff_code
from mailbot.web import queries, search, words
from mailbot.web.auth import (
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
from mailbot.web.request import Ctx, Invalid, User

HERE = Path(__file__).parent
COOKIE = "mailbot_session"
PAGE_SIZE = 50
log = logging.getLogger("mailbot.web")


def create_app(console: Console) -> Starlette:
    return ConsoleApp(console).asgi()


class ConsoleApp(ManagerPages):
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
        self.env.filters["when"] = lambda at: words.when(at, self.tz)
        self.env.filters["hours"] = words.hours
        self.env.filters["num"] = words.number
        self.staff_names = {s.id: s.name for s in console.rules.book.staff}

    # -------------------------------------------------------------- plumbing

    def asgi(self) -> Starlette:
        p = self.page
        routes = [
            Route("/", p(self.queue_page)),
            Route("/queue/rows", p(self.queue_rows)),
            Route("/login", self.login, methods=["GET", "POST"]),
            Route("/logout", p(self.logout), methods=["POST"]),
            Route("/t/{number}", p(self.ticket_page)),
            # the addresses alerts, SMS and the digest carry (outgoing/render.py)
            Route("/tickets/{number}", p(self.ticket_page)),
            Route("/queue", p(self.queue_page)),
            Route("/t/{number}/left", p(self.ticket_left)),
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
        return HTMLResponse(self.env.get_template(name).render(**values), status_code=status)

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
            request.scope.setdefault("state", {})["staff"] = ctx.user.id if ctx.user else "-"
            if role is not None and ctx.user is None:
                response = self._to_login(request)
            elif role is not None and not may(ctx.user.role, role):  # type: ignore[union-attr]
                response = self.render(
                    ctx,
                    "error.html",
                    403,
                    title="Brak uprawnień",
                    message="Ta strona jest dostępna dla kierowników i administratorów.",
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
                except Invalid as exc:
                    session.rollback()
                    response = self.render(
                        ctx, "error.html", 400, title="Błędne dane", message=str(exc)
                    )
        if cookie_visitor is None:
            self._set_cookie(response, visitor)
        return response

    def _user(self, session: Session, visitor: Visitor) -> User | None:
        """The signed-in staff member, if the cookie names one who still exists and
        whose password has not changed since."""
        if not visitor.staff_id:
            return None
        staff = self.c.rules.book.staff_member(visitor.staff_id)
        stored = stored_hash(session, visitor.staff_id) if staff else None
        if staff is None or stored is None or not same(fingerprint(stored), visitor.fingerprint):
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
        target = request.query_params.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # never send anyone to another site after signing in
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

    def _filter(self, ctx: Ctx) -> tuple[queries.QueueFilter, bool, dict[str, str]]:
        args = {k: ctx.arg(k) for k in ("client", "state", "assignee", "product", "emergency")}
        mine = ctx.arg("mine") == "1"
        if args["state"] and args["state"] not in queries.OPEN_STATES:
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
        emergency = None if args["emergency"] == "" else args["emergency"] == "1"
        f = queries.QueueFilter(args["client"], args["state"], assignee, args["product"], emergency)
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
        rows, total = queries.queue(ctx.session, f, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        return {
            "rows": [self._row(r, ctx.now) for r in rows],
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "args": args,
            "mine": mine,
            "query": urlencode(args),
            "first": (page - 1) * PAGE_SIZE,
        }

    def _row(self, r: queries.QueueRow, now: datetime) -> dict[str, Any]:
        client = self.c.rules.book.client(r.client_id) if r.client_id else None
        left, css = words.time_left(r.deadline, r.reacted_at is not None, r.state == "closed", now)
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
            states=queries.OPEN_STATES,
        )

    def queue_rows(self, ctx: Ctx) -> Response:
        return self.render(ctx, "_queue_rows.html", **self._queue(ctx))

    # -------------------------------------------------------------- ticket

    def _ticket(self, ctx: Ctx):
        number = ctx.request.path_params["number"].strip().upper()
        if len(number) > 32:
            raise Invalid("Za długi numer zgłoszenia.")
        ticket = queries.ticket(ctx.session, number)
        if ticket is None:
            raise HTTPException(404)
        return ticket

    def ticket_page(self, ctx: Ctx) -> Response:
        t = self._ticket(ctx)
        events, notes = queries.events_of(t)
        thread: list[dict[str, Any]] = [
            {"kind": "in", "at": m.received_at, "m": m} for m in t.messages
        ]
        thread += [
            {"kind": "out", "at": o.sent_at or o.created_at, "o": o}
            for o in queries.sent_for(ctx.session, t.id)
        ]
        thread += [{"kind": "note", "at": e.at, "e": e} for e in notes]
        order = {"in": 0, "out": 1, "note": 2}
        thread.sort(key=lambda item: (item["at"], order[item["kind"]]))
        try:
            doc = json.loads(t.decision) if t.decision else None
        except ValueError:
            doc = None
        client = self.c.rules.book.client(t.client_id) if t.client_id else None
        left, css = words.time_left(
            t.deadline, t.reacted_at is not None, t.state == "closed", ctx.now
        )
        return self.render(
            ctx,
            "ticket.html",
            t=t,
            thread=thread,
            events=events,
            client=client,
            explained=words.explain(doc, self.staff_names),
            rules=(doc or {}).get("rules", []),
            reasons=(doc or {}).get("reasons", []),
            ledger=queries.ledger_for(ctx.session, t.id),
            left=left,
            left_css=css,
            names=self.staff_names,
        )

    def ticket_left(self, ctx: Ctx) -> Response:
        t = self._ticket(ctx)
        left, css = words.time_left(
            t.deadline, t.reacted_at is not None, t.state == "closed", ctx.now
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
        from mailbot.core import ledger

        balances = ledger.balance(
            ledger_store.purchases(ctx.session, client.id),
            ledger_store.deductions(ctx.session, client.id),
            today,
        )
        return self.render(
            ctx,
            "client.html",
            client=client,
            contract_now=contract_at(client, today),
            opiekun=self.c.rules.book.staff_member(client.opiekun) if client.opiekun else None,
            package=ledger_store.package_state(ctx.session, client, ctx.now),
            balances=balances,
            deductions=ledger_store.deductions(ctx.session, client.id)[-50:],
            entries=queries.time_entries_of(ctx.session, client.id, 50),
            open_rows=[
                self._row(r, ctx.now)
                for r in queries.client_tickets(ctx.session, client.id, open_=True, limit=100)
            ],
            recent_rows=[
                self._row(r, ctx.now)
                for r in queries.client_tickets(ctx.session, client.id, open_=False, limit=30)
            ],
        )

    def search_page(self, ctx: Ctx) -> Response:
        q = ctx.arg("q")
        rows: list[queries.QueueRow] = []
        if q:
            if len(q) < 2:
                raise Invalid("Wpisz co najmniej 2 znaki.")
            needle = q.lower()
            clients = tuple(
                c.id
                for c in self.c.rules.book.clients
                if needle in c.name.lower() or needle == c.id or needle == c.nip
            )
            year = ctx.now.astimezone(self.tz).year
            rows = queries.tickets_by_numbers(ctx.session, search.number_candidates(q, year))
            rows += queries.client_recent(ctx.session, clients)
            known = {r.number for r in rows}
            rows += queries.tickets_by_numbers(
                ctx.session, [n for n in search.ticket_numbers(ctx.session, q) if n not in known]
            )
        unique = {r.number: r for r in rows}.values()
        return self.render(ctx, "search.html", q=q, rows=[self._row(r, ctx.now) for r in unique])

    # -------------------------------------------------------------- one-tap ack

    def ack_page(self, ctx: Ctx) -> Response:
        token = ctx.request.path_params["token"]
        try:
            claim = self.c.links.read(token)
        except LinkError as exc:
            return self.render(ctx, "ack.html", 410, problem=str(exc))
        staff: Staff | None = next(
            (s for s in self.c.rules.book.staff if staff_code(s.id) == claim.staff_code), None
        )
        ticket = queries.ticket(ctx.session, claim.ticket)
        if staff is None or ticket is None:
            return self.render(ctx, "ack.html", 410, problem="Ten link jest nieaktualny.")
        if ctx.form is None:  # GET: a page with one button (link scanners only look)
            return self.render(ctx, "ack.html", t=ticket, staff=staff, token=token)
        try:
            use_once(ctx.session, claim, staff.id, ticket.id, ctx.now)
        except LinkError as exc:
            ctx.session.rollback()
            return self.render(ctx, "ack.html", 410, problem=str(exc), t=ticket)
        done, recorded = queries.acknowledge(ctx.session, claim.ticket, staff.id, ctx.now, ctx.now)
        ctx.session.commit()
        log.info(
            "one-tap acknowledgement of %s by %s (%s)",
            claim.ticket,
            staff.id,
            "recorded" if recorded else "already reacted",
        )
        return self.render(ctx, "ack.html", t=done, staff=staff, recorded=recorded, used=True)
