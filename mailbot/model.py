"""Frozen dataclasses passed between stages (no I/O, no ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    name: str
    address: str  # lower-cased addr-spec, "" when absent

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class InboundMail:
    """A parsed inbound message, everything later stages need and nothing more."""

    message_id: str  # always "<...>"; synthetic ("<sha256.HEX@mailbot.invalid>") when missing
    message_id_synthetic: bool
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    date: datetime | None  # timezone-aware when present
    in_reply_to: str | None
    references: tuple[str, ...]
    text: str  # text/plain body, or HTML rendered to text when there is no plain part
    html: str | None
    attachments: tuple[Attachment, ...]
    content_type: str  # top-level, lower-case ("multipart/report" marks a DSN)
    # Headers later stages need (loop guards, trust, urgency); None when absent.
    auto_submitted: str | None = None
    precedence: str | None = None
    list_id: str | None = None
    return_path: str | None = None
    authentication_results: tuple[str, ...] = ()
    x_priority: str | None = None
    importance: str | None = None
    x_autoreply: str | None = None
    x_auto_response_suppress: str | None = None
    x_autorespond: str | None = None
    list_unsubscribe: str | None = None
    thread_index: str | None = None
    defects: tuple[str, ...] = ()
    from_raw: str = ""  # the From header field(s) as received, one per line
    sender_doubt: str | None = None  # why `sender` is uncertain (two From headers, from Sender, …)
    size: int = 0
    sha256: str = ""
    oversized: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class FetchedMessage:
    """What the IMAP edge hands to intake: the raw bytes and where they came from."""

    folder: str
    uid: int
    uidvalidity: int
    raw: bytes
    size: int  # RFC822.SIZE reported by the server
    internal_date: datetime | None
    oversized: bool = False  # raw holds only headers + the first part of the body
