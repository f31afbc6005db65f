"""rules/oncall.toml -> OncallRules: the shipped file loads against the shipped staff and
leaves nobody's alert unanswered; file-level mistakes name the file."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.core.calendar import WARSAW
from mailbot.core.oncall import escalation_chain, gaps, on_duty
from mailbot.errors import ConfigError
from mailbot.settings.oncall import check_no_gaps, load_oncall, summary
from mailbot.settings.rulebook import Rulebook, load_rulebook
from tests.paths import ROOT

RULES_DIR = ROOT / "rules"


@pytest.fixture(scope="module")
def book() -> Rulebook:
    return load_rulebook(RULES_DIR)


def test_shipped_rota_loads_and_has_no_gaps_this_winter(book: Rulebook) -> None:
    rules = load_oncall(RULES_DIR, book)
    assert rules.source == str(RULES_DIR / "oncall.toml")
    assert (
        gaps(rules, datetime(2026, 12, 1, tzinfo=WARSAW), datetime(2027, 3, 1, tzinfo=WARSAW)) == []
    )
    check_no_gaps(rules, datetime(2026, 12, 1, tzinfo=WARSAW))
    oncall = {s.id for s in book.staff if "oncall" in s.roles}
    assert set(rules.rota.order) <= oncall
    assert {o.staff for o in rules.overrides} <= oncall
    assert all(book.staff_member(m) is not None for m in rules.managers)
    assert len(summary(rules)) == 2


def test_shipped_christmas_override(book: Rulebook) -> None:
    rules = load_oncall(RULES_DIR, book)
    duty = on_duty(rules, datetime(2026, 12, 24, 12, tzinfo=WARSAW))
    assert duty is not None and duty.source == "override" and "Wigilia" in duty.reason
    chain = escalation_chain(rules, datetime(2026, 12, 24, 12, tzinfo=WARSAW), "jan.wisniewski")
    assert [role for role, _ in chain] == ["oncall", "opiekun", "manager"]


def copy_rules(tmp_path: Path, oncall: str | None) -> Path:
    for name in ("staff.toml", "clients.toml"):
        shutil.copy(RULES_DIR / name, tmp_path / name)
    if oncall is not None:
        (tmp_path / "oncall.toml").write_text(oncall, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "rules file not found"),
        ("[rota\nhandover = 'mon 08:00'", "not valid TOML"),
        ("[rota]\nfrom = 2026-12-24T08:00\n", "not valid TOML"),  # TOML 1.0 needs seconds
    ],
)
def test_file_errors_name_the_file(
    tmp_path: Path, book: Rulebook, text: str | None, message: str
) -> None:
    rules_dir = copy_rules(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_oncall(rules_dir, book)
    assert info.value.file == str(rules_dir / "oncall.toml")


def test_staff_are_checked_against_the_rulebook(tmp_path: Path, book: Rulebook) -> None:
    text = (RULES_DIR / "oncall.toml").read_text(encoding="utf-8")
    rules_dir = copy_rules(tmp_path, text.replace('"monika.grabowska",', '"rafal.dabrowski",'))
    with pytest.raises(ConfigError, match="role oncall") as info:
        load_oncall(rules_dir, book)
    assert (info.value.file, info.value.key) == (str(rules_dir / "oncall.toml"), "rota.order")


def test_a_rota_starting_in_the_future_fails_the_gap_check(tmp_path: Path, book: Rulebook) -> None:
    text = (RULES_DIR / "oncall.toml").read_text(encoding="utf-8")
    rules = load_oncall(
        copy_rules(tmp_path, text.replace("start = 2026-01-05", "start = 2027-01-04")), book
    )
    with pytest.raises(ConfigError, match="nobody is on duty 2026-12-01 00:00") as info:
        check_no_gaps(rules, datetime(2026, 11, 30, 23, tzinfo=UTC))
    assert info.value.key == "rota.start"
    check_no_gaps(rules, datetime(2027, 1, 4, 7, tzinfo=UTC))  # from the start on: fine
