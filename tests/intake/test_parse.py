"""Focused unit tests for mailbot.intake.parse.parse_message (synthetic messages, no files)."""

from __future__ import annotations

import base64
import hashlib
import pickle
from datetime import UTC, datetime, timedelta

import mailparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mailbot.intake.parse as parse_module
from mailbot.errors import ParseError
from mailbot.intake.parse import parse_message
from mailbot.intake.textdecode import decode_text, encoded_spans, one_line


def mail(*headers: str, body: bytes | str = "Treść.", eol: str = "\r\n") -> bytes:
    head = eol.join(headers).encode("utf-8")
    data = body.encode("utf-8") if isinstance(body, str) else body
    return head + (eol * 2).encode() + data


BASIC = ("From: Jan Kowalski <jan@example.pl>", "Date: Tue, 24 Nov 2026 10:15:00 +0100")


# --------------------------------------------------------------------------- message ids
def test_synthetic_message_id_is_stable_and_content_addressed() -> None:
    raw = mail(*BASIC, "Subject: bez identyfikatora")
    first, second = parse_message(raw), parse_message(bytes(raw))
    expected = f"<sha256.{hashlib.sha256(raw).hexdigest()}@mailbot.invalid>"
    assert first.message_id == second.message_id == expected
    assert first.message_id_synthetic and second.message_id_synthetic
    assert first.sha256 == hashlib.sha256(raw).hexdigest()
    other = parse_message(raw + b"\r\nJeszcze jedna linia.")
    assert other.message_id != first.message_id


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Message-ID: <abc@example.pl>", "<abc@example.pl>"),
        ("Message-ID: abc@example.pl", "<abc@example.pl>"),
        ("Message-Id:   < abc@example.pl >  (komentarz)", "<abc@example.pl>"),
        ("Message-ID: <first@example.pl> <second@example.pl>", "<first@example.pl>"),
        ("Message-ID: <abc@example.pl", "<abc@example.pl>"),
        ("Message-ID: 1234567", "<1234567>"),
    ],
)
def test_message_id_normalised(header: str, expected: str) -> None:
    parsed = parse_message(mail(*BASIC, header))
    assert parsed.message_id == expected
    assert not parsed.message_id_synthetic


def test_in_reply_to_and_references() -> None:
    parsed = parse_message(
        mail(
            *BASIC,
            "In-Reply-To: <b@x.pl> <c@x.pl>",
            "References: <a@x.pl>\r\n <b@x.pl>\r\n\t<a@x.pl> <c@x.pl>",
        )
    )
    assert parsed.in_reply_to == "<b@x.pl>"
    assert parsed.references == ("<a@x.pl>", "<b@x.pl>", "<c@x.pl>")
    bare = parse_message(mail(*BASIC, "In-Reply-To: Your message of Monday", "References:"))
    assert bare.in_reply_to is None and bare.references == ()


# --------------------------------------------------------------------------- dates
def test_naive_date_is_taken_as_utc() -> None:
    parsed = parse_message(mail("From: a@b.pl", "Date: Tue, 24 Nov 2026 10:15:00"))
    assert parsed.date == datetime(2026, 11, 24, 10, 15, tzinfo=UTC)
    assert parsed.date.tzinfo is not None


def test_date_keeps_sender_offset() -> None:
    parsed = parse_message(mail(*BASIC))
    assert parsed.date.isoformat() == "2026-11-24T10:15:00+01:00"
    assert parsed.date.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 24 Nov 2026 10:15:00 -0000", datetime(2026, 11, 24, 10, 15, tzinfo=UTC)),
        (
            "Tue, 24 Nov 2026 10:15:00 +0100 (CET)",
            datetime(2026, 11, 24, 9, 15, tzinfo=UTC),
        ),
        ("24 Nov 26 10:15 EST", datetime(2026, 11, 24, 15, 15, tzinfo=UTC)),
        ("Mon, 24 Nov 2026 10:15:00 +0100", datetime(2026, 11, 24, 9, 15, tzinfo=UTC)),
        ("Malformed Date.", None),
        ("", None),
        ("Tue, 32 Nov 2026 10:15:00 +0100", None),
    ],
)
def test_dates(value: str, expected: datetime | None) -> None:
    parsed = parse_message(mail("From: a@b.pl", f"Date: {value}"))
    assert parsed.date == expected
    if parsed.date is not None:
        assert parsed.date.tzinfo is not None


