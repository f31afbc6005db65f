"""Config TOML -> frozen Config.

Every error names the file and the key, and is raised before anything connects
anywhere (the CLI turns ConfigError into exit code 2). Unknown keys are errors too:
a typo such as `poll_intervall` must not silently fall back to a default.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailbot.errors import ConfigError
from mailbot.settings.oauth import OAuthConfig, read_oauth
from mailbot.settings.reader import Reader, read_toml

TLS_MODES = ("ssl", "starttls", "none")
PROCESSED_MODES = ("move", "flag")
PROCESSED_KEYWORD = "$MailbotProcessed"


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    tls: str
    cafile: Path | None
    user: str
    password_env: str | None
    password_file: Path | None
    folder: str
    processed: str
    processed_folder: str
    batch_size: int
    max_message_size: int
    timeout: float
    sent_folder: str | None = None
    auth: str = "password"  # password | xoauth2 (Microsoft 365, [oauth])
    batch_bytes: int = 32 * 1024**2  # a fetch batch's bytes at most (one bigger message alone)


@dataclass(frozen=True)
class SmtpConfig:
    mode: str  # capture (write .eml files under data_dir/sent) | smtp
    host: str
    port: int
    tls: str
    user: str | None
    password_env: str | None
    password_file: Path | None
    cafile: Path | None
    timeout: float
    from_address: str
    from_name: str
    per_connection: int = 100  # messages sent over one SMTP connection before a new one

    def password(self, environ: dict[str, str] | None = None) -> str | None:
        """The SMTP secret from its environment variable or file, None without a user."""
        if not self.user:
            return None
        env = os.environ if environ is None else environ
        if self.password_env and env.get(self.password_env):
            return env[self.password_env]
        if self.password_file:
            try:
                return self.password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"cannot read password file: {exc.strerror}", key="smtp.password_file"
                ) from exc
        raise ConfigError(
            f"smtp.user is set but {self.password_env or 'no variable'} is "
            "empty and no password_file is given",
            key="smtp.password_env",
        )


@dataclass(frozen=True)
class SmsConfig:
    channel: str  # none | smsapi | webhook | email
    token_env: str | None
    sender_name: str | None
    base_url: str
    url: str
    address_template: str
    transliterate: bool
    timeout: float

    def token(self, environ: dict[str, str] | None = None) -> str | None:
        env = os.environ if environ is None else environ
        value = env.get(self.token_env) if self.token_env else None
        if self.channel == "smsapi" and not value:
            raise ConfigError(
                f"environment variable {self.token_env} (the SMSAPI token) is not set",
                key="sms.token_env",
            )
        return value or None


@dataclass(frozen=True)
class Config:
    path: Path
    imap: ImapConfig
    poll_interval: int  # seconds
    history_cutoff: date | None
    parse_workers: int
    data_dir: Path
    database_url: str
    timezone: str
    rules_dir: Path
    templates_dir: Path
    own_addresses: tuple[str, ...] = ("pomoc@kjmssoft.pl",)
    trusted_authserv_ids: frozenset[str] = frozenset()
    smtp: SmtpConfig | None = None
    oauth: OAuthConfig | None = None
    replies_per_sender_per_hour: int = 5
    max_attempts: int = 8
    retry_after: int = 30  # seconds before the first retry of a failed send, then doubled
    retry_max: int = 1800  # ... up to this
    page_window: int = 600  # seconds: later pages about one client are folded (core.pages)
    sms: SmsConfig | None = None
    digest_enabled: bool = True
    digest_time: str = "07:30"
    instance_name: str = "mailbot"
    lease_seconds: int = 60
    idle: bool = True
    idle_renew: int = 600
    alarm_enabled: bool = True
    alarm_no_poll: int = 900
    alarm_outbox: int = 1800
    alarm_failing: int = 300  # seconds a job (delivery, escalation, digest) may keep failing
    log_format: str = "text"
    deliver_interval: int = 10  # seconds between delivery passes when nothing wakes one
    deliver_pass: int = 60  # seconds a delivery pass may take; the next goes on at once

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    def imap_password(self, environ: dict[str, str] | None = None) -> str:
        """Read the IMAP secret from its environment variable or file (never the TOML)."""
        env = os.environ if environ is None else environ
        i = self.imap
        if i.password_env:
            value = env.get(i.password_env)
            if value:
                return value
            if not i.password_file:
                raise ConfigError(
                    f"environment variable {i.password_env} is not set or empty",
                    file=str(self.path),
                    key="imap.password_env",
                )
        if i.password_file:
            try:
                return i.password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"cannot read password file {i.password_file}: {exc.strerror}",
                    file=str(self.path),
                    key="imap.password_file",
                ) from exc
        raise ConfigError(
            "no IMAP password source: set password_env or password_file",
            file=str(self.path),
            key="imap.password_env",
        )


_SCHEMA: dict[str, set[str]] = {
    "imap": {
        "host",
        "port",
        "tls",
        "cafile",
        "user",
        "password_env",
        "password_file",
        "folder",
        "processed",
        "processed_folder",
        "batch_size",
        "batch_bytes",
        "max_message_size",
        "timeout",
        "sent_folder",
        "auth",
    },
    "oauth": {
        "flow",
        "tenant",
        "authority",
        "client_id",
        "client_secret_env",
        "refresh_token_file",
        "scopes",
        "secret_expires",
        "secret_warn_days",
    },
    "intake": {
        "poll_interval",
        "history_cutoff",
        "parse_workers",
        "own_addresses",
        "trusted_authserv_ids",
        "idle",
        "idle_renew",
    },
    "storage": {"data_dir", "database_url"},
    "general": {"timezone", "rules_dir", "templates_dir", "log_format"},
    "ha": {"instance_name", "lease"},
    "alarm": {"enabled", "no_poll_after", "outbox_after", "failing_after"},
    "smtp": {
        "mode",
        "host",
        "port",
        "tls",
        "user",
        "password_env",
        "password_file",
        "cafile",
        "timeout",
        "from_address",
        "from_name",
        "per_connection",
    },
    "outbox": {
        "replies_per_sender_per_hour",
        "max_attempts",
        "retry_after",
        "retry_max",
        "page_window",
        "interval",
        "pass_limit",
    },
    "digest": {"enabled", "time"},
    "sms": {
        "channel",
        "token_env",
        "sender_name",
        "base_url",
        "url",
        "address_template",
        "transliterate",
        "timeout",
    },
}


def load_config(path: str | os.PathLike[str]) -> Config:
    p = Path(path).expanduser().resolve()
    doc = read_toml(p, "config file")
    _check_keys(p, doc)
    r = Reader(p, doc)

    tls = r.choice("imap.tls", "ssl", TLS_MODES)
    if r.get("imap.password") is not None:
        raise r.error(
            "imap.password",
            "passwords do not belong in the config file: "
            "use password_env (an environment variable) or password_file",
        )
    password_env = r.string("imap.password_env", "MAILBOT_IMAP_PASSWORD") or None
    imap = ImapConfig(
        host=r.string("imap.host", required=True),
        port=r.integer("imap.port", 993 if tls == "ssl" else 143, 1, 65535),
        tls=tls,
        cafile=r.path("imap.cafile", None),
        user=r.string("imap.user", required=True),
        password_env=password_env,
        password_file=r.path("imap.password_file", None),
        folder=r.string("imap.folder", "INBOX", required=True),
        processed=r.choice("imap.processed", "move", PROCESSED_MODES),
        processed_folder=r.string("imap.processed_folder", "Processed", required=True),
        batch_size=r.integer("imap.batch_size", 100, 1, 5000),
        max_message_size=r.size("imap.max_message_size", "25MB"),
        timeout=float(r.integer("imap.timeout", 60, 1, 3600)),
        sent_folder=r.string("imap.sent_folder", "") or None,
        auth=r.choice("imap.auth", "password", ("password", "xoauth2")),
        batch_bytes=r.size("imap.batch_bytes", "32MB"),
    )
    if imap.cafile is not None and not imap.cafile.is_file():
        raise r.error("imap.cafile", f"file {imap.cafile} does not exist")
    if imap.processed == "move" and imap.processed_folder == imap.folder:
        raise r.error("imap.processed_folder", "must differ from imap.folder")

    timezone = r.string("general.timezone", "Europe/Warsaw")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.error("general.timezone", f"unknown time zone {timezone!r}") from None

    data_dir = r.path("storage.data_dir", "data")
    assert data_dir is not None
    default_url = f"sqlite:///{data_dir / 'mailbot.sqlite3'}"
    database_url = r.string("storage.database_url", "") or default_url
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database_url):
        raise r.error("storage.database_url", "must start with sqlite:// or postgresql://")

    poll_interval = r.duration("intake.poll_interval", "3m")
    return Config(
        path=p,
        imap=imap,
        poll_interval=poll_interval,
        history_cutoff=r.a_date("intake.history_cutoff"),
        parse_workers=r.integer("intake.parse_workers", 2, 0, 64),
        data_dir=data_dir,
        database_url=database_url,
        timezone=timezone,
        rules_dir=r.path("general.rules_dir", "rules") or p.parent / "rules",
        templates_dir=r.path("general.templates_dir", "templates") or p.parent / "templates",
        own_addresses=r.strings("intake.own_addresses", ["pomoc@kjmssoft.pl"]),
        trusted_authserv_ids=frozenset(r.strings("intake.trusted_authserv_ids", [])),
        smtp=_smtp(r),
        oauth=read_oauth(r, imap.auth),
        replies_per_sender_per_hour=r.integer("outbox.replies_per_sender_per_hour", 5, 0, 1000),
        max_attempts=r.integer("outbox.max_attempts", 8, 1, 100),
        **_retry(r),
        page_window=r.duration("outbox.page_window", "10m"),
        deliver_interval=r.duration("outbox.interval", "10s"),
        deliver_pass=r.duration("outbox.pass_limit", "1m"),
        sms=_sms(r),
        digest_enabled=_bool(r, "digest.enabled", True),
        digest_time=_clock_time(r, "digest.time", "07:30"),
        **_operations(r, poll_interval),
    )


def _operations(r: Reader, poll_interval: int) -> dict[str, Any]:
    """[ha], [alarm], IDLE and log settings.

    The lease must expire and be taken (a standby checks every third of it) within one
    poll interval, so a standby takes over before the next poll is due."""
    default_lease = max(10, min(60, poll_interval * 3 // 4))
    lease = r.duration("ha.lease", f"{default_lease}s")
    if r.get("ha.lease") is not None and lease * 4 > poll_interval * 3:
        raise r.error(
            "ha.lease",
            f"must be at most 3/4 of intake.poll_interval ({poll_interval}s) so a standby "
            "takes over within one interval",
        )
    name = r.string("ha.instance_name", "") or socket.gethostname()
    if not re.fullmatch(r"[\w.-]{1,100}", name):
        raise r.error("ha.instance_name", f"letters, digits, '.', '-', '_' only, got {name!r}")
    idle_renew = r.duration("intake.idle_renew", "10m")
    if idle_renew > 29 * 60:
        raise r.error("intake.idle_renew", "must be under 29 minutes (RFC 3501 IDLE timeout)")
    return {
        "instance_name": name,
        "lease_seconds": lease,
        "idle": _bool(r, "intake.idle", True),
        "idle_renew": idle_renew,
        "alarm_enabled": _bool(r, "alarm.enabled", True),
        "alarm_no_poll": r.duration("alarm.no_poll_after", "15m"),
        "alarm_outbox": r.duration("alarm.outbox_after", "30m"),
        "alarm_failing": r.duration("alarm.failing_after", "5m"),
        "log_format": r.choice("general.log_format", "text", ("text", "json")),
    }


def _bool(r: Reader, key: str, default: bool) -> bool:
    value = r.get(key, default)
    if not isinstance(value, bool):
        raise r.error(key, f"must be true or false, got {value!r}")
    return value


def _clock_time(r: Reader, key: str, default: str) -> str:
    value = r.string(key, default)
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise r.error(key, f"must be a time like 07:30, got {value!r}")
    return value


def _sms(r: Reader) -> SmsConfig:
    channel = r.choice("sms.channel", "none", ("none", "smsapi", "webhook", "email"))
    transliterate = r.get("sms.transliterate", True)
    if not isinstance(transliterate, bool):
        raise r.error("sms.transliterate", f"must be true or false, got {transliterate!r}")
    return SmsConfig(
        channel=channel, token_env=r.string("sms.token_env", "MAILBOT_SMS_TOKEN") or None,
        sender_name=r.string("sms.sender_name", "") or None,
        base_url=r.string("sms.base_url", "https://api.smsapi.pl"),
        url=r.string("sms.url", "", required=channel == "webhook"),
        address_template=r.string("sms.address_template", "", required=channel == "email"),
        transliterate=transliterate, timeout=float(r.integer("sms.timeout", 15, 1, 300)),
    )  # fmt: skip


def _retry(r: Reader) -> dict[str, int]:
    first = r.duration("outbox.retry_after", "30s")
    most = r.duration("outbox.retry_max", "30m")
    if most < first:
        raise r.error("outbox.retry_max", f"must not be shorter than outbox.retry_after ({first}s)")
    return {"retry_after": first, "retry_max": most}


def _smtp(r: Reader) -> SmtpConfig:
    mode = r.choice("smtp.mode", "capture", ("capture", "smtp"))
    tls = r.choice("smtp.tls", "ssl", TLS_MODES)
    host = r.string("smtp.host", "", required=mode == "smtp")
    if r.get("smtp.password") is not None:
        raise r.error(
            "smtp.password",
            "passwords do not belong in the config file: use password_env or password_file",
        )
    return SmtpConfig(
        mode=mode, host=host,
        port=r.integer("smtp.port", 465 if tls == "ssl" else 587, 1, 65535), tls=tls,
        user=r.string("smtp.user", "") or None,
        password_env=r.string("smtp.password_env", "MAILBOT_SMTP_PASSWORD") or None,
        password_file=r.path("smtp.password_file", None), cafile=r.path("smtp.cafile", None),
        timeout=float(r.integer("smtp.timeout", 30, 1, 600)),
        from_address=r.string("smtp.from_address", "pomoc@kjmssoft.pl", required=True),
        from_name=r.string("smtp.from_name", "Wsparcie KJM"),
        per_connection=r.integer("smtp.per_connection", 100, 1, 100_000),
    )  # fmt: skip


def _check_keys(path: Path, doc: dict[str, Any]) -> None:
    for section, value in doc.items():
        if section not in _SCHEMA:
            raise ConfigError(
                f"unknown section [{section}] (known: {', '.join(sorted(_SCHEMA))})",
                file=str(path),
                key=section,
            )
        if not isinstance(value, dict):
            raise ConfigError("must be a table", file=str(path), key=section)
        for key in value:
            if key not in _SCHEMA[section] and not (
                section in ("imap", "smtp") and key == "password"
            ):
                raise ConfigError("unknown setting", file=str(path), key=f"{section}.{key}")
