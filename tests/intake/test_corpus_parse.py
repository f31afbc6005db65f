"""Every message of the shared third-party corpus parses or raises ParseError, fast.

Corpus: ../shared/corpus beside the checkout, or the folder named by MAILBOT_CORPUS
(tests/paths.py). README.md files are skipped. The files are read, never copied.
Print the summary with ``pytest -s tests/intake/test_corpus_parse.py``.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from mailbot.errors import ParseError
from mailbot.intake.parse import parse_message
from mailbot.model import InboundMail
from tests.paths import need_corpus

TIME_LIMIT = 30.0  # seconds for the whole corpus
MAX_ERROR_SHARE = 0.05

NO_HEADER = "no header block"
NO_IDENTITY = "no From, Date or Message-ID"
BINARY = "NUL bytes"
# Files of the shared corpus that are not usable mail, with the reason we expect.
# james-mime4j: bare MIME entities (test fragments) and obsolete "Name :" syntax the stdlib
# does not read as a header; the others are text without headers or headers cut short.
KNOWN_PARSE_ERRORS = {
    "mail-parser/mail_outlook_1": BINARY,  # Outlook .msg (CFB binary)
    "request-tracker/lorem-ipsum": NO_HEADER,
    "ruby-mail/emails/rfc2822/example13.eml": NO_HEADER,
    "ruby-mail/emails/error_emails/bad_encoded_subject.eml": NO_IDENTITY,
    "flanker/bounce/delayed-broken.eml": NO_IDENTITY,
    "james-mime4j/testmsgs/obsolete.msg": NO_HEADER,
    "james-mime4j/testmsgs/malformedHeader-noheader.msg": NO_HEADER,
    "james-mime4j/testmsgs/malformedHeaderStartsBody-noheader.msg": NO_HEADER,
    **{
        f"james-mime4j/mimetools-testmsgs/{name}.msg": NO_IDENTITY
        for name in (
            "attachment-filename-encoding-Latin1",
            "attachment-filename-encoding-UTF8",
            "bluedot-postcard",
            "bluedot-simple",
            "double-semicolon",
            "double-semicolon2",
            "empty-preamble",
            "infinite",
            "multi-2gifs-base64",
            "russian",
            "sig-uu",
            "ticket-60931",
            "x-gzip64",
        )
    },
    **{
        f"james-mime4j/testmsgs/{name}.msg": NO_IDENTITY
        for name in (
            "bad-newlines-multiple-parts",
            "bad-newlines-multiple-parts-base64",
            "base64-encoded-text",
            "base64encoded-rfc822message",
            "base64encoded-rfc822message-nested",
            "boundary-name-clash",
            "ending-boundaries",
            "intermediate-boundaries",
            "malformedHeader-nocrlfcrlf",
            "malformedHeaderStartsBody-nocrlfcrlf",
            "misplaced-boundary",
            "missing-boundary",
            "missing-inner-boundary",
            "missing-inner-start-boundary",
            "qp-body",
            "russian-headers",
            "very-long-boundary",
            "very-very-long-boundary",
            "weird-boundary",
        )
    },
}
KNOWN_FOLDERS = {path.split("/", 1)[0] for path in KNOWN_PARSE_ERRORS} | {
    "talon",
    "redmine",
    "chatwoot",
    "django-helpdesk",
    "sisimai-set-of-emails",
    "zbateson-mail-mime-parser",
}
# Ordinary mail (and the bounces mail-parser 4.8 crashes on): all of it must parse.
MUST_PARSE_FOLDERS = (
    "talon",
    "redmine",
    "chatwoot",
    "django-helpdesk",
    "sisimai-set-of-emails",
    "zbateson-mail-mime-parser",
)
MAIL_PARSER_CRASHES = (
    "sisimai-set-of-emails/maildir/bsd/lhost-sendgrid-01.eml",
    "sisimai-set-of-emails/maildir/bsd/lhost-sendgrid-02.eml",
    "sisimai-set-of-emails/maildir/dos/lhost-sendgrid-01.eml",
    "sisimai-set-of-emails/maildir/mac/lhost-sendgrid-01.eml",
)


@pytest.fixture(scope="module")
def corpus() -> dict:
    """Parse every file once: {relative path: InboundMail | ParseError}, plus timing."""
    root = need_corpus()
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "README.md")
    assert files, f"no mail files in {root}"
    results: dict[str, InboundMail | ParseError] = {}
    sizes: dict[str, int] = {}
    crashes: list[str] = []
    started = time.perf_counter()
    for path in files:
        rel = path.relative_to(root).as_posix()
        raw = path.read_bytes()
        sizes[rel] = len(raw)
        try:
            results[rel] = parse_message(raw)
        except ParseError as exc:
            results[rel] = exc
        except Exception as exc:  # noqa: BLE001 - collected, reported by the test below
            crashes.append(f"{rel}: {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started

    errors = Counter(str(r) for r in results.values() if isinstance(r, ParseError))
    parsed = sum(isinstance(r, InboundMail) for r in results.values())
    print(f"\ncorpus {root}: {len(files)} files in {elapsed:.1f} s")
    print(f"  parsed: {parsed}")
    for reason, count in errors.most_common():
        print(f"  ParseError ({count}): {reason}")
    for crash in crashes:
        print(f"  CRASH: {crash}")
    return {"results": results, "sizes": sizes, "crashes": crashes, "elapsed": elapsed}


def test_no_exception_other_than_parse_error(corpus: dict) -> None:
    assert corpus["crashes"] == []


def test_parsed_mail_is_complete(corpus: dict) -> None:
    for rel, result in corpus["results"].items():
        if isinstance(result, InboundMail):
            assert result.message_id.startswith("<") and len(result.message_id) > 2, rel
            assert result.size == corpus["sizes"][rel], rel
            assert len(result.sha256) == 64, rel
        else:
            assert str(result).strip(), rel


def test_parse_errors_are_few_and_known(corpus: dict) -> None:
    """Pinned for the shared corpus folders; files of another corpus (MAILBOT_CORPUS) only
    get the no-crash and completeness checks, as nobody has judged them yet."""
    results = {
        rel: r for rel, r in corpus["results"].items() if rel.split("/", 1)[0] in KNOWN_FOLDERS
    }
    errors = {rel: str(r) for rel, r in results.items() if isinstance(r, ParseError)}
    assert len(errors) <= MAX_ERROR_SHARE * len(results), errors
    unexpected = {rel: reason for rel, reason in errors.items() if rel not in KNOWN_PARSE_ERRORS}
    assert unexpected == {}
    for rel, reason in KNOWN_PARSE_ERRORS.items():
        if rel in results:
            assert rel in errors, f"{rel} parsed, but is known to be unusable"
            assert reason in errors[rel], (rel, errors[rel])


def test_outlook_msg_binary_is_rejected(corpus: dict) -> None:
    result = corpus["results"].get("mail-parser/mail_outlook_1")
    if result is None:
        pytest.skip("mail-parser/mail_outlook_1 not in this corpus")
    assert isinstance(result, ParseError)
    assert "not an RFC 5322 message" in str(result)


def test_a_header_line_without_indentation_is_mended(corpus: dict) -> None:
    """A line "quite Delivered-To: ..." in the middle of the header used to end it."""
    result = corpus["results"].get("ruby-mail/emails/plain_emails/raw_email_incorrect_header.eml")
    if result is None:
        pytest.skip("ruby-mail/emails/plain_emails/raw_email_incorrect_header.eml not here")
    assert isinstance(result, InboundMail)
    assert result.sender is not None and result.sender.address == "xxx@xxx.xxx"
    assert result.subject == "Stop adware/spyware once and for all."
    assert result.extra["header_mended"] == "1 unindented header line(s) read as folded"


def test_ordinary_mail_parses(corpus: dict) -> None:
    results = corpus["results"]
    checked = 0
    for rel, result in results.items():
        if rel.split("/", 1)[0] in MUST_PARSE_FOLDERS:
            checked += 1
            assert isinstance(result, InboundMail), f"{rel}: {result}"
    for rel in MAIL_PARSER_CRASHES:
        if rel in results:
            assert isinstance(results[rel], InboundMail), rel
    if not checked:
        pytest.skip("none of the ordinary-mail folders is in this corpus")


def test_whole_corpus_is_fast(corpus: dict) -> None:
    assert corpus["elapsed"] < TIME_LIMIT
