"""What a reply or an alert template is given: the context built from a decision.

Everything any template may ask for (templates/README.md) comes from here, so intake,
the escalation job and the staff actions give the same keys for the same ticket; and
`last_inbound` turns a stored message back into what a later reply threads to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailbot.core import calendar
from mailbot.core.decide import IntakeDecision
from mailbot.model import Address, InboundMail
from mailbot.outgoing.excerpt import first_paragraph, phone_numbers
from mailbot.outgoing.render import ticket_url
from mailbot.settings.rules import Rules
from mailbot.store.tables import Message


def last_inbound(message: Message) -> InboundMail:
    """A stored message as an InboundMail, enough to thread a later reply to it."""
    return InboundMail(
        message_id=message.message_key, message_id_synthetic=message.synthetic_key,
        sender=Address(message.sender_name, message.sender_address), to=(), cc=(),
        subject=message.subject, date=message.sent_at, in_reply_to=message.in_reply_to,
        references=tuple(message.references.split()), text=message.body_text, html=None,
        attachments=(), content_type="text/plain",
    )  # fmt: skip


def reply_context(
    mail: InboundMail,
    ticket: str,
    d: IntakeDecision,
    rules: Rules,
    received: datetime,
    package: Any = None,
    base_url: str = "",
    view: bool = True,
) -> dict[str, Any]:
    """Everything any template may ask for (templates/README.md); extra keys are fine.
    The alert keys describe the receipt step (escalation.ticket_context the later ones).
    Without `view`, the alert's look at the client's mail (VIEW_KEYS, ~0.5 ms: phone
    numbers found by libphonenumber) is left out, for a reply whose templates never read
    it."""
    client = rules.book.client(d.client_id) if d.client_id else None
    opiekun = rules.book.staff_member(client.opiekun) if client and client.opiekun else None
    addons = frozenset(d.addons)
    return {
        "ticket": ticket, "subject": mail.subject, "sender": mail.sender.address
        if mail.sender else "", "client_name": client.name if client else None,
        "contract": d.contract, "opiekun": opiekun, "package": package or d.package,
        "deadline": d.deadline, "received_at": received,
        "handle_from": calendar.next_covered_start(received, addons if d.contract == "opieka"
                                                   else frozenset()),
        "checked_by": calendar.next_mailbox_check(received),
        "oncall_alerted": any(a.role == "oncall" for a in d.alerts), "billing": d.billing,
        "scope": d.scope, "product": d.product,
        "reasons": list(d.urgency_reasons), "rules": list(d.rules), "role": "oncall",
        "possible": d.possible and not d.emergency,
        "hardware_suspected": d.emergency and d.scope == "hardware",
        "step": "receipt", "minutes_left": None,
    } | (message_view(mail.text, ticket, rules, base_url) if view else {})  # fmt: skip


VIEW_KEYS = frozenset({"excerpt", "phones", "ticket_url"})  # what message_view adds


def message_view(text: str, number: str, rules: Rules, base_url: str) -> dict[str, Any]:
    """What an alert shows of the client's mail: its first paragraph whole (not 400
    characters cut mid-word), every phone number in it but ours, and the ticket's link."""
    ours = [s.phone for s in rules.book.staff if s.phone]
    return {
        "excerpt": first_paragraph(text),
        "phones": list(phone_numbers(text, ours)),
        "ticket_url": ticket_url(base_url, number),
    }
