"""Raw RFC 5322 bytes -> InboundMail.

Split between the stdlib and mail-parser (measured, see the report in tests/mail):
the message is parsed exactly once, by the stdlib (``email.message_from_bytes``,
compat32 policy: it never raises on unknown charsets and keeps raw 8-bit bytes).
``mailparser.parse_from_bytes`` builds that same compat32 tree and then walks it
again for data we do not use (base64 copies of attachments, received-chain
analysis, JSON views): about 0.4 ms per 10 KB message, half of our whole budget.
So mail-parser is used where its code is better than the stdlib's:
``mailparser.dates.parse_mail_date`` decides the Date (RFC 5322 incl. obsolete
syntax, comments, leap seconds; rejects impossible values instead of guessing),
the stdlib's lenient ``parsedate_to_datetime`` only rescues what it rejects
(no zone -> UTC). Headers, addresses and message ids come from the stdlib and
``mailbot.textdecode`` (mail-parser glues an encoded word to a folded plain word:
"Błędnakwota"); bodies and attachments from our own walk over the tree, because
we need the decoded bytes (size, sha256), a windows-1250 fallback, and must never
call ``get_content()`` on a multipart attachment.

Validity: ``ParseError`` (with a human reason) when the bytes are not a usable mail:
empty input, binary data (NUL bytes) in the header block, no header at all, or none
of From, Date and Message-ID. Anything else parses, however broken its MIME is.

Fallback: an unexpected exception while extracting bodies/attachments does not lose
the message: it is parsed again headers-only (body kept as one text part) and
``extra["parse_fallback"]`` names the exception. Only if that fails too is the
exception turned into ``ParseError("parser failure: ...")``.

``oversized=True``: raw holds the header block and the first part of the body. A
multipart cut off mid-way parses (the stdlib notes defects); the last attachment's
size and sha256 are those of the bytes present.
"""

from __future__ import annotations

import email
import hashlib
import mimetypes
import re
from datetime import datetime, timezone
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from mailparser.dates import parse_mail_date

from mailbot.errors import ParseError
from mailbot.model import Address, Attachment, InboundMail
from mailbot.textdecode import (
    clean_text,
    decode_header_value,
    decode_text,
    html_charset,
    html_to_text,
    one_line,
    unfold,
)

__all__ = ["parse_message"]

_MAX_PARTS = 5000  # MIME parts walked per message (a 3 MB "endless" sample has 3,043)
_HEADER_END = re.compile(rb"\r?\n\r?\n|\r\r")
_MSGID = re.compile(r"<([^<>]*)>")
_ADDR = re.compile(r"[^\s<>()\[\]\",;:@]+@[^\s<>()\[\]\",;:@]+")
_REPORT_TYPES = frozenset(
    {
        "message/delivery-status",
        "message/disposition-notification",
        "message/feedback-report",
        "message/external-body",
        "text/rfc822-headers",
    }
)
_PARAM_HEADERS = frozenset({"content-type", "content-disposition"})
_SIMPLE = {  # header field -> InboundMail attribute
    "auto-submitted": "auto_submitted",
    "precedence": "precedence",
    "list-id": "list_id",
    "return-path": "return_path",
    "x-priority": "x_priority",
    "importance": "importance",
    "x-autoreply": "x_autoreply",
    "x-auto-response-suppress": "x_auto_response_suppress",
    "thread-index": "thread_index",
}
_TYPES = mimetypes.MimeTypes(filenames=())  # built-in table only: same answer everywhere


def parse_message(raw: bytes, *, oversized: bool = False) -> InboundMail:
    """Parse one raw message; raise ParseError when it is not usable mail."""
    raw = bytes(raw)
    _check_raw(raw)
    msg = email.message_from_bytes(raw)
    if not msg.keys():
        raise ParseError("not an RFC 5322 message: no header block")
    if not any(str(msg.get(h) or "").strip() for h in ("from", "date", "message-id")):
        raise ParseError("not a usable mail message: no From, Date or Message-ID header")
    try:
        return _build(raw, msg, oversized, {})
    except Exception as exc:  # noqa: BLE001 - see module docstring: fall back, then give up
        note = {"parse_fallback": f"{type(exc).__name__}: {exc}"[:300]}
        try:
            flat = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
            return _build(raw, flat, oversized, note)
        except Exception:  # noqa: BLE001
            raise ParseError(f"parser failure: {type(exc).__name__}: {exc}") from exc


