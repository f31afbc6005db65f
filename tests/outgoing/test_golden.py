"""The golden renderings in tests/outgoing/golden/ are what the templates make today:
every mail kind compared part by part (python -m tests.outgoing.golden rewrites them)."""

from __future__ import annotations

import re

import pytest

from mailbot.outgoing.render import TemplateSet
from tests.outgoing.golden import GOLDEN, goldens, normalised, sms_texts
from tests.paths import ROOT

TEMPLATES = TemplateSet.load(ROOT / "templates")
CURRENT = {g.name: g for g in goldens(TEMPLATES)}


@pytest.mark.parametrize("name", sorted(CURRENT))
def test_rendering_matches_its_golden_eml(name: str) -> None:
    stored = (GOLDEN / f"{name}.eml").read_bytes()
    assert normalised(CURRENT[name].raw) == normalised(stored), (
        f"{name} changed: run `python -m tests.outgoing.golden` and read the diff"
    )
    assert (GOLDEN / f"{name}.png").stat().st_size > 5_000  # its picture is there
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    assert f"]({name}.png)" in readme and f"]({name}.eml)" in readme


def test_sms_texts_match_their_golden() -> None:
    assert sms_texts(TEMPLATES) == (GOLDEN / "sms.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CURRENT))
def test_what_people_read_has_no_code_in_it(name: str) -> None:
    """No rule ids, no Python None, no unformatted landline, no double spaces in any
    subject, in any of the mails as sent (decoded)."""
    text = normalised(CURRENT[name].raw)
    assert not re.search(r"\bR-[A-Z]{3}-\d", text)
    assert "None" not in text and " 895273869" not in text
    subject = next(line for line in text.splitlines() if line.startswith("Subject: "))
    assert "  " not in subject
    assert "firmy Urząd" not in text
