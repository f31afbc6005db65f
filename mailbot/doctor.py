"""`mailbot doctor`: the config, then each connection on its own, one line per check with
what was checked and, when it failed, how to fix it (issue #8, "See and operate").

Every check is free of side effects: no mail or SMS is sent, no folder created, no
migration run, a missing SQLite file is not created. One failing check never stops the
others; only a config that does not load stops everything (in the CLI, exit 2). No secret
is ever shown: each text is scrubbed of the passwords and tokens the config points at.
Exit code: 0 when all pass (SKIP passes), 1 with warnings only, 2 when anything failed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import socket
import ssl
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from mailbot.config import PROCESSED_KEYWORD, Config, ImapConfig
from mailbot.edges.imap import FolderStatus, ImapMailbox, ImapSettings, open_client
from mailbot.edges.sms import SmsapiChannel, SmsError, WebhookChannel
from mailbot.edges.smtp import SmtpCheckError, SmtpMailer
from mailbot.errors import ConfigError, ImapError

OK, WARN, FAIL, SKIP = "OK", "WARN", "FAIL", "SKIP"
SECRETS_FILE = "/etc/mailbot/secrets.env"  # deploy/mailbot.service's EnvironmentFile
LOW_POINTS = 10.0  # SMSAPI credit below which doctor says "top up soon" (a margin, not a rule)
Env = Mapping[str, str]


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK | WARN | FAIL | SKIP
    detail: str
    fix: str = ""


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
        _data_dir,
        _database,
        _oauth_secret,
        _imap,
        _smtp,
        _sms,
    )
    for section in sections:
        try:
            checks += section(cfg, env, timeout)
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            name = section.__name__.strip("_")
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


# -- secrets -----------------------------------------------------------------------------
def _secrets(cfg: Config, env: Env) -> list[str]:
    """Every secret the config points at, longest first (so no part of one survives)."""
    getters: list[Callable[[], str | None]] = [lambda: cfg.imap_password(dict(env))]
    if cfg.oauth is not None:
        getters.append(lambda: cfg.oauth.client_secret(dict(env)) if cfg.oauth else None)
    if cfg.smtp is not None:
        getters.append(lambda: cfg.smtp.password(dict(env)) if cfg.smtp else None)
    if cfg.sms is not None:
        getters.append(lambda: cfg.sms.token(dict(env)) if cfg.sms else None)
    found: list[str | None] = []
    for get in getters:
        with contextlib.suppress(ConfigError):
            found.append(get())
    with contextlib.suppress(SQLAlchemyError, ValueError):
        found.append(make_url(cfg.database_url).password)  # type: ignore[arg-type]
    if cfg.sms is not None and cfg.sms.url:
        parts = urllib.parse.urlsplit(cfg.sms.url)
        found += [parts.query, parts.password]
        found += [v for _, v in urllib.parse.parse_qsl(parts.query)]
    return sorted({s for s in found if s and len(s) >= 3}, key=len, reverse=True)


def _scrub(check: Check, secrets: list[str]) -> Check:
    detail, fix = check.detail, check.fix
    for secret in secrets:
        detail, fix = detail.replace(secret, "***"), fix.replace(secret, "***")
    return Check(check.name, check.status, detail, fix)


# -- rules, templates, data directory ----------------------------------------------------
def _rules(cfg: Config, env: Env, timeout: float) -> list[Check]:
    from mailbot.oncall_loader import GAP_HORIZON, check_no_gaps
    from mailbot.rules import load_rules

    where = f"fix the file and key named (`mailbot rules check` shows the same) in {cfg.rules_dir}"
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
    from mailbot.render import TemplateSet, check_all

    try:
        problems = check_all(TemplateSet.load(cfg.templates_dir))
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


def _data_dir(cfg: Config, env: Env, timeout: float) -> list[Check]:
    d = cfg.data_dir
    existing = next((p for p in (d, *d.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return [
            Check(
                "data directory",
                FAIL,
                f"{d} is not writable by this user (raw mail, "
                "captured mail and the SQLite file live there)",
                "fix storage.data_dir or the directory's owner (systemd: StateDirectory=mailbot)",
            )
        ]
    note = "writable" if existing == d else f"will be created (in {existing}, writable)"
    return [Check("data directory", OK, f"{d} {note}")]


# -- database ----------------------------------------------------------------------------
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
            Check("database", FAIL, f"cannot use {shown}: {_one_line(reason)}", fix),
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


def _oauth_secret(cfg: Config, env: Env, timeout: float) -> list[Check]:
    """The Azure client secret's expiry (XOAUTH2 only): the classic silent failure."""
    from mailbot.edges.oauth import secret_expiry_warning

    oauth = cfg.oauth
    if cfg.imap.auth != "xoauth2" or oauth is None:
        return []
    today = datetime.now(cfg.tz).date()
    warning = secret_expiry_warning(oauth.secret_expires, today, oauth.secret_warn_days)
    if warning is None:
        until = oauth.secret_expires.isoformat() if oauth.secret_expires else "not set"
        return [Check("oauth secret", OK, f"oauth.secret_expires: {until}")]
    english = warning.split(" / ", 1)[-1]
    expired = oauth.secret_expires is not None and oauth.secret_expires < today
    return [
        Check(
            "oauth secret",
            FAIL if expired else WARN,
            english,
            "Azure portal, App registrations, Certificates & secrets",
        )
    ]


