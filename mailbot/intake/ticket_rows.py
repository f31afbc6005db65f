"""The rows one message writes: a ticket, the message, attachments, events.

Prebuilt SQL Core statements executed with parameter dicts (the ORM unit of work cost
several milliseconds a message: see the README's benchmarks), and the helpers that
write now or, inside a group commit, through the group's GroupWrites buffer
(group_writes.py): an event, the next ticket number, the message row's values.
"""

from __future__ import annotations

from datetime import datetime

import orjson
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from mailbot.core.digest import NOT_A_TICKET
from mailbot.core.threads import format_ticket_number
from mailbot.intake.decider import Decided
from mailbot.intake.group_writes import GroupWrites, MessageRef, TicketRef
from mailbot.model import FetchedMessage, InboundMail
from mailbot.store import repo
from mailbot.store.tables import AttachmentRow, Message, Ticket, TicketEvent

CLOSED_STATES = frozenset({"closed"})
# States a ticket waits in for staff: an automatic reply from its requester joins it.
OPEN_STATES = ("new", "on_hold", "needs_identification", "out_of_scope")
_T, _M = Ticket.__table__, Message.__table__
_A, _E = AttachmentRow.__table__, TicketEvent.__table__
# Built once, executed with parameter dicts: statement construction and cache-key work
# per call dominated the ORM-free path too.
FIND_KEY = (
    select(_M.c.id, _M.c.ticket_id, _M.c.raw_sha256, _T.c.number)
    .join(_T, _T.c.id == _M.c.ticket_id)
    .where(_M.c.message_key == bindparam("key"))
)
FIND_TICKET = select(
    _T.c.id, _T.c.state, _T.c.emergency, _T.c.reacted_at, _T.c.requester, _T.c.client_id
).where(_T.c.number == bindparam("number"))
_NEWEST_OPEN = (  # the newest open ticket matching a further condition
    select(_T.c.id, _T.c.number, _T.c.state, _T.c.emergency, _T.c.requester)
    .where(_T.c.state.in_(OPEN_STATES), _T.c.history == bindparam("history"))
    .order_by(_T.c.created_at.desc(), _T.c.id.desc())
    .limit(1)
)
# Where an automatic reply belongs: its sender's latest open ticket, else (a registered
# address of a client, e.g. a colleague copied on our reply) the client's latest one.
_LATEST_OF_SENDER = _NEWEST_OPEN.where(_T.c.requester == bindparam("requester"))
_LATEST_OF_CLIENT = _NEWEST_OPEN.where(_T.c.client_id == bindparam("client"))
INSERT_TICKET = insert(_T).returning(_T.c.id)
INSERT_MESSAGE = insert(_M).returning(_M.c.id)
INSERT_ATTACHMENT = insert(_A)
INSERT_EVENT = insert(_E)
UPDATE_TICKET = update(_T).where(_T.c.id == bindparam("tid"))  # SET: the keys passed
GROUP = "mailbot_group_writes"  # Session.info key: a group commit's GroupWrites


def not_a_ticket(columns: dict[str, object]) -> dict[str, object]:
    """Automatic mail with no open ticket to join: recorded (staff can find it), but out
    of the queue, the digest, the escalation and the package release. An out-of-office
    reply quoting an emergency must not page anyone; one from a client without a package
    must not sit "on hold" until a purchase "releases" it to the queue."""
    return columns | {"state": NOT_A_TICKET, "deadline": None, "reply": None}


def decision_columns(decided: Decided | None, history: bool) -> dict[str, object]:
    """The ticket columns a decision fills. Backlog history is never answered or paged."""
    if decided is None:
        return {}
    d = decided.decision
    document = decided.document
    if history:
        document = document | {"reply": None, "alerts": [], "history": True}
    return {
        "state": d.state,
        "client_id": d.client_id,
        "contract": d.contract,
        "trust": d.trust,
        "product": d.product,
        "scope": d.scope,
        "emergency": d.emergency,
        "covered": d.covered,
        "priority": d.priority,
        "deadline": d.deadline,
        "reply": None if history else d.reply,
        "billing": d.billing,
        "decision": orjson.dumps(document).decode(),  # compact; read with json.loads
    }


def clean(text: str | None) -> str:
    """PostgreSQL text cannot hold NUL; nothing a person wrote needs it."""
    return (text or "").replace("\x00", "\ufffd")


def home_of_automatic(conn: Connection, sender: str, decided: Decided, history: bool) -> Row | None:
    """The open ticket an automatic reply joins, or None (it is then not a ticket)."""
    row = conn.execute(_LATEST_OF_SENDER, {"requester": sender, "history": history}).first()
    d = decided.decision
    if row is None and d.client_id and d.trust == "registered":
        of_client = {"client": d.client_id, "history": history}
        row = conn.execute(_LATEST_OF_CLIENT, of_client).first()
    return row


def event(
    session: Session,
    ticket_id: int | TicketRef,
    kind: str,
    at: datetime,
    detail: str,
    message_id: int | MessageRef | None,
) -> None:
    """Insert now, or with the rest of a group in one executemany (record_group)."""
    row = {
        "ticket_id": ticket_id,
        "kind": kind,
        "at": at,
        "detail": detail,
        "message_id": message_id,
    }
    group: GroupWrites | None = session.info.get(GROUP)
    if group is None:
        session.connection().execute(INSERT_EVENT, row)
    else:
        group.events.append(row)


def ticket_number(session: Session, year: int) -> str:
    """In a group commit only the first new ticket of a year asks the counter; the
    others count on from it and GroupWrites stores the last at the end."""
    group: GroupWrites | None = session.info.get(GROUP)
    if group is None:
        return repo.next_ticket_number(session, year)
    if year in group.counters:
        group.counters[year] += 1
    else:
        group.counters[year] = repo.next_ticket_seq(session, year)
    return format_ticket_number(year, group.counters[year])


def message_values(
    fetched: FetchedMessage, mail: InboundMail, sha: str, received: datetime, history: bool
) -> dict[str, object]:
    return {
        "message_key": mail.message_id,
        "synthetic_key": mail.message_id_synthetic,
        "folder": fetched.folder,
        "uid": fetched.uid,
        "uidvalidity": fetched.uidvalidity,
        "sender_name": clean(mail.sender.name if mail.sender else ""),
        "sender_address": mail.sender.address if mail.sender else "",
        "subject": clean(mail.subject),
        "sent_at": mail.date,
        "received_at": received,
        "in_reply_to": mail.in_reply_to,
        "references": " ".join(mail.references),
        "body_text": clean(mail.text),
        "raw_sha256": sha,
        "raw_size": len(fetched.raw),
        "server_size": fetched.size,
        "oversized": fetched.oversized or mail.oversized,
        "history": history,
        "defects": " ".join(mail.defects),
    }
