"""The classifier against the labelled set (tests/data/labelled, 109 Polish support mails).

Issue 3 requires emergency recall >= 0.95 and precision >= 0.9 (R-HRS-3, R-SLA-1); the
confusion table and the scope/product accuracy are printed (run with -s) so a rule change
in rules/classify.toml shows its effect. Scope and product have floors a little under what
the shipped rules reach (scope 108/109, product 109/109 when written), to catch
regressions without failing on one borderline mail.

The rules were tuned while reading this set, so these are in-sample figures: expect less
on mail nobody has seen (tests/core/test_classify.py holds unseen sentences).
"""

from __future__ import annotations

import email
import re
import tomllib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailbot.core.classify import Classification, ClassifyRules, classify
from mailbot.intake.textdecode import html_to_text

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "labelled"
RECALL_MIN, PRECISION_MIN = 0.95, 0.90  # issue 3
SCOPE_MIN, PRODUCT_MIN = 0.95, 0.95  # reached: 0.991 and 1.000
# Re:, RE:, Odp:, PD:, Fwd:, FW:, TR:, AW:, WG:, "Odpowiedź:", "Re[2]:", and auto-replies
# ("Automatyczna odpowiedź: RE: …") which answer our own message.
REPLY = re.compile(
    r"^\s*(?:re|odp|odpowied[źz]|fwd?|pd|tr|aw|wg|sv|vs|antw|automatyczna\s+odpowied[źz]"
    r"|auto|out\s+of\s+office)\s*(?:\[\d+\])?\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Case:
    file: str
    label: dict
    got: Classification


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    return html_to_text(text) if part.get_content_type() == "text/html" else text


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    with (ROOT / "rules" / "classify.toml").open("rb") as f:
        rules = ClassifyRules.from_dict(tomllib.load(f), "rules/classify.toml")
    with (DATA / "labels.toml").open("rb") as f:
        labels = tomllib.load(f)["case"]
    assert len(labels) == len(list(DATA.glob("*.eml"))) >= 80
    out = []
    for label in labels:
        msg = email.message_from_bytes((DATA / label["file"]).read_bytes(), policy=policy.default)
        subject = str(msg["subject"] or "")
        got = classify(subject, _body(msg), rules, is_reply=bool(REPLY.match(subject)))
        out.append(Case(label["file"], label, got))
    _report(out)
    return out


def _report(cases: list[Case]) -> None:
    """Print the confusion table, accuracies and every miss with the classifier's reasons."""
    tp, fp, fn, tn = _confusion(cases)
    print(f"\nEmergency on {len(cases)} labelled mails (R-HRS-3):")
    print("                 labelled yes  labelled no")
    print(f"  predicted yes  {tp:>12}  {fp:>11}")
    print(f"  predicted no   {fn:>12}  {tn:>11}")
    print(f"  recall {_ratio(tp, tp + fn):.3f}   precision {_ratio(tp, tp + fp):.3f}")
    for what in ("scope", "product"):
        right = sum(getattr(c.got, what) == c.label[what] for c in cases)
        print(f"{what} accuracy: {right}/{len(cases)} = {right / len(cases):.3f}")
    for c in cases:
        misses = [
            f"{k}: labelled {c.label[k]!r}, got {getattr(c.got, k)!r}"
            for k in ("emergency", "scope", "product")
            if getattr(c.got, k) != c.label[k]
        ]
        if misses:
            print(f"  MISS {c.file}: {'; '.join(misses)}")
            print(f"       score {c.got.score} reasons {c.got.reasons} scope {c.got.scope_reasons}")


def _confusion(cases: list[Case]) -> tuple[int, int, int, int]:
    pairs = [(c.got.emergency, c.label["emergency"]) for c in cases]
    return (
        sum(g and w for g, w in pairs),
        sum(g and not w for g, w in pairs),
        sum(w and not g for g, w in pairs),
        sum(not g and not w for g, w in pairs),
    )


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def test_emergency_recall_and_precision(cases):
    tp, fp, fn, _ = _confusion(cases)
    recall, precision = _ratio(tp, tp + fn), _ratio(tp, tp + fp)
    assert recall >= RECALL_MIN, f"emergency recall {recall:.3f} < {RECALL_MIN}"
    assert precision >= PRECISION_MIN, f"emergency precision {precision:.3f} < {PRECISION_MIN}"


@pytest.mark.parametrize(("what", "floor"), [("scope", SCOPE_MIN), ("product", PRODUCT_MIN)])
def test_scope_and_product_accuracy(cases, what, floor):
    accuracy = sum(getattr(c.got, what) == c.label[what] for c in cases) / len(cases)
    assert accuracy >= floor, f"{what} accuracy {accuracy:.3f} < {floor}"


def test_every_emergency_explains_itself(cases):
    for c in cases:
        if c.got.emergency:
            assert c.got.reasons, c.file
            assert 0.0 <= c.got.score <= 1.0