# -- IMAP ----------------------------------------------------------------------------------
_IMAP_STEPS = (
    "imap login",
    "imap folder",
    "imap processed folder",
    "imap sent folder",
    "imap capabilities",
)


def _imap(cfg: Config, env: Env, timeout: float) -> list[Check]:
    i = cfg.imap
    settings, missing = _imap_settings(cfg, env, min(i.timeout, timeout))
    try:
        client = open_client(settings)
    except ImapError as exc:
        return [
            Check("imap connect", FAIL, str(exc), _network_fix(exc, "imap", timeout)),
            *(Check(name, SKIP, "no connection") for name in _IMAP_STEPS),
        ]
    try:
        checks = [_imap_connected(i, client)]
        login = _imap_login(cfg, settings, client, missing)
        checks.append(login)
        if login.status == FAIL:
            return checks + [Check(n, SKIP, "not logged in") for n in _IMAP_STEPS[1:]]
        checks += _imap_folders(i, client)
        checks.append(_imap_capabilities(i, client))
        return checks
    finally:
        with contextlib.suppress(Exception):
            client.logout()
        with contextlib.suppress(Exception):
            client.shutdown()


def _imap_connected(i: ImapConfig, client: IMAPClient) -> Check:
    sock = client.socket()
    version = sock.version() if isinstance(sock, ssl.SSLSocket) else None
    how = {"ssl": f"implicit TLS, {version}", "starttls": f"STARTTLS, {version}"}.get(i.tls)
    where = f"{i.host}:{i.port}"
    if how:
        return Check("imap connect", OK, f"{where} ({how}, certificate verified)")
    if _loopback(i.host):
        return Check("imap connect", OK, f"{where} (no TLS, loopback)")
    return Check(
        "imap connect",
        WARN,
        f"{where} without TLS: the password travels in clear",
        'set imap.tls = "ssl" (port 993) or "starttls" (port 143)',
    )


def _imap_settings(
    cfg: Config, env: Env, timeout: float
) -> tuple[ImapSettings, ConfigError | None]:
    """As App.imap_settings builds them; a missing secret is kept to report at login."""
    i = cfg.imap
    password, token, missing = "", None, None
    try:
        if i.auth == "xoauth2" and cfg.oauth is not None:
            from mailbot.edges.oauth import provider_from_config

            token = provider_from_config(cfg.oauth, dict(env))
        else:
            password = cfg.imap_password(dict(env))
    except ConfigError as exc:
        missing = exc
    settings = ImapSettings(i.host, i.port, i.tls, i.user, password, i.cafile, timeout, token)
    return settings, missing


def _imap_login(
    cfg: Config, settings: ImapSettings, client: IMAPClient, missing: ConfigError | None
) -> Check:
    i, hint = cfg.imap, _imap_secret_hint(cfg)
    if missing is not None:
        return Check("imap login", FAIL, f"no secret to log in as {i.user} with: {missing}", hint)
    how = " (XOAUTH2)" if settings.token is not None else ""
    try:
        ImapMailbox(settings).login(client)
    except ImapError as exc:
        said = _server_text(exc.__cause__) if isinstance(exc.__cause__, IMAPClientError) else ""
        return Check(
            "imap login",
            FAIL,
            f"IMAP login{how} as {i.user} refused by {i.host}:{i.port}: {said or exc}",
            f"{hint}; check imap.user",
        )
    return Check("imap login", OK, f"logged in{how} as {i.user}")


