"""IMAP IDLE: take new mail within seconds instead of at the next poll.

A second connection sits in IDLE on the intake folder (read-only) and, when the server
announces new mail, asks the daemon for a poll; the poll itself (and everything that
makes intake exactly-once) is unchanged, and the periodic poll stays as a safety net.
The IDLE command is renewed every `renew` seconds, before servers drop it (~30 min,
RFC 3501 §6.3.13). Any failure — a dropped connection, imapclient's AbortError on a
split response, a refused login — closes the connection and retries after an
exponential, capped backoff; the thread never dies of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mailbot.core.backoff import Backoff
from mailbot.edges.imap import ImapMailbox, ImapSettings

log = logging.getLogger("mailbot.idle")

NEW_MAIL = (b"EXISTS", b"RECENT")
RECONNECT = Backoff(base=2, cap=300)


class IdleWatcher:
    def __init__(
        self,
        settings: Callable[[], ImapSettings],
        folder: str,
        wake: Callable[[], None],
        *,
        active: Callable[[], bool],
        stop: threading.Event,
        renew: float,
        backoff: Backoff = RECONNECT,
    ):
        self.settings = settings
        self.folder = folder
        self.wake = wake
        self.active = active
        self.stop = stop
        self.renew = renew
        self.backoff = backoff
        self.failures = 0
        self.unsupported = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="imap-idle", daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        while not self.stop.is_set() and not self.unsupported:
            if not self.active():  # a standby does not watch
                self.stop.wait(1)
                continue
            mailbox = ImapMailbox(self.settings())
            try:
                self._session(mailbox)
            except Exception as exc:  # noqa: BLE001 - never let the watcher die
                self.failures += 1
                delay = self.backoff.delay(self.failures)
                log.warning("IDLE connection lost (%s); reconnecting in %.0f s (the poll "
                            "every interval goes on)", exc, delay)  # fmt: skip
                self.stop.wait(delay)
            finally:
                mailbox.close()

    def _session(self, mailbox: ImapMailbox) -> None:
        mailbox.connect()
        client = mailbox.client
        assert client is not None
        if not client.has_capability("IDLE"):
            log.info("the IMAP server does not offer IDLE: polling every interval only")
            self.unsupported = True
            return
        client.select_folder(self.folder, readonly=True)
        log.info("IDLE on %s: new mail is taken as it arrives", self.folder)
        self.failures = 0
        self.wake()  # whatever arrived while we were not watching
        while not self.stop.is_set() and self.active():
            client.idle()
            started = time.monotonic()
            try:
                while time.monotonic() - started < self.renew and not self.stop.is_set():
                    asked = time.monotonic()
                    responses = client.idle_check(timeout=1)
                    if any(len(r) > 1 and r[1] in NEW_MAIL for r in responses):
                        log.debug("IDLE: new mail announced: %s", responses)
                        self.wake()
                    if not responses and time.monotonic() - asked < 0.5:
                        # imapclient's idle_check swallows EOF and returns [] at once,
                        # forever: leave IDLE, and DONE on a dead connection raises.
                        break
                    if not self.active():
                        break
            finally:
                client.idle_done()
