"""What the read-only commands need of config.toml: where the database is and the zone.

`mailbot queue` and `tickets list/show` read three keys as load_config reads them,
without the pydantic models: building those cost such a command a fifth of its time.
Whatever load_config would not take as plainly (a value of the wrong type, an unknown
zone, a URL of another database) is handed to load_config, so the one-line "file + key"
errors stay its own. A mistake in another part of the file is reported by the commands
that use that part (run, poll, doctor, rules check), not by these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailbot.settings.reader import read_toml

_URL = re.compile(r"^(sqlite|postgresql)(\+\w+)?://")  # as load_config checks it


@dataclass(frozen=True)
class ReadingConfig:
    path: Path
    database_url: str
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_reading_config(path: str | Path) -> Any:
    """A ReadingConfig, or the full Config when the three keys need load_config's word
    (its ConfigError then says what is wrong)."""
    p = Path(path).expanduser().resolve()
    doc = read_toml(p, "config file")
    general, storage = doc.get("general", {}), doc.get("storage", {})
    if not isinstance(general, dict) or not isinstance(storage, dict):
        return _full(p)
    timezone, data_dir = general.get("timezone", "Europe/Warsaw"), storage.get("data_dir", "data")
    url = storage.get("database_url", "")
    if not (isinstance(timezone, str) and isinstance(url, str) and _zone_exists(timezone)):
        return _full(p)
    if data_dir in (None, ""):
        folder = p.parent / "data"
    elif isinstance(data_dir, str):
        given = Path(data_dir).expanduser()
        folder = given if given.is_absolute() else (p.parent / given).resolve()
    else:
        return _full(p)
    url = url or f"sqlite:///{folder / 'mailbot.sqlite3'}"
    return ReadingConfig(p, url, timezone) if _URL.match(url) else _full(p)


def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _full(path: Path) -> Any:
    from mailbot.settings.config import load_config

    return load_config(path)