def _imap_secret_hint(cfg: Config) -> str:
    i, oauth = cfg.imap, cfg.oauth
    if i.auth == "xoauth2" and oauth is not None:
        return (
            f"check [oauth] (client_id, the tenant in authority, flow {oauth.flow}) and the "
            f"secret in {oauth.client_secret_env} (set in {SECRETS_FILE}); README, Microsoft 365"
        )
    if i.password_env:
        text = (
            f"check {i.password_env} (the service reads it from {SECRETS_FILE}; to run "
            f"doctor with it: sudo -u mailbot sh -c 'set -a; . {SECRETS_FILE}; mailbot "
            "doctor')"
        )
        return text + (f" or the file {i.password_file}" if i.password_file else "")
    return f"check the password in {i.password_file} (imap.password_file)"


def _imap_folders(i: ImapConfig, client: IMAPClient) -> list[Check]:
    names = [name for _, _, name in client.list_folders()]

    def choose(key: str) -> str:
        listed = ", ".join(sorted(names)[:15]) + (" …" if len(names) > 15 else "")
        return f"fix {key} (folders of {i.user}: {listed}) or create the folder"

    checks: list[Check] = []
    if not client.folder_exists(i.folder):
        checks.append(
            Check("imap folder", FAIL, f"{i.folder!r} does not exist", choose("imap.folder"))
        )
    else:
        info = client.select_folder(i.folder)  # read-write, as the poller selects it
        status = FolderStatus(
            int(info[b"UIDVALIDITY"]),
            int(info.get(b"UIDNEXT", 0)),
            int(info.get(b"EXISTS", 0)),
            tuple(info.get(b"PERMANENTFLAGS", ())),
        )
        if not info.get(b"READ-WRITE"):
            checks.append(
                Check(
                    "imap folder",
                    FAIL,
                    f"{i.folder} opens read-only: mailbot could not move or flag what it recorded",
                    f"give {i.user} full rights on {i.folder}",
                )
            )
        elif i.processed == "flag" and not status.keeps_keyword(PROCESSED_KEYWORD):
            checks.append(
                Check(
                    "imap folder",
                    FAIL,
                    f"the server does not keep the keyword {PROCESSED_KEYWORD} in {i.folder}",
                    'set imap.processed = "move"',
                )
            )
        else:
            checks.append(
                Check(
                    "imap folder",
                    OK,
                    f"{i.folder}: {status.exists} message(s), "
                    f"read-write, UIDVALIDITY {status.uidvalidity}",
                )
            )
    if i.processed == "flag":
        checks.append(
            Check(
                "imap processed folder",
                SKIP,
                f"processed = flag: recorded mail gets {PROCESSED_KEYWORD}, none moves",
            )
        )
    elif client.folder_exists(i.processed_folder):
        checks.append(Check("imap processed folder", OK, f"{i.processed_folder} exists"))
    else:
        checks.append(
            Check(
                "imap processed folder",
                OK,
                f"{i.processed_folder} does not exist "
                "yet: mailbot creates it at the first poll with mail",
            )
        )
    if not i.sent_folder:
        checks.append(
            Check(
                "imap sent folder",
                SKIP,
                "imap.sent_folder not set: replies sent from Outlook do not count as a reaction",
            )
        )
    elif not client.folder_exists(i.sent_folder):
        checks.append(
            Check(
                "imap sent folder",
                FAIL,
                f"{i.sent_folder!r} does not exist",
                choose("imap.sent_folder"),
            )
        )
    else:
        info = client.select_folder(i.sent_folder, readonly=True)
        checks.append(
            Check(
                "imap sent folder", OK, f"{i.sent_folder}: {int(info.get(b'EXISTS', 0))} message(s)"
            )
        )
    return checks


def _imap_capabilities(i: ImapConfig, client: IMAPClient) -> Check:
    caps = {c.decode("ascii", "replace").upper() for c in client.capabilities()}
    detail = ", ".join(f"{c} {'yes' if c in caps else 'no'}" for c in ("IDLE", "MOVE", "UIDPLUS"))
    if i.processed == "move" and not caps & {"MOVE", "UIDPLUS"}:
        return Check(
            "imap capabilities",
            WARN,
            f"{detail}: the move falls back to COPY and an "
            "EXPUNGE of every message marked deleted in the folder, also by a person",
            'set imap.processed = "flag"',
        )
    return Check("imap capabilities", OK, detail)


