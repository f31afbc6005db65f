"""Signing in and out of the console. Apart from the other pages because the sign-in
form is the one page that runs outside `page()`: nobody is signed in yet, so it checks
the CSRF token, the rate limit and the password itself and writes the login audit.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.web.auth import (
    Visitor,
    check_password,
    fingerprint,
    new_csrf,
    record_login,
    same,
    stored_hash,
    wait_minutes,
)
from mailbot.web.base import COOKIE, ConsoleBase
from mailbot.web.request import Ctx, local_target


class SignIn(ConsoleBase):
    async def login(self, request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        return await run_in_threadpool(self._login, request, form)

    def _login(self, request: Request, form: FormData | None) -> Response:
        self.c.refresh_rules()
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

        def refused(status: int, error: str) -> Response:
            """The form again, with what went wrong and the identifier as typed."""
            return self.render(None, "login.html", status, **values, login=staff_id, error=error)

        if not same(str(form.get("csrf", "")), visitor.csrf):
            return self.render(
                None, "login.html", 403, **values, error="Formularz wygasł: wpisz dane jeszcze raz."
            )
        if not staff_id or not password:
            return refused(400, "Wpisz identyfikator i hasło.")
        with self.c.sessions.begin() as session:
            wait = wait_minutes(session, staff_id, ip, now)
            if wait:
                record_login(session, staff_id, ip, False, "rate limited", now)
                return refused(429, f"Zbyt wiele nieudanych prób. Spróbuj ponownie za {wait} min.")
            staff = self.c.rules.book.staff_member(staff_id)
            stored = stored_hash(session, staff.id) if staff else None
            if staff is None or not check_password(stored, password):
                record_login(session, staff_id, ip, False, "bad login or password", now)
                return refused(401, "Nieprawidłowy identyfikator lub hasło.")
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
