"""Long base64 runs set aside before the stdlib parses a message, and taken back after.

Speed: the feedparser reads a message line by line and then regex-scans each part's
whole payload; a 150 KB base64 attachment (2,000 lines) cost ~5 ms, more than half of all
parse time in the benchmark mix. So each long run of base64-alphabet lines after a blank
line is set aside before parsing and one placeholder line stands in for it
(``set_aside_runs``). No line of a run can be a boundary ("-" is not in the alphabet) or a
header field (no ":"), so the tree is the same as without. The walk (mime_walk.py)
decodes a clean run straight from the message's bytes where its placeholder is a base64
leaf's payload (``take_back``), puts it back as text into any other leaf it decodes, and
hashes it in where an attached message is flattened (``lf_pieces``). If a placeholder
lands anywhere else (a preamble, a delivery report), RunOutsideBase64 makes parse.py
parse again from the original bytes: the result is always exactly that of the plain
parse (``tests/intake/test_parse_fast.py`` compares the two).

Memory: runs are kept as offsets and decoded from the bytes, so no step copies a 25 MB
attachment more than once.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

_BASE64_LINES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
_CHECK_PIECE = 1 << 20  # bytes of a run checked at a time (a copy of each is made)
_BLANK_LINE = re.compile(rb"\n\r?\n")
_MIN_RUN = 4096  # bytes: shorter runs cost the feedparser little; not worth the checks
_LF_PIECE = 1 << 20  # bytes of a run hashed at a time
_LINE_END = re.compile(rb"\r\n|\r|\n")  # as the stdlib's generator splits lines


class RunOutsideBase64(Exception):
    """A placeholder did not land in a base64 leaf decoded by the walk: parse plainly."""


@dataclass(frozen=True)
class Runs:
    """Runs set aside: placeholder -> (start, end) of the run in ``text``, the final line
    end left out (the parser strips it before a boundary). Offsets, not copies: a 25 MB
    attachment is decoded straight from the message's bytes (see ``take_back``)."""

    text: bytes
    spans: dict[str, tuple[int, int]]

    def __len__(self) -> int:
        return len(self.spans)


def set_aside_runs(text: bytes, body_start: int) -> tuple[bytes, Runs]:
    """Replace each run (>= _MIN_RUN bytes of whole base64-alphabet lines, starting after
    a blank line) by one placeholder line. Returns the short bytes and the runs.
    Placeholders occur once each in the short bytes. No slice of a run is made here."""
    pieces: list[bytes] = []
    spans: dict[str, tuple[int, int]] = {}
    done, pos = 0, body_start
    while pos < len(text):
        first = text.find(b"\n", pos, pos + 1000)
        if first - pos >= 40 and base64_lines(text, pos, first):
            stop = text.find(b"\n-", first)  # a boundary line, or the end of the text
            stop = len(text) if stop < 0 else stop + 1
            stop = text.rfind(b"\n", pos, stop) + 1
            if stop - pos >= _MIN_RUN and base64_lines(text, pos, stop):
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
        return text, Runs(text, {})
    pieces.append(text[done:])
    short = b"".join(pieces)
    if any(short.count(mark.encode()) != 1 for mark in spans):
        return text, Runs(text, {})
    return short, Runs(text, spans)


def base64_lines(text: bytes, start: int, end: int) -> bool:
    """Whether text[start:end] holds nothing but the base64 alphabet, "=" and line ends;
    ``bytes.translate`` in pieces: a fast C loop, and no copy of a 25 MB run at once."""
    return not any(
        text[i : min(end, i + _CHECK_PIECE)].translate(None, _BASE64_LINES)
        for i in range(start, end, _CHECK_PIECE)
    )


def take_back(part: Message, runs: Runs, left: set[str]) -> bytes | None:
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
    put_back(part, runs, left)
    return None


def put_back(part: Message, runs: Runs, left: set[str]) -> None:
    text = part.get_payload()
    if not isinstance(text, str) or not text.isascii():  # not the raw payload: give up
        return
    for mark in [m for m in left if m in text]:
        start, end = runs.spans[mark]
        text = text.replace(mark, runs.text[start:end].decode("ascii"))
        left.discard(mark)
    part.set_payload(text)


def lf_pieces(runs: Runs, start: int, end: int) -> Iterator[bytes]:
    """runs.text[start:end] with every line end as "\n", in pieces of about _LF_PIECE
    bytes, each cut after a "\n" so no CR LF is split."""
    data = runs.text
    while start < end:
        stop = data.rfind(b"\n", start, min(end, start + _LF_PIECE)) + 1
        stop = end if stop <= start or end - start <= _LF_PIECE else stop
        yield _LINE_END.sub(b"\n", data[start:stop])
        start = stop
