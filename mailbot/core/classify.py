"""How urgent, what scope, which product: Polish phrase rules over a mail (pure, no I/O).

Phrases and weights live in ``rules/classify.toml``, whose header explains the scoring,
the pattern syntax and why stems on folded text beat a lemmatiser here. The file is read
into ClassifyRules by classify_rules.py; the pattern language is phrases.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from mailbot.core.classify_rules import SCOPES, ClassifyRules
from mailbot.core.phrases import Phrase, fold
from mailbot.core.quotes import split_quoted

# Sentences, and clauses that turn to a new time or a contrast ("rano tylko u pani Basi,
# a teraz na wszystkich"): an ignore cue (past, hypothetical) covers its own clause only.
_BREAK = re.compile(
    r"(?<=[.!?;])\s+|\s+[–—-]\s+|\n[ \t]*\n|\n(?=\s*[-*•]\s)"
    r"|,\s+(?=(?:a|ale|lecz|jednak|natomiast|teraz|obecnie|dzi[sś]|dzisiaj|od\s+rana"
    r"|tymczasem|za[sś]|dalej|nadal|wci[aą][zż]|znowu|znow|ci[aą]gle)\b)",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--[ \t]?$", re.MULTILINE)


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
    feats = rules.model.known_features(text_in) if rules.model else set()
    probability = None
    learned: tuple[float, ...] = ()  # the model's scope probabilities
    if rules.model is not None:
        probability, learned = rules.model.probabilities(feats)
        if not text_in.strip():
            # Nothing left to read (every sentence set aside): the bias says nothing.
            probability = 0.0
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
    scope, scope_reasons = _scope(own, history, rules, emergency, urgency.failing, learned)
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
    model: tuple[float, ...],
) -> tuple[str, tuple[str, ...]]:
    """Best-scoring scope; an emergency's scope is its failure (R-SCO-1/2). `model`: the
    learned model's probability per scope class (empty without a model)."""
    allowed = rules.emergency_scopes if emergency else SCOPES
    note = ("emergency: only " + "/".join(allowed),) if emergency else ()
    learned: dict[str, float] = {}
    if rules.model is not None and model and rules.scope_model_weight > 0:
        probabilities = zip(rules.model.scope.classes, model, strict=True)
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
