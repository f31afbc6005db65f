"""Every shared corpus file through intake+store: a ticket, a follow-up, a duplicate of an
identical Message-ID, or a quarantine entry with a reason — never a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mailbot.intake.record import Intake
from mailbot.model import FetchedMessage
from mailbot.store.db import make_engine, session_factory, upgrade
from mailbot.store.rawstore import RawStore
from mailbot.store.tables import Message, QuarantineEntry
from tests.paths import CORPUS, need_corpus


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md")


@pytest.mark.integration
def test_corpus_through_intake(tmp_path, db_url):
    need_corpus()
    files = corpus_files()
    assert files, f"no mail files in {CORPUS}"
    engine = make_engine(db_url)
    upgrade(engine)
    intake = Intake(session_factory(engine), RawStore(tmp_path / "raw"), ZoneInfo("Europe/Warsaw"))
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    actions: dict[str, int] = {}
    for uid, path in enumerate(files, start=1):
        raw = path.read_bytes()
        fetched = FetchedMessage("INBOX", uid, 1, raw, len(raw), now)
        outcome = intake.record(fetched, intake.prepare(raw), history=True, now=now)
        actions[outcome.action] = actions.get(outcome.action, 0) + 1
        assert outcome.action in {"created", "follow_up", "reopened", "duplicate", "quarantined"}
        if outcome.action == "quarantined":
            assert outcome.detail.strip()
        else:
            assert outcome.message_key
    print(f"\n{len(files)} corpus files: {actions}")
    with session_factory(engine)() as s:
        stored = s.scalar(select(func.count(Message.id)))
        quarantined = s.scalar(select(func.count(QuarantineEntry.id)))
        reasons = list(s.scalars(select(QuarantineEntry.reason)))
    engine.dispose()
    assert all(r.strip() for r in reasons)
    # every file is accounted for: stored, quarantined (identical bytes share one entry),
    # or a repeat of an already stored Message-ID (sisimai keeps LF/CRLF/CR twins)
    assert stored == actions.get("created", 0) + actions.get("follow_up", 0)
    assert 0 < quarantined <= actions["quarantined"]
    assert sum(actions.values()) == len(files)
    # quarantine is for non-mail (bare MIME entities, the Outlook .msg binary), not for
    # messages with odd charsets or broken parts: those must be recorded
    assert actions["quarantined"] < 0.05 * len(files), sorted(set(reasons))
