"""Where the tests find the checkout and the shared mail corpus, and the one rule for a
missing corpus: a failure under CI, a skip elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the checkout: mailbot/, rules/, templates/
# third-party mail (read, never copied): ../shared/corpus beside the checkout, or MAILBOT_CORPUS
CORPUS = Path(os.environ.get("MAILBOT_CORPUS") or ROOT.parent / "shared" / "corpus")


def need_corpus(path: Path = CORPUS) -> Path:
    """`path` (the corpus or a part of it) when it is there and not an empty folder.

    Missing under CI (CI=true) is a failure: a run whose corpus tests were all skipped
    would pass having checked nothing. On a developer's machine without the corpus they
    are skipped."""
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        message = f"shared corpus not found at {path} (set MAILBOT_CORPUS to its folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
