"""The one-tap "Przyjmuję" link of an on-call alert: signed, for this one purpose,
expiring, and good once.

The signature (itsdangerous, a salt of its own so no other signed value passes for it)
proves the link was made by mailbot for this ticket and person; the expiry bounds how
long a forwarded alert is worth anything; the link's random id, recorded when it is
used, makes a second use fail. The link itself only opens a page with one button:
mail scanners and link previews fetch links, and must not acknowledge anything.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailbot.store.tables import UsedLink

PURPOSE = "ack"


class LinkError(Exception):
    """The link cannot be used; the message says why, in Polish."""


@dataclass(frozen=True)
class AckClaim:
    ticket: str
    staff_id: str
    jti: str


class AckLinks:
    def __init__(self, secret: bytes, lifetime: int):
        self._signer = URLSafeTimedSerializer(secret, salt="mailbot.web.ack-link")
        self.lifetime = lifetime

    def make(self, ticket: str, staff_id: str) -> str:
        """The token for the path /przyjmij/<token>."""
        return self._signer.dumps(
            {"p": PURPOSE, "t": ticket, "s": staff_id, "j": secrets.token_urlsafe(12)}
        )

    def read(self, token: str) -> AckClaim:
        try:
            data = self._signer.loads(token, max_age=self.lifetime)
        except SignatureExpired:
            raise LinkError(
                "Ten link wygasł. Potwierdź reakcję po zalogowaniu do konsoli."
            ) from None
        except BadSignature:
            raise LinkError("Ten link jest nieprawidłowy lub niepełny.") from None
        if not isinstance(data, dict) or data.get("p") != PURPOSE:
            raise LinkError("Ten link jest nieprawidłowy lub niepełny.")
        return AckClaim(str(data["t"]), str(data["s"]), str(data["j"]))


def use_once(session: Session, claim: AckClaim, ticket_id: int | None, now: datetime) -> None:
    """Record the use; LinkError when it was used before (the caller's transaction
    is then rolled back, so nothing else of the second use is kept)."""
    session.add(
        UsedLink(
            jti=claim.jti,
            purpose=PURPOSE,
            staff_id=claim.staff_id,
            ticket_id=ticket_id,
            used_at=now,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise LinkError("Ten link został już użyty.") from None
