"""The shell around the pure decision: looks up the facts a message needs (rules,
package balance, who is on call) and returns the decision plus its explain document."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from mailbot.core.classify import Classification
from mailbot.core.contracts import Client
from mailbot.core.decide import IntakeDecision, PackageState, Step, decide
from mailbot.core.follow_up import judge_follow_up
from mailbot.core.loops import automatic_reason
from mailbot.core.oncall import OncallRules, on_duty
from mailbot.core.threads import ThreadMatch, TicketOwner
from mailbot.intake.explain import explain_document
from mailbot.intake.prepare import classify_mail
from mailbot.model import InboundMail
from mailbot.settings.rules import Rules

PackageLookup = Callable[[Session | None, Client, datetime], PackageState | None]
OncallLookup = Callable[[datetime], str | None]


def no_ledger(_session: Session | None, _client: Client, _at: datetime) -> None:
    """Until the package ledger exists, no package is on record (R-PAK-3 applies)."""
    return None


def nobody_on_call(_at: datetime) -> None:
    return None


def rota_lookup(rules: OncallRules) -> OncallLookup:
    """Who is on duty at an instant, from rules/oncall.toml."""

    def lookup(at: datetime) -> str | None:
        duty = on_duty(rules, at)
        return duty.staff_id if duty else None

    return lookup


@dataclass(frozen=True)
class Decided:
    decision: IntakeDecision
    document: dict[str, Any]
    thread: ThreadMatch  # the thread as judged for this sender (a third party's?)

    def json(self) -> str:
        return json.dumps(self.document, ensure_ascii=False)


class Decider:
    def __init__(
        self,
        rules: Rules,
        tz: ZoneInfo,
        *,
        own_addresses: tuple[str, ...] = (),
        trusted_authserv_ids: frozenset[str] = frozenset(),
        package_state: PackageLookup = no_ledger,
        oncall: OncallLookup = nobody_on_call,
    ):
        self.rules = rules
        self.tz = tz
        self.own_addresses = own_addresses
        self.trusted = trusted_authserv_ids
        self.package_state = package_state
        self.oncall = oncall

    def __call__(
        self,
        session: Session | None,
        mail: InboundMail,
        received: datetime,
        thread: ThreadMatch,
        what: Classification | None = None,
        owner: TicketOwner | None = None,
    ) -> Decided:
        """`owner`: whose the ticket `thread` names is, so a third party's message is
        told apart (core.decide.judge_follow_up); None for a new ticket."""
        from mailbot.core.contracts import identify_sender

        sender = identify_sender(
            mail.sender.address if mail.sender else "",
            mail.authentication_results,
            self.rules.book,
            received,
            self.trusted,
            doubt=mail.sender_doubt,
        )
        what = what or classify_mail(mail, self.rules.classify)
        client = sender.client
        package = (
            self.package_state(session, client, received)
            if client is not None and sender.contract in ("pakiet", "brak")
            else None
        )
        decision = decide(
            sender,
            what,
            received,
            automatic=automatic_reason(mail, self.own_addresses),
            package=package,
            # only pages use it
            oncall=self.oncall(received) if what.emergency or what.possible else None,
        )
        if thread.ticket is not None and owner is not None:
            thread = judge_follow_up(thread, owner, sender, decision)
        if thread.third_party:  # noted on someone else's ticket: no reply, nobody paged
            step = Step("third party", True, "noted on another's ticket: no reply, no page")
            decision = replace(decision, trace=(*decision.trace, step))
        document = explain_document(
            mail,
            received,
            decision,
            thread,
            client_name=client.name if client else None,
            tz=self.tz,
        )
        document["classification"] = {
            "scope_reasons": list(what.scope_reasons),
            "product_reasons": list(what.product_reasons),
        }
        if thread.third_party:  # noted on someone else's ticket: no reply, nobody paged
            document |= {"reply": None, "alerts": []}
        return Decided(decision, document, thread)
