"""How urgent, what scope, which product: Polish phrase rules over a mail (pure, no I/O).

Phrases and weights live in ``rules/classify.toml``, whose header explains the scoring,
the pattern syntax and why stems on folded text (ą→a, ł→l, punctuation → space, one
character for one, so a match quotes the client's words) beat a lemmatiser here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from mailbot.core.quotes import split_quoted
from mailbot.core.textmodel import ModelRef, TextModel, features
from mailbot.errors import ConfigError

SCOPES = ("year_split", "database_repair", "document_fix", "programming", "visit",
          "hardware", "consultation", "other")  # also the tie-break order  # fmt: skip
PRODUCTS = ("SOOT", "F-K", "Kadry-Płace", "Hurtownia Danych")  # anything else: "other"
_SPECIAL = {"ł": "l", "Ł": "l"}  # the Polish letter Unicode does not decompose
_GAP = r"(?:\s+[a-z0-9]+){0,4}"
_SPEC_WORD = re.compile(r"[a-z0-9]+\*?(?:\|[a-z0-9]+\*?)*")
# Sentences, and clauses that turn to a new time or a contrast ("rano tylko u pani Basi,
# a teraz na wszystkich"): an ignore cue (past, hypothetical) covers its own clause only.
_BREAK = re.compile(
    r"(?<=[.!?;])\s+|\s+[–—-]\s+|\n[ \t]*\n|\n(?=\s*[-*•]\s)"
    r"|,\s+(?=(?:a|ale|lecz|jednak|natomiast|teraz|obecnie|dzi[sś]|dzisiaj|od\s+rana"
    r"|tymczasem|za[sś]|dalej|nadal|wci[aą][zż]|znowu|znow|ci[aą]gle)\b)",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--[ \t]?$", re.MULTILINE)
_KEYS = {  # the keys each table may have: a typo is an error, not a silently unused rule
    "": {"emergency", "scope", "product"},
    "emergency": {"threshold", "possible", "model_weight", "cancel_factor", "phrases", "cancel",
                  "ignore", "continuation"},
    "scope": {"min_score", "question_default", "emergency_scopes", "model_weight", "phrases"},
    "product": {"min_score", "margin", "names_only_scopes", "phrases"},
}


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


@dataclass(frozen=True)
class ClassifyRules:
    """Validated rules/classify.toml (see that file for the meaning of each part)."""

    threshold: float
    signals: tuple[Phrase, ...]  # label: failure, everywhere or both
    cancels: tuple[Phrase, ...]  # message-wide, label = reason shown to staff
    ignores: tuple[Phrase, ...]  # sentence-wide, label = reason shown to staff
    continuation: tuple[Phrase, ...]
    scope_phrases: tuple[Phrase, ...]
    scope_min: float
    question_scope: str
    emergency_scopes: tuple[str, ...]
    product_phrases: tuple[Phrase, ...]
    product_min: float
    product_margin: float
    names_only_scopes: tuple[str, ...]
    # Phrases by the first 3 letters of their needles (see _present_only), built once:
    # an init field, so the per-mail copies that replace() makes keep it, not rebuild it.
    by_prefix: dict[str, frozenset[Phrase]] | None = field(default=None, repr=False, compare=False)
    # The learned scorer (rules/classify-model.json) and how much it counts beside the
    # phrases: combined = (1 - w) * phrase score + w * model probability.
    model: TextModel | None = field(default=None, repr=False, compare=False)
    model_ref: ModelRef | None = None  # how a worker finds the model when sent without it
    model_weight: float = 0.0
    possible: float = 1.0  # combined score from which a non-emergency is "possible"
    cancel_factor: float = 1.0  # share of the cancel cues' weight taken off the combined score
    scope_model_weight: float = 0.0  # added to each scope's phrase score x probability

    def __post_init__(self) -> None:
        if self.by_prefix is not None:
            return
        index: dict[str, set[Phrase]] = {}
        for p in (*self.signals, *self.cancels, *self.ignores, *self.continuation,
                  *self.scope_phrases, *self.product_phrases):  # fmt: skip
            for needle in p.needles or ("",):  # shorter than 3 letters: always tried
                index.setdefault(needle[:3] if len(needle) >= 3 else "", set()).add(p)
        object.__setattr__(self, "by_prefix", {k: frozenset(v) for k, v in index.items()})

    def without_model(self) -> ClassifyRules:
        """A copy light enough to send to a parse worker with each chunk of mail; the
        worker puts the model back from `model_ref` (mailbot.prepare)."""
        return replace(self, model=None) if self.model is not None else self

    @classmethod
    def from_dict(
        cls,
        doc: dict[str, Any],
        source: str,
        model: TextModel | None = None,
        model_ref: ModelRef | None = None,
    ) -> ClassifyRules:
        """Validate a parsed TOML document; ConfigError names the entry and key."""
        v = _Validator(source)
        em, sc, pr = (v.get(doc, k, dict) for k in ("emergency", "scope", "product"))
        for where, table in {"": doc, "emergency": em, "scope": sc, "product": pr}.items():
            v.keys(table, where, _KEYS[where])
        if model is None and any("model_weight" in t and t["model_weight"] for t in (em, sc)):
            raise v.fail("emergency.model_weight", "set, but the model file beside this one "
                         "(classify-model.json) is missing: run scripts/train_classifier.py")
        return cls(
            threshold=v.number(em, "emergency.threshold"),
            signals=v.entries(em, "emergency.phrases", "kind", ("failure", "everywhere", "both")),
            cancels=v.entries(em, "emergency.cancel", "reason", None, unless=True),
            ignores=v.entries(em, "emergency.ignore", "reason", None, weighted=False),
            continuation=v.patterns(em, "emergency.continuation", "continuation"),
            scope_phrases=v.entries(sc, "scope.phrases", "scope", SCOPES),
            scope_min=v.number(sc, "scope.min_score"),
            question_scope=v.get(sc, "scope.question_default", str, SCOPES),
            emergency_scopes=v.choices(sc, "scope.emergency_scopes", SCOPES),
            product_phrases=v.entries(pr, "product.phrases", "product", PRODUCTS, kinds=True),
            product_min=v.number(pr, "product.min_score"),
            product_margin=v.number(pr, "product.margin"),
            names_only_scopes=v.choices(pr, "product.names_only_scopes", SCOPES),
            model=model,
            model_ref=model_ref,
            model_weight=v.optional(em, "emergency.model_weight", 0.0),
            possible=v.optional(em, "emergency.possible", 1.0),
            cancel_factor=v.optional(em, "emergency.cancel_factor", 1.0),
            scope_model_weight=v.optional(sc, "scope.model_weight", 0.0),
        )


@dataclass(frozen=True)
class Classification:
    """The verdict and, for staff, the phrases behind each part of it."""

    emergency: bool
    score: float  # combined: phrases and, when shipped, the learned model
    reasons: tuple[str, ...]
    scope: str
    scope_reasons: tuple[str, ...]
    product: str
    product_reasons: tuple[str, ...]
    possible: bool = False  # not an emergency, but close: worth a careful page at night
    phrase_score: float = 0.0
    model_score: float | None = None  # the model's probability; None without a model


def own_text(subject: str, text: str, *, is_reply: bool = False) -> tuple[tuple[str, ...], str]:
    """(what the sender wrote now, the quoted history): the parts the verdict reads.

    A reply's subject repeats the old one: it counts for the product only. The trainer
    calls this too, so the model learns from exactly what it is later shown."""
    subject, text = (unicodedata.normalize("NFC", t) for t in (subject, text))  # macOS: NFD
    new, history = split_quoted(text)
    new = _SIGNATURE.split(new, maxsplit=1)[0]  # legal footers say "nie jest Pan adresatem"
    return ((new,) if is_reply else (subject, new)), history


def classify(
    subject: str, text: str, rules: ClassifyRules, *, is_reply: bool = False
) -> Classification:
    """Classify what the sender wrote now (R-HRS-3, R-SLA-1, R-SCO-1/2).

    The quoted history counts when the new text says the failure continues ("dalej to
    samo") or names no scope/product (a thank-you in an F-K thread is about F-K)."""
    subject = unicodedata.normalize("NFC", subject)
    own, history = own_text(subject, text, is_reply=is_reply)
    new = own[-1]
    rules = _present_only(rules, fold(f"{subject}\n{unicodedata.normalize('NFC', text)}"))
    urgency = _emergency(own, rules)
    positive, reasons = urgency.positive, urgency.reasons
    if is_reply and any(_first(p, (new,)) for p in rules.continuation):
        thread = _emergency((subject, history), rules, positive_only=True)
        positive = max(positive, thread.positive)
        reasons += tuple(f"thread: {r}" for r in thread.reasons)
    phrase_score = score = max(0.0, positive - urgency.cancelled)
    text_in = fold("\n".join(urgency.kept))
    feats = features(text_in) if rules.model else set()
    probability = None
    if rules.model is not None:
        # Nothing left to read (every sentence set aside): the model's bias says nothing.
        probability = rules.model.emergency.probabilities(feats)[0] if feats else 0.0
        w = rules.model_weight
        # Cancel cues ("już działa", "u pozostałych działa") hold against the model too:
        # they are what the client says in so many words.
        cancelled = urgency.cancelled * rules.cancel_factor
        score = (1 - w) * phrase_score + w * max(0.0, probability - cancelled)
        if not urgency.seen and positive == 0.0:
            # Not one failure or "everywhere" phrase in what the sender wrote: the model
            # weighs phrases, it does not find an outage alone ("Błąd w raporcie VAT –
            # pilne?" scored 0.72 on "pilne"). A phrase set aside as past ("zgłaszałem
            # wczoraj, dalej nie startuje") still lets the model judge the rest.
            score = 0.0
        if w > 0 and probability < rules.possible:
            reasons += (f"model {probability:.2f}",)  # too low to matter: no words looked up
        elif w > 0:
            words = _words_of(
                rules.model.emergency.strongest(feats), text_in, "\n".join(urgency.kept)
            )
            reasons += (f"model {probability:.2f}" + (f": {', '.join(words)}" if words else ""),)
    emergency = score >= rules.threshold
    scope, scope_reasons = _scope(own, history, rules, emergency, urgency.failing, feats)
    for parts, prefix in (((subject, new), ""), ((history,), "thread: ")):  # thread: fallback
        product, why = _product(parts, rules, scope in rules.names_only_scopes)
        product_reasons = tuple(prefix + r for r in why)
        if product or not history:
            break
    return Classification(
        emergency, round(score, 3), reasons, scope, scope_reasons, product or "other",
        product_reasons, possible=not emergency and score >= rules.possible,
        phrase_score=round(phrase_score, 3),
        model_score=None if probability is None else round(probability, 3),
    )  # fmt: skip


def _words_of(grams: tuple[str, ...], folded: str, text: str) -> tuple[str, ...]:
    """The client's words that hold the model's strongest n-grams, as written: staff
    read "kompach", not " kom"."""
    out: list[str] = []
    for gram in grams:
        needle = gram.replace(" ", "")
        for m in re.finditer(r"[a-z0-9]+", folded):
            if needle and needle in m[0] or gram.strip() == m[0]:
                word = repr(text[m.start() : m.end()])
                if word not in out:
                    out.append(word)
                break
    return tuple(out)


@dataclass(frozen=True)
class _Urgency:
    """What the phrases say: the best failure + everywhere, the cancel cues' total, and
    the sentences not set aside as past, hypothetical or a question (the model reads
    only those: it cannot tell "wczoraj nie działało, dziś jest ok" from an outage)."""

    positive: float
    cancelled: float
    failing: bool
    reasons: tuple[str, ...]
    kept: tuple[str, ...]
    seen: bool  # some failure or "everywhere" phrase occurs, even in a set-aside clause

    @property
    def score(self) -> float:
        return max(0.0, self.positive - self.cancelled)


def _emergency(
    parts: tuple[str, ...], rules: ClassifyRules, *, positive_only: bool = False
) -> _Urgency:
    """Best failure + best everywhere over the sentences that count, and the cancels."""
    best = {"failure": 0.0, "everywhere": 0.0}
    quoted: list[str] = []  # the phrases that count, each once
    reasons: list[str] = []  # then what was ignored or cancelled
    kept: list[str] = []
    # Speed: a phrase absent from the whole text is absent from each sentence, so only
    # the phrases present somewhere are tried sentence by sentence.
    whole = [fold(part) for part in parts]
    signals = [p for p in rules.signals if any(p.search(f) for f in whole)]
    ignores = [p for p in rules.ignores if any(p.search(f) for f in whole)]
    for sentence in (s for part in parts for s in _clauses(part) if s.strip()):
        if not signals and not ignores:
            kept.append(sentence)
            continue
        folded = fold(sentence)
        hits = [(p, f) for p in signals if (f := p.find(sentence, folded))]
        why = next((f"{c.label}: {f!r}" for c in ignores if (f := c.find(sentence, folded))),
                   "question" if sentence.rstrip().endswith("?") else None)  # fmt: skip
        if why and hits:
            reasons.append(f"{why} (ignored {', '.join(repr(f) for _, f in hits)})")
            continue
        kept.append(sentence)
        for phrase, found in hits:
            for side in ("failure", "everywhere") if phrase.label == "both" else (phrase.label,):
                best[side] = max(best[side], phrase.weight)
            if not any(found in q for q in quoted + [f for _, f in hits if f != found]):
                quoted.append(found)  # not again, nor inside a longer quote
    positive = min(1.0, best["failure"] + best["everywhere"])
    cancelled = 0.0
    for cue in () if positive_only else rules.cancels:
        if found := _first_clause(cue, parts):
            cancelled += cue.weight
            reasons.append(f"{cue.label}: {found!r}")
    why = tuple(map(repr, quoted)) + tuple(reasons)
    return _Urgency(positive, cancelled, best["failure"] > 0, why, tuple(kept), bool(signals))


def model_input(own: tuple[str, ...], rules: ClassifyRules) -> str:
    """The folded text the learned model scores: what the sender wrote now, without the
    sentences the phrases set aside. The trainer calls this too, so a change of the
    phrases needs a retrain (CI checks the shipped model is current)."""
    return fold("\n".join(_emergency(own, rules, positive_only=True).kept))


def _scope(
    own: tuple[str, ...],
    history: str,
    rules: ClassifyRules,
    emergency: bool,
    failing: bool,
    feats: set[str],
) -> tuple[str, tuple[str, ...]]:
    """Best-scoring scope; an emergency's scope is its failure (R-SCO-1/2)."""
    allowed = rules.emergency_scopes if emergency else SCOPES
    note = ("emergency: only " + "/".join(allowed),) if emergency else ()
    learned: dict[str, float] = {}
    if rules.model is not None and rules.scope_model_weight > 0:
        m = rules.model.scope
        probabilities = zip(m.classes, m.probabilities(feats), strict=True)
        learned = {c: rules.scope_model_weight * p for c, p in probabilities}
    for parts, prefix in ((own, ""), ((history,), "thread: ")):
        scores: dict[str, float] = dict(learned) if not prefix else {}
        why: dict[str, list[str]] = {k: [f"model {v:.2f}"] for k, v in scores.items()}
        for p in rules.scope_phrases:
            if found := _first(p, parts):  # each phrase counts once
                scores[p.label] = scores.get(p.label, 0.0) + p.weight
                why.setdefault(p.label, []).append(prefix + repr(found))
        best = max(allowed, key=lambda s: (scores.get(s, 0.0), -SCOPES.index(s)))
        if scores.get(best, 0.0) >= rules.scope_min:
            return best, note + tuple(why[best])
        if any(v >= rules.scope_min for v in scores.values()):
            break  # the new text has a topic, just not one allowed here: keep it
    if not emergency and not failing and any("?" in part for part in own):
        return rules.question_scope, ("a question, no other scope",)
    return "other", note


def _product(
    parts: tuple[str, ...], rules: ClassifyRules, names_only: bool
) -> tuple[str | None, tuple[str, ...]]:
    """Names count per mention, hints once each; the best must lead by the margin."""
    scores: dict[str, float] = {}
    why: list[str] = []
    texts = [(text, fold(text)) for text in parts]
    for p in sorted(rules.product_phrases, key=lambda p: p.kind != "name"):  # names first
        hits = [(t, span) for t, f in texts if p.present(f) for span in p.spans(f)]
        if p.kind == "name":  # every mention counts; a name is not read again as a hint
            texts = [(t, p.blank(f)) for t, f in texts]
        else:  # a hint counts once, and not at all where only names count
            hits = [] if names_only else hits[:1]
        for t, (start, end) in hits:
            scores[p.label] = scores.get(p.label, 0.0) + p.weight
            why.append(f"{p.label} {p.kind}: {' '.join(t[start:end].split())!r}")
    ranked = sorted(scores.items(), key=lambda kv: -kv[1]) + [("", 0.0), ("", 0.0)]
    (top, first), (_, second) = ranked[0], ranked[1]
    if first >= rules.product_min and first - second >= rules.product_margin - 1e-9:
        return top, tuple(why)
    return None, tuple(why) + (("no product leads clearly",) if scores else ())


def _first(phrase: Phrase, parts: tuple[str, ...]) -> str | None:
    """The phrase as found in the first part that has it (parts are matched apart)."""
    return next((found for part in parts if (found := phrase.find(part, fold(part)))), None)


@lru_cache(maxsize=64)  # every cue with guards walks the same clauses of the same parts
def _clauses(part: str) -> tuple[str, ...]:
    return tuple(_BREAK.split(part))


def _first_clause(cue: Phrase, parts: tuple[str, ...]) -> str | None:
    """The cue as found in the first clause that has it and none of its `unless`."""
    if not cue.unless:
        return _first(cue, parts)
    for part in parts:
        for clause in _clauses(part):
            folded = fold(clause)
            if (found := cue.find(clause, folded)) and not any(
                u.search(" " + folded) for u in cue.unless
            ):
                return found
    return None


def _present_only(rules: ClassifyRules, folded: str) -> ClassifyRules:
    """The rules cut to the phrases whose first word occurs in the mail at all: a
    substring test per phrase instead of a regex per phrase and sentence (5x faster)."""
    index = rules.by_prefix
    assert index is not None  # __post_init__
    candidates = set(index.get("", ()))  # phrases without a 3-letter needle: always tried
    for prefix in {w[:3] for w in folded.split()}:
        candidates.update(index.get(prefix, ()))

    def live(phrases: tuple[Phrase, ...]) -> tuple[Phrase, ...]:
        return tuple(p for p in phrases if p in candidates and p.present(folded))

    return replace(
        rules, signals=live(rules.signals), cancels=live(rules.cancels),
        ignores=live(rules.ignores), continuation=live(rules.continuation),
        scope_phrases=live(rules.scope_phrases), product_phrases=live(rules.product_phrases),
    )  # fmt: skip


def _needles(spec: str) -> tuple[str, ...]:
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


@dataclass(frozen=True)
class _Validator:
    """Reads one rules document; every fault is a ConfigError naming the file and key."""

    source: str

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{key}: {message}", file=self.source, key=key)

    def keys(self, table: dict, where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                path = f"{where}.{key}" if where else key
                raise self.fail(path, f"unknown key (expected one of {sorted(allowed)})")

    def check(self, value: Any, path: str, kind: Any, allowed: Any = None) -> Any:
        if value is None:
            raise self.fail(path, "missing")
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(path, f"must be a {getattr(kind, '__name__', 'number')}: {value!r}")
        if allowed is not None and value not in allowed:
            raise self.fail(path, f"{value!r} is not one of {list(allowed)}")
        return value

    def get(self, table: dict, path: str, kind: Any, allowed: Any = None) -> Any:
        return self.check(table.get(path.rsplit(".", 1)[-1]), path, kind, allowed)

    def optional(self, table: dict, path: str, default: float) -> float:
        return self.number(table, path) if path.rsplit(".", 1)[-1] in table else default

    def number(self, table: dict, path: str) -> float:
        value = self.get(table, path, (int, float))
        if not 0 <= value <= 1:
            raise self.fail(path, f"must be between 0 and 1, not {value}")
        return float(value)

    def choices(self, table: dict, path: str, allowed: tuple) -> tuple[str, ...]:
        values = enumerate(self.get(table, path, list))
        return tuple(self.check(v, f"{path}[{i}]", str, allowed) for i, v in values)

    def patterns(self, table: dict, path: str, label: str, weight: float = 1.0,
                 kind: str = "") -> tuple[Phrase, ...]:  # fmt: skip
        out = []
        for i, spec in enumerate(self.get(table, path, list)):
            try:
                regex = compile_pattern(self.check(spec, f"{path}[{i}]", str))
                out.append(Phrase(regex, weight, label, kind, _needles(spec)))
            except ValueError as exc:
                raise self.fail(f"{path}[{i}]", f"pattern {spec!r}: {exc}") from None
        return tuple(out)

    def entries(self, table: dict, path: str, label_key: str, allowed: Any, *,
                weighted: bool = True, kinds: bool = False,
                unless: bool = False) -> tuple[Phrase, ...]:  # fmt: skip
        """[[path]] tables: `label_key` (one of `allowed`), weight, kind, match, unless."""
        out: list[Phrase] = []
        for i, item in enumerate(self.get(table, path, list)):
            at = f"{path}[{i}]"
            entry = self.check(item, at, dict)
            extra = ({"weight"} if weighted else set()) | ({"kind"} if kinds else set())
            self.keys(entry, at, {label_key, "match"} | extra | ({"unless"} if unless else set()))
            label = self.get(entry, f"{at}.{label_key}", str, allowed)
            weight = self.number(entry, f"{at}.weight") if weighted else 0.0
            kind = self.get(entry, f"{at}.kind", str, ("name", "hint")) if kinds else ""
            phrases = self.patterns(entry, f"{at}.match", label, weight, kind)
            if "unless" in entry:
                guards = tuple(p.regex for p in self.patterns(entry, f"{at}.unless", label))
                phrases = tuple(replace(p, unless=guards) for p in phrases)
            out.extend(phrases)
        return tuple(out)
