"""An embedded IMAP server for the demo: pymap's in-memory ``dict`` backend on a thread.

The demo then exercises the real IMAP client code path against a real (if small) server.
pymap 0.36.7, checked by tests/demo/test_server.py: LOGIN, APPEND (APPENDUID, bytes kept
exactly), SELECT/EXAMINE, UID SEARCH, FETCH BODY.PEEK[], STORE of system flags, CREATE,
COPY, MOVE, EXPUNGE and IDLE work. Caveats: UIDs start at 101; separator "/"; keywords
("$MailbotProcessed") are silently dropped (PERMANENTFLAGS has no \\*); no UNSELECT;
CLOSE after EXAMINE answers NO; plain IMAP only; everything is lost on stop().
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from argparse import Namespace
from types import TracebackType

from imapclient import IMAPClient
from proxyprotocol.reader import ProxyProtocolReader
from proxyprotocol.version import ProxyProtocolVersion
from pymap.backend.dict import Config, Login
from pymap.concurrent import Subsystem
from pymap.imap import IMAPServer
from pymap.user import Passwords, UserMetadata
from pysasl.hashing import BuiltinHash

__all__ = ["DemoImapServer", "start_demo_imap", "append_messages"]


class _DemoConfig(Config):
    @property
    def greeting(self) -> bytes:  # the default does socket.getfqdn() on every connection
        return b"Server ready mailbot-demo"


class DemoImapServer:
    """A running pymap server; ``stop()`` (or leaving the ``with`` block) shuts it down."""

    def __init__(self, host: str, port: int, user: str, password: str) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-imap", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start_demo_imap() through _error
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        args = Namespace(passlib_cfg=None, proxy_protocol=None, debug=False)
        config = _DemoConfig(
            args,
            host=self.host,
            port=self.port,
            demo_data=False,  # pymap's demo data would prefill INBOX, Sent and Trash
            demo_user=self.user,
            demo_password=self.password,
            tls_enabled=False,
            hash_context=BuiltinHash(rounds=1),  # default 500,000 rounds: ~0.3 s per LOGIN
            cpu_subsystem=Subsystem.for_asyncio(),  # no thread pool left behind
            invalid_user_sleep=0.0,
            reject_dnsbl=False,
            proxy_protocol=ProxyProtocolVersion.get(None),
        )
        config.apply_context()
        login = Login(config)
        hashed = await Passwords(config).hash_password(self.password)
        await login.demo_user_identity.set(UserMetadata(config, self.user, password=hashed))
        callback = ProxyProtocolReader(config.proxy_protocol).get_callback(
            IMAPServer(login, config)
        )
        server = await asyncio.start_server(callback, host=self.host, port=self.port)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stopping.wait()
        # asyncio.run() then cancels the open connections (clients get "* BYE").

    def stop(self, timeout: float = 5.0) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout)

    def __enter__(self) -> DemoImapServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"DemoImapServer({self.host}:{self.port}, user={self.user!r})"


def start_demo_imap(
    host: str = "127.0.0.1", port: int = 0, user: str = "pomoc", password: str = "pomoc"
) -> DemoImapServer:
    """Start the server on a background thread; returns once it accepts connections.

    ``port=0`` lets the OS pick a free port; read it back from ``server.port``.
    """
    server = DemoImapServer(host, port, user, password)
    server._thread.start()
    if not server._ready.wait(10.0):
        server.stop()
        raise TimeoutError("demo IMAP server did not start within 10 s")
    if server._error is not None:
        raise RuntimeError(f"demo IMAP server failed to start: {server._error}") from server._error
    return server


def connect(server: DemoImapServer, timeout: float = 10.0) -> IMAPClient:
    """A logged-in IMAPClient with TCP_NODELAY (else every APPEND waits ~40 ms)."""
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=timeout)
    try:
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.login(server.user, server.password)
    except BaseException:
        client.shutdown()
        raise
    return client


def append_messages(server: DemoImapServer, raws: list[bytes], folder: str = "INBOX") -> None:
    """APPEND each raw message to ``folder`` (created when missing)."""
    client = connect(server)
    try:
        if folder != "INBOX" and not client.folder_exists(folder):
            client.create_folder(folder)
        for raw in raws:
            client.append(folder, raw)
    finally:
        client.logout()
