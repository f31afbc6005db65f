"""Run the classifier over a labelled part through the real parser, and score it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from mailbot.core.classify import Classification, ClassifyRules
from mailbot.intake.parse import parse_message
from mailbot.intake.prepare import classify_mail
from mailbot.model import InboundMail
from mailbot.settings.rules import load_classify_rules
from tests.labelled import ROOT, Labelled


@dataclass(frozen=True)
class Outcome:
    case: Labelled
    got: Classification


@dataclass(frozen=True)
class Result:
    part: str
    outcomes: tuple[Outcome, ...]

    def confusion(self) -> tuple[int, int, int, int]:
        pairs = [(o.got.emergency, o.case.emergency) for o in self.outcomes]
        return (
            sum(g and w for g, w in pairs),
            sum(g and not w for g, w in pairs),
            sum(w and not g for g, w in pairs),
            sum(not g and not w for g, w in pairs),
        )

    @property
    def recall(self) -> float:
        tp, _, fn, _ = self.confusion()
        return tp / (tp + fn) if tp + fn else 0.0

    @property
    def precision(self) -> float:
        tp, fp, _, _ = self.confusion()
        return tp / (tp + fp) if tp + fp else 0.0

    def accuracy(self, what: str) -> float:
        right = sum(getattr(o.got, what) == getattr(o.case, what) for o in self.outcomes)
        return right / len(self.outcomes) if self.outcomes else 0.0


def load_rules() -> ClassifyRules:
    return load_classify_rules(ROOT / "rules" / "classify.toml")


def evaluate(cases: list[Labelled], rules: ClassifyRules) -> Result:
    out = []
    for case in cases:
        mail = parse_message(case.raw)
        assert isinstance(mail, InboundMail)
        out.append(Outcome(case, classify_mail(mail, rules)))
    return Result(cases[0].part if cases else "?", tuple(out))


def report(r: Result, *, misses: bool = False) -> str:
    tp, fp, fn, tn = r.confusion()
    lines = [
        f"Emergency on the {r.part} part, {len(r.outcomes)} mails (R-HRS-3):",
        "                 labelled yes  labelled no",
        f"  predicted yes  {tp:>12}  {fp:>11}",
        f"  predicted no   {fn:>12}  {tn:>11}",
        f"  recall {r.recall:.3f}   precision {r.precision:.3f}",
    ]
    band = [o for o in r.outcomes if o.got.possible]
    lines.append(
        f"  'possible emergency' band: {len(band)} mails "
        f"({len(band) / max(1, len(r.outcomes)):.1%}), "
        f"{sum(o.case.emergency for o in band)} of them labelled emergencies"
    )
    for what in ("scope", "product"):
        lines.append(f"{what} accuracy: {r.accuracy(what):.3f}")
    pairs = Counter((o.case.scope, o.got.scope) for o in r.outcomes)
    scopes = sorted({s for pair in pairs for s in pair})
    lines.append("scope confusion (rows: labelled, columns: predicted)")
    lines.append(" " * 16 + "".join(f"{s[:8]:>9}" for s in scopes))
    for want in scopes:
        lines.append(f"  {want:<14}" + "".join(f"{pairs[(want, g)]:>9}" for g in scopes))
    if misses:
        for o in r.outcomes:
            bad = [
                f"{k}: labelled {getattr(o.case, k)!r}, got {getattr(o.got, k)!r}"
                for k in ("emergency", "scope", "product")
                if getattr(o.got, k) != getattr(o.case, k)
            ]
            if bad:
                lines.append(f"MISS {o.case.name}: {'; '.join(bad)}  [{o.case.why}]")
                lines.append(f"     score {o.got.score} {o.got.reasons}")
                lines.append(f"     scope {o.got.scope_reasons}")
    return "\n".join(lines)
