"""What staff and the running daemon keep, as Core tables: the package ledger (R-PAK-1..5),
the audit and the classifier corrections, console passwords, links and sign-ins, the
once-a-day job record, the lease and the self-alarm's incidents. Same metadata as
schema.py, which holds the mail and its tickets; changing them needs a migration.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)

from mailbot.store.schema import UtcDateTime, metadata

# A prepaid package (R-PAK-1). Append-only, like the rest of the ledger.
package_purchase = Table(
    "package_purchase",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", ForeignKey("client.id"), index=True, nullable=False),
    Column("purchased", Date, nullable=False),
    Column("hours", Numeric(8, 2), nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("created_by", String(64), default="", nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("note", Text, default="", nullable=False),
)


# One intervention logged by staff (`mailbot log`), for every contract.
time_entry = Table(
    "time_entry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", ForeignKey("ticket.id"), index=True, nullable=False),
    Column("client_id", ForeignKey("client.id"), index=True),
    Column("staff", String(64), nullable=False),
    Column("at", UtcDateTime(), index=True, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("note", Text, default="", nullable=False),
    Column("emergency", Boolean, default=False, nullable=False),
    Column("contract", String(16), nullable=False),
    Column("multiplier", Integer, default=1, nullable=False),
    Column("billable", Boolean, default=False, nullable=False),
    Column("billable_reason", Text, default="", nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)


# Hours drawn from a package for a time entry (R-PAK-2, R-PAK-5); overdraft when
# no valid package had hours left (R-PAK-3).
package_deduction = Table(
    "package_deduction",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("time_entry_id", ForeignKey("time_entry.id"), index=True, nullable=False),
    Column("client_id", ForeignKey("client.id"), index=True, nullable=False),
    Column("package_id", ForeignKey("package_purchase.id")),
    Column("at", UtcDateTime(), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("rounded_hours", Numeric(8, 2), nullable=False),
    Column("multiplier", Integer, nullable=False),
    Column("charged_hours", Numeric(8, 2), nullable=False),
    Column("overdraft_hours", Numeric(8, 2), default=Decimal(0), nullable=False),
    Column("reason", Text, default="", nullable=False),
)


# Once-a-day jobs (the digest) record their day, so a restart never repeats one.
job_run = Table(
    "job_run",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("ran_at", UtcDateTime(), nullable=False),
    Column("detail", Text, default="", nullable=False),
)


# Who may poll and send now: two instances share one database, one acts.
#
# A row per lease name; the holder renews `expires_at` well before it passes, and a
# standby takes the lease only once it has expired (or its holder is a dead process
# on the same host).
lease = Table(
    "lease",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UtcDateTime(), nullable=False),
    Column("renewed_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)


# A self-alarm incident: admins hear once when it opens, once when it ends.
#
# Kept in the database so a restart neither repeats an alarm nor forgets a recovery.
alarm_incident = Table(
    "alarm_incident",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), index=True, nullable=False),
    Column("detail", Text, default="", nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("notified_at", UtcDateTime(), nullable=True),
    Column("notified", Text, default="", nullable=False),
    Column("resolved_at", UtcDateTime(), nullable=True),
    Column("recovery_notified_at", UtcDateTime(), nullable=True),
)


# What a person did (CLI or console): who, when, what, why. Append-only; the
# arguments are kept as JSON so the record says exactly what was asked for.
audit_event = Table(
    "audit_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), index=True, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), index=True, nullable=False),
    Column("ticket_id", ForeignKey("ticket.id"), index=True),
    Column("client_id", String(64), index=True),
    Column("reason", Text, default="", nullable=False),
    Column("detail", Text, default="{}", nullable=False),  # the arguments, JSON
)


# A person's correction of the classifier on one message: the labels as they should
# have been, and why. `mailbot labels export` writes these in the labelled-set format.
correction = Table(
    "correction",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("ticket_id", ForeignKey("ticket.id"), index=True, nullable=False),
    Column("message_id", ForeignKey("message.id"), index=True, nullable=False),
    Column("emergency", Boolean, nullable=False),
    Column("scope", String(32), nullable=False),
    Column("product", String(64), nullable=False),
    Column("changed", String(64), nullable=False),  # e.g. "emergency,scope"
    Column("reason", Text, nullable=False),
)


# A console password (argon2 hash) per staff id from rules/staff.toml; set with
# `mailbot staff set-password`. The hash changes when the password does, which ends
# every session signed for the old one.
staff_password = Table(
    "staff_password",
    metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("hash", Text, nullable=False),
    Column("set_at", UtcDateTime(), nullable=False),
    Column("set_by", String(64), default="", nullable=False),
)


# A signed single-use link (the on-call "Przyjmuję") once it has been used.
used_link = Table(
    "used_link",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("purpose", String(32), nullable=False),
    Column("staff_id", String(64), nullable=False),
    Column("ticket_id", ForeignKey("ticket.id")),
    Column("used_at", UtcDateTime(), nullable=False),
)


# Every console sign-in attempt: the audit, and what the login rate limit counts.
web_login = Table(
    "web_login",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("staff_id", String(64), nullable=False),  # as typed (cut to 64)
    Column("ip", String(64), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("detail", Text, default="", nullable=False),
    Index("ix_web_login_staff", "staff_id", "at"),
    Index("ix_web_login_ip", "ip", "at"),
)
