"""the staff console: passwords, used one-tap links, login audit; full-text search;
indexes for the queue and a client's tickets

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# SQLite's FTS5 folds diacritics (remove_diacritics 2) but not "ł", which has no
# decomposition: the text is indexed with ł -> l, and queries are folded the same way
# (mailbot.web.search.fold_l).
_FOLD = "replace(replace({0}, 'ł', 'l'), 'Ł', 'L')"
_ROW = ", ".join(
    _FOLD.format(column)
    for column in ("{0}.subject", "{0}.body_text", "{0}.sender_name || ' ' || {0}.sender_address")
)


def _sqlite_search() -> list[str]:
    new, old = _ROW.format("new"), _ROW.format("old")
    delete = (
        "INSERT INTO message_search(message_search, rowid, subject, body, sender) "
        f"VALUES ('delete', old.id, {old});"
    )
    insert = f"INSERT INTO message_search(rowid, subject, body, sender) VALUES (new.id, {new});"
    return [
        "CREATE VIRTUAL TABLE message_search USING fts5(subject, body, sender, content='', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')",
        "INSERT INTO message_search(rowid, subject, body, sender) "
        f"SELECT id, {_ROW.format('message')} FROM message",
        f"CREATE TRIGGER message_search_ai AFTER INSERT ON message BEGIN {insert} END",
        f"CREATE TRIGGER message_search_ad AFTER DELETE ON message BEGIN {delete} END",
        "CREATE TRIGGER message_search_au AFTER UPDATE OF subject, body_text, sender_name, "
        "sender_address ON message "
        f"BEGIN {delete} {insert} END",
    ]


# PostgreSQL: the folded document is kept in a generated column, so checking a row
# against a query never runs unaccent again (a filter over many rows stays cheap), and
# indexed with GIN. unaccent folds every Polish letter, ł included; `simple` keeps words
# as written (no stemmer for Polish ships with PostgreSQL). The wrapper is IMMUTABLE so a
# generated column can use it (unaccent itself is only STABLE: its dictionary could change).
# Addresses, host names and hyphenated words are split into words (the parser would keep
# "jan.kowalski@gmail.com" whole), as the queries' words are (mailbot.web.search.words).
_PG_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
    "CREATE OR REPLACE FUNCTION mailbot_fold(text) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE STRICT AS "
    "$$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$",
    "ALTER TABLE message ADD COLUMN search_doc tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, translate(mailbot_fold(coalesce(subject, '') || ' ' || "
    "coalesce(body_text, '') || ' ' || coalesce(sender_name, '') || ' ' || "
    "coalesce(sender_address, '')), '@./_-', '     '))) STORED",
    "CREATE INDEX ix_message_search ON message USING gin (search_doc)",
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
    # Counting the open queue from the index alone; a client's tickets newest first.
    op.create_index("ix_ticket_open", "ticket", ["state", "history"])
    op.create_index("ix_ticket_client_created", "ticket", ["client_id", "created_at"])
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
        op.execute("ALTER TABLE message DROP COLUMN IF EXISTS search_doc")
        op.execute("DROP FUNCTION IF EXISTS mailbot_fold(text)")
    op.execute("DROP INDEX IF EXISTS ix_ticket_queue")
    op.drop_index("ix_ticket_client_created", "ticket")
    op.drop_index("ix_ticket_open", "ticket")
    op.drop_index("ix_web_login_ip", "web_login")
    op.drop_index("ix_web_login_staff", "web_login")
    op.drop_table("web_login")
    op.drop_table("used_link")
    op.drop_table("staff_password")
