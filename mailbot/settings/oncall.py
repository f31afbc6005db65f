"""rules/oncall.toml -> validated OncallRules (the I/O shell around mailbot.core.oncall).

Separate from rulebook.py because the rota is checked against staff.toml's roles and
against the coming days (gaps), which `mailbot rules check` does with the current time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from mailbot.core.contracts import ROLES
from mailbot.core.oncall import OncallRules, gaps
from mailbot.errors import ConfigError
from mailbot.settings.reader import read_toml
from mailbot.settings.rulebook import Rulebook

ONCALL_FILE = "oncall.toml"
GAP_HORIZON = timedelta(days=90)  # how far ahead `mailbot rules check` looks for gaps


def load_oncall(rules_dir: Path, rulebook: Rulebook) -> OncallRules:
    """Read and validate rules_dir/oncall.toml against the staff in `rulebook`."""
    path = Path(rules_dir).expanduser() / ONCALL_FILE
    doc = read_toml(path, "rules file")
    by_role = {role: {s.id for s in rulebook.staff if role in s.roles} for role in ROLES}
    return OncallRules.from_dict(doc, str(path), by_role)


def check_no_gaps(rules: OncallRules, now: datetime, horizon: timedelta = GAP_HORIZON) -> None:
    """ConfigError if nobody is on duty at some moment in [now, now + horizon).

    A gap means an alert with no recipient. The only way to have one is a rota starting
    later than now, so the error points at rota.start (or: add an override for the gap).
    """
    found = gaps(rules, now, now + horizon)
    if found:
        spans = "; ".join(f"{a:%Y-%m-%d %H:%M} - {b:%Y-%m-%d %H:%M}" for a, b in found)
        raise ConfigError(
            f"nobody is on duty {spans}: move the rota start earlier or add an [[override]]",
            file=rules.source,
            key="rota.start",
        )


def summary(rules: OncallRules) -> list[str]:
    """Lines for `mailbot rules check`."""
    rota = rules.rota
    return [
        f"on-call rota: {len(rota.order)} people, hand-over {rota.describe()}, "
        f"from {rota.start.isoformat()}; overrides: {len(rules.overrides)}",
        f"escalation: {' -> '.join(rules.chain)} (managers: {', '.join(rules.managers) or '-'})",
    ]