# -- SMTP ------------------------------------------------------------------------------------
_SMTP_STEPS = {
    "connect": "smtp connect",
    "ehlo": "smtp connect",
    "tls": "smtp tls",
    "auth": "smtp login",
}


def _smtp(cfg: Config, env: Env, timeout: float) -> list[Check]:
    s = cfg.smtp
    if s is None or s.mode != "smtp":
        return [
            Check(
                "smtp",
                SKIP,
                f"smtp.mode = capture: replies and alerts are written to "
                f"{cfg.data_dir / 'sent'}, nothing is sent",
            )
        ]
    where = f"{s.host}:{s.port}"
    secret_hint = (
        f"check smtp.user and the password in {s.password_env} (the service reads "
        f"it from {SECRETS_FILE})" + (f" or {s.password_file}" if s.password_file else "")
    )
    try:
        password, missing = s.password(dict(env)), None
    except ConfigError as exc:
        password, missing = None, exc
    if missing is None and s.user and not password:
        missing = ConfigError("the password is empty", key="smtp.password_file")
    user = s.user if missing is None else None  # still check the way there without AUTH
    mailer = SmtpMailer(s.host, s.port, s.tls, user, password, s.cafile, timeout)  # type: ignore[arg-type]
    names = ["smtp connect", "smtp tls", "smtp login"]
    try:
        result = mailer.check()
    except SmtpCheckError as exc:
        failed = _SMTP_STEPS.get(exc.step, "smtp connect")
        fix = {
            "smtp connect": _network_fix(exc, "smtp", timeout),
            "smtp tls": _tls_fix(exc, "smtp", '"ssl" (port 465) or "starttls" (port 587)'),
            "smtp login": secret_hint,
        }[failed]
        done, passed = (
            names.index(failed),
            {"smtp connect": f"{where} answered EHLO", "smtp tls": f"TLS ({s.tls}) set up"},
        )
        return (
            [Check(n, OK, passed[n]) for n in names[:done]]
            + [Check(failed, FAIL, str(exc), fix)]
            + [Check(n, SKIP, f"{failed} failed") for n in names[done + 1 :]]
        )
    checks = [Check("smtp connect", OK, f"{where} answered EHLO")]
    if result.tls:
        checks.append(Check("smtp tls", OK, f"{result.tls} ({s.tls}), certificate verified"))
    elif _loopback(s.host):
        checks.append(Check("smtp tls", SKIP, "smtp.tls = none (loopback)"))
    else:
        checks.append(
            Check(
                "smtp tls",
                WARN,
                "smtp.tls = none: mail and password travel in clear",
                'set smtp.tls = "ssl" (port 465) or "starttls" (port 587)',
            )
        )
    if missing is not None:
        checks.append(
            Check("smtp login", FAIL, f"no password for {s.user}: {missing}", secret_hint)
        )
    elif s.user:
        methods = " ".join(result.auth_methods) or "?"
        checks.append(
            Check("smtp login", OK, f"logged in as {s.user} (AUTH {methods}); no mail sent")
        )
    else:
        checks.append(
            Check(
                "smtp login",
                SKIP,
                "smtp.user not set: the server must accept mail from this host without AUTH",
            )
        )
    return checks


# -- SMS ---------------------------------------------------------------------------------------
def _sms(cfg: Config, env: Env, timeout: float) -> list[Check]:
    sms = cfg.sms
    if sms is None or sms.channel == "none":
        return [Check("sms", SKIP, "sms.channel = none: alerts go by e-mail only")]
    if sms.channel == "email":
        if cfg.smtp is None or cfg.smtp.mode != "smtp":
            return [
                Check(
                    "sms",
                    WARN,
                    "sms.channel = email but smtp.mode = capture: SMS "
                    "alerts are written to files and reach nobody",
                    'set smtp.mode = "smtp" or another sms.channel',
                )
            ]
        return [
            Check(
                "sms",
                SKIP,
                f"e-mail to {sms.address_template} goes through SMTP: the smtp checks cover it",
            )
        ]
    token_hint = f"set {sms.token_env} (the service reads it from {SECRETS_FILE})"
    try:
        token = sms.token(dict(env))
    except ConfigError as exc:
        return [Check("sms gateway", FAIL, str(exc), token_hint)]
    if sms.channel == "smsapi":
        return [
            _smsapi(SmsapiChannel(token or "", sms.sender_name, sms.base_url, timeout), token_hint)
        ]
    channel = WebhookChannel(sms.url, token, timeout)
    return _webhook(channel, bool(token), token_hint)


