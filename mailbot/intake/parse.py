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

The author (``_sender``): the From field's address is the one the stdlib's modern
parser (``policy.default``'s address header) reads, with each run of encoded words
replaced by a placeholder first, so nothing inside an encoded word acts as address
syntax; mailbot.intake.textdecode decodes the names. ``sender_doubt`` says why the sender is
not exactly one well-formed From address (two From fields, two addresses, none: then
Sender or Reply-To, malformed syntax); ``from_raw`` keeps the From field(s) as received.
Recipients (To, Cc) use the stdlib's fast ``getaddresses`` on the same protected text.

Sloppy header blocks (``_mend_header``): text lines before the first field are dropped
and a field folded without indentation is indented, when a common field follows, so the
stdlib does not end the header there; ``extra["header_mended"]`` says what was done.

Validity: ParseError with a human reason for empty input, NUL bytes in the header block
(Outlook .msg, images), no header at all, or none of From/Date/Message-ID. Anything else
parses, however broken its MIME.

Speed: the feedparser reads a message line by line and then regex-scans each part's
whole payload; a 150 KB base64 attachment (2,000 lines) cost ~5 ms, more than half of all
parse time in the benchmark mix. So each long run of base64-alphabet lines after a blank
line is set aside before parsing and one placeholder line stands in for it
(``_set_aside``). No line of a run can be a boundary ("-" is not in the alphabet) or a
header field (no ":"), so the tree is the same as without. The walk decodes a clean run
straight from the message's bytes where its placeholder is a base64 leaf's payload
(``_take_back``), puts it back as text into any other leaf we decode, and hashes it in
where an attached message is flattened (``_flat_attachment``). If a placeholder lands
anywhere else (a preamble, a delivery report), the message is parsed again from the
original bytes: the result is always exactly that of the plain parse
(``tests/mail/test_parse_fast.py`` compares the two).

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

import binascii
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import errors
from email.feedparser import BytesFeedParser
from email.headerregistry import Address as ModernAddress
from email.headerregistry import AddressHeader
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from mailparser.dates import parse_mail_date

from mailbot.errors import ParseError
from mailbot.intake.textdecode import (
    clean_text,
    decode_header_value,
    decode_text,
    decode_text_as,
    encoded_spans,
    html_charset,
    html_to_text,
    one_line,
    unfold,
)
from mailbot.model import Address, Attachment, InboundMail

__all__ = ["parse_message"]

_MAX_PARTS = 5000  # MIME parts walked per message (a 3 MB "endless" sample has 3,043)
_MAX_HTML = 200_000  # characters of HTML converted to text when there is no plain part
_HEADER_END = re.compile(rb"\r?\n\r?\n|\r\r")
_MSGID = re.compile(r"<([^<>]*)>")
_ADDR = re.compile(r"[^\s<>()\[\]\",;:@]+@[^\s<>()\[\]\",;:@]+")
_REPORT_TYPES = frozenset(  # DSN/MDN/ARF metadata: neither body text nor attachment
    ("message/delivery-status", "message/disposition-notification", "text/rfc822-headers")
    + ("message/feedback-report", "message/external-body")
)
_PARAM_HEADERS = frozenset({"content-type", "content-disposition"})
_SIMPLE = {  # header field -> InboundMail attribute
    name: name.replace("-", "_")
    for name in ("auto-submitted", "precedence", "list-id", "return-path", "x-priority")
    + ("importance", "x-autoreply", "x-auto-response-suppress", "thread-index")
    + ("x-autorespond", "list-unsubscribe")
}
_FILE_LIKE = re.compile(r"[\w-]{1,80}\.[A-Za-z0-9]{1,5}")
_TYPES = mimetypes.MimeTypes(filenames=())  # built-in table only: same answer everywhere
_BASE64_LINES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
_CHECK_PIECE = 1 << 20  # bytes of a run checked at a time (a copy of each is made)
_BLANK_LINE = re.compile(rb"\n\r?\n")
_MIN_RUN = 4096  # bytes: shorter runs cost the feedparser little; not worth the checks
# What the stdlib's feedparser takes for a header field (its headerRE), and fields common
# enough that a line before one of them is surely still part of the header block.
_FIELD_LINE = re.compile(rb"[\041-\071\073-\176]*:")
# A line that is neither a field nor a fold (CR-only mail has its own: sisimai "mac").
_ODD_LINE = re.compile(rb"\n(?![ \t\r\n]|[\041-\071\073-\176]*:)")
_ODD_LINE_CR = re.compile(rb"\r(?![ \t\r]|[\041-\071\073-\176]*:)")
_COMMON_FIELD = re.compile(
    rb"(?:from|to|cc|subject|date|message-id|received|return-path|reply-to|sender|mime-version"
    rb"|content-type|content-transfer-encoding|in-reply-to|references|x-[\041-\071\073-\176]+)"
    rb"[ \t]*:",
    re.I,
)
_MEND_LEADING = 3  # text lines before the header dropped at most
_MEND_SCAN = 65536  # bytes looked at for a header block when there is no blank line
_FEED_PIECE = 65536  # bytes given to the stdlib's feed parser at a time
_LF_PIECE = 1 << 20  # bytes of a run hashed at a time
_LINE_END = re.compile(rb"\r\n|\r|\n")  # as the stdlib's generator splits lines


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
    text, mended = _mend_header(text, end)
    if mended:
        extra["header_mended"] = mended
        end = _HEADER_END.search(text)
    short, runs = _set_aside(text, end.end()) if set_aside and end else (text, _Runs(text, {}))
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


def _mend_header(text: bytes, end: re.Match[bytes] | None) -> tuple[bytes, str]:
    """Mend two slips that make the stdlib end the header block early, losing From,
    Date or Subject to the body: text lines before the first field ("Wiadomość z
    formularza:" above the header) are dropped, and a line of a field folded without
    indentation is indented. Either only when a common field follows in the block, so
    body text after a header without a blank line stays body. Returns the text (the
    same object when nothing was wrong) and what was mended, for ``extra``."""
    block = text[: end.start() if end else _MEND_SCAN]
    first = _FIELD_LINE.match(block) or block.startswith(b"From ")
    odd = _ODD_LINE if b"\n" in block else _ODD_LINE_CR
    if first and not odd.search(block):  # the usual case, in one quick regex scan
        return text, ""
    lines = block.splitlines(keepends=True)
    fields = [bool(_FIELD_LINE.match(line)) or line[:1] in b" \t" for line in lines]
    if all(fields[1:]) and (fields[0] or lines[0].startswith(b"From ")):
        return text, ""
    known = [i for i, line in enumerate(lines) if _COMMON_FIELD.match(line)]
    if not known:
        return text, ""
    notes = []
    skip = 0 if fields[0] or lines[0].startswith(b"From ") else known[0]
    if 0 < skip <= _MEND_LEADING:
        notes.append(f"{skip} text line(s) before the header dropped")
    else:
        skip = 0
    folded = 0
    for i in range(skip + 1, known[-1]):
        if not fields[i] and lines[i].strip():
            lines[i] = b" " + lines[i]
            folded += 1
    if folded:
        notes.append(f"{folded} unindented header line(s) read as folded")
    if not notes:
        return text, ""
    return b"".join(lines[skip:]) + text[len(block) :], "; ".join(notes)


class _RunOutsideBase64(Exception):
    """A placeholder did not land in a base64 leaf decoded by the walk: parse plainly."""


@dataclass(frozen=True)
class _Runs:
    """Runs set aside: placeholder -> (start, end) of the run in ``text``, the final line
    end left out (the parser strips it before a boundary). Offsets, not copies: a 25 MB
    attachment is decoded straight from the message's bytes (see ``_take_back``)."""

    text: bytes
    spans: dict[str, tuple[int, int]]

    def __len__(self) -> int:
        return len(self.spans)


def _set_aside(text: bytes, body_start: int) -> tuple[bytes, _Runs]:
    """Replace each run (>= _MIN_RUN bytes of whole base64-alphabet lines, starting after
    a blank line) by one placeholder line. Returns the short bytes and the runs.
    Placeholders occur once each in the short bytes. No slice of a run is made here."""
    pieces: list[bytes] = []
    spans: dict[str, tuple[int, int]] = {}
    done, pos = 0, body_start
    while pos < len(text):
        first = text.find(b"\n", pos, pos + 1000)
        if first - pos >= 40 and _base64_lines(text, pos, first):
            stop = text.find(b"\n-", first)  # a boundary line, or the end of the text
            stop = len(text) if stop < 0 else stop + 1
            stop = text.rfind(b"\n", pos, stop) + 1
            if stop - pos >= _MIN_RUN and _base64_lines(text, pos, stop):
                eol = b"\r\n" if text.startswith(b"\r\n", stop - 2) else b"\n"
                mark = f"MAILBOT/SET/ASIDE/{len(spans)}/"  # "/1/" is no part of "/10/"
                pieces += (text[done:pos], mark.encode(), eol)
                spans[mark] = (pos, stop - len(eol))
                done = pos = stop
        blank = _BLANK_LINE.search(text, pos)
        if blank is None:
            break
        pos = blank.end()
    if not spans:
        return text, _Runs(text, {})
    pieces.append(text[done:])
    short = b"".join(pieces)
    if any(short.count(mark.encode()) != 1 for mark in spans):
        return text, _Runs(text, {})
    return short, _Runs(text, spans)


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


def _base64_lines(text: bytes, start: int, end: int) -> bool:
    """Whether text[start:end] holds nothing but the base64 alphabet, "=" and line ends;
    ``bytes.translate`` in pieces: a fast C loop, and no copy of a 25 MB run at once."""
    return not any(
        text[i : min(end, i + _CHECK_PIECE)].translate(None, _BASE64_LINES)
        for i in range(start, end, _CHECK_PIECE)
    )


def _headers_only(text: bytes) -> Message:
    return BytesParser(policy=compat32).parsebytes(text, headersonly=True)


def _note(exc: BaseException) -> dict[str, str]:  # extra["parse_fallback"]
    return {"parse_fallback": f"{type(exc).__name__}: {exc}"[:300]}


def _build(
    raw: bytes,
    msg: Message,
    oversized: bool,
    extra: dict[str, str],
    runs: _Runs | None = None,
) -> InboundMail:
    index: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        index.setdefault(name.lower(), []).append(value)
    walked = _walk(msg, extra, runs) if runs else _walk(msg, extra)  # tests patch _walk/2
    plain, html, attachments, defects, hint = walked

    def first(name: str) -> str | None:
        values = index.get(name)
        return one_line(decode_header_value(values[0], hint)) if values else None

    sha = hashlib.sha256(raw).hexdigest()
    ids = _ids(index.get("message-id", [""])[0], bare_ok=True)
    sender, doubt = _sender(index, hint)
    if not plain.strip() and len(html) > _MAX_HTML:  # inscriptis: ~2 s per 750 KB of table
        extra["text_truncated"] = f"HTML body of {len(html)} chars, first {_MAX_HTML} converted"
    text = plain if plain.strip() else (html_to_text(html[:_MAX_HTML]) if html else "")
    return InboundMail(
        message_id=ids[0] if ids else f"<sha256.{sha}@mailbot.invalid>",
        message_id_synthetic=not ids,
        sender=sender,
        to=_mailboxes(index.get("to", []), hint, need_domain=True),
        cc=_mailboxes(index.get("cc", []), hint, need_domain=True),
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


def _sender(index: dict[str, list[str]], hint: str | None) -> tuple[Address | None, str | None]:
    """The author, and why it is in doubt: None only for exactly one From field holding
    exactly one well-formed address. Two From fields (RFC 5322 allows one) give the first
    one's address, doubted. No usable From (none, or no address in it): Sender, then
    Reply-To, doubted; the From's name-only mailbox when neither has an address."""
    froms = index.get("from", [])
    doubts = [f"{len(froms)} From headers"] if len(froms) > 1 else []
    boxes, malformed = _from_mailboxes(froms[0], hint) if froms else ((), None)
    usable = [box for box in boxes if box.address]
    if not usable:
        for name, label in (("sender", "Sender"), ("reply-to", "Reply-To")):
            found = [b for b in _from_mailboxes(index.get(name, [""])[0], hint)[0] if b.address]
            if found:
                return found[0], f"no usable From; address taken from {label}"
        if not froms:
            return None, "no From header"
        name = boxes[0].name if boxes else one_line(decode_header_value(froms[0], hint))
        return Address(name, ""), "; ".join([*doubts, "From has no address"])
    if len(boxes) > 1:
        doubts.append(f"From holds {len(boxes)} addresses")
    if "@" not in usable[0].address:
        doubts.append("From address has no domain")
    elif malformed:
        doubts.append(f"From is not a well-formed address ({malformed})")
    return usable[0], "; ".join(doubts) or None


def _from_mailboxes(value: str, hint: str | None) -> tuple[tuple[Address, ...], str | None]:
    """Mailboxes of an author field as the stdlib's modern parser reads it, and what was
    wrong with its syntax (None when nothing was).

    Each run of encoded words stands in the parser's input as a placeholder atom and is
    decoded by mailbot.intake.textdecode afterwards: nothing inside an encoded word (":", ";",
    ",", "<", "@") can act as address syntax, and the charset fallbacks apply to the
    name. Two departures from the modern parser, both doubted: an address written
    without angle brackets after a name ("Jan Kowalski jan@x.pl") is recovered, and an
    encoded word inside an address is left as written (the modern parser decodes it
    there, so "=?utf-8?Q?a@b.pl,?= c@d.pl" reads as a@b.pl to it). A name given only
    as a comment ("jan@x.pl (Jan Kowalski)") is kept, as old mailers write it.
    """
    text, marks = _protect(unfold(value, hint))
    if not text.strip():
        return (), None
    try:  # the parse tree of policy.default's From header, without its Address objects
        tree = AddressHeader.value_parser(text)
        found = [
            (box.display_name or "", box.local_part or "", box.domain or "")
            for address in tree.addresses
            for box in address.all_mailboxes
        ]
        wrong = [str(d) for d in tree.all_defects if _is_invalid(d)]
    except Exception as exc:  # noqa: BLE001 - the stdlib must not cost us the mail
        found = [(name, addr, "") for name, addr in getaddresses([text])]
        wrong = [f"{type(exc).__name__}: {exc}"]
    boxes = []
    for name, user, domain in found:
        addr = _addr_spec(user, domain)
        name, addr, fixed = _recover(name, addr)
        if fixed:
            wrong.append("address not in angle brackets")
        if any(mark in addr for mark in marks):
            wrong.append("encoded word in the address")
        if not name and "(" in text:
            name = next((n for n, a in getaddresses([text]) if a.lower() == addr.lower()), "")
        name = one_line(_restore(name, marks, decoded=True)).strip("\"' ")
        boxes.append(Address(name, _restore(addr, marks, decoded=False).strip().lower()))
    return tuple(boxes), "; ".join(dict.fromkeys(wrong)) or None


def _addr_spec(user: str, domain: str) -> str:
    """The address as the modern parser spells it (a local part with specials quoted:
    '"biuro@klient.pl"@evil.example'), but a local part with whitespace unquoted, so
    ``_recover`` finds "jan@x.pl" in "Jan Kowalski jan@x.pl"; "" for an empty one."""
    if not user and not domain:
        return ""
    if any(ch.isspace() for ch in user):
        return f"{user}@{domain}" if domain else user
    try:
        return ModernAddress(username=user, domain=domain).addr_spec
    except (ValueError, IndexError):  # what it refuses is no address we can quote
        return f"{user}@{domain}" if domain else user


def _is_invalid(defect: errors.MessageDefect) -> bool:
    """Invalid syntax, not obsolete syntax ("Dr. Jan Kowalski": a period in a phrase) and
    not an RFC 6532 UTF-8 local part."""
    return isinstance(defect, errors.InvalidHeaderDefect) and not isinstance(
        defect, errors.NonASCIILocalPartDefect
    )


def _recover(name: str, addr: str) -> tuple[str, str, bool]:
    """(name, address, whether recovered) for an address with spaces or without "@":
    "Jan Kowalski jan@x.pl" without angle brackets; a name-only mailbox keeps no address."""
    addr = addr.strip()
    if addr and (" " in addr or "@" not in addr):
        match = _ADDR.search(addr)
        if match:
            name = name or one_line(addr.replace(match.group(), "")).strip("\"'<> ")
            return name, match.group(), True
        if " " in addr:
            return name or addr, "", False
    return name, addr, False


def _protect(text: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """text with each run of encoded words replaced by a placeholder atom, and
    placeholder -> (decoded text, text as written)."""
    spans = encoded_spans(text) if "=?" in text else []
    if not spans:
        return text, {}
    token = "MbEw"
    while token in text:  # a placeholder must not occur in the header itself
        token += "x"
    marks: dict[str, tuple[str, str]] = {}
    pieces, pos = [], 0
    for i, (start, end, decoded) in enumerate(spans):
        mark = f"{token}{i}Q"  # "Q" ends it: "MbEw1Q" is no part of "MbEw10Q"
        marks[mark] = (decoded, text[start:end])
        pieces += (text[pos:start], mark)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), marks


def _restore(text: str, marks: dict[str, tuple[str, str]], *, decoded: bool) -> str:
    for mark, (plain, written) in marks.items():
        if mark in text:
            text = text.replace(mark, plain if decoded else written)
    return text


def _mailboxes(values: list[str], hint: str | None, *, need_domain: bool = False):
    """Recipient addresses (To, Cc) via the stdlib's fast getaddresses, encoded words
    protected as for the author (``_protect``). Not the modern parser: it costs ~0.1 ms
    a field, and no decision rests on a recipient's exact address. need_domain drops
    entries without "@" ("Kowalski" of "Kowalski, Jan <j@x.pl>")."""
    result = []
    for value in values:
        text, marks = _protect(unfold(value, hint))
        for name, addr in getaddresses([text]):
            name, addr, _fixed = _recover(name, addr)
            name = one_line(_restore(name, marks, decoded=True)).strip("\"' ")
            addr = _restore(addr, marks, decoded=False).lower()
            if ("@" in addr) if need_domain else (addr or name):
                result.append(Address(name, addr))
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
        lenient = lenient.replace(tzinfo=UTC)
    if strict is not None and lenient != strict:
        return strict
    return lenient  # same instant as strict, in the sender's own offset


def _walk(msg: Message, extra: dict[str, str], runs: _Runs | None = None):
    """Walk the MIME tree once: (plain, html, attachments, defect names, body charset).
    Puts runs set aside back (_set_aside); raises _RunOutsideBase64 if one is left."""
    runs = runs or _Runs(b"", {})
    left = set(runs.spans)
    plains, htmls, loose = [], [], []  # loose: multipart leaves without their boundary
    attachments: list[Attachment] = []
    defects: dict[str, None] = {}
    stack: list[tuple[Message, bool]] = [(msg, False)]
    walked, hint = 0, None
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
                    attachments.append(_flat_attachment(name, ctype, inner, runs, left))
                    consumed = True
            if ctype.startswith("message/") and ctype not in ("message/rfc822", "message/global"):
                consumed = True
            stack.extend((c, consumed) for c in reversed(children))
            continue
        if consumed or ctype in _REPORT_TYPES:
            continue
        payload = None
        if left and str(part.get("content-transfer-encoding", "")).lower() == "base64":
            payload = _take_back(part, runs, left)
        if payload is None:
            payload = part.get_payload(decode=True) or b""
        part.set_payload(None)  # the tree's copy (a str as long as the part): not needed
        name = _filename(part)
        is_body = not name and part.get_content_disposition() != "attachment"
        if is_body and ctype in ("text/plain", "text/html"):
            charset = part.get_content_charset()
            if ctype == "text/html":
                charset = charset or html_charset(payload)
            body, used = decode_text_as(payload, charset)
            body = clean_text(body)  # one copy alive, not two, while the walk goes on
            (plains if ctype == "text/plain" else htmls).append(body)
            if hint is None:  # raw 8-bit header bytes are most likely in the body's charset
                hint = used or charset
            continue
        if is_body and ctype.startswith("text/") and hint is None:
            hint = part.get_content_charset()
        if is_body and ctype.startswith("multipart/"):
            loose.append(clean_text(decode_text(payload, part.get_content_charset())))
        elif name or payload or part.get_content_disposition() == "attachment":
            if not name:  # Outlook's inline "image001.png@01DB..." names the file
                cid = str(part.get("content-id", "")).strip(" <>").split("@")[0]
                name = cid if _FILE_LIKE.fullmatch(cid) else f"part-{walked}"
                name += "" if "." in name else _TYPES.guess_extension(ctype) or ".bin"
            attachments.append(_attachment(name, ctype, payload))
    if left:
        raise _RunOutsideBase64
    plain = "\n\n".join(p.strip("\n") for p in plains if p.strip())
    if not plain.strip() and not htmls:
        plain = "\n\n".join(loose)
    return plain, "\n".join(htmls), attachments, list(defects), hint


def _take_back(part: Message, runs: _Runs, left: set[str]) -> bytes | None:
    """The decoded payload of a base64 leaf whose whole payload is one placeholder and
    whose run is clean base64 (no stray "=", whole quanta): decoded from the message's
    own bytes, no copy of the run. That is what the stdlib's get_payload(decode=True)
    gives for it, through three copies (str, bytes, lines joined). Any other leaf holding
    placeholders gets its runs put back as text (``_put_back``) and None is returned."""
    text = part.get_payload()
    if not isinstance(text, str):
        return None
    mark = text.strip()
    if mark in left:
        start, end = runs.spans[mark]
        data = runs.text
        quanta = end - start - data.count(b"\n", start, end) - data.count(b"\r", start, end)
        pad = data.find(b"=", start, end)  # "=" only at the very end, at most two
        tail = b"" if pad < 0 else data[pad:end] if end - pad <= 8 else b"==="
        if quanta % 4 == 0 and tail.translate(None, b"\r\n") in (b"", b"=", b"=="):
            left.discard(mark)
            return binascii.a2b_base64(memoryview(data)[start:end])
    _put_back(part, runs, left)
    return None


def _put_back(part: Message, runs: _Runs, left: set[str]) -> None:
    text = part.get_payload()
    if not isinstance(text, str) or not text.isascii():  # not the raw payload: give up
        return
    for mark in [m for m in left if m in text]:
        start, end = runs.spans[mark]
        text = text.replace(mark, runs.text[start:end].decode("ascii"))
        left.discard(mark)
    part.set_payload(text)


def _attachment(name: str, ctype: str, payload: bytes) -> Attachment:
    return Attachment(name, ctype, len(payload), hashlib.sha256(payload).hexdigest())


def _filename(part: Message) -> str:
    """Attachment name: RFC 2231 (any charset, continuations), RFC 2047, raw 8-bit."""
    raw = [(k, v) for k, v in part.raw_items() if k.lower() in _PARAM_HEADERS]
    if not all(str(v).isascii() for _k, v in raw):  # raw 8-bit: compat32 would say "?"
        hint, part = part.get_content_charset(), Message()
        for k, v in raw:
            part[k] = unfold(v, hint)
    value = part.get_param("filename", None, "content-disposition")
    if not value:
        value = part.get_param("name", None)
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded latin-1 text)
        charset, _lang, text = value
        try:
            value = decode_text(text.encode("latin-1", "surrogateescape"), charset)
        except UnicodeEncodeError:  # raw non-latin-1 text inside an RFC 2231 value
            value = text
    if not value or not isinstance(value, str):
        return ""
    return one_line(decode_header_value(value.strip('"')))


def _eml_name(inner: Message) -> str:
    subject = next((v for k, v in inner.raw_items() if k.lower() == "subject"), "")
    return f"{one_line(decode_header_value(subject))[:100] or 'message'}.eml"


def _flat_attachment(
    name: str, ctype: str, part: Message, runs: _Runs, left: set[str]
) -> Attachment:
    """An attached message or multipart: size and sha256 of its flattened bytes. Runs set
    aside inside it (a forwarded mail's 25 MB scan) are hashed in from the message's own
    bytes where their placeholders stand, line ends as the generator writes them ("\n"),
    so the result is that of flattening the plain parse's tree, without its copies."""
    flat = _flatten(part)
    found = sorted((flat.find(m.encode()), m) for m in left) if left else []
    found = [(at, mark) for at, mark in found if at >= 0]
    if not found:
        return _attachment(name, ctype, flat)
    digest, size, pos = hashlib.sha256(flat[: found[0][0]]), found[0][0], found[0][0]
    for at, mark in found:
        digest.update(flat[pos:at])
        size += at - pos
        for piece in _lf_pieces(runs, *runs.spans[mark]):
            digest.update(piece)
            size += len(piece)
        pos = at + len(mark)
        left.discard(mark)
    digest.update(flat[pos:])
    return Attachment(name, ctype, size + len(flat) - pos, digest.hexdigest())


def _lf_pieces(runs: _Runs, start: int, end: int) -> Iterator[bytes]:
    """runs.text[start:end] with every line end as "\n", in pieces of about _LF_PIECE
    bytes, each cut after a "\n" so no CR LF is split."""
    data = runs.text
    while start < end:
        stop = data.rfind(b"\n", start, min(end, start + _LF_PIECE)) + 1
        stop = end if stop <= start or end - start <= _LF_PIECE else stop
        yield _LINE_END.sub(b"\n", data[start:stop])
        start = stop


def _flatten(part: Message) -> bytes:
    """Bytes of an attached message/multipart (re-generated: the tree keeps no raw offsets)."""
    try:
        return part.as_bytes()
    except Exception:  # noqa: BLE001 - odd charsets can break the generator: size 0
        return b""
