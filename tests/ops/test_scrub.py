"""The one scrubber (mailbot/scrub.py): a secret in every form a server or a library
shows it in is replaced, and nothing else is touched."""

from __future__ import annotations

import base64
import imaplib

from mailbot.scrub import Scrubber

SECRET = 'Pa"ss\\wörd-2026'


def test_the_secret_as_typed_as_imap_quoted_and_as_imaplib_raises_it():
    scrub = Scrubber.of([SECRET])
    quoted = imaplib.IMAP4._quote(None, SECRET)  # type: ignore[arg-type] - what LOGIN sends
    echoed = f"a1 NO LOGIN pomoc {quoted}".encode()
    for text in (
        f"login with {SECRET} refused",
        echoed.decode(),
        str(imaplib.IMAP4.error(echoed)),  # "b'...'": the repr imapclient's LoginError shows
        repr(SECRET),
        base64.b64encode(SECRET.encode()).decode(),  # an SMTP AUTH LOGIN echo
    ):
        cleaned = scrub(text)
        assert "***" in cleaned and "-2026" not in cleaned, cleaned


def test_exceptions_and_their_chain_are_scrubbed_in_place():
    scrub = Scrubber.of([SECRET])
    try:
        try:
            raise imaplib.IMAP4.error(f"NO {SECRET}".encode())
        except imaplib.IMAP4.error as inner:
            raise RuntimeError(f"login failed: {inner}") from inner
    except RuntimeError as outer:
        scrub.exception(outer)
        assert "-2026" not in str(outer) and "-2026" not in str(outer.__cause__)
        assert outer.__cause__ is not None and b"***" in outer.__cause__.args[0]


def test_nothing_else_changes():
    scrub = Scrubber.of(["", None, "abc", "hunter2-imap"])  # too short: not secrets
    assert scrub("abc poll done: 0 fetched") == "abc poll done: 0 fetched"
    assert not Scrubber.of([None, ""]) and Scrubber.of(["hunter2-imap"])
