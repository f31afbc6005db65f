"""Config TOML -> frozen Config.

The keys and their types are the pydantic models of sections.py; this module checks
what depends on more than one key and builds the Config the rest of mailbot reads.
Every problem of the file is reported at once, each naming the file and the key, before
anything connects anywhere (the CLI turns ConfigError into exit code 2). Unknown keys
are errors with the closest known key: a typo such as `poll_intervall` must not
silently fall back to a default.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from mailbot.errors import ConfigError
from mailbot.settings import sections as S
from mailbot.settings.fields import problems_of, raise_all, resolve, suggestion
from mailbot.settings.oauth import OAuthConfig, build_oauth
from mailbot.settings.reader import read_toml
from mailbot.settings.shipped import shipped
from mailbot.settings.signin import OidcConfig, build_oidc

TLS_MODES = S.TLS_MODES
PROCESSED_MODES = S.PROCESSED_MODES
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
class WebConfig:
    """The staff console (`mailbot web`)."""

    base_url: str  # "" = no links to the console in alerts and the digest
    listen_host: str
    listen_port: int
    secret_key_file: Path  # signs session cookies and one-tap links; made on first use
    session_lifetime: int  # seconds
    ack_link_lifetime: int  # seconds a one-tap "Przyjmuję" link stays valid
    oidc: OidcConfig | None = None  # None: password sign-in only

    @property
    def https(self) -> bool:
        return self.base_url.lower().startswith("https://")


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
    staff: str | None = None  # [cli] staff: who `--by` means when it is not given
    web_base_url: str = ""  # [web] base_url: the staff console; "" = mails carry no links
    web: WebConfig | None = None

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


def load_config(path: str | os.PathLike[str]) -> Config:
    """The config file, validated; ConfigError (all problems at once) when it is not."""
    p = Path(path).expanduser().resolve()
    doc = read_toml(p, "config file")
    problems: list[ConfigError] = []
    try:
        f = S.ConfigFile.model_validate(doc)
    except ValidationError as exc:
        found = [ConfigError(m, file=str(p), key=k) for k, m in problems_of(exc, S.ConfigFile)]
        raise_all(_ordered(_top_level(found, doc)))
        raise AssertionError("unreachable") from None
    build = _Build(p, f, problems)
    config = build.config()
    raise_all(_ordered(problems))
    return config


def _top_level(problems: list[ConfigError], doc: dict[str, Any]) -> list[ConfigError]:
    """A section that is not one: 'unknown section [x]', with the closest known one."""
    out = []
    for e in problems:
        if e.key in doc and e.key not in S.SECTIONS:
            hint = suggestion(e.key, S.SECTIONS) or f" (known: {', '.join(sorted(S.SECTIONS))})"
            e = ConfigError(f"unknown section [{e.key}]{hint}", file=e.file, key=e.key)
        out.append(e)
    return out


def _ordered(problems: list[ConfigError]) -> list[ConfigError]:
    """As the file reads: by section, then by key in the section's documented order."""

    def rank(e: ConfigError) -> tuple[int, int]:
        section, _, key = (e.key or "").partition(".")
        if section not in S.MODELS:
            return (-1, 0)
        fields = list(S.MODELS[section].model_fields)
        return (S.SECTIONS.index(section), fields.index(key) if key in fields else len(fields))

    return sorted(problems, key=rank)


def _templates_beside(config: Path) -> Path:
    """templates/ beside the config file when KJM keeps one (`mailbot init --templates`),
    else the templates shipped with mailbot. A directory the file names is taken as it is:
    a typo there must fail (TemplateSet.load), not fall back quietly."""
    beside = config.parent / "templates"
    return beside if beside.is_dir() else shipped("templates")


