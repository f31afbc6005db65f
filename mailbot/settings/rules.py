"""Everything under rules/ as one validated bundle: staff and clients (rulebook.py) and
the classification phrases (core/classify.py). Loaded at start-up; a mistake stops
mailbot with the file, entry and key named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mailbot.core.classify import ClassifyRules
from mailbot.core.oncall import OncallRules
from mailbot.settings.oncall import load_oncall
from mailbot.settings.oncall import summary as oncall_summary
from mailbot.settings.reader import read_toml
from mailbot.settings.rulebook import Rulebook, load_rulebook


@dataclass(frozen=True)
class Rules:
    book: Rulebook
    classify: ClassifyRules
    oncall: OncallRules

    def summary(self, today: date | None = None) -> list[str]:
        c = self.classify
        return [
            *self.book.summary(today),
            f"classification: {len(c.signals)} emergency signals (threshold {c.threshold}), "
            f"{len(c.cancels) + len(c.ignores)} cancelling cues, "
            f"{len(c.scope_phrases)} scope phrases, {len(c.product_phrases)} product phrases",
            *oncall_summary(self.oncall),
        ]


def load_classify_rules(path: Path) -> ClassifyRules:
    return ClassifyRules.from_dict(read_toml(path, "rules file"), str(path))


def load_rules(rules_dir: Path) -> Rules:
    rules_dir = Path(rules_dir)
    book = load_rulebook(rules_dir)
    return Rules(
        book, load_classify_rules(rules_dir / "classify.toml"), load_oncall(rules_dir, book)
    )