# --------------------------------------------------------------------------- headers
def test_leading_space_in_subject_is_stripped() -> None:
    for subject in (
        "Subject:  =?utf-8?q?Wa=C5=BCne?=",
        "Subject:\r\n =?utf-8?q?Wa=C5=BCne?=",
        "Subject: \t Ważne  ",
    ):
        raw = mail(*BASIC, subject.replace("Ważne", "=?utf-8?q?Wa=C5=BCne?="))
        assert parse_message(raw).subject == "Ważne", subject


def test_header_injection_characters_kept_as_data_without_cr_lf() -> None:
    raw = mail(
        "From: =?utf-8?q?Jan=0D=0ABcc=3A_x=40evil=2Epl?= <jan@example.pl>",
        "Date: Tue, 24 Nov 2026 10:15:00 +0100",
        "Subject: =?utf-8?q?Faktura=0D=0ABcc=3A_evil=40example=2Ecom=0A=0DX-Test=3A_1?=",
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Faktura Bcc: evil@example.com X-Test: 1"
    assert parsed.sender.name == "Jan Bcc: x@evil.pl"
    assert parsed.sender.address == "jan@example.pl"
    for value in (parsed.subject, parsed.sender.name):
        assert "\r" not in value and "\n" not in value


def test_folded_encoded_word_keeps_space() -> None:
    """The mail-parser pitfall: encoded word + folded plain word must not be glued."""
    raw = mail(*BASIC, "Subject: =?utf-8?q?B=C5=82=C4=99dna?=\r\n kwota na fakturze")
    assert parse_message(raw).subject == "Błędna kwota na fakturze"
    assert "Błędnakwota" in mailparser.parse_from_bytes(raw).subject  # why we do not use it


def test_addresses() -> None:
    parsed = parse_message(
        mail(
            "From: =?iso-8859-2?Q?=A3ukasz_=AFak?= <Lukasz.Zak@Example.PL>",
            'To: pomoc@kjmssoft.pl, "Nowak, Anna" <ANNA@x.pl>',
            "To: trzeci@x.pl",
            "Cc: undisclosed-recipients:;, Kowalski, Jan <jan@x.pl>",
            "Date: Tue, 24 Nov 2026 10:15:00 +0100",
        )
    )
    assert (parsed.sender.name, parsed.sender.address) == ("Łukasz Żak", "lukasz.zak@example.pl")
    assert [a.address for a in parsed.to] == ["pomoc@kjmssoft.pl", "anna@x.pl", "trzeci@x.pl"]
    assert parsed.to[1].name == "Nowak, Anna"
    assert [a.address for a in parsed.cc] == ["jan@x.pl"]


def test_sender_without_angle_brackets_or_address() -> None:
    loose = parse_message(mail("From: Jan Kowalski jan@x.pl", "Date: Tue, 24 Nov 2026 10:15 +0100"))
    assert (loose.sender.name, loose.sender.address) == ("Jan Kowalski", "jan@x.pl")
    daemon = parse_message(mail("From: Mail Delivery System <MAILER-DAEMON>", "Message-ID: <d@x>"))
    assert daemon.sender.address == "mailer-daemon"
    empty = parse_message(mail("From: Mail Delivery System <>", "Message-ID: <d@x>"))
    assert (empty.sender.name, empty.sender.address) == ("Mail Delivery System", "")
    nobody = parse_message(mail("Date: Tue, 24 Nov 2026 10:15:00 +0100", "Subject: x"))
    assert nobody.sender is None


def test_raw_utf8_and_latin2_header_bytes() -> None:
    raw = (
        "From: Łucja Kęsik <l@x.pl>\r\nSubject: Zażółć gęślą jaźń\r\n".encode()
        + b"Date: Tue, 24 Nov 2026 10:15:00 +0100\r\n\r\nx"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Zażółć gęślą jaźń"
    assert parsed.sender.name == "Łucja Kęsik"


def test_trust_and_loop_headers() -> None:
    parsed = parse_message(
        mail(
            *BASIC,
            "Auto-Submitted: auto-replied",
            "Precedence: junk",
            "List-Id: Klienci <klienci.lists.x.pl>",
            "Return-Path: <>",
            "Authentication-Results: mx.kjmssoft.pl; spf=pass smtp.mailfrom=x.pl",
            "Authentication-Results: mx.kjmssoft.pl;\r\n dkim=fail header.d=x.pl",
            "X-Priority: 1 (Highest)",
            "Importance: High",
            "X-Autoreply: yes",
            "X-Auto-Response-Suppress: DR, OOF, AutoReply",
            "Thread-Index: AdtAbCdE",
            "Content-Type: TEXT/Plain; charset=utf-8",
        )
    )
    assert parsed.auto_submitted == "auto-replied"
    assert parsed.precedence == "junk"
    assert parsed.list_id == "Klienci <klienci.lists.x.pl>"
    assert parsed.return_path == "<>"
    assert parsed.authentication_results == (
        "mx.kjmssoft.pl; spf=pass smtp.mailfrom=x.pl",
        "mx.kjmssoft.pl; dkim=fail header.d=x.pl",
    )
    assert (parsed.x_priority, parsed.importance) == ("1 (Highest)", "High")
    assert parsed.x_autoreply == "yes"
    assert parsed.x_auto_response_suppress == "DR, OOF, AutoReply"
    assert parsed.thread_index == "AdtAbCdE"
    assert parsed.content_type == "text/plain"
    plain = parse_message(mail(*BASIC))
    assert plain.auto_submitted is None and plain.authentication_results == ()


# --------------------------------------------------------------------------- bodies
def test_unknown_charset_x_unknown_falls_back() -> None:
    body = "Zażółć gęślą jaźń".encode("cp1250")
    raw = mail(
        *BASIC,
        "Subject: =?x-unknown?q?Pro=9Cba?=",  # windows-1250 bytes
        "Content-Type: text/plain; charset=x-unknown",
        "Content-Transfer-Encoding: 8bit",
        body=body,
    )
    parsed = parse_message(raw)
    assert parsed.text == "Zażółć gęślą jaźń"  # utf-8 fails, windows-1250 fits
    assert parsed.subject == "Prośba"


@pytest.mark.parametrize("charset", ["invalid-charset", "utf-8", "us-ascii", "utf-16", "base64"])
def test_lying_or_bogus_charsets_never_raise(charset: str) -> None:
    raw = mail(
        *BASIC,
        f"Content-Type: text/plain; charset={charset}",
        "Content-Transfer-Encoding: 8bit",
        body="Źdźbło ".encode("iso-8859-2") + "i ćma".encode(),
    )
    text = parse_message(raw).text
    assert text and "\x00" not in text


def test_html_only_is_converted_and_kept() -> None:
    html = "<html><body><p>Dzień dobry,</p><p>błąd w <b>KJM</b>&nbsp;Faktury</p></body></html>"
    raw = mail(*BASIC, "Content-Type: text/html; charset=utf-8", body=html)
    parsed = parse_message(raw)
    assert parsed.html == html
    assert "Dzień dobry," in parsed.text and "błąd w KJM" in parsed.text
    assert "<p>" not in parsed.text


def test_empty_plain_part_uses_html() -> None:
    raw = mail(
        *BASIC,
        'Content-Type: multipart/alternative; boundary="b"',
        body="--b\r\nContent-Type: text/plain\r\n\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n"
        "<p>Tylko HTML</p>\r\n--b--\r\n",
    )
    assert parse_message(raw).text == "Tylko HTML"


def test_nul_and_control_characters_removed_from_text() -> None:
    raw = mail(*BASIC, "Content-Type: text/plain; charset=utf-8", body=b"a\x00b\x07c\td\r\ne")
    assert parse_message(raw).text == "abc\td\ne"


def test_cr_only_line_endings() -> None:
    raw = mail(*BASIC, "Subject: Mac", "Message-ID: <cr@x.pl>", body="linia 1\rlinia 2", eol="\r")
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.message_id) == ("Mac", "<cr@x.pl>")
    assert parsed.text == "linia 1\nlinia 2"


# --------------------------------------------------------------------------- attachments
def test_multipart_attachment_that_is_itself_multipart() -> None:
    """A multipart part with Content-Disposition: attachment (get_content() KeyError case)."""
    body = (
        "--outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nW załączeniu podpisany plik.\r\n"
        '--outer\r\nContent-Type: multipart/signed; boundary="inner"; protocol="x"\r\n'
        'Content-Disposition: attachment; filename="podpisany.p7m"\r\n\r\n'
        "--inner\r\nContent-Type: text/plain\r\n\r\nTajna treść wewnątrz załącznika\r\n"
        '--inner\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--inner--\r\n"
        "--outer--\r\n"
    )
    raw = mail(*BASIC, 'Content-Type: multipart/mixed; boundary="outer"', body=body)
    parsed = parse_message(raw)
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("podpisany.p7m", "multipart/signed")
    ]
    assert parsed.attachments[0].size > 0
    assert parsed.text == "W załączeniu podpisany plik."
    assert "Tajna" not in parsed.text