@dataclass
class _Build:
    """What depends on more than one key; each problem is noted, not raised, so the
    operator sees them all."""

    path: Path
    f: S.ConfigFile
    problems: list[ConfigError] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        self.problems.append(ConfigError(message, file=str(self.path), key=key))

    def config(self) -> Config:
        f, p = self.f, self.path
        timezone = f.general.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.error("general.timezone", f"unknown time zone {timezone!r}")
            timezone = "Europe/Warsaw"
        data_dir = resolve(p, f.storage.data_dir) or p.parent / "data"
        database_url = f.storage.database_url or f"sqlite:///{data_dir / 'mailbot.sqlite3'}"
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database_url):
            self.error("storage.database_url", "must start with sqlite:// or postgresql://")
        intake, outbox = f.intake, f.outbox
        if outbox.retry_max < outbox.retry_after:
            self.error(
                "outbox.retry_max",
                f"must not be shorter than outbox.retry_after ({outbox.retry_after}s)",
            )
        return Config(
            path=p, imap=self.imap(), poll_interval=intake.poll_interval,
            history_cutoff=intake.history_cutoff, parse_workers=intake.parse_workers,
            data_dir=data_dir, database_url=database_url, timezone=timezone,
            rules_dir=resolve(p, f.general.rules_dir) or p.parent / "rules",
            templates_dir=resolve(p, f.general.templates_dir) or _templates_beside(p),
            own_addresses=intake.own_addresses,
            trusted_authserv_ids=frozenset(intake.trusted_authserv_ids), smtp=self.smtp(),
            oauth=self.oauth(), replies_per_sender_per_hour=outbox.replies_per_sender_per_hour,
            max_attempts=outbox.max_attempts, retry_after=outbox.retry_after,
            retry_max=outbox.retry_max, page_window=outbox.page_window, sms=self.sms(),
            deliver_interval=outbox.interval, deliver_pass=outbox.pass_limit,
            digest_enabled=f.digest.enabled, digest_time=f.digest.time, **self.operations(),
            staff=f.cli.staff or None, web_base_url=f.web.base_url, web=self.web(data_dir),
        )  # fmt: skip

    def web(self, data_dir: Path) -> WebConfig:
        w = self.f.web
        host, _, port = w.listen.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            self.error("web.listen", f"must be host:port like 127.0.0.1:8080, got {w.listen!r}")
            host, port = "127.0.0.1", "8080"
        return WebConfig(
            base_url=w.base_url, listen_host=host.strip("[]"), listen_port=int(port),
            secret_key_file=resolve(self.path, w.secret_key_file) or data_dir / "web-secret.key",
            session_lifetime=w.session_lifetime, ack_link_lifetime=w.ack_link_lifetime,
            oidc=build_oidc(self.f.web, self.path, self.error),
        )  # fmt: skip

    def imap(self) -> ImapConfig:
        i, p = self.f.imap, self.path
        imap = ImapConfig(
            host=i.host, port=i.port or (993 if i.tls == "ssl" else 143), tls=i.tls,
            cafile=resolve(p, i.cafile), user=i.user, password_env=i.password_env or None,
            password_file=resolve(p, i.password_file), folder=i.folder, processed=i.processed,
            processed_folder=i.processed_folder, batch_size=i.batch_size,
            max_message_size=i.max_message_size, timeout=float(i.timeout),
            sent_folder=i.sent_folder or None, auth=i.auth, batch_bytes=i.batch_bytes,
        )  # fmt: skip
        if imap.cafile is not None and not imap.cafile.is_file():
            self.error("imap.cafile", f"file {imap.cafile} does not exist")
        if imap.processed == "move" and imap.processed_folder == imap.folder:
            self.error("imap.processed_folder", "must differ from imap.folder")
        return imap

    def oauth(self) -> OAuthConfig | None:
        section = self.f.oauth
        if self.f.imap.auth != "xoauth2":
            if section is not None:
                self.error("imap.auth", 'an [oauth] section is given but auth is "password": '
                           'set auth = "xoauth2" or remove [oauth]')  # fmt: skip
            return None
        if section is None:  # no [oauth] at all: say what it needs
            self.error("oauth.tenant", "missing required setting (the Azure tenant id or domain)")
            self.error("oauth.client_id", "missing required setting")
            return None
        return build_oauth(section, self.path, self.error)

    def smtp(self) -> SmtpConfig:
        m, p = self.f.smtp, self.path
        if m.mode == "smtp" and not m.host:
            self.error("smtp.host", "missing required setting")
        return SmtpConfig(
            mode=m.mode, host=m.host, port=m.port or (465 if m.tls == "ssl" else 587),
            tls=m.tls, user=m.user or None, password_env=m.password_env or None,
            password_file=resolve(p, m.password_file), cafile=resolve(p, m.cafile),
            timeout=float(m.timeout), from_address=m.from_address, from_name=m.from_name,
            per_connection=m.per_connection,
        )  # fmt: skip

    def sms(self) -> SmsConfig:
        s = self.f.sms
        if s.channel == "webhook" and not s.url:
            self.error("sms.url", "missing required setting")
        if s.channel == "email" and not s.address_template:
            self.error("sms.address_template", "missing required setting")
        return SmsConfig(
            channel=s.channel, token_env=s.token_env or None, sender_name=s.sender_name or None,
            base_url=s.base_url, url=s.url, address_template=s.address_template,
            transliterate=s.transliterate, timeout=float(s.timeout),
        )  # fmt: skip

    def operations(self) -> dict[str, Any]:
        """[ha], [alarm], IDLE and log settings.

        The lease must expire and be taken (a standby checks every third of it) within one
        poll interval, so a standby takes over before the next poll is due."""
        f, poll = self.f, self.f.intake.poll_interval
        lease = f.ha.lease if f.ha.lease is not None else max(10, min(60, poll * 3 // 4))
        if f.ha.lease is not None and lease * 4 > poll * 3:
            self.error("ha.lease", f"must be at most 3/4 of intake.poll_interval ({poll}s) so a "
                       "standby takes over within one interval")  # fmt: skip
        name = f.ha.instance_name or socket.gethostname()
        if not re.fullmatch(r"[\w.-]{1,100}", name):
            self.error("ha.instance_name", f"letters, digits, '.', '-', '_' only, got {name!r}")
        if f.intake.idle_renew > 29 * 60:
            self.error("intake.idle_renew", "must be under 29 minutes (RFC 3501 IDLE timeout)")
        return {
            "instance_name": name, "lease_seconds": lease, "idle": f.intake.idle,
            "idle_renew": f.intake.idle_renew, "alarm_enabled": f.alarm.enabled,
            "alarm_no_poll": f.alarm.no_poll_after, "alarm_outbox": f.alarm.outbox_after,
            "alarm_failing": f.alarm.failing_after, "log_format": f.general.log_format,
        }  # fmt: skip
