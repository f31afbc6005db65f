"""the staff console: passwords, used one-tap links, login audit; full-text search

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

# SQLite's FTS5 folds diacritics (remove_diacritics 2) but not "ł", which has no
# decomposition: the text is indexed with ł -> l, and queries are folded the same way
# (mailbot.web.search.fold).
_FOLD = "replace(replace({0}, 'ł', 'l'), 'Ł', 'L')"
_ROW = f"{_FOLD.format('{0}.subject')}, {_FOLD.format('{0}.body_text')}"


def _sqlite_search() -> list[str]:
    new, old = _ROW.format("new"), _ROW.format("old")
    delete = (
        "INSERT INTO message_search(message_search, rowid, subject, body) "
        f"VALUES ('delete', old.id, {old});"
    )
    insert = f"INSERT INTO message_search(rowid, subject, body) VALUES (new.id, {new});"
    return [
        "CREATE VIRTUAL TABLE message_search USING fts5(subject, body, content='', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"INSERT INTO message_search(rowid, subject, body) SELECT id, {_ROW.format('message')} "
        "FROM message",
        f"CREATE TRIGGER message_search_ai AFTER INSERT ON message BEGIN {insert} END",
        f"CREATE TRIGGER message_search_ad AFTER DELETE ON message BEGIN {delete} END",
        "CREATE TRIGGER message_search_au AFTER UPDATE OF subject, body_text ON message "
        f"BEGIN {delete} {insert} END",
    ]


# unaccent folds every Polish letter, ł included; `simple` keeps words as written
# (no stemmer for Polish ships with PostgreSQL). The wrapper is IMMUTABLE so an index
# can use it (unaccent itself is only STABLE: its dictionary could change).
_PG_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
    "CREATE OR REPLACE FUNCTION mailbot_fold(text) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE STRICT AS "
    "$$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$",
    "CREATE INDEX ix_message_search ON message USING gin (to_tsvector('simple'::regconfig, "
    "mailbot_fold(coalesce(subject, '') || ' ' || coalesce(body_text, ''))))",
]


def upgrade() -> None:
    op.create_table(
        "staff_password",
        sa.Column("staff_id", sa.String(64), primary_key=True),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "used_link",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id"), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "web_login",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_web_login_staff", "web_login", ["staff_id", "at"])
    op.create_index("ix_web_login_ip", "web_login", ["ip", "at"])
    # The queue's handling order (R-PAK-6); queries spell the 9 as a literal to use it.
    op.execute("CREATE INDEX ix_ticket_queue ON ticket (coalesce(priority, 9), created_at, id)")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _sqlite_search() if sqlite else _PG_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS message_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS message_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_message_search")
        op.execute("DROP FUNCTION IF EXISTS mailbot_fold(text)")
    op.execute("DROP INDEX IF EXISTS ix_ticket_queue")
    op.drop_index("ix_web_login_ip", "web_login")
    op.drop_index("ix_web_login_staff", "web_login")
    op.drop_table("web_login")
    op.drop_table("used_link")
    op.drop_table("staff_password")
