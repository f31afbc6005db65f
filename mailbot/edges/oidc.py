"""OpenID Connect sign-in: the authorization code flow with PKCE, against Microsoft Entra
ID or any provider that publishes a discovery document.

authlib builds the address the browser is sent to (state, nonce, the S256 code challenge)
and redeems the code at the token endpoint; joserfc (authlib's JOSE library) checks the
ID token's signature with the provider's published keys (JWKS), and authlib's
CodeIDToken checks its claims: issuer, audience, nonce, expiry, azp and at_hash. The
higher-level authlib integration for Starlette is not used: it keeps the pending
sign-in in Starlette's SessionMiddleware and checks expiry by the wall clock, while the
console has its own signed cookie and an injected clock.

Two failures, by who must act: OidcRefused (this answer cannot be trusted: another
state, an error the provider sent back, a bad signature or claim; the person starts
again) and OidcUnavailable (the provider cannot be reached or refuses the client itself,
e.g. an expired secret: an administrator must look). Neither message ever contains the
client secret.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from mailbot.errors import MailbotError, TransientError
from mailbot.scrub import NOTHING, Scrubber

SCOPE = "openid profile email"
LEEWAY = 120  # seconds of clock difference allowed between mailbot and the provider
# Signed with the provider's published keys only: never "none", never a shared secret (HS*).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
DISCOVERY = "/.well-known/openid-configuration"


class OidcRefused(MailbotError):
    """This sign-in is refused: the answer does not belong to it or cannot be trusted."""


class OidcUnavailable(TransientError):
    """The provider cannot be asked now, or refuses the console's own credentials."""


@dataclass(frozen=True)
class OidcSettings:
    issuer: str  # exactly the `iss` of the ID tokens
    client_id: str
    redirect_uri: str
    # read when first needed (like the other secrets), so the console's commands that
    # never sign anyone in work without it; a MailbotError when it cannot be read
    client_secret: Callable[[], str] = field(repr=False)
    timeout: float = 10.0

    def __repr__(self) -> str:
        return f"OidcSettings(client {self.client_id} at {self.issuer})"


