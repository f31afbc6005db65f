"""The [oauth] section: how mailbot gets an OAuth2 token for a Microsoft 365 mailbox.

Kept apart from config.py because it is a world of its own (Azure app registrations,
two flows, a secret that expires). The client secret is never in the TOML: only the name
of the environment variable holding it, read when the token is first needed (like
imap.password_env), so `mailbot tickets list` works on a host without the secret. The
keys and their types are sections.OAuth; what depends on the flow is checked here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from mailbot.errors import ConfigError
from mailbot.settings.fields import resolve

if TYPE_CHECKING:
    from mailbot.settings.sections import OAuth

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


def build_oauth(o: OAuth, path: Path, error: Callable[[str, str], None]) -> OAuthConfig | None:
    """[oauth] for imap.auth = "xoauth2"; each problem goes to `error(key, message)`."""
    authority, ok = o.authority, True
    if not authority:
        if not o.tenant:
            error("oauth.tenant", "missing required setting (the Azure tenant id or domain)")
            ok = False
        authority = DEFAULT_AUTHORITY.format(tenant=o.tenant)
    elif "{tenant}" in authority:
        if not o.tenant:
            error("oauth.tenant", "authority contains {tenant} but tenant is not set")
            ok = False
        authority = authority.format(tenant=o.tenant)
    if ok and (not authority.startswith("https://") or authority.rstrip("/").count("/") < 3):
        error("oauth.authority", f"must be an https URL with the tenant as its path, got "
              f"{authority!r}")  # fmt: skip
        ok = False
    scopes = o.scopes or tuple(DEFAULT_SCOPES[o.flow])
    if reserved := RESERVED_SCOPES.intersection(scopes):
        error("oauth.scopes", f"leave out {', '.join(sorted(reserved))}: msal asks for it itself")
        ok = False
    elif o.flow == "client_credentials" and not all(v.endswith("/.default") for v in scopes):
        error("oauth.scopes", "the client credentials flow takes only RESOURCE/.default scopes, "
              "e.g. https://outlook.office365.com/.default")  # fmt: skip
        ok = False
    refresh_token_file = resolve(path, o.refresh_token_file)
    if o.flow == "refresh_token" and refresh_token_file is None:
        error("oauth.refresh_token_file", 'missing required setting for flow "refresh_token"')
        ok = False
    if not ok:
        return None
    return OAuthConfig(
        flow=o.flow, authority=authority.rstrip("/"), client_id=o.client_id,
        client_secret_env=o.client_secret_env or None, refresh_token_file=refresh_token_file,
        scopes=scopes, secret_expires=o.secret_expires, secret_warn_days=o.secret_warn_days,
        path=path,
    )  # fmt: skip
