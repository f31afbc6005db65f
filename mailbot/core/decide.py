"""The intake decision: who, what, how urgent, which state, reply, alerts and billing.

PURE: composes contracts (who), classify (what, how urgent), calendar (when) and the
package balance into one IntakeDecision, with the rule ids that shaped it. The shell
looks up the facts (rulebook, ledger, on-call rota) and stores the result; `mailbot
explain` prints it. Ordering of the checks follows the terms:
  machine-sent mail is recorded but never answered or paged for (RFC 3834);
  an unidentified sender waits for identification (R-CON-6);
  out-of-scope work is declined with the reason (R-SCO-2);
  a package client without a valid package is put on hold (R-PAK-3);
  everything else is a new ticket, answered with the acknowledgement its contract gets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from mailbot.core import calendar
from mailbot.core.threads import ThreadMatch, TicketOwner, follow_up_author

if TYPE_CHECKING:
    from mailbot.core.classify import Classification
    from mailbot.core.contracts import SenderInfo

OUT_OF_SCOPE = frozenset({"programming", "hardware", "visit"})  # R-SCO-2
CARE_PRODUCTS = frozenset({"SOOT", "F-K", "Kadry-Płace"})  # R-CON-3
ADDON_PRODUCTS = {"Hurtownia Danych": "data-warehouse"}  # R-ADD-4
NO_BILLING_HOURS = frozenset({"extended-hours", "night", "nonstop"})  # R-BIL-1 "evening/night"


@dataclass(frozen=True)
class PackageState:
    """What the ledger says about a package client's hours (R-PAK-1..3)."""

    hours_left: Decimal
    valid_until: date | None
    valid: bool


@dataclass(frozen=True)
class Alert:
    to: str | None  # staff id; None when nobody is known for the role (no rota yet)
    role: str  # oncall | opiekun | manager
    channels: tuple[str, ...]
    at: datetime
    possible: bool = False  # "may not be an emergency": the wording says so


@dataclass(frozen=True)
class IntakeDecision:
    client_id: str | None
    trust: str
    contract: str | None
    product: str
    scope: str
    emergency: bool
    score: float
    urgency_reasons: tuple[str, ...]
    covered: bool
    state: str  # new | on_hold | needs_identification | out_of_scope
    priority: int  # 1 = first in the queue (R-PAK-6)
    deadline: datetime | None  # R-SLA-1
    reply: str | None  # template name, None = no auto-reply
    alerts: tuple[Alert, ...]
    billing: str  # none | billable (R-BIL-1) | double (R-PAK-5)
    package: PackageState | None
    automatic: str | None
    rules: tuple[str, ...]
    reasons: tuple[str, ...] = field(default=())  # everything else worth showing staff
    addons: tuple[str, ...] = ()
    staff_id: str | None = None  # the colleague who wrote, for trust == "staff"
    trust_reasons: tuple[str, ...] = ()  # why `trust` is what it is (also in `reasons`)
    possible: bool = False  # not an emergency, but close to one (classify's "possible")


def _covered(contract: str | None, addons: frozenset[str], at: datetime) -> bool:
    """Care clients' add-ons widen their hours (R-ADD-1..3); others get working hours."""
    if contract == "opieka":
        return calendar.covered(at, addons)
    return calendar.working_hours(at)


def _guaranteed(product: str, addons: frozenset[str]) -> bool:
    """Is the product under care (R-CON-3, R-ADD-4)? An unrecognised product gets the
    benefit of the doubt: staff see the deadline and can lift it."""
    if product in CARE_PRODUCTS or product == "other":
        return True
    needed = ADDON_PRODUCTS.get(product, "dedicated-software")
    return needed in addons


