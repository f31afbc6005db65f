"""Who wrote the mail: the From address as the stdlib's modern parser reads it, and doubt.

The sender decides care priority, the 2-hour clock and who is paged at night, so a
hostile or sloppy From must never read as somebody else's address, and any ambiguity is
reported in ``sender_doubt`` (which makes trust ``unverified`` later on).
"""

from __future__ import annotations

import email
import email.policy

import pytest

from mailbot.intake.parse import parse_message

DATE = "Date: Tue, 24 Nov 2026 10:15:00 +0100"


def mail(*headers: str, body: bytes = b"Tre\xc5\x9b\xc4\x87.") -> bytes:
    return "\r\n".join(headers).encode("latin-1") + b"\r\n\r\n" + body


def modern(raw: bytes) -> list[tuple[str, str]]:
    """(display name, addr-spec) of each From mailbox as Python's modern parser reads it."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return [(a.display_name, a.addr_spec) for a in msg["from"].addresses]


# ----------------------------------------------------------------- encoded words, then split
def test_specials_inside_an_encoded_word_do_not_make_an_address() -> None:
    raw = mail("From: =?UTF-8?Q?x:biuro@piekarnia-kowalski.pl;?= <attacker@evil.example>", DATE)
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert parsed.sender.address == "attacker@evil.example"
    assert parsed.sender.address == modern(raw)[0][1]
    assert parsed.sender.name == "x:biuro@piekarnia-kowalski.pl;"
    assert parsed.sender_doubt is None


def test_a_comma_inside_an_encoded_word_stays_in_the_name() -> None:
    raw = mail("From: =?iso-8859-2?Q?Wi=B6niewska,_Joanna?= <j.wisniewska@budmax.com.pl>", DATE)
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert (parsed.sender.name, parsed.sender.address) == (
        "Wiśniewska, Joanna",
        "j.wisniewska@budmax.com.pl",
    )
    assert parsed.sender_doubt is None


def test_a_comma_inside_an_encoded_word_in_cc_is_one_recipient() -> None:
    raw = mail(
        "From: jan@example.pl",
        "Cc: =?iso-8859-2?Q?Wi=B6niewska,_Joanna?= <j.wisniewska@budmax.com.pl>, ewa@x.pl",
        DATE,
    )
    parsed = parse_message(raw)
    assert [(a.name, a.address) for a in parsed.cc] == [
        ("Wiśniewska, Joanna", "j.wisniewska@budmax.com.pl"),
        ("", "ewa@x.pl"),
    ]


@pytest.mark.parametrize(
    "value",
    [
        "=?UTF-8?Q?x:biuro@piekarnia-kowalski.pl;?= <attacker@evil.example>",
        "=?utf-8?B?Yml1cm9AcGlla2FybmlhLWtvd2Fsc2tpLnBs?= <attacker@evil.example>",
        '"=?utf-8?Q?biuro@piekarnia-kowalski.pl?=" <attacker@evil.example>',
        "=?utf-8?Q?<biuro@piekarnia-kowalski.pl>?= <attacker@evil.example>",
        "=?utf-8?q?Jan_Kowalski?= <attacker@evil.example> (biuro@piekarnia-kowalski.pl)",
    ],
)
def test_the_address_is_the_modern_parsers(value: str) -> None:
    raw = mail(f"From: {value}", DATE)
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert parsed.sender.address == modern(raw)[0][1].lower() == "attacker@evil.example"


def test_an_encoded_word_is_never_decoded_into_an_address() -> None:
    """The modern parser decodes a word even where an address is expected, and then reads
    the registered client's address first; mailbot does not, and doubts the field."""
    raw = mail("From: =?utf-8?Q?biuro@piekarnia-kowalski.pl,?= attacker@evil.example", DATE)
    assert modern(raw)[0][1] == "biuro@piekarnia-kowalski.pl"
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert parsed.sender.address == "attacker@evil.example"
    assert parsed.sender.name == "biuro@piekarnia-kowalski.pl,"
    assert parsed.sender_doubt is not None
    spoofed = parse_message(mail("From: =?utf-8?Q?biuro?=@piekarnia-kowalski.pl", DATE))
    assert spoofed.sender is not None
    assert spoofed.sender.address == "=?utf-8?q?biuro?=@piekarnia-kowalski.pl"
    assert spoofed.sender_doubt == "From is not a well-formed address (encoded word in the address)"


