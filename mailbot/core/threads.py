"""Does this message belong to an existing ticket? (pure)

Two signals, strongest first: the ticket number in the subject (`[KJM-2026-000042]`,
after any reply/forward prefixes), then In-Reply-To/References naming a message already
stored in a ticket. The caller resolves the lookups; this module only reads text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TICKET_NUMBER = re.compile(r"\[(KJM-\d{4}-\d{6})\]", re.IGNORECASE)
# Re: RE: Odp: ODP: Fwd: FW: PD: AW: VS: Sv: WG: TR: Antw:, also "Re[2]:" and "RE :"
_PREFIX = re.compile(
    r"^\s*(?:re|odp|fwd?|pd|aw|vs|sv|wg|tr|antw|odpowiedź|odpowiedz)\s*(?:\[\d+\])?\s*:\s*",
    re.IGNORECASE,
)


def format_ticket_number(year: int, seq: int) -> str:
    return f"KJM-{year:04d}-{seq:06d}"


def strip_prefixes(subject: str) -> str:
    """Remove reply/forward prefixes, repeatedly and in any case."""
    s = subject
    while True:
        stripped = _PREFIX.sub("", s, count=1)
        if stripped == s:
            return s.strip()
        s = stripped


def ticket_number_in_subject(subject: str) -> str | None:
    """The ticket number carried in the subject, searched after the prefixes.

    Found anywhere in the rest of the subject: clients put text before the tag too
    ("Pilne [KJM-2026-000042]").
    """
    m = TICKET_NUMBER.search(strip_prefixes(subject))
    return m.group(1).upper() if m else None


@dataclass(frozen=True)
class ThreadMatch:
    ticket: str | None  # existing ticket number, or None for a new ticket
    reason: str
    # Who wrote, relative to the ticket (see follow_up_author); None for a new ticket.
    author: str | None = None
    # An existing ticket the message named but does not join (a third party's emergency
    # becomes their own ticket): the message is noted there.
    named: str | None = None

    @property
    def third_party(self) -> bool:
        return self.author == "third_party"


@dataclass(frozen=True)
class TicketOwner:
    """Whose an existing ticket is: the address that opened it and the client it is for."""

    requester: str
    client_id: str | None


AUTHORS = ("requester", "same_client", "staff", "third_party")
_CLIENTS_OWN = {  # trust levels that tie an address to its client, in words
    "registered": "a registered address",
    "unregistered": "an unregistered address at the domain",
}


def follow_up_author(
    owner: TicketOwner, address: str, trust: str, client_id: str | None
) -> tuple[str, str]:
    """(author, why) of a message that names an existing ticket.

    Ticket numbers are sequential and Message-IDs travel in every reply and CC, so naming
    a ticket proves nothing. Only its requester, an address of the same client (registered,
    or unregistered at the client's own domain, R-CON-6) or staff may speak for it; anyone
    else is a third party. An unverified sender is a third party whatever address it
    shows: that address may be forged.
    """
    if trust == "staff":
        return "staff", f"{address} is staff"
    if trust == "unverified":
        return "third_party", f"{address or 'the sender'} could not be verified (third party)"
    if address and address == owner.requester.strip().lower():
        return "requester", f"{address} opened the ticket"
    if trust in _CLIENTS_OWN and client_id is not None and client_id == owner.client_id:
        return "same_client", f"{address} is {_CLIENTS_OWN[trust]} of client {client_id}"
    whose = f"client {owner.client_id}" if owner.client_id else owner.requester or "?"
    return "third_party", (
        f"{address or 'a sender without an address'} is neither the requester nor a "
        f"registered address of {whose} (third party)"
    )


def match_thread(
    subject: str,
    in_reply_to: str | None,
    references: Iterable[str],
    *,
    known_tickets: Iterable[str],
    ticket_by_message_id: Mapping[str, str],
) -> ThreadMatch:
    """Pick the ticket this message continues.

    `known_tickets` are the numbers that exist (a number in the subject that does not
    exist, e.g. typed by hand or from another system, is not trusted);
    `ticket_by_message_id` maps already stored Message-IDs to their ticket.
    """
    known = set(known_tickets)
    number = ticket_number_in_subject(subject)
    if number and number in known:
        return ThreadMatch(number, f"ticket number {number} in the subject")
    for ref in ([in_reply_to] if in_reply_to else []) + list(reversed(list(references))):
        ticket = ticket_by_message_id.get(ref)
        if ticket:
            header = "In-Reply-To" if ref == in_reply_to else "References"
            return ThreadMatch(ticket, f"{header} names {ref} of ticket {ticket}")
    if number:
        return ThreadMatch(None, f"new ticket (subject names unknown ticket {number})")
    return ThreadMatch(None, "new ticket")
