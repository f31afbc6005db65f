"""Linking a ticket to a client after the sender said who they are (the unknown-sender
reply asks for the company name and NIP, R-CON-6), optionally registering the address
for next time, and deciding the ticket again as that client's."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.core.calendar import reaction_deadline
from mailbot.core.states import CLOSED, NOT_WORK
from mailbot.core.threads import ThreadMatch
from mailbot.errors import ConfigError
from mailbot.intake.decider import Decided, Decider
from mailbot.outgoing.outbox import last_inbound, reply_context
from mailbot.services.base import ActionError, Desk, audit, find_ticket
from mailbot.settings.rulebook import Rulebook
from mailbot.settings.rules import Rules
from mailbot.store import repo
from mailbot.store.tables import Message, Ticket


@dataclass(frozen=True)
class Linked:
    number: str
    client_id: str
    state: str  # the ticket's state after deciding again
    reply: str | None  # the template queued to the client, None: none
    alerts: int  # pages queued (an identified care client's emergency)
    registered: bool  # the address went into rules/clients.toml


def link_client(session: Session, desk: Desk, number: str, client_id: str, *, by: str,
                when: datetime, register: bool = False) -> Linked:  # fmt: skip
    """The ticket is the client's: decide it again as if the sender's address were
    registered (contract, package, priority, deadline, reply), and with `register` write
    the address into rules/clients.toml so the next mail is recognised (R-CON-6; the
    daemon reads rules/ at start). The R-SLA-1 clock of an emergency starts now, when
    the sender is known: until then nobody could have reacted for the client."""
    desk.staff(by)
    client = desk.client(client_id)
    ticket = find_ticket(session, number)
    if ticket.state in NOT_WORK:
        raise ActionError(f"{ticket.number} nie jest zgłoszeniem (stan {ticket.state})")
    first = _requesters_message(session, ticket)
    address = first.sender_address
    book = desk.rules.book
    owner = book.client_for_address(address)
    if owner is not None and owner.id != client.id:
        raise ActionError(f"adres {address} jest zarejestrowany dla klienta {owner.id}")
    again = ticket.client_id == client.id and ticket.trust == "registered"
    if again and (not register or owner is not None):
        raise ActionError(f"{ticket.number} jest już zgłoszeniem klienta {client.id}")
    registered = False
    if register:
        if desk.rules_dir is None:
            raise RuntimeError("register needs the Desk's rules_dir")
        try:
            book = _add_address(desk, client.id, address)
        except ConfigError as exc:
            raise ActionError(f"adresu {address} nie można zarejestrować: {exc}") from None
        registered = True
    reply, alerts = None, 0
    if not again:  # only registering the address of a ticket linked before: no new decision
        rules = dataclasses.replace(desk.rules, book=_with_address(book, client.id, address))
        decided = _decide_again(session, desk, rules, first)
        reply, alerts = _apply(session, desk, ticket, first, decided, rules, when)
    audit(session, actor=by, at=when, action="linked", ticket=ticket, client_id=client.id,
          event=f"przypisane do klienta {client.name}" + (
              f"; adres {address} zarejestrowany" if registered else ""),
          client=client.id, address=address, registered=registered)  # fmt: skip
    return Linked(ticket.number, client.id, ticket.state, reply, alerts, registered)


def _requesters_message(session: Session, ticket: Ticket) -> Message:
    first = session.scalar(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.third_party.is_(False))
        .order_by(Message.received_at, Message.id)
        .limit(1)
    )
    if first is None or not first.sender_address:
        raise ActionError(f"{ticket.number}: nie ma wiadomości z adresem nadawcy")
    return first


def _add_address(desk: Desk, client_id: str, address: str) -> Rulebook:
    from mailbot.settings.edit import add_client_address

    assert desk.rules_dir is not None
    return add_client_address(desk.rules_dir, client_id, address)


def _with_address(book: Rulebook, client_id: str, address: str) -> Rulebook:
    """The rulebook as if `address` were registered for the client (in memory only)."""
    clients = tuple(
        dataclasses.replace(c, addresses=(*c.addresses, address))
        if c.id == client_id and address not in c.addresses
        else c
        for c in book.clients
    )
    return Rulebook(staff=book.staff, clients=clients)


def _decide_again(session: Session, desk: Desk, rules: Rules, first: Message) -> Decided:
    if desk.decider is None:
        raise RuntimeError("linking decides again: build the Desk with the decider")
    d = desk.decider
    decider = Decider(rules, d.tz, own_addresses=d.own_addresses,
                      trusted_authserv_ids=d.trusted, package_state=d.package_state,
                      oncall=d.oncall)  # fmt: skip
    return decider(session, last_inbound(first), first.received_at,
                   ThreadMatch(None, "linked to a client by staff"))  # fmt: skip


def _apply(session: Session, desk: Desk, ticket: Ticket, first: Message, decided: Decided,
           rules: Rules, when: datetime) -> tuple[str | None, int]:  # fmt: skip
    """The new decision on the ticket, and the mail it calls for."""
    d = decided.decision
    deadline = reaction_deadline(when, frozenset(d.addons)) if d.deadline else None  # R-SLA-1
    ticket.client_id, ticket.contract, ticket.trust = d.client_id, d.contract, d.trust
    ticket.product, ticket.scope, ticket.emergency = d.product, d.scope, d.emergency
    ticket.covered, ticket.priority, ticket.billing = d.covered, d.priority, d.billing
    ticket.deadline, ticket.reply, ticket.updated_at = deadline, d.reply, when
    ticket.decision = json.dumps(decided.document, ensure_ascii=False)
    if ticket.state != CLOSED:
        ticket.state = d.state
    repo.sync_clients(session, [rules.book.client(d.client_id)] if d.client_id else [], when)
    if ticket.history or ticket.state == CLOSED or first.automatic:
        return None, 0  # backlog, a closed ticket, a robot: nobody to answer or page
    mail = last_inbound(first)
    context = reply_context(mail, ticket.number, dataclasses.replace(d, deadline=deadline),
                            rules, first.received_at)  # fmt: skip
    outbox, reply = desk.mail(), None
    if d.reply:
        reply = d.reply
        outbox.queue_reply(session, template=d.reply, context=context, mail=mail,
                           ticket_id=ticket.id, inbound_id=first.id, emergency=d.emergency,
                           now=when, occasion=f"linked:{d.client_id}")  # fmt: skip
    alerts = 0
    if d.alerts:
        alerts = outbox.queue_alerts(session, d=d, context=context, ticket_id=ticket.id,
                                     step=f"linked:{d.client_id}", now=when)  # fmt: skip
    return reply, alerts
