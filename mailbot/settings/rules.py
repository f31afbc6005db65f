"""Everything under rules/ as one validated bundle: staff and clients (rulebook.py) and
the classification phrases (core/classify.py). Loaded at start-up; a mistake stops
mailbot with the file, entry and key named."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mailbot.core.classify import ClassifyRules
from mailbot.core.oncall import OncallRules
from mailbot.core.textmodel import ModelRef, TextModel
from mailbot.errors import ConfigError
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


MODEL_FILE = "classify-model.json"  # written by scripts/train_classifier.py


def load_classify_rules(path: Path) -> ClassifyRules:
    """rules/classify.toml and, beside it, the learned model it gives weight to."""
    doc = read_toml(path, "rules file")
    model_path = Path(path).with_name(MODEL_FILE)
    if not model_path.exists():
        return ClassifyRules.from_dict(doc, str(path))
    model, ref = load_text_model(model_path)
    return ClassifyRules.from_dict(doc, str(path), model, ref)


def load_text_model(path: Path) -> tuple[TextModel, ModelRef]:
    """The model file, checked; ConfigError names the file when it is not usable."""
    try:
        data = path.read_bytes()
        model = TextModel.loads(data.decode("utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"not a usable classifier model ({type(exc).__name__}: {exc}); retrain it with "
            "scripts/train_classifier.py",
            file=str(path),
        ) from None
    return model, ModelRef(str(path), hashlib.sha256(data).hexdigest())


Stamp = tuple[tuple[str, int, int], ...]


def folder_stamp(folder: Path, suffixes: tuple[str, ...]) -> Stamp:
    """What a running process compares to notice that people changed a folder: each
    file's name, modification time and size (an edit, a rename into place, a file added
    or removed)."""
    stamp = []
    for path in sorted(Path(folder).glob("*")):
        if path.suffix in suffixes:
            try:
                st = path.stat()
            except OSError:
                continue
            stamp.append((path.name, st.st_mtime_ns, st.st_size))
    return tuple(stamp)


def rules_stamp(rules_dir: Path) -> Stamp:
    return folder_stamp(rules_dir, (".toml", ".json"))


def templates_stamp(templates_dir: Path) -> Stamp:
    return folder_stamp(templates_dir, (".j2",))


def load_rules(rules_dir: Path) -> Rules:
    rules_dir = Path(rules_dir)
    book = load_rulebook(rules_dir)
    return Rules(
        book, load_classify_rules(rules_dir / "classify.toml"), load_oncall(rules_dir, book)
    )
