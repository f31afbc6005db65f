"""The backlog FETCH path against a real Dovecot: bodies byte for byte, and
imaplib's protocol trace (imapclient turns it on at level 5) not formatted for nothing."""

from __future__ import annotations

import logging
import os

import pytest

from mailbot.edges.imap import ImapMailbox, ImapSettings

pytestmark = pytest.mark.integration


def _message(i: int, attachment: bytes = b"") -> bytes:
    body = b"Dzie\xc5\x84 dobry,\r\nprosz\xc4\x99 o pomoc.\r\n" + attachment
    return (
        f"From: klient{i}@firma.pl\r\nTo: pomoc@kjm.pl\r\nSubject: Zg\u0142oszenie {i}\r\n"
        f"Message-ID: <fetch-{i}@firma.pl>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body


@pytest.fixture
def box(mailbox):
    raws = [_message(i, os.urandom(3000).hex().encode() * (i % 3)) for i in range(12)]
    mailbox.append_many("INBOX", raws)
    box = ImapMailbox(ImapSettings(mailbox.host, mailbox.port, "none", mailbox.user,
                                   mailbox.password))  # fmt: skip
    box.select("INBOX")
    yield box, raws
    box.close()


def _trace(box: ImapMailbox) -> list[str]:
    """Record what imaplib would trace (imapclient's hook replaced by a list)."""
    lines: list[str] = []
    box._c()._imap._mesg = lines.append
    return lines


def test_bodies_and_sizes_come_back_byte_for_byte(box):
    box, raws = box
    uids = box.uids_after(0)
    got = box.fetch_messages("INBOX", 1, uids, 25_000_000)
    assert [m.raw for m in got] == raws
    assert [m.size for m in got] == [len(r) for r in raws]
    assert all(m.internal_date is not None and m.internal_date.tzinfo for m in got)


def test_the_fetch_formats_no_trace_when_nobody_listens(box, caplog):
    box, _raws = box
    caplog.set_level(logging.INFO, logger="imapclient.imaplib")
    uids = box.uids_after(0)
    imap = box._c()._imap
    assert imap.debug == 5  # imapclient's setting: the reason for this test
    trace = _trace(box)
    assert len(box.fetch_raw(uids)) == 12 and box.fetch_meta(uids)
    assert trace == []
    assert imap.debug == 5  # restored for everything else


def test_the_trace_is_still_there_when_its_logger_is_on(box, caplog):
    box, _raws = box
    caplog.set_level(logging.DEBUG, logger="imapclient.imaplib")
    trace = _trace(box)
    assert len(box.fetch_raw(box.uids_after(0))) == 12
    assert any("read literal size" in line for line in trace)
