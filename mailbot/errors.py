"""One error hierarchy, split by what the caller does next.

Following imap_tools: library failures are converted into these at the edge, once,
so the poller only has to know three reactions: stop and fix config, set the message
aside, or try again later.
"""

from __future__ import annotations


class MailbotError(Exception):
    """Base of every error mailbot raises on purpose."""


class ConfigError(MailbotError):
    """The operator must fix a setting; the program stops before connecting anywhere."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        parts = [f"file {file}" if file else "", f"key '{key}'" if key else ""]
        where = ", ".join(p for p in parts if p)
        super().__init__(f"{message} ({where})" if where else message)


class MessageError(MailbotError):
    """This one message cannot be handled: quarantine it and go on with the next."""


class ParseError(MessageError):
    """The bytes are not a usable mail message (no sender, not RFC 5322, parser crash)."""


class TransientError(MailbotError):
    """A server or the database is unavailable: keep the checkpoint and retry later."""


class ImapError(TransientError):
    """IMAP connection, login or command failed."""


class ImapAuthError(ImapError):
    """The server refused our login: a person must act (the self-alarm says so)."""


class SmtpError(TransientError):
    """Sending failed; the message is still ours to send again later.

    `maybe_delivered` is True when the connection broke after the whole message was
    handed over but before the server's answer: the server may have delivered it. The
    outbox must not blindly resend a client reply then (a client never gets two)."""

    def __init__(self, message: str, *, code: int | None = None, maybe_delivered: bool = False):
        super().__init__(message)
        self.code = code
        self.maybe_delivered = maybe_delivered


class SmtpRejected(SmtpError):
    """Refused for good (5xx on RCPT or DATA): do not retry, mark the message failed.

    `refused` maps each refused recipient to (code, server text); `delivered_to` lists
    recipients that were accepted anyway (a partial delivery, e.g. one of two staff)."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        refused: dict[str, tuple[int, str]] | None = None,
        delivered_to: tuple[str, ...] = (),
    ):
        super().__init__(message, code=code)
        self.refused = refused or {}
        self.delivered_to = delivered_to


class SchemaError(MailbotError):
    """The database schema is not at the version this code needs."""
