"""Queries and writes used by intake and the CLI, over one SQLAlchemy Session.

The caller owns the transaction: intake records one message per transaction.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from mailbot.core.states import MERGED
from mailbot.core.threads import TicketOwner, format_ticket_number
from mailbot.store.tables import (
    ClientRow,
    FolderState,
    Message,
    QuarantineEntry,
    Ticket,
    TicketCounter,
    TicketEvent,
)


def folder_state(session: Session, folder: str) -> FolderState | None:
    return session.get(FolderState, folder)


def save_checkpoint(
    session: Session, folder: str, uidvalidity: int, last_uid: int, now: datetime
) -> None:
    fs = FolderState.__table__
    done = (
        session.connection()
        .execute(
            update(fs)
            .where(fs.c.folder == folder, fs.c.uidvalidity == uidvalidity)
            .values(
                last_uid=case((fs.c.last_uid < last_uid, last_uid), else_=fs.c.last_uid),
                updated_at=now,
            )
        )
        .rowcount
    )
    if not done:
        reset_folder(session, folder, uidvalidity, 0, now).last_uid = last_uid


def reset_folder(
    session: Session, folder: str, uidvalidity: int, backlog_until_uid: int, now: datetime
) -> FolderState:
    """Start (or restart after a UIDVALIDITY change) the checkpoint of a folder."""
    state = session.get(FolderState, folder)
    if state is None:
        state = FolderState(folder=folder)
        session.add(state)
    state.uidvalidity, state.last_uid = uidvalidity, 0
    state.backlog_until_uid, state.updated_at = backlog_until_uid, now
    session.flush()
    return state


def message_by_key(session: Session, key: str) -> Message | None:
    return session.scalar(select(Message).where(Message.message_key == key))


# Hot-path statements are built once (intake runs them for every message).
_T, _M = Ticket.__table__, Message.__table__
# A merged ticket's number leads nowhere: its messages moved to the ticket it was merged
# into, so a reply naming it threads there through References (services/tickets.py).
_NUMBERS = select(_T.c.number).where(
    _T.c.number.in_(bindparam("numbers", expanding=True)), _T.c.state != MERGED
)
_BY_KEYS = (
    select(_M.c.message_key, _T.c.number)
    .join(_T, _M.c.ticket_id == _T.c.id)
    .where(_M.c.message_key.in_(bindparam("keys", expanding=True)))
)
_COUNTER = TicketCounter.__table__
_NEXT = (
    update(_COUNTER)
    .where(_COUNTER.c.year == bindparam("y"))
    .values(last=_COUNTER.c.last + 1)
    .returning(_COUNTER.c.last)
)


_STORED = select(_M.c.message_key).where(_M.c.message_key.in_(bindparam("keys", expanding=True)))


def stored_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these Message-IDs are stored already (one query for a whole group)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return set()
    return set(session.connection().execute(_STORED, {"keys": wanted}).scalars())


def existing_ticket_numbers(session: Session, numbers: Iterable[str]) -> set[str]:
    wanted = [n for n in numbers if n]
    if not wanted:
        return set()
    return set(session.connection().execute(_NUMBERS, {"numbers": wanted}).scalars())


def tickets_by_message_keys(session: Session, keys: Iterable[str]) -> dict[str, str]:
    wanted = list(dict.fromkeys(k for k in keys if k))
    if not wanted:
        return {}
    rows = session.connection().execute(_BY_KEYS, {"keys": wanted})
    return {key: number for key, number in rows}


def ticket_owner(session: Session, number: str | None) -> TicketOwner | None:
    """Whose ticket `number` is (for telling a third party's follow-up apart)."""
    if not number:
        return None
    row = session.execute(
        select(Ticket.requester, Ticket.client_id).where(Ticket.number == number.upper())
    ).first()
    return TicketOwner(row.requester, row.client_id) if row else None


def ticket_by_number(session: Session, number: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.number == number.upper()))


def next_ticket_number(session: Session, year: int) -> str:
    """Atomic increment (UPDATE … RETURNING): monotonic even with two writers."""
    return format_ticket_number(year, next_ticket_seq(session, year))


def next_ticket_seq(session: Session, year: int) -> int:
    """The counter after the increment. Its row stays locked until the transaction ends,
    which lets a group commit take the following numbers without asking (group_writes)."""
    seq = session.connection().execute(_NEXT, {"y": year}).scalar()
    if seq is None:
        session.execute(insert(TicketCounter).values(year=year, last=1))
        seq = 1
    return seq


def add_event(
    session: Session,
    ticket: Ticket,
    kind: str,
    at: datetime,
    detail: str = "",
    message: Message | None = None,
) -> None:
    session.add(
        TicketEvent(
            ticket=ticket,
            kind=kind,
            at=at,
            detail=detail,
            message_id=message.id if message is not None else None,
        )
    )


def quarantine_by_sha(session: Session, sha256: str) -> QuarantineEntry | None:
    return session.scalar(select(QuarantineEntry).where(QuarantineEntry.raw_sha256 == sha256))


def list_quarantine(session: Session, *, include_resolved: bool = False) -> list[QuarantineEntry]:
    q = select(QuarantineEntry).order_by(QuarantineEntry.id)
    if not include_resolved:
        q = q.where(QuarantineEntry.resolved_at.is_(None))
    return list(session.scalars(q))


def list_tickets(
    session: Session,
    *,
    states: Iterable[str] = (),
    since: datetime | None = None,
    limit: int = 200,
) -> list[tuple[Ticket, int]]:
    """Tickets newest first, with their message count."""
    counts = (
        select(Message.ticket_id, func.count(Message.id).label("n"))
        .group_by(Message.ticket_id)
        .subquery()
    )
    q = (
        select(Ticket, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.ticket_id == Ticket.id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    states = list(states)
    if states:
        q = q.where(Ticket.state.in_(states))
    if since is not None:
        q = q.where(Ticket.created_at >= since)
    return [(t, n) for t, n in session.execute(q)]


def load_ticket(session: Session, number: str) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.number == number.upper())
        .options(
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.events),
        )
    )


def open_queue(session: Session, states: Iterable[str]) -> list[Ticket]:
    """Open tickets in handling order (R-PAK-6): priority (emergencies, then care
    clients), then arrival. History (backlog) tickets are not work."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.state.in_(list(states)), Ticket.history.is_(False))
            .order_by(func.coalesce(Ticket.priority, 9), Ticket.created_at, Ticket.id)
        )
    )


def count_messages(session: Session) -> int:
    return session.scalar(select(func.count(Message.id))) or 0


def sync_clients(session: Session, clients: Iterable[Any], now: datetime) -> dict[str, int]:
    """Upsert clients from the rulebook so tickets can reference them. Clients removed
    from the file stay (old tickets point at them); the count says how many."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    seen = set()
    for c in clients:
        seen.add(c.id)
        data = json.dumps(dataclasses.asdict(c), default=str, ensure_ascii=False, sort_keys=True)
        row = session.get(ClientRow, c.id)
        if row is None:
            session.add(
                ClientRow(
                    id=c.id,
                    name=c.name,
                    nip=c.nip,
                    contract=c.contract,
                    opiekun=c.opiekun,
                    data=data,
                    synced_at=now,
                )
            )
            counts["added"] += 1
        elif row.data != data or row.name != c.name:
            row.name, row.nip, row.contract, row.opiekun = c.name, c.nip, c.contract, c.opiekun
            row.data, row.synced_at = data, now
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    counts["kept, no longer in the file"] = len(set(session.scalars(select(ClientRow.id))) - seen)
    return counts
