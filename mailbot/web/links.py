"""Honouring the on-call alert's one-tap "Przyjmuję" link (made in outgoing/links.py):
each use is recorded by the link's id, so a second one fails. The link itself only
opens a page with one button: mail scanners and link previews fetch links, and must not
acknowledge anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailbot.outgoing.links import PURPOSE, AckClaim, LinkError
from mailbot.store.tables import UsedLink


def use_once(
    session: Session, claim: AckClaim, staff_id: str, ticket_id: int | None, now: datetime
) -> None:
    """Record the use; LinkError when it was used before (the caller's transaction
    is then rolled back, so nothing else of the second use is kept)."""
    session.add(
        UsedLink(
            jti=claim.jti,
            purpose=PURPOSE,
            staff_id=staff_id,
            ticket_id=ticket_id,
            used_at=now,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise LinkError("Ten link został już użyty.") from None
