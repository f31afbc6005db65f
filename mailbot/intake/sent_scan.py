"""Staff replies sent from their own mail program (Outlook) never pass through the
inbox: they land in the mailbox's Sent folder. Scanning it finds the first reaction to a
ticket (a staff member's reply carrying the ticket number stops the R-SLA-1
clock). Nothing is moved or flagged there; only a checkpoint is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mailbot.core.threads import ticket_number_in_subject
from mailbot.edges.imap import ImapMailbox
from mailbot.errors import ParseError
from mailbot.intake.parse import parse_message
from mailbot.settings.rulebook import Rulebook
from mailbot.store import repo

log = logging.getLogger("mailbot.sent")


class SentScanner:
    def __init__(
        self,
        mailbox: ImapMailbox,
        folder: str,
        sessions: sessionmaker[Session],
        book: Rulebook,
        clock: Callable[[], datetime],
    ):
        self.mailbox = mailbox
        self.folder = folder
        self.sessions = sessions
        self.book = book
        self.clock = clock

    def scan(self) -> int:
        """New mail in the Sent folder -> reactions recorded; returns how many."""
        now = self.clock()
        status = self.mailbox.select(self.folder)
        with self.sessions.begin() as session:
            state = repo.folder_state(session, self.folder)
            if state is None or state.uidvalidity != status.uidvalidity:
                # Start from now: old sent mail says nothing about today's tickets.
                state = repo.reset_folder(session, self.folder, status.uidvalidity, 0, now)
                state.last_uid = max(0, status.uidnext - 1)
            last_uid = state.last_uid
        uids = self.mailbox.uids_after(last_uid)
        found = 0
        for start in range(0, len(uids), 100):
            chunk = uids[start : start + 100]
            raws = self.mailbox.fetch_raw(chunk)
            with self.sessions.begin() as session:
                for uid in chunk:
                    found += self._reaction(session, raws.get(uid, b""), now)
                repo.save_checkpoint(session, self.folder, status.uidvalidity, chunk[-1], now)
        return found

    def _reaction(self, session: Session, raw: bytes, now: datetime) -> int:
        try:
            mail = parse_message(raw)
        except ParseError:
            return 0
        number = ticket_number_in_subject(mail.subject)
        staff = self.book.staff_for_address(mail.sender.address) if mail.sender else None
        if not number or staff is None:
            return 0
        ticket = repo.ticket_by_number(session, number)
        if ticket is None or ticket.reacted_at is not None:
            return 0
        ticket.reacted_at, ticket.reacted_by = mail.date or now, staff.id
        repo.add_event(
            session,
            ticket,
            "reaction",
            now,
            f"first reaction: {staff.id} replied from the Sent folder (stops the R-SLA-1 clock)",
        )
        log.info("ticket %s: reaction by %s found in %s", number, staff.id, self.folder)
        return 1
