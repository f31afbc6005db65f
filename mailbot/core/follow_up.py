"""A message that names an existing ticket: may it join it, as whom, and does it change
the ticket's decision? PURE, like decide.py, whose IntakeDecision it reads.

A follow-up keeps its ticket's decision unless it reports an emergency the ticket did
not have; a third party's message is noted on the ticket and changes nothing there.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mailbot.core.decide import IntakeDecision
from mailbot.core.threads import ThreadMatch, TicketOwner, follow_up_author

if TYPE_CHECKING:
    from mailbot.core.contracts import SenderInfo


def escalates(ticket_emergency: bool, new: IntakeDecision, author: str | None = None) -> bool:
    """A follow-up keeps its ticket's decision unless it raises the urgency:
    then the new decision (deadline, alerts, priority) replaces the ticket's. Only the
    requester or a registered address of the client raises it: an unregistered colleague's
    decision (needs identification, R-CON-6) must not replace the client's, and a third
    party never touches the ticket (judge_follow_up)."""
    if author == "third_party" or not new.emergency or ticket_emergency:
        return False
    if new.trust == "registered":
        return True
    return author in (None, "requester") and new.trust != "staff"


def follow_up_reply(new: IntakeDecision) -> str | None:
    """A follow-up is acknowledged as such, unless a robot or a colleague wrote it."""
    return None if new.automatic or new.trust == "staff" else "follow_up"


def judge_follow_up(
    thread: ThreadMatch, owner: TicketOwner, sender: SenderInfo, new: IntakeDecision
) -> ThreadMatch:
    """Whether a message that names an existing ticket may join it, and as whom.

    The requester, the same client and staff join as today. A third party's message is
    noted on the ticket and changes nothing there: not its client, trust, urgency or
    priority, and nobody is paged for it. An emergency it reports is that sender's own:
    a client's (a registered address, R-CON-6) becomes a new ticket, decided for them
    alone (their own contract, their own pages); anyone else's stays a note, since an
    unidentified sender is paged for by nobody anyway.
    """
    author, why = follow_up_author(
        owner, sender.address, sender.trust, sender.client.id if sender.client else None
    )
    if author != "third_party":
        return replace(thread, author=author, reason=f"{thread.reason}; {why}")
    if new.emergency and sender.trust == "registered" and sender.client is not None:
        return ThreadMatch(
            None,
            f"new ticket: names {thread.ticket}, but {why}; "
            "its emergency is decided for the sender alone",
            named=thread.ticket,
        )
    return replace(
        thread,
        author="third_party",
        reason=f"{thread.reason}; {why}: noted on the ticket, which it does not change",
    )
