"""`mailbot doctor`, the mailbox: connect (TLS as configured), login (password or
XOAUTH2), the folder, the processed and Sent folders, the capabilities mailbot uses, and
the Azure client secret's expiry. Selecting is all it does: nothing is created or moved
(a read-write SELECT, as the poller does, clears only \\Recent, which mailbot never uses)."""

from __future__ import annotations

import contextlib
import ssl
from datetime import datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from mailbot.core import alarm
from mailbot.edges.imap import FolderStatus, ImapMailbox, ImapSettings, open_client
from mailbot.errors import ConfigError, ImapError
from mailbot.ops.doctor.base import (
    FAIL,
    OK,
    SECRETS_FILE,
    SKIP,
    WARN,
    Check,
    Env,
    loopback,
    network_fix,
    server_text,
)
from mailbot.settings.config import PROCESSED_KEYWORD, Config, ImapConfig


def check_oauth_secret(cfg: Config, env: Env, timeout: float) -> list[Check]:
    """The Azure client secret's expiry (XOAUTH2 only): the classic silent failure."""
    oauth = cfg.oauth
    if cfg.imap.auth != "xoauth2" or oauth is None:
        return []
    today = datetime.now(cfg.tz).date()
    warning = alarm.secret_expiry_warning(oauth.secret_expires, today, oauth.secret_warn_days)
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


# -- IMAP
_IMAP_STEPS = (
    "imap login",
    "imap folder",
    "imap processed folder",
    "imap sent folder",
    "imap capabilities",
)


def check_imap(cfg: Config, env: Env, timeout: float) -> list[Check]:
    i = cfg.imap
    settings, missing = _imap_settings(cfg, env, min(i.timeout, timeout))
    try:
        client = open_client(settings)
    except ImapError as exc:
        return [
            Check("imap connect", FAIL, str(exc), network_fix(exc, "imap", timeout)),
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
    if loopback(i.host):
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
        said = server_text(exc.__cause__) if isinstance(exc.__cause__, IMAPClientError) else ""
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
