"""Reading a TOML file that people edit, for config.toml and rules/ alike: a file that
is missing or not TOML is one ConfigError naming it. What the values must be is the
business of the pydantic models (fields.py, sections.py, rulebook.py)."""

from __future__ import annotations

import tomllib
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
