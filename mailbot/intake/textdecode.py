"""Bytes -> text for mail: charset fallback, RFC 2047 header words, HTML -> text.

Every function here is total: wrong, unknown or lying charsets, broken encoded words
and hostile HTML give the best text we can make, never an exception.

Charset order for a body or an encoded word (``decode_text``):

1. the declared charset, if Python knows it as a text codec (a few labels read as the
   superset mailers really mean: Shift_JIS as cp932, EUC-KR as cp949). Not believed
   when its reading has C1 control characters (U+0080-U+009F: Shift_JIS or Cyrillic
   bytes under an ISO-8859 label); a multi-byte one is kept with U+FFFD for a few
   bytes it cannot decode;
2. UTF-8 (also when only a few bytes are broken);
3. ``charset-normalizer``, only for bytes that are not Latin-script text (words made
   of 8-bit bytes alone, or bytes windows-1250 cannot decode), and only when what it
   finds is not Latin script either: on short Polish text it guesses wildly (Big5 for
   an ISO-8859-2 "Żądło"), and Latin-vs-Latin is a question the Polish fallbacks
   answer better;
4. the Polish fallbacks: ISO-8859-2 when the bytes hold its ą/ś/ź and nothing of
   windows-1250's own range, else windows-1250 (the Polish Windows/Outlook default);
5. latin-1 with nothing left undecodable.

Undeclared 8-bit header bytes (RFC 6532 UTF-8 or raw legacy bytes) follow the same
order, with the message's body charset standing in for the declared one.
"""

from __future__ import annotations

import binascii
import codecs
import html as htmllib
import re
from email import quoprimime

