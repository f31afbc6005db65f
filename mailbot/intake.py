"""One message: dedup -> thread -> store, in one database transaction.

The caller (poller) moves or flags the message on the server only after `record`
returns, so a crash before commit leaves the message to be fetched again, and a crash
after commit is caught by the Message-ID dedup on the next pass.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core.threads import match_thread, ticket_number_in_subject
from mailbot.errors import TransientError
from mailbot.model import FetchedMessage, InboundMail
from mailbot.parse import parse_message
from mailbot.store import repo
from mailbot.store.rawstore import RawStore
from mailbot.store.tables import AttachmentRow, Message, QuarantineEntry, Ticket

log = logging.getLogger("mailbot.intake")

CLOSED_STATES = frozenset({"closed"})


@dataclass(frozen=True)
class ParseFailure:
    reason: str


@dataclass(frozen=True)
class Outcome:
    action: str  # created | follow_up | reopened | duplicate | quarantined
    ticket: str | None
    message_key: str | None
    detail: str = ""


def parse_safely(raw: bytes, oversized: bool = False) -> InboundMail | ParseFailure:
    """Never raises: runs in worker processes, where an exception would cost the batch."""
    try:
        return parse_message(raw, oversized=oversized)
    except Exception as exc:  # noqa: BLE001 - any parser crash becomes a quarantine reason
        return ParseFailure(f"{type(exc).__name__}: {exc}".strip())


def _clean(text: str | None) -> str:
    """PostgreSQL text cannot hold NUL; nothing a person wrote needs it."""
    return (text or "").replace("\x00", "\ufffd")


class Intake:
    def __init__(self, sessions: sessionmaker[Session], raw_store: RawStore, tz: ZoneInfo):
        self.sessions = sessions
        self.raw_store = raw_store
        self.tz = tz

    def record(
        self, fetched: FetchedMessage, parsed: InboundMail | ParseFailure, *,
        history: bool, now: datetime,
    ) -> Outcome:
        sha = self.raw_store.put(fetched.raw, getattr(parsed, "sha256", None) or None)
        if isinstance(parsed, ParseFailure):
            return self._quarantine(fetched, sha, parsed.reason, now)
        try:
            with self.sessions.begin() as session:
                outcome = self._store(session, fetched, parsed, sha, history, now)
                repo.save_checkpoint(session, fetched.folder, fetched.uidvalidity,
                                     fetched.uid, now)
            return outcome
        except IntegrityError:
            # Another writer stored the same Message-ID between our check and commit.
            return Outcome("duplicate", None, parsed.message_id, "recorded concurrently")
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise TransientError(f"database unavailable: {exc.orig}") from exc
            return self._quarantine(fetched, sha, f"cannot store: {exc.orig}", now)

    def _store(
        self, session: Session, fetched: FetchedMessage, mail: InboundMail, sha: str,
        history: bool, now: datetime,
    ) -> Outcome:
        received = fetched.internal_date or now
        existing = repo.message_by_key(session, mail.message_id)
        if existing is not None:
            detail = f"already stored in {existing.ticket.number}"
            if existing.raw_sha256 != sha:
                detail += f"; different bytes kept as raw {sha[:12]}"
                repo.add_event(session, existing.ticket, "duplicate_message_id", now,
                               f"{mail.message_id} arrived again with other content "
                               f"(UID {fetched.uid}, raw {sha})")
            return Outcome("duplicate", existing.ticket.number, mail.message_id, detail)

        refs = [r for r in (mail.in_reply_to, *mail.references) if r]
        match = match_thread(
            mail.subject, mail.in_reply_to, mail.references,
            known_tickets=repo.existing_ticket_numbers(
                session, [ticket_number_in_subject(mail.subject) or ""]),
            ticket_by_message_id=repo.tickets_by_message_keys(session, refs),
        )
        ticket = repo.ticket_by_number(session, match.ticket) if match.ticket else None
        if ticket is None:
            action = "created"
            ticket = Ticket(
                number=repo.next_ticket_number(session, received.astimezone(self.tz).year),
                state="new", subject=_clean(mail.subject),
                requester=mail.sender.address if mail.sender else "",
                requester_name=_clean(mail.sender.name if mail.sender else ""),
                history=history, created_at=received, updated_at=now,
            )
            session.add(ticket)
        elif ticket.state in CLOSED_STATES:
            action = "reopened"
            ticket.state, ticket.updated_at = "new", now
        else:
            action = "follow_up"
            ticket.updated_at = now

        message = self._message_row(fetched, mail, sha, received, history)
        message.ticket = ticket
        session.add(message)
        session.flush()
        if action == "created":
            repo.add_event(session, ticket, "created", now, match.reason, message)
        elif action == "reopened":
            repo.add_event(session, ticket, "reopened", now,
                           f"follow-up to a closed ticket ({match.reason})", message)
        else:
            repo.add_event(session, ticket, "follow_up", now, match.reason, message)
        return Outcome(action, ticket.number, mail.message_id, match.reason)

    @staticmethod
    def _message_row(
        fetched: FetchedMessage, mail: InboundMail, sha: str, received: datetime, history: bool
    ) -> Message:
        message = Message(
            message_key=mail.message_id, synthetic_key=mail.message_id_synthetic,
            folder=fetched.folder, uid=fetched.uid, uidvalidity=fetched.uidvalidity,
            sender_name=_clean(mail.sender.name if mail.sender else ""),
            sender_address=mail.sender.address if mail.sender else "",
            subject=_clean(mail.subject), sent_at=mail.date, received_at=received,
            in_reply_to=mail.in_reply_to, references=" ".join(mail.references),
            body_text=_clean(mail.text), raw_sha256=sha, raw_size=len(fetched.raw),
            server_size=fetched.size, oversized=fetched.oversized or mail.oversized,
            history=history, defects=" ".join(mail.defects),
        )
        message.attachments = [
            AttachmentRow(filename=_clean(a.filename), content_type=a.content_type,
                          size=a.size, sha256=a.sha256)
            for a in mail.attachments
        ]
        return message

    def _quarantine(self, fetched: FetchedMessage, sha: str, reason: str, now: datetime) -> Outcome:
        with self.sessions.begin() as session:
            entry = repo.quarantine_by_sha(session, sha)
            if entry is None:
                entry = QuarantineEntry(
                    folder=fetched.folder, uid=fetched.uid, uidvalidity=fetched.uidvalidity,
                    raw_sha256=sha, raw_size=len(fetched.raw), reason=_clean(reason)[:4000],
                    created_at=now,
                )
                session.add(entry)
            else:
                entry.attempts += 1
                entry.reason = _clean(reason)[:4000]
            repo.save_checkpoint(session, fetched.folder, fetched.uidvalidity, fetched.uid, now)
            session.flush()
            return Outcome("quarantined", None, None, f"quarantine #{entry.id}: {reason}")

    def retry_quarantined(self, entry_id: int, now: datetime) -> Outcome:
        """Parse the kept raw bytes again (after a parser fix) and record them."""
        with self.sessions.begin() as session:
            entry = session.get(QuarantineEntry, entry_id)
            if entry is None:
                raise KeyError(entry_id)
            raw = self.raw_store.get(entry.raw_sha256)
            fetched = FetchedMessage(entry.folder, entry.uid, entry.uidvalidity, raw,
                                     entry.raw_size, entry.created_at)
        parsed = parse_safely(raw)
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
