"""What the client wrote now: a mail body without its quoted history (pure, no I/O).

Why: a thank-you that quotes "AWARIA – nikt nie może pracować" is not an emergency, and a
forwarded week-old report is not a new one (R-HRS-3: judge what the sender says now).

Why our own patterns and not ``mail-parser-reply``: on KJM's labelled set that package
only recognised the Outlook "Od:/Wysłano:" block and "Dnia … napisał(a):"; it left the
Gmail, Thunderbird, iOS and forward quotes in place (and kept the
"-----Wiadomość oryginalna-----" line). The shapes handled here:

* separators that start a quoted or forwarded part: "-----Wiadomość oryginalna-----",
  "-----Original Message-----", "---------- Wiadomość przekazana ----------",
  "---------- Forwarded message ---------", "Początek przekazywanej wiadomości:",
  "Begin forwarded message:", and Outlook web/mobile's "_____" rule before "Od:/From:";
* an Outlook header block without a separator: "Od:/From:" followed by
  "Wysłano:/Wysłane:/Sent:/Date:/Do:/To:/Temat:/Subject:" lines;
* attribution lines: "W dniu … pisze:", "Dnia … napisał(a):", Gmail's
  "pon., 16 lis 2026 o 08:40 X <x> napisał(a):" (also wrapped over two lines),
  iOS "Wiadomość napisana przez X w dniu …:", English "On … wrote:";
* ``>``-quoted lines anywhere.

A separator or header block quotes everything below it (top-posting, as all these
clients write). An attribution followed by ``>`` lines only drops itself and those
lines, so text written below or between quotes (bottom-posting) is kept. Signatures
after "-- " stay: they are the client's own words, callers that mind can cut them.
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:wiadomo[śs][ćc]\s+oryginalna|original\s+message
                  |oryginalna\s+wiadomo[śs][ćc])\s*-{2,}
      | -{2,}\s*(?:wiadomo[śs][ćc]\s+przekazana|przekazana\s+wiadomo[śs][ćc]
                  |forwarded\s+message)\s*-{2,}
      | (?:pocz[ąa]tek\s+przekazywanej\s+wiadomo[śs]ci|begin\s+forwarded\s+message)\s*:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_RULE = re.compile(r"^\s*_{8,}\s*$")  # Outlook web/mobile: a line of underscores, then "Od:"
_HEADER_FROM = re.compile(r"^\s*\*?(?:od|from)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:wys[łl]ano|wys[łl]ane|sent|date|data|do|to|temat|subject|dw|cc)\s*:",
    re.IGNORECASE,
)
_ATTRIBUTION_END = re.compile(r"(?:napisa[łl](?:\(a\)|a)?|pisze|wrote|schrieb)\s*:\s*$", re.I)
_ATTRIBUTION_START = re.compile(r"^\s*(?:w\s+dniu|dnia|on)\s", re.IGNORECASE)
_IOS = re.compile(r"^\s*wiadomo[śs][ćc]\s+napisana\s+przez\s.*:\s*$", re.IGNORECASE)
# The first half of a wrapped attribution: ends inside "<address>" or starts like one
# ("W dniu", "Dnia", "On", Gmail's "pon., 16 lis 2026").
_WRAPPED = re.compile(r"<\s*$|^\s*(?:w\s+dniu|dnia|on)\s|^\s*\w{2,5}\.,\s*\d", re.IGNORECASE)
_DATEISH = re.compile(r"\d{1,2}[:.]\d{2}|\b\d{4}\b|@")
_QUOTED = re.compile(r"^[ \t]*>")
_QUOTE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]?)+")


def new_text(text: str) -> str:
    """The part of a plain-text body the sender wrote now (quoted history removed)."""
    return split_quoted(text)[0]


def split_quoted(text: str) -> tuple[str, str]:
    """(what the sender wrote now, the quoted/forwarded history with ``>`` marks removed).

    The history is returned too because the product a thank-you is about, or what a
    "dalej to samo" still refers to, is only named there.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    new: list[str] = []
    old: list[str] = []
    i = 0
    while i < len(lines):
        if _starts_block(lines, i):
            old.extend(lines[i:])
            break
        span = _attribution_span(lines, i)
        if span:
            if _next_is_quoted(lines, i + span):
                old.extend(lines[i : i + span])
                i += span
                continue
            old.extend(lines[i:])
            break
        (old if _QUOTED.match(lines[i]) else new).append(lines[i])
        i += 1
    history = "\n".join(_QUOTE_MARKS.sub("", line) for line in old)
    return "\n".join(new).strip(), history.strip()


def _starts_block(lines: list[str], i: int) -> bool:
    """A separator line, or an Outlook header block (optionally after a '____' rule)."""
    line = lines[i]
    if _SEPARATOR.match(line):
        return True
    if _RULE.match(line):
        following = _non_empty(lines, i + 1, 2)
        return any(_HEADER_FROM.match(lines[j]) for j in following)
    if _HEADER_FROM.match(line):
        following = _non_empty(lines, i + 1, 4)
        return sum(1 for j in following if _HEADER_NEXT.match(lines[j])) >= 2
    return False


def _attribution_span(lines: list[str], i: int) -> int:
    """1 or 2 when line i (or lines i and i+1, wrapped) is a '… napisał(a):' line, else 0."""
    line = _QUOTE_MARKS.sub("", lines[i])
    if _is_attribution(line):
        return 1
    if not line.strip() or i + 1 >= len(lines):
        return 0
    following = _QUOTE_MARKS.sub("", lines[i + 1])
    if not following.strip() or not _is_attribution(f"{line.rstrip()} {following.strip()}"):
        return 0
    if _is_attribution(following) and not _WRAPPED.search(line):
        return 0  # the next line is an attribution on its own and line i is text before it
    return 2


def _is_attribution(line: str) -> bool:
    if not line.strip() or len(line) > 300:
        return False
    if _IOS.match(line):
        return True
    if not _ATTRIBUTION_END.search(line):
        return False
    return bool(_ATTRIBUTION_START.match(line) or _DATEISH.search(line))


def _next_is_quoted(lines: list[str], start: int) -> bool:
    following = _non_empty(lines, start, 1)
    return bool(following) and bool(_QUOTED.match(lines[following[0]]))


def _non_empty(lines: list[str], start: int, count: int) -> list[int]:
    """Indexes of the next `count` non-blank lines from `start`."""
    found: list[int] = []
    for j in range(start, len(lines)):
        if lines[j].strip():
            found.append(j)
            if len(found) == count:
                break
    return found
