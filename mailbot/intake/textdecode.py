"""Bytes -> text for mail: charset fallback, RFC 2047 header words, HTML -> text.

Every function here is total: wrong, unknown or lying charsets, broken encoded words
and hostile HTML give the best text we can make, never an exception.

Charset order for a body or an encoded word: the declared charset (if Python knows
it as a text codec), then UTF-8, then windows-1250 (the Polish Windows/Outlook
default), then latin-1 with nothing left undecodable. Undeclared 8-bit header bytes
(RFC 6532 UTF-8 or raw legacy bytes) follow the same order without a declared charset.
"""

from __future__ import annotations

import binascii
import codecs
import html as htmllib
import re
from email import quoprimime

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

# Labels seen in real mail that Python does not know, or knows as a narrower codec.
_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": None,
    "unknown": None,
    "unknown-8bit": None,
    "x-user-defined": None,
    "none": None,
    "cp-1250": "cp1250",
    "win-1250": "cp1250",
    "x-cp1250": "cp1250",
    "iso-8859-1": "cp1252",  # WHATWG: latin-1 labels mean windows-1252
    "latin1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
}
_FALLBACKS = ("utf-8", "cp1250")
_ENCODED_WORD = re.compile(r"=\?(?P<charset>[^?\s]*)\?(?P<encoding>[qQbB])\?(?P<text>[^?\s]*)\?=")
_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 controls except TAB/LF/CR, and DEL: never useful in text, NUL breaks PostgreSQL.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
# Browser defaults ("strict"): the default "relaxed" profile indents every <div> by two
# spaces, which Outlook's nested <div class=WordSection1> bodies turn into noise.
_HTML_CONFIG = ParserConfig(css=CSS_PROFILES["strict"])
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.I | re.S)


def _codec(label: str | None) -> str | None:
    """Python codec name for a MIME charset label, or None when unusable."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*pl
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode bytes: declared charset, then UTF-8, then windows-1250, then latin-1.

    UTF-8 that is valid but for a few bytes (a cut multi-byte character, one stray
    byte) is kept as UTF-8 with U+FFFD for the bad bytes rather than read as
    windows-1250 mojibake.
    """
    if not data:
        return ""
    first = _codec(declared)
    for name in dict.fromkeys((first, *_FALLBACKS) if first else _FALLBACKS):
        try:
            text = data.decode(name)
        except (UnicodeError, LookupError):
            if name == "utf-8" and _mostly_utf8(data):  # UTF-8 with a few broken bytes
                text = data.decode("utf-8", "replace")
                break
            continue
        break
    else:
        text = data.decode("latin-1", "replace")
    if _SURROGATES.search(text):  # e.g. a utf-16 label on odd bytes
        text = _SURROGATES.sub("\ufffd", text)
    return text


def _mostly_utf8(data: bytes) -> bool:
    """At least twice as many valid multi-byte sequences as broken bytes. Legacy 8-bit
    text (windows-1250, ISO-8859-2) almost never contains a valid sequence."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return len(text) - len(text.encode("ascii", "ignore")) - bad >= 2 * bad


def clean_text(text: str) -> str:
    """Line ends to LF, control characters (NUL etc.) removed, tabs and form kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """Whitespace runs (CR/LF included) to one space, controls dropped, stripped."""
    return _CONTROLS.sub("", " ".join(text.split()))


def _undo_8bit(value: str, hint: str | None) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogate escapes: decode them properly.

    UTF-8 first (RFC 6532), then the hint (the message's body charset: old mailers write
    raw ISO-8859-2 headers next to an ISO-8859-2 body), then the usual fallbacks.
    """
    if not _SURROGATES.search(value):
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:  # not from the parser: real text mixed with surrogates
        return _SURROGATES.sub("\ufffd", value)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_text(data, hint)


def unfold(value: object, hint: str | None = None) -> str:
    """Header value without its folding line breaks, raw 8-bit bytes decoded."""
    return _undo_8bit(str(value), hint).replace("\r", "").replace("\n", "")


def decode_header_value(value: object, hint: str | None = None) -> str:
    """Unfold and decode one raw header value (RFC 2047 words, raw 8-bit bytes).

    Unfolding happens *before* the encoded words are found, so an encoded word followed
    by a folded plain word keeps its space ("Błędna kwota", not the "Błędnakwota" of
    decoding line by line). Whitespace between two encoded words is dropped (RFC 2047
    6.2) and adjacent words in one charset are joined before decoding, so a character
    split across two words survives. Text outside encoded words is kept exactly
    (``email.header.decode_header`` round-trips it through raw-unicode-escape, which
    turns a pasted "C:\\Users" into garbage). Not whitespace-normalised: see one_line().
    """
    if value is None:
        return ""
    text = unfold(value, hint)
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: list[bytes] = []  # decoded bytes of adjacent words in one charset
    charset, pos = "", 0
    for match in _ENCODED_WORD.finditer(text):
        data = _word_bytes(match["encoding"], match["text"])
        if data is None:  # undecodable word: left as written, part of the next gap
            continue
        gap = text[pos : match.start()]
        joins = pending and not gap.strip() and match["charset"].lower() == charset.lower()
        if not joins:
            out.append(decode_text(b"".join(pending), charset))
            out.append(gap if gap.strip() or not pending else "")
            pending = []
        pending.append(data)
        charset, pos = match["charset"], match.end()
    out.append(decode_text(b"".join(pending), charset))
    out.append(text[pos:])
    return "".join(out)


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "bB":
            data = binascii.a2b_base64(text + "=" * (-len(text) % 4))
            return data if data or not text else None
        return quoprimime.header_decode(text).encode("latin-1")
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def html_charset(data: bytes) -> str | None:
    """Charset from a <meta> tag near the start of an HTML document, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def html_to_text(html: str) -> str:
    """Readable text of an HTML body (inscriptis); crude tag stripping if that fails."""
    html = _CONTROLS.sub("", html)
    try:
        text = get_text(html, _HTML_CONFIG)
    except Exception:  # noqa: BLE001 - lxml rejects some inputs; never fail a mail on it
        text = htmllib.unescape(_TAGS.sub(" ", html))
    lines = [line.rstrip() for line in clean_text(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