def test_message_rfc822_attachment_without_name() -> None:
    inner = "From: x@y.pl\r\nSubject: =?utf-8?q?Za=C5=82=C4=85cznik?=\r\n\r\nWewnętrzna treść\r\n"
    body = (
        "--o\r\nContent-Type: text/plain\r\n\r\nPrzekazuję.\r\n"
        f"--o\r\nContent-Type: message/rfc822\r\n\r\n{inner}--o--\r\n"
    )
    raw = mail(*BASIC, 'Content-Type: multipart/mixed; boundary="o"', body=body)
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["Załącznik.eml"]
    assert parsed.text == "Przekazuję."


def test_attachment_size_and_sha256_of_decoded_payload() -> None:
    payload = bytes(range(256)) * 40
    body = (
        "--b\r\nContent-Type: text/plain\r\n\r\nPlik.\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
        "filename*=iso-8859-2''%A3%F3d%BC.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(payload).decode().replace("\n", "\r\n")
        + "--b--\r\n"
    )
    parsed = parse_message(mail(*BASIC, 'Content-Type: multipart/mixed; boundary="b"', body=body))
    (attachment,) = parsed.attachments
    assert attachment.filename == "Łódź.bin"
    assert attachment.size == len(payload)
    assert attachment.sha256 == hashlib.sha256(payload).hexdigest()


