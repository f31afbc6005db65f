"""Group commit: the rows it defers to the group's end are the rows that one
message per transaction writes, on SQLite and PostgreSQL.

The reference is the same messages recorded with ``Intake.record`` (no group: every row
inserted at once) into a fresh SQLite file; the group path runs on the parametrized
database. Tickets (numbers included), messages, attachments, events, counters and
outcomes must be equal. The mix has duplicates within a group (same and other bytes),
replies to messages earlier in the same group, attachments, a message that does not
parse, and live mail that queues replies (which needs message ids at once).
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mailbot.core.threads import format_ticket_number
from mailbot.daemon import App
from mailbot.intake import record as intake_module
from mailbot.intake.record import Outcome
from mailbot.model import FetchedMessage
from mailbot.settings.config import load_config
from mailbot.store.db import make_engine, upgrade
from mailbot.store.tables import (
    AttachmentRow,
    Message,
    OutboxItem,
    Ticket,
    TicketCounter,
    TicketEvent,
)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GROUP = 50


def _generate(n: int, seed: int) -> list[bytes]:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return list(module.generate(n, seed=seed))


def _app(base: Path, name: str, db_url: str) -> App:
    path = base / f"{name}.toml"
    path.write_text(
        '[imap]\nhost = "127.0.0.1"\nport = 1\ntls = "none"\nuser = "x"\n'
        'password_env = "MAILBOT_TEST_UNUSED"\nprocessed = "flag"\n\n'
        f'[storage]\ndata_dir = "{base / name}"\ndatabase_url = "{db_url}"\n\n'
        f'[general]\nrules_dir = "{ROOT / "rules"}"\ntemplates_dir = "{ROOT / "templates"}"\n',
        encoding="utf-8",
    )
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    return App(load_config(path))


def _plain(message_id: str, subject: str, in_reply_to: str = "") -> bytes:
    reply = (
        f"In-Reply-To: <{in_reply_to}>\r\nReferences: <{in_reply_to}>\r\n" if in_reply_to else ""
    )
    return (
        f"From: Anna Nowak <anna@piekarnia-rozan.pl>\r\nTo: pomoc@kjm.pl\r\n"
        f"Subject: {subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\n"
        f"Message-ID: <{message_id}>\r\n{reply}MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nTre\u015b\u0107 {subject}.\r\n"
    ).encode()


def _mail() -> list[tuple[bytes, bool]]:
    """(raw, history): a backlog stretch, then live mail, with the awkward cases inside."""
    raws = _generate(170, seed=11)
    dup = raws[5]
    other = dup.replace(b"\r\n\r\n", b"\r\n\r\nInna tre\xc5\x9b\xc4\x87.\r\n", 1)
    raws[7:7] = [dup, other]  # the same Message-ID twice more within the first group
    raws.insert(60, b"\x00\x01 not mail at all")  # quarantined in the middle of a group
    for at, live in ((20, "backlog"), (130, "live")):  # a reply by In-Reply-To only,
        first = _plain(f"{live}-q@piekarnia-rozan.pl", f"Pytanie {live}")  # same group
        answer = _plain(
            f"{live}-a@piekarnia-rozan.pl", f"Re: Pytanie {live}", f"{live}-q@piekarnia-rozan.pl"
        )
        raws[at:at] = [first, raws[at], answer]
    # Tickets the group opened are read back within it: an out-of-office reply joins its
    # sender's ticket of the same group, and a subject names the group's first ticket.
    away = _plain("live-ooo@piekarnia-rozan.pl", "Automatyczna odpowiedź: Re: Pytanie live")
    raws.insert(134, away.replace(b"MIME-Version", b"Auto-Submitted: auto-replied\r\nMIME-Version"))
    named = _plain("num@piekarnia-rozan.pl", f"[{format_ticket_number(2026, 1)}] dalej to samo")
    raws.insert(10, named)
    return [(raw, i < 120) for i, raw in enumerate(raws)]


def _items(app: App, mail: list[tuple[bytes, bool]]):
    return [
        (FetchedMessage("INBOX", uid, 7, raw, len(raw), NOW), app.intake.prepare(raw), history)
        for uid, (raw, history) in enumerate(mail, 1)
    ]


def _rows(app: App, table: Any, order: Any) -> list[dict[str, Any]]:
    def plain(value: Any) -> Any:  # SQLite gives naive UTC datetimes, PostgreSQL aware ones
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    with app.sessions() as session:
        rows = session.execute(select(table.__table__).order_by(order)).mappings()
        return [{k: plain(v) for k, v in row.items()} for row in rows]


def _tables(app: App) -> dict[str, list[dict[str, Any]]]:
    return {
        "ticket": _rows(app, Ticket, Ticket.id),
        "message": _rows(app, Message, Message.id),
        "attachment": _rows(app, AttachmentRow, AttachmentRow.id),
        "event": _rows(app, TicketEvent, TicketEvent.id),
        "counter": _rows(app, TicketCounter, TicketCounter.year),
        "outbox": [
            {k: v for k, v in row.items() if k != "message_id"}  # a fresh Message-ID each
            for row in _rows(app, OutboxItem, OutboxItem.id)
        ],
    }


def _by_group(app: App, items) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for start in range(0, len(items), GROUP):
        outcomes += app.intake.record_group(items[start : start + GROUP], NOW)
    return outcomes


def test_group_commit_writes_what_one_message_per_transaction_writes(tmp_path, db_url, caplog):
    mail = _mail()
    reference = _app(tmp_path, "reference", f"sqlite:///{tmp_path / 'reference.db'}")
    items = _items(reference, mail)
    expected = [reference.intake.record(f, p, history=h, now=NOW) for f, p, h in items]
    grouped = _app(tmp_path, "grouped", db_url)
    try:
        assert _by_group(grouped, _items(grouped, mail)) == expected
        got, want = _tables(grouped), _tables(reference)
    finally:
        reference.close()
        grouped.close()
    assert "one by one" not in caplog.text  # no group failed and was replayed
    actions = {o.action for o in expected}
    assert sum(o.detail.startswith("In-Reply-To") for o in expected) >= 2, expected
    assert {"created", "follow_up", "duplicate", "quarantined"} <= actions
    assert len(want["attachment"]) >= 5 and len(want["outbox"]) >= 20
    assert any(r["kind"] == "duplicate_message_id" for r in want["event"])
    by_key = {o.message_key: o for o in expected}
    first_ticket = format_ticket_number(2026, 1)
    assert by_key["<num@piekarnia-rozan.pl>"].ticket == first_ticket  # opened 10 mails before
    away = by_key["<live-ooo@piekarnia-rozan.pl>"]
    assert away.action == "automatic"  # joined the ticket opened 3 mails before it
    assert away.ticket == by_key["<live-q@piekarnia-rozan.pl>"].ticket
    for name in want:
        assert got[name] == want[name], name


def test_a_message_id_stored_meanwhile_fails_the_group_and_the_replay_records_the_rest(
    tmp_path, db_url, monkeypatch
):
    """Between the group's one Message-ID check and its end another writer stores one of
    its messages: the deferred INSERT fails at the end, the whole group rolls back (the
    counter too) and the replay records each message once."""
    app = _app(tmp_path, "meanwhile", db_url)
    try:
        items = _items(app, [(raw, True) for raw in _generate(12, seed=3)])
        first = app.intake.record(*items[4][:2], history=True, now=NOW)  # "the other writer"
        assert first.action == "created"
        monkeypatch.setattr(intake_module.repo, "stored_keys", lambda _session, _keys: set())
        outcomes = app.intake.record_group(items, NOW)
        assert [o.action for o in outcomes].count("duplicate") == 1
        assert outcomes[4].action == "duplicate" and outcomes[4].ticket == first.ticket
        tables = _tables(app)
    finally:
        app.close()
    keys = [m["message_key"] for m in tables["message"]]
    assert len(keys) == len(set(keys)) == 12
    numbers = sorted(t["number"] for t in tables["ticket"])
    created = [o for o in outcomes if o.action == "created"]
    assert len(numbers) == len(created) + 1  # no number lost or taken twice by the rollback
    assert tables["counter"][0]["last"] == len(numbers)
    assert numbers == [f"KJM-2026-{i:06d}" for i in range(1, len(numbers) + 1)]
