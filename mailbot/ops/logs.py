"""Log output: readable lines by default, JSON lines for a log collector, and
secrets scrubbed from both.

The known secrets (IMAP/SMTP passwords, SMS token, OAuth2 client secret) are replaced
by `***` in every record, whatever logger wrote it, because a library's error message
or a traceback may quote them (an SMTP server echoing AUTH, a URL with a token)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from mailbot.scrub import Scrubber

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message[, error]."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            doc["error"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


class Redact(logging.Filter):
    """Replaces each known secret (4+ characters), in every form a server may echo it in,
    by *** in the message and traceback (the one scrubber, mailbot/scrub.py)."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.scrub = Scrubber.of(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.scrub:
            record.msg, record.args = self.scrub(record.getMessage()), None
            if record.exc_info:
                record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


def setup(verbose: bool = False, json_lines: bool = False, secrets: Iterable[str] = ()) -> None:
    """Like logging.basicConfig, a host that configured logging already (pytest) keeps
    its handlers; a second call replaces only what an earlier one added."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "added_by_mailbot", False)]:
        root.removeHandler(handler)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.added_by_mailbot = True  # type: ignore[attr-defined]
        handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
        handler.addFilter(Redact(secrets))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("imapclient", "apscheduler", "alembic", "msal", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def counts_text(counts: Mapping[str, int], empty: str = "") -> str:
    """One wording for tallies in logs and command output ("created 3, follow_up 1")."""
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or empty
