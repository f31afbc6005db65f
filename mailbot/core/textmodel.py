"""A learned linear scorer beside the phrase rules (pure: no I/O, no scikit-learn at run time).

Why: phrase rules fit the mails they were written from; clients write "na zadym kompie",
"baza nie wstaje", "wywala okienko z błędem". A logistic regression over character
n-grams of the folded text forgives typos and missing diacritics and learns wordings
nobody listed. It is trained at build time by ``scripts/train_classifier.py`` (scikit-learn
on the labelled development mails) and shipped as data (``rules/classify-model.json``):
here it is only a dictionary of feature weights, so a worker loads it once and scoring a
mail is a set of n-grams and a sum — deterministic, explainable (the n-grams that weighed
most are shown to staff) and under a millisecond.

``features`` is the one definition of the inputs: the trainer calls it too, so training
and scoring cannot drift apart.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

FORMAT = 1
_N = (3, 4, 5)  # character n-gram lengths inside " word "


def features(folded: str) -> set[str]:
    """Binary features of folded text (lower case, no diacritics, punctuation as spaces):
    character n-grams inside each word padded with spaces, and word pairs ("nie dziala",
    "na wszystkich") that carry negation and scope."""
    words = folded.split()
    padded = [f" {w} " for w in words]
    out = {p[i : i + n] for p in padded for n in _N for i in range(len(p) - n + 1)}
    out.update(f"{a}+{b}" for a, b in zip(words, words[1:], strict=False))
    return out


@dataclass(frozen=True)
class LinearModel:
    """One logistic regression: binary (one class name) or one-vs-rest over `classes`.

    Scoring a mail is a set intersection with the known features (in C) and one sum per
    class over the rows it shares, transposed with zip (also in C): ~0.1 ms for the eight
    scope classes, where a Python loop over the rows took twice that."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    rows: dict[str, tuple[float, ...]]  # feature -> one weight per class
    known: frozenset[str] = frozenset()  # the rows' keys

    def __post_init__(self) -> None:
        if not self.known:
            object.__setattr__(self, "known", frozenset(self.rows))

    def logits(self, feats: set[str]) -> tuple[float, ...]:
        hits = feats & self.known
        if not hits:
            return self.bias
        sums = map(sum, zip(*map(self.rows.__getitem__, hits), strict=True))
        return tuple(b + s for b, s in zip(self.bias, sums, strict=True))

    def probabilities(self, feats: set[str]) -> tuple[float, ...]:
        return tuple(_sigmoid(x) for x in self.logits(feats))

    def strongest(self, feats: set[str], index: int = 0, k: int = 3) -> tuple[str, ...]:
        """The features that pushed class `index` up most: what staff are shown."""
        rows = self.rows
        hits = [(w, f) for f in feats & self.known if (w := rows[f][index]) > 0]
        return tuple(f.strip().replace("+", " ") for _, f in sorted(hits, reverse=True)[:k])


@dataclass(frozen=True)
class ModelRef:
    """Where a model came from: parse workers load it once by this key instead of
    receiving ~0.5 MB of weights with every chunk of mail (5 ms to unpickle each time)."""

    path: str
    sha256: str


_WORDS_KEPT = 50_000  # words whose known n-grams TextModel remembers (bounded memory)


@dataclass(frozen=True)
class TextModel:
    """The shipped model: emergency (binary) and scope (one-vs-rest).

    Scoring a mail the plain way (every n-gram of the text, then each model's rows) was
    ~0.19 ms of a parse worker's ~1.2 per mail; `known_features` and `probabilities` give
    the same numbers in ~0.08: the n-grams of a word are worked out once per process,
    only those a model knows are kept, and both models are summed in one pass over rows
    that hold the emergency weight and the scope weights side by side."""

    emergency: LinearModel
    scope: LinearModel
    trained_on: str  # what it was trained on, for `rules check` and the README
    _rows: dict[str, tuple[float, ...]] = field(init=False, repr=False, compare=False)
    _known: frozenset[str] = field(init=False, repr=False, compare=False)
    _grams: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        known = self.emergency.known | self.scope.known
        zero_e = (0.0,) * len(self.emergency.classes)
        zero_s = (0.0,) * len(self.scope.classes)
        e, s = self.emergency.rows, self.scope.rows
        rows = {f: e.get(f, zero_e) + s.get(f, zero_s) for f in known}
        object.__setattr__(self, "_rows", rows)
        object.__setattr__(self, "_known", frozenset(rows))
        object.__setattr__(self, "_grams", {})

    def known_features(self, folded: str) -> set[str]:
        """features(folded) & the features either model knows, without building the rest."""
        words = folded.split()
        known, kept = self._known, self._grams
        out: set[str] = set()
        for word in set(words):
            grams = kept.get(word)
            if grams is None:
                grams = tuple(features(word) & known)  # one word: its n-grams only
                if len(kept) < _WORDS_KEPT:
                    kept[word] = grams
            out.update(grams)
        out |= set(map("+".join, zip(words, words[1:], strict=False))) & known
        return out

    def probabilities(self, feats: set[str]) -> tuple[float, tuple[float, ...]]:
        """(the emergency probability, one probability per scope class) for features
        from `known_features` (or any superset of them)."""
        hits = feats & self._known
        n = len(self.emergency.classes)
        bias = self.emergency.bias + self.scope.bias
        if hits:
            sums = map(sum, zip(*map(self._rows.__getitem__, hits), strict=True))
            logits = tuple(b + x for b, x in zip(bias, sums, strict=True))
        else:
            logits = bias
        return _sigmoid(logits[0]), tuple(map(_sigmoid, logits[n:]))

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TextModel:
        if doc.get("format") != FORMAT:
            raise ValueError(f"model format {doc.get('format')!r}, expected {FORMAT}")

        def linear(d: dict[str, Any]) -> LinearModel:
            classes = tuple(d["classes"])
            rows = {f: tuple(map(float, w)) for f, w in d["weights"].items()}
            if any(len(w) != len(classes) for w in rows.values()):
                raise ValueError("a feature has the wrong number of weights")
            return LinearModel(classes, tuple(map(float, d["bias"])), rows)

        return cls(linear(doc["emergency"]), linear(doc["scope"]), str(doc["trained_on"]))

    @classmethod
    def loads(cls, text: str) -> TextModel:
        return cls.from_json(json.loads(text))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -50 else 0.0
