"""The pattern language of rules/classify.toml and the folded text it is matched in.

Why stems on folded text (ą→a, ł→l, punctuation → space, one character for one, so a
match quotes the client's words) beat a lemmatiser: the header of rules/classify.toml.
Kept apart from the classifier so the rules-file reader (classify_rules.py) compiles
patterns without the scoring, and the scoring reads without the compiler. PURE.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_SPECIAL = {"ł": "l", "Ł": "l"}  # the Polish letter Unicode does not decompose
_GAP = r"(?:\s+[a-z0-9]+){0,4}"
_SPEC_WORD = re.compile(r"[a-z0-9]+\*?(?:\|[a-z0-9]+\*?)*")


def _fold_char(c: str) -> str:
    c = _SPECIAL.get(c) or unicodedata.normalize("NFKD", c)[0].lower()[0]
    return c if c.isascii() and c.isalnum() else " "


class _FoldTable(dict[int, str]):
    """str.translate table that fills itself: each character is worked out once."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


@lru_cache(maxsize=64)  # each part of a mail is folded once, not once per phrase
def fold(text: str) -> str:
    """Same length as `text`: lower case, no diacritics, non-alphanumerics as spaces.
    (str.translate: a per-character Python loop cost ~2 ms per mail.)"""
    return text.translate(_FOLD_TABLE)


@dataclass(frozen=True, eq=False)  # identity: the index holds these very objects
class Phrase:
    """One pattern from the rules file, with what it says and how much it weighs."""

    regex: re.Pattern[str]  # see compile_pattern: searched in " " + folded text
    weight: float
    label: str  # emergency: failure/everywhere/both, a cue's reason; scope or product name
    kind: str = ""  # product phrases: name or hint
    needles: tuple[str, ...] = ()  # one of these must occur for the regex to match
    # cancel cues: the cue does not count in a sentence that also has one of these
    # ("pozostałe programy działają" limits nothing when the sentence is about programs)
    unless: tuple[re.Pattern[str], ...] = ()

    def present(self, folded: str) -> bool:
        """Cheap substring pre-check before the regex (most phrases are absent). A loop,
        not any() over a generator: this runs ~100 times per mail."""
        for needle in self.needles:
            if needle in folded:
                return True
        return not self.needles

    def search(self, folded: str) -> tuple[int, int] | None:
        """(start, end) of the first match in `folded`."""
        m = self.regex.search(" " + folded) if self.present(folded) else None
        return (m.start(), m.end() - 1) if m else None

    def spans(self, folded: str) -> list[tuple[int, int]]:
        """(start, end) of every match in `folded`, left to right, none overlapping."""
        return [(m.start(), m.end() - 1) for m in self.regex.finditer(" " + folded)]

    def blank(self, folded: str) -> str:
        """`folded` with every match turned to spaces (same length)."""
        return self.regex.sub(lambda m: " " * len(m[0]), " " + folded)[1:]

    def find(self, text: str, folded: str) -> str | None:
        """The matched words as written in `text` (folded alike), or None."""
        span = self.search(folded)
        return " ".join(text[span[0] : span[1]].split()) if span else None


def needles(spec: str) -> tuple[str, ...]:
    """The first word's alternatives as plain stems: the regex cannot match without one."""
    first = "".join(c if c in "*|." else fold(c) for c in spec).split()[0]
    return tuple(a.rstrip("*") for a in first.split("|") if a.rstrip("*"))


def compile_pattern(spec: str) -> re.Pattern[str]:
    """Pattern syntax of rules/classify.toml (see its header) → regex over " " + folded
    text. The leading space stands for the word boundary before the first word (folded
    text is letters, digits and spaces only): with a literal first, re skips ahead to
    candidates instead of trying every position, ~15x faster than a leading \\b."""
    words = "".join(c if c in "*|." else fold(c) for c in spec).split()
    if not words or ".." in (words[0], words[-1]):
        raise ValueError("needs a word first and last")
    parts: list[str] = []
    for word in words:
        if word == "..":
            parts.append(_GAP)
            continue
        if not _SPEC_WORD.fullmatch(word):
            raise ValueError(f"bad word {word!r} (letters/digits, optional * at the end, |)")
        alts = (re.escape(a.rstrip("*")) + ("[a-z0-9]*" if a.endswith("*") else "")
                for a in word.split("|"))  # fmt: skip
        parts.append((r"\s+" if parts else "") + "(?:" + "|".join(alts) + ")")
    return re.compile(" " + "".join(parts) + r"\b")
