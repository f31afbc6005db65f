"""The SMTP edge: smtplib behind a one-method Mailer; its failures become SmtpError.

Two reactions for the outbox, decided here once: SmtpError (TransientError) = nobody got
the message (or we cannot tell: see `maybe_delivered`), retry later with backoff;
SmtpRejected = a recipient or the content was refused for good (5xx on RCPT or DATA),
retrying cannot help and must not happen. Authentication failures are SmtpError, not
SmtpRejected: they are a setting to fix, after which the queued mail must still go out.

`SmtpMailer.send` is one connection per message (the self-alarm, the digest, a doctor's
test mail); the outbox sends through `SmtpMailer.session()`: one connection for many
messages (a backlog of 10,000 replies spent most of its time connecting), with a fresh
one after `per_connection` messages, after any failure, and when the server dropped an
idle one. `SmtpMailer.abort()` cuts every open connection at once, so a server that
accepts and never answers cannot hold a stopping daemon for the whole timeout.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mailbot.edges.mailer import Mailer, MailSession, OneByOne
from mailbot.edges.smtp_protocol import (
    ConnectionGone,
    converted,
    envelope,
    reply_text,
    transaction,
)
from mailbot.errors import ConfigError, SmtpError, SmtpRejected

TlsMode = Literal["ssl", "starttls", "none"]


@dataclass(frozen=True)
class SmtpCheck:
    """What `SmtpMailer.check` learned from the server (nothing was sent)."""

    tls: str | None  # the TLS version in use, None for a plain connection
    user: str | None  # logged in as, None without AUTH
    extensions: tuple[str, ...]  # EHLO keywords, lower case (after STARTTLS)
    auth_methods: tuple[str, ...]


class SmtpCheckError(SmtpError):
    """A failed `check`; `step` is connect, tls, ehlo or auth (each has its own fix)."""

    def __init__(self, step: str, message: str, *, code: int | None = None):
        super().__init__(message, code=code)
        self.step = step


def open_session(mailer: Mailer, *, deadline: float | None = None) -> MailSession:
    """One connection for many messages where the mailer can, else one by one.
    `deadline` (time.monotonic()) bounds every wait for the server."""
    if isinstance(mailer, SmtpMailer):
        return mailer.session(deadline=deadline)
    return OneByOne(mailer)


@contextmanager
def _step(step: str, what: str, secret: str | None) -> Iterator[None]:
    """_converted, with the failed step named; a TLS failure is a "tls" step wherever it
    happens (implicit TLS fails while connecting)."""
    try:
        with converted(what, secret):
            yield
    except SmtpCheckError:
        raise
    except SmtpError as exc:
        cause = exc.__cause__  # kept: the caller's advice depends on it (refused, DNS, cert)
        failed = "tls" if isinstance(cause, ssl.SSLError) else step
        raise SmtpCheckError(failed, str(exc), code=exc.code) from cause


class SmtpMailer:
    """Delivers over SMTP: implicit TLS ("ssl", port 465), STARTTLS (587) or plain."""

    def __init__(
        self,
        host: str,
        port: int,
        tls: TlsMode = "starttls",
        user: str | None = None,
        password: str | None = None,
        cafile: Path | None = None,
        timeout: float = 30.0,
        local_hostname: str | None = None,
    ):
        if tls not in ("ssl", "starttls", "none"):
            raise ConfigError(f"SMTP tls must be ssl, starttls or none, not {tls!r}", key="tls")
        if user and not password:
            raise ConfigError("SMTP user is set but the password is empty", key="password")
        self.host, self.port, self.tls = host, port, tls
        self.user, self._password = user, password
        self.cafile, self.timeout, self.local_hostname = cafile, timeout, local_hostname
        self.per_connection = 100  # messages; servers limit them (and QUIT frees memory)
        self._live: set[smtplib.SMTP] = set()  # open connections, for abort()
        self._lock = threading.Lock()
        self._aborted = False

    def __repr__(self) -> str:  # never print the password
        who = f"{self.user}@" if self.user else ""
        return f"SmtpMailer({who}{self.host}:{self.port}, tls={self.tls})"

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)

    def _open(self, timeout: float | None = None) -> smtplib.SMTP:
        """The TCP (and, for "ssl", TLS) connection with the server's greeting read. The
        connection is known to abort() before the first byte is awaited."""
        timeout = self.timeout if timeout is None else timeout
        if self.tls == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                local_hostname=self.local_hostname, timeout=timeout, context=self._context()
            )
        else:
            conn = smtplib.SMTP(local_hostname=self.local_hostname, timeout=timeout)
        with self._lock:
            if self._aborted:
                raise SmtpError("mailbot is stopping: no new SMTP connection")
            self._live.add(conn)
        conn._host = self.host  # what the constructor sets when it connects: TLS's SNI
        try:
            code, reply = conn.connect(self.host, self.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, reply)
        except BaseException:
            _close(conn)
            self._forget(conn)
            raise
        return conn

    def _forget(self, conn: smtplib.SMTP) -> None:
        with self._lock:
            self._live.discard(conn)

    def _end(self, conn: smtplib.SMTP) -> None:
        _close(conn)
        self._forget(conn)

    def abort(self) -> None:
        """Cut every open connection now and refuse new ones: a call blocked on the
        server fails at once (SmtpError) instead of after the timeout. For a stop."""
        with self._lock:
            self._aborted = True
            live = list(self._live)
        for conn in live:
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with suppress(OSError):  # the plain socket's shutdown, also under TLS
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def _connect(self, timeout: float | None = None) -> smtplib.SMTP:
        where = f"connect to {self.host}:{self.port}"
        with converted(where, self._password):
            conn = self._open(timeout)
        try:
            with converted(f"{where} (STARTTLS/login)", self._password):
                if self.tls == "starttls":
                    conn.starttls(context=self._context())
                if self.user:
                    self._login(conn, self.user, self._password or "")
        except SmtpError:
            self._end(conn)
            raise
        return conn

    def session(self, *, deadline: float | None = None) -> SmtpSession:
        """Many messages over one connection; `deadline` (time.monotonic()) bounds every
        wait for the server, whatever `timeout` says."""
        return SmtpSession(self, deadline)

    @staticmethod
    def _login(conn: smtplib.SMTP, user: str, password: str) -> None:
        """smtplib.login, except for non-ASCII credentials (a Polish password with 'ł'),
        which smtplib cannot encode: those go as AUTH PLAIN in UTF-8 (RFC 4616)."""
        if user.isascii() and password.isascii():
            conn.login(user, password)
            return
        conn.ehlo_or_helo_if_needed()
        if "plain" not in conn.esmtp_features.get("auth", "").lower().split():
            raise SmtpError("SMTP login: a non-ASCII user or password needs AUTH PLAIN")
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        code, reply = conn.docmd("AUTH", f"PLAIN {token}")
        if code not in (235, 503):  # 503: already authenticated
            raise smtplib.SMTPAuthenticationError(code, reply)

    def check(self) -> SmtpCheck:
        """Connect, EHLO, TLS as configured and AUTH when a user is set, then QUIT: every
        step `send` takes before MAIL FROM, so nothing is sent (`mailbot doctor`).
        Raises SmtpCheckError naming the step that failed."""
        where = f"{self.host}:{self.port}"
        with _step("connect", f"connect to {where}", self._password):
            conn = self._open()
        try:
            with _step("ehlo", f"EHLO at {where}", self._password):
                code, reply = conn.ehlo()
                if code != 250:
                    raise SmtpCheckError("ehlo", f"SMTP EHLO refused by {where}: {code} "
                                         f"{reply_text(reply)}", code=code)  # fmt: skip
            if self.tls == "starttls":
                with _step("tls", f"STARTTLS at {where}", self._password):
                    if not conn.has_extn("starttls"):
                        raise SmtpCheckError("tls", f"{where} does not offer STARTTLS")
                    conn.starttls(context=self._context())
                    conn.ehlo()
            if self.user:
                with _step("auth", f"login as {self.user} at {where}", self._password):
                    if not conn.has_extn("auth"):
                        raise SmtpCheckError("auth", f"{where} offers no AUTH here")
                    self._login(conn, self.user, self._password or "")
            sock = conn.sock
            return SmtpCheck(
                tls=(sock.version() or "TLS") if isinstance(sock, ssl.SSLSocket) else None,
                user=self.user,
                extensions=tuple(sorted(conn.esmtp_features)),
                auth_methods=tuple(conn.esmtp_features.get("auth", "").split()),
            )
        finally:
            self._end(conn)

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        """One SMTP transaction. ValueError for a malformed address (a caller's bug).
        `envelope_from=""` sends the null reverse-path (MAIL FROM:<>), which RFC 3834 3.3
        allows for auto-replies; many submission servers refuse it, hence not the default."""
        sender, rcpts = envelope(envelope_from, recipients)
        conn = self._connect()
        try:
            transaction(conn, sender, rcpts, raw, self._password)
        finally:
            self._end(conn)


class SmtpSession:
    """Messages one after another over one SMTP connection (`SmtpMailer.session`).

    Each message is still its own transaction with the reactions of `SmtpMailer.send`.
    After a failure the connection is dropped (its state is unknown) and the next message
    opens a new one. A connection the server closed while we were idle (an idle timeout,
    a 421) fails at MAIL FROM, before the message was sent: that message is tried once
    more on a fresh connection. Not thread-safe: one session per sending thread."""

    def __init__(self, mailer: SmtpMailer, deadline: float | None):
        self.mailer = mailer
        self.deadline = deadline
        self._conn: smtplib.SMTP | None = None
        self._count = 0  # messages on this connection
        self.connections = 0  # opened so far (for the delivery report)

    def _timeout(self) -> float:
        if self.deadline is None:
            return self.mailer.timeout
        return max(0.5, min(self.mailer.timeout, self.deadline - time.monotonic()))

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        sender, rcpts = envelope(envelope_from, recipients)
        if self._conn is not None and self._count >= self.mailer.per_connection:
            self.close()
        reused = self._conn is not None
        try:
            self._send(sender, rcpts, raw)
        except SmtpRejected:
            raise  # refused for good; the connection itself is fine
        except ConnectionGone:
            self._drop()
            if not reused:
                raise
            self._send(sender, rcpts, raw)  # the server closed it meanwhile: once more
        except SmtpError:
            self._drop()
            raise

    def _send(self, sender: str, rcpts: list[str], raw: bytes) -> None:
        timeout = self._timeout()
        if self._conn is None:
            self._conn = self.mailer._connect(timeout)
            self._count = 0
            self.connections += 1
        elif self._conn.sock is not None:
            self._conn.sock.settimeout(timeout)
        try:
            transaction(self._conn, sender, rcpts, raw, self.mailer._password)
        except SmtpRejected:
            self._count += 1
            raise
        self._count += 1

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with suppress(OSError):
                conn.close()  # no QUIT: the connection is in an unknown state
            self.mailer._forget(conn)

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self.mailer._end(conn)


def _close(conn: smtplib.SMTP) -> None:
    """QUIT politely; a failure here changes nothing about the message."""
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        with suppress(OSError):
            conn.close()
