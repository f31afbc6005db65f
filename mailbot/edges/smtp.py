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
import itertools
import os
import re
import secrets
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from mailbot.errors import ConfigError, SmtpError, SmtpRejected
from mailbot.model import address
from mailbot.scrub import Scrubber

TlsMode = Literal["ssl", "starttls", "none"]
_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SmtpCheck:
    """What `SmtpMailer.check` learned from the server (nothing was sent)."""

    tls: str | None  # the TLS version in use, None for a plain connection
    user: str | None  # logged in as, None without AUTH
    extensions: tuple[str, ...]  # EHLO keywords, lower case (after STARTTLS)
    auth_methods: tuple[str, ...]


class ConnectionGone(SmtpError):
    """The server had closed the connection (or said 421) before MAIL FROM: nothing of
    the message was sent, a new connection may take it at once."""


class SmtpCheckError(SmtpError):
    """A failed `check`; `step` is connect, tls, ehlo or auth (each has its own fix)."""

    def __init__(self, step: str, message: str, *, code: int | None = None):
        super().__init__(message, code=code)
        self.step = step


class Mailer(Protocol):
    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        """Deliver `raw` (CRLF bytes) or raise SmtpError / SmtpRejected."""
        ...


class MailSession(Protocol):
    """Many messages in a row (the outbox): the same reactions as `Mailer.send`."""

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None: ...

    def close(self) -> None: ...


class OneByOne:
    """A MailSession over any Mailer: each message on its own (the capture folder, the
    e-mail-to-SMS gateway, a test's mailer)."""

    def __init__(self, mailer: Mailer):
        self.mailer = mailer

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        self.mailer.send(envelope_from, recipients, raw)

    def close(self) -> None:
        return None


def open_session(mailer: Mailer, *, deadline: float | None = None) -> MailSession:
    """One connection for many messages where the mailer can, else one by one.
    `deadline` (time.monotonic()) bounds every wait for the server."""
    if isinstance(mailer, SmtpMailer):
        return mailer.session(deadline=deadline)
    return OneByOne(mailer)


def _envelope(envelope_from: str, recipients: list[str]) -> tuple[str, list[str]]:
    """The addr-specs MAIL FROM and RCPT TO take; ValueError for a malformed address."""
    sender = address(envelope_from).addr_spec if envelope_from else ""
    rcpts = list(dict.fromkeys(address(r).addr_spec for r in recipients))
    if not rcpts:
        raise ValueError("no recipients")
    return sender, rcpts


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply).strip()


@contextmanager
def _converted(what: str, secret: str | None) -> Iterator[None]:
    """Convert smtplib, socket and TLS failures into SmtpError, once, here; the server's
    text is scrubbed of the password (it may echo AUTH, scrub.py)."""
    scrub = Scrubber.of([secret])
    try:
        yield
    except SmtpError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        said = scrub(_text(exc.smtp_error))
        raise SmtpError(
            f"SMTP {what}: authentication failed ({exc.smtp_code} {said}); "
            "check the SMTP user and password",
            code=exc.smtp_code,
        ) from None  # never chain: the server's text is all we need to show
    except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError, timeouts are OSError
        text = scrub(str(scrub.exception(exc)) or type(exc).__name__)
        code = getattr(exc, "smtp_code", None)
        raise SmtpError(f"SMTP {what} failed: {text}", code=code) from exc


