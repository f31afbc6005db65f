"""Signing in with Microsoft (OpenID Connect, Entra ID) beside the password: the two
pages of the flow. The protocol (state, nonce, PKCE, the ID token's checks) is
mailbot/edges/oidc.py; here is who the person is among the staff, the login audit and
rate limit the password sign-in uses too, and the console's usual session cookie.

- `/login/oidc` keeps the pending sign-in (state, nonce, PKCE verifier, the page asked
  for) in a signed cookie of its own for 10 minutes and sends the browser to the
  provider;
- `/login/oidc/callback` checks the provider's answer; the staff member of
  rules/staff.toml whose e-mail is the token's `email` or `preferred_username` (in any
  letter case) is signed in; anyone else gets a page saying why. Every outcome is a
  line in the login audit, and failures count toward the per-address limit.

A part of ConsoleApp (app.py), kept here for size.
"""

from __future__ import annotations

import hashlib
import logging

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.core.contracts import Staff
from mailbot.edges.oidc import Identity, OidcClient, OidcRefused, OidcUnavailable, Pending
from mailbot.web.auth import (
    PENDING_SECONDS,
    Visitor,
    new_csrf,
    record_login,
    stored_hash,
    wait_minutes,
)
from mailbot.web.base import ConsoleBase
from mailbot.web.request import local_target

log = logging.getLogger("mailbot.web")
PENDING = "mailbot_oidc"  # the cookie of a sign-in under way
PENDING_PATH = "/login/oidc"  # sent back only to the two pages of the flow
MARK = "oidc:"  # a session fingerprint that says "signed in with Microsoft"
UNKNOWN = "-"  # the audit's staff id while the provider has not said who it is


def session_mark(issuer: str, staff: Staff, stored: str | None) -> str:
    """What a Microsoft session carries in place of the password's fingerprint. It holds
    while the provider, the person's address in staff.toml and their console password
    (if they have one) stay the same: `mailbot staff set-password` ends every session of
    that person, however they signed in."""
    data = "\n".join((issuer, staff.email, stored or ""))
    return MARK + hashlib.sha256(data.encode()).hexdigest()[:16]


