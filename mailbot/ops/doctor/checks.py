"""`mailbot doctor`: the config, then each connection on its own, one line per check with
what was checked and, when it failed, how to fix it.

Every check is free of side effects: no mail or SMS is sent, no folder created, no
migration run, a missing SQLite file is not created. One failing check never stops the
others; only a config that does not load stops everything (in the CLI, exit 2). No secret
is ever shown: each text is scrubbed of the passwords and tokens the config points at.
Exit code: 0 when all pass (SKIP passes), 1 with warnings only, 2 when anything failed.
"""

from __future__ import annotations

import json
import os
import pwd
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from mailbot.errors import ConfigError
from mailbot.ops.doctor.base import FAIL, OK, SKIP, WARN, Check, Env, one_line
from mailbot.ops.doctor.imap import check_imap, check_oauth_secret
from mailbot.ops.doctor.send import check_sms, check_smtp
from mailbot.ops.doctor.web import check_console
from mailbot.scrub import Scrubber
from mailbot.settings.config import Config
from mailbot.settings.secrets import config_secrets

__all__ = ["Check", "exit_code", "print_checks", "run_checks", "to_json"]


def exit_code(checks: list[Check]) -> int:
    statuses = {c.status for c in checks}
    return 2 if FAIL in statuses else 1 if WARN in statuses else 0


