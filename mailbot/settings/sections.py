"""config.toml as pydantic models, one per [section]: the keys, their types, limits and
defaults, in the order config.example.toml documents them. What depends on two keys (a
port's default, a required host) is checked in config.py after these."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from pydantic import model_validator

from mailbot.settings.fields import (
    BaseUrl,
    Bool,
    Choice,
    Clock,
    Day,
    Duration,
    Int,
    PathText,
    Required,
    Section,
    Size,
    Strings,
    Text,
    _duration,
    _int,
    check,
)

TLS_MODES = ("ssl", "starttls", "none")
PROCESSED_MODES = ("move", "flag")
FLOWS = ("client_credentials", "refresh_token")
SECRET_ENV = "MAILBOT_OAUTH_CLIENT_SECRET"
OIDC_SECRET_ENV = "MAILBOT_OIDC_CLIENT_SECRET"


def _optional(fn: Any, value: Any) -> Any:
    return None if value is None else fn(value)


def _no_secret(where: str, value: Any) -> None:
    raise ValueError(f"passwords and secrets do not belong in the config file: {where}")


Port = Annotated[int | None, check(partial(_optional, partial(_int, 1, 65535)))]
OptionalDuration = Annotated[int | None, check(partial(_optional, _duration))]
NoPassword = Annotated[
    None, check(partial(_no_secret, "use password_env (an environment variable) or password_file"))
]
NoClientSecret = Annotated[
    None, check(partial(_no_secret, "use oidc_client_secret_env (an environment variable)"))
]


class Imap(Section):
    host: Required
    port: Port = None  # 993 for ssl, else 143
    tls: Choice(*TLS_MODES) = "ssl"
    cafile: PathText = None
    user: Required
    password: NoPassword = None
    password_env: Text = "MAILBOT_IMAP_PASSWORD"
    password_file: PathText = None
    folder: Required = "INBOX"
    processed: Choice(*PROCESSED_MODES) = "move"
    processed_folder: Required = "Processed"
    batch_size: Int(1, 5000) = 100
    batch_bytes: Size = 32 * 1024**2
    max_message_size: Size = 25 * 1024**2
    timeout: Int(1, 3600) = 60
    sent_folder: Text = ""
    auth: Choice("password", "xoauth2") = "password"


class OAuth(Section):
    flow: Choice(*FLOWS) = "client_credentials"
    tenant: Text = ""
    authority: Text = ""
    client_id: Required
    client_secret_env: Text = SECRET_ENV
    refresh_token_file: PathText = None
    scopes: Annotated[tuple[str, ...] | None, check(partial(_optional, lambda v: _scopes(v)))] = (
        None  # the flow's default
    )
    secret_expires: Day = None
    secret_warn_days: Int(0, 365) = 30


def _scopes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"must be a non-empty list of strings, got {value!r}")
    return tuple(value)


class Intake(Section):
    poll_interval: Duration = 180
    history_cutoff: Day = None
    parse_workers: Int(0, 64) = 2
    own_addresses: Strings = ("pomoc@kjmssoft.pl",)
    trusted_authserv_ids: Strings = ()
    idle: Bool = True
    idle_renew: Duration = 600


class Storage(Section):
    data_dir: PathText = "data"
    database_url: Text = ""


class General(Section):
    timezone: Text = "Europe/Warsaw"
    rules_dir: PathText = "rules"
    templates_dir: PathText = None  # None: templates/ beside the config, else the shipped ones
    log_format: Choice("text", "json") = "text"


class Ha(Section):
    instance_name: Text = ""
    lease: OptionalDuration = None  # 3/4 of the poll interval, 10-60 s


class Alarm(Section):
    enabled: Bool = True
    no_poll_after: Duration = 900
    outbox_after: Duration = 1800
    failing_after: Duration = 300  # a job (delivery, escalation, digest) failing this long


class Smtp(Section):
    mode: Choice("capture", "smtp") = "capture"
    host: Text = ""
    port: Port = None  # 465 for ssl, else 587
    tls: Choice(*TLS_MODES) = "ssl"
    user: Text = ""
    password: NoPassword = None
    password_env: Text = "MAILBOT_SMTP_PASSWORD"
    password_file: PathText = None
    cafile: PathText = None
    timeout: Int(1, 600) = 30
    from_address: Required = "pomoc@kjmssoft.pl"
    from_name: Text = "Wsparcie KJM"
    per_connection: Int(1, 100_000) = 100  # messages over one connection, then a new one


class Outbox(Section):
    replies_per_sender_per_hour: Int(0, 1000) = 5
    max_attempts: Int(1, 100) = 8
    retry_after: Duration = 30
    retry_max: Duration = 1800
    page_window: Duration = 600
    interval: Duration = 10  # between delivery passes when nothing wakes one
    pass_limit: Duration = 60  # a delivery pass at most; the next goes on at once


class Digest(Section):
    enabled: Bool = True
    time: Clock = "07:30"


class Sms(Section):
    channel: Choice("none", "smsapi", "webhook", "email") = "none"
    token_env: Text = "MAILBOT_SMS_TOKEN"
    sender_name: Text = ""
    base_url: Text = "https://api.smsapi.pl"
    url: Text = ""
    address_template: Text = ""
    transliterate: Bool = True
    timeout: Int(1, 300) = 15


class Cli(Section):
    staff: Text = ""  # who --by means when it is not given


class Web(Section):
    base_url: BaseUrl = ""  # the staff console; "" = mails carry no links
    listen: Text = "127.0.0.1:8080"  # host:port `mailbot web` listens on
    secret_key_file: PathText = None  # default: <data_dir>/web-secret.key, made on first use
    session_lifetime: Duration = 12 * 3600
    ack_link_lifetime: Duration = 12 * 3600
    oidc_issuer: Text = ""  # "" = no "Zaloguj przez Microsoft"; config.py checks the rest
    oidc_client_id: Text = ""
    oidc_client_secret: NoClientSecret = None
    oidc_client_secret_env: Text = OIDC_SECRET_ENV


class ConfigFile(Section):
    """The whole file; a section left out is all defaults (oauth: None, it is optional)."""

    imap: Imap
    oauth: OAuth | None = None
    intake: Intake
    storage: Storage
    general: General
    ha: Ha
    alarm: Alarm
    smtp: Smtp
    outbox: Outbox
    digest: Digest
    sms: Sms
    cli: Cli
    web: Web

    @model_validator(mode="before")
    @classmethod
    def _absent_sections_are_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {n: {} for n in cls.model_fields if n != "oauth"} | data
        return data


SECTIONS = tuple(ConfigFile.model_fields)
MODELS = {"imap": Imap, "oauth": OAuth, "intake": Intake, "storage": Storage, "general": General,
          "ha": Ha, "alarm": Alarm, "smtp": Smtp, "outbox": Outbox, "digest": Digest, "sms": Sms,
          "cli": Cli, "web": Web}  # fmt: skip
# refused with a reason
SECRET_KEYS = frozenset({"imap.password", "smtp.password", "web.oidc_client_secret"})
