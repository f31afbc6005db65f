"""The secrets a config points at, for scrubbing them from logs and `mailbot doctor`.

One list for both, so a secret added to the config is hidden everywhere at once."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from mailbot.errors import ConfigError
from mailbot.settings.config import Config


def config_secrets(cfg: Config, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every secret that can be read now (passwords, SMS token, OAuth2 client secret, the
    console's OpenID Connect client secret, the database URL's password), longest first
    so no part of one survives a replace. Unreadable ones are skipped: the command itself
    reports them."""
    env = dict(os.environ if environ is None else environ)
    getters: list[Callable[[], str | None]] = [lambda: cfg.imap_password(env)]
    if (oauth := cfg.oauth) is not None:
        getters.append(lambda: oauth.client_secret(env))
    if (smtp := cfg.smtp) is not None:
        getters.append(lambda: smtp.password(env))
    if (sms := cfg.sms) is not None:
        getters.append(lambda: sms.token(env))
    if cfg.web is not None and (oidc := cfg.web.oidc) is not None:
        getters.append(lambda: oidc.client_secret(env))
    found: list[str | None] = []
    for get in getters:
        with contextlib.suppress(ConfigError):
            found.append(get())
    with contextlib.suppress(SQLAlchemyError, ValueError):
        found.append(make_url(cfg.database_url).password)  # type: ignore[arg-type]
    return sorted({s for s in found if s}, key=len, reverse=True)
