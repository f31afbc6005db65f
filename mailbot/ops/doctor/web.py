"""`mailbot doctor`: the staff console's key and its Microsoft sign-in. The key signs
session cookies and the one-tap "Przyjmuję" links in on-call alerts, so the daemon needs
it as much as the console: a file the service cannot read stops both, one others can
read lets anyone on the host forge a sign-in. Nothing here prints a key or a secret."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mailbot.ops.doctor.base import FAIL, OK, WARN, Check, Env
from mailbot.settings.config import Config

MIN_KEY = 32  # characters, as outgoing.links.load_secret demands


def check_console(cfg: Config, env: Env, timeout: float) -> list[Check]:
    web = cfg.web
    if web is None:
        return []
    checks = [_key(web.secret_key_file)]
    if web.oidc is not None:
        name, variable = "Microsoft sign-in", web.oidc.client_secret_env
        if env.get(variable):
            checks.append(Check(name, OK, f"{web.oidc.issuer}; the client secret is in {variable}"))
        else:
            checks.append(Check(
                name, WARN, f"{variable} is not set: the console offers passwords only",
                f"set {variable} for the service (systemd: EnvironmentFile=), or remove "
                "web.oidc_issuer",
            ))  # fmt: skip
    return checks


def _key(path: Path) -> Check:
    name = "console key"
    if not path.exists():
        existing = next((p for p in path.parents if p.exists()), None)
        if existing is not None and os.access(existing, os.W_OK | os.X_OK):
            return Check(name, OK, f"{path} will be made on first use (in {existing})")
        return Check(name, FAIL, f"{path} is missing and cannot be made here",
                     "set web.secret_key_file to a writable place, e.g. under the data "
                     "directory")  # fmt: skip
    try:
        key = path.read_text(encoding="ascii").strip()
        mode = stat.S_IMODE(path.stat().st_mode)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return Check(name, FAIL, f"cannot read {path}: {reason}",
                     f"chown the file to the service's user and chmod 600 {path}")  # fmt: skip
    if len(key) < MIN_KEY:
        fix = (f"delete {path}: a new one is made at the next start (everyone signs in "
               "again; one-tap links sent so far stop working)")  # fmt: skip
        return Check(name, FAIL, f"{path} is too short to be a key (at least {MIN_KEY} "
                     "characters)", fix)  # fmt: skip
    if mode & 0o077:
        return Check(name, WARN, f"{path} can be read by other users (mode {mode:o}): anyone "
                     "on this host could forge a console sign-in or a one-tap link",
                     f"chmod 600 {path}")  # fmt: skip
    return Check(name, OK, f"{path}: readable by its owner only")
