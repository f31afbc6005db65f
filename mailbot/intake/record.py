"""Messages: dedup -> thread -> store. A message and its ticket change are always in
the same transaction; a group of consecutive messages may share one (group commit).

The caller (poller) moves or flags messages on the server only after the commit, so a
crash before it leaves them to be fetched again, and a crash after it is caught by the
Message-ID dedup on the next pass. A group that fails is replayed one message per
transaction, so one bad message never costs its neighbours.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core.classify import Classification, ClassifyRules
from mailbot.errors import TransientError
from mailbot.faults import crash_point
from mailbot.intake.decider import Decider
from mailbot.intake.filing import Outcome, file_message
from mailbot.intake.group_writes import GroupWrites
from mailbot.intake.prepare import ParseFailure, Prepared, parse_safely, prepare
from mailbot.intake.ticket_rows import GROUP, clean
from mailbot.model import FetchedMessage, InboundMail
from mailbot.outgoing.outbox import Outbox
from mailbot.store import repo
from mailbot.store.rawstore import RawStore
from mailbot.store.tables import QuarantineEntry

log = logging.getLogger("mailbot.intake")

__all__ = ["Intake", "Outcome"]


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
                mails = [p.parsed for _, p, _ in items if isinstance(p.parsed, InboundMail)]
                keys = [m.message_id for m in mails]
                absent = set(keys) - repo.stored_keys(session, keys)  # one query for all
                refs = [r for m in mails for r in (m.in_reply_to, *m.references) if r]
                earlier = repo.tickets_by_message_keys(session, refs)  # and one for threads
                group = session.info[GROUP] = GroupWrites(absent, earlier)
                if self.outbox is not None:  # the group's outbox rows go in with it
                    senders = [m.sender.address for m in mails if m.sender]
                    self.outbox.begin_batch(session, senders, now)
                for fetched, prepared, history in items:
                    outcomes.append(self._record_in(session, fetched, prepared, history, now))
                    crash_point("intake.stored")  # one message + its outbox rows, uncommitted
                    if stop():
                        break
                group.finish(session.connection())  # messages, attachments, events, counter
                if self.outbox is not None:
                    self.outbox.write_batch(session, group.resolve)
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
        """filing.file_message with this intake's decider and outbox (a method, so a
        test can wrap it)."""
        return file_message(session, fetched, mail, sha, history, now, what,
                            tz=self.tz, decider=self.decider, outbox=self.outbox)  # fmt: skip

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
                reason=clean(reason)[:4000],
                created_at=now,
            )
            session.add(entry)
        else:
            entry.attempts += 1
            entry.reason = clean(reason)[:4000]
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
                entry.reason = clean(parsed.reason)[:4000]
            return Outcome("quarantined", None, None, parsed.reason)
        with self.sessions.begin() as session:
            outcome = self._store(session, fetched, parsed, entry.raw_sha256, False, now)
            entry = session.get(QuarantineEntry, entry_id)
            assert entry is not None
            entry.resolved_at = now
            entry.resolution = f"{outcome.action} {outcome.ticket or ''}".strip()
        return outcome
