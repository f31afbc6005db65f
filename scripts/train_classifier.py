#!/usr/bin/env python3
"""Train the learned part of the classifier and write rules/classify-model.json.

    python scripts/train_classifier.py            # train on regression + dev, write the model
    python scripts/train_classifier.py --check    # exit 1 if the shipped model is not what
                                                  # training gives (CI runs the same check)

Reads the regression and development parts of the labelled set (tests/data/labelled,
tests/data/labelled-dev) and never the test part. Deterministic: the same mails give the
same file, byte for byte (liblinear with a fixed order, weights rounded). Needs
scikit-learn (`pip install -e '.[train]'`); mailbot itself only reads the JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.core.classify import ClassifyRules, model_input, own_text  # noqa: E402
from mailbot.core.classify_rules import SCOPES  # noqa: E402
from mailbot.core.textmodel import FORMAT, features  # noqa: E402
from mailbot.core.threads import strip_prefixes  # noqa: E402
from mailbot.intake.parse import parse_message  # noqa: E402
from mailbot.model import InboundMail  # noqa: E402
from tests.labelled import load  # noqa: E402

OUT = ROOT / "rules" / "classify-model.json"
PARTS = ("regression", "dev")
C_EMERGENCY = 1.0  # inverse regularisation; chosen by cross-validation on the dev part
C_SCOPE = 3.0
# Weights smaller than these are dropped. Measured by 10-fold cross-validation on the
# regression + dev parts: the emergency model loses recall when pruned harder (0.990 ->
# 0.969 at 0.05), the scope model barely (0.922 -> 0.914) and is 8 times the size.
KEEP_EMERGENCY = 0.01
KEEP_SCOPE = 0.05


def examples(cases: list | None = None) -> list[tuple[str, bool, str]]:
    """(model input, emergency, scope) of each labelled mail, as classify() reads it."""
    rules = phrase_rules()
    out = []
    for case in cases if cases is not None else [c for part in PARTS for c in load(part)]:
        mail = parse_message(case.raw)
        assert isinstance(mail, InboundMail)
        is_reply = strip_prefixes(mail.subject) != mail.subject.strip() or bool(mail.in_reply_to)
        own, _ = own_text(mail.subject, mail.text, is_reply=is_reply)
        out.append((model_input(own, rules), case.emergency, case.scope))
    return out


def phrase_rules() -> ClassifyRules:
    """The shipped phrases: what the model reads depends on them (see model_input)."""
    doc = tomllib.loads((ROOT / "rules" / "classify.toml").read_text("utf-8"))
    for table in ("emergency", "scope"):
        doc[table].pop("model_weight", None)
    return ClassifyRules.from_dict(doc, "rules/classify.toml")


def train(data: list[tuple[str, bool, str]] | None = None) -> dict:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    data = examples() if data is None else data
    vec = CountVectorizer(analyzer=features, binary=True, lowercase=False)
    x = vec.fit_transform([text for text, _, _ in data])
    names = vec.get_feature_names_out()
    emergency = LogisticRegression(C=C_EMERGENCY, solver="liblinear", class_weight="balanced")
    emergency.fit(x, [e for _, e, _ in data])
    scopes = [s for _, _, s in data]
    per_scope = []
    for scope in SCOPES:  # one-vs-rest, one binary model a scope
        m = LogisticRegression(C=C_SCOPE, solver="liblinear", class_weight="balanced")
        m.fit(x, [s == scope for s in scopes])
        per_scope.append(m)

    def pack(models: list, classes: list[str], keep: float) -> dict:
        weights = {}
        for j, name in enumerate(names):
            w = [round(float(m.coef_[0][j]), 4) for m in models]
            if max(abs(v) for v in w) >= keep:
                weights[str(name)] = w
        bias = [round(float(m.intercept_[0]), 4) for m in models]
        return {"classes": classes, "bias": bias, "weights": weights}

    return {
        "format": FORMAT,
        "trained_on": f"{len(data)} labelled mails ({' + '.join(PARTS)})",
        "emergency": pack([emergency], ["emergency"], KEEP_EMERGENCY),
        "scope": pack(per_scope, list(SCOPES), KEEP_SCOPE),
    }


def dump(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped model")
    args = ap.parse_args()
    text = dump(train())
    if args.check:
        same = OUT.exists() and OUT.read_text("utf-8") == text
        print(
            "the shipped model is what training gives"
            if same
            else f"{OUT.relative_to(ROOT)} is stale: run scripts/train_classifier.py"
        )
        return 0 if same else 1
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