@pytest.mark.parametrize(
    "disposition",
    [
        "Content-Disposition: attachment; filename*=x-bogus''%C5%81%C3%B3d%C5%BA.pdf",
        'Content-Disposition: attachment; filename="Łódź.pdf"',
        "Content-Disposition: attachment; filename*0*=utf-8''%C5%81%C3%B3; filename*1*=d%C5%BA.pdf",
    ],
)
def test_odd_filename_encodings(disposition: str) -> None:
    body = (
        "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
        f"--b\r\nContent-Type: application/pdf\r\n{disposition}\r\n\r\n%PDF\r\n--b--\r\n"
    )
    raw = mail(*BASIC, 'Content-Type: multipart/mixed; boundary="b"', body=body)
    assert [a.filename for a in parse_message(raw).attachments] == ["Łódź.pdf"]


def test_unnamed_inline_image_is_an_attachment() -> None:
    body = (
        "--r\r\nContent-Type: text/html\r\n\r\n<img src=cid:logo>\r\n"
        "--r\r\nContent-Type: image/gif\r\nContent-ID: <logo>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nR0lGODlhAQABAAAAACw=\r\n--r--\r\n"
    )
    raw = mail(*BASIC, 'Content-Type: multipart/related; boundary="r"', body=body)
    (image,) = parse_message(raw).attachments
    assert image.content_type == "image/gif" and image.filename.endswith(".gif")
    outlook = raw.replace(b"<logo>", b"<image001.gif@01DB3F8A.5C0E1B20>")
    assert [a.filename for a in parse_message(outlook).attachments] == ["image001.gif"]