def _smsapi(channel: SmsapiChannel, token_hint: str) -> Check:
    try:
        profile = channel.check()
    except SmsError as exc:
        fix = (
            f"{token_hint}; the token (SMSAPI panel, API tokens) needs the sms scope, and "
            "the profile scope for this check"
            if exc.code not in (None, 500, 502, 503, 504)
            else "the SMSAPI API did not answer: check sms.base_url and the network"
        )
        return Check("sms gateway", FAIL, str(exc), fix)
    points = profile.get("points")
    detail = (
        f"SMSAPI accepts the token (account {profile.get('username') or '?'}, "
        f"{profile.get('payment_type') or '?'}, points {points if points is not None else '?'});"
        " no SMS sent"
    )
    low = isinstance(points, (int, float)) and profile.get("payment_type") != "postpaid"
    if low and points < LOW_POINTS:
        return Check(
            "sms gateway",
            WARN,
            detail,
            "top up the SMSAPI account: with no points left every alert SMS fails (error 103)",
        )
    return Check("sms gateway", OK, detail)


def _webhook(channel: WebhookChannel, has_token: bool, token_hint: str) -> list[Check]:
    auth = Check(
        "sms gateway auth",
        SKIP,
        "a webhook has no call that proves the token "
        "without sending an SMS: `mailbot outbox list` shows the first alert's result",
    )
    try:
        status = channel.check()
    except SmsError as exc:
        return [
            Check(
                "sms gateway",
                FAIL,
                str(exc),
                "check sms.url and the network (the gateway must be reachable from this host)",
            ),
            auth,
        ]
    what = f"{channel!r} answers HEAD with HTTP {status}"
    if status in (401, 403):
        fix = token_hint if has_token else "the gateway wants a token: set sms.token_env"
        return [
            Check(
                "sms gateway",
                WARN,
                f"{what}: refused",
                fix + " (or it refuses HEAD whatever the token)",
            ),
            auth,
        ]
    if status == 404 or status >= 500:
        return [
            Check(
                "sms gateway",
                WARN,
                what,
                "check sms.url (a gateway that routes only POST may answer HEAD so)",
            ),
            auth,
        ]
    return [Check("sms gateway", OK, f"{what}: reachable"), auth]


# -- shared ---------------------------------------------------------------------------------
def _network_fix(exc: BaseException, section: str, timeout: float) -> str:
    """What to do about a connection that did not come up, from the socket's own error."""
    cause = exc.__cause__ or exc
    if isinstance(cause, ssl.SSLError):
        ports = (
            '"ssl" (993) or "starttls" (143)'
            if section == "imap"
            else '"ssl" (465) or "starttls" (587)'
        )
        return _tls_fix(exc, section, ports)
    if isinstance(cause, socket.gaierror):
        return f"the host name does not resolve: check {section}.host and DNS"
    if isinstance(cause, ConnectionRefusedError):
        return (
            f"nothing accepts connections there: check {section}.host, {section}.port "
            "and that the server runs"
        )
    if isinstance(cause, TimeoutError):
        return f"no answer within {timeout:g} s: a firewall, or a wrong {section}.host/port"
    return f"check {section}.host, {section}.port and {section}.tls"


def _tls_fix(exc: BaseException, section: str, modes: str) -> str:
    cause = exc.__cause__ or exc
    if isinstance(cause, ssl.SSLCertVerificationError):
        return (
            f"the server's certificate is not trusted: set {section}.cafile to the CA "
            f"that signed it, or use the name in the certificate as {section}.host"
        )
    return f"TLS failed: {section}.tls must match what the port speaks: {modes}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _server_text(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith(("b'", 'b"')) and text.endswith(("'", '"')):
        text = text[2:-1]
    return _one_line(text) or type(exc).__name__


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]
