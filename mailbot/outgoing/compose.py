"""Outgoing mail as bytes: client replies and staff alerts. Pure.

7-bit with CRLF line ends: quoted-printable bodies and RFC 2047 subjects/names, so any
relay takes it without 8BITMIME or SMTPUTF8 and the Polish letters stay readable in the
raw source. Replies and alerts are written here line by line, the bodies encoded by
binascii: the stdlib's EmailMessage parses every header it is given and refolds it on
output (2.1 ms a reply), its compat32 classes fold each header through email.header,
whose splitter encodes the line again for every character (0.9 ms); this takes 0.2 ms,
and a backlog sends thousands. Every message is parsed back by the stdlib in the tests.
The digest keeps EmailMessage (base_message: one a day, with an attachment). Every header
value that may carry client input goes through model.one_line, and addresses are parsed,
never pasted: a client's subject or name must not be able to write a header (e.g.
"\\r\\nBcc: ...").

Loop safety (RFC 3834): automatic replies say `Auto-Submitted: auto-replied`, alerts
`auto-generated`; `X-Auto-Response-Suppress: All` stops Exchange/Outlook out-of-office
answers. RFC 3834 does not standardise `Precedence`, but vacation(1), Sieve vacation
setups and many helpdesks still test only `Precedence: bulk|junk|list` (the value
"auto_reply" is recognised by almost nothing), so client replies carry
`Precedence: bulk`, as RT and OTRS do. Staff alerts do not: a bulk mark can push an
emergency into a low-priority folder, and staff mail rules are ours to set.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from mailbot.model import address, ascii_domain, one_line
from mailbot.outgoing.render import WARSAW, Rendered, temat

STAFF_REPLY = "staff_reply"  # the outbox template of a reply a person wrote: personal mail
MAX_REFERENCES = 20  # the first id (thread root) + the 19 latest; a few KB at most
_MSG_ID = re.compile(r"<[!-;=?A-~]{1,250}@[!-;=?A-~]{1,250}>")  # printable ASCII but <>@
_TICKET = re.compile(r"[A-Za-z0-9-]{1,40}")
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_HEADER_LEN, _CHILD_LEN = 22, 5
_MAX_THREAD_INDEX = 22 + 5 * 200  # a longer one is not Outlook's: start a new thread


def make_message_id(ticket_number: str, domain: str = "kjmssoft.pl") -> str:
    """'<KJM-2026-000042.<random>@kjmssoft.pl>': the ticket is visible in any raw header
    (and findable in logs), the random part keeps ids unique across retries and replies."""
    if not _TICKET.fullmatch(ticket_number):
        raise ValueError(f"not a ticket number: {ticket_number!r}")
    host = ascii_domain(domain)
    return f"<{ticket_number}.{secrets.token_hex(8)}@{host}>"


def compose_reply(
    rendered: Rendered,
    *,
    from_addr: str,
    from_name: str,
    to_addr: str,
    to_name: str,
    in_reply_to: str | None,
    references: tuple[str, ...],
    thread_index: str | None,
    message_id: str,
    date: datetime,
    auto_submitted: str = "auto-replied",
    thread_topic: str | None = None,
    personal: bool = False,
) -> bytes:
    """A reply to a client that threads in Gmail/Thunderbird (In-Reply-To, References)
    and in Outlook (Thread-Index extended by one child block, Thread-Topic).

    `in_reply_to`, `references` and `thread_index` are the client's own Message-ID,
    References and Thread-Index, as received; malformed ones are dropped, not repaired.
    `thread_topic` defaults to the subject without prefixes and ticket tag. A `personal`
    reply, one a staff member wrote, is a person's mail: no Auto-Submitted, no bulk mark,
    nothing that would keep the client's own out-of-office answer away or file the reply
    with newsletters (our loop check knows our own address anyway)."""
    head = _head(rendered, from_addr, from_name, [(to_addr, to_name)], message_id, date)
    parent = _msg_id(in_reply_to)
    if parent:
        head.append(("In-Reply-To", [parent]))
    chain = cap_references([*_msg_ids(references), *([parent] if parent else [])])
    if chain:
        head.append(("References", chain))
    if not personal:
        head += [
            ("Auto-Submitted", [one_line(auto_submitted) or "auto-replied"]),
            ("X-Auto-Response-Suppress", ["All"]),
            ("Precedence", ["bulk"]),
        ]
    head += [
        (
            "Thread-Topic",
            _text("Thread-Topic", one_line(thread_topic or "") or temat(rendered.subject)),
        ),
        ("Thread-Index", [extend_thread_index(thread_index, date)]),
    ]
    return _assemble(head, rendered)


def compose_alert_email(
    rendered: Rendered,
    *,
    from_addr: str,
    from_name: str,
    to_addrs: Sequence[str],
    message_id: str,
    date: datetime,
    emergency: bool = False,
) -> bytes:
    """A staff alert (on-call e-mail). Emergencies are marked high importance in the
    three ways clients read it (Importance, X-Priority, X-MSMail-Priority)."""
    if not to_addrs:
        raise ValueError("an alert needs at least one recipient")
    head = _head(rendered, from_addr, from_name, [(a, "") for a in to_addrs], message_id, date)
    head += [("Auto-Submitted", ["auto-generated"]), ("X-Auto-Response-Suppress", ["All"])]
    if emergency:
        head += [("Importance", ["high"]), ("X-Priority", ["1", "(Highest)"]),
                 ("X-MSMail-Priority", ["High"])]  # fmt: skip
    return _assemble(head, rendered)


# -- ids ----------------------------------------------------------------------------------
def cap_references(ids: Sequence[str], limit: int = MAX_REFERENCES) -> list[str]:
    """Unique ids in order, at most `limit`: the root (first) and the latest ones, which
    are what threading algorithms (RFC 5256, JWZ) actually use."""
    unique = list(dict.fromkeys(ids))
    if len(unique) <= limit:
        return unique
    return [unique[0], *unique[len(unique) - (limit - 1) :]]


def _msg_id(value: str | None) -> str | None:
    found = _msg_ids((value or "",))
    return found[0] if found else None


def _msg_ids(values: Sequence[str]) -> list[str]:
    """Well-formed '<left@right>' ids out of header text; everything else is dropped."""
    return [m for v in values for m in _MSG_ID.findall(one_line(v or ""))]


# -- Thread-Index (MS-OXOMSG 2.2.1.3, PidTagConversationIndex) -----------------------------
def _filetime(when: datetime) -> int:
    """100-ns ticks since 1601-01-01 UTC (Windows FILETIME)."""
    if when.utcoffset() is None:
        raise ValueError(f"naive datetime {when!r}: pass a timezone-aware one")
    delta = when.astimezone(UTC) - _FILETIME_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def new_thread_index(when: datetime, guid: bytes | None = None) -> bytes:
    """The 22-byte header block: 0x01, FILETIME bits 63..24 (5 bytes, big-endian), GUID."""
    stamp = (_filetime(when) >> 24) & 0xFF_FFFF_FFFF
    return b"\x01" + stamp.to_bytes(5, "big") + (guid or uuid.uuid4().bytes)


def child_block(parent: bytes, when: datetime) -> bytes:
    """One 5-byte response level: DC bit, 31-bit time delta from the header's time,
    4 random bits, 4 bits of sequence count (0, as MAPI writes it).

    Delta below 2**49 ticks (~1.78 years): DC=0 and bits 48..18; otherwise DC=1 and
    bits 53..23. A reply dated before the parent (clock skew) gets delta 0."""
    parent_time = int.from_bytes(parent[1:6], "big") << 24
    delta = max(0, _filetime(when) - parent_time)
    if delta < 1 << 49:
        code, bits = 0, (delta >> 18) & 0x7FFF_FFFF
    else:
        code, bits = 1, (delta >> 23) & 0x7FFF_FFFF
    value = (code << 39) | (bits << 8) | (secrets.randbits(4) << 4)
    return value.to_bytes(5, "big")


def extend_thread_index(client_index: str | None, when: datetime) -> str:
    """The client's Thread-Index plus our child block, or a new header block when it is
    absent or not a valid one (wrong base64, wrong length, reserved byte not 0x01)."""
    raw = _decode_thread_index(client_index)
    out = raw + child_block(raw, when) if raw else new_thread_index(when)
    return base64.b64encode(out).decode("ascii")


def _decode_thread_index(value: str | None) -> bytes | None:
    text = "".join(one_line(value or "").split())
    if not text:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    if len(raw) < _HEADER_LEN or len(raw) > _MAX_THREAD_INDEX or raw[0] != 1:
        return None
    return raw if (len(raw) - _HEADER_LEN) % _CHILD_LEN == 0 else None


# -- assembly -----------------------------------------------------------------------------
def set_text_header(msg: EmailMessage, name: str, text: str) -> None:
    """A one-line text header (Subject) of an EmailMessage in RFC 2047 words folded by
    email.header.Header, stored as is. Not the policy's own folding: on Python 3.11 it can
    write an empty encoded word ('=?utf-8?q??=') at a fold, which mail clients (and the
    stdlib's own parser) read back as a double space in the subject."""
    encoded = Header(one_line(text), "utf-8", maxlinelen=76, header_name=name).encode("\r\n")
    msg.set_raw(name, encoded)


def base_message(
    rendered: Rendered,
    from_addr: str,
    from_name: str,
    to: Sequence[tuple[str, str]],
    message_id: str,
    date: datetime,
) -> EmailMessage:
    """The headers every mail of ours starts with (parsed addresses, one-line subject,
    validated Message-ID, local date); the digest builds its own body on it."""
    own_id = _checked(message_id, date)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = address(from_addr, from_name)
    msg["To"] = [address(a, n) for a, n in to]
    set_text_header(msg, "Subject", rendered.subject)
    msg["Date"] = format_datetime(date.astimezone(WARSAW))  # the sender's local time
    msg["Message-ID"] = own_id
    return msg


def _head(
    rendered: Rendered,
    from_addr: str,
    from_name: str,
    to: Sequence[tuple[str, str]],
    message_id: str,
    date: datetime,
) -> list[tuple[str, list[str]]]:
    """base_message's headers, for _assemble: the same checks, the same values."""
    own_id = _checked(message_id, date)
    recipients = [address(a, n) for a, n in to]
    return [
        ("From", _address(address(from_addr, from_name), header="From")),
        (
            "To",
            [
                t
                for i, a in enumerate(recipients)
                for t in _address(a, last=i == len(recipients) - 1)
            ],
        ),  # fmt: skip
        ("Subject", _text("Subject", one_line(rendered.subject))),
        ("Date", [format_datetime(date.astimezone(WARSAW))]),  # the sender's local time
        ("Message-ID", [own_id]),
    ]


def _checked(message_id: str, date: datetime) -> str:
    """Our Message-ID, validated; ValueError for it or for a naive `date`."""
    own_id = _msg_id(message_id)
    if own_id is None or own_id != message_id.strip():
        raise ValueError(f"not a Message-ID: {message_id!r}")
    if date.utcoffset() is None:
        raise ValueError(f"naive datetime {date!r}: pass a timezone-aware one")
    return own_id


# RFC 2047 5(3): the characters an encoded-word may carry as they are, in a phrase too.
_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
_Q = [chr(b) if b in _Q_SAFE else "_" if b == 0x20 else f"={b:02X}" for b in range(256)]


def encoded_words(text: str, first: int = 75) -> list[str]:
    """`text` as RFC 2047 encoded-words (UTF-8), each at most 75 characters (the first at
    most `first`: it shares its line with the header's name), no character split between
    two. Q (readable) when it fits in one word, else B, which needs fewer words: some
    readers put a space between the words of a name. One pass: email.header's splitter
    encodes the line again for every character it adds."""
    q = "".join([ch if ch in _ASCII_SAFE else "".join([_Q[b] for b in ch.encode()]) for ch in text])
    if len(q) <= max(first, 20) - len("=?utf-8?q??="):
        return [f"=?utf-8?q?{q}?="]
    words: list[str] = []
    chunk = b""
    room = (max(first, 20) - len("=?utf-8?b??=")) // 4 * 3  # bytes in one word
    for ch in text:
        data = ch.encode()
        if len(chunk) + len(data) > room and chunk:
            words.append(f"=?utf-8?b?{base64.b64encode(chunk).decode()}?=")
            chunk, room = b"", (75 - len("=?utf-8?b??=")) // 4 * 3
        chunk += data
    if chunk:
        words.append(f"=?utf-8?b?{base64.b64encode(chunk).decode()}?=")
    return words


_ASCII_SAFE = frozenset(chr(b) for b in _Q_SAFE)


def _text(name: str, value: str) -> list[str]:
    """An unstructured one-line value (Subject, Thread-Topic) as foldable tokens."""
    return value.split(" ") if value.isascii() else encoded_words(value, _LINE - len(name) - 2)


def _address(a: Address, last: bool = True, header: str = "To") -> list[str]:
    """'Name <addr>' as foldable tokens, the name quoted or RFC 2047-encoded as it needs."""
    spec = f"<{a.addr_spec}>" + ("" if last else ",")
    name = a.display_name
    if not name:
        return [spec]
    if not name.isascii():
        return [*encoded_words(name, _LINE - len(header) - 2), spec]
    return [formataddr((name, a.addr_spec))[: -len(a.addr_spec) - 3], spec]


_LINE = 76  # RFC 2047 2: a line with an encoded-word; RFC 5322 asks for 78 at most


def _fold(name: str, tokens: list[str]) -> str:
    """One header line, folded (CRLF + space) before a token that would pass 76
    characters; a single longer token stays whole (RFC 5322 allows up to 998)."""
    line, out = f"{name}:", []
    for token in tokens:
        if len(line) + 1 + len(token) > _LINE and line != f"{name}:":
            out.append(line)
            line = ""
        line += " " + token
    out.append(line)
    return "\r\n".join(out) + "\r\n"


def _assemble(head: list[tuple[str, list[str]]], rendered: Rendered) -> bytes:
    """Our headers, then text/plain + text/html alternatives (UTF-8, quoted-printable by
    binascii, in C), CRLF throughout."""
    parts = [_qp(rendered.text), _qp(rendered.html)]
    boundary = f"=_{secrets.token_hex(16)}"
    while any(boundary.encode() in part for part in parts):  # cannot happen; never trust
        boundary = f"=_{secrets.token_hex(16)}"
    lines = "".join(_fold(name, tokens) for name, tokens in head) + (
        f"Content-Language: pl\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative;"
        f'\r\n boundary="{boundary}"\r\n\r\n'
    )
    out = [lines.encode("ascii")]
    for subtype, body in zip(("plain", "html"), parts, strict=True):
        out.append(
            f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode("ascii")
        )
        out.append(body)
    out.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(out)


def _qp(text: str) -> bytes:
    """UTF-8, quoted-printable (RFC 2045: lines of at most 76, trailing spaces encoded),
    CRLF line ends, ending with one."""
    return binascii.b2a_qp(crlf_free(text).replace("\n", "\r\n").encode("utf-8"), istext=True)


def crlf_free(body: str) -> str:
    """Bodies with LF line ends (the policy writes CRLF); a stray CR would become =0D."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"
