"""The Starlette application: the routing table, the error pages, and the security
headers and access log around it all (guard.py).

ConsoleApp is the sum of the console's pages, each group in its own module with the
plumbing they share in base.py (the sign-in check on every page, CSRF on every form,
one database session); this module only says which address runs which of them.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mailbot.web.ack_page import AckPage
from mailbot.web.actions import TicketActions
from mailbot.web.base import HERE
from mailbot.web.client_pages import ClientPages
from mailbot.web.console import Console
from mailbot.web.guard import Guard
from mailbot.web.managers import ManagerPages
from mailbot.web.oidc import OidcPages
from mailbot.web.signin import SignIn

log = logging.getLogger("mailbot.web")


def create_app(console: Console) -> Starlette:
    return ConsoleApp(console).asgi()


class ConsoleApp(ManagerPages, TicketActions, ClientPages, AckPage, SignIn, OidcPages):
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