from charset_normalizer import from_bytes
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
    "shift_jis": "cp932",  # what Japanese Windows writes under these labels
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
}
# Codecs (Python's names) whose text is multi-byte: one stray byte is no lie of the label.
_MULTIBYTE = frozenset(
    ("cp932", "shift_jis", "euc_jp", "iso2022_jp", "cp949", "euc_kr", "gb18030", "gbk")
    + ("gb2312", "big5", "big5hkscs", "hz", "utf-16", "utf-16-le", "utf-16-be")
)
_LATIN_LABELS = frozenset(  # single-byte Latin charsets: no use for Cyrillic or CJK bytes
    ("cp1250", "cp1252", "cp1257", "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4")
    + ("iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16")
)
# An encoded word's text may hold raw spaces (sloppy mailers; a word folded across
# lines keeps the folding space, as the stdlib's modern parser does), never "?".
_ENCODED_WORD = re.compile(r"=\?(?P<charset>[^?\s]*)\?(?P<encoding>[qQbB])\?(?P<text>[^?]*)\?=")
_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 controls except TAB/LF/CR, DEL and the C1 controls: never useful in text (C1 ones
# are left by a wrong charset label), NUL breaks PostgreSQL.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_C1 = re.compile("[\x80-\x9f]")
_WORD_BYTES = re.compile(rb"[A-Za-z\x80-\xff]+")
_HIGH = re.compile(rb"[\x80-\xff]")
_DETECT_SAMPLE = 64 * 1024  # bytes charset-normalizer looks at: it is slow on megabytes
# Bytes that are letters in ISO-8859-2 (Ą Ś Ź ą ś ź) but symbols in windows-1250, and
# bytes that are windows-1250's ą/Ą but rare letters (š, Ľ) in ISO-8859-2.
_LATIN2_ONLY = frozenset(b"\xa1\xa6\xac\xb1\xb6\xbc")
_CP1250_ONLY = frozenset(b"\xa5\xb9")
_POLISH = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
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
    label = _ALIASES.get(label, label)
    if label is None:
        return None
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode bytes in the order of the module docstring; never raises."""
    return decode_text_as(data, declared)[0]


def decode_text_as(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """(text, codec used). The codec is None for pure ASCII: it tells nothing about the
    charset of other 8-bit text in the same message (the parser's header hint)."""
    if not data:
        return "", None
    if data.isascii() and _codec(declared) in (None, "ascii", "utf-8", *_LATIN_LABELS):
        return data.decode("ascii"), None
    text, used = _decode(data, _codec(declared))
    if _SURROGATES.search(text):  # e.g. a utf-16 label on odd bytes
        text = _SURROGATES.sub("\ufffd", text)
    return text, used


def _decode(data: bytes, first: str | None) -> tuple[str, str]:
    if first is not None:
        text = _strict(data, first)
        if text is not None and not _C1.search(text):
            return text, first
        if text is None and first in _MULTIBYTE and _mostly(data, first):
            return data.decode(first, "replace"), first  # a stray byte in CJK text
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    if _mostly(data, "utf-8"):  # UTF-8 with a few broken bytes
        return data.decode("utf-8", "replace"), "utf-8"
    polish = "iso8859-2" if _latin2(data) else "cp1250"
    text = _strict(data, polish)
    if text is None or _foreign(data):
        found = _detected(data)
        if found is not None:
            return found
    if text is not None:
        return text, polish
    return data.decode("latin-1", "replace"), "iso8859-1"


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _foreign(data: bytes) -> bool:
    """Bytes that are not Latin-script text: more words made of 8-bit bytes alone
    (Cyrillic, Greek, CJK) than words mixing them with ASCII letters. Polish has an
    ASCII letter in nearly every word ("Zażółć gęślą jaźń"); a word of Polish letters
    alone (the abbreviation "ŚĆŹ") does not count."""
    alone = mixed = 0
    for word in _WORD_BYTES.findall(data):
        high = len(_HIGH.findall(word))
        if high == len(word) and high >= 2:
            polish = (word.decode(c, "replace").strip(_POLISH) for c in ("cp1250", "iso8859-2"))
            alone += all(polish)
        elif high:
            mixed += 1
    return alone > mixed


def _latin2(data: bytes) -> bool:
    """ISO-8859-2 rather than windows-1250: no byte of windows-1250's 0x80-0x9F range
    (its ś ź Ś Ź live there) and more ISO-8859-2 ą/ś/ź than windows-1250 ą."""
    if any(0x80 <= byte <= 0x9F for byte in data):
        return False
    latin2 = sum(byte in _LATIN2_ONLY for byte in data)
    return latin2 > sum(byte in _CP1250_ONLY for byte in data)


def _detected(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's reading, when it is not Latin script (see module docstring).
    The guess is made on a sample; the whole is decoded with the codec found."""
    try:
        best = from_bytes(data[:_DETECT_SAMPLE]).best()
    except Exception:  # noqa: BLE001 - a detector failure costs only the guess
        return None
    codec = _codec(best.encoding) if best is not None else None
    if codec is None or codec in _LATIN_LABELS:
        return None
    text = data.decode(codec, "replace")
    letters = [ch for ch in text if ch.isalpha() and not ch.isascii()]
    latin = sum("\u00c0" <= ch <= "\u024f" for ch in letters)
    if not letters or latin * 2 > len(letters):
        return None
    return text, codec


def _mostly(data: bytes, codec: str) -> bool:
    """At least twice as many valid non-ASCII characters as broken bytes. Legacy 8-bit
    text (windows-1250, ISO-8859-2) almost never contains a valid UTF-8 sequence."""
    text = data.decode(codec, "replace")
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
    pos = 0
    for start, end, decoded in encoded_spans(text):
        out += (text[pos:start], decoded)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def encoded_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, decoded text) of each run of RFC 2047 encoded words in an unfolded
    header value, as decode_header_value() replaces them. Words separated by whitespace
    alone make one run (the whitespace is dropped); within a run, adjacent words in one
    charset are decoded together. A word that does not decode is left as written, so it
    ends a run. The parser puts a placeholder in each span before it reads addresses,
    so nothing inside an encoded word can act as address syntax."""
    spans: list[tuple[int, int, str]] = []
    pieces: list[str] = []  # decoded text of the current run
    pending: list[bytes] = []  # bytes of its last words in one charset
    charset, start, end = "", -1, -1
    for match in _ENCODED_WORD.finditer(text):
        data = _word_bytes(match["encoding"], match["text"])
        if data is None:
            continue
        if start >= 0 and not text[end : match.start()].strip():  # the run goes on
            if match["charset"].lower() != charset.lower():
                pieces.append(decode_text(b"".join(pending), charset))
                pending = []
        else:
            if start >= 0:
                pieces.append(decode_text(b"".join(pending), charset))
                spans.append((start, end, "".join(pieces)))
            pieces, pending, start = [], [], match.start()
        pending.append(data)
        charset, end = match["charset"], match.end()
    if start >= 0:
        pieces.append(decode_text(b"".join(pending), charset))
        spans.append((start, end, "".join(pieces)))
    return spans


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