class OidcPages(ConsoleBase):
    def expected_fingerprint(self, staff: Staff, stored: str | None, claimed: str) -> str | None:
        """What a session cookie of `staff` must carry: the Microsoft mark while that
        sign-in is configured, else the fingerprint of the password; None: no session."""
        if claimed.startswith(MARK):
            return session_mark(self.c.oidc.settings.issuer, staff, stored) if self.c.oidc else None
        return super().expected_fingerprint(staff, stored, claimed)

    async def oidc_start(self, request: Request) -> Response:
        return await run_in_threadpool(self._oidc_start, request)

    async def oidc_callback(self, request: Request) -> Response:
        return await run_in_threadpool(self._oidc_callback, request)

    def _provider(self) -> OidcClient:
        if self.c.oidc is None:  # [web] oidc_issuer is not set
            raise HTTPException(404)
        return self.c.oidc

    def _oidc_start(self, request: Request) -> Response:
        provider = self._provider()
        try:
            url, pending = provider.start()
        except OidcUnavailable as exc:
            log.error("Microsoft sign-in unavailable: %s", exc)
            return self._unavailable()
        kept = {"state": pending.state, "nonce": pending.nonce, "verifier": pending.verifier,
                "next": local_target(request.query_params.get("next", "/"))}  # fmt: skip
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(PENDING, self.c.cookies.dump_pending(kept), max_age=PENDING_SECONDS,
                            httponly=True, samesite="lax", secure=self.c.web.https,
                            path=PENDING_PATH)  # fmt: skip
        return response

    def _oidc_callback(self, request: Request) -> Response:
        provider = self._provider()
        self.c.refresh_rules()  # who is staff: staff.toml as it is now
        ip = request.client.host if request.client else "-"
        now = self.c.clock()
        kept = self.c.cookies.load_pending(request.cookies.get(PENDING)) or {}
        pending = (
            Pending(kept["state"], kept["nonce"], kept["verifier"])
            if {"state", "nonce", "verifier"} <= kept.keys()
            else None
        )
        with self.c.sessions.begin() as session:
            wait = wait_minutes(session, None, ip, now)
            if wait:
                record_login(session, UNKNOWN, ip, False, "oidc: rate limited", now)
        if wait:
            return self._refused(
                429,
                "Zbyt wiele prób",
                f"Zbyt wiele nieudanych prób logowania z tego adresu. Spróbuj ponownie za "
                f"{wait} min.",
            )
        try:
            identity = provider.finish(request.query_params, pending, now)
        except OidcRefused as exc:
            log.warning("Microsoft sign-in from %s refused: %s", ip, exc)
            self._audit(UNKNOWN, ip, False, f"oidc: {exc}")
            cancelled = bool(request.query_params.get("error")) and pending is not None
            return self._refused(
                400,
                "Logowanie nieudane",
                "Microsoft nie potwierdził logowania (przerwano je albo odmówiono zgody)."
                if cancelled
                else "Nie udało się potwierdzić logowania przez Microsoft: odpowiedź nie "
                "pasuje do logowania rozpoczętego w tej przeglądarce albo przyszła za późno. "
                "Zacznij jeszcze raz; jeśli to się powtarza, powiadom administratora.",
            )
        except OidcUnavailable as exc:
            log.error("Microsoft sign-in unavailable: %s", exc)
            return self._unavailable()
        return self._sign_in(identity, provider, kept.get("next", "/"), ip)

    def _sign_in(self, identity: Identity, provider: OidcClient, target: str, ip: str
                 ) -> Response:  # fmt: skip
        book = self.c.rules.book
        staff = next(
            (s for a in identity.addresses if (s := book.staff_for_address(a)) is not None), None
        )
        shown = identity.email or identity.username
        if staff is None:
            log.warning("Microsoft sign-in from %s refused: %r is not in staff.toml", ip, shown)
            self._audit(shown or UNKNOWN, ip, False, "oidc: not in staff.toml")
            return self._refused(
                403,
                "Brak dostępu do konsoli",
                f"Konto Microsoft {shown or '(bez adresu e-mail)'} nie należy do nikogo z "
                "zespołu wsparcia: konsola wpuszcza tylko osoby z pliku rules/staff.toml, po "
                "adresie e-mail. Jeśli to pomyłka, poproś administratora o dopisanie adresu; "
                "możesz też zalogować się hasłem.",
            )
        now = self.c.clock()
        with self.c.sessions.begin() as session:
            stored = stored_hash(session, staff.id)
            record_login(session, staff.id, ip, True, f"oidc: {shown}", now)
        log.info("console sign-in with Microsoft: %s (%s)", staff.id, shown)
        mark = session_mark(provider.settings.issuer, staff, stored)
        response = RedirectResponse(local_target(target), status_code=303)
        self._set_cookie(response, Visitor(new_csrf(), staff.id, mark))
        response.delete_cookie(PENDING, path=PENDING_PATH)
        return response

    def _audit(self, who: str, ip: str, ok: bool, detail: str) -> None:
        with self.c.sessions.begin() as session:
            record_login(session, who, ip, ok, detail[:300], self.c.clock())

    def _refused(self, status: int, title: str, message: str) -> Response:
        """A page saying why, with the way back to the sign-in; the pending sign-in is
        used up either way."""
        response = self.render(None, "error.html", status, title=title, message=message,
                               back="/login", back_label="Wróć do logowania")  # fmt: skip
        response.delete_cookie(PENDING, path=PENDING_PATH)
        return response

    def _unavailable(self) -> Response:
        return self._refused(
            502,
            "Logowanie przez Microsoft niedostępne",
            "Logowanie przez Microsoft jest chwilowo niedostępne (błąd zapisano w dzienniku). "
            "Spróbuj za chwilę albo zaloguj się hasłem.",
        )
