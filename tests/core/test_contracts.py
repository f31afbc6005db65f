"""Who wrote: sender -> client, contract and trust; rules R-CON-1, R-CON-4, R-CON-6.

Pure: the rulebook is built from dataclasses here, the receive time is passed in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mailbot.core.contracts import (
    FREE_MAIL_DOMAINS,
    TRUST_LEVELS,
    Client,
    Staff,
    authentication_failure,
    contract_at,
    identify_sender,
    is_free_mail,
    nip_is_valid,
)
from mailbot.settings.rulebook import Rulebook

MX = "mx.kjmssoft.pl"
AT = datetime(2026, 11, 25, 9, 10)  # naive = Europe/Warsaw local time


def client(id: str, contract: str = "opieka", **kw: object) -> Client:
    fields: dict = {
        "name": id.title(),
        "nip": "5260181596",
        "contract": contract,
        "care_since": date(2023, 2, 1) if contract == "opieka" else None,
        "care_until": None,
        "addresses": (f"biuro@{id}.pl",),
        "domains": (f"{id}.pl",),
        "opiekun": "jan" if contract == "opieka" else None,
        "products": ("F-K",),
    }
    return Client(id=id, **{**fields, **kw})


RULEBOOK = Rulebook(
    staff=(
        Staff("jan", "Jan Wiśniewski", "jan.wisniewski@kjmssoft.pl", "+48512345678", ("opiekun",)),
    ),
    clients=(
        client("piekarnia", addresses=("biuro@piekarnia.pl", "a.kowalska@piekarnia.pl")),
        client("bilans", "pakiet"),
        client("lis", "brak"),
        client("drewbud", "pakiet", addresses=("drewbud@o2.pl",), domains=()),
        client("agropol", care_until=date(2026, 12, 31)),
        client("apteka", care_until=date(2025, 6, 30)),
        client("przychodnia", care_since=date(2026, 12, 1)),
        # a client that (against the loader's rules) lists a free-mail domain
        client("sloppy", "pakiet", addresses=("sloppy@sloppy.pl",), domains=("gmail.com",)),
    ),
)

DMARC_FAIL = (f"{MX}; spf=pass smtp.mailfrom=evil.example; dmarc=fail (p=none) header.from={{d}}",)
BOTH_FAIL = (f"{MX}; spf=fail smtp.mailfrom={{d}}; dkim=fail (bad signature) header.d={{d}}",)
ALL_PASS = (f"{MX};\r\n\tspf=pass smtp.mailfrom={{d}};\r\n\tdkim=pass header.d={{d}}",)


def auth(template: tuple[str, ...], domain: str) -> tuple[str, ...]:
    return tuple(t.format(d=domain) for t in template)


DMARC_P = auth(DMARC_FAIL, "piekarnia.pl")
BOTH_P = auth(BOTH_FAIL, "piekarnia.pl")
PASS_P = auth(ALL_PASS, "piekarnia.pl")
DMARC_KJM = auth(DMARC_FAIL, "kjmssoft.pl")
DMARC_X = auth(DMARC_FAIL, "x.pl")  # about another domain

# (rule and case, From address, Authentication-Results, "trust client contract" with - for None)
CASES = [
    ("R-CON-6 registered", "biuro@piekarnia.pl", (), "registered piekarnia opieka"),
    ("R-CON-6 upper-case address", "Biuro@PIEKARNIA.pl", (), "registered piekarnia opieka"),
    ("R-CON-6 angle brackets", " <a.kowalska@piekarnia.pl> ", (), "registered piekarnia opieka"),
    ("R-CON-6 auth passes", "biuro@piekarnia.pl", PASS_P, "registered piekarnia opieka"),
    ("R-CON-6 colleague", "m.kowalski@piekarnia.pl", (), "unregistered piekarnia opieka"),
    ("R-CON-6 subdomain is not the domain", "x@mail.piekarnia.pl", (), "unknown - -"),
    ("R-CON-6 free-mail sender", "ewa.lewandowska1984@gmail.com", (), "unknown - -"),
    ("R-CON-6 free-mail listed as a domain", "anyone@gmail.com", (), "unknown - -"),
    ("R-CON-6 registered free-mail address", "DrewBud@o2.pl", (), "registered drewbud pakiet"),
    ("R-CON-6 other user of that free-mail", "someone@o2.pl", (), "unknown - -"),
    ("R-CON-6 stranger", "jan@firma-x.pl", (), "unknown - -"),
    ("R-CON-6 no address", "", (), "unknown - -"),
    ("R-CON-6 spoofed From", "biuro@piekarnia.pl", DMARC_P, "unverified piekarnia opieka"),
    ("R-CON-6 DKIM and SPF fail", "biuro@piekarnia.pl", BOTH_P, "unverified piekarnia opieka"),
    ("R-CON-6 spoofed other", "m.kowalski@piekarnia.pl", DMARC_P, "unverified piekarnia opieka"),
    ("R-CON-6 spoofed stranger", "x@firma.pl", auth(DMARC_FAIL, "firma.pl"), "unverified - -"),
    ("R-CON-6 fail elsewhere", "biuro@piekarnia.pl", DMARC_X, "registered piekarnia opieka"),
    ("R-CON-6 auth garbage", "biuro@piekarnia.pl", ("((;;==", ""), "registered piekarnia opieka"),
    ("staff", "Jan.Wisniewski@kjmssoft.pl", (), "staff - -"),
    ("R-CON-6 forged staff address", "jan.wisniewski@kjmssoft.pl", DMARC_KJM, "unverified - -"),
    ("R-CON-6 own domain, not staff", "pomoc@kjmssoft.pl", (), "unknown - -"),
    ("R-CON-1 pakiet client", "biuro@bilans.pl", (), "registered bilans pakiet"),
    ("R-CON-1 no-contract client", "biuro@lis.pl", (), "registered lis brak"),
    ("R-CON-4 in notice period", "biuro@agropol.pl", (), "registered agropol opieka"),
    ("R-CON-4 after care_until", "biuro@apteka.pl", (), "registered apteka brak"),
    ("R-CON-4 before care_since", "biuro@przychodnia.pl", (), "registered przychodnia brak"),
    ("R-CON-4 after care_until, unregistered", "x@apteka.pl", (), "unregistered apteka brak"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "address", "headers", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_identify_sender(case, address, headers, expected):
    trust, client_id, contract = (None if v == "-" else v for v in expected.split())
    info = identify_sender(address, headers, RULEBOOK, AT)
    assert info.trust == trust
    assert info.trust in TRUST_LEVELS
    assert (info.client.id if info.client else None) == client_id
    assert info.contract == contract
    assert info.reasons, "every verdict says why"
    if case.startswith("R-"):
        assert case.split()[0] in info.rules
    assert info.trusted == (trust in ("registered", "staff"))


def test_staff_sender_keeps_staff_even_when_forged():
    ok = identify_sender("jan.wisniewski@kjmssoft.pl", (), RULEBOOK, AT)
    assert ok.is_staff and ok.staff is not None and ok.staff.id == "jan"
    forged = identify_sender(
        "jan.wisniewski@kjmssoft.pl", auth(DMARC_FAIL, "kjmssoft.pl"), RULEBOOK, AT
    )
    assert forged.staff is not None and not forged.is_staff and not forged.trusted


def test_unverified_says_why():
    info = identify_sender("biuro@piekarnia.pl", auth(DMARC_FAIL, "piekarnia.pl"), RULEBOOK, AT)
    assert any("DMARC failed for piekarnia.pl" in r for r in info.reasons)
    assert "R-CON-6" in info.rules


def test_unregistered_reason_mentions_confirmation():
    info = identify_sender("m.kowalski@piekarnia.pl", (), RULEBOOK, AT)
    assert any("until staff confirm" in r for r in info.reasons)


@pytest.mark.parametrize(
    ("headers", "trusted", "failed"),
    [
        # a forged header from a foreign authserv-id is ignored when ids are configured...
        (("evil.example; dmarc=fail header.from=piekarnia.pl",), frozenset({MX}), False),
        # ...and believed when no ids are configured (consider all)
        (("evil.example; dmarc=fail header.from=piekarnia.pl",), frozenset(), True),
        ((f"{MX.upper()}; dmarc=fail header.from=piekarnia.pl",), frozenset({MX}), True),
        # one failure among several signatures, another passes: not failed
        ((f"{MX}; dkim=fail header.d=piekarnia.pl; dkim=pass header.d=piekarnia.pl; "
          "spf=fail smtp.mailfrom=piekarnia.pl",), frozenset(), False),
        # DKIM fails but SPF only softfails: not failed
        ((f"{MX}; dkim=fail header.d=piekarnia.pl; spf=softfail smtp.mailfrom=piekarnia.pl",),
         frozenset(), False),
        # DKIM alone fails: not failed
        ((f"{MX}; dkim=fail header.d=piekarnia.pl; spf=pass smtp.mailfrom=piekarnia.pl",),
         frozenset(), False),
        # results naming no domain are taken as about the From domain
        ((f"{MX}; dmarc=fail",), frozenset(), True),
        # SPF of the envelope (bounce) domain of another domain does not count
        ((f"{MX}; dkim=fail header.d=piekarnia.pl; spf=fail smtp.mailfrom=bounce@esp.example",),
         frozenset(), False),
        # DKIM and SPF failures spread over two headers of the trusted server
        ((f"{MX}; dkim=fail header.i=@piekarnia.pl",
          f"{MX}; spf=fail smtp.mailfrom=x@piekarnia.pl"), frozenset({MX}), True),
        (("", "none", f"{MX}; none", "\x00\xff;;"), frozenset(), False),
    ],
)  # fmt: skip
def test_authentication_failure(headers, trusted, failed):
    failure, _notes = authentication_failure("piekarnia.pl", headers, trusted)
    assert (failure is not None) == failed


def test_ignored_headers_are_noted():
    headers = ("evil.example; dmarc=fail header.from=piekarnia.pl", "((garbage")
    info = identify_sender("biuro@piekarnia.pl", headers, RULEBOOK, AT, frozenset({MX}))
    assert info.trust == "registered"
    assert any("untrusted 'evil.example'" in r for r in info.reasons)
    assert any("unparseable" in r for r in info.reasons)


@pytest.mark.parametrize(
    ("client_id", "day", "contract"),
    [
        ("przychodnia", date(2026, 11, 30), "brak"),  # R-CON-4: care starts the month after
        ("przychodnia", date(2026, 12, 1), "opieka"),  # care_since is the first covered day
        ("agropol", date(2026, 12, 31), "opieka"),  # care_until is the last covered day
        ("agropol", date(2027, 1, 1), "brak"),
        ("apteka", date(2025, 6, 30), "opieka"),
        ("apteka", date(2025, 7, 1), "brak"),
        ("piekarnia", date(2023, 1, 31), "brak"),
        ("bilans", date(2000, 1, 1), "pakiet"),  # R-CON-1: package validity is the ledger's
        ("lis", date(2026, 1, 1), "brak"),
    ],
)
def test_contract_at_r_con_4(client_id, day, contract):
    c = RULEBOOK.client(client_id)
    assert c is not None
    assert contract_at(c, day) == contract


def test_receive_day_is_warsaw_local():
    """23:30 UTC on 30 November is already 1 December in Warsaw: care has started (R-CON-4)."""
    at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert identify_sender("biuro@przychodnia.pl", (), RULEBOOK, at).contract == "opieka"
    assert (
        identify_sender("biuro@przychodnia.pl", (), RULEBOOK, at - timedelta(hours=1)).contract
        == "brak"
    )


def test_r_con_4_reasons_name_the_dates():
    info = identify_sender("biuro@agropol.pl", (), RULEBOOK, AT)
    assert "R-CON-4" in info.rules
    assert any("2026-12-31" in r for r in info.reasons)


def test_free_mail_domains():
    for d in (
        "gmail.com",
        "googlemail.com",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "onet.eu",
        "op.pl",
        "interia.pl",
        "interia.eu",
        "poczta.fm",
        "gazeta.pl",
        "tlen.pl",
        "vp.pl",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "proton.me",
    ):
        assert d in FREE_MAIL_DOMAINS
    assert is_free_mail("poczta.onet.pl") and is_free_mail("GMAIL.COM.")
    assert not is_free_mail("piekarnia-kowalski.pl")
    assert not is_free_mail("notgmail.com")


@pytest.mark.parametrize(
    ("nip", "valid"),
    [("5260181596", True), ("5260181597", False), ("526018159", False), ("526-018-15-96", False)],
)
def test_nip_checksum(nip, valid):
    assert nip_is_valid(nip) == valid


# DMARC alignment: the domain our MX evaluated must be the domain mailbot read.
@pytest.mark.parametrize(
    ("headers", "trusted", "trust"),
    [
        # the MX read the From as evil.example (and it passes there): mailbot read a client
        ((f"{MX}; dmarc=pass header.from=evil.example",), frozenset({MX}), "unverified"),
        ((f"{MX}; spf=pass smtp.mailfrom=evil.example; dkim=pass header.d=evil.example; "
          "dmarc=pass (p=reject) header.from=evil.example",), frozenset({MX}), "unverified"),
        # a subdomain is another From domain: DMARC's header.from is the From's own domain
        ((f"{MX}; dmarc=pass header.from=mail.piekarnia.pl",), frozenset({MX}), "unverified"),
        # one of two evaluated From domains is another one (two From headers at the MX)
        ((f"{MX}; dmarc=pass header.from=piekarnia.pl; dmarc=pass header.from=evil.example",),
         frozenset({MX}), "unverified"),
        # the same domain, in any case: aligned
        ((f"{MX}; dmarc=pass header.from=PIEKARNIA.pl.",), frozenset({MX}), "registered"),
        # no DMARC verdict from our MX: nothing to compare
        ((f"{MX}; spf=pass smtp.mailfrom=bounce.esp.example",), frozenset({MX}), "registered"),
        # a foreign server's view of the From domain is not ours to believe (a mailing
        # list keeps the A-R about the original author's domain)
        (("lists.example; dmarc=pass header.from=evil.example",), frozenset({MX}), "registered"),
        # without a configured authserv-id no header is known to be our MX's
        ((f"{MX}; dmarc=pass header.from=evil.example",), frozenset(), "registered"),
    ],
)  # fmt: skip
def test_dmarc_must_be_about_the_domain_mailbot_trusts(headers, trusted, trust):
    info = identify_sender("biuro@piekarnia.pl", headers, RULEBOOK, AT, trusted)
    assert info.trust == trust
    if trust == "unverified":
        assert info.client is not None and info.client.id == "piekarnia"  # staff see the claim
        assert "R-CON-6" in info.rules
        assert any("evaluated DMARC for" in r and "piekarnia.pl" in r for r in info.reasons)


def test_dmarc_alignment_applies_to_staff_addresses_too():
    headers = (f"{MX}; dmarc=pass header.from=evil.example",)
    info = identify_sender("jan.wisniewski@kjmssoft.pl", headers, RULEBOOK, AT, frozenset({MX}))
    assert info.trust == "unverified" and not info.is_staff


@pytest.mark.parametrize(
    "address", ["biuro@piekarnia.pl", "jan.wisniewski@kjmssoft.pl", "m.kowalski@piekarnia.pl"]
)
def test_a_doubtful_sender_is_never_trusted(address):
    doubt = "two From headers: biuro@piekarnia.pl, attacker@evil.example"
    info = identify_sender(address, (), RULEBOOK, AT, doubt=doubt)
    assert info.trust == "unverified" and not info.trusted
    assert any(doubt in r for r in info.reasons)
    assert "R-CON-6" in info.rules
    assert identify_sender(address, (), RULEBOOK, AT, doubt=None).trust != "unverified"
