"""Threading rules: ticket number in the subject, then In-Reply-To/References."""

import pytest

from mailbot.core.threads import (
    AUTHORS,
    TicketOwner,
    follow_up_author,
    format_ticket_number,
    match_thread,
    strip_prefixes,
    ticket_number_in_subject,
)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: RE: Odp: ODP: Fwd: FW: PD: AW: VS: Faktura", "Faktura"),
        ("re:Re :  odp:Faktura", "Faktura"),
        ("Re[2]: Faktura", "Faktura"),
        ("Odpowiedź: Faktura", "Faktura"),
        ("Faktura: korekta", "Faktura: korekta"),
        ("Regulamin", "Regulamin"),  # "Re" inside a word is not a prefix
        ("", ""),
    ],
)
def test_strip_prefixes(subject, expected):
    assert strip_prefixes(subject) == expected


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("[KJM-2026-000042] Awaria", "KJM-2026-000042"),
        ("Re: RE: Odp: [KJM-2026-000042] Awaria", "KJM-2026-000042"),
        ("ODP: PD: fw: [kjm-2026-000042] Awaria", "KJM-2026-000042"),
        ("Pilne [KJM-2025-000007] nadal nie działa", "KJM-2025-000007"),
        ("KJM-2026-000042 without brackets", None),
        ("[KJM-2026-42] short counter", None),
        ("Re: Awaria", None),
    ],
)
def test_ticket_number_in_subject(subject, number):
    assert ticket_number_in_subject(subject) == number


def test_format_ticket_number():
    assert format_ticket_number(2026, 42) == "KJM-2026-000042"


def test_subject_number_wins_over_references():
    m = match_thread(
        "Re: [KJM-2026-000001] x",
        "<a@x>",
        ["<a@x>"],
        known_tickets={"KJM-2026-000001"},
        ticket_by_message_id={"<a@x>": "KJM-2026-000002"},
    )
    assert m.ticket == "KJM-2026-000001"
    assert "subject" in m.reason


def test_unknown_number_in_subject_falls_back_to_references():
    m = match_thread(
        "Re: [KJM-2026-009999] x",
        "<a@x>",
        [],
        known_tickets=set(),
        ticket_by_message_id={"<a@x>": "KJM-2026-000002"},
    )
    assert m.ticket == "KJM-2026-000002"
    assert "In-Reply-To" in m.reason


def test_references_newest_first():
    m = match_thread(
        "Re: x",
        None,
        ["<old@x>", "<new@x>"],
        known_tickets=set(),
        ticket_by_message_id={"<old@x>": "KJM-2026-000001", "<new@x>": "KJM-2026-000003"},
    )
    assert m.ticket == "KJM-2026-000003"
    assert "References" in m.reason


def test_new_ticket_when_nothing_matches():
    m = match_thread("Re: Awaria", "<a@x>", ["<b@x>"], known_tickets=set(), ticket_by_message_id={})
    assert m.ticket is None
    assert m.reason == "new ticket"


def test_unknown_number_without_references_is_new_and_says_why():
    m = match_thread("[KJM-2026-000077] x", None, [], known_tickets=set(), ticket_by_message_id={})
    assert m.ticket is None
    assert "KJM-2026-000077" in m.reason


# Who may speak for a ticket: follow_up_author (pure; the shell passes the ticket's owner).
OWNER = TicketOwner("biuro@piekarnia.pl", "piekarnia")


@pytest.mark.parametrize(
    ("address", "trust", "client_id", "author"),
    [
        ("biuro@piekarnia.pl", "registered", "piekarnia", "requester"),
        ("a.kowalska@piekarnia.pl", "registered", "piekarnia", "same_client"),
        ("jan.wisniewski@kjmssoft.pl", "staff", None, "staff"),
        # another client that guessed the number
        ("biuro@budmax.pl", "registered", "budmax", "third_party"),
        # a stranger
        ("attacker@evil.example", "unknown", None, "third_party"),
        # an unregistered colleague at the client's own domain speaks for the client...
        ("m.kowalski@piekarnia.pl", "unregistered", "piekarnia", "same_client"),
        # ...but not at another client's domain
        ("m.kowalski@budmax.pl", "unregistered", "budmax", "third_party"),
        # the requester's own address, but authentication failed: may be forged
        ("biuro@piekarnia.pl", "unverified", "piekarnia", "third_party"),
        ("", "unknown", None, "third_party"),
    ],
)
def test_follow_up_author(address, trust, client_id, author):
    got, why = follow_up_author(OWNER, address, trust, client_id)
    assert got == author and got in AUTHORS and why


def test_a_stranger_that_opened_a_ticket_is_its_requester():
    owner = TicketOwner("Ktos@Gdzies.pl", None)
    assert follow_up_author(owner, "ktos@gdzies.pl", "unknown", None)[0] == "requester"
    assert follow_up_author(owner, "inny@gdzies.pl", "unknown", None)[0] == "third_party"
