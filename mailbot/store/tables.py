"""SQLAlchemy 2 typed tables. Changing them needs an Alembic migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


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


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime}


class FolderState(Base):
    """Per-folder checkpoint: UIDVALIDITY and the last UID recorded (never the \\Seen flag)."""

    __tablename__ = "folder_state"
    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    # First start on a non-empty mailbox: UIDs up to here are backlog, recorded as history
    # (no reply, no alert). Stored so a crash in the middle of the backlog changes nothing.
    backlog_until_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_poll_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TicketCounter(Base):
    """Monotonic ticket counter per year (KJM-YYYY-NNNNNN)."""

    __tablename__ = "ticket_counter"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ClientRow(Base):
    """A client as last synced from rules/clients.toml, so tickets can reference it."""

    __tablename__ = "client"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    nip: Mapped[str] = mapped_column(String(16))
    contract: Mapped[str] = mapped_column(String(16))
    opiekun: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text, default="{}")  # the whole entry, JSON
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Ticket(Base):
    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(Text)
    requester: Mapped[str] = mapped_column(String(320))
    requester_name: Mapped[str] = mapped_column(String(320), default="")
    history: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The intake decision; the full document is in `decision` (explain JSON).
    client_id: Mapped[str | None] = mapped_column(ForeignKey("client.id"), index=True)
    contract: Mapped[str | None] = mapped_column(String(16))
    trust: Mapped[str | None] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(32))
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    covered: Mapped[bool | None] = mapped_column(Boolean)
    priority: Mapped[int | None] = mapped_column(Integer, index=True)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reply: Mapped[str | None] = mapped_column(String(64))
    billing: Mapped[str] = mapped_column(String(16), default="none")
    decision: Mapped[str | None] = mapped_column(Text)
    # The first reaction stops the R-SLA-1 clock: a staff reply or `mailbot ack`.
    reacted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reacted_by: Mapped[str | None] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # R-SLA-1 missed
    # How the client reached us: email, or (a ticket staff opened) phone, mobile, walk_in
    # (R-CHN-1..3).
    channel: Mapped[str] = mapped_column(String(16), default="email", server_default="email")
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.received_at"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )


class Message(Base):
    """An inbound message, stored once (unique by its Message-ID key)."""

    __tablename__ = "message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_key: Mapped[str] = mapped_column(String(998), unique=True)
    synthetic_key: Mapped[bool] = mapped_column(Boolean, default=False)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    folder: Mapped[str] = mapped_column(String(255))
    uid: Mapped[int] = mapped_column(BigInteger)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    sender_name: Mapped[str] = mapped_column(Text, default="")
    sender_address: Mapped[str] = mapped_column(String(320), default="", index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str] = mapped_column(Text, default="")  # space-separated ids
    body_text: Mapped[str] = mapped_column(Text, default="")
    raw_sha256: Mapped[str] = mapped_column(String(64))
    raw_size: Mapped[int] = mapped_column(BigInteger)
    server_size: Mapped[int] = mapped_column(BigInteger)
    oversized: Mapped[bool] = mapped_column(Boolean, default=False)
    history: Mapped[bool] = mapped_column(Boolean, default=False)
    defects: Mapped[str] = mapped_column(Text, default="")
    automatic: Mapped[str | None] = mapped_column(String(32))  # why machine-sent (RFC 3834)
    # Written by someone who may not speak for the ticket (not its requester, the same
    # client or staff): shown as such, and it changed nothing on the ticket.
    third_party: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list[AttachmentRow]] = relationship(back_populates="message")


class AttachmentRow(Base):
    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    message: Mapped[Message] = relationship(back_populates="attachments")


class TicketEvent(Base):
    """Append-only log per ticket: created, follow_up, reopened, ..."""

    __tablename__ = "ticket_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    ticket: Mapped[Ticket] = relationship(back_populates="events")


class QuarantineEntry(Base):
    """A message that could not be parsed or stored: raw kept, reason recorded."""

    __tablename__ = "quarantine"
    __table_args__ = (
        UniqueConstraint("raw_sha256", name="uq_quarantine_raw"),
        Index("ix_quarantine_open", "resolved_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder: Mapped[str] = mapped_column(String(255))
    uid: Mapped[int] = mapped_column(BigInteger)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    raw_size: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution: Mapped[str] = mapped_column(Text, default="")


class PackagePurchase(Base):
    """A prepaid package (R-PAK-1). Append-only, like the rest of the ledger."""

    __tablename__ = "package_purchase"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("client.id"), index=True)
    purchased: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    valid_until: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class TimeEntry(Base):
    """One intervention logged by staff (`mailbot log`), for every contract."""

    __tablename__ = "time_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(ForeignKey("client.id"), index=True)
    staff: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    contract: Mapped[str] = mapped_column(String(16))
    multiplier: Mapped[int] = mapped_column(Integer, default=1)
    billable: Mapped[bool] = mapped_column(Boolean, default=False)
    billable_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PackageDeduction(Base):
    """Hours drawn from a package for a time entry (R-PAK-2, R-PAK-5); overdraft when
    no valid package had hours left (R-PAK-3)."""

    __tablename__ = "package_deduction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time_entry_id: Mapped[int] = mapped_column(ForeignKey("time_entry.id"), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("client.id"), index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("package_purchase.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    minutes: Mapped[int] = mapped_column(Integer)
    rounded_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    multiplier: Mapped[int] = mapped_column(Integer)
    charged_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    overdraft_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(0))
    reason: Mapped[str] = mapped_column(Text, default="")


class OutboxItem(Base):
    """Mail (and later SMS) to send, written in the same transaction as the ticket change
    that caused it; a sender job delivers it (transactional outbox)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedup_key", name="uq_outbox_dedup"),
        Index("ix_outbox_page_group", "page_group", "recipient", "kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # reply | alert_email
    template: Mapped[str] = mapped_column(String(64))
    dedup_key: Mapped[str] = mapped_column(String(400))  # one per message and kind, ever
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    recipient_name: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    threading: Mapped[str] = mapped_column(Text, default="{}")  # In-Reply-To etc., JSON
    message_id: Mapped[str] = mapped_column(String(998))
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending -> sending -> sent; failed (gave up or cannot render); uncertain (crash
    # mid-send of a client reply: never resent, listed for staff); suppressed (rate limit);
    # folded (a page held back: one went to the same person for the same client within
    # the page window) -> coalesced (counted in one "N więcej" page, the row `alert_more`)
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Pages about one client (or sender) and escalation step share a group: see
    # Outbox.queue_staff_alerts; None for replies.
    page_group: Mapped[str | None] = mapped_column(String(400))


class JobRun(Base):
    """Once-a-day jobs (the digest) record their day, so a restart never repeats one."""

    __tablename__ = "job_run"
    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime())
    detail: Mapped[str] = mapped_column(Text, default="")


class LeaseRow(Base):
    """Who may poll and send now: two instances share one database, one acts.

    A row per lease name; the holder renews `expires_at` well before it passes, and a
    standby takes the lease only once it has expired (or its holder is a dead process
    on the same host)."""

    __tablename__ = "lease"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    renewed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlarmIncident(Base):
    """A self-alarm incident: admins hear once when it opens, once when it ends.

    Kept in the database so a restart neither repeats an alarm nor forgets a recovery."""

    __tablename__ = "alarm_incident"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    notified: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    recovery_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AuditEvent(Base):
    """What a person did (CLI or console): who, when, what, why. Append-only; the
    arguments are kept as JSON so the record says exactly what was asked for."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # the arguments, JSON


class Correction(Base):
    """A person's correction of the classifier on one message: the labels as they should
    have been, and why. `mailbot labels export` writes these in the labelled-set format."""

    __tablename__ = "correction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    emergency: Mapped[bool] = mapped_column(Boolean)
    scope: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(64))
    changed: Mapped[str] = mapped_column(String(64))  # e.g. "emergency,scope"
    reason: Mapped[str] = mapped_column(Text)


class StaffPassword(Base):
    """A console password (argon2 hash) per staff id from rules/staff.toml; set with
    `mailbot staff set-password`. The hash changes when the password does, which ends
    every session signed for the old one."""

    __tablename__ = "staff_password"
    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hash: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())
    set_by: Mapped[str] = mapped_column(String(64), default="")


class UsedLink(Base):
    """A signed single-use link (the on-call "Przyjmuję") once it has been used."""

    __tablename__ = "used_link"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebLogin(Base):
    """Every console sign-in attempt: the audit, and what the login rate limit counts."""

    __tablename__ = "web_login"
    __table_args__ = (
        Index("ix_web_login_staff", "staff_id", "at"),
        Index("ix_web_login_ip", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    staff_id: Mapped[str] = mapped_column(String(64))  # as typed (cut to 64)
    ip: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text, default="")


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
