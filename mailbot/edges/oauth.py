"""OAuth2 access tokens for XOAUTH2 logins to Microsoft 365.

msal talks to the Microsoft identity platform; this module decides *when*. A token lives
about an hour, and mailbot reconnects far more often than that, so the token is kept and
taken again `margin` seconds before it expires (by an injected clock, so tests need not
wait an hour). msal keeps its own cache by the wall clock; it is emptied before each of
our refreshes so the two never disagree about whether a token is still good.

Failures become OAuthError (an ImapError: the poll is retried later and the self-alarm
sees a failing login) with the setting to check. Neither the secret, the refresh token
nor an access token ever appears in an error or a log line.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter

from mailbot.errors import ImapAuthError
from mailbot.scrub import Scrubber

if TYPE_CHECKING:
    from mailbot.settings.oauth import OAuthConfig

log = logging.getLogger("mailbot.oauth")
REFRESH_MARGIN = 300.0  # seconds before expiry: a token is never handed out nearly dead

# What to check, by the OAuth2 error code the identity platform answers (RFC 6749 §5.2).
_HINTS = {
    "invalid_client": "the client secret (oauth.client_secret_env; has it expired? "
    "oauth.secret_expires) and oauth.client_id",
    "unauthorized_client": "oauth.client_id and that the app is registered in this tenant",
    "invalid_scope": "oauth.scopes and the app's API permissions (IMAP.AccessAsApp, admin consent)",
    "invalid_grant": "the refresh token in oauth.refresh_token_file (expired or revoked: "
    "sign in again and save a new one)",
    "invalid_request": "oauth.tenant/oauth.authority and oauth.client_id",
}
_DEFAULT_HINT = "oauth.tenant, oauth.client_id and the client secret"


class OAuthError(ImapAuthError):
    """No access token: the operator must check the Azure app or the secret."""


@dataclass(frozen=True)
class OAuthSettings:
    """Everything msal needs; secrets are kept out of repr."""

    flow: str  # client_credentials | refresh_token
    authority: str
    client_id: str
    scopes: tuple[str, ...]
    client_secret: str | None = field(default=None, repr=False)
    refresh_token_file: Path | None = None
    verify: bool | str = True  # CA bundle path for a private identity server (tests)
    timeout: float = 30.0

    def __repr__(self) -> str:
        return f"OAuthSettings({self.flow}, client {self.client_id} at {self.authority})"


class _Session(requests.Session):
    """requests lets REQUESTS_CA_BUNDLE override a session's own `verify` (it does so for
    every request without an explicit verify, which is how msal calls it): on a host with
    that variable set, msal's `verify=` would be silently ignored. An explicit CA file wins."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[override]
        if verify is None and self.verify is not True:
            verify = self.verify
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


