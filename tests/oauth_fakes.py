"""A local stand-in for the Microsoft identity platform, and a token introspection endpoint
for Dovecot's `passdb oauth2`.

msal insists on https authorities, so the identity server speaks TLS with a self-signed
certificate made by tests/servers._make_cert; clients trust it through `verify=` (msal) or
REQUESTS_CA_BUNDLE (the whole daemon). It answers exactly what msal asks:
GET  /<tenant>/v2.0/.well-known/openid-configuration
POST /<tenant>/oauth2/v2.0/token   (grant_type client_credentials or refresh_token)
and records every token request so tests can check what msal sent.
"""

from __future__ import annotations

import itertools
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from tests.servers import _make_cert

TENANT = "kjmssoft.onmicrosoft.com"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "s3cr3t~Value.OfTheAzureApp"


@dataclass
class FakeIdentity:
    """What the fake identity platform knows and has seen; tests change its behaviour."""

    base: str = ""
    cafile: Path = Path()
    client_secret: str = CLIENT_SECRET
    expires_in: int = 3600
    refresh_token: str = "rt-1"  # the one it accepts; rotated on every use when `rotate`
    rotate: bool = True
    error: tuple[int, dict[str, Any]] | None = None  # a forced answer
    token_requests: list[dict[str, str]] = field(default_factory=list)
    discovery_hits: int = 0
    issued: list[str] = field(default_factory=list)
    _n: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def authority(self) -> str:
        return f"{self.base}/{TENANT}"

    def token_endpoint(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    # what the handler calls
    def discovery(self) -> dict[str, Any]:
        self.discovery_hits += 1
        return {
            "issuer": f"{self.authority}/v2.0",
            "authorization_endpoint": f"{self.authority}/oauth2/v2.0/authorize",
            "token_endpoint": self.token_endpoint(),
            "device_authorization_endpoint": f"{self.authority}/oauth2/v2.0/devicecode",
        }

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if self.error is not None:
            return self.error
        grant = form.get("grant_type")
        secret = form.get("client_secret")
        if secret is not None and secret != self.client_secret:
            return 401, {
                "error": "invalid_client",
                # a careless server echoing what it got: mailbot must still not show it
                "error_description": f"AADSTS7000215: Invalid client secret provided: {secret}"
                "\r\nTrace ID: 0000",
            }
        if grant == "client_credentials":
            return 200, self._issue()
        if grant == "refresh_token":
            if form.get("refresh_token") != self.refresh_token:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "AADSTS70008: The refresh token has expired.",
                }
            body = self._issue()
            if self.rotate:
                self.refresh_token = f"rt-{len(self.issued) + 1}"
            body["refresh_token"] = self.refresh_token
            return 200, body
        return 400, {"error": "unsupported_grant_type"}

    def _issue(self) -> dict[str, Any]:
        token = f"at-{next(self._n)}"
        self.issued.append(token)
        return {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}


def _json_handler(
    route: Callable[[str, str, dict[str, str]], tuple[int, dict[str, Any]] | None],
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            out = route(method, self.path.split("?")[0], form)
            status, payload = out if out is not None else (404, {"error": "not_found"})
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._answer("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._answer("POST")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def _serve(handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def identity_server(root: Path) -> Iterator[FakeIdentity]:
    """The fake identity platform on https://127.0.0.1:PORT/<TENANT>."""
    root.mkdir(parents=True, exist_ok=True)
    _make_cert(root)
    idp = FakeIdentity(cafile=root / "cert.pem")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(root / "cert.pem", root / "key.pem")
    prefix = f"/{TENANT}"

    def route(method: str, path: str, form: dict[str, str]):
        if method == "GET" and path == f"{prefix}/v2.0/.well-known/openid-configuration":
            return 200, idp.discovery()
        if method == "POST" and path == f"{prefix}/oauth2/v2.0/token":
            return idp.token(form)
        return None

    with _serve(_json_handler(route), context) as port:
        idp.base = f"https://127.0.0.1:{port}"
        yield idp


@dataclass
class Introspection:
    """RFC 7662-style introspection for Dovecot: `owner(token)` names the user the token
    belongs to, or None for a token nobody issued (inactive). Tests replace `owner`."""

    url: str
    owner: Callable[[str], str | None]
    seen: list[str] = field(default_factory=list)


@contextmanager
def introspection_server() -> Iterator[Introspection]:
    box = Introspection("", lambda token: None)

    def route(method: str, path: str, form: dict[str, str]):
        if method != "POST" or path != "/introspect":
            return None
        token = form.get("token", "")
        box.seen.append(token)
        user = box.owner(token)
        if user is None:
            return 200, {"active": False}
        return 200, {"active": True, "username": user}

    with _serve(_json_handler(route), None) as port:
        box.url = f"http://127.0.0.1:{port}/introspect"
        yield box
