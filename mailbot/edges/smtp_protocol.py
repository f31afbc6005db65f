"""One SMTP transaction over an open connection, and what its failures mean.

MAIL, RCPT and DATA are sent by hand (not smtplib's sendmail) to know which step failed,
and so whether the server may already have the message (`maybe_delivered`). smtplib,
socket and TLS failures become SmtpError here, once, with the password scrubbed from
whatever the server echoed. Kept apart from smtp.py, which opens, reuses and cuts
connections: this module is the protocol, that one the connection's life.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from mailbot.errors import SmtpError, SmtpRejected
from mailbot.model import address
from mailbot.scrub import Scrubber

_DOT = re.compile(rb"(?m)^\.")


class ConnectionGone(SmtpError):
    """The server had closed the connection (or said 421) before MAIL FROM: nothing of
    the message was sent, a new connection may take it at once."""


def envelope(envelope_from: str, recipients: list[str]) -> tuple[str, list[str]]:
    """The addr-specs MAIL FROM and RCPT TO take; ValueError for a malformed address."""
    sender = address(envelope_from).addr_spec if envelope_from else ""
    rcpts = list(dict.fromkeys(address(r).addr_spec for r in recipients))
    if not rcpts:
        raise ValueError("no recipients")
    return sender, rcpts


def reply_text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply).strip()


@contextmanager
def converted(what: str, secret: str | None) -> Iterator[None]:
    """Convert smtplib, socket and TLS failures into SmtpError, once, here; the server's
    text is scrubbed of the password (it may echo AUTH, scrub.py)."""
    scrub = Scrubber.of([secret])
    try:
        yield
    except SmtpError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        said = scrub(reply_text(exc.smtp_error))
        raise SmtpError(
            f"SMTP {what}: authentication failed ({exc.smtp_code} {said}); "
            "check the SMTP user and password",
            code=exc.smtp_code,
        ) from None  # never chain: the server's text is all we need to show
    except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError, timeouts are OSError
        text = scrub(str(scrub.exception(exc)) or type(exc).__name__)
        code = getattr(exc, "smtp_code", None)
        raise SmtpError(f"SMTP {what} failed: {text}", code=code) from exc


def transaction(
    conn: smtplib.SMTP, sender: str, rcpts: list[str], raw: bytes, secret: str | None
) -> None:
    """MAIL, RCPT, DATA by hand (not sendmail): to know which step failed, and so
    whether the server may already have the message."""
    with converted("MAIL FROM", secret):
        try:
            conn.ehlo_or_helo_if_needed()
            # `sender` and `rcpts` are addr-specs `envelope` checked: written as they are
            # (smtplib's mail()/rcpt() parse each again, ~0.1 ms a call)
            code, reply = conn.docmd("mail", f"FROM:<{sender}>")
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            raise ConnectionGone(f"SMTP MAIL FROM failed: {exc}") from exc
        if code == 421:  # closing the connection: nothing of this message was sent
            raise ConnectionGone(f"SMTP MAIL FROM: {code} {reply_text(reply)}", code=code)
        if code != 250:
            raise SmtpError(
                f"SMTP MAIL FROM {sender} refused: {code} {reply_text(reply)}", code=code
            )
        refused: dict[str, tuple[int, str]] = {}
        for rcpt in rcpts:
            code, reply = conn.docmd("rcpt", f"TO:<{rcpt}>")
            if code not in (250, 251):
                refused[rcpt] = (code, reply_text(reply))
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
            raise error(f"SMTP DATA refused: {code} {reply_text(reply)}", code=code)
    body = _DOT.sub(b"..", raw)  # dot-stuffing (RFC 5321 4.5.2), as smtplib.data does
    body += b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n"
    with converted("DATA", secret):
        conn.send(body)
    try:
        code, reply = conn.getreply()
    except (smtplib.SMTPException, OSError) as exc:
        raise SmtpError(
            f"SMTP connection lost after the message was sent, before the answer: {exc}",
            maybe_delivered=True,
        ) from exc
    if code >= 500:
        raise SmtpRejected(f"SMTP message refused: {code} {reply_text(reply)}", code=code)
    if code != 250:
        raise SmtpError(f"SMTP message deferred: {code} {reply_text(reply)}", code=code)
    if refused:
        detail = "; ".join(f"{r}: {c} {t}" for r, (c, t) in refused.items())
        raise SmtpRejected(
            f"SMTP delivered to {', '.join(accepted)} only; refused: {detail}",
            code=min(c for c, _ in refused.values()),
            refused=refused,
            delivered_to=accepted,
        )