def decide(
    sender: SenderInfo,
    what: Classification,
    at: datetime,
    *,
    automatic: str | None = None,
    package: PackageState | None = None,
    oncall: str | None = None,
) -> IntakeDecision:
    """One new message -> the decision. `at` is the receipt time (aware)."""
    rules: list[str] = list(sender.rules)
    reasons: list[str] = list(sender.reasons)
    client = sender.client
    addons = frozenset(client.addons) if client else frozenset()
    contract = sender.contract if sender.trust != "staff" else None
    trusted = sender.trust == "registered"
    emergency = what.emergency
    covered = _covered(contract, addons, at)
    if emergency:
        rules.append("R-HRS-3")
    # A total outage is an emergency whatever its cause (R-HRS-3): a dead server is paged
    # like any other, and the hardware department may take it over (R-SCO-2).
    hardware = emergency and what.scope == "hardware"
    if hardware:
        rules.append("R-SCO-2")
        reasons.append("total outage with a suspected hardware cause: paged as an emergency; "
                       "the hardware department may take it over")  # fmt: skip

    # State (R-CON-6, R-SCO-2, R-PAK-3)
    state = "new"
    if sender.trust in ("unknown", "unregistered", "unverified"):
        state = "needs_identification"
        rules.append("R-CON-6")
    elif what.scope in OUT_OF_SCOPE and not hardware:
        state = "out_of_scope"
        rules.append("R-SCO-2")
    elif contract in ("pakiet", "brak") and not (package and package.valid):
        state = "on_hold"
        rules.append("R-PAK-3")
        reasons.append(
            "no valid package"
            if contract == "pakiet" or package is None
            else "no contract and no valid package"
        )
    if contract == "pakiet" or (contract == "brak" and package is not None):
        rules.append("R-PAK-1")

    # Priority (R-PAK-6): emergencies first, care clients before others, then arrival.
    care_first = contract == "opieka" and trusted
    priority = (1 if care_first else 2) if emergency else (3 if care_first else 4)
    if contract == "opieka":
        rules.append("R-CON-2" if trusted else "R-CON-6")

    # Reaction deadline (R-SLA-1): only a trusted care client's critical failure.
    deadline = None
    if emergency and care_first and state == "new":
        if _guaranteed(what.product, addons):
            deadline = calendar.reaction_deadline(at, addons)
            rules.append("R-SLA-1")
        else:
            reasons.append(f"{what.product} is not under care without its add-on (R-ADD-4)")
    elif emergency and contract == "pakiet":
        rules.append("R-SLA-2")

    # Billing (R-BIL-1, R-PAK-5): after-hours emergencies.
    billing = "none"
    if emergency and state == "new" and not covered:
        if contract == "opieka" and not (addons & NO_BILLING_HOURS):
            billing = "billable"
            rules.append("R-BIL-1")
        elif contract == "pakiet":
            billing = "double"
            rules.append("R-PAK-5")

    # Alerts: page only for emergencies that the terms promise to handle now.
    alerts: list[Alert] = []
    if automatic is None and state == "new" and emergency:
        if care_first:
            alerts.append(Alert(oncall, "oncall", ("sms", "email"), at))
            if client and client.opiekun and client.opiekun != oncall:  # one page a person
                alerts.append(Alert(client.opiekun, "opiekun", ("sms", "email"), at))
        elif contract == "pakiet" and not calendar.working_hours(at):
            alerts.append(Alert(oncall, "oncall", ("sms", "email"), at))  # R-HRS-3
    # Close to an emergency but under the line: a care client's mail outside its covered
    # hours would otherwise wait until morning. The on-call person is paged with wording
    # that says it may not be one (R-HRS-3, R-SLA-1); no deadline is set.
    possible = what.possible and not emergency
    if automatic is None and state == "new" and possible and care_first and not covered:
        alerts.append(Alert(oncall, "oncall", ("sms", "email"), at, possible=True))
        reasons.append("possible emergency outside covered hours: on call paged to look")
    if not covered and not emergency:
        rules.append("R-HRS-1")

    reply = (
        None
        if automatic or sender.trust == "staff"
        else _reply(state, sender.trust, contract, emergency, covered)
    )
    if automatic:
        reasons.append(f"machine-sent ({automatic}): no auto-reply (RFC 3834)")
    return IntakeDecision(
        client_id=client.id if client else None,
        trust=sender.trust,
        contract=contract,
        product=what.product,
        scope=what.scope,
        emergency=emergency,
        possible=possible,
        score=what.score,
        urgency_reasons=tuple(what.reasons),
        covered=covered,
        state=state,
        priority=priority,
        deadline=deadline,
        reply=reply,
        alerts=tuple(alerts),
        billing=billing,
        package=package if contract in ("pakiet", "brak") else None,
        automatic=automatic,
        rules=tuple(dict.fromkeys(rules)),
        reasons=tuple(reasons),
        addons=tuple(sorted(addons)),
        staff_id=sender.staff.id if sender.trust == "staff" and sender.staff else None,
        trust_reasons=sender.reasons,
    )


def _reply(state: str, trust: str, contract: str | None, emergency: bool, covered: bool) -> str:
    if state == "needs_identification":
        return "unregistered_sender" if trust == "unregistered" else "unknown_sender"
    if state == "out_of_scope":
        return "out_of_scope"
    if state == "on_hold":
        return "no_package"
    if not covered:
        return "outside_hours_emergency" if emergency else "outside_hours"
    if contract == "opieka":
        return "ack_opieka_emergency" if emergency else "ack_opieka"
    return "ack_pakiet"


def escalates(ticket_emergency: bool, new: IntakeDecision, author: str | None = None) -> bool:
    """A follow-up keeps its ticket's decision unless it raises the urgency:
    then the new decision (deadline, alerts, priority) replaces the ticket's. Only the
    requester or a registered address of the client raises it: an unregistered colleague's
    decision (needs identification, R-CON-6) must not replace the client's, and a third
    party never touches the ticket (judge_follow_up)."""
    if author == "third_party" or not new.emergency or ticket_emergency:
        return False
    if new.trust == "registered":
        return True
    return author in (None, "requester") and new.trust != "staff"


def follow_up_reply(new: IntakeDecision) -> str | None:
    """A follow-up is acknowledged as such, unless a robot or a colleague wrote it."""
    return None if new.automatic or new.trust == "staff" else "follow_up"


def judge_follow_up(
    thread: ThreadMatch, owner: TicketOwner, sender: SenderInfo, new: IntakeDecision
) -> ThreadMatch:
    """Whether a message that names an existing ticket may join it, and as whom.

    The requester, the same client and staff join as today. A third party's message is
    noted on the ticket and changes nothing there: not its client, trust, urgency or
    priority, and nobody is paged for it. An emergency it reports is that sender's own:
    a client's (a registered address, R-CON-6) becomes a new ticket, decided for them
    alone (their own contract, their own pages); anyone else's stays a note, since an
    unidentified sender is paged for by nobody anyway.
    """
    author, why = follow_up_author(
        owner, sender.address, sender.trust, sender.client.id if sender.client else None
    )
    if author != "third_party":
        return replace(thread, author=author, reason=f"{thread.reason}; {why}")
    if new.emergency and sender.trust == "registered" and sender.client is not None:
        return ThreadMatch(
            None,
            f"new ticket: names {thread.ticket}, but {why}; "
            "its emergency is decided for the sender alone",
            named=thread.ticket,
        )
    return replace(
        thread,
        author="third_party",
        reason=f"{thread.reason}; {why}: noted on the ticket, which it does not change",
    )
