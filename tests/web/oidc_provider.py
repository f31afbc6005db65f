"""A tiny OpenID Connect provider on loopback, laid out like Microsoft Entra ID
(/{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/authorize and
token, /{tenant}/discovery/v2.0/keys), so the console's sign-in runs its real HTTP
calls without the internet.

It checks what Entra ID checks of the console (client id, secret, redirect URI, the
PKCE verifier against the challenge, a code used once) and signs ID tokens with a
generated RSA key. The knobs a test turns: `claims` (overrides of the next ID token's
claims), `foreign_key` (sign with a key that is not published), `token_error` (the token
endpoint's error answer) and `rotate()` (a new published key)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

TENANT = "0b3f6c2e-5d7a-4c1e-9a8b-2f4e6d8c0a1b"


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class FakeProvider:
    def __init__(self, client_id: str, client_secret: str, now: datetime):
        self.client_id = client_id
        self.client_secret = client_secret
        self.now = int(now.timestamp())
        self.base = ""  # http://127.0.0.1:PORT once it runs
        self.keys = [_key("k1")]
        self.codes: dict[str, dict[str, Any]] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.key_fetches = 0
        self.claims: dict[str, Any] = {}
        self.foreign_key: RSAKey | None = None
        self.token_error: dict[str, str] | None = None

    @property
    def issuer(self) -> str:
        return f"{self.base}/{TENANT}/v2.0"

    def rotate(self) -> None:
        self.keys = [_key(f"k{len(self.keys) + 1}")]

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(f"/{TENANT}/v2.0/.well-known/openid-configuration", self.discovery),
                Route(f"/{TENANT}/discovery/v2.0/keys", self.jwks),
                Route(f"/{TENANT}/oauth2/v2.0/authorize", self.authorize),
                Route(f"/{TENANT}/oauth2/v2.0/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.base}/{TENANT}/oauth2/v2.0/authorize",
            "token_endpoint": f"{self.base}/{TENANT}/oauth2/v2.0/token",
            "jwks_uri": f"{self.base}/{TENANT}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post", "private_key_jwt", "client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
        })  # fmt: skip

    async def jwks(self, request: Request) -> Response:
        self.key_fetches += 1
        return JSONResponse(KeySet(self.keys).as_dict(private=False))

    async def authorize(self, request: Request) -> Response:
        """The person at the provider: signs in as `login_hint` and is sent back."""
        q = dict(request.query_params)
        self.authorize_requests.append(q)
        if (
            q.get("client_id") != self.client_id
            or q.get("response_type") != "code"
            or "openid" not in q.get("scope", "").split()
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
        ):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "nonce": q.get("nonce"),
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
            "email": q.get("login_hint", ""),
        }
        back = urlencode({"code": code, "state": q.get("state", "")})
        return RedirectResponse(f"{q['redirect_uri']}?{back}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        if self.token_error is not None:
            return JSONResponse(self.token_error, status_code=401)
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant["redirect_uri"]
            or challenge.decode() != grant["challenge"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        email = grant["email"]
        claims = {
            "iss": self.issuer, "aud": self.client_id, "sub": "sub-" + email,
            "tid": TENANT, "ver": "2.0", "iat": self.now, "nbf": self.now,
            "exp": self.now + 3600, "nonce": grant["nonce"], "name": email.split("@")[0],
            "email": email, "preferred_username": email,
        } | self.claims  # fmt: skip
        claims = {k: v for k, v in claims.items() if v is not None}  # None: leave it out
        key = self.foreign_key or self.keys[0]
        header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
        return JSONResponse({
            "token_type": "Bearer", "scope": "openid profile email", "expires_in": 3600,
            "access_token": secrets.token_urlsafe(32),
            "id_token": jwt.encode(header, claims, key),
        })  # fmt: skip


@contextmanager
def serving(provider: FakeProvider) -> Iterator[FakeProvider]:
    """The provider under uvicorn on a free loopback port, on a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    provider.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(provider.app(), log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the provider did not start"
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
