"""The rules, templates and config example that come with mailbot.

The checkout's top-level rules/, templates/ and config.example.toml are the only copy
the support team and the tests edit; a built wheel carries them as package data under
mailbot/defaults/ (pyproject.toml, [tool.hatch.build.targets.wheel.force-include]).
So: the packaged copy when mailbot runs from an installed wheel, the checkout's own
files when it runs from the checkout (an editable install, the tests). Plain paths, not
importlib.resources traversables: jinja2's FileSystemLoader and the TOML readers want
real files, and mailbot is never installed zipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Shipped = Literal["rules", "templates", "config.example.toml"]

_PACKAGE = Path(__file__).resolve().parents[1]  # the mailbot package directory


def shipped(name: Shipped) -> Path:
    """Where the shipped `name` is: inside the installed package, else in the checkout."""
    packaged = _PACKAGE / "defaults" / name
    return packaged if packaged.exists() else _PACKAGE.parent / name
