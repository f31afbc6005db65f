"""Rows a group commit writes at its end in a few statements.

SQLAlchemy costs ~0.08 ms per executed statement here, three times SQLite's own time.
Within one group transaction (intake.record_group) the new tickets, message, attachment
and event rows are therefore collected and inserted together just before the checkpoint
and the commit, and the ticket counter is bumped once for all tickets the group opens.
A new ticket is named by a TicketRef (its number) until then; before intake reads the
ticket table (a follow-up, an automatic reply looking for its ticket) the tickets
collected so far are inserted, so every read sees them. Nothing about
exactly-once changes: it is still one transaction, and a failure anywhere (a Message-ID
stored meanwhile by another writer included) rolls the whole group back and intake
replays it one message per transaction.

What the group itself must see before its end is answered from here: a Message-ID
recorded earlier in the group (a second copy is a duplicate; a reply to it joins its
ticket), and the next ticket number (the first one taken locks the counter row until the
commit, so no other writer can take a number in between).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from mailbot.store.tables import AttachmentRow, Message, Ticket, TicketCounter, TicketEvent

_M, _A, _E = Message.__table__, AttachmentRow.__table__, TicketEvent.__table__
_C, _T = TicketCounter.__table__, Ticket.__table__
_INSERT_TICKETS = insert(_T)
_TICKET_IDS = select(_T.c.number, _T.c.id).where(
    _T.c.number.in_(bindparam("numbers", expanding=True))
)
_INSERT_MESSAGES = insert(_M)
_INSERT_ATTACHMENTS = insert(_A)
_INSERT_EVENTS = insert(_E)
_IDS = select(_M.c.message_key, _M.c.id).where(
    _M.c.message_key.in_(bindparam("keys", expanding=True))
)
_SET_COUNTER = update(_C).where(_C.c.year == bindparam("y")).values(last=bindparam("last"))


@dataclass(frozen=True)
class TicketRef:
    """Stands for ticket.id in message, event and outbox rows until the ticket is inserted."""

    number: str


@dataclass(frozen=True)
class Stored:
    """What intake needs of a message recorded earlier in the group (duplicates, threads)."""

    ticket_id: int | TicketRef
    raw_sha256: str
    number: str


@dataclass(frozen=True)
class MessageRef:
    """Stands for message.id in attachment and event rows until the message is inserted."""

    key: str


@dataclass
class GroupWrites:
    absent: set[str]  # Message-IDs of the group not stored when it began
    # Message-ID -> ticket number of the messages stored before the group that its
    # mails refer to (In-Reply-To, References): asked once, not once per reply
    earlier: dict[str, str] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)  # not yet inserted, in order
    attachments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[str, Stored] = field(default_factory=dict)  # message_key -> not yet inserted
    tickets: list[dict[str, Any]] = field(default_factory=list)  # not yet inserted, in order
    ticket_ids: dict[str, int] = field(default_factory=dict)  # number -> id once inserted
    counters: dict[int, int] = field(default_factory=dict)  # year -> last number taken
    ids: dict[str, int] = field(default_factory=dict)  # message_key -> id once inserted

    def add_ticket(self, row: dict[str, Any]) -> TicketRef:
        self.tickets.append(row)
        return TicketRef(row["number"])

    def insert_tickets(self, conn: Connection) -> None:
        """Insert the collected tickets (before intake reads the ticket table, and at the
        group's end): one statement per set of columns, in the order they were opened."""
        if not self.tickets:
            return
        run: list[dict[str, Any]] = []
        for row in self.tickets:
            if run and row.keys() != run[0].keys():
                conn.execute(_INSERT_TICKETS, run)
                run = []
            run.append(row)
        conn.execute(_INSERT_TICKETS, run)
        numbers = [row["number"] for row in self.tickets]
        found = conn.execute(_TICKET_IDS, {"numbers": numbers})
        self.ticket_ids.update((number, id_) for number, id_ in found)
        self.tickets = []

    def resolve(self, ref: Any) -> Any:
        """A TicketRef or MessageRef as the id it stands for; anything else as it is."""
        if isinstance(ref, TicketRef):
            return self.ticket_ids[ref.number]
        return self.ids[ref.key] if isinstance(ref, MessageRef) else ref

    def add_message(self, row: dict[str, Any], number: str) -> MessageRef:
        self.messages.append(row)
        self.pending[row["message_key"]] = Stored(row["ticket_id"], row["raw_sha256"], number)
        return MessageRef(row["message_key"])

    def tickets_of(self, keys: Iterable[str]) -> dict[str, str]:
        """Ticket numbers of the messages among these Message-IDs: stored before the
        group (asked when it began) or earlier in it (not yet inserted)."""
        keys = list(keys)
        found = {k: self.earlier[k] for k in keys if k in self.earlier}
        return found | {k: self.pending[k].number for k in keys if k in self.pending}

    def insert_messages(self, conn: Connection) -> None:
        """Insert the collected messages and their attachments, after the tickets they
        refer to (finish): two or three statements."""
        if not self.messages:
            return
        rows = [m | {"ticket_id": self.resolve(m["ticket_id"])} for m in self.messages]
        conn.execute(_INSERT_MESSAGES, rows)
        keys = [row["message_key"] for row in self.messages]
        self.ids.update((key, id_) for key, id_ in conn.execute(_IDS, {"keys": keys}))
        if self.attachments:
            rows = [a | {"message_id": self.resolve(a["message_id"])} for a in self.attachments]
            conn.execute(_INSERT_ATTACHMENTS, rows)
        self.messages, self.attachments, self.pending = [], [], {}

    def finish(self, conn: Connection) -> None:
        """Everything still collected, then the ticket counters."""
        self.insert_tickets(conn)  # before the messages and events that refer to them
        self.insert_messages(conn)
        if self.events:
            resolve = self.resolve
            rows = [
                e | {"ticket_id": resolve(e["ticket_id"]), "message_id": resolve(e["message_id"])}
                for e in self.events
            ]
            conn.execute(_INSERT_EVENTS, rows)
            self.events = []
        for year, last in self.counters.items():
            conn.execute(_SET_COUNTER, {"y": year, "last": last})
