"""One wording for tallies in logs and command output ("created 3, follow_up 1")."""

from __future__ import annotations

from collections.abc import Mapping


def counts_text(counts: Mapping[str, int], empty: str = "") -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or empty
