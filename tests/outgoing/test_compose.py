"""mailbot.outgoing.compose: headers, threading, encodings and header injection (pure)."""

from __future__ import annotations

import base64
import email
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default

import pytest

from mailbot.outgoing.compose import (
    MAX_REFERENCES,
    cap_references,
    child_block,
    compose_alert_email,
    compose_reply,
    extend_thread_index,
    make_message_id,
    new_thread_index,
)
from mailbot.outgoing.render import Rendered

WHEN = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
SUBJECT = "Re: Zażółć gęślą jaźń — awaria [KJM-2026-000042]"
RENDERED = Rendered(
    subject=SUBJECT,
    text="Dzień dobry,\nprzyjęliśmy zgłoszenie. Łączę pozdrowienia.\n",
    html="<p>Dzień dobry,</p><p>przyjęliśmy zgłoszenie. Łączę pozdrowienia.</p>\n",
)
# a real-looking Outlook Thread-Index: header block + one child block
CLIENT_INDEX = base64.b64encode(
    new_thread_index(WHEN - timedelta(hours=2)) + b"\x00\x01\x02\x03\x04"
)


def reply(**overrides) -> bytes:
    args = dict(
        from_addr="pomoc@kjmssoft.pl",
        from_name="Pomoc KJM — Dział Wsparcia",
        to_addr="jan.kowalski@example.pl",
        to_name="Jan Kowalski-Świątek",
        in_reply_to="<client-msg-1@example.pl>",
        references=("<root@example.pl> <mid@example.pl>",),
        thread_index=CLIENT_INDEX.decode(),
        message_id="<KJM-2026-000042.abc123@kjmssoft.pl>",
        date=WHEN,
    )
    return compose_reply(overrides.pop("rendered", RENDERED), **(args | overrides))


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_reply_headers_and_crlf() -> None:
    raw = reply()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.isascii()  # 7-bit: any relay takes it
    msg = parse(raw)
    assert msg["From"].addresses[0].display_name == "Pomoc KJM — Dział Wsparcia"
    assert msg["From"].addresses[0].addr_spec == "pomoc@kjmssoft.pl"
    assert msg["To"].addresses[0].display_name == "Jan Kowalski-Świątek"
    assert msg["Subject"] == SUBJECT
    assert msg["Message-ID"] == "<KJM-2026-000042.abc123@kjmssoft.pl>"
    assert msg["Date"].datetime == WHEN
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Precedence"] == "bulk"
    assert msg["Thread-Topic"] == "Zażółć gęślą jaźń — awaria"
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Content-Language"] == "pl"  # set_content clears it: set after (a fixed bug)


def test_a_reply_a_person_wrote_is_not_marked_automatic() -> None:
    msg = parse(reply(personal=True))
    for automatic in ("Auto-Submitted", "Precedence", "X-Auto-Response-Suppress"):
        assert automatic not in msg, automatic
    assert msg["In-Reply-To"] == "<client-msg-1@example.pl>" and msg["Thread-Index"]


def test_both_parts_decode_with_polish_letters() -> None:
    msg = parse(reply())
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    assert "Łączę pozdrowienia" in plain.get_content()
    assert "<p>Dzień dobry,</p>" in html.get_content()
    for part in (plain, html):
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.get_content_charset() == "utf-8"
        assert "MIME-Version" not in part


def test_threading_headers() -> None:
    msg = parse(reply())
    assert msg["In-Reply-To"] == "<client-msg-1@example.pl>"
    assert msg["References"].split() == [
        "<root@example.pl>",
        "<mid@example.pl>",
        "<client-msg-1@example.pl>",
    ]


def test_no_parent_no_threading_but_new_thread_index() -> None:
    msg = parse(reply(in_reply_to=None, references=(), thread_index=None))
    assert "In-Reply-To" not in msg and "References" not in msg
    raw = base64.b64decode(msg["Thread-Index"])
    assert len(raw) == 22 and raw[0] == 1
    assert raw[1:6] == new_thread_index(WHEN)[1:6]  # the header time is `date`


def test_malformed_client_ids_are_dropped() -> None:
    msg = parse(reply(in_reply_to="garbage", references=("<ok@x.pl> not-an-id <a b@c>",)))
    assert "In-Reply-To" not in msg
    assert msg["References"] == "<ok@x.pl>"


def test_references_capped_keeping_first_and_last() -> None:
    ids = tuple(f"<m{i}@example.pl>" for i in range(60))
    msg = parse(reply(references=ids, in_reply_to="<last@example.pl>"))
    refs = msg["References"].split()
    assert len(refs) == MAX_REFERENCES
    assert refs[0] == "<m0@example.pl>" and refs[-1] == "<last@example.pl>"
    assert refs[-2] == "<m59@example.pl>"
    assert cap_references(["<a@b>", "<a@b>", "<c@d>"]) == ["<a@b>", "<c@d>"]


def test_thread_index_extends_clients_by_one_child_block() -> None:
    parent = base64.b64decode(CLIENT_INDEX)
    ours = base64.b64decode(parse(reply())["Thread-Index"])
    assert len(ours) == len(parent) + 5
    assert ours[: len(parent)] == parent  # header (time + GUID) and its children kept
    assert ours[:22] == parent[:22]


def test_child_block_encodes_the_time_difference() -> None:
    header = new_thread_index(WHEN)
    block = int.from_bytes(child_block(header, WHEN + timedelta(hours=2)), "big")
    assert block >> 39 == 0  # DC bit: less than ~1.7 years
    delta_ticks = ((block >> 8) & 0x7FFF_FFFF) << 18
    parent_ticks = int.from_bytes(header[1:6], "big") << 24
    expected = 2 * 3600 * 10**7 + (_filetime_ticks(WHEN) - parent_ticks)
    assert abs(delta_ticks - expected) < 1 << 18  # exact to the 26 ms resolution
    assert block & 0x0F == 0  # sequence count
    far = int.from_bytes(child_block(header, WHEN + timedelta(days=800)), "big")
    assert far >> 39 == 1