@contextmanager
def _step(step: str, what: str, secret: str | None) -> Iterator[None]:
    """_converted, with the failed step named; a TLS failure is a "tls" step wherever it
    happens (implicit TLS fails while connecting)."""
    try:
        with _converted(what, secret):
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
        with _converted(where, self._password):
            conn = self._open(timeout)
        try:
            with _converted(f"{where} (STARTTLS/login)", self._password):
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
                                         f"{_text(reply)}", code=code)  # fmt: skip
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
        sender, rcpts = _envelope(envelope_from, recipients)
        conn = self._connect()
        try:
            self._transaction(conn, sender, rcpts, raw)
        finally:
            self._end(conn)

    def _transaction(self, conn: smtplib.SMTP, sender: str, rcpts: list[str], raw: bytes) -> None:
        """MAIL, RCPT, DATA by hand (not sendmail): to know which step failed, and so
        whether the server may already have the message."""
        with _converted("MAIL FROM", self._password):
            try:
                conn.ehlo_or_helo_if_needed()
                code, reply = conn.mail(sender)
            except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                raise ConnectionGone(f"SMTP MAIL FROM failed: {exc}") from exc
            if code == 421:  # closing the connection: nothing of this message was sent
                raise ConnectionGone(f"SMTP MAIL FROM: {code} {_text(reply)}", code=code)
            if code != 250:
                raise SmtpError(
                    f"SMTP MAIL FROM {sender} refused: {code} {_text(reply)}", code=code
                )
            refused: dict[str, tuple[int, str]] = {}
            for rcpt in rcpts:
                code, reply = conn.rcpt(rcpt)
                if code not in (250, 251):
                    refused[rcpt] = (code, _text(reply))
            accepted = tuple(r for r in rcpts if r not in refused)
            transient = {r: c for r, c in refused.items() if c[0] < 500}
            if transient or not accepted:
                with suppress(smtplib.SMTPException, OSError):
                    conn.rset()
                detail = "; ".join(f"{r}: {c} {t}" for r, (c, t) in refused.items())
                if transient:
                    code = min(c for c, _ in transient.values())
                    raise SmtpError(f"SMTP RCPT deferred: {detail}", code=code)
                raise SmtpRejected(f"SMTP RCPT refused: {detail}", code=500, refused=refused)
            code, reply = conn.docmd("DATA")
            if code != 354:
                error = SmtpRejected if code >= 500 else SmtpError
                raise error(f"SMTP DATA refused: {code} {_text(reply)}", code=code)
        body = _DOT.sub(b"..", raw)  # dot-stuffing (RFC 5321 4.5.2), as smtplib.data does
        body += b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n"
        with _converted("DATA", self._password):
            conn.send(body)
        try:
            code, reply = conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpError(
                f"SMTP connection lost after the message was sent, before the answer: {exc}",
                maybe_delivered=True,
            ) from exc
        if code >= 500:
            raise SmtpRejected(f"SMTP message refused: {code} {_text(reply)}", code=code)
        if code != 250:
            raise SmtpError(f"SMTP message deferred: {code} {_text(reply)}", code=code)
        if refused:
            detail = "; ".join(f"{r}: {c} {t}" for r, (c, t) in refused.items())
            raise SmtpRejected(
                f"SMTP delivered to {', '.join(accepted)} only; refused: {detail}",
                code=min(c for c, _ in refused.values()),
                refused=refused,
                delivered_to=accepted,
            )


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
        sender, rcpts = _envelope(envelope_from, recipients)
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
            self.mailer._transaction(self._conn, sender, rcpts, raw)
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


class CaptureMailer:
    """Writes each message as `<UTC timestamp>-<n>.eml` into a folder instead of sending
    (the demo's "outgoing mail captured locally"). Atomic: a reader never sees half a
    file, and an existing file is never overwritten (another process may capture too).
    Only disk errors fail, as SmtpError, so the outbox retries them like an outage."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.last_path: Path | None = None
        self._n = itertools.count(1)

    def __repr__(self) -> str:
        return f"CaptureMailer({self.directory})"

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f".{stamp}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            with open(tmp, "xb") as f:
                f.write(raw)
                f.flush()
                os.fsync(f.fileno())
            try:
                target = self._publish(tmp, stamp)
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise SmtpError(f"cannot capture mail in {self.directory}: {exc}") from exc
        self.last_path = target

    def _publish(self, tmp: Path, stamp: str) -> Path:
        """Give the finished file its name: a hard link never replaces an existing file."""
        while True:
            target = self.directory / f"{stamp}-{next(self._n)}.eml"
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                continue
