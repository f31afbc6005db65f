"""One walk over a parsed MIME tree: the body text, the attachments, the defects.

Our own walk, not ``get_content()``: decoded bytes give each attachment's size and
sha256, text parts get the charset fallbacks (textdecode.py), an attached message or
multipart is one attachment of its flattened bytes, and delivery reports' metadata is
neither text nor attachment. It puts base64 runs set aside back (base64_runs.py).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from email.message import Message

from mailbot.intake.base64_runs import RunOutsideBase64, Runs, lf_pieces, take_back
from mailbot.intake.textdecode import (
    clean_text,
    decode_header_value,
    decode_text,
    decode_text_as,
    html_charset,
    one_line,
    unfold,
)
from mailbot.model import Attachment

_MAX_PARTS = 5000  # MIME parts walked per message (a 3 MB "endless" sample has 3,043)
_REPORT_TYPES = frozenset(  # DSN/MDN/ARF metadata: neither body text nor attachment
    ("message/delivery-status", "message/disposition-notification", "text/rfc822-headers")
    + ("message/feedback-report", "message/external-body")
)
_PARAM_HEADERS = frozenset({"content-type", "content-disposition"})
_FILE_LIKE = re.compile(r"[\w-]{1,80}\.[A-Za-z0-9]{1,5}")
_TYPES = mimetypes.MimeTypes(filenames=())  # built-in table only: same answer everywhere


def walk(msg: Message, extra: dict[str, str], runs: Runs | None = None):
    """Walk the MIME tree once: (plain, html, attachments, defect names, body charset).
    Puts runs set aside back (base64_runs); raises RunOutsideBase64 if one is left."""
    runs = runs or Runs(b"", {})
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
            payload = take_back(part, runs, left)
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
        raise RunOutsideBase64
    plain = "\n\n".join(p.strip("\n") for p in plains if p.strip())
    if not plain.strip() and not htmls:
        plain = "\n\n".join(loose)
    return plain, "\n".join(htmls), attachments, list(defects), hint


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
    name: str, ctype: str, part: Message, runs: Runs, left: set[str]
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
        for piece in lf_pieces(runs, *runs.spans[mark]):
            digest.update(piece)
            size += len(piece)
        pos = at + len(mark)
        left.discard(mark)
    digest.update(flat[pos:])
    return Attachment(name, ctype, size + len(flat) - pos, digest.hexdigest())


def _flatten(part: Message) -> bytes:
    """Bytes of an attached message/multipart (re-generated: the tree keeps no raw offsets)."""
    try:
        return part.as_bytes()
    except Exception:  # noqa: BLE001 - odd charsets can break the generator: size 0
        return b""
