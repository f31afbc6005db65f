"""The ORM classes, mapped onto the Core tables of schema.py (the columns and what they
mean are there), with the relationships the staff commands and the console walk.

Intake's hot path and the read-only commands use the Core tables directly; the ORM is
for everything where a unit of work reads better than SQL and speed does not matter.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from mailbot.store import schema, schema_staff
from mailbot.store.schema import UNMANAGED, UtcDateTime

__all__ = ["UNMANAGED", "UtcDateTime", "Base"]


class Base(DeclarativeBase):
    metadata = schema.metadata


class FolderState(Base):
    __table__ = schema.folder_state


class TicketCounter(Base):
    __table__ = schema.ticket_counter


class ClientRow(Base):
    __table__ = schema.client


class Ticket(Base):
    __table__ = schema.ticket
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.received_at"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )


class Message(Base):
    __table__ = schema.message
    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list[AttachmentRow]] = relationship(back_populates="message")


class AttachmentRow(Base):
    __table__ = schema.attachment
    message: Mapped[Message] = relationship(back_populates="attachments")


class TicketEvent(Base):
    __table__ = schema.ticket_event
    ticket: Mapped[Ticket] = relationship(back_populates="events")


class QuarantineEntry(Base):
    __table__ = schema.quarantine


class PackagePurchase(Base):
    __table__ = schema_staff.package_purchase


class TimeEntry(Base):
    __table__ = schema_staff.time_entry


class PackageDeduction(Base):
    __table__ = schema_staff.package_deduction


class OutboxItem(Base):
    __table__ = schema.outbox


class JobRun(Base):
    __table__ = schema_staff.job_run


class LeaseRow(Base):
    __table__ = schema_staff.lease


class AlarmIncident(Base):
    __table__ = schema_staff.alarm_incident


class AuditEvent(Base):
    __table__ = schema_staff.audit_event


class Correction(Base):
    __table__ = schema_staff.correction


class StaffPassword(Base):
    __table__ = schema_staff.staff_password


class UsedLink(Base):
    __table__ = schema_staff.used_link


class WebLogin(Base):
    __table__ = schema_staff.web_login
