"""The typed reader behind config.toml and its [oauth] section, and the TOML reading
every settings file shares: one place that turns a wrong value into a ConfigError
naming the file and the key (`file config.toml, key 'imap.port'`), which the CLI prints
as one line.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from mailbot.errors import ConfigError


def read_toml(path: Path, what: str = "file") -> dict[str, Any]:
    """A TOML document, or a ConfigError naming the file (config and rules alike)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None


_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h)?\s*$")
_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)


class Reader:
    """Typed access to one table of the TOML document, with errors naming file and key."""

    def __init__(self, file: Path, doc: dict[str, Any]):
        self.file = file
        self.doc = doc

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, file=str(self.file), key=key)

    def get(self, key: str, default: Any = None) -> Any:
        section, name = key.split(".")
        return self.doc.get(section, {}).get(name, default)

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> str:
        value = self.get(key, default)
        if value is None or (required and value == ""):
            raise self.error(key, "missing required setting")
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {type(value).__name__}")
        return value

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, got {value!r}")
        if not lo <= value <= hi:
            raise self.error(key, f"must be between {lo} and {hi}, got {value}")
        return value

    def choice(self, key: str, default: str, options: tuple[str, ...]) -> str:
        value = self.string(key, default)
        if value not in options:
            raise self.error(key, f"must be one of {', '.join(options)}, got {value!r}")
        return value

    def path(self, key: str, default: str | None) -> Path | None:
        value = self.get(key, default)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise self.error(key, f"must be a path string, got {value!r}")
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.file.parent / p).resolve()

    def duration(self, key: str, default: str) -> int:
        value = self.get(key, default)
        m = _DURATION.match(str(value)) if isinstance(value, (str, int)) else None
        if not m or isinstance(value, bool):
            raise self.error(key, f"must be a duration like '3m', '90s' or '1h', got {value!r}")
        seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2) or "s"]
        if not 10 <= seconds <= 86400:
            raise self.error(key, f"must be between 10s and 24h, got {value!r}")
        return seconds

    def size(self, key: str, default: str) -> int:
        value = self.get(key, default)
        m = _SIZE.match(str(value)) if isinstance(value, (str, int)) else None
        if not m or isinstance(value, bool):
            raise self.error(key, f"must be a size like '25MB', got {value!r}")
        unit = (m.group(2) or "B").upper()
        n = int(m.group(1)) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]
        if n < 64 * 1024:
            raise self.error(key, f"must be at least 64KB, got {value!r}")
        return n

    def strings(self, key: str, default: list[str]) -> tuple[str, ...]:
        value = self.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, f"must be a list of strings, got {value!r}")
        return tuple(v.strip().lower() for v in value)

    def a_date(self, key: str) -> date | None:
        value = self.get(key)
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.error(key, f"must be a date YYYY-MM-DD, got {value!r}") from None
