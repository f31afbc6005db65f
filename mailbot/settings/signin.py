"""Signing in to the staff console with Microsoft Entra ID ([web] oidc_*).

Kept apart from config.py like [oauth]: a world of its own (an app registration, an
issuer that must name KJM's own tenant, a secret that lives only in the environment).
The keys and their types are sections.Web; what depends on more than one key is
checked here, every problem noted so the operator sees them all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mailbot.errors import ConfigError

if TYPE_CHECKING:
    from mailbot.settings.sections import Web

OIDC_CALLBACK = "/login/oidc/callback"  # the console's route; the redirect URI's path
ENTRA_ISSUER = "https://login.microsoftonline.com/<tenant id>/v2.0"
# https, or plain http to this machine only (a provider for tests or a local trial)
_OIDC_ISSUER = re.compile(r"(https://[^\s/?#]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)"
                          r"(/[^\s?#]*)?")  # fmt: skip
_ENTRA_SHARED_TENANT = re.compile(
    r"https://login\.microsoftonline\.com/(common|organizations|consumers)(/|$)", re.I
)


@dataclass(frozen=True)
class OidcConfig:
    """Signing in to the console with Microsoft Entra ID (any OpenID Connect provider
    works). The client secret is never in the TOML: only the name of the environment
    variable holding it, read when the console starts."""

    issuer: str  # exactly the `iss` of the provider's ID tokens
    client_id: str
    client_secret_env: str
    redirect_uri: str  # {base_url}/login/oidc/callback: registered with the provider
    path: Path | None = None  # the config file, for error messages

    def client_secret(self, environ: Mapping[str, str] | None = None) -> str:
        env = os.environ if environ is None else environ
        value = env.get(self.client_secret_env, "")
        if not value:
            raise ConfigError(
                f"environment variable {self.client_secret_env} (the client secret of the "
                "console's app registration) is not set or empty",
                file=str(self.path) if self.path else None,
                key="web.oidc_client_secret_env",
            )
        return value


def build_oidc(w: Web, path: Path, error: Callable[[str, str], None]) -> OidcConfig | None:
    """[web] oidc_*: all or nothing, so a half-filled section is an error rather than
    a console that quietly offers no Microsoft sign-in."""
    issuer = w.oidc_issuer.strip()
    if not issuer:
        if w.oidc_client_id:
            error("web.oidc_issuer", "missing: oidc_client_id is set, so the "
                       "console needs the issuer too (or remove oidc_client_id)")  # fmt: skip
        return None
    ok = True
    if not _OIDC_ISSUER.fullmatch(issuer):
        error("web.oidc_issuer", "must be the provider's https:// address, e.g. "
                   f"{ENTRA_ISSUER}, got {issuer!r}")  # fmt: skip
        ok = False
    elif _ENTRA_SHARED_TENANT.match(issuer):
        # with a shared tenant any organisation's accounts could sign in; tokens also
        # name the real tenant as issuer, never "common"
        error("web.oidc_issuer", f"must name KJM's own tenant (its id), as in "
                   f"{ENTRA_ISSUER}, not common/organizations/consumers")  # fmt: skip
        ok = False
    if not w.oidc_client_id:
        error("web.oidc_client_id", "missing: the application (client) id of the "
                   "console's app registration")  # fmt: skip
        ok = False
    if not w.oidc_client_secret_env:
        error("web.oidc_client_secret_env", "missing: the environment variable "
                   "holding the client secret")  # fmt: skip
        ok = False
    if not w.base_url:
        error("web.base_url", "needed with web.oidc_issuer: the provider sends people "
                   "back to {base_url}/login/oidc/callback, the redirect URI registered "
                   "for the app")  # fmt: skip
        ok = False
    if not ok:
        return None
    return OidcConfig(
        issuer=issuer, client_id=w.oidc_client_id,
        client_secret_env=w.oidc_client_secret_env,
        redirect_uri=f"{w.base_url}{OIDC_CALLBACK}", path=path,
    )  # fmt: skip
