"""`mailbot explain --json` on who wrote: the parsed sender, the raw From and why trust is
what it is (EXPLAIN.md: keys are only ever added). No servers: the decider with the
shipped rules, InboundMail built by hand (the parser's own tests cover parsing)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from mailbot.core.threads import ThreadMatch
from mailbot.intake.decider import Decider
from mailbot.model import Address, InboundMail
from mailbot.settings.rules import load_rules
from tests.integration.conftest import RULES

WARSAW = ZoneInfo("Europe/Warsaw")
AT = datetime(2026, 11, 25, 9, 10, tzinfo=UTC)  # a Wednesday, working hours
CLIENT = "biuro@piekarnia-kowalski.pl"  # registered, care (rules/clients.toml)
MX = "mx.kjmssoft.pl"


def inbound(address: str = CLIENT, **kw: object) -> InboundMail:
    fields: dict = {
        "message_id": "<x1@piekarnia-kowalski.pl>",
        "message_id_synthetic": False,
        "sender": Address("Anna Kowalska", address),
        "to": (Address("", "pomoc@kjmssoft.pl"),),
        "cc": (),
        "subject": "AWARIA - F-K nie uruchamia się",
        "date": AT,
        "in_reply_to": None,
        "references": (),
        "text": "F-K nie działa na żadnym komputerze, nikt nie może pracować.",
        "html": None,
        "attachments": (),
        "content_type": "text/plain",
        "from_raw": f"Anna Kowalska <{address}>",
    }
    return InboundMail(**{**fields, **kw})


def explain(mail: InboundMail, trusted: frozenset[str] = frozenset({MX})) -> dict:
    decider = Decider(load_rules(RULES), WARSAW, trusted_authserv_ids=trusted)
    return decider(None, mail, AT, ThreadMatch(None, "new ticket")).document


def test_a_trusted_sender_says_why():
    doc = explain(inbound())
    assert doc["trust"] == "registered"
    assert doc["message"]["from"] == {"name": "Anna Kowalska", "address": CLIENT}
    assert doc["message"]["from_raw"] == f"Anna Kowalska <{CLIENT}>"
    assert doc["message"]["sender_doubt"] is None
    assert doc["trust_reasons"] == [
        "registered address of client piekarnia",
        "contract: opieka",
    ]


def test_a_doubtful_sender_is_unverified_and_the_raw_from_is_shown():
    raw = f"Anna Kowalska <{CLIENT}>\nAttacker <attacker@evil.example>"
    doc = explain(inbound(from_raw=raw, sender_doubt="two From headers"))
    assert doc["trust"] == "unverified" and doc["state"] == "needs_identification"
    assert doc["alerts"] == [] and doc["deadline"] is None
    assert doc["message"]["from_raw"] == raw
    assert doc["message"]["sender_doubt"] == "two From headers"
    assert any("two From headers" in r for r in doc["trust_reasons"])


def test_our_mx_evaluated_another_from_domain():
    """The MX read `From: =?UTF-8?Q?x:biuro@…;?= <attacker@evil.example>` as evil.example
    and DMARC passed there: mailbot's reading (the client) is not to be trusted."""
    mail = inbound(authentication_results=(f"{MX}; dmarc=pass header.from=evil.example",))
    doc = explain(mail)
    assert doc["trust"] == "unverified" and doc["alerts"] == []
    assert doc["client"]["id"] == "piekarnia"  # staff still see whom it claims to be
    assert any("evil.example" in r and "piekarnia-kowalski.pl" in r for r in doc["trust_reasons"])
    aligned = inbound(
        authentication_results=(f"{MX}; dmarc=pass header.from=piekarnia-kowalski.pl",)
    )
    assert explain(aligned)["trust"] == "registered"


def test_the_document_carries_the_trace_and_its_hits_are_the_rules():
    """EXPLAIN.md's `rules` come from the checks that ran: the `trace` key lists each,
    hit or miss, with why; text and JSON are both built from it."""
    doc = explain(inbound())
    trace = doc["trace"]
    assert all(set(step) == {"rule", "hit", "reason"} for step in trace)
    hits = [s["rule"] for s in trace if s["hit"] and s["rule"].startswith("R-")]
    assert doc["rules"] == list(dict.fromkeys(hits))
    assert {"rule": "R-HRS-3", "hit": True} in [{"rule": s["rule"], "hit": s["hit"]} for s in trace]
    assert trace[-1] == {"rule": "reply", "hit": True, "reason": doc["reply"]}


def test_a_third_partys_message_ends_the_trace_with_why_nobody_is_answered():
    from mailbot.core.threads import TicketOwner

    decider = Decider(load_rules(RULES), WARSAW, trusted_authserv_ids=frozenset({MX}))
    named = ThreadMatch("KJM-2026-000001", "ticket number in the subject")
    owner = TicketOwner("someone@else.example", "other-client")
    decided = decider(None, inbound(text="Dziękuję, u nas wszystko działa."), AT, named,
                      owner=owner)  # fmt: skip
    assert decided.thread.third_party
    assert decided.document["reply"] is None and decided.document["alerts"] == []
    last = decided.document["trace"][-1]
    assert (last["rule"], last["hit"]) == ("third party", True)