# --------------------------------------------------------------------------- oversized
def test_oversized_truncated_multipart() -> None:
    payload = bytes(range(256)) * 400  # 100 KB
    body = (
        "--cut\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDuży załącznik.\r\n"
        '--cut\r\nContent-Type: application/pdf; name="raport.pdf"\r\n'
        'Content-Disposition: attachment; filename="raport.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(payload).decode().replace("\n", "\r\n")
        + "--cut--\r\n"
    )
    full = mail(
        *BASIC, "Message-ID: <big@x.pl>", 'Content-Type: multipart/mixed; boundary="cut"', body=body
    )
    head_end = full.index(b"\r\n\r\n") + 4
    for keep in (10, 60, 150, 250, 1000, 4096, 4097, 4098, 20000):
        raw = full[: head_end + keep]
        parsed = parse_message(raw, oversized=True)
        assert parsed.oversized is True
        assert parsed.size == len(raw)
        assert parsed.message_id == "<big@x.pl>"
        assert parsed.content_type == "multipart/mixed"
        if keep >= 1000:
            assert parsed.text == "Duży załącznik."
            (attachment,) = parsed.attachments
            assert attachment.filename == "raport.pdf"
            assert 0 < attachment.size < len(payload)
    assert parse_message(full).oversized is False


# --------------------------------------------------------------------------- validity
@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b" \r\n\r\n", "empty message"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(100), "NUL bytes"),
        (b"From: a@b.pl\r\nSubject: x\x00y\r\n\r\nbody", "NUL bytes"),
        (b"To jest zwykly tekst, nie mail.\r\nDruga linia.\r\n", "no header block"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "no header block"),
        (b"Subject: tylko temat\r\n\r\ntresc", "no From, Date or Message-ID"),
        (b"From: \r\nDate: \r\n\r\ntresc", "no From, Date or Message-ID"),
    ],
)
def test_not_usable_mail_raises_parse_error(raw: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_message(raw)


def test_nul_in_body_is_not_a_reason_to_reject() -> None:
    parsed = parse_message(mail(*BASIC, body=b"binarne\x00dane"))
    assert parsed.text == "binarnedane"


def test_message_with_from_but_broken_parts_parses() -> None:
    raw = mail(
        "From: jan@example.pl",
        'Content-Type: multipart/mixed; boundary="nie-ma-takiej"',
        body="--inna-granica\r\nContent-Type: text/plain\r\n\r\nTekst mimo wszystko\r\n",
    )
    parsed = parse_message(raw)
    assert parsed.sender.address == "jan@example.pl"
    assert "Tekst mimo wszystko" in parsed.text
    assert parsed.defects


def test_mail_parser_crash_case_still_parses() -> None:
    """A nested part without its start boundary inside an unterminated multipart: the
    shape on which mail-parser 4.8 raises AttributeError (sisimai lhost-sendgrid-01)."""
    raw = mail(
        "From: MAILER-DAEMON <bounce@sendgrid.example>",
        "Date: Tue, 24 Nov 2026 10:15:00 +0100",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="rep"',
        body=(
            "--rep\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
            "--rep\r\nContent-Type: message/rfc822\r\n\r\n"
            'From: a@b.pl\r\nContent-Type: multipart/alternative; boundary="gone"\r\n\r\n'
            "no boundary here\r\n"
        ),
    )
    with pytest.raises(AttributeError):
        mailparser.parse_from_bytes(raw)
    parsed = parse_message(raw)
    assert parsed.content_type == "multipart/report"
    assert parsed.text == "Delivery failed."


def test_unexpected_error_falls_back_to_headers_only(monkeypatch) -> None:
    original = parse_module.walk

    def boom(*_args, **_kwargs):
        raise RuntimeError("walk exploded")

    monkeypatch.setattr(parse_module, "walk", boom)
    with pytest.raises(ParseError, match="parser failure: RuntimeError: walk exploded"):
        parse_message(mail(*BASIC))

    calls = []

    def first_call_fails(msg, extra):
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("multipart/signed")
        return original(msg, extra)

    monkeypatch.setattr(parse_module, "walk", first_call_fails)
    parsed = parse_message(mail(*BASIC, "Subject: Ratunek", body="Treść zachowana"))
    assert parsed.subject == "Ratunek" and parsed.text == "Treść zachowana"
    assert parsed.extra["parse_fallback"] == "KeyError: 'multipart/signed'"


def test_result_is_picklable() -> None:
    parsed = parse_message(mail(*BASIC, "Subject: pickle", body="x"))
    assert pickle.loads(pickle.dumps(parsed)) == parsed


# --------------------------------------------------------------------------- properties
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_mail_or_parse_error(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except ParseError as exc:
        assert str(exc)
    else:
        assert parsed.size == len(raw) and parsed.message_id.startswith("<")


SEED = mail(
    *BASIC,
    "Subject: =?utf-8?q?B=C5=82=C4=85d?= w fakturze",
    'Content-Type: multipart/mixed; boundary="b"',
    body="--b\r\nContent-Type: text/plain; charset=iso-8859-2\r\nContent-Transfer-Encoding: "
    "quoted-printable\r\n\r\nZa=BF=F3=B3=E6\r\n--b\r\nContent-Type: image/png; name*=utf-8''"
    "%C5%BC.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n",
)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_mail_gives_mail_or_parse_error(data) -> None:
    raw = bytearray(SEED)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del raw[pos : pos + data.draw(st.integers(1, 40))]
        else:
            raw[pos:pos] = data.draw(st.sampled_from([b"\r\n", b"=?", b"--b", b"\r\n\r\n", b";"]))
        if not raw:
            break
    try:
        parsed = parse_message(bytes(raw), oversized=data.draw(st.booleans()))
    except ParseError as exc:
        assert str(exc)
    else:
        assert parsed.size == len(raw)


def test_raw_latin2_header_bytes_use_the_body_charset() -> None:
    """Old mailers write raw ISO-8859-2 headers next to an ISO-8859-2 body."""
    raw = (
        "From: Świętosław Źdźbło <s@x.pl>\r\nSubject: Zażółć gęślą jaźń\r\n".encode("iso-8859-2")
        + b"Date: Tue, 24 Nov 2026 10:15:00 +0100\r\n"
        + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        + b"Content-Type: text/plain; charset=iso-8859-2\r\n\r\n"
        + "Treść".encode("iso-8859-2")
        + b"\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-2\r\n"
        + 'Content-Disposition: attachment; filename="Ślub.txt"\r\n\r\n'.encode("iso-8859-2")
        + b"x\r\n--b--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Zażółć gęślą jaźń"
    assert parsed.sender.name == "Świętosław Źdźbło"
    assert parsed.text == "Treść"
    assert [a.filename for a in parsed.attachments] == ["Ślub.txt"]


def test_utf8_with_a_broken_byte_stays_utf8() -> None:
    body = "Zażółć gęślą jaźń, ".encode() * 3 + b"\xff koniec"
    raw = mail(*BASIC, "Content-Type: text/plain; charset=utf-8", body=body)
    assert parse_message(raw).text.startswith("Zażółć gęślą jaźń")
    legacy = mail(*BASIC, "Content-Type: text/plain", body="Zażółć gęślą jaźń".encode("cp1250"))
    assert parse_message(legacy).text == "Zażółć gęślą jaźń"


def test_mime_nested_too_deep_for_the_stdlib_still_parses() -> None:
    depth = 3000  # the stdlib parser recurses once per level: RecursionError
    head = mail(*BASIC, "Message-ID: <deep@x.pl>", "Content-Type: multipart/mixed; boundary=b0")
    nested = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
        for i in range(depth)
    )
    raw = head.removesuffix(b"Tre\xc5\x9b\xc4\x87.") + nested + b"--b%d\r\n\r\nx\r\n" % depth
    parsed = parse_message(raw)
    assert parsed.message_id == "<deep@x.pl>"
    assert parsed.extra["parse_fallback"].startswith("RecursionError")


def test_text_outside_encoded_words_is_kept_exactly() -> None:
    """email.header.decode_header round-trips it through raw-unicode-escape: C:\\Users."""
    raw = mail(*BASIC, "Subject: =?utf-8?q?B=C5=82=C4=85d?= w C:\\Users\\Public\\u00e9")
    assert parse_message(raw).subject == "Błąd w C:\\Users\\Public\\u00e9"


# --------------------------------------------------------------------------- charsets
POLISH_PHRASES = (
    "Zażółć gęślą jaźń",
    "ZAŻÓŁĆ GĘŚLĄ JAŹŃ",
    "Grzegorz Żądło",
    "Świętosław Źdźbło",
    "Błędna kwota VAT na fakturze – pilne",
    "Umowa_serwisowa_ŚĆŹ_2026.docx",
    "Źródło: część się ją",
)


@pytest.mark.parametrize("charset", ["cp1250", "iso-8859-2"])
@pytest.mark.parametrize("phrase", POLISH_PHRASES)
def test_undeclared_polish_is_never_given_to_the_detector(charset: str, phrase: str) -> None:
    """charset-normalizer guesses Big5 for an ISO-8859-2 "Żądło": Polish stays Polish."""
    data = phrase.encode(charset, "replace")
    assert decode_text(data) == data.decode(charset)


def test_a_lying_label_leaves_no_control_characters() -> None:
    text = "ライセンスキーの件について"
    assert decode_text(text.encode("cp932"), "iso-8859-2") == text
    assert decode_text(text.encode("cp932"), "iso-8859-1") == text
    assert one_line("a\x81b\x9fc") == "abc"


def test_undeclared_cyrillic_is_not_windows_1250() -> None:
    text = "Добрий день! Програма KJM Magazyn не друкує накладні після оновлення."
    assert decode_text(text.encode("cp1251")) == text


def test_encoded_words_with_raw_spaces_and_folds() -> None:
    raw = mail(*BASIC, "Subject: =?utf-8?Q?Awaria modu=C5=82u?=\r\n =?utf-8?Q?_Kadry?= dziś")
    assert parse_message(raw).subject == "Awaria modułu Kadry dziś"
    spans = encoded_spans("x =?utf-8?q?a?= =?iso-8859-2?q?=B1?= y =?bad?q?z?=")
    assert spans == [(2, 36, "aą"), (39, 50, "z")]


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"])
def test_a_field_folded_without_indentation_is_mended(eol: str) -> None:
    raw = mail(
        "From: Jan <jan@x.pl>",
        "Subject: Awaria",
        "modułu Kadry",
        "Message-ID: <m@x.pl>",
        "Date: Tue, 24 Nov 2026 10:15:00 +0100",
        eol=eol,
    )
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.message_id) == ("Awaria modułu Kadry", "<m@x.pl>")
    assert parsed.extra["header_mended"] == "1 unindented header line(s) read as folded"


def test_body_text_after_a_header_without_blank_line_stays_body() -> None:
    raw = b"From: jan@x.pl\r\nDate: Tue, 24 Nov 2026 10:15 +0100\r\nDzie\xc5\x84 dobry,\r\nawaria."
    parsed = parse_message(raw)
    assert "header_mended" not in parsed.extra
    assert parsed.sender is not None and parsed.sender.address == "jan@x.pl"
