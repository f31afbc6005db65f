"""RFC 3834 loop guards against real robots' mail (the shared corpus) and our samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.core.loops import automatic_reason
from mailbot.errors import ParseError
from mailbot.intake.parse import parse_message
from tests.paths import CORPUS, ROOT, need_corpus

SISIMAI = CORPUS / "sisimai-set-of-emails" / "maildir"


def reason_of(path: Path) -> str | None:
    return automatic_reason(parse_message(path.read_bytes()), ["pomoc@kjmssoft.pl"])


def test_rfc3834_vacation_replies_are_automatic():
    need_corpus(SISIMAI)
    files = sorted(SISIMAI.glob("*/rfc3834-*.eml"))
    assert files
    for f in files:
        assert reason_of(f) is not None, f


def test_bounces_are_bounces():
    need_corpus(SISIMAI)
    files = sorted(SISIMAI.glob("bsd/lhost-*.eml")) + sorted(SISIMAI.glob("bsd/rfc3464-*.eml"))
    missed = []
    for f in files:
        try:
            if reason_of(f) is None:
                missed.append(f.name)
        except ParseError:
            continue  # not mail at all: quarantined, never answered
    print(f"\n{len(files) - len(missed)}/{len(files)} bounce files recognised; missed: {missed}")
    # the few left are bounces forwarded by a person ("Fwd: Returned mail") or mailing-list
    # robots' notices without any robot header; a reply to those reaches a person
    assert len(missed) <= 0.02 * len(files), missed


def test_ordinary_mail_is_not_automatic():
    need_corpus(SISIMAI)
    # sisimai's not/ holds two ordinary mails and one plain bounce (rb-issue-368-bug)
    people = [SISIMAI / "not" / f"is-not-bounce-0{i}.eml" for i in (1, 2)]
    people += sorted((CORPUS / "talon").rglob("*.eml"))
    people += [CORPUS / "chatwoot" / n for n in ("reply.eml", "support.eml", "only_text.eml")]
    for f in people:
        assert reason_of(f) is None, f


def test_plain_bounce_in_sisimai_not_folder():
    need_corpus(SISIMAI)
    assert reason_of(SISIMAI / "not" / "rb-issue-368-bug.eml") == "bounce"


def test_chatwoot_auto_replies_and_bounce():
    need_corpus(CORPUS / "chatwoot")
    assert reason_of(CORPUS / "chatwoot" / "auto_reply.eml") == "out-of-office"
    assert reason_of(CORPUS / "chatwoot" / "auto_reply_with_auto_submitted.eml") is not None
    assert reason_of(CORPUS / "chatwoot" / "bounced_gmail.eml") == "bounce"


def test_demo_mail_only_the_out_of_office_is_automatic():
    demo = sorted((ROOT / "mailbot" / "demo" / "mail").glob("*.eml"))
    reasons = {f.name: reason_of(f) for f in demo}
    assert reasons.pop("07-nieobecnosc.eml") == "out-of-office"
    assert set(reasons.values()) == {None}


def mail(headers: str, body: str = "Treść") -> bytes:
    return (
        f"From: Jan <jan@firma.pl>\r\nTo: pomoc@kjmssoft.pl\r\nSubject: Pytanie\r\n"
        f"{headers}Message-ID: <x@firma.pl>\r\n\r\n{body}\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("", None),
        ("Auto-Submitted: no\r\n", None),
        ("Auto-Submitted: auto-generated\r\n", "auto-submitted"),
        ("Auto-Submitted: auto-replied\r\n", "out-of-office"),
        ("X-Autoreply: yes\r\n", "out-of-office"),
        ("Precedence: bulk\r\n", "bulk"),
        ("Precedence: junk\r\n", "bulk"),
        ("Precedence: list\r\n", "list"),
        ("List-Id: <klienci.kjmssoft.pl>\r\n", "list"),
        ("Return-Path: <>\r\n", "bounce"),
        ("X-Auto-Response-Suppress: All\r\n", "auto-submitted"),
    ],
)
def test_header_rules(headers, reason):
    assert automatic_reason(parse_message(mail(headers))) == reason


@pytest.mark.parametrize(
    ("sender", "reason"),
    [
        ("noreply@bank.pl", "noreply"),
        ("no-reply@ksef.mf.gov.pl", "noreply"),
        ("MAILER-DAEMON@mx.firma.pl", "bounce"),
        ("pomoc@kjmssoft.pl", "own-address"),
    ],
)
def test_sender_rules(sender, reason):
    raw = mail("").replace(b"jan@firma.pl", sender.encode())
    assert automatic_reason(parse_message(raw), ["pomoc@kjmssoft.pl"]) == reason


@pytest.mark.parametrize(
    "subject",
    [
        "Automatyczna odpowiedź: Faktura",
        "Nieobecność w biurze",
        "Out of Office: Re: x",
        "Odpowiedź automatyczna: [KJM-2026-000001]",
    ],
)
def test_polish_out_of_office_subjects(subject):
    raw = mail("").replace(b"Subject: Pytanie", f"Subject: {subject}".encode())
    assert automatic_reason(parse_message(raw)) == "out-of-office"