def _check_raw(raw: bytes) -> None:
    if not raw.strip():
        raise ParseError("empty message")
    end = _HEADER_END.search(raw)
    head = raw[: end.start()] if end else raw
    if b"\x00" in head:
        raise ParseError("not an RFC 5322 message: binary data (NUL bytes) in the header block")


def _build(raw: bytes, msg: Message, oversized: bool, extra: dict[str, str]) -> InboundMail:
    index: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        index.setdefault(name.lower(), []).append(value)

    def first(name: str) -> str | None:
        values = index.get(name)
        return one_line(decode_header_value(values[0])) if values else None

    sha = hashlib.sha256(raw).hexdigest()
    ids = _ids(index.get("message-id", [""])[0], bare_ok=True)
    senders = _mailboxes(index.get("from", [])[:1])
    if not senders and index.get("from"):
        senders = (Address(first("from") or "", ""),)
    plain, html, attachments, defects = _walk(msg, extra)
    text = plain if plain.strip() else (html_to_text(html) if html else "")
    return InboundMail(
        message_id=ids[0] if ids else f"<sha256.{sha}@mailbot.invalid>",
        message_id_synthetic=not ids,
        sender=senders[0] if senders else None,
        to=_mailboxes(index.get("to", [])),
        cc=_mailboxes(index.get("cc", [])),
        subject=first("subject") or "",
        date=_date(index.get("date", [None])[0]),
        in_reply_to=next(iter(_ids(index.get("in-reply-to", [""])[0])), None),
        references=_ids(" ".join(index.get("references", []))),
        text=text.strip(),
        html=html or None,
        attachments=tuple(attachments),
        content_type=msg.get_content_type().lower(),
        authentication_results=tuple(
            one_line(decode_header_value(v)) for v in index.get("authentication-results", [])
        ),
        defects=tuple(defects),
        size=len(raw),
        sha256=sha,
        oversized=oversized,
        extra=extra,
        **{attr: first(name) for name, attr in _SIMPLE.items()},
    )


def _ids(value: str, *, bare_ok: bool = False) -> tuple[str, ...]:
    """msg-ids in order, each "<...>", duplicates dropped. Bare ids need "@" unless bare_ok."""
    value = decode_header_value(value)
    found = ["".join(m.split()) for m in _MSGID.findall(value)]
    if not any(found):
        tokens = [t.strip("<>") for t in re.split(r"[\s,]+", value)]
        found = [t for t in tokens if "@" in t] or (tokens[:1] if bare_ok else [])
    return tuple(dict.fromkeys(f"<{i}>" for i in found if i))


def _mailboxes(values: list[str]) -> tuple[Address, ...]:
    """Addresses from raw header values: stdlib getaddresses, names decoded after splitting."""
    result = []
    for name, addr in getaddresses([unfold(v) for v in values]):
        name, addr = one_line(decode_header_value(name)).strip("\"' "), addr.strip()
        if addr and (" " in addr or "@" not in addr):
            match = _ADDR.search(addr)  # "Jan Kowalski jan@x.pl" without angle brackets
            if match:
                name = name or one_line(addr.replace(match.group(), "")).strip("\"'<> ")
                addr = match.group()
            elif " " in addr:
                name, addr = name or addr, ""
        if addr or name:
            result.append(Address(name, addr.lower()))
    return tuple(result)


def _date(value: str | None) -> datetime | None:
    if value is None:
        return None
    value = one_line(decode_header_value(value))
    try:
        strict = parse_mail_date(value).value  # aware UTC, or None when not RFC 5322
    except Exception:  # noqa: BLE001 - a third-party parser must not cost us the mail
        strict = None
    try:
        lenient = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        lenient = None
    if lenient is not None and lenient.tzinfo is None:
        lenient = lenient.replace(tzinfo=timezone.utc)
    if strict is not None and lenient != strict:
        return strict
    return lenient  # same instant as strict, in the sender's own offset


