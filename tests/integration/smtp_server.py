"""A real SMTP server for tests: aiosmtpd on a free loopback port, recording what arrives.

Plain, STARTTLS or implicit TLS, optional AUTH with one user, and scripted refusals
(RCPT codes per address, a DATA answer, a slow DATA answer). Pitfalls (docs/INFRA.md):
port 0 does not work, so a free port is picked (and retried if taken meanwhile); a failed
AuthResult needs handled=False or the client hangs; plain or implicit-TLS AUTH needs
auth_require_tls=False.

Use the `smtp_server` fixture (a factory: `smtp_server(tls="starttls", user=...)`): import
`smtp_server_fixture` and `smtp_cert_dir_fixture` into a test module (the Python names
differ from the fixture names so the test arguments do not shadow the imports); it stops
every server it started.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import ServerError, _make_cert, free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes  # exactly the DATA bytes, dot-unstuffed, CRLF line ends


@dataclass
class RecordingHandler:
    """Accepts everything unless told otherwise; keeps every message that arrives."""

    rcpt_codes: dict[str, str] = field(default_factory=dict)  # address -> "550 5.1.1 ..."
    data_reply: str = "250 2.0.0 OK queued"
    data_delay: float = 0.0  # seconds before answering the end of DATA
    messages: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        reply = self.rcpt_codes.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_reply.startswith("250"):
            raw = envelope.original_content or envelope.content
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw))
        return self.data_reply


class OneUser:
    """An aiosmtpd authenticator that accepts exactly one user/password."""

    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()
        self.attempts = 0

    def __call__(self, server, session, envelope, mechanism, auth_data: Any) -> AuthResult:
        self.attempts += 1
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        # handled=False on failure: aiosmtpd then answers 535; True would hang the client
        return AuthResult(success=True) if ok else AuthResult(success=False, handled=False)


@dataclass
class SmtpServer:
    controller: Controller
    handler: RecordingHandler
    host: str
    port: int
    tls: str
    cafile: Path | None

    def stop(self) -> None:
        self.controller.stop()


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def start_server(
    cert_dir: Path | None,
    *,
    tls: str = "none",
    user: str | None = None,
    password: str | None = None,
    handler: RecordingHandler | None = None,
    host: str = "127.0.0.1",
) -> SmtpServer:
    """Start one server; `cert_dir` holds cert.pem/key.pem (needed for tls != none)."""
    handler = handler or RecordingHandler()
    kwargs: dict[str, Any] = {"server_hostname": "localhost", "ready_timeout": 5.0}
    if tls != "none":
        assert cert_dir is not None
        ctx = server_context(cert_dir / "cert.pem", cert_dir / "key.pem")
        if tls == "ssl":
            kwargs |= {"ssl_context": ctx, "auth_require_tls": False}
        else:
            kwargs |= {"tls_context": ctx, "require_starttls": True}
    else:
        kwargs["auth_require_tls"] = False
    if user is not None:
        kwargs["authenticator"] = OneUser(user, password or "")
    last: Exception | None = None
    for _ in range(5):  # another process may take the "free" port before we bind it
        port = free_port(host)
        controller = Controller(handler, hostname=host, port=port, **kwargs)
        try:
            controller.start()
        except Exception as exc:  # noqa: BLE001 - aiosmtpd re-raises the bind error as is
            last = exc
            continue
        cafile = cert_dir / "cert.pem" if cert_dir and tls != "none" else None
        return SmtpServer(controller, handler, host, port, tls, cafile)
    raise ServerError(f"could not start aiosmtpd: {last}")


@pytest.fixture(scope="session", name="smtp_cert_dir")
def smtp_cert_dir_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed cert for localhost/127.0.0.1 (openssl, as for Dovecot)."""
    root = tmp_path_factory.mktemp("smtp-cert")
    try:
        _make_cert(root)
    except ServerError as exc:
        pytest.skip(str(exc))
    return root


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(smtp_cert_dir: Path) -> Iterator[Callable[..., SmtpServer]]:
    """Factory: `smtp_server(tls=..., user=..., password=..., handler=...)`."""
    started: list[SmtpServer] = []

    def make(**kwargs: Any) -> SmtpServer:
        server = start_server(smtp_cert_dir, **kwargs)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


class Tarpit:
    """An SMTP "server" that accepts connections and never says a word: the greeting a
    client waits for never comes (what a hung or overloaded server looks like)."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="smtp-tarpit", daemon=True)
        self._thread.start()

    @property
    def accepted(self) -> int:
        return len(self.held)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(conn)  # kept open, never read from or written to

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._listener.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(name="tarpit")
def tarpit_fixture() -> Iterator[Tarpit]:
    server = Tarpit()
    yield server
    server.stop()
