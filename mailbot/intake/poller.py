"""One pass over the mailbox. Never dies on one message; stops cleanly when asked.

Order per batch: fetch (BODY.PEEK) -> parse (worker processes) -> record each message
in its own transaction -> only then move/flag the recorded UIDs on the server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.core.classify import ClassifyRules
from mailbot.edges.imap import TRUNCATED_BODY, FolderStatus, ImapMailbox
from mailbot.errors import ConfigError, TransientError
from mailbot.faults import crash_point
from mailbot.intake.prepare import ParseFailure, Prepared, RulesParcel, prepare
from mailbot.intake.record import Intake, Outcome
from mailbot.model import FetchedMessage, InboundMail
from mailbot.settings.config import PROCESSED_KEYWORD, ImapConfig
from mailbot.store import repo

log = logging.getLogger("mailbot.poller")


@dataclass
class PollReport:
    folder: str
    fetched: int = 0
    history: int = 0
    finished: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    stopped: bool = False

    def count(self, action: str) -> None:
        self.actions[action] = self.actions.get(action, 0) + 1

    def summary(self) -> str:
        acts = ", ".join(f"{k} {v}" for k, v in sorted(self.actions.items())) or "nothing new"
        return (
            f"{self.folder}: {self.fetched} fetched ({acts}; {self.history} as history), "
            f"{self.finished} finished on the server in {self.seconds:.2f}s"
        )


GROUP_COMMIT = 50  # messages per transaction at most (see intake.record_group)


def _prepare_all(
    pool: Executor | None,
    batch: list[FetchedMessage],
    raw_root: Path,
    rules: ClassifyRules | None,
    parcel: RulesParcel | None,
) -> Iterator[Prepared]:
    """Keep raw bytes, parse and classify in worker processes; results come in order.
    The rules travel as `parcel` (RulesParcel.of(rules), built once by the caller, never
    the rules object: each chunk would pickle it): four chunks per batch keep both
    workers busy and beat sixteen end to end (the README's benchmarks)."""
    raws = [m.raw for m in batch]
    flags = [m.oversized for m in batch]
    roots = [raw_root] * len(batch)
    if pool is None or len(batch) < 16:  # not worth the pickling round trip
        return map(prepare, raws, flags, roots, [rules] * len(batch))
    ruleset = [parcel] * len(batch)
    return pool.map(prepare, raws, flags, roots, ruleset, chunksize=max(1, len(batch) // 4))


class Poller:
    def __init__(
        self,
        imap: ImapConfig,
        mailbox: ImapMailbox,
        intake: Intake,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        tz: ZoneInfo,
        *,
        history_cutoff: date | None = None,
        pool: Callable[[], Executor | None] = lambda: None,
        stop: threading.Event | None = None,
        committed: Callable[[], None] = lambda: None,
    ):
        self.imap = imap
        self.mailbox = mailbox
        self.intake = intake
        self.sessions = sessions
        self.clock = clock
        self.tz = tz
        self.cutoff = datetime.combine(history_cutoff, dtime(0), tz) if history_cutoff else None
        self.pool = pool  # returns the live worker pool (rebuilt by the owner when broken)
        self.stop = stop or threading.Event()
        self.committed = committed  # after each group commit: its replies may go out now
        self._reconciled = False  # leftovers below the checkpoint checked since (re)connect
        self._target_ready = False
        self._parcel: tuple[ClassifyRules, RulesParcel] | None = None

    def _rules_parcel(self) -> tuple[ClassifyRules | None, RulesParcel | None]:
        """The intake's classify rules and their parcel for the workers, packed again
        only when the rules changed (rules/ is reread while running)."""
        rules = self.intake.classify_rules
        if rules is None:
            return None, None
        if self._parcel is None or self._parcel[0] is not rules:
            self._parcel = (rules, RulesParcel.of(rules))
        return rules, self._parcel[1]

    def poll_once(self) -> PollReport:
        started = time.monotonic()
        folder = self.imap.folder
        report = PollReport(folder)
        try:
            try:
                self._poll(folder, report)
                crash_point("intake.poll_done")  # checkpoint saved, before delivery
            except (OperationalError, InterfaceError) as exc:  # the database went away
                raise TransientError(f"database unavailable: {exc.orig}") from exc
        except BaseException:
            # Start the next poll from scratch: new connection, leftovers re-checked.
            self._reconciled = self._target_ready = False
            self.mailbox.close()
            raise
        finally:
            report.seconds = time.monotonic() - started
        return report

    def _poll(self, folder: str, report: PollReport) -> None:
        now = self.clock()
        if self.mailbox.selected != folder:
            # First poll on this connection. Afterwards the folder stays selected and an
            # idle poll is one UID SEARCH: UIDVALIDITY cannot change within a session
            # (RFC 3501 2.3.1.1; a server that recreates the folder drops us instead).
            status = self.mailbox.select(folder)
            if self.imap.processed == "flag" and not status.keeps_keyword(PROCESSED_KEYWORD):
                raise ConfigError(
                    f"the server does not keep the keyword {PROCESSED_KEYWORD} in {folder}: "
                    'use processed = "move"',
                    key="imap.processed",
                )
            self._check_validity(folder, status, now)
        with self.sessions.begin() as session:
            state = repo.folder_state(session, folder)
            assert state is not None
            last_uid, backlog_until = state.last_uid, state.backlog_until_uid
            uidvalidity = state.uidvalidity
            state.last_poll_at = now

        uids = self.mailbox.uids_after(last_uid)
        if not self._reconciled:
            keyword = PROCESSED_KEYWORD if self.imap.processed == "flag" else None
            leftovers = self.mailbox.uids_upto(last_uid, without_keyword=keyword)
            if leftovers:
                log.info(
                    "%d message(s) at or below the checkpoint still in %s "
                    "(interrupted before the move): finishing them",
                    len(leftovers),
                    folder,
                )
            uids = sorted(set(leftovers) | set(uids))
            self._reconciled = True
        if not uids:
            return
        if self.imap.processed == "move" and not self._target_ready:
            self.mailbox.ensure_folder(self.imap.processed_folder)
            self._target_ready = True
        # Pipelined: while batch N is recorded here, the workers already prepare batch
        # N+1 (fetched just before), when both fit in imap.batch_bytes together; else N
        # is recorded first. A stop drops the prefetched batch: it was neither recorded
        # nor moved, so the next poll fetches it again.
        pending: tuple[list[FetchedMessage], Iterator[Prepared]] | None = None
        pending_bytes = 0
        for chunk, meta, size in self._batches(uids):
            if self.stop.is_set():
                break
            if pending is not None and pending_bytes + size > self.imap.batch_bytes:
                self._record_batch(*pending, backlog_until, report)
                pending = None
                if self.stop.is_set():
                    break
            batch = self.mailbox.fetch_messages(
                folder, uidvalidity, chunk, self.imap.max_message_size, meta
            )
            crash_point("intake.fetched")  # fetched, not yet recorded
            upcoming = (
                batch,
                _prepare_all(self.pool(), batch, self.intake.raw_store.root, *self._rules_parcel()),
            )
            if pending is not None:
                self._record_batch(*pending, backlog_until, report)
                if self.stop.is_set():
                    report.stopped = True
                    return
            pending, pending_bytes = upcoming, size
        if pending is not None:
            self._record_batch(*pending, backlog_until, report)
        if self.stop.is_set():
            report.stopped = True

    def _batches(
        self, uids: list[int]
    ) -> Iterator[tuple[list[int], dict[int, tuple[int, datetime | None]], int]]:
        """UIDs in fetch batches of at most imap.batch_size messages and imap.batch_bytes
        bytes (a message bigger than that alone), each with the sizes and dates of its
        chunk (one FETCH per imap.batch_size UIDs) and its own bytes. A message over
        imap.max_message_size counts as the part of it that is fetched."""
        for start in range(0, len(uids), self.imap.batch_size):
            chunk = uids[start : start + self.imap.batch_size]
            meta = self.mailbox.fetch_meta(chunk)
            batch: list[int] = []
            size = 0
            for uid in chunk:
                if uid not in meta:
                    continue  # expunged meanwhile by someone else: nothing to record
                n = meta[uid][0]
                n = n if n <= self.imap.max_message_size else min(n, TRUNCATED_BODY)
                if batch and size + n > self.imap.batch_bytes:
                    yield batch, meta, size
                    batch, size = [], 0
                batch.append(uid)
                size += n
            if batch:
                yield batch, meta, size

    def _check_validity(self, folder: str, status: FolderStatus, now: datetime) -> None:
        """Start the checkpoint on a first run (backlog = history), or restart it when
        the server's UIDVALIDITY changed."""
        with self.sessions.begin() as session:
            state = repo.folder_state(session, folder)
            if state is None:
                backlog = status.uidnext - 1 if status.exists else 0
                repo.reset_folder(session, folder, status.uidvalidity, backlog, now)
                if backlog:
                    log.info(
                        "first start on %s: %d message(s) up to UID %d are backlog, "
                        "recorded as history%s",
                        folder,
                        status.exists,
                        backlog,
                        f" unless received after {self.cutoff:%Y-%m-%d}" if self.cutoff else "",
                    )
            elif state.uidvalidity != status.uidvalidity:
                log.warning(
                    "UIDVALIDITY of %s changed %d -> %d: full resync, "
                    "Message-ID dedup keeps it from doubling",
                    folder,
                    state.uidvalidity,
                    status.uidvalidity,
                )
                repo.reset_folder(session, folder, status.uidvalidity, 0, now)
                self._reconciled = True  # a full resync covers every UID anyway

    def _record_batch(
        self,
        batch: list[FetchedMessage],
        prepared: Iterator[Prepared],
        backlog_until: int,
        report: PollReport,
    ) -> None:
        done: list[int] = []
        group: list[tuple[FetchedMessage, Prepared, bool]] = []
        try:
            for i, (fetched, prep) in enumerate(zip(batch, prepared, strict=True)):
                group.append((fetched, prep, self._is_history(fetched, backlog_until)))
                if len(group) < GROUP_COMMIT and i < len(batch) - 1:
                    continue
                outcomes = self.intake.record_group(group, self.clock(), self.stop.is_set)
                crash_point("intake.committed")  # committed, not yet moved/flagged
                self.committed()
                for (f, p, history), outcome in zip(group, outcomes, strict=False):
                    done.append(f.uid)
                    report.fetched += 1
                    report.history += history
                    report.count(outcome.action)
                    self._log(f, p.parsed, outcome, history)
                group = []
                if self.stop.is_set():
                    report.stopped = True
                    break
        finally:
            self._finish(done)
            report.finished += len(done)

    def _is_history(self, fetched: FetchedMessage, backlog_until: int) -> bool:
        if fetched.uid > backlog_until:
            return False
        return not (self.cutoff and fetched.internal_date and fetched.internal_date >= self.cutoff)

    def _finish(self, uids: Iterable[int]) -> None:
        uids = list(uids)
        if not uids:
            return
        if self.imap.processed == "move":
            self.mailbox.move(uids, self.imap.processed_folder)
        else:
            self.mailbox.flag(uids, PROCESSED_KEYWORD)
        crash_point("intake.moved")  # moved/flagged on the server

    def _log(
        self,
        fetched: FetchedMessage,
        parsed: InboundMail | ParseFailure,
        outcome: Outcome,
        history: bool,
    ) -> None:
        sender = parsed.sender.address if isinstance(parsed, InboundMail) and parsed.sender else "-"
        log.info(
            "folder=%s uid=%d message_id=%s from=%s ticket=%s action=%s%s%s%s%s",
            fetched.folder,
            fetched.uid,
            outcome.message_key or "-",
            sender,
            outcome.ticket or "-",
            outcome.action,
            " history" if history else "",
            " oversized" if fetched.oversized else "",
            f" {outcome.summary}" if outcome.summary else "",
            f" ({outcome.detail})" if outcome.action in ("quarantined", "duplicate") else "",
        )
