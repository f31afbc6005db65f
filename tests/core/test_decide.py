"""The intake decision, rule by rule. The classifier's verdict is given
directly (`What`), so these tests pin the terms, not the phrase lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from mailbot.core.contracts import Client, Staff, identify_sender
from mailbot.core.decide import PackageState, decide, rules_of
from mailbot.core.follow_up import escalates, follow_up_reply, judge_follow_up
from mailbot.core.threads import ThreadMatch, TicketOwner
from mailbot.settings.rulebook import Rulebook

WAW = ZoneInfo("Europe/Warsaw")
STAFF = (
    Staff(
        "jan.wisniewski",
        "Jan Wiśniewski",
        "jan.wisniewski@kjmssoft.pl",
        "+48601000001",
        ("oncall", "opiekun"),
    ),
    Staff("ewa.nowak", "Ewa Nowak", "ewa.nowak@kjmssoft.pl", "+48601000002", ("opiekun",)),
)


def client(cid, contract, addons=(), products=("F-K",), **kw) -> Client:
    return Client(
        id=cid,
        name=cid.title(),
        nip="5260250274",
        contract=contract,
        care_since=kw.get("care_since", date(2025, 1, 1) if contract == "opieka" else None),
        care_until=kw.get("care_until"),
        addresses=(f"biuro@{cid}.pl",),
        domains=(f"{cid}.pl",),
        opiekun="ewa.nowak" if contract == "opieka" else None,
        products=products,
        addons=tuple(addons),
    )


BOOK = Rulebook(
    staff=STAFF,
    clients=(
        client("piekarnia", "opieka"),
        client("hotel", "opieka", addons=("extended-hours", "saturdays")),
        client("szpital", "opieka", addons=("nonstop",)),
        client("hurt", "opieka", products=("Hurtownia Danych",)),
        client("sklep", "pakiet"),
        client("stolarnia", "brak"),
    ),
)


@dataclass(frozen=True)
class What:
    emergency: bool = False
    score: float = 0.0
    reasons: tuple[str, ...] = ()
    scope: str = "consultation"
    product: str = "F-K"
    possible: bool = False


EMERGENCY = What(True, 0.95, ("'na żadnym komputerze'",))
VALID = PackageState(Decimal("2.5"), date(2027, 1, 31), True)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WAW)


def run(address, what=What(), when="2026-11-25T10:00", auth=(), **kw):
    t = at(when)
    return decide(identify_sender(address, auth, BOOK, t), what, t, **kw)


def test_r_con_2_r_sla_1_care_emergency_in_hours():
    d = run("biuro@piekarnia.pl", EMERGENCY, oncall="jan.wisniewski")
    assert (d.trust, d.contract, d.state, d.priority) == ("registered", "opieka", "new", 1)
    assert d.deadline == at("2026-11-25T12:00")
    assert d.reply == "ack_opieka_emergency" and d.billing == "none" and d.covered
    assert [(a.to, a.role) for a in d.alerts] == [
        ("jan.wisniewski", "oncall"),
        ("ewa.nowak", "opiekun"),
    ]
    assert {"R-CON-2", "R-SLA-1", "R-HRS-3"} <= set(d.rules)


def test_the_opiekun_on_call_is_paged_once():
    """EXPLAIN.md: `alerts` is everyone paged now; the outbox pages a person once too."""
    d = run("biuro@piekarnia.pl", EMERGENCY, oncall="ewa.nowak")  # ewa is their opiekun
    assert [(a.to, a.role) for a in d.alerts] == [("ewa.nowak", "oncall")]


def test_r_sla_1_emergency_at_21_50_counts_no_night():
    d = run("biuro@piekarnia.pl", EMERGENCY, when="2026-11-25T21:50")
    assert d.deadline == at("2026-11-26T08:50")
    assert not d.covered and d.billing == "billable"  # R-BIL-1: basic care after hours
    assert d.reply == "outside_hours_emergency" and d.alerts


def test_care_ordinary_question_in_hours():
    d = run("biuro@piekarnia.pl")
    assert (d.state, d.priority, d.deadline, d.reply, d.alerts) == (
        "new",
        3,
        None,
        "ack_opieka",
        (),
    )


@pytest.mark.parametrize(
    ("cid", "covered", "billing"),
    [
        ("piekarnia", False, "billable"),  # R-BIL-1 basic care
        ("hotel", True, "none"),  # R-ADD-1 extended-hours + saturdays
        ("szpital", True, "none"),  # R-ADD-3 nonstop
    ],
)
def test_r_add_care_on_saturday_evening(cid, covered, billing):
    d = run(f"biuro@{cid}.pl", EMERGENCY, when="2026-11-28T19:30")  # a Saturday
    assert d.covered is covered and d.billing == billing
    assert d.deadline == at("2026-11-28T21:30")


def test_saturday_evening_non_emergency_pages_nobody():
    d = run("biuro@piekarnia.pl", when="2026-11-28T23:30")
    assert d.alerts == () and d.reply == "outside_hours" and "R-HRS-1" in d.rules


def test_r_add_4_data_warehouse_without_addon_has_no_guarantee():
    d = run("biuro@hurt.pl", What(True, 0.9, (), "database_repair", "Hurtownia Danych"))
    assert d.deadline is None and any("R-ADD-4" in r for r in d.reasons)


@pytest.mark.parametrize(
    ("package", "state", "reply"),
    [
        (VALID, "new", "ack_pakiet"),
        (
            PackageState(Decimal("1.5"), date(2026, 10, 1), False),
            "on_hold",
            "no_package",
        ),  # expired
        (PackageState(Decimal("0"), date(2027, 1, 31), False), "on_hold", "no_package"),  # used up
        (None, "on_hold", "no_package"),  # never bought one
    ],
)
def test_r_pak_3_package_client(package, state, reply):
    d = run("biuro@sklep.pl", package=package)
    assert (d.contract, d.state, d.reply, d.priority) == ("pakiet", state, reply, 4)
    assert d.package == package
    assert ("R-PAK-3" in d.rules) is (state == "on_hold")


def test_r_pak_5_package_emergency_after_hours_counts_double_and_pages_oncall():
    d = run(
        "biuro@sklep.pl", EMERGENCY, when="2026-11-25T18:00", package=VALID, oncall="jan.wisniewski"
    )
    assert d.billing == "double" and d.deadline is None and d.priority == 2
    assert [a.role for a in d.alerts] == ["oncall"]
    assert {"R-PAK-5", "R-SLA-2"} <= set(d.rules)


def test_r_pak_6_package_emergency_in_hours_no_page():
    d = run("biuro@sklep.pl", EMERGENCY, when="2026-11-25T10:00", package=VALID)
    assert d.alerts == () and d.billing == "none" and d.priority == 2


def test_no_contract_client_goes_on_hold():
    d = run("biuro@stolarnia.pl")
    assert (d.contract, d.state, d.reply) == ("brak", "on_hold", "no_package")


def test_r_con_6_unregistered_colleague_at_client_domain():
    d = run("kasia@piekarnia.pl", EMERGENCY)
    assert d.trust == "unregistered" and d.state == "needs_identification"
    assert d.priority == 2 and d.deadline is None and d.alerts == ()
    assert d.reply == "unregistered_sender" and "R-CON-6" in d.rules


def test_free_mail_sender_is_unknown():
    d = run("piekarnia.kowalski@gmail.com")
    assert (d.trust, d.client_id, d.state, d.reply) == (
        "unknown",
        None,
        "needs_identification",
        "unknown_sender",
    )


def test_spoofed_from_with_failed_dmarc():
    auth = ("mx.kjmssoft.pl; dmarc=fail (p=reject) header.from=piekarnia.pl",)
    d = run("biuro@piekarnia.pl", EMERGENCY, auth=auth)
    assert d.trust == "unverified" and d.state == "needs_identification"
    assert d.deadline is None and d.alerts == ()


@pytest.mark.parametrize("scope", ["programming", "hardware", "visit"])
def test_r_sco_2_out_of_scope(scope):
    d = run("biuro@piekarnia.pl", What(scope=scope))
    assert (d.state, d.reply) == ("out_of_scope", "out_of_scope") and "R-SCO-2" in d.rules


def test_automatic_message_gets_no_reply_and_no_page():
    d = run("biuro@piekarnia.pl", EMERGENCY, automatic="out-of-office")
    assert d.reply is None and d.alerts == ()


def test_staff_message_is_not_answered():
    d = run("jan.wisniewski@kjmssoft.pl")
    assert d.trust == "staff" and d.reply is None and d.contract is None


def test_care_ended_after_notice_counts_as_no_contract():
    book = Rulebook(staff=STAFF, clients=(client("byly", "opieka", care_until=date(2026, 10, 31)),))
    t = at("2026-11-25T10:00")
    d = decide(identify_sender("biuro@byly.pl", (), book, t), EMERGENCY, t)
    assert d.contract == "brak" and d.deadline is None and d.state == "on_hold"


def test_follow_ups_keep_the_ticket_decision_unless_urgency_rises():
    calm, urgent = run("biuro@piekarnia.pl"), run("biuro@piekarnia.pl", EMERGENCY)
    assert escalates(False, urgent) and not escalates(True, urgent)
    assert not escalates(False, calm)
    assert follow_up_reply(calm) == "follow_up"
    assert follow_up_reply(run("biuro@piekarnia.pl", automatic="out-of-office")) is None


def judged(address, what=What(), auth=()):
    """judge_follow_up for a message naming KJM-2026-000001, opened by biuro@piekarnia.pl."""
    t = at("2026-11-25T10:00")
    sender = identify_sender(address, auth, BOOK, t)
    new = decide(sender, what, t, oncall="jan.wisniewski")
    thread = ThreadMatch("KJM-2026-000001", "ticket number KJM-2026-000001 in the subject")
    return judge_follow_up(thread, TicketOwner("biuro@piekarnia.pl", "piekarnia"), sender, new)


def test_the_requester_and_staff_join_their_ticket():
    for address, author in (("biuro@piekarnia.pl", "requester"),
                            ("jan.wisniewski@kjmssoft.pl", "staff")):  # fmt: skip
        t = judged(address, EMERGENCY)
        assert (t.ticket, t.author, t.third_party) == ("KJM-2026-000001", author, False)


def test_another_clients_emergency_on_a_guessed_number_is_their_own_new_ticket():
    t = judged("biuro@sklep.pl", EMERGENCY)
    assert t.ticket is None and t.named == "KJM-2026-000001" and not t.third_party
    assert "decided for the sender alone" in t.reason


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("biuro@sklep.pl", What()),  # another client, nothing urgent
        ("attacker@evil.example", EMERGENCY),  # a stranger's "emergency" stays a note
        ("x@sklep.pl", EMERGENCY),  # another client's unregistered address: not a client
    ],
)
def test_a_third_party_is_noted_on_the_ticket(address, what):
    t = judged(address, what)
    assert t.ticket == "KJM-2026-000001" and t.third_party and t.named is None
    assert "does not change" in t.reason


def test_only_the_requester_or_a_registered_address_raises_a_tickets_urgency():
    urgent, colleague = run("biuro@piekarnia.pl", EMERGENCY), run("x@piekarnia.pl", EMERGENCY)
    assert colleague.trust == "unregistered" and colleague.state == "needs_identification"
    assert escalates(False, urgent, "requester") and escalates(False, urgent, "same_client")
    assert not escalates(False, colleague, "same_client")  # would demote the client's ticket
    assert not escalates(False, urgent, "third_party")
    assert not escalates(False, run("jan.wisniewski@kjmssoft.pl", EMERGENCY), "staff")


# --- a total outage with a hardware cause; the "possible emergency" band --------------------
HARDWARE_OUTAGE = What(True, 0.9, ("'serwer padł'", "'nikt nie może pracować'"), "hardware")


def test_a_total_outage_with_a_hardware_cause_is_paged_as_an_emergency():
    """R-HRS-3: the cause does not matter; R-SCO-2: the hardware department may take over."""
    d = run("biuro@piekarnia.pl", HARDWARE_OUTAGE, when="2026-11-25T23:10", oncall="jan.wisniewski")
    assert (d.state, d.emergency, d.scope) == ("new", True, "hardware")
    assert [a.role for a in d.alerts] == ["oncall", "opiekun"]
    assert d.reply == "outside_hours_emergency" and d.deadline is not None
    assert "R-SCO-2" in d.rules
    assert any("hardware department" in r for r in d.reasons)


def test_hardware_without_a_total_outage_stays_out_of_scope():
    d = run("biuro@piekarnia.pl", What(False, 0.1, (), "hardware"), oncall="jan.wisniewski")
    assert (d.state, d.reply, d.alerts) == ("out_of_scope", "out_of_scope", ())


def test_a_possible_emergency_at_night_pages_on_call_with_its_own_wording():
    maybe = What(False, 0.35, ("'nie działa'",), "other", possible=True)
    d = run("biuro@piekarnia.pl", maybe, when="2026-11-25T23:10", oncall="jan.wisniewski")
    assert not d.emergency and d.possible and d.deadline is None
    assert [(a.to, a.role, a.possible) for a in d.alerts] == [("jan.wisniewski", "oncall", True)]
    assert d.reply == "outside_hours"  # the client is told when it will be handled


@pytest.mark.parametrize(
    ("address", "when"),
    [
        ("biuro@piekarnia.pl", "2026-11-25T10:00"),  # in working hours: staff read the queue
        ("biuro@sklep.pl", "2026-11-25T23:10"),  # a package client: no guarantee (R-SLA-2)
    ],
)
def test_a_possible_emergency_pages_nobody_otherwise(address, when):
    maybe = What(False, 0.35, ("'nie działa'",), "other", possible=True)
    assert run(address, maybe, when=when, oncall="jan.wisniewski").alerts == ()


# --------------------------------------------------------------------------- the trace
def steps(d) -> list[tuple[str, bool]]:
    return [(s.rule, s.hit) for s in d.trace]


def test_the_trace_records_every_check_in_order_and_rules_are_its_hits():
    d = run("biuro@piekarnia.pl", EMERGENCY, oncall="jan.wisniewski")
    assert steps(d) == [
        ("sender", True), ("R-CON-6", True), ("R-CON-1", True), ("R-HRS-3", True),
        ("state", False), ("priority", True), ("R-CON-2", True), ("R-SLA-1", True),
        ("page", True), ("reply", True),
    ]  # fmt: skip
    assert d.rules == rules_of(d.trace) == ("R-CON-6", "R-CON-1", "R-HRS-3", "R-CON-2", "R-SLA-1")
    why = {s.rule: s.reason for s in d.trace}
    assert why["R-SLA-1"] == "guaranteed reaction by 2026-11-25T12:00:00+01:00"
    assert why["page"] == "oncall jan.wisniewski; opiekun ewa.nowak"
    assert why["R-HRS-3"] == "urgency score 0.95: 'na żadnym komputerze'"


def test_a_check_that_does_not_apply_is_a_miss_with_its_reason():
    d = run("biuro@piekarnia.pl")  # an ordinary question in working hours
    miss = {s.rule: s.reason for s in d.trace if not s.hit}
    assert miss == {
        "R-HRS-3": "urgency score 0.0: work is not stopped on every workstation",
        "state": "identified, in scope, nothing to hold it: new",
        "R-SLA-1": "no guarantee applies: not an emergency",
        "page": "nobody paged",
    }
    assert "R-HRS-3" not in d.rules and "R-SLA-1" not in d.rules


@pytest.mark.parametrize(
    ("address", "what", "kw", "fired", "reason"),
    [
        ("a@gmail.com", What(), {}, "R-CON-6", "sender unknown: waits for identification"),
        ("biuro@piekarnia.pl", What(scope="programming"), {}, "R-SCO-2",
         "programming is not covered by the terms"),
        ("biuro@sklep.pl", What(), {}, "R-PAK-3", "no valid package"),
        ("biuro@sklep.pl", EMERGENCY, {"package": VALID}, "R-SLA-2",
         "package client's emergency: no guaranteed time"),
        ("biuro@piekarnia.pl", What(), {"automatic": "out-of-office"}, "machine-sent",
         "machine-sent (out-of-office): no auto-reply (RFC 3834)"),
    ],
)  # fmt: skip
def test_the_step_that_decided_says_why(address, what, kw, fired, reason):
    d = run(address, what, **kw)
    assert (fired, True, reason) in [(s.rule, s.hit, s.reason) for s in d.trace]
    assert d.rules == rules_of(d.trace)


def test_after_hours_steps_name_the_fee_or_why_there_is_none():
    billable = run("biuro@piekarnia.pl", EMERGENCY, when="2026-11-28T19:30")
    covered = run("biuro@szpital.pl", EMERGENCY, when="2026-11-28T19:30")  # nonstop
    assert ("R-BIL-1", True) in steps(billable) and "R-BIL-1" in billable.rules
    assert ("R-BIL-1", True) not in steps(covered) and "R-BIL-1" not in covered.rules


@pytest.mark.parametrize("address", ["biuro@piekarnia.pl", "x@piekarnia.pl", "a@gmail.com",
                                     "biuro@sklep.pl", "biuro@stolarnia.pl", ""])  # fmt: skip
@pytest.mark.parametrize("what", [What(), EMERGENCY, What(scope="hardware", emergency=True),
                                  What(possible=True, score=0.6)])  # fmt: skip
@pytest.mark.parametrize("when", ["2026-11-25T10:00", "2026-11-25T22:00", "2026-11-28T12:00"])
def test_rules_are_always_the_hits_of_the_trace(address, what, when):
    d = run(address, what, when, oncall="jan.wisniewski", package=VALID)
    assert d.rules == rules_of(d.trace)
    assert all(s.reason for s in d.trace)  # every step says why
    assert d.trace[0].rule == "sender" and d.trace[-1].rule == "reply"
