"""Sloppy header blocks, mended before the stdlib reads them.

Text lines before the first field ("Wiadomość z formularza:" above the header) are
dropped and a field folded without indentation is indented, when a common field follows,
so the stdlib does not end the header block there and lose From, Date or the rest of
the Subject to the body. ``extra["header_mended"]`` says what was done (intake/parse.py).
"""

from __future__ import annotations

import re

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


def mend_header(text: bytes, end: re.Match[bytes] | None) -> tuple[bytes, str]:
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
