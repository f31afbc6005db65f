"""The learned scorer's fast path gives what the plain definition gives (core/textmodel.py)."""

from __future__ import annotations

from mailbot.core.phrases import fold
from mailbot.core.textmodel import features
from mailbot.intake.parse import parse_message
from mailbot.settings.rules import MODEL_FILE, load_text_model
from tests.labelled import PARTS, ROOT, load

MODEL, _ = load_text_model(ROOT / "rules" / MODEL_FILE)


def _texts() -> list[str]:
    mails = [parse_message(c.raw) for part in PARTS for c in load(part)]
    texts = [fold(f"{m.subject}\n{m.text}") for m in mails]
    return texts + ["", "   ", "a", "nie dziala nie dziala", "zzzqqq xxyyzz"]


def test_known_features_are_the_features_either_model_knows():
    known = MODEL.emergency.known | MODEL.scope.known
    for text in _texts():
        assert MODEL.known_features(text) == features(text) & known
        assert MODEL.known_features(text) == features(text) & known  # from the kept words


def test_one_pass_over_both_models_gives_each_model_s_probabilities():
    for text in _texts():
        everything = features(text)
        emergency, scope = MODEL.probabilities(MODEL.known_features(text))
        assert abs(emergency - MODEL.emergency.probabilities(everything)[0]) < 1e-9
        plain = MODEL.scope.probabilities(everything)
        assert len(scope) == len(plain) == len(MODEL.scope.classes)
        assert all(abs(a - b) < 1e-9 for a, b in zip(scope, plain, strict=True))