def _filetime_ticks(when: datetime) -> int:
    return int((when - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds()) * 10**7


@pytest.mark.parametrize("bad", ["", "!!!", base64.b64encode(b"\x01" * 23).decode(), "AQ=="])
def test_invalid_client_thread_index_starts_a_new_one(bad: str) -> None:
    assert len(base64.b64decode(extend_thread_index(bad, WHEN))) == 22


def test_polish_subject_round_trips_and_is_encoded() -> None:
    raw = reply()
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]
    assert parse(raw)["Subject"] == SUBJECT


@pytest.mark.parametrize("field", ["subject", "to_name", "from_name"])
def test_header_injection_yields_one_line_and_no_bcc(field: str) -> None:
    evil = "Awaria\r\nBcc: x@y\nX-Evil: 1\r"
    if field == "subject":
        raw = reply(rendered=Rendered(evil, RENDERED.text, RENDERED.html))
    else:
        raw = reply(**{field: evil})
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    msg = parse(raw)
    assert "Bcc" not in msg and "X-Evil" not in msg
    assert not re.search(r"^(Bcc|X-Evil):", head, re.MULTILINE | re.IGNORECASE)
    assert [a.addr_spec for a in msg["To"].addresses] == ["jan.kowalski@example.pl"]


@pytest.mark.parametrize(
    "addr", ["jan", "jan@", "a@b@c.pl", "jan@exa mple.pl", "x@y.pl\r\nBcc: z@z.pl", "ą@x.pl"]
)
def test_bad_address_raises_value_error(addr: str) -> None:
    with pytest.raises(ValueError):
        reply(to_addr=addr)


def test_idn_domain_becomes_punycode() -> None:
    msg = parse(reply(to_addr="jan@żółw.pl"))
    assert msg["To"].addresses[0].domain == "xn--w-uga1v8h.pl"


def test_naive_date_and_bad_message_id_refused() -> None:
    with pytest.raises(ValueError):
        reply(date=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        reply(message_id="<a@b>\r\nBcc: x@y")


def test_make_message_id() -> None:
    one, two = make_message_id("KJM-2026-000042"), make_message_id("KJM-2026-000042")
    assert re.fullmatch(r"<KJM-2026-000042\.[0-9a-f]{16}@kjmssoft\.pl>", one)
    assert one != two
    with pytest.raises(ValueError):
        make_message_id("KJM>\r\n")


@pytest.mark.parametrize("emergency", [True, False])
def test_alert_email(emergency: bool) -> None:
    raw = compose_alert_email(
        Rendered("AWARIA: serwer klienta nie działa", "Zadzwoń do klienta.", "<p>Zadzwoń</p>"),
        from_addr="pomoc@kjmssoft.pl",
        from_name="Mailbot KJM",
        to_addrs=["dyzur@kjmssoft.pl", "szef@kjmssoft.pl"],
        message_id=make_message_id("KJM-2026-000042"),
        date=WHEN,
        emergency=emergency,
    )
    msg = parse(raw)
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Subject"] == "AWARIA: serwer klienta nie działa"
    assert [a.addr_spec for a in msg["To"].addresses] == ["dyzur@kjmssoft.pl", "szef@kjmssoft.pl"]
    assert ("Importance" in msg) is emergency
    if emergency:
        assert msg["Importance"] == "high" and msg["X-Priority"].startswith("1")
    assert "Precedence" not in msg
    assert "Zadzwoń do klienta." in msg.get_body(("plain",)).get_content()


LONG = ("Re: [KJM-2026-000042] " + "Zażółć gęślą jaźń, źdźbło — ćma " * 6).strip()


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("Kowalska, Anna (Wiśniewska)", LONG),  # quoted specials and Polish letters
        ('Jan "Szef" Kowalski', "Pytanie"),  # ASCII with quotes: quoted, escaped
        ("Małgorzata Wiśniewska-Żółkiewska", "ą" * 80),  # several encoded-words
        ("", "x" * 200),  # one ASCII token longer than a line stays whole
    ],
)
def test_headers_fold_and_decode_back(name: str, subject: str) -> None:
    """Lines with an encoded-word stay within 76 characters (RFC 2047 2), the rest within
    78 unless one word is longer; what a reader decodes is what was given."""
    raw = reply(to_name=name, rendered=Rendered(subject, "x\n", "<p>x</p>\n"))
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    for line in head.split("\r\n"):
        one_word = len(line.strip().split(" ")) <= 2  # a name and one word, or one word
        assert len(line) <= (76 if "=?" in line else 78) or one_word, line
    msg = parse(raw)
    assert str(msg["Subject"]) == subject
    assert msg["To"].addresses[0].display_name == name
    assert msg["To"].addresses[0].addr_spec == "jan.kowalski@example.pl"


@pytest.mark.parametrize("text", ["ż" * 100, "Zgłoszenie przyjęte", "a" * 300])
def test_encoded_words_never_split_a_character(text: str) -> None:
    from mailbot.outgoing.compose import encoded_words

    words = encoded_words(text, first=40)
    assert len(words[0]) <= 40 and all(len(w) <= 75 for w in words)
    decoded = [email.header.decode_header(w)[0][0].decode("utf-8") for w in words]
    assert "".join(decoded) == text
