"""The ticket columns a decision fills (intake/ticket_rows.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from mailbot.intake.ticket_rows import decision_columns


def _decided(document: dict) -> SimpleNamespace:
    decision = SimpleNamespace(
        state="new", client_id="piekarnia", contract="opieka", trust="registered",
        product="F-K", scope="other", emergency=True, covered=True, priority="P1",
        deadline=None, reply="ack_emergency", billing="contract",
    )  # fmt: skip
    return SimpleNamespace(decision=decision, document=document)


def test_the_stored_decision_reads_back_as_the_document():
    document = {
        "message": {"subject": "Żółć: F-K nie działa – pilne", "attachments": []},
        "urgency": {"score": 0.875, "reasons": ["'nie działa'", "model 0.93"]},
        "received_at": "2026-11-25T13:00:00+01:00",
        "alerts": [{"role": "oncall", "to": "jan.wisniewski"}],
        "reply": "ack_emergency",
        "thread": None,
    }
    columns = decision_columns(_decided(document), history=False)  # type: ignore[arg-type]
    assert json.loads(columns["decision"]) == document
    assert "Żółć" in columns["decision"]  # as written, not \\u-escaped
    history = json.loads(decision_columns(_decided(document), history=True)["decision"])  # type: ignore[arg-type]
    assert history["reply"] is None and history["alerts"] == [] and history["history"] is True
