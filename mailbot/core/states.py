"""A ticket's states, named once for the queue, the digest, the CLI and the console."""

from __future__ import annotations

NEW = "new"
CLOSED = "closed"
NOT_TICKET = "not_a_ticket"  # out-of-office, spam, a robot: out of the queue and the digest
MERGED = "merged"  # its messages moved to another ticket
OPEN = ("new", "on_hold", "needs_identification", "out_of_scope")  # the queue: work to do
NOT_WORK = (NOT_TICKET, MERGED)  # never counted as a ticket (queue, digest)
ALL = (*OPEN, CLOSED, *NOT_WORK)
STATE_NAMES = {  # as staff read them
    "new": "nowe", "on_hold": "wstrzymane (brak pakietu)",
    "needs_identification": "czeka na identyfikację", "out_of_scope": "poza zakresem",
    "closed": "zamknięte", "not_a_ticket": "nie jest zgłoszeniem", "merged": "połączone",
}  # fmt: skip