def test_a_quoted_local_part_keeps_its_quotes() -> None:
    raw = mail('From: "biuro@piekarnia-kowalski.pl"@evil.example', DATE)
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert (
        parsed.sender.address == modern(raw)[0][1] == '"biuro@piekarnia-kowalski.pl"@evil.example'
    )


# ----------------------------------------------------------------- how sure we are
def test_two_from_headers_are_ambiguous() -> None:
    raw = mail(
        "From: Biuro <biuro@piekarnia-kowalski.pl>",
        "From: Obcy <stranger@evil.example>",
        DATE,
    )
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert parsed.sender.address == "biuro@piekarnia-kowalski.pl"  # staff see the first
    assert parsed.sender_doubt == "2 From headers"
    assert parsed.from_raw == "Biuro <biuro@piekarnia-kowalski.pl>\nObcy <stranger@evil.example>"


def test_one_from_with_two_mailboxes_is_ambiguous() -> None:
    raw = mail("From: biuro@piekarnia-kowalski.pl, stranger@evil.example", DATE)
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert parsed.sender.address == "biuro@piekarnia-kowalski.pl"
    assert parsed.sender_doubt == "From holds 2 addresses"


def test_an_ordinary_from_has_no_doubt_and_keeps_its_raw_text() -> None:
    raw = mail("From: =?utf-8?q?Jan_Kowalski?=\r\n <Jan@Example.PL>", DATE)
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert (parsed.sender.name, parsed.sender.address) == ("Jan Kowalski", "jan@example.pl")
    assert parsed.sender_doubt is None
    assert parsed.from_raw == "=?utf-8?q?Jan_Kowalski?= <Jan@Example.PL>"


@pytest.mark.parametrize(
    ("value", "address", "doubt"),
    [
        ("Jan Kowalski jan@x.pl", "jan@x.pl", "From is not a well-formed address"),
        ("Mail Delivery System <MAILER-DAEMON>", "mailer-daemon", "From address has no domain"),
        ("Jan <jan@x.pl", "jan@x.pl", "From is not a well-formed address"),
    ],
)
def test_a_malformed_from_is_read_but_doubted(value: str, address: str, doubt: str) -> None:
    parsed = parse_message(mail(f"From: {value}", DATE, "Message-ID: <m@x>"))
    assert parsed.sender is not None
    assert parsed.sender.address == address
    assert parsed.sender_doubt is not None and parsed.sender_doubt.startswith(doubt)


def test_obsolete_but_harmless_syntax_is_not_doubted() -> None:
    parsed = parse_message(mail("From: Dr. Jan Kowalski <jan@x.pl>", DATE))
    assert parsed.sender is not None
    assert (parsed.sender.name, parsed.sender.address) == ("Dr. Jan Kowalski", "jan@x.pl")
    assert parsed.sender_doubt is None


def test_a_name_in_a_comment_is_kept_when_there_is_no_display_name() -> None:
    parsed = parse_message(mail("From: jan@x.pl (Jan Kowalski)", DATE))
    assert parsed.sender is not None
    assert (parsed.sender.name, parsed.sender.address) == ("Jan Kowalski", "jan@x.pl")
    assert parsed.sender_doubt is None


# ----------------------------------------------------------------- no usable From
def test_no_from_falls_back_to_sender_then_reply_to() -> None:
    sender = parse_message(
        mail("Sender: Ewa <ewa@x.pl>", "Reply-To: odpowiedz@y.pl", DATE, "Message-ID: <s@x>")
    )
    assert sender.sender is not None and sender.sender.address == "ewa@x.pl"
    assert sender.sender_doubt == "no usable From; address taken from Sender"
    assert sender.from_raw == ""
    reply_to = parse_message(mail("From: <>", "Reply-To: Ewa <ewa@y.pl>", DATE))
    assert reply_to.sender is not None
    assert (reply_to.sender.name, reply_to.sender.address) == ("Ewa", "ewa@y.pl")
    assert reply_to.sender_doubt == "no usable From; address taken from Reply-To"
    assert reply_to.from_raw == "<>"


def test_no_from_and_nothing_to_fall_back_on() -> None:
    nobody = parse_message(mail(DATE, "Subject: x"))
    assert nobody.sender is None
    assert nobody.sender_doubt == "no From header"
    empty = parse_message(mail("From: Mail Delivery System <>", "Message-ID: <d@x>"))
    assert empty.sender is not None
    assert (empty.sender.name, empty.sender.address) == ("Mail Delivery System", "")
    assert empty.sender_doubt == "From has no address"