def _http_client(verify: bool | str, timeout: float) -> requests.Session:
    """What msal builds by default (one retry, a timeout), with _Session's verify rule."""
    session = _Session()
    session.verify = verify
    session.request = functools.partial(session.request, timeout=timeout)  # type: ignore[method-assign]
    adapter = HTTPAdapter(max_retries=1)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class TokenProvider:
    """A callable returning a valid access token; thread-safe (poller and Sent scanner)."""

    def __init__(
        self,
        settings: OAuthSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        margin: float = REFRESH_MARGIN,
    ):
        self.settings = settings
        self.clock = clock
        self.margin = margin
        self._lock = threading.Lock()
        self._app: Any = None
        self._token: str | None = None
        self._refresh_at = 0.0
        self.fetches = 0  # token requests sent (for tests and `mailbot doctor`)

    def __repr__(self) -> str:
        return f"TokenProvider({self.settings!r})"

    def __call__(self) -> str:
        with self._lock:
            now = self.clock()
            if self._token is None or now >= self._refresh_at:
                self._fetch(now)
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        """The server refused the token (revoked, permission changed): get a new one next."""
        with self._lock:
            self._token = None

    # -- msal -----------------------------------------------------------------------
    def _fetch(self, now: float) -> None:
        s = self.settings
        app = self._client()
        with self._converted("token request"):
            if s.flow == "client_credentials":
                cache = app.token_cache  # our clock decides, not msal's cache
                for item in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
                    cache.remove_at(item)
                result = app.acquire_token_for_client(scopes=list(s.scopes))
            else:
                result = app.acquire_token_by_refresh_token(
                    self._read_refresh_token(), scopes=list(s.scopes)
                )
        self.fetches += 1
        if not isinstance(result, dict) or "access_token" not in result:
            raise self._failure(result if isinstance(result, dict) else {})
        if s.flow == "refresh_token" and result.get("refresh_token"):
            self._save_refresh_token(result["refresh_token"])
        lifetime = float(result.get("expires_in") or 3600)
        self._token = result["access_token"]
        self._refresh_at = now + lifetime - min(self.margin, lifetime / 2)
        log.info("OAuth2 token obtained for client %s, valid %d s", s.client_id, lifetime)

    def _client(self) -> Any:
        """msal's app, made at the first token request: making it asks the tenant's
        OpenID configuration over the network, which no command but a login should do."""
        if self._app is not None:
            return self._app
        import msal

        s = self.settings
        common: dict[str, Any] = {
            "authority": s.authority,
            # the operator names the tenant; no lookup at login.microsoftonline.com
            "instance_discovery": False,
            "http_client": _http_client(s.verify, s.timeout),
        }
        with self._converted(f"OpenID configuration of {s.authority}"):
            if s.client_secret:
                self._app = msal.ConfidentialClientApplication(
                    s.client_id, client_credential=s.client_secret, **common
                )
            else:
                self._app = msal.PublicClientApplication(s.client_id, **common)
        return self._app

    @contextlib.contextmanager
    def _converted(self, what: str):
        """Network and discovery failures -> OAuthError, with secrets scrubbed."""
        try:
            yield
        except OAuthError:
            raise
        except Exception as exc:  # noqa: BLE001 - requests, ValueError, RuntimeError from msal
            raise OAuthError(
                self._scrub(
                    f"OAuth2 {what} failed for client {self.settings.client_id} at "
                    f"{self.settings.authority}: {type(exc).__name__}: {exc}. "
                    f"Check {_DEFAULT_HINT} and that the host can reach it"
                )
            ) from None

    def _failure(self, result: dict[str, Any]) -> OAuthError:
        code = str(result.get("error") or "no access_token in the answer")
        description = str(result.get("error_description") or "").splitlines()
        first = description[0] if description else ""
        hint = _HINTS.get(code, _DEFAULT_HINT)
        return OAuthError(
            self._scrub(
                f"OAuth2 token request ({self.settings.flow}) refused for client "
                f"{self.settings.client_id} at {self.settings.authority}: {code}"
                + (f" ({first})" if first else "")
                + f". Check {hint}"
            )
        )

    def _scrub(self, text: str) -> str:
        secrets = [self.settings.client_secret, self._token]
        with contextlib.suppress(OSError, OAuthError):
            if self.settings.refresh_token_file:
                secrets.append(self._read_refresh_token())
        return Scrubber.of(secrets)(text)

    # -- the refresh token on disk ------------------------------------------------------
    def _read_refresh_token(self) -> str:
        path = self.settings.refresh_token_file
        if path is None:
            raise OAuthError("oauth.refresh_token_file is not set (flow refresh_token)")
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise OAuthError(
                f"cannot read the refresh token {path}: {exc.strerror} "
                "(check oauth.refresh_token_file)"
            ) from None
        if not token:
            raise OAuthError(f"the refresh token file {path} is empty (oauth.refresh_token_file)")
        return token

    def _save_refresh_token(self, token: str) -> None:
        """The identity platform may rotate the refresh token: keep the new one, atomically
        (a crash mid-write must not leave half a token), readable by us only."""
        path = self.settings.refresh_token_file
        assert path is not None
        if self._read_refresh_token() == token:
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                os.fchmod(f.fileno(), 0o600)
                f.write(token + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # the rename itself survives a power cut
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        log.info("OAuth2 refresh token rotated, saved to %s", path)


def provider_from_config(
    oauth: OAuthConfig,
    environ: dict[str, str] | None = None,
    *,
    verify: bool | str = True,
    clock: Callable[[], float] = time.monotonic,
) -> TokenProvider:
    """The provider for the [oauth] section; reads the secret now (ConfigError if missing)."""
    return TokenProvider(
        OAuthSettings(
            flow=oauth.flow,
            authority=oauth.authority,
            client_id=oauth.client_id,
            scopes=oauth.scopes,
            client_secret=oauth.client_secret(environ),
            refresh_token_file=oauth.refresh_token_file,
            verify=verify,
        ),
        clock=clock,
    )
