"""The package ledger's reads for intake (store/ledger.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event

from mailbot.settings.rules import load_rules
from mailbot.store import ledger as ledger_store
from mailbot.store import repo
from mailbot.store.db import make_engine, session_factory, upgrade

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_rows_read_once_per_transaction_and_again_after_a_write(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    clients = load_rules(ROOT / "rules").book.clients
    client = next(c for c in clients if c.contract == "pakiet")
    sessions = session_factory(engine)
    with sessions.begin() as session:
        repo.sync_clients(session, clients, NOW)
    selects: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(_conn, _cursor, statement, *_args) -> None:
        if "package_purchase" in statement or "package_deduction" in statement:
            selects.append(statement)

    with sessions.begin() as session:
        assert ledger_store.package_state(session, client, NOW) is None  # nothing bought
        assert ledger_store.package_state(session, client, NOW) is None
        assert len(selects) == 2  # purchases and deductions, read once for both calls
        ledger_store.add_purchase(
            session, client.id, NOW.date(), Decimal(10), "jan.wisniewski", NOW
        )
        state = ledger_store.package_state(session, client, NOW)  # the write counts at once
        assert state is not None and state.hours_left == Decimal(10)
    with sessions.begin() as session:  # a new transaction reads afresh
        before = len(selects)
        state = ledger_store.package_state(session, client, NOW)
        assert state is not None and state.hours_left == Decimal(10)
        assert len(selects) == before + 2
    engine.dispose()
