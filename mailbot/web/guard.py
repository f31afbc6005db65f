"""What wraps every response: security headers, HSTS behind https, the access log."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("mailbot.web.access")

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # a one-tap link's token never leaves in a Referer
    (b"cross-origin-opener-policy", b"same-origin"),
]
_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class Guard:
    """Security headers on every response, HSTS behind https, and one access-log line
    per request (who, what, status, time; a one-tap link's token left out)."""

    def __init__(self, app: ASGIApp, *, secure: bool):
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _HEADERS if k not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", _CSP))
                if self.secure:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            path = scope.get("path", "")
            shown = "/ack/[link]" if path.startswith("/ack/") else quote(path, safe="/")
            client = scope.get("client") or ("-", 0)
            who = (scope.get("state") or {}).get("staff", "-")
            ms = (time.perf_counter() - started) * 1000
            access_log.info(
                "%s %s %s %s %d %.1fms",
                client[0],
                who,
                scope.get("method"),
                shown,
                status,
                ms,
                extra={"path": path, "status": status, "ms": ms},
            )