@dataclass(frozen=True)
class Pending:
    """What the browser keeps between leaving for the provider and coming back: the
    state (ties the answer to this browser), the nonce (ties the ID token to this
    sign-in) and the PKCE verifier (only its hash went out)."""

    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in (its ID token's claims)."""

    subject: str
    email: str
    username: str  # preferred_username: in Entra ID the account's sign-in name (UPN)
    name: str

    @property
    def addresses(self) -> tuple[str, ...]:
        """The e-mail addresses the token names, lower-case, `email` first."""
        found = (a.strip().lower() for a in (self.email, self.username))
        return tuple(dict.fromkeys(a for a in found if "@" in a))


class OidcClient:
    """One configured provider. The discovery document and the keys are fetched when
    first needed and kept; the keys again when a token names a key not among them (the
    provider rotated its keys). Thread-safe: the console's handlers run in a pool."""

    def __init__(self, settings: OidcSettings):
        self.settings = settings
        self._scrub = NOTHING  # until the secret is read: nothing was sent to echo
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"OidcClient({self.settings!r})"

    def problem(self) -> str | None:
        """Why no sign-in can work now (the client secret cannot be read), or None."""
        try:
            self._secret()
        except OidcUnavailable as exc:
            return str(exc)
        return None

    # ------------------------------------------------------------- the two steps

    def start(self) -> tuple[str, Pending]:
        """The provider's address to send the browser to, and what to keep until it
        comes back."""
        endpoint = self._metadata_doc()["authorization_endpoint"]
        pending = Pending(generate_token(32), generate_token(32), generate_token(64))
        with self._session() as session:
            url, _ = session.create_authorization_url(
                endpoint, state=pending.state, code_verifier=pending.verifier,
                nonce=pending.nonce,
            )  # fmt: skip
        return url, pending

    def finish(self, answer: Mapping[str, str], pending: Pending | None, now: datetime) -> Identity:
        """The person the provider vouches for, from the query of the redirect back
        (`code`, `state`, or `error`) and what `start` gave the browser to keep."""
        if pending is None:
            raise OidcRefused("no sign-in was started in this browser, or it took too long")
        if not hmac.compare_digest(answer.get("state", "").encode(), pending.state.encode()):
            raise OidcRefused("the state in the answer is not the one this browser sent")
        if answer.get("error"):
            raise OidcRefused(
                self._clean(f"the provider answered {answer['error']}: "
                            f"{answer.get('error_description', '')}"))  # fmt: skip
        code = answer.get("code", "")
        if not code:
            raise OidcRefused("the answer carries no authorization code")
        token = self._redeem(code, pending.verifier)
        claims = self._claims(token, pending.nonce, now)
        return Identity(
            subject=str(claims["sub"]),
            email=_text(claims.get("email")),
            username=_text(claims.get("preferred_username")),
            name=_text(claims.get("name")),
        )

    # ------------------------------------------------------------- the provider

    def _secret(self) -> str:
        try:
            secret = self.settings.client_secret()
        except MailbotError as exc:
            raise OidcUnavailable(str(exc)) from None
        self._scrub = Scrubber.of([secret])
        return secret

    def _session(self) -> OAuth2Session:
        s = self.settings
        secret = self._secret()
        methods = (self._metadata or {}).get("token_endpoint_auth_methods_supported")
        post = not methods or "client_secret_post" in methods  # Entra ID takes both
        return OAuth2Session(
            s.client_id, secret, scope=SCOPE, redirect_uri=s.redirect_uri,
            code_challenge_method="S256", default_timeout=s.timeout,
            token_endpoint_auth_method="client_secret_post" if post else "client_secret_basic",
        )  # fmt: skip

    def _get(self, url: str, what: str) -> dict[str, Any]:
        try:
            with self._session() as session:
                response = session.get(url, withhold_token=True)
                response.raise_for_status()
                doc = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise OidcUnavailable(self._clean(f"cannot read the {what} at {url}: {exc}")) from None
        if not isinstance(doc, dict):
            raise OidcUnavailable(f"the {what} at {url} is not a JSON object")
        return doc

    def _metadata_doc(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                issuer = self.settings.issuer
                url = issuer.rstrip("/") + DISCOVERY
                doc = self._get(url, "discovery document")
                if doc.get("issuer") != issuer:
                    raise OidcUnavailable(
                        f"the discovery document at {url} names the issuer "
                        f"{doc.get('issuer')!r}: set web.oidc_issuer to exactly that"
                    )
                missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
                           if not isinstance(doc.get(k), str)]  # fmt: skip
                if missing:
                    raise OidcUnavailable(f"the discovery document at {url} lacks {missing}")
                self._metadata = doc
            return self._metadata

    def _key_set(self, fresh: bool = False) -> KeySet:
        uri = self._metadata_doc()["jwks_uri"]
        with self._lock:
            if self._keys is None or fresh:
                self._keys = self._get(uri, "signing keys (JWKS)")
            keys = self._keys
        try:
            return KeySet.import_key_set(keys)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise OidcUnavailable(f"the signing keys at {uri} cannot be read: {exc}") from None

    def _redeem(self, code: str, verifier: str) -> dict[str, Any]:
        endpoint = self._metadata_doc()["token_endpoint"]
        try:
            with self._session() as session:
                token = session.fetch_token(
                    endpoint, grant_type="authorization_code", code=code,
                    code_verifier=verifier, redirect_uri=self.settings.redirect_uri,
                )  # fmt: skip
        except OAuthError as exc:
            text = self._clean(f"the token endpoint answered {exc.error}: {exc.description}")
            if exc.error == "invalid_grant":  # the code is used, expired, or not this browser's
                raise OidcRefused(text) from None
            raise OidcUnavailable(text) from None  # the client id or secret, most likely
        except (requests.RequestException, ValueError) as exc:
            raise OidcUnavailable(self._clean(f"the token endpoint failed: {exc}")) from None
        if not isinstance(token.get("id_token"), str):
            raise OidcUnavailable("the token endpoint sent no ID token")
        return dict(token)

    def _claims(self, token: dict[str, Any], nonce: str, now: datetime) -> CodeIDToken:
        s = self.settings
        supported = self._metadata_doc().get("id_token_signing_alg_values_supported")
        algorithms = [a for a in supported or ["RS256"] if a in ALGORITHMS] or ["RS256"]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(token["id_token"], self._key_set(), registry=registry)
            except InvalidKeyIdError:  # a key newer than the ones we keep
                decoded = jwt.decode(token["id_token"], self._key_set(True), registry=registry)
        except JoseError as exc:
            raise OidcRefused(f"the ID token's signature is not valid: {exc}") from None
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {"iss": {"essential": True, "value": s.issuer},
             "aud": {"essential": True, "value": s.client_id}},
            {"nonce": nonce, "client_id": s.client_id,
             "access_token": token.get("access_token")},
        )  # fmt: skip
        try:
            claims.validate(now=int(now.timestamp()), leeway=LEEWAY)
        except JoseError as exc:
            raise OidcRefused(f"the ID token is not valid for this sign-in: {exc}") from None
        return claims

    def _clean(self, text: str) -> str:
        """A provider's answer as one short line, without the client secret."""
        if not self._scrub:
            self.problem()  # reads the secret when it can: the text may come from elsewhere
        return self._scrub(" ".join(text.split()))[:300]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
