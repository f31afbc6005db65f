"""Messages: dedup -> thread -> store. A message and its ticket change are always in
the same transaction; a group of consecutive messages may share one (group commit).

The caller (poller) moves or flags messages on the server only after the commit, so a
crash before it leaves them to be fetched again, and a crash after it is caught by the
Message-ID dedup on the next pass. A group that fails is replayed one message per
transaction, so one bad message never costs its neighbours.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core.classify import Classification, ClassifyRules
from mailbot.core.decide import IntakeDecision, escalates, follow_up_reply
from mailbot.core.digest import NOT_A_TICKET
from mailbot.core.threads import (
    TicketOwner,
    format_ticket_number,
    match_thread,
    ticket_number_in_subject,
)
from mailbot.errors import TransientError
from mailbot.faults import crash_point
from mailbot.intake.decider import Decided, Decider
from mailbot.intake.group_writes import GroupWrites, MessageRef, Stored
from mailbot.intake.prepare import ParseFailure, Prepared, parse_safely, prepare
from mailbot.model import FetchedMessage, InboundMail
from mailbot.outgoing.outbox import Outbox, reply_context
from mailbot.store import repo
from mailbot.store.rawstore import RawStore
from mailbot.store.tables import AttachmentRow, Message, QuarantineEntry, Ticket, TicketEvent

log = logging.getLogger("mailbot.intake")

CLOSED_STATES = frozenset({"closed"})
# States a ticket waits in for staff: an automatic reply from its requester joins it.
OPEN_STATES = ("new", "on_hold", "needs_identification", "out_of_scope")
_T, _M = Ticket.__table__, Message.__table__
_A, _E = AttachmentRow.__table__, TicketEvent.__table__
# Built once, executed with parameter dicts: statement construction and cache-key work
# per call dominated the ORM-free path too.
_FIND_KEY = (
    select(_M.c.id, _M.c.ticket_id, _M.c.raw_sha256, _T.c.number)
    .join(_T, _T.c.id == _M.c.ticket_id)
    .where(_M.c.message_key == bindparam("key"))
)
_FIND_TICKET = select(
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
_INSERT_TICKET = insert(_T).returning(_T.c.id)
_INSERT_MESSAGE = insert(_M).returning(_M.c.id)
_INSERT_ATTACHMENT = insert(_A)
_INSERT_EVENT = insert(_E)
_UPDATE_TICKET = update(_T).where(_T.c.id == bindparam("tid"))  # SET: the keys passed
_GROUP = "mailbot_group_writes"  # Session.info key: a group commit's GroupWrites


@dataclass(frozen=True)
class Outcome:
    # created | follow_up | reopened | third_party | duplicate | quarantined, and for
    # automatic mail: automatic (joined a ticket) | not_a_ticket (see _store)
    action: str
    ticket: str | None
    message_key: str | None
    detail: str = ""
    summary: str = ""  # the decision in one line, for the log


def not_a_ticket(columns: dict[str, object]) -> dict[str, object]:
    """Automatic mail with no open ticket to join: recorded (staff can find it), but out
    of the queue, the digest, the escalation and the package release. An out-of-office
    reply quoting an emergency must not page anyone; one from a client without a package
    must not sit "on hold" until a purchase "releases" it to the queue."""
    return columns | {"state": NOT_A_TICKET, "deadline": None, "reply": None}


def _decision_columns(decided: Decided | None, history: bool) -> dict[str, object]:
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
        "decision": json.dumps(document, ensure_ascii=False),
    }


def _summary(decided: Decided | None, history: bool, follow_up: bool) -> str:
    if decided is None:
        return ""
    d = decided.decision
    reply = None if history else (follow_up_reply(d) if follow_up else d.reply)
    parts = [
        f"client={d.client_id or '-'}",
        f"trust={d.trust}",
        f"state={d.state}",
        f"priority={d.priority}",
        f"reply={reply or '-'}",
    ]
    if d.emergency:
        parts.insert(2, "EMERGENCY")
    if d.alerts and not history and not follow_up:
        parts.append("alerts=" + ",".join(f"{a.role}:{a.to or '?'}" for a in d.alerts))
    return " ".join(parts)


_AUTOMATIC_DETAIL = {  # event details staff read in the ticket's history
    "automatic": "wiadomość automatyczna ({}): dołączona do zgłoszenia, bez odpowiedzi",
    "not_a_ticket": "wiadomość automatyczna ({}): nie jest zgłoszeniem, poza kolejką i raportem",
}


def _clean(text: str | None) -> str:
    """PostgreSQL text cannot hold NUL; nothing a person wrote needs it."""
    return (text or "").replace("\x00", "\ufffd")


class Intake:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        raw_store: RawStore,
        tz: ZoneInfo,
        decider: Decider | None = None,
        outbox: Outbox | None = None,
    ):
        self.sessions = sessions
        self.raw_store = raw_store
        self.tz = tz
        self.decider = decider  # None: record and thread only (no rules loaded)
        self.outbox = outbox  # None: nothing is queued for sending

    @property
    def classify_rules(self) -> ClassifyRules | None:
        return self.decider.rules.classify if self.decider else None

    def prepare(self, raw: bytes, oversized: bool = False) -> Prepared:
        return prepare(raw, oversized, self.raw_store.root, self.classify_rules)

    def record(
        self,
        fetched: FetchedMessage,
        prepared: Prepared,
        *,
        history: bool,
        now: datetime,
    ) -> Outcome:
        """One message in its own transaction."""
        try:
            with self.sessions.begin() as session:
                outcome = self._record_in(session, fetched, prepared, history, now)
                repo.save_checkpoint(session, fetched.folder, fetched.uidvalidity, fetched.uid, now)
            return outcome
        except IntegrityError as exc:
            # Another writer stored the same Message-ID between our check and commit? Only
            # if it is really there now: any other constraint failing must not pass for a
            # duplicate, or the poller would move a message nobody recorded.
            key = getattr(prepared.parsed, "message_id", None)
            if key and self._stored(key):
                return Outcome("duplicate", None, key, "recorded concurrently")
            log.error("cannot store UID %d of %s: %s", fetched.uid, fetched.folder, exc.orig)
            return self._quarantine(fetched, prepared.sha256, f"cannot store: {exc.orig}", now)
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise TransientError(f"database unavailable: {exc.orig}") from exc
            return self._quarantine(fetched, prepared.sha256, f"cannot store: {exc.orig}", now)
        except Exception as exc:  # noqa: BLE001 - never let one message stop the poll
            log.exception("cannot store UID %d of %s", fetched.uid, fetched.folder)
            reason = f"cannot store: {type(exc).__name__}: {exc}"
            return self._quarantine(fetched, prepared.sha256, reason, now)

    def _stored(self, key: str) -> bool:
        with self.sessions() as session:
            return repo.message_by_key(session, key) is not None

    def record_group(
        self,
        items: Sequence[tuple[FetchedMessage, Prepared, bool]],
        now: datetime,
        stop: Callable[[], bool] = lambda: False,
    ) -> list[Outcome]:
        """Consecutive messages in one transaction (group commit); stops after the message
        in hand when `stop()` turns true. On any failure the group is replayed one
        message per transaction, which isolates the bad one."""
        outcomes: list[Outcome] = []
        try:
            with self.sessions.begin() as session:
                keys = [
                    p.parsed.message_id for _, p, _ in items if isinstance(p.parsed, InboundMail)
                ]
                absent = set(keys) - repo.stored_keys(session, keys)  # one query for all
                group = session.info[_GROUP] = GroupWrites(absent)
                if self.outbox is not None:  # the group's outbox rows go in with it
                    mails = [p.parsed for _, p, _ in items if isinstance(p.parsed, InboundMail)]
                    senders = [m.sender.address for m in mails if m.sender]
                    self.outbox.begin_batch(session, senders, now)
                for fetched, prepared, history in items:
                    outcomes.append(self._record_in(session, fetched, prepared, history, now))
                    crash_point("intake.stored")  # one message + its outbox rows, uncommitted
                    if stop():
                        break
                group.finish(session.connection())  # messages, attachments, events, counter
                if self.outbox is not None:
                    self.outbox.write_batch(session, group.message_id)
                done = items[: len(outcomes)]
                last = max(done, key=lambda item: item[0].uid)[0]
                repo.save_checkpoint(session, last.folder, last.uidvalidity, last.uid, now)
                crash_point("intake.before_commit")  # group + checkpoint written
            return outcomes
        except OperationalError as exc:
            raise TransientError(f"database unavailable: {exc.orig}") from exc
        except Exception:  # noqa: BLE001 - replay one by one to isolate the failing message
            if len(items) == 1:
                fetched, prepared, history = items[0]
                return [self.record(fetched, prepared, history=history, now=now)]
            log.warning("group of %d messages failed; recording them one by one", len(items))
            outcomes = []
            for fetched, prepared, history in items:
                outcomes.append(self.record(fetched, prepared, history=history, now=now))
                if stop():
                    break
            return outcomes

    def _record_in(
        self,
        session: Session,
        fetched: FetchedMessage,
        prepared: Prepared,
        history: bool,
        now: datetime,
    ) -> Outcome:
        if isinstance(prepared.parsed, ParseFailure):
            return self._quarantine_in(
                session, fetched, prepared.sha256, prepared.parsed.reason, now
            )
        return self._store(
            session, fetched, prepared.parsed, prepared.sha256, history, now, prepared.what
        )

    def _store(
        self,
        session: Session,
        fetched: FetchedMessage,
        mail: InboundMail,
        sha: str,
        history: bool,
        now: datetime,
        what: Classification | None = None,
    ) -> Outcome:
        """SQL Core statements, not the ORM unit of work: this is the hot path of a backlog
        (the ORM version managed ~180 messages/s; see the README's benchmark section).
        In a group commit the rows wait in GroupWrites for the group's end."""
        conn = session.connection()
        received = fetched.internal_date or now
        group: GroupWrites | None = session.info.get(_GROUP)
        existing: Stored | Row | None = None
        if group is not None and mail.message_id in group.absent:
            group.absent.discard(mail.message_id)  # a second copy later on is a duplicate
        elif group is not None and mail.message_id in group.pending:
            existing = group.pending[mail.message_id]
        else:
            existing = conn.execute(_FIND_KEY, {"key": mail.message_id}).first()
        if existing is not None:
            detail = f"already stored in {existing.number}"
            if existing.raw_sha256 != sha:
                detail += f"; different bytes kept as raw {sha[:12]}"
                self._event(
                    session,
                    existing.ticket_id,
                    "duplicate_message_id",
                    now,
                    f"{mail.message_id} arrived again with other content "
                    f"(UID {fetched.uid}, raw {sha})",
                    None,
                )
            return Outcome("duplicate", existing.number, mail.message_id, detail)

        number_in_subject = ticket_number_in_subject(mail.subject)
        refs = [r for r in (mail.in_reply_to, *mail.references) if r]
        match = match_thread(
            mail.subject,
            mail.in_reply_to,
            mail.references,
            known_tickets=repo.existing_ticket_numbers(session, [number_in_subject or ""]),
            ticket_by_message_id=repo.tickets_by_message_keys(session, refs)
            | (group.tickets_of(refs) if group else {}),
        )
        ticket = None
        if match.ticket:
            ticket = conn.execute(_FIND_TICKET, {"number": match.ticket}).first()
        owner = TicketOwner(ticket.requester, ticket.client_id) if ticket is not None else None
        decided = (
            self.decider(session, mail, received, match, what, owner) if self.decider else None
        )
        thread = decided.thread if decided else match
        named = None  # a ticket a third party's emergency named: noted there, not joined
        if ticket is not None and thread.ticket is None:
            named, ticket = ticket, None
        third_party = ticket is not None and thread.third_party
        columns = _decision_columns(decided, history)
        escalated = False
        reacted = None
        # Out-of-office and other machine-sent mail is never a ticket of its own: it joins
        # the sender's latest open ticket, or is kept as not-a-ticket.
        automatic = decided.decision.automatic if decided else None
        number = match.ticket
        if automatic and ticket is None and mail.sender and not named:
            assert decided is not None
            ticket = self._home_of_automatic(conn, mail.sender.address, decided, history)
            number = ticket.number if ticket is not None else None
        if ticket is None and automatic:
            action = "not_a_ticket"
            number = self._ticket_number(session, received.astimezone(self.tz).year)
            values = {
                "number": number, "state": NOT_A_TICKET, "subject": _clean(mail.subject),
                "requester": mail.sender.address if mail.sender else "",
                "requester_name": _clean(mail.sender.name if mail.sender else ""),
                "history": history, "created_at": received, "updated_at": now,
            }  # fmt: skip
            ticket_id = conn.execute(_INSERT_TICKET, values | not_a_ticket(columns)).scalar_one()
        elif ticket is None:
            action = "created"
            number = self._ticket_number(session, received.astimezone(self.tz).year)
            values = {
                "number": number, "state": "new", "subject": _clean(mail.subject),
                "requester": mail.sender.address if mail.sender else "",
                "requester_name": _clean(mail.sender.name if mail.sender else ""),
                "history": history, "created_at": received, "updated_at": now,
            }  # fmt: skip
            ticket_id = conn.execute(_INSERT_TICKET, values | columns).scalar_one()
        elif third_party:  # recorded on the ticket; its owner, trust, urgency stay as they are
            ticket_id, number, action = ticket.id, match.ticket, "third_party"
            conn.execute(_UPDATE_TICKET, {"tid": ticket_id, "updated_at": now})
        elif automatic:  # noted on the ticket; it is not reopened, answered or escalated
            ticket_id, action = ticket.id, "automatic"
            conn.execute(_UPDATE_TICKET, {"tid": ticket_id, "updated_at": now})
        else:
            ticket_id, number = ticket.id, match.ticket
            action = "reopened" if ticket.state in CLOSED_STATES else "follow_up"
            values = {"updated_at": now} | ({"state": "new"} if action == "reopened" else {})
            staff = decided.decision.staff_id if decided else None
            if staff and ticket.reacted_at is None:  # a colleague answered: the first reaction
                values |= {"reacted_at": received, "reacted_by": staff}
                reacted = staff
            if decided and escalates(ticket.emergency, decided.decision, thread.author):
                escalated = True  # the follow-up reports an emergency: its decision rules
                values |= columns
            conn.execute(_UPDATE_TICKET, {"tid": ticket_id, **values})

        assert number is not None
        row = self._message_values(fetched, mail, sha, received, history)
        row |= {"ticket_id": ticket_id, "automatic": automatic, "third_party": third_party}
        queues = decided is not None and self.outbox is not None and not history
        queues = queues and not third_party  # a third party is neither answered nor paged for
        queues = queues and not automatic  # nor a robot (RFC 3834), nor for one
        message_id: int | MessageRef
        if group is not None:  # nothing needs its id before the group's end (outbox too)
            message_id = group.add_message(row, number)
        else:
            message_id = conn.execute(_INSERT_MESSAGE, row).scalar_one()
        attachments = [
            {
                "message_id": message_id,
                "filename": _clean(a.filename),
                "content_type": a.content_type[:255],
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in mail.attachments
        ]
        if attachments and isinstance(message_id, MessageRef):
            group.attachments += attachments  # type: ignore[union-attr]
        elif attachments:
            conn.execute(_INSERT_ATTACHMENT, attachments)
        detail = (
            f"follow-up to a closed ticket ({thread.reason})"
            if action == "reopened"
            else _AUTOMATIC_DETAIL[action].format(automatic)
            if action in _AUTOMATIC_DETAIL
            else thread.reason
        )
        kind = {"created": "created", "reopened": "reopened", "third_party": "third_party",
                "automatic": "automatic", "not_a_ticket": NOT_A_TICKET}  # fmt: skip
        self._event(session, ticket_id, kind.get(action, "follow_up"), now, detail, message_id)
        if named is not None:
            sender = mail.sender.address if mail.sender else "?"
            self._event(
                session,
                named.id,
                "third_party",
                now,
                f"{sender} named this ticket in a message reporting an emergency: recorded "
                f"as their own ticket {number}; nothing here changed",
                message_id,
            )
        if reacted:
            self._event(
                session,
                ticket_id,
                "reaction",
                now,
                f"first reaction: {reacted} replied by mail (stops the R-SLA-1 clock)",
                message_id,
            )
        if queues:
            assert decided is not None
            self._queue_mail(
                session,
                mail,
                decided.decision,
                number,
                ticket_id,
                message_id,
                received,
                now,
                new=action == "created" or escalated,
            )
        summary = _summary(decided, history, action != "created" and not escalated)
        if third_party:
            summary = "third party: no change to the ticket, no reply, no page"
        if automatic:
            where = "joined its sender's open ticket" if action == "automatic" else "not a ticket"
            summary = f"automatic ({automatic}): {where}, no reply, no page"
        if escalated:
            self._event(
                session,
                ticket_id,
                "escalated",
                now,
                f"follow-up reports an emergency: {', '.join(decided.decision.urgency_reasons)}",
                message_id,
            )
        return Outcome(action, number, mail.message_id, thread.reason, summary)

    @staticmethod
    def _home_of_automatic(
        conn: Connection, sender: str, decided: Decided, history: bool
    ) -> Row | None:
        """The open ticket an automatic reply joins, or None (it is then not a ticket)."""
        row = conn.execute(_LATEST_OF_SENDER, {"requester": sender, "history": history}).first()
        d = decided.decision
        if row is None and d.client_id and d.trust == "registered":
            of_client = {"client": d.client_id, "history": history}
            row = conn.execute(_LATEST_OF_CLIENT, of_client).first()
        return row

    def _queue_mail(
        self,
        session: Session,
        mail: InboundMail,
        d: IntakeDecision,
        number: str,
        ticket_id: int,
        message_id: int | MessageRef,
        received: datetime,
        now: datetime,
        *,
        new: bool,
    ) -> None:
        """The reply and the pages this message calls for, in this same transaction."""
        assert self.outbox is not None
        template = d.reply if new else follow_up_reply(d)
        context = reply_context(
            mail, number, d, self.outbox.rules, received, base_url=self.outbox.policy.base_url
        )
        if template:
            state = self.outbox.queue_reply(
                session,
                template=template,
                context=context,
                mail=mail,
                ticket_id=ticket_id,
                inbound_id=message_id,
                emergency=d.emergency,
                now=now,
            )
            if state != "pending":
                self._event(
                    session,
                    ticket_id,
                    f"reply_{state}",
                    now,
                    f"{template} to {mail.sender.address if mail.sender else '?'} "
                    f"not sent ({state})",
                    message_id,
                )
        if new and d.alerts:
            self.outbox.queue_alerts(
                session, d=d, context=context, ticket_id=ticket_id, step="receipt", now=now
            )

    @staticmethod
    def _event(
        session: Session,
        ticket_id: int,
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
        group: GroupWrites | None = session.info.get(_GROUP)
        if group is None:
            session.connection().execute(_INSERT_EVENT, row)
        else:
            group.events.append(row)

    @staticmethod
    def _ticket_number(session: Session, year: int) -> str:
        """In a group commit only the first new ticket of a year asks the counter; the
        others count on from it and GroupWrites stores the last at the end."""
        group: GroupWrites | None = session.info.get(_GROUP)
        if group is None:
            return repo.next_ticket_number(session, year)
        if year in group.counters:
            group.counters[year] += 1
        else:
            group.counters[year] = repo.next_ticket_seq(session, year)
        return format_ticket_number(year, group.counters[year])

    @staticmethod
    def _message_values(
        fetched: FetchedMessage, mail: InboundMail, sha: str, received: datetime, history: bool
    ) -> dict[str, object]:
        return {
            "message_key": mail.message_id,
            "synthetic_key": mail.message_id_synthetic,
            "folder": fetched.folder,
            "uid": fetched.uid,
            "uidvalidity": fetched.uidvalidity,
            "sender_name": _clean(mail.sender.name if mail.sender else ""),
            "sender_address": mail.sender.address if mail.sender else "",
            "subject": _clean(mail.subject),
            "sent_at": mail.date,
            "received_at": received,
            "in_reply_to": mail.in_reply_to,
            "references": " ".join(mail.references),
            "body_text": _clean(mail.text),
            "raw_sha256": sha,
            "raw_size": len(fetched.raw),
            "server_size": fetched.size,
            "oversized": fetched.oversized or mail.oversized,
            "history": history,
            "defects": " ".join(mail.defects),
        }

    def _quarantine(self, fetched: FetchedMessage, sha: str, reason: str, now: datetime) -> Outcome:
        with self.sessions.begin() as session:
            outcome = self._quarantine_in(session, fetched, sha, reason, now)
            repo.save_checkpoint(session, fetched.folder, fetched.uidvalidity, fetched.uid, now)
        return outcome

    @staticmethod
    def _quarantine_in(
        session: Session, fetched: FetchedMessage, sha: str, reason: str, now: datetime
    ) -> Outcome:
        entry = repo.quarantine_by_sha(session, sha)
        if entry is None:
            entry = QuarantineEntry(
                folder=fetched.folder,
                uid=fetched.uid,
                uidvalidity=fetched.uidvalidity,
                raw_sha256=sha,
                raw_size=len(fetched.raw),
                reason=_clean(reason)[:4000],
                created_at=now,
            )
            session.add(entry)
        else:
            entry.attempts += 1
            entry.reason = _clean(reason)[:4000]
        session.flush()
        return Outcome("quarantined", None, None, f"quarantine #{entry.id}: {reason}")

    def retry_quarantined(self, entry_id: int, now: datetime) -> Outcome:
        """Parse the kept raw bytes again (after a parser fix) and record them."""
        with self.sessions.begin() as session:
            entry = session.get(QuarantineEntry, entry_id)
            if entry is None:
                raise KeyError(entry_id)
            raw = self.raw_store.get(entry.raw_sha256)
            fetched = FetchedMessage(
                entry.folder, entry.uid, entry.uidvalidity, raw, entry.raw_size, entry.created_at
            )
        parsed = parse_safely(raw)  # the raw bytes are already kept
        if isinstance(parsed, ParseFailure):
            with self.sessions.begin() as session:
                entry = session.get(QuarantineEntry, entry_id)
                assert entry is not None
                entry.attempts += 1
                entry.reason = _clean(parsed.reason)[:4000]
            return Outcome("quarantined", None, None, parsed.reason)
        with self.sessions.begin() as session:
            outcome = self._store(session, fetched, parsed, entry.raw_sha256, False, now)
            entry = session.get(QuarantineEntry, entry_id)
            assert entry is not None
            entry.resolved_at = now
            entry.resolution = f"{outcome.action} {outcome.ticket or ''}".strip()
        return outcome
