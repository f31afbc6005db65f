"""A small, known set of tickets for the console's tests: every kind of thing a page
shows (an emergency with a deadline, a third party's message, an attachment kept in the
raw store, what mailbot sent, a note, time logged against a package, a closed ticket,
a history ticket that is no work)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage

from sqlalchemy.orm import Session

from mailbot.store import repo
from mailbot.store.ledger import add_purchase
from mailbot.store.rawstore import RawStore
from mailbot.store.tables import (
    AttachmentRow,
    JobRun,
    Message,
    OutboxItem,
    PackageDeduction,
    Ticket,
    TicketCounter,
    TicketEvent,
    TimeEntry,
)

PDF = b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n"


@dataclass(frozen=True)
class Seeded:
    emergency: str  # care client, emergency, deadline ahead, not reacted
    package: str  # package client, on hold
    unknown: str  # unknown sender, assigned to jan.wisniewski
    closed: str
    history: str
    attachment_id: int


def raw_with_attachment(subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Anna Kowalska <biuro@piekarnia-kowalski.pl>"
    msg["To"] = "pomoc@kjmssoft.pl"
    msg["Subject"] = subject
    msg["Message-ID"] = "<awaria-1@piekarnia-kowalski.pl>"
    msg.set_content(body)
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="błąd faktury.pdf")
    return msg.as_bytes()


def _ticket(session: Session, number: str, now: datetime, **values) -> Ticket:
    values = {
        "requester": "biuro@piekarnia-kowalski.pl",
        "requester_name": "Anna Kowalska",
        "subject": "Pytanie",
        "state": "new",
        "created_at": now,
        "updated_at": now,
        **values,
    }
    t = Ticket(number=number, **values)
    session.add(t)
    session.flush()
    return t


def _message(session: Session, t: Ticket, key: str, at: datetime, **values) -> Message:
    values = {
        "sender_address": t.requester,
        "sender_name": t.requester_name,
        "subject": t.subject,
        "body_text": "",
        "raw_sha256": "0" * 64,
        "raw_size": 1,
        **values,
    }
    m = Message(
        message_key=key,
        ticket=t,
        folder="INBOX",
        uid=int(hashlib.sha256(key.encode()).hexdigest()[:6], 16),
        uidvalidity=1,
        received_at=at,
        sent_at=at,
        server_size=1,
        **values,
    )
    session.add(m)
    session.flush()
    return m


def seed(session: Session, raw_store: RawStore, now: datetime) -> Seeded:
    """Tickets of 2026 relative to `now`; clients must be synced first."""
    decision = {
        "message": {
            "from": {"name": "Anna Kowalska", "address": "biuro@piekarnia-kowalski.pl"},
            "automatic": None,
        },
        "client": {
            "id": "piekarnia",
            "name": "Piekarnia Kowalski Sp. z o.o.",
            "contract": "opieka",
            "addons": [],
        },
        "trust": "registered",
        "product": "F-K",
        "scope": "consultation",
        "emergency": True,
        "urgency": {"score": 0.97, "reasons": ["'na żadnym komputerze'"]},
        "covered": True,
        "state": "new",
        "priority": 1,
        "deadline": (now + timedelta(hours=1)).isoformat(),
        "reply": "ack_opieka_emergency",
        "alerts": [
            {
                "to": "jan.wisniewski",
                "role": "oncall",
                "channels": ["sms", "email"],
                "at": now.isoformat(),
            }
        ],
        "billing": "none",
        "package": None,
        "thread": {"ticket": None, "reason": "new ticket"},
        "rules": ["R-CON-2", "R-SLA-1"],
        "reasons": ["registered address"],
    }
    e = _ticket(
        session,
        "KJM-2026-000101",
        now - timedelta(minutes=50),
        subject="AWARIA: F-K nie działa",
        client_id="piekarnia",
        contract="opieka",
        trust="registered",
        product="F-K",
        scope="consultation",
        emergency=True,
        covered=True,
        priority=1,
        deadline=now + timedelta(hours=1),
        reply="ack_opieka_emergency",
        decision=json.dumps(decision),
        assignee=None,
    )
    body = "Błąd księgowania faktur, nie możemy pracować na żadnym komputerze. Tel. 601 234 567"
    raw = raw_with_attachment(e.subject, body)
    sha = raw_store.put(raw)
    m1 = _message(
        session,
        e,
        "<awaria-1@piekarnia-kowalski.pl>",
        e.created_at,
        body_text=body,
        raw_sha256=sha,
        raw_size=len(raw),
    )
    att = AttachmentRow(
        message=m1,
        filename="błąd faktury.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
    session.add(att)
    _message(
        session,
        e,
        "<obcy-1@example.com>",
        e.created_at + timedelta(minutes=20),
        sender_address="ktos@example.com",
        sender_name="Ktoś Obcy",
        third_party=True,
        body_text="Proszę zamknąć to zgłoszenie <b>natychmiast</b>",
    )
    for kind, template, to in (
        ("reply", "ack_opieka_emergency", e.requester),
        ("alert_email", "alert_oncall", "jan.wisniewski@kjmssoft.pl"),
    ):
        session.add(
            OutboxItem(
                kind=kind,
                template=template,
                dedup_key=f"{kind}-{e.number}",
                ticket_id=e.id,
                inbound_id=m1.id,
                recipient=to,
                subject=f"[{e.number}] Przyjęliśmy awarię",
                body_text=f"Treść: {template}",
                message_id=f"<{kind}@kjmssoft.pl>",
                state="sent",
                next_attempt_at=e.created_at,
                created_at=e.created_at + timedelta(seconds=5),
                sent_at=e.created_at + timedelta(seconds=6),
            )
        )
    session.add(TicketEvent(ticket=e, at=e.created_at, kind="created", detail="new ticket"))
    session.add(
        TicketEvent(
            ticket=e,
            at=e.created_at + timedelta(minutes=30),
            kind="note",
            detail="Dzwoniłem, klient restartuje serwer.",
        )
    )

    p = _ticket(
        session,
        "KJM-2026-000102",
        now - timedelta(hours=3),
        subject="Rozdzielenie lat 2026",
        requester="biuro@bilans-ostroleka.pl",
        requester_name="Biuro Bilans",
        client_id="bilans",
        contract="pakiet",
        trust="registered",
        product="F-K",
        scope="year_split",
        state="on_hold",
        priority=4,
    )
    _message(
        session,
        p,
        "<bilans-1@bilans-ostroleka.pl>",
        p.created_at,
        body_text="Prosimy o rozdzielenie lat w programie F-K.",
    )
    bought = add_purchase(session, "bilans", date(2026, 10, 1), Decimal(3), "test", now, "")
    entry = TimeEntry(
        ticket_id=p.id,
        client_id="bilans",
        staff="jan.wisniewski",
        at=now - timedelta(hours=2),
        minutes=40,
        note="konsultacja",
        contract="pakiet",
        created_at=now,
    )
    session.add(entry)
    session.flush()
    session.add(
        PackageDeduction(
            time_entry_id=entry.id,
            client_id="bilans",
            package_id=bought.id,
            at=entry.at,
            minutes=40,
            rounded_hours=Decimal("1.0"),
            multiplier=1,
            charged_hours=Decimal("1.0"),
            overdraft_hours=Decimal("0"),
            reason="R-PAK-2",
        )
    )

    u = _ticket(
        session,
        "KJM-2026-000103",
        now - timedelta(hours=5),
        subject="Faktura korygująca",
        requester="jan.kowalski@gmail.com",
        requester_name="Jan Kowalski",
        trust="unknown",
        state="needs_identification",
        priority=4,
        assignee="jan.wisniewski",
    )
    _message(
        session,
        u,
        "<nieznany-1@gmail.com>",
        u.created_at,
        body_text="Jak wystawić fakturę korygującą w programie?",
    )

    c = _ticket(
        session,
        "KJM-2026-000104",
        now - timedelta(days=2),
        subject="Zamknięta sprawa",
        client_id="piekarnia",
        contract="opieka",
        state="closed",
        priority=3,
        closed_at=now - timedelta(days=1),
    )
    _message(session, c, "<zamk-1@piekarnia-kowalski.pl>", c.created_at, body_text="Dziękujemy.")
    h = _ticket(
        session,
        "KJM-2026-000105",
        now - timedelta(days=40),
        subject="Stara sprawa",
        history=True,
        priority=4,
    )
    _message(session, h, "<stara-1@example.pl>", h.created_at, body_text="Archiwum.")
    session.add(
        JobRun(
            job="digest",
            day=(now - timedelta(days=1)).date(),
            ran_at=now,
            detail="to krzysztof.majewski@kjmssoft.pl",
        )
    )
    session.add(TicketCounter(year=2026, last=105))  # the next ticket is 106, as after intake
    session.flush()
    repo.add_event(session, p, "time_logged", now, "40 min")
    return Seeded(e.number, p.number, u.number, c.number, h.number, att.id)
