"""Changes mailbot itself makes to rules/ (registering a client's address, R-CON-6).

The files stay the support team's: tomlkit keeps their comments, order and layout, the
result is validated by the same loader as at start-up before it replaces the file, and
the file is replaced atomically, so a mistake leaves it as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import tomlkit

from mailbot.errors import ConfigError
from mailbot.settings.rulebook import Rulebook, load_rulebook


def add_client_address(rules_dir: Path, client_id: str, address: str) -> Rulebook:
    """Register `address` for `client_id` in rules_dir/clients.toml; the new rulebook.
    Already registered there: nothing changes. ConfigError when the result would not
    load (e.g. the address is another client's), naming file and key as always."""
    path = Path(rules_dir) / "clients.toml"
    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    except (OSError, tomlkit.exceptions.ParseError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(path)) from None
    entry = next((c for c in doc.get("client", []) if c.get("id") == client_id), None)
    if entry is None:
        raise ConfigError(f"no [[client]] with id {client_id!r}", file=str(path))
    address = address.strip().lower()
    if address in [str(a).lower() for a in entry.get("addresses", [])]:
        return load_rulebook(rules_dir)
    entry.setdefault("addresses", tomlkit.array()).append(address)
    text = tomlkit.dumps(doc)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(Path(rules_dir) / "staff.toml", Path(tmp) / "staff.toml")
        (Path(tmp) / "clients.toml").write_text(text, encoding="utf-8")
        try:
            load_rulebook(tmp)
        except ConfigError as exc:  # name the real file, not the scratch copy
            raise ConfigError(str(exc).replace(str(Path(tmp).resolve()), str(path))) from None
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=".clients.", suffix=".toml")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    shutil.copymode(path, scratch)  # mkstemp makes it private; keep the file's mode
    os.replace(scratch, path)
    return load_rulebook(rules_dir)
