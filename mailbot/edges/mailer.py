"""How the outbox and the alarms hand over a finished message: the Mailer protocol.

A Mailer sends one message; a MailSession sends many in a row (the outbox's delivery
pass). SMTP is one implementation (smtp.py); the others here move bytes elsewhere: the
capture folder of the demo, and any Mailer taken one message at a time.
"""

from __future__ import annotations

import itertools
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from mailbot.errors import SmtpError


class Mailer(Protocol):
    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        """Deliver `raw` (CRLF bytes) or raise SmtpError / SmtpRejected."""
        ...


class MailSession(Protocol):
    """Many messages in a row (the outbox): the same reactions as `Mailer.send`."""

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None: ...

    def close(self) -> None: ...


class OneByOne:
    """A MailSession over any Mailer: each message on its own (the capture folder, the
    e-mail-to-SMS gateway, a test's mailer)."""

    def __init__(self, mailer: Mailer):
        self.mailer = mailer

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        self.mailer.send(envelope_from, recipients, raw)

    def close(self) -> None:
        return None


class CaptureMailer:
    """Writes each message as `<UTC timestamp>-<n>.eml` into a folder instead of sending
    (the demo's "outgoing mail captured locally"). Atomic: a reader never sees half a
    file, and an existing file is never overwritten (another process may capture too).
    Only disk errors fail, as SmtpError, so the outbox retries them like an outage."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.last_path: Path | None = None
        self._n = itertools.count(1)

    def __repr__(self) -> str:
        return f"CaptureMailer({self.directory})"

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f".{stamp}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            with open(tmp, "xb") as f:
                f.write(raw)
                f.flush()
                os.fsync(f.fileno())
            try:
                target = self._publish(tmp, stamp)
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise SmtpError(f"cannot capture mail in {self.directory}: {exc}") from exc
        self.last_path = target

    def _publish(self, tmp: Path, stamp: str) -> Path:
        """Give the finished file its name: a hard link never replaces an existing file."""
        while True:
            target = self.directory / f"{stamp}-{next(self._n)}.eml"
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                continue
