"""The one-tap "Przyjmuję" link an on-call alert carries: signed for this one purpose,
expiring, and good once. Made here, below both the outbox that writes it into alerts
and the console that honours it (mailbot/web records each use, so a second one fails).

Short on purpose, because an SMS holds 160 characters and the link must fit beside the
client and the product: the ticket number (so the SMS still names the ticket), a code
for the person (6 characters of a hash of the staff id, found again among the staff by
the console), an itsdangerous timestamp and an HMAC-SHA256 cut to 64 bits (a link that
lives 12 hours and is refused after one use needs no more). Its salt is its own, so no
other value signed with the same key (a session cookie) passes for it; its characters
are URL-safe and in the GSM-7 alphabet. The signature doubles as the link's id for the
single-use record.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from itsdangerous.signer import HMACAlgorithm

from mailbot.errors import ConfigError
from mailbot.settings.config import WebConfig

PURPOSE = "ack"
ACK_PATH = "/ack/"
_MAC_BYTES = 8
_TICKET = re.compile(r"^[A-Z]+-\d{4}-\d{6}$")


class LinkError(Exception):
    """The link cannot be used; the message says why, in Polish."""


@dataclass(frozen=True)
class AckClaim:
    ticket: str  # KJM-2026-000042
    staff_code: str  # staff_code(the staff id): who the link was made for
    jti: str  # the link's id, recorded when it is used


class _ShortHmac(HMACAlgorithm):
    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return super().get_signature(key, value)[:_MAC_BYTES]


def load_secret(path: Path) -> bytes:
    """The signing key of cookies and links; made on first use (32 random bytes, hex,
    chmod 600). ValueError for a key too short to be one."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile: use theirs
            return load_secret(path)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
    if len(key) < 32:
        raise ValueError(f"{path}: the key is too short (at least 32 characters)")
    return key.encode("ascii")


def staff_code(staff_id: str) -> str:
    """Who a link is for, in 6 characters (the console compares it with each staff id)."""
    digest = hashlib.sha256(f"mailbot.ack-link:{staff_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:4]).decode("ascii").rstrip("=")


class AckLinks:
    """Makes and reads one-tap links; `base_url` ([web] base_url) makes them absolute.
    `secret` may be a function that reads the key: it is then read at the first link,
    so a command that never pages anybody (a reply from the CLI, `mailbot status` as a
    monitoring user) never needs the key file."""

    def __init__(self, secret: bytes | Callable[[], bytes], lifetime: int, base_url: str = ""):
        self._secret = secret
        self._signer: TimestampSigner | None = None
        self.lifetime = lifetime
        self.base_url = base_url.rstrip("/")

    @property
    def signer(self) -> TimestampSigner:
        if self._signer is None:
            secret = self._secret if isinstance(self._secret, bytes) else self._secret()
            self._signer = TimestampSigner(
                secret,
                salt="mailbot.ack-link",
                digest_method=hashlib.sha256,
                algorithm=_ShortHmac(hashlib.sha256),
            )
        return self._signer

    def make(self, ticket: str, staff_id: str) -> str:
        """The token for the path /ack/<token>. ConfigError when the key cannot be read."""
        return self.signer.sign(f"{ticket}.{staff_code(staff_id)}").decode("ascii")

    def url(self, ticket: str, staff_id: str) -> str:
        """The link an alert carries (relative without a base_url)."""
        return f"{self.base_url}{ACK_PATH}{self.make(ticket, staff_id)}"

    def read(self, token: str) -> AckClaim:
        try:
            value = self.signer.unsign(token, max_age=self.lifetime).decode("ascii")
        except SignatureExpired:
            raise LinkError(
                "Ten link wygasł. Potwierdź reakcję po zalogowaniu do konsoli."
            ) from None
        except (BadSignature, UnicodeError):
            raise LinkError("Ten link jest nieprawidłowy lub niepełny.") from None
        ticket, _, code = value.partition(".")
        if not _TICKET.match(ticket) or not code:
            raise LinkError("Ten link jest nieprawidłowy lub niepełny.")
        return AckClaim(ticket, code, token.rsplit(".", 1)[1])


def ack_links(web: WebConfig | None) -> AckLinks | None:
    """The links alerts carry: only with a console address ([web] base_url) to open
    them at. The key is the console's, read (or made, if the daemon pages before the
    console ever started) at the first link."""
    if web is None or not web.base_url:
        return None
    path = web.secret_key_file

    def secret() -> bytes:
        try:
            return load_secret(path)
        except (OSError, ValueError) as exc:
            problem = f"cannot use the key file: {exc}"
            raise ConfigError(problem, key="web.secret_key_file") from None

    return AckLinks(secret, web.ack_link_lifetime, web.base_url)
