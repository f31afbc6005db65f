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
