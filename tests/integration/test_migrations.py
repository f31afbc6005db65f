"""Migrations reach the tables the code declares, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from mailbot.store.db import check_schema, make_engine, upgrade
from mailbot.store.tables import UNMANAGED, Base

pytestmark = pytest.mark.integration


def test_migrations_match_tables(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    check_schema(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, _type, _parent: name not in UNMANAGED}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    # server defaults and type decorators compare loosely; missing tables/columns/indexes do not
    relevant = [
        d
        for d in diff
        if d[0]
        in ("add_table", "remove_table", "add_column", "remove_column", "add_index", "remove_index")
    ]
    assert relevant == []


def test_0013_makes_old_automatic_tickets_not_a_ticket(db_url):
    """An out-of-office that became its own ticket before leaves the queue; a ticket where
    a person wrote too, and a closed one, stay as they are."""
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text

    from mailbot.store.db import _alembic_config

    engine = make_engine(db_url)
    command.upgrade(_alembic_config(engine), "0009")
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with engine.begin() as conn:
        for tid, state, robots in ((1, "on_hold", ("out-of-office",)),
                                   (2, "new", ("out-of-office", None)),
                                   (3, "closed", ("bounce",)),
                                   (4, "new", (None,))):  # fmt: skip
            conn.execute(
                text("INSERT INTO ticket (id, number, state, subject, requester, "
                     "requester_name, history, created_at, updated_at, emergency, billing) "
                     "VALUES (:id, :n, :s, 'x', 'a@b.pl', '', false, :t, :t, false, 'none')"),
                {"id": tid, "n": f"KJM-2026-00000{tid}", "s": state, "t": now},
            )  # fmt: skip
            for i, robot in enumerate(robots):
                conn.execute(
                    text("INSERT INTO message (message_key, synthetic_key, ticket_id, folder, "
                         "uid, uidvalidity, sender_name, sender_address, subject, received_at, "
                         "\"references\", body_text, raw_sha256, raw_size, server_size, "
                         "oversized, history, defects, automatic, third_party) VALUES "
                         "(:k, false, :tid, 'INBOX', :uid, 1, '', 'a@b.pl', 'x', :t, '', '', "
                         "'s', 1, 1, false, false, '', :a, false)"),
                    {"k": f"<{tid}.{i}@b>", "tid": tid, "uid": tid * 10 + i, "t": now, "a": robot},
                )  # fmt: skip
    upgrade(engine)
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT id, state FROM ticket ORDER BY id")).all())
    engine.dispose()
    assert states == {1: "not_a_ticket", 2: "new", 3: "closed", 4: "new"}
