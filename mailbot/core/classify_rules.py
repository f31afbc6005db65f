"""rules/classify.toml -> ClassifyRules: the validated phrases, weights and thresholds.

The reader checks every table and key (a typo is an error naming file and key, not a
silently unused rule) and compiles each pattern once (core/phrases.py). It stays in the
core, beside the classifier that reads its result: the rules are data the pure verdict
is computed from, and the trainer (scripts/train_classifier.py) builds them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mailbot.core.phrases import Phrase, compile_pattern, needles
from mailbot.core.textmodel import ModelRef, TextModel
from mailbot.errors import ConfigError

SCOPES = ("year_split", "database_repair", "document_fix", "programming", "visit",
          "hardware", "consultation", "other")  # also the tie-break order  # fmt: skip
PRODUCTS = ("SOOT", "F-K", "Kadry-Płace", "Hurtownia Danych")  # anything else: "other"
_KEYS = {  # the keys each table may have: a typo is an error, not a silently unused rule
    "": {"emergency", "scope", "product"},
    "emergency": {
        "threshold",
        "possible",
        "model_weight",
        "cancel_factor",
        "phrases",
        "cancel",
        "ignore",
        "continuation",
    },
    "scope": {"min_score", "question_default", "emergency_scopes", "model_weight", "phrases"},
    "product": {"min_score", "margin", "names_only_scopes", "phrases"},
}


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
            raise v.fail(
                "emergency.model_weight",
                "set, but the model file beside this one "
                "(classify-model.json) is missing: run scripts/train_classifier.py",
            )
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
                out.append(Phrase(regex, weight, label, kind, needles(spec)))
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
