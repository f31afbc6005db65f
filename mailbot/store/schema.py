"""The database's tables as SQLAlchemy Core Table objects. Changing them needs an
Alembic migration (store/migrations).

The one definition of the schema, in two modules: the mail, its tickets and the outbox
here, what staff and the running daemon keep in schema_staff.py (the package ledger, the
audit, console sign-ins, the lease, the alarms). The ORM classes (tables.py) are mapped
onto these tables; the read-only commands query them without the ORM, whose import and mapping
cost more than the whole query (`mailbot queue` must answer at once: bench/cli_startup.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC out, on SQLite (which drops the offset) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()


# Per-folder checkpoint: UIDVALIDITY and the last UID recorded (never the \\Seen flag).
folder_state = Table(
    "folder_state",
    metadata,
    Column("folder", String(255), primary_key=True),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, default=0, nullable=False),
    # First start on a non-empty mailbox: UIDs up to here are backlog, recorded as history
    # (no reply, no alert). Stored so a crash in the middle of the backlog changes nothing.
    Column("backlog_until_uid", BigInteger, default=0, nullable=False),
    Column("last_poll_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Monotonic ticket counter per year (KJM-YYYY-NNNNNN).
ticket_counter = Table(
    "ticket_counter",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("last", Integer, default=0, nullable=False),
)

# A client as last synced from rules/clients.toml, so tickets can reference it.
client = Table(
    "client",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("nip", String(16), nullable=False),
    Column("contract", String(16), nullable=False),
    Column("opiekun", String(64)),
    Column("data", Text, default="{}", nullable=False),  # the whole entry, JSON
    Column("synced_at", UtcDateTime(), nullable=False),
)

ticket = Table(
    "ticket",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(32), unique=True, nullable=False),
    Column("state", String(32), index=True, nullable=False),
    Column("subject", Text, nullable=False),
    Column("requester", String(320), nullable=False),
    Column("requester_name", String(320), default="", nullable=False),
    Column("history", Boolean, default=False, nullable=False),
    Column("created_at", UtcDateTime(), index=True, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The intake decision; the full document is in `decision` (explain JSON).
    Column("client_id", ForeignKey("client.id"), index=True),
    Column("contract", String(16)),
    Column("trust", String(16)),
    Column("product", String(64)),
    Column("scope", String(32)),
    Column("emergency", Boolean, default=False, nullable=False),
    Column("covered", Boolean),
    Column("priority", Integer, index=True),
    Column("deadline", UtcDateTime()),
    Column("reply", String(64)),
    Column("billing", String(16), default="none", nullable=False),
    Column("decision", Text),
    # The first reaction stops the R-SLA-1 clock: a staff reply or `mailbot ack`.
    Column("reacted_at", UtcDateTime()),
    Column("reacted_by", String(64)),
    Column("assignee", String(64)),
    Column("closed_at", UtcDateTime()),
    Column("breached_at", UtcDateTime()),  # R-SLA-1 missed
    # How the client reached us: email, or (a ticket staff opened) phone, mobile, walk_in
    # (R-CHN-1..3).
    Column("channel", String(16), default="email", server_default="email", nullable=False),
)

# An inbound message, stored once (unique by its Message-ID key).
message = Table(
    "message",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_key", String(998), unique=True, nullable=False),
    Column("synthetic_key", Boolean, default=False, nullable=False),
    Column("ticket_id", ForeignKey("ticket.id"), index=True, nullable=False),
    Column("folder", String(255), nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("sender_name", Text, default="", nullable=False),
    Column("sender_address", String(320), default="", index=True, nullable=False),
    Column("subject", Text, default="", nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("in_reply_to", String(998)),
    Column("references", Text, default="", nullable=False),  # space-separated ids
    Column("body_text", Text, default="", nullable=False),
    Column("raw_sha256", String(64), nullable=False),
    Column("raw_size", BigInteger, nullable=False),
    Column("server_size", BigInteger, nullable=False),
    Column("oversized", Boolean, default=False, nullable=False),
    Column("history", Boolean, default=False, nullable=False),
    Column("defects", Text, default="", nullable=False),
    Column("automatic", String(32)),  # why machine-sent (RFC 3834)
    # Written by someone who may not speak for the ticket (not its requester, the same
    # client or staff): shown as such, and it changed nothing on the ticket.
    Column("third_party", Boolean, default=False, server_default=false(), nullable=False),
)

attachment = Table(
    "attachment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", ForeignKey("message.id"), index=True, nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
)

# Append-only log per ticket: created, follow_up, reopened, ...
ticket_event = Table(
    "ticket_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", ForeignKey("ticket.id"), index=True, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("detail", Text, default="", nullable=False),
    Column("message_id", ForeignKey("message.id")),
)

# A message that could not be parsed or stored: raw kept, reason recorded.
quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("folder", String(255), nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("raw_sha256", String(64), nullable=False),
    Column("raw_size", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, default=1, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolution", Text, default="", nullable=False),
    UniqueConstraint("raw_sha256", name="uq_quarantine_raw"),
    Index("ix_quarantine_open", "resolved_at"),
)


# Mail (and later SMS) to send, written in the same transaction as the ticket change
# that caused it; a sender job delivers it (transactional outbox).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # reply | alert_email
    Column("template", String(64), nullable=False),
    Column("dedup_key", String(400), nullable=False),  # one per message and kind, ever
    Column("ticket_id", ForeignKey("ticket.id"), index=True, nullable=False),
    Column("inbound_id", ForeignKey("message.id")),
    Column("recipient", String(320), index=True, nullable=False),
    Column("recipient_name", Text, default="", nullable=False),
    Column("subject", Text, default="", nullable=False),
    Column("body_text", Text, default="", nullable=False),
    Column("body_html", Text, default="", nullable=False),
    Column("threading", Text, default="{}", nullable=False),  # In-Reply-To etc., JSON
    Column("message_id", String(998), nullable=False),
    Column("emergency", Boolean, default=False, nullable=False),
    # pending -> sending -> sent; failed (gave up or cannot render); uncertain (crash
    # mid-send of a client reply: never resent, listed for staff); suppressed (rate limit);
    # folded (a page held back: one went to the same person for the same client within
    # the page window) -> coalesced (counted in one "N więcej" page, the row `alert_more`)
    Column("state", String(16), index=True, nullable=False),
    Column("attempts", Integer, default=0, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", Text, default="", nullable=False),
    Column("created_at", UtcDateTime(), index=True, nullable=False),
    Column("sent_at", UtcDateTime()),
    # Pages about one client (or sender) and escalation step share a group: see
    # Outbox.queue_staff_alerts; None for replies.
    Column("page_group", String(400)),
    UniqueConstraint("dedup_key", name="uq_outbox_dedup"),
    Index("ix_outbox_page_group", "page_group", "recipient", "kind"),
)


# Made by migration 0011 with SQL the metadata cannot express: the full-text index over
# message subjects, bodies and senders (an FTS5 table on SQLite; on PostgreSQL the
# generated column message.search_doc and its GIN index) and the console's indexes on
# tickets. Schema comparisons leave them out.
UNMANAGED = frozenset(
    {
        "message_search",
        "message_search_data",
        "message_search_idx",
        "message_search_docsize",
        "message_search_config",
        "ix_message_search",
        "search_doc",
        "ix_ticket_queue",
        "ix_ticket_open",
        "ix_ticket_client_created",
    }
)
