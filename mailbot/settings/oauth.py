"""The [oauth] section: how mailbot gets an OAuth2 token for a Microsoft 365 mailbox.

Kept apart from config.py because it is a world of its own (Azure app registrations,
two flows, a secret that expires). The client secret is never in the TOML: only the name
of the environment variable holding it, read when the token is first needed (like
imap.password_env), so `mailbot tickets list` works on a host without the secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mailbot.errors import ConfigError
from mailbot.settings.reader import Reader

FLOWS = ("client_credentials", "refresh_token")
DEFAULT_AUTHORITY = "https://login.microsoftonline.com/{tenant}"
# client credentials: the app's own Exchange permissions (IMAP.AccessAsApp) via .default;
# refresh token: the delegated IMAP permission of the signed-in mailbox user.
DEFAULT_SCOPES = {
    "client_credentials": ["https://outlook.office365.com/.default"],
    "refresh_token": ["https://outlook.office365.com/IMAP.AccessAsUser.All"],
}
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})  # msal adds these itself
SECRET_ENV = "MAILBOT_OAUTH_CLIENT_SECRET"


@dataclass(frozen=True)
class OAuthConfig:
    flow: str  # client_credentials | refresh_token
    authority: str  # https://login.microsoftonline.com/<tenant>
    client_id: str
    client_secret_env: str | None
    refresh_token_file: Path | None
    scopes: tuple[str, ...]
    secret_expires: date | None
    secret_warn_days: int
    path: Path | None = None  # the config file, for error messages

    def client_secret(self, environ: dict[str, str] | None = None) -> str | None:
        """The client secret from its variable; None for a public client (refresh token
        flow without a secret). Missing for client credentials: ConfigError naming the key."""
        env = os.environ if environ is None else environ
        value = env.get(self.client_secret_env) if self.client_secret_env else None
        if value:
            return value
        if self.flow == "client_credentials":
            raise ConfigError(
                f"environment variable {self.client_secret_env or '(none)'} "
                "(the Azure app's client secret) is not set or empty",
                file=str(self.path) if self.path else None,
                key="oauth.client_secret_env",
            )
        return None


def read_oauth(r: Reader, auth: str) -> OAuthConfig | None:
    """[oauth] when imap.auth = "xoauth2"; a section given with password login is a mistake."""
    if auth != "xoauth2":
        if r.doc.get("oauth"):
            raise r.error(
                "imap.auth",
                'an [oauth] section is given but auth is "password": '
                'set auth = "xoauth2" or remove [oauth]',
            )
        return None
    flow = r.choice("oauth.flow", "client_credentials", FLOWS)
    tenant = r.string("oauth.tenant", "")
    authority = r.string("oauth.authority", "")
    if not authority:
        if not tenant:
            raise r.error(
                "oauth.tenant", "missing required setting (the Azure tenant id or domain)"
            )
        authority = DEFAULT_AUTHORITY.format(tenant=tenant)
    elif "{tenant}" in authority:
        if not tenant:
            raise r.error("oauth.tenant", "authority contains {tenant} but tenant is not set")
        authority = authority.format(tenant=tenant)
    if not authority.startswith("https://") or authority.rstrip("/").count("/") < 3:
        raise r.error(
            "oauth.authority",
            f"must be an https URL with the tenant as its path, got {authority!r}",
        )
    if r.get("oauth.client_secret") is not None:
        raise r.error(
            "oauth.client_secret",
            "secrets do not belong in the config file: use client_secret_env",
        )
    scopes = _scopes(r, flow)
    refresh_token_file = r.path("oauth.refresh_token_file", None)
    if flow == "refresh_token" and refresh_token_file is None:
        raise r.error(
            "oauth.refresh_token_file", 'missing required setting for flow "refresh_token"'
        )
    return OAuthConfig(
        flow=flow,
        authority=authority.rstrip("/"),
        client_id=r.string("oauth.client_id", required=True),
        client_secret_env=r.string("oauth.client_secret_env", SECRET_ENV) or None,
        refresh_token_file=refresh_token_file,
        scopes=scopes,
        secret_expires=r.a_date("oauth.secret_expires"),
        secret_warn_days=r.integer("oauth.secret_warn_days", 30, 0, 365),
        path=r.file,
    )


def _scopes(r: Reader, flow: str) -> tuple[str, ...]:
    value = r.get("oauth.scopes", DEFAULT_SCOPES[flow])
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise r.error("oauth.scopes", f"must be a non-empty list of strings, got {value!r}")
    reserved = RESERVED_SCOPES.intersection(value)
    if reserved:
        raise r.error(
            "oauth.scopes", f"leave out {', '.join(sorted(reserved))}: msal asks for it itself"
        )
    if flow == "client_credentials" and not all(v.endswith("/.default") for v in value):
        raise r.error(
            "oauth.scopes",
            "the client credentials flow takes only RESOURCE/.default scopes, e.g. "
            "https://outlook.office365.com/.default",
        )
    return tuple(value)
