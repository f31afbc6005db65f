"""What a staff alert quotes from the client's mail: the first paragraph that says
something, and every phone number in it (pure: text in, text out).

Why not the first N characters: a cut at 400 characters left the on-call person with
"Proszę o pilny k" and without the callback number the client wrote below. A paragraph
is what a person writes as one thought; the phone numbers are listed apart so that none
is lost to the cut, and shown as tel: links in the alert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from mailbot.core.quotes import new_text

EXCERPT_LIMIT = 600  # characters of the client's first paragraph an alert shows
KJM_LANDLINE = "+48895273869"  # the shared landline (R-CHN-3): never the client's number
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# A paragraph that is only a greeting says nothing: "Dzień dobry,", "Witam!", ...
_GREETING = re.compile(
    r"(dzie[ńn]\s+dobry|dobry\s+wiecz[oó]r|witam(\s+serdecznie)?|witajcie|szanown[iay]\s+"
    r"(pa[ńn]stwo|pani|panie)(\s+\w+)?|hej|cze[śs][ćc]|halo|hello|hi)\W{0,3}",
    re.IGNORECASE,
)


def first_paragraph(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """The first paragraph of what the client wrote now (quotes dropped, greeting lines
    skipped) on one line, whole when it fits `limit`, otherwise cut at a word boundary
    with '…'. One line because plain-text mail arrives wrapped at ~76 characters, and those
    breaks read as holes on a phone's narrower screen."""
    paragraphs = [p.strip() for p in _PARAGRAPH.split(new_text(text or "")) if p.strip()]
    body = [p for p in paragraphs if not _GREETING.fullmatch(p)]
    first = (body or paragraphs or [""])[0]
    return cut_at_word(" ".join(first.split()), limit)


def cut_at_word(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else its longest run of whole words
    that fits with '…' after it (a word longer than the limit is cut inside)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-–") + "…"


def phone_numbers(text: str, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """Every valid phone number in `text` as E.164, in order of appearance, once each.

    Polish numbers may be written without +48 ("601 234 567", "(89) 527-38-69"); a NIP or
    an amount is not a valid number and is not taken. `exclude` (E.164) drops ours: the
    landline and the staff phones quoted from an earlier reply of ours."""
    skip = {KJM_LANDLINE, *exclude}
    found: dict[str, None] = {}
    for match in phonenumbers.PhoneNumberMatcher(text or "", "PL"):
        number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if number not in skip:
            found[number] = None
    return tuple(found)