def to_json(checks: list[Check]) -> str:
    code = exit_code(checks)
    doc = {
        "status": (OK, WARN, FAIL)[code],
        "exit_code": code,
        "checks": [asdict(c) for c in checks],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


_STYLES = {OK: "green", WARN: "yellow", FAIL: "bold red", SKIP: "dim"}


def print_checks(checks: list[Check], console: Console) -> None:
    """One row per check; server texts go in as plain Text (a "[...]" is not markup)."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for c in checks:
        text = Text(c.detail)
        if c.fix:
            text.append(f"\nfix: {c.fix}", style="italic")
        table.add_row(Text(c.status, style=_STYLES[c.status]), Text(c.name), text)
    console.print(table)
    counts = [f"{sum(c.status == s for c in checks)} {s}" for s in (OK, WARN, FAIL, SKIP)]
    console.print(Text(f"mailbot doctor: {', '.join(counts)}"))


def run_checks(cfg: Config, *, timeout: float = 10.0, environ: Env | None = None) -> list[Check]:
    """Every check, in order; `timeout` bounds each network step (an operator waits)."""
    env: Env = os.environ if environ is None else environ
    checks = [Check("config", OK, f"{cfg.path} loaded")]
    sections: tuple[Callable[[Config, Env, float], list[Check]], ...] = (
        _rules,
        _templates,
        check_data_dir,
        _database,
        check_oauth_secret,
        check_imap,
        check_smtp,
        check_sms,
        check_console,
    )
    for section in sections:
        try:
            checks += section(cfg, env, timeout)
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            name = section.__name__.removeprefix("check").strip("_").replace("_", " ")
            checks.append(
                Check(
                    name,
                    FAIL,
                    f"unexpected {type(exc).__name__}: {exc}",
                    "not a known problem: report this line",
                )
            )
    hidden = _secrets(cfg, env)
    return [_scrub(c, hidden) for c in checks]


# -- secrets
def _secrets(cfg: Config, env: Env) -> list[str]:
    """Every secret the config points at, and the webhook URL's query (doctor prints URLs),
    longest first (so no part of one survives)."""
    found = config_secrets(cfg, env)
    if cfg.sms is not None and cfg.sms.url:
        parts = urllib.parse.urlsplit(cfg.sms.url)
        found += [parts.query, parts.password]
        found += [v for _, v in urllib.parse.parse_qsl(parts.query)]
    return sorted({s for s in found if s and len(s) >= 3}, key=len, reverse=True)


def _scrub(check: Check, secrets: list[str]) -> Check:
    scrub = Scrubber.of(secrets, min_length=3)  # URL query values may be that short
    return Check(check.name, check.status, scrub(check.detail), scrub(check.fix))


# -- on this host: rules, templates, data directory
def _rules(cfg: Config, env: Env, timeout: float) -> list[Check]:
    from mailbot.settings.oncall import GAP_HORIZON, check_no_gaps
    from mailbot.settings.rules import load_rules

    where = f"fix the file and key named (`mailbot rules check` shows the same) in {cfg.rules_dir}"
    if not cfg.rules_dir.is_dir():
        where = f"`mailbot init {cfg.path.parent}` writes starter rules (or fix general.rules_dir)"
    try:
        rules = load_rules(cfg.rules_dir)
    except ConfigError as exc:
        return [
            Check("rules", FAIL, str(exc), where),
            Check("on-call rota", SKIP, "the rules do not load"),
        ]
    book = rules.book
    checks = [
        Check(
            "rules",
            OK,
            f"{cfg.rules_dir}: {len(book.staff)} staff, "
            f"{len(book.clients)} clients, {len(rules.classify.signals)} emergency "
            "signals",
        )
    ]
    try:
        check_no_gaps(rules.oncall, datetime.now(cfg.tz))
    except ConfigError as exc:
        checks.append(
            Check(
                "on-call rota",
                FAIL,
                str(exc),
                "an alert then has no recipient; edit rules/oncall.toml",
            )
        )
    else:
        checks.append(
            Check(
                "on-call rota",
                OK,
                f"someone is on duty at every moment of the next {GAP_HORIZON.days} days",
            )
        )
    return checks


def _templates(cfg: Config, env: Env, timeout: float) -> list[Check]:
    from mailbot.outgoing.render import TemplateSet
    from mailbot.outgoing.template_check import all_problems

    try:
        templates = TemplateSet.load(cfg.templates_dir)
        problems = all_problems(templates)
    except ConfigError as exc:
        return [Check("templates", FAIL, str(exc), "check general.templates_dir")]
    if problems:
        shown = "; ".join(problems[:3]) + (f"; … {len(problems) - 3} more" if problems[3:] else "")
        return [
            Check(
                "templates",
                FAIL,
                f"{len(problems)} problem(s): {shown}",
                "`mailbot rules check` lists them all; templates/README.md names the "
                "variables each template gets",
            )
        ]
    return [Check("templates", OK, f"{cfg.templates_dir}: all compile and render their samples")]


# Read-only for the service under deploy/mailbot.service (ProtectSystem=strict), and no
# place for data anyway: a relative data_dir beside /etc/mailbot/config.toml lands here.
READ_ONLY_TREES = (Path("/etc"), Path("/usr"), Path("/boot"))
SERVICE_DATA_DIR = "/var/lib/mailbot"  # the unit's StateDirectory=mailbot


def check_data_dir(cfg: Config, env: Env, timeout: float) -> list[Check]:
    """The data directory, and what is already in it, must be writable by this user: the
    raw mail, the captured mail and the SQLite file live there. What the service's user
    cannot write is what a `mailbot db upgrade` run as root leaves behind."""
    d = cfg.data_dir
    name = "data directory"
    fix_setting = f'set storage.data_dir = "{SERVICE_DATA_DIR}" (systemd: StateDirectory=mailbot)'
    tree = next((t for t in READ_ONLY_TREES if d.is_relative_to(t)), None)
    if tree is not None:
        detail = f"{d} is under {tree}: read-only for the mailbot service (ProtectSystem=strict)"
        return [Check(name, FAIL, detail, fix_setting)]
    existing = next((p for p in (d, *d.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        detail = f"{d} is not writable by {_user()} (raw mail, captured mail, the SQLite file)"
        return [Check(name, FAIL, detail, f"{fix_setting}, or give {_user()} the directory")]
    root = " (checked as root, who may write anywhere: run doctor as the service's user)"
    root = root if os.geteuid() == 0 else ""
    if existing != d:
        return [Check(name, OK, f"{d} will be created (in {existing}, writable){root}")]
    blocked = [p for p in _written_paths(cfg) if p.exists() and not os.access(p, os.W_OK)]
    if blocked:
        shown = ", ".join(str(p) for p in blocked[:3]) + (" …" if blocked[3:] else "")
        fix = f"chown -R {_user()}: {d} (another user, e.g. root, created them)"
        return [Check(name, FAIL, f"not writable by {_user()}: {shown}", fix)]
    return [Check(name, OK, f"{d} writable{root}")]


def _written_paths(cfg: Config) -> list[Path]:
    """What mailbot writes into under the data directory: its folders two levels deep
    (raw/packs, sent), and the SQLite file with its journals when it is kept there."""
    d = cfg.data_dir
    paths = [p for p in (*d.glob("*"), *d.glob("*/*")) if p.is_dir()]
    url = make_url(cfg.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        db = Path(url.database)
        paths += [db, *(db.with_name(db.name + s) for s in ("-journal", "-wal", "-shm"))]
    return paths


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # a uid without a passwd entry (containers)
        return f"uid {os.geteuid()}"


# -- database
def _database(cfg: Config, env: Env, timeout: float) -> list[Check]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from mailbot.store.db import MIGRATIONS

    url = make_url(cfg.database_url)
    shown = url.render_as_string(hide_password=True)
    schema_skipped = Check("database schema", SKIP, "no database connection")
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and url.database and url.database != ":memory:" and not Path(url.database).exists():
        return [
            Check(
                "database",
                FAIL,
                f"{url.database} does not exist",
                "run `mailbot db upgrade` (it creates the database)",
            ),
            schema_skipped,
        ]
    try:
        args = {} if sqlite else {"connect_timeout": max(1, int(timeout))}
        engine = create_engine(url, poolclass=NullPool, connect_args=args)
    except (ImportError, NoSuchModuleError) as exc:
        return [
            Check(
                "database",
                FAIL,
                f"no driver for {shown}: {exc}",
                "pip install 'mailbot[postgres]' and use postgresql+psycopg://",
            ),
            schema_skipped,
        ]
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        fix = (
            "check the file's permissions"
            if sqlite
            else "check storage.database_url (host, port, user, database) and that PostgreSQL "
            "runs and accepts this host (pg_hba.conf)"
        )
        return [
            Check("database", FAIL, f"cannot use {shown}: {one_line(reason)}", fix),
            schema_skipped,
        ]
    finally:
        engine.dispose()
    checks = [Check("database", OK, f"connected to {shown}")]
    script = ScriptDirectory(str(MIGRATIONS))
    chain = [r.revision for r in script.walk_revisions()]  # head first
    head = chain[0]
    if current == head:
        return [
            *checks,
            Check("database schema", OK, f"at {head}, the revision this mailbot needs"),
        ]
    if current is None:
        detail = f"empty (no mailbot tables), this mailbot needs {head}"
    elif current not in chain:
        return [
            *checks,
            Check(
                "database schema",
                FAIL,
                f"at {current}, which this mailbot does not know (a newer version migrated it?)",
                "run the mailbot version that migrated it, or restore the backup taken before",
            ),
        ]
    else:
        detail = f"at {current}, this mailbot needs {head} ({chain.index(current)} behind)"
    return [
        *checks,
        Check(
            "database schema",
            FAIL,
            detail,
            "stop the daemon, back up the database, run `mailbot db upgrade`, start it again",
        ),
    ]
