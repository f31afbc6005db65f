"""Frozen dataclasses passed between stages (no I/O, no ORM objects), and the two
header-safety helpers every stage uses (one_line, address): they live here, at the
bottom, so the edges need nothing above them to write a header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address as MailAddress

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")  # \s is exactly str.isspace
# A plain dot-atom address (local part, domain), read the same by the stdlib's parser: it
# is spared the parser (~0.1 ms each) when mail is sent (address(), four times a mail) and
# when an author field is read (intake/addresses.py). Tests hold both to the parser.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
DOT_ATOM_ADDRESS = rf"({_ATOM}(?:\.{_ATOM})*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
_PLAIN_ADDRESS = re.compile(DOT_ATOM_ADDRESS)


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


def one_line(value: str) -> str:
    """A header-safe single line: control characters (CR, LF, NUL, ...) become spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def address(addr: str, name: str = "") -> MailAddress:
    """A validated address; ValueError for anything that is not one plain addr-spec.
    IDN domains become punycode (the message is 7-bit); a non-ASCII local part would
    need SMTPUTF8, which mailbot does not use, so it is refused."""
    addr = addr.strip()
    if not addr or _has_control(addr) or addr.count("@") != 1:
        raise ValueError(f"not an e-mail address: {addr!r}")
    plain = _PLAIN_ADDRESS.fullmatch(addr)
    if plain:
        return MailAddress(display_name=one_line(name), username=plain[1], domain=plain[2])
    local, domain = addr.rsplit("@", 1)
    try:
        parsed = MailAddress(addr_spec=f"{local}@{ascii_domain(domain)}")
    except Exception as exc:  # noqa: BLE001 - the parser raises several kinds
        raise ValueError(f"not an e-mail address: {addr!r}") from exc
    if not parsed.username.isascii() or not parsed.domain or "." not in parsed.domain:
        raise ValueError(f"not an e-mail address: {addr!r}")
    return MailAddress(display_name=one_line(name), username=parsed.username, domain=parsed.domain)


def ascii_domain(domain: str) -> str:
    """The domain as ASCII (IDNA for an internationalised one); ValueError if it is none."""
    domain = domain.strip().rstrip(".")
    if _has_control(domain) or not domain:
        raise ValueError(f"not a domain: {domain!r}")
    try:
        return domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a domain: {domain!r}") from exc


def _has_control(value: str) -> bool:
    return _SPACE_OR_CONTROL.search(value) is not None
