"""Raw RFC 5322 bytes -> InboundMail: ``parse_message(raw, *, oversized=False)``.

Split (measured on 10 KB mails, one core): the stdlib parses the bytes once
(``email.message_from_bytes``, compat32: no exceptions on unknown charsets, raw 8-bit
bytes kept). ``mailparser.parse_from_bytes`` builds the same tree and walks it again for
data we do not use (base64 copies, Received analysis, JSON): +0.4 ms a message, as much
as the parse, so it is not called. mail-parser's ``parse_mail_date`` decides the Date
(RFC 5322 incl. obsolete forms; refuses impossible values); the stdlib's lenient parser
rescues the rest (no zone -> UTC). Subject and ids: stdlib + ``mailbot.intake.textdecode``
(mail-parser glues an encoded word to a folded plain word: "Błędnakwota"). Bodies and
attachments: our own walk (decoded bytes for size/sha256, charset fallbacks, no
``get_content()`` on multipart attachments).

Validity: ParseError with a human reason for empty input, NUL bytes in the header block
(Outlook .msg, images), no header at all, or none of From/Date/Message-ID. Anything else
parses, however broken its MIME.

Where the parts went: sloppy header blocks are mended first (header_mend.py); long
base64 runs are set aside before the stdlib parses and taken back by the walk
(base64_runs.py, which says why: speed and memory); the walk over the MIME tree is
mime_walk.py; the author and recipients are addresses.py. The feed parser is fed in
pieces (``_message_from_bytes``): the stdlib's own decodes the whole message to one str.

Memory: a 25.8 MB message grew a process by ~210 MB (one explain peaked at 295 MB):
the stdlib decodes the whole message to one str read back through a StringIO, and its
``get_payload(decode=True)`` copies a base64 payload three times. Now the feed parser is
fed in pieces (``_message_from_bytes``), runs are kept as offsets and decoded from the
bytes, a leaf's str is dropped once decoded, and no step copies the whole message: the
growth is the raw bytes plus the largest decoded part and a little.

Fallback: MIME nested too deep for the stdlib, or any unexpected exception while walking
the parts, does not lose the message: it is parsed headers-only (body as one text part)
and ``extra["parse_fallback"]`` names the exception. Only if that fails too does it
become ``ParseError("parser failure: …")``.

oversized=True: raw is the header block plus the start of the body. A multipart cut
mid-way parses (stdlib defects note it); the last attachment's size and sha256 cover the
bytes present, and a synthetic Message-ID hashes the truncated bytes.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import parsedate_to_datetime

from mailparser.dates import parse_mail_date

from mailbot.errors import ParseError
from mailbot.intake.addresses import author, mailboxes
from mailbot.intake.base64_runs import Runs, set_aside_runs
from mailbot.intake.header_mend import mend_header
from mailbot.intake.mime_walk import walk
from mailbot.intake.textdecode import decode_header_value, html_to_text, one_line, unfold
from mailbot.model import InboundMail

__all__ = ["parse_message"]

_MAX_HTML = 200_000  # characters of HTML converted to text when there is no plain part
_HEADER_END = re.compile(rb"\r?\n\r?\n|\r\r")
_MSGID = re.compile(r"<([^<>]*)>")
_SIMPLE = {  # header field -> InboundMail attribute
    name: name.replace("-", "_")
    for name in ("auto-submitted", "precedence", "list-id", "return-path", "x-priority")
    + ("importance", "x-autoreply", "x-auto-response-suppress", "thread-index")
    + ("x-autorespond", "list-unsubscribe")
}
_FEED_PIECE = 65536  # bytes given to the stdlib's feed parser at a time


def parse_message(raw: bytes, *, oversized: bool = False) -> InboundMail:
    """Parse one raw message (RFC 5322 bytes, any line ends) into an InboundMail.

    Raises ParseError, reason in its text, when the bytes are not usable mail. Never
    raises anything else. The module docstring explains the fallback and ``oversized``.
    """
    return _parse(raw, oversized, set_aside=True)


def _parse(raw: bytes, oversized: bool, *, set_aside: bool) -> InboundMail:
    """set_aside=False is the plain parse: the reference the fast one must equal."""
    raw = bytes(raw)
    text = raw.lstrip(b"\r\n")  # tolerate stray blank lines before the header
    if not text or text.isspace():  # not text.strip(): a copy of the whole message
        raise ParseError("empty message")
    end = _HEADER_END.search(text)
    if b"\x00" in (text[: end.start()] if end else text):
        raise ParseError("not an RFC 5322 message: binary data (NUL bytes) in the header block")
    extra: dict[str, str] = {}
    text, mended = mend_header(text, end)
    if mended:
        extra["header_mended"] = mended
        end = _HEADER_END.search(text)
    short, runs = set_aside_runs(text, end.end()) if set_aside and end else (text, Runs(text, {}))
    try:
        msg = _message_from_bytes(short)
    except RecursionError as exc:  # MIME nested deeper than the stdlib parser recurses
        if runs:
            return _parse(raw, oversized, set_aside=False)
        msg, extra = _headers_only(text), {**extra, **_note(exc)}
    if not msg.keys():
        raise ParseError("not an RFC 5322 message: no header block")
    if not any(str(msg.get(h) or "").strip() for h in ("from", "date", "message-id")):
        raise ParseError("not a usable mail message: no From, Date or Message-ID header")
    try:
        return _build(raw, msg, oversized, extra, runs)
    except Exception as exc:  # noqa: BLE001 - see module docstring: fall back, then give up
        if runs:  # a run outside a decoded base64 leaf, or any surprise: parse plainly
            return _parse(raw, oversized, set_aside=False)
        try:
            return _build(raw, _headers_only(text), oversized, {**extra, **_note(exc)})
        except Exception:  # noqa: BLE001
            raise ParseError(f"parser failure: {type(exc).__name__}: {exc}") from exc


def _message_from_bytes(data: bytes) -> Message:
    """``email.message_from_bytes(data)`` (compat32), fed to its feed parser in pieces.
    The stdlib decodes the whole message to one str and reads it back through a StringIO
    (four bytes a character): 25.8 MB of mail cost 212 MB at the peak, in pieces 64.
    The feed parser takes any cut (a partial line waits for the rest), and the
    ASCII/surrogateescape decoding is byte by byte, so the tree is the same."""
    parser = BytesFeedParser(policy=compat32)
    for start in range(0, len(data), _FEED_PIECE):
        parser.feed(data[start : start + _FEED_PIECE])
    return parser.close()


def _headers_only(text: bytes) -> Message:
    return BytesParser(policy=compat32).parsebytes(text, headersonly=True)


def _note(exc: BaseException) -> dict[str, str]:  # extra["parse_fallback"]
    return {"parse_fallback": f"{type(exc).__name__}: {exc}"[:300]}


def _build(
    raw: bytes,
    msg: Message,
    oversized: bool,
    extra: dict[str, str],
    runs: Runs | None = None,
) -> InboundMail:
    index: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        index.setdefault(name.lower(), []).append(value)
    walked = walk(msg, extra, runs) if runs else walk(msg, extra)  # tests patch walk/2
    plain, html, attachments, defects, hint = walked

    def first(name: str) -> str | None:
        values = index.get(name)
        return one_line(decode_header_value(values[0], hint)) if values else None

    sha = hashlib.sha256(raw).hexdigest()
    ids = _ids(index.get("message-id", [""])[0], bare_ok=True)
    sender, doubt = author(index, hint)
    if not plain.strip() and len(html) > _MAX_HTML:  # inscriptis: ~2 s per 750 KB of table
        extra["text_truncated"] = f"HTML body of {len(html)} chars, first {_MAX_HTML} converted"
    text = plain if plain.strip() else (html_to_text(html[:_MAX_HTML]) if html else "")
    return InboundMail(
        message_id=ids[0] if ids else f"<sha256.{sha}@mailbot.invalid>",
        message_id_synthetic=not ids,
        sender=sender,
        to=mailboxes(index.get("to", []), hint, need_domain=True),
        cc=mailboxes(index.get("cc", []), hint, need_domain=True),
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
        from_raw="\n".join(one_line(unfold(v, hint)) for v in index.get("from", [])),
        sender_doubt=doubt,
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
        lenient = lenient.replace(tzinfo=UTC)
    if strict is not None and lenient != strict:
        return strict
    return lenient  # same instant as strict, in the sender's own offset
