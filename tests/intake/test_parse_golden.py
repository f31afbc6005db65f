"""Golden samples: tests/intake/samples/<trouble>/<name>.eml against <name>.expected.json.

The samples are written by tests/intake/make_samples.py (re-run it after changing it).
Keys of expected.json, all optional except where the sample is an error:
  error ("ParseError"), reason_contains; subject, from_name, from_address, to, cc, date
  (ISO 8601, compared exactly, offset included), message_id, message_id_synthetic,
  in_reply_to, references, attachments (filenames in order), attachment_details,
  text_contains, text_excludes, html_present, content_type, defects_include, and any
  other InboundMail header field by its attribute name (auto_submitted, precedence, ...);
  sender_doubt (compared always: absent means None), from_raw, extra (the keys given);
  charset_label_lies (the sample's charset label is wrong on purpose).
"""

from __future__ import annotations

import email
import json
import pickle
import re
from email.header import decode_header
from pathlib import Path

import pytest

from mailbot.errors import ParseError
from mailbot.intake.parse import parse_message
from mailbot.model import InboundMail

SAMPLES = Path(__file__).resolve().parent / "samples"
EMLS = sorted(SAMPLES.glob("*/*.eml"))
POLISH = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 (but TAB, LF), DEL, C1
HEADER_FIELDS = (
    "auto_submitted",
    "precedence",
    "list_id",
    "return_path",
    "x_priority",
    "importance",
    "x_autoreply",
    "x_auto_response_suppress",
    "thread_index",
    "content_type",
)


def _expected(eml: Path) -> dict:
    return json.loads(eml.with_name(eml.stem + ".expected.json").read_text(encoding="utf-8"))


def test_enough_samples_in_every_folder() -> None:
    folders = {p.parent.name for p in EMLS}
    assert len(EMLS) >= 20
    assert {
        "windows_1250",
        "iso_8859_2",
        "utf8",
        "outlook_reply_pl",
        "thunderbird_reply_pl",
        "out_of_office_pl",
        "attachments",
        "folded_subject",
        "no_message_id",
        "html_only",
        "broken",
        "encoded_word_specials",
        "utf7_folded",
        "wrong_charset_label",
        "undeclared_non_latin",
        "header_unindented",
        "text_before_header",
        "no_usable_from",
        "two_from",
    } <= folders
    for eml in EMLS:
        assert eml.with_name(eml.stem + ".expected.json").exists(), eml


def test_samples_cover_every_polish_letter() -> None:
    seen: set[str] = set()
    for eml in EMLS:
        expected = _expected(eml)
        if "error" in expected:
            continue
        mail = parse_message(eml.read_bytes())
        names = " ".join(a.filename for a in mail.attachments)
        seen |= set(mail.subject + mail.text + names + (mail.sender.name if mail.sender else ""))
    assert seen >= POLISH, sorted(POLISH - seen)


def test_both_line_endings_are_used() -> None:
    crlf = [e for e in EMLS if b"\r\n" in e.read_bytes()]
    assert len(crlf) > len(EMLS) // 2
    assert any(b"\r\n" not in e.read_bytes() and b"\n" in e.read_bytes() for e in EMLS)


@pytest.mark.parametrize("eml", EMLS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_sample_bytes_are_in_the_declared_charsets(eml: Path) -> None:
    """The generator encodes honestly: every declared charset decodes its bytes strictly."""
    if "error" in _expected(eml) or _expected(eml).get("charset_label_lies"):
        return
    msg = email.message_from_bytes(eml.read_bytes())
    for part in msg.walk():
        for _name, value in part.raw_items():
            for data, charset in decode_header(str(value)):
                if isinstance(data, bytes) and charset:
                    data.decode(charset)
        charset = part.get_content_charset()
        if charset and not part.is_multipart() and part.get_content_maintype() == "text":
            part.get_payload(decode=True).decode(charset)


@pytest.mark.parametrize("eml", EMLS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden(eml: Path) -> None:
    raw = eml.read_bytes()
    expected = _expected(eml)
    if "error" in expected:
        assert expected["error"] == "ParseError"
        with pytest.raises(ParseError) as info:
            parse_message(raw)
        assert str(info.value)
        assert expected.get("reason_contains", "") in str(info.value)
        return

    mail = parse_message(raw)
    assert isinstance(mail, InboundMail)
    assert mail == pickle.loads(pickle.dumps(mail))
    assert mail.size == len(raw)
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")

    for value in (mail.subject, mail.text, mail.sender.name if mail.sender else ""):
        assert not CONTROLS.search(value), value
    assert mail.sender_doubt == expected.get("sender_doubt")
    if "from_raw" in expected:
        assert mail.from_raw == expected["from_raw"]
    for key, value in expected.get("extra", {}).items():
        assert mail.extra.get(key) == value, key
    if "subject" in expected:
        assert mail.subject == expected["subject"]
    if "from_address" in expected:
        assert mail.sender is not None
        assert mail.sender.address == expected["from_address"]
        assert mail.sender.name == expected["from_name"]
    if "to" in expected:
        assert [a.address for a in mail.to] == expected["to"]
    if "cc" in expected:
        assert [a.address for a in mail.cc] == expected["cc"]
    if "date" in expected:
        assert mail.date is not None and mail.date.isoformat() == expected["date"]
    if "message_id" in expected:
        assert mail.message_id == expected["message_id"]
    assert mail.message_id_synthetic is expected.get("message_id_synthetic", False)
    if "in_reply_to" in expected:
        assert mail.in_reply_to == expected["in_reply_to"]
    if "references" in expected:
        assert list(mail.references) == expected["references"]
    if "attachments" in expected:
        assert [a.filename for a in mail.attachments] == expected["attachments"]
    for want in expected.get("attachment_details", []):
        got = next(a for a in mail.attachments if a.filename == want["filename"])
        assert (got.content_type, got.size, got.sha256) == (
            want["content_type"],
            want["size"],
            want["sha256"],
        )
    for fragment in expected.get("text_contains", []):
        assert fragment in mail.text, f"{fragment!r} not in body:\n{mail.text}"
    for fragment in expected.get("text_excludes", []):
        assert fragment not in mail.text
    if "html_present" in expected:
        assert (mail.html is not None) is expected["html_present"]
    for name in HEADER_FIELDS:
        if name in expected:
            assert getattr(mail, name) == expected[name], name
    for defect in expected.get("defects_include", []):
        assert defect in mail.defects
