"""The server fixtures themselves: real Dovecot and PostgreSQL, as the other tests use them."""

from __future__ import annotations

import datetime as dt
import imaplib
import os
import socket
import ssl
import time

import imapclient
import pytest
import sqlalchemy as sa
from imapclient.exceptions import LoginError

from tests.servers import Dovecot, ImapAccount, Postgres, free_port

BODY = "Dzień dobry,\r\nfaktura w załączniku.\r\n".encode()


def message(n: int, body: bytes = BODY) -> bytes:
    return (
        b"From: Jan Kowalski <jan@example.pl>\r\n"
        b"To: pomoc@kjmssoft.pl\r\n"
        b"Subject: =?utf-8?q?B=C5=82=C4=85d?= " + str(n).encode() + b"\r\n"
        b"Message-ID: <" + str(n).encode() + b"@example.pl>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n" + body
    )


def processes_of(instance_name: str) -> list[str]:
    """Command lines of live processes titled dovecot-<instance_name>/..., or the master."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if instance_name in cmd:
            found.append(cmd)
    return found


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------- Dovecot


def test_login_plain(mailbox: ImapAccount) -> None:
    client = imapclient.IMAPClient(mailbox.host, port=mailbox.port, ssl=False, timeout=5)
    try:
        client.login(mailbox.user, mailbox.password)
        assert b"IMAP4REV1" in client.capabilities()
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    finally:
        client.logout()


def test_login_implicit_tls_verifies_the_generated_cert(mailbox: ImapAccount) -> None:
    ctx = ssl.create_default_context(cafile=str(mailbox.cafile))
    client = imapclient.IMAPClient(
        mailbox.host, port=mailbox.tls_port, ssl=True, ssl_context=ctx, timeout=5
    )
    try:
        client.login(mailbox.user, mailbox.password)
        sock = client.socket()
        assert isinstance(sock, ssl.SSLSocket)
        assert sock.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        client.logout()

    # the stdlib client too, by host name and by IP (both are in subjectAltName)
    for host in ("localhost", "127.0.0.1"):
        conn = imaplib.IMAP4_SSL(host, mailbox.tls_port, ssl_context=ctx, timeout=5)
        assert conn.login(mailbox.user, mailbox.password)[0] == "OK"
        conn.logout()

    # without the CA file the self-signed cert is rejected: TLS really is checked
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(
            mailbox.host, mailbox.tls_port, ssl_context=ssl.create_default_context(), timeout=5
        )


def test_starttls_on_the_plain_port(mailbox: ImapAccount) -> None:
    client = imapclient.IMAPClient(mailbox.host, port=mailbox.port, ssl=False, timeout=5)
    try:
        client.starttls(mailbox.ssl_context())
        client.login(mailbox.user, mailbox.password)
        assert isinstance(client.socket(), ssl.SSLSocket)
    finally:
        client.logout()


def test_wrong_password_is_refused_without_a_penalty(mailbox: ImapAccount) -> None:
    # Dovecot 2.3.19 answers a failed login on its next 500 ms auth timer tick
    with pytest.raises(LoginError):
        mailbox.server.connect(mailbox.user, "wrong")
    # but the default anvil penalty (every login from 127.0.0.1 slowed for ~30 s) is off
    started = time.monotonic()
    for _ in range(5):
        with mailbox.connect():
            pass
    assert time.monotonic() - started < 1.0


def test_append_then_fetch_returns_the_exact_bytes(mailbox: ImapAccount) -> None:
    raw = message(1) + b"line without CRLF at the end"
    date = dt.datetime(2024, 3, 5, 14, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    uid = mailbox.append("INBOX", raw, flags=[b"\\Flagged"], date=date)
    assert uid == 1
    assert mailbox.uids("INBOX") == [1]

    with mailbox.connect() as client:
        client.select_folder("INBOX", readonly=True)
        data = client.fetch([uid], [b"BODY.PEEK[]", b"RFC822.SIZE", b"INTERNALDATE"])[uid]
    assert data[b"BODY[]"] == raw
    assert data[b"RFC822.SIZE"] == len(raw)
    assert data[b"INTERNALDATE"].astimezone(dt.UTC) == date.astimezone(dt.UTC)
    # PEEK left \Seen unset
    assert mailbox.fetch_flags("INBOX") == {1: (b"\\Flagged",)}
    assert mailbox.fetch_raw("INBOX") == {1: raw}


def test_append_creates_a_missing_folder(mailbox: ImapAccount) -> None:
    assert not mailbox.folder_exists("Archiwum")
    assert mailbox.uids("Archiwum") == []
    assert mailbox.append("Archiwum", message(1), flags=[b"\\Seen"]) == 1
    assert mailbox.folder_exists("Archiwum")
    assert mailbox.fetch_flags("Archiwum") == {1: (b"\\Seen",)}
    assert mailbox.uids("INBOX") == []
    assert (mailbox.maildir / ".Archiwum").is_dir()  # Maildir++ layout, separator "."


def test_append_many_keeps_order_and_returns_uids(mailbox: ImapAccount) -> None:
    raws = [message(i) for i in range(1, 1201)]  # more than one MULTIAPPEND batch
    started = time.perf_counter()
    uids = mailbox.append_many("INBOX", raws)
    elapsed = time.perf_counter() - started
    assert uids == list(range(1, 1201))
    assert mailbox.fetch_raw("INBOX") == dict(zip(uids, raws, strict=True))
    assert elapsed < 10, f"append_many: {len(raws) / elapsed:.0f} msg/s"

    more = mailbox.append_many("Zgłoszenia", raws[:3], flags=[b"\\Seen"])
    assert more == [1, 2, 3]
    assert mailbox.append_many("Zgłoszenia", raws[3:10], batch_bytes=1000) == list(range(4, 11))
    assert list(mailbox.fetch_raw("Zgłoszenia").values()) == raws[:10]
    assert set(mailbox.fetch_flags("Zgłoszenia").values()) == {(b"\\Seen",), ()}


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_an_empty_mailbox(mailbox: ImapAccount, run: int) -> None:
    assert mailbox.uids("INBOX") == []
    assert mailbox.append("INBOX", message(run)) == 1


def test_users_are_isolated(dovecot: Dovecot) -> None:
    alice = dovecot.add_user("alice-isolated", "alice-pw")
    bob = dovecot.add_user("bob-isolated", "bob-pw")
    alice.append("INBOX", message(1))
    alice.append("Prywatne", message(2))
    assert alice.uids("INBOX") == [1]
    assert bob.uids("INBOX") == []
    assert not bob.folder_exists("Prywatne")
    with pytest.raises(LoginError):
        dovecot.connect("bob-isolated", "alice-pw")
    # the default user is untouched as well
    assert dovecot.uids("Prywatne") == []


def test_reset_mailbox_gives_a_new_uidvalidity(dovecot: Dovecot, mailbox: ImapAccount) -> None:
    other = dovecot.add_user("reset-bystander", "pw")
    other.append("INBOX", message(9))
    mailbox.append("INBOX", message(1))
    mailbox.append("Archiwum", message(2))
    seen = {mailbox.uidvalidity()}

    for _ in range(2):  # twice within a second: the clock alone would repeat the value
        mailbox.reset()
        assert mailbox.uids("INBOX") == []
        assert not mailbox.folder_exists("Archiwum")
        assert mailbox.uidvalidity() not in seen
        seen.add(mailbox.uidvalidity())
        assert mailbox.append("INBOX", message(3)) == 1

    assert other.uids("INBOX") == [1]  # other users keep their mail


def test_restart_keeps_mail_and_uidvalidity(dovecot: Dovecot, mailbox: ImapAccount) -> None:
    mailbox.append("INBOX", message(1))
    before = mailbox.uidvalidity()
    client = mailbox.connect()
    client.select_folder("INBOX")
    port, tls_port = dovecot.port, dovecot.tls_port
    try:
        dovecot.restart()
        with pytest.raises((imaplib.IMAP4.abort, OSError)):  # open connections are cut
            client.noop()
    finally:
        client.shutdown()
    assert (dovecot.port, dovecot.tls_port) == (port, tls_port)
    assert mailbox.uids("INBOX") == [1]
    assert mailbox.uidvalidity() == before


def test_a_second_instance_runs_beside_the_session_one(dovecot: Dovecot, tmp_path) -> None:
    started = time.perf_counter()
    with Dovecot.start(tmp_path / "second", user="other", password="pw2") as second:
        startup = time.perf_counter() - started
        assert {second.port, second.tls_port}.isdisjoint({dovecot.port, dovecot.tls_port})
        assert second.instance_name != dovecot.instance_name
        second.append("INBOX", message(1))
        assert second.uids() == [1]
        with pytest.raises(LoginError):
            second.connect("pomoc", "pomoc")
        client = second.connect()  # its imap process must not outlive stop()
        assert processes_of(second.instance_name)
        second.stop()
        client.shutdown()
        assert not second.running
        assert processes_of(second.instance_name) == []
        assert not port_accepts(second.port)
        assert not port_accepts(second.tls_port)
    assert startup < 10
    assert dovecot.uids() is not None  # the session instance is still serving


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


# --------------------------------------------------------------------------- databases


def test_db_url_is_an_empty_working_database(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        meta = sa.MetaData()
        tickets = sa.Table(
            "tickets",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("subject", sa.Text, nullable=False),
        )
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(tickets.insert(), [{"subject": "Błąd"}, {"subject": "Faktura"}])
        with engine.connect() as conn:
            rows = conn.execute(sa.select(tickets.c.subject).order_by(tickets.c.id)).all()
        assert [r.subject for r in rows] == ["Błąd", "Faktura"]
    finally:
        engine.dispose()


def test_postgres_create_database_and_roundtrip(postgres: Postgres) -> None:
    url = postgres.create_database("roundtrip_check")
    assert url == f"postgresql+psycopg://postgres@127.0.0.1:{postgres.port}/roundtrip_check"
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (id serial PRIMARY KEY, body bytea)"))
            conn.execute(sa.text("INSERT INTO t (body) VALUES (:b)"), {"b": b"\x00\xffraw"})
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT body FROM t")).scalar_one() == b"\x00\xffraw"
            assert conn.execute(sa.text("SHOW server_encoding")).scalar_one() == "UTF8"
    finally:
        engine.dispose()
    postgres.drop_database("roundtrip_check")
    with pytest.raises(sa.exc.OperationalError):
        sa.create_engine(url).connect()


def test_postgres_restart_keeps_data(postgres: Postgres) -> None:
    url = postgres.create_database("restart_check")
    engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (v text)"))
            conn.execute(sa.text("INSERT INTO t VALUES ('przetrwa restart')"))
        port = postgres.port
        postgres.restart()
        assert postgres.port == port and postgres.running
        with engine.connect() as conn:  # pre_ping replaces the connection the restart cut
            assert conn.execute(sa.text("SELECT v FROM t")).scalar_one() == "przetrwa restart"
    finally:
        engine.dispose()
        postgres.drop_database("restart_check")
