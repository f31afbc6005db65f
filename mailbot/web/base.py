"""What every page of the staff console shares: the templates, the signed session and
flash cookies, and `page()`, the wrapper each handler runs in.

Handlers are plain functions run in the thread pool (the database calls are
synchronous); `page()` wraps each one: it reads the signed session cookie, checks that
the staff member still exists with the same password and may see the page, checks the
CSRF token of a form, opens one database session, and turns a bad input into a Polish
message, never a traceback. The pages (queue_pages, ticket_pages, …) are subclasses of
ConsoleBase, so each finds these here instead of declaring them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mailbot.core.contracts import Staff
from mailbot.services.base import ActionError
from mailbot.web import words
from mailbot.web.auth import (
    ROLE_NAMES,
    Visitor,
    console_role,
    fingerprint,
    may,
    new_csrf,
    same,
    stored_hash,
)
from mailbot.web.console import Console
from mailbot.web.request import Ctx, Invalid, User, sentence

HERE = Path(__file__).parent
COOKIE = "mailbot_session"
FLASH = "mailbot_flash"


class ConsoleBase:
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
        self.c.refresh_rules()
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

    def expected_fingerprint(self, staff: Staff, stored: str | None, claimed: str) -> str | None:
        """What a session cookie of `staff` must carry (None: no session can hold): the
        fingerprint of the password; web/oidc.py adds the Microsoft sign-in's mark."""
        return fingerprint(stored) if stored else None

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
