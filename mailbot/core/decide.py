"""The intake decision: who, what, how urgent, which state, reply, alerts and billing.

PURE: composes contracts (who), classify (what, how urgent), calendar (when) and the
package balance into one IntakeDecision. Every check that runs is recorded as a Step
(rule id or named check, hit or miss, why), in order: the decision's `trace`, whose hits
give `rules`; `mailbot explain` prints the trace, so it shows what ran. The shell looks
up the facts (rulebook, ledger, on-call rota) and stores the result. Ordering of the
checks follows the terms:
  machine-sent mail is recorded but never answered or paged for (RFC 3834);
  an unidentified sender waits for identification (R-CON-6);
  out-of-scope work is declined with the reason (R-SCO-2);
  a package client without a valid package is put on hold (R-PAK-3);
  everything else is a new ticket, answered with the acknowledgement its contract gets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from mailbot.core import calendar

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
class Step:
    """One check the decision ran, as `mailbot explain` shows it: a rule id from
    DOMAIN.md ("R-CON-6") or a named check ("sender", "page", "reply"), whether it
    applied (hit) or not (miss), and why, in a few words."""

    rule: str
    hit: bool
    reason: str


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
    trace: tuple[Step, ...] = ()  # every check that ran, in order; `rules` are its hits


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
    """One new message -> the decision. `at` is the receipt time (aware).

    Every check that runs leaves a Step in `trace`, hit or miss, in the order it ran;
    `rules` are the rule ids of the steps that hit, so what `mailbot explain` shows is
    what ran."""
    who = "; ".join(sender.reasons) or "no reason recorded"
    steps: list[Step] = [Step("sender", True, f"{sender.trust}: {who}")]
    steps += [_sender_step(rule, sender) for rule in sender.rules]
    reasons: list[str] = list(sender.reasons)
    client = sender.client
    addons = frozenset(client.addons) if client else frozenset()
    contract = sender.contract if sender.trust != "staff" else None
    trusted = sender.trust == "registered"
    emergency = what.emergency
    covered = _covered(contract, addons, at)
    urgency = f"urgency score {what.score}"
    if not emergency:
        urgency += ": work is not stopped on every workstation"
    elif what.reasons:
        urgency += f": {', '.join(what.reasons)}"
    steps.append(Step("R-HRS-3", emergency, urgency))
    # A total outage is an emergency whatever its cause (R-HRS-3): a dead server is paged
    # like any other, and the hardware department may take it over (R-SCO-2).
    hardware = emergency and what.scope == "hardware"
    if hardware:
        why = ("total outage with a suspected hardware cause: paged as an emergency; "
               "the hardware department may take it over")  # fmt: skip
        steps.append(Step("R-SCO-2", True, why))
        reasons.append(why)

    # State (R-CON-6, R-SCO-2, R-PAK-3): the first that applies.
    state = "new"
    if sender.trust in ("unknown", "unregistered", "unverified"):
        state = "needs_identification"
        steps.append(Step("R-CON-6", True, f"sender {sender.trust}: waits for identification"))
    elif what.scope in OUT_OF_SCOPE and not hardware:
        state = "out_of_scope"
        steps.append(Step("R-SCO-2", True, f"{what.scope} is not covered by the terms"))
    elif contract in ("pakiet", "brak") and not (package and package.valid):
        state = "on_hold"
        why = (
            "no valid package"
            if contract == "pakiet" or package is None
            else "no contract and no valid package"
        )
        steps.append(Step("R-PAK-3", True, why))
        reasons.append(why)
    else:
        steps.append(Step("state", False, "identified, in scope, nothing to hold it: new"))
    if contract == "pakiet" or (contract == "brak" and package is not None):
        steps.append(Step("R-PAK-1", True, "package client: the work is drawn from hours"))

    # Priority (R-PAK-6): emergencies first, care clients before others, then arrival.
    care_first = contract == "opieka" and trusted
    priority = (1 if care_first else 2) if emergency else (3 if care_first else 4)
    order = ("emergency" if emergency else "no emergency") + (", care client" * care_first)
    steps.append(Step("priority", True, f"{priority} ({order}; R-PAK-6)"))
    if contract == "opieka":
        steps.append(
            Step("R-CON-2", True, "care client, registered address")
            if trusted
            else Step("R-CON-6", True, f"care contract, but the sender is {sender.trust}")
        )

    # Reaction deadline (R-SLA-1): only a trusted care client's critical failure.
    deadline = None
    if emergency and care_first and state == "new":
        if _guaranteed(what.product, addons):
            deadline = calendar.reaction_deadline(at, addons)
            steps.append(Step("R-SLA-1", True, f"guaranteed reaction by {deadline.isoformat()}"))
        else:
            why = f"{what.product} is not under care without its add-on (R-ADD-4)"
            steps.append(Step("R-SLA-1", False, why))
            reasons.append(why)
    elif emergency and contract == "pakiet":
        steps.append(Step("R-SLA-2", True, "package client's emergency: no guaranteed time"))
    elif not emergency:
        steps.append(Step("R-SLA-1", False, "no guarantee applies: not an emergency"))
    else:
        why = "not a trusted care client" if not care_first else f"the ticket is {state}"
        steps.append(Step("R-SLA-1", False, f"no guarantee applies: {why}"))

    # Billing (R-BIL-1, R-PAK-5): after-hours emergencies.
    billing = "none"
    if emergency and state == "new" and not covered:
        if contract == "opieka" and not (addons & NO_BILLING_HOURS):
            billing = "billable"
            steps.append(Step("R-BIL-1", True, "emergency outside covered hours: billable"))
        elif contract == "pakiet":
            billing = "double"
            steps.append(Step("R-PAK-5", True, "emergency outside working hours: double time"))
        elif contract == "opieka":
            steps.append(Step("R-BIL-1", False, "outside working hours, inside its add-ons'"))
        else:
            steps.append(Step("billing", False, f"no after-hours fee for contract {contract}"))

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
    paged = [f"{a.role} {a.to or '(nobody on the rota)'}" + " (possible)" * a.possible
             for a in alerts]  # fmt: skip
    steps.append(Step("page", bool(alerts), "; ".join(paged) or "nobody paged"))
    if not covered and not emergency:
        steps.append(Step("R-HRS-1", True, "outside covered hours: handled when they begin"))

    reply = (
        None
        if automatic or sender.trust == "staff"
        else _reply(state, sender.trust, contract, emergency, covered)
    )
    if automatic:
        why = f"machine-sent ({automatic}): no auto-reply (RFC 3834)"
        steps.append(Step("machine-sent", True, why))
        reasons.append(why)
    no_reply = "none: a colleague wrote" if sender.trust == "staff" else "none"
    steps.append(Step("reply", reply is not None, reply or no_reply))
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
        rules=rules_of(steps),
        reasons=tuple(reasons),
        addons=tuple(sorted(addons)),
        staff_id=sender.staff.id if sender.trust == "staff" and sender.staff else None,
        trust_reasons=sender.reasons,
        trace=tuple(steps),
    )


def _sender_step(rule: str, sender: SenderInfo) -> Step:
    """A rule core.contracts applied to the sender, with what it settled."""
    if rule == "R-CON-6":
        return Step(rule, True, f"the registered addresses say who wrote: {sender.trust}")
    if rule.startswith("R-CON-"):
        return Step(rule, True, f"the client's contract on the day: {sender.contract or '-'}")
    return Step(rule, True, f"who wrote: {sender.trust}")


def rules_of(steps: Iterable[Step]) -> tuple[str, ...]:
    """The rule ids (DOMAIN.md's R-…) of the steps that hit, each once, in order."""
    return tuple(dict.fromkeys(s.rule for s in steps if s.hit and s.rule.startswith("R-")))


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