def _walk(msg: Message, extra: dict[str, str]):
    """Walk the MIME tree once: (plain, html, attachments, defect names)."""
    plains: list[str] = []
    htmls: list[str] = []
    loose: list[str] = []  # multipart leaves whose boundary is missing: raw text
    attachments: list[Attachment] = []
    defects: dict[str, None] = {}
    stack: list[tuple[Message, bool]] = [(msg, False)]
    walked = 0
    while stack:
        part, consumed = stack.pop()
        walked += 1
        if walked > _MAX_PARTS:
            extra["parts_skipped"] = str(len(stack) + 1)
            break
        for defect in part.defects:
            defects.setdefault(type(defect).__name__, None)
        ctype = part.get_content_type().lower()
        if part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if not consumed and ctype not in _REPORT_TYPES and part is not msg:
                name = _filename(part)
                is_file = name or part.get_content_disposition() == "attachment"
                if ctype in ("message/rfc822", "message/global") or is_file:
                    inner = children[0] if children and ctype.startswith("message/") else part
                    if not name:
                        message = ctype.startswith("message/")
                        name = _eml_name(inner) if message else f"part-{walked}.bin"
                    attachments.append(_attachment(name, ctype, _flatten(inner)))
                    consumed = True
            if ctype.startswith("message/") and ctype not in ("message/rfc822", "message/global"):
                consumed = True
            stack.extend((c, consumed) for c in reversed(children))
            continue
        if consumed or ctype in _REPORT_TYPES:
            continue
        payload = part.get_payload(decode=True) or b""
        name = _filename(part)
        is_body = not name and part.get_content_disposition() != "attachment"
        if is_body and ctype == "text/plain":
            plains.append(clean_text(decode_text(payload, part.get_content_charset())))
        elif is_body and ctype == "text/html":
            charset = part.get_content_charset() or html_charset(payload)
            htmls.append(clean_text(decode_text(payload, charset)))
        elif is_body and ctype.startswith("multipart/"):
            loose.append(clean_text(decode_text(payload, part.get_content_charset())))
        elif name or payload:
            if not name:
                name = f"part-{walked}{_TYPES.guess_extension(ctype) or '.bin'}"
            attachments.append(_attachment(name, ctype, payload))
    plain = "\n\n".join(p.strip("\n") for p in plains if p.strip())
    if not plain.strip() and not htmls:
        plain = "\n\n".join(loose)
    return plain, "\n".join(htmls), attachments, list(defects)


def _attachment(name: str, ctype: str, payload: bytes) -> Attachment:
    return Attachment(name, ctype, len(payload), hashlib.sha256(payload).hexdigest())


def _filename(part: Message) -> str:
    """Attachment name: RFC 2231 (any charset, continuations), RFC 2047, raw 8-bit."""
    raw = [(k, v) for k, v in part.raw_items() if k.lower() in _PARAM_HEADERS]
    if not all(str(v).isascii() for _k, v in raw):  # raw 8-bit: compat32 would say "?"
        part = Message()
        for k, v in raw:
            part[k] = unfold(v)
    value = part.get_param("filename", None, "content-disposition")
    if not value:
        value = part.get_param("name", None)
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded latin-1 text)
        charset, _lang, text = value
        value = decode_text(text.encode("latin-1", "surrogateescape"), charset)
    if not value or not isinstance(value, str):
        return ""
    return one_line(decode_header_value(value.strip('"')))


def _eml_name(inner: Message) -> str:
    subject = one_line(decode_header_value(inner.get("subject", "")))
    return f"{subject or 'message'}.eml"


def _flatten(part: Message) -> bytes:
    """Bytes of an attached message/multipart (re-generated: the tree keeps no raw offsets)."""
    try:
        return part.as_bytes()
    except Exception:  # noqa: BLE001 - odd charsets can break the generator
        try:
            return part.as_string().encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            return b""
