"""The embedded demo IMAP server (pymap dict backend) and the demo inbox files.

Besides the roundtrip, these pin down pymap 0.36.7's caveats, so a pymap upgrade that
changes them shows up here.
"""

from __future__ import annotations

import email
import imaplib
import socket
import time
from email import policy
from pathlib import Path

import pytest
from imapclient.exceptions import CapabilityError, LoginError

import mailbot
from mailbot.demo.server import DemoImapServer, append_messages, connect, start_demo_imap

DEMO_MAIL = sorted((Path(mailbot.__file__).parent / "demo" / "mail").glob("*.eml"))


@pytest.fixture
def server():
    with start_demo_imap() as srv:
        yield srv


def test_demo_mail_files_are_there_and_crlf():
    assert 8 <= len(DEMO_MAIL) <= 10
    for path in DEMO_MAIL:
        raw = path.read_bytes()
        assert b"\n" not in raw.replace(b"\r\n", b""), path.name
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert msg["Message-ID"] and msg["Date"] and msg["From"], path.name
        assert msg["Date"].datetime.utcoffset().total_seconds() == 3600
        for part in msg.walk():
            if part.get_content_maintype() == "text":  # strict: bytes are in that charset
                part.get_payload(decode=True).decode(part.get_content_charset())


def test_demo_mail_covers_the_cases():
    msgs = {
        p.stem: email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in DEMO_MAIL
    }
    charsets = {
        part.get_content_charset()
        for m in msgs.values()
        for part in m.walk()
        if part.get_content_charset()
    }
    assert {"utf-8", "windows-1250", "iso-8859-2"} <= charsets
    assert any(m["Auto-Submitted"] == "auto-replied" for m in msgs.values())
    names = [a.get_filename() for m in msgs.values() for a in m.iter_attachments()]
    assert "Zrzut ekranu – błąd raportu.png" in names
    ids = {m["Message-ID"] for m in msgs.values()}
    replies = [m for m in msgs.values() if m["In-Reply-To"] in ids]
    assert (
        replies
        and "-----Wiadomość oryginalna-----" in replies[0].get_body(("plain",)).get_content()
    )
    assert any(str(m["Subject"]).startswith("AWARIA") for m in msgs.values())


def test_start_stop_quick_and_idempotent():
    t0 = time.perf_counter()
    srv = start_demo_imap()
    assert srv.port > 0 and srv.host == "127.0.0.1"
    client = connect(srv)  # a connection left open must not block stop()
    client.select_folder("INBOX")
    srv.stop()
    assert time.perf_counter() - t0 < 2.0
    assert not srv._thread.is_alive()
    srv.stop()  # a second stop is harmless
    with pytest.raises(OSError):
        socket.create_connection((srv.host, srv.port), timeout=1).close()
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        client.noop()
    client.shutdown()


def test_two_servers_and_busy_port():
    with start_demo_imap() as a, start_demo_imap(user="other", password="tajne") as b:
        assert a.port != b.port
        connect(b).logout()
        with pytest.raises(RuntimeError, match="failed to start"):
            start_demo_imap(port=a.port)


def test_login_and_empty_inbox(server: DemoImapServer):
    with pytest.raises(LoginError):
        connect(DemoImapServer(server.host, server.port, server.user, "wrong"))
    client = connect(server)
    assert [name for _, _, name in client.list_folders()] == ["INBOX"]  # no pymap demo data
    info = client.select_folder("INBOX")
    assert info[b"EXISTS"] == 0 and info[b"UIDNEXT"] == 101  # caveat: UIDs start at 101
    client.logout()


def test_roundtrip_every_demo_mail_file(server: DemoImapServer):
    raws = [p.read_bytes() for p in DEMO_MAIL]
    append_messages(server, raws)
    client = connect(server)
    client.select_folder("INBOX")
    uids = client.search(["ALL"])
    assert uids == list(range(101, 101 + len(raws)))
    fetched = client.fetch(uids, ["BODY.PEEK[]", "RFC822.SIZE", "FLAGS"])
    for uid, raw in zip(uids, raws, strict=True):
        assert fetched[uid][b"BODY[]"] == raw  # bytes kept exactly, CRLF and 8-bit included
        assert fetched[uid][b"RFC822.SIZE"] == len(raw)
        assert b"\\Seen" not in fetched[uid][b"FLAGS"]  # PEEK did not mark it
    assert client.search(["UID", f"{uids[-1] + 1}:*"]) == [uids[-1]]  # RFC 3501 "*" semantics
    client.logout()


def test_move_flags_and_caveats(server: DemoImapServer):
    raws = [p.read_bytes() for p in DEMO_MAIL[:3]]
    append_messages(server, raws)
    client = connect(server)
    info = client.select_folder("INBOX")
    assert b"\\*" not in info[b"PERMANENTFLAGS"]  # caveat: no keywords
    uids = client.search(["ALL"])
    client.add_flags(uids[:1], [b"\\Seen", b"$MailbotProcessed"])
    assert set(client.get_flags(uids[:1])[uids[0]]) - {b"\\Recent"} == {b"\\Seen"}
    assert client.search(["KEYWORD", "$MailbotProcessed"]) == []  # silently dropped
    assert client.search(["UNSEEN"]) == uids[1:]

    client.create_folder("Processed")
    assert client.list_folders()[0][1] == b"/"  # caveat: separator "/"
    client.move(uids[:2], "Processed")
    assert client.search(["ALL"]) == uids[2:]
    with pytest.raises(imaplib.IMAP4.error, match="TRYCREATE"):
        client.move(uids[2:], "Nope")

    info = client.select_folder("Processed", readonly=True)
    assert info[b"EXISTS"] == 2
    moved = client.search(["ALL"])
    bodies = client.fetch(moved, ["BODY.PEEK[]", "FLAGS"])
    assert [bodies[u][b"BODY[]"] for u in moved] == raws[:2]
    assert b"\\Seen" in bodies[moved[0]][b"FLAGS"]  # system flags survive MOVE
    with pytest.raises(imaplib.IMAP4.error, match="READ-ONLY"):
        client.close_folder()  # caveat: CLOSE after EXAMINE answers NO
    with pytest.raises(CapabilityError):
        client.unselect_folder()  # caveat: no UNSELECT
    client.logout()


def test_append_to_new_folder_and_idle(server: DemoImapServer):
    append_messages(server, [b"Subject: x\r\n\r\nx\r\n"], folder="Processed")
    watcher = connect(server)
    watcher.select_folder("INBOX")
    watcher.idle()
    append_messages(server, [b"Subject: nowy\r\n\r\ntre\xc5\x9b\xc4\x87\r\n"])
    events = watcher.idle_check(timeout=3)
    watcher.idle_done()
    assert (1, b"EXISTS") in events
    assert watcher.folder_status("Processed", [b"MESSAGES"])[b"MESSAGES"] == 1
    watcher.logout()
