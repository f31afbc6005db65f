"""What a parse worker receives and does (intake/prepare.py)."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from mailbot.intake import prepare as prepare_module
from mailbot.intake.prepare import RulesParcel, prepare
from mailbot.settings.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
RAW = (
    "From: Anna Nowak <anna@firma.pl>\r\nTo: pomoc@kjmssoft.pl\r\n"
    "Subject: F-K nie działa\r\nMessage-ID: <p1@firma.pl>\r\n"
    "Date: Wed, 25 Nov 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "F-K nie uruchamia się na żadnym komputerze, nikt nie może pracować.\r\n"
).encode()


def test_a_parcel_carries_the_rules_without_the_model_and_is_unpacked_once() -> None:
    rules = load_rules(ROOT / "rules").classify
    parcel = RulesParcel.of(rules)
    assert pickle.loads(parcel.blob).model is None  # the worker loads it by model_ref
    assert len(pickle.dumps(parcel)) < len(pickle.dumps(rules)) / 5
    direct = prepare(RAW, rules=rules)
    prepare_module._RULES.clear()
    sent = prepare(RAW, rules=pickle.loads(pickle.dumps(parcel)))  # as a worker gets it
    assert sent.what == direct.what and sent.what is not None and sent.what.emergency
    kept = prepare_module._RULES[parcel.key]
    prepare(RAW, rules=pickle.loads(pickle.dumps(parcel)))  # the next chunk
    assert prepare_module._RULES[parcel.key] is kept  # not unpickled again
    changed = RulesParcel.of(replace(rules, threshold=rules.threshold + 0.01))
    assert changed.key != parcel.key  # changed rules are a new parcel
    prepare(RAW, rules=changed)
    assert list(prepare_module._RULES) == [changed.key]  # only the newest is kept
