"""A server that quotes our password back (`NO ... LOGIN pomoc "<password>"`): the password
must not reach `mailbot status` (text and --json), `poll --once` stderr, the database's
alarm_incident.detail or the self-alarm e-mail (a real SMTP server, aiosmtpd). Dovecot
never echoes, so this uses a tiny IMAP server on loopback that does: its only job is to
refuse LOGIN by repeating the whole command, as some servers and proxies do."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mailbot.cli import app as cli
from mailbot.core import alarm
from mailbot.daemon import App
from mailbot.scrub import echoed_forms
from mailbot.settings.config import load_config
from mailbot.store.tables import AlarmIncident
from tests.integration.conftest import PASSWORD_ENV, write_config
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)

pytestmark = pytest.mark.integration

# A quote and a backslash, so the server's echo (IMAP quoting) and imaplib's error (the
# repr of bytes) each show it differently; the tail is the same in every such form.
PASSWORD = 'Kj"m\\Tajne-Haslo-2026'
TAIL = "Tajne-Haslo-2026"
ADMIN = "rafal.dabrowski@kjmssoft.pl"  # the one admin in rules/staff.toml


@dataclass
class EchoingImap:
    host: str
    port: int
    logins: list[str]
    user: str = "pomoc"
    cafile: str = ""
    tls_port: int = 0


def _serve(conn: socket.socket, logins: list[str]) -> None:
    with conn, conn.makefile("rb") as lines:
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] echo ready\r\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = line.partition(" ")
            command = rest.split(" ", 1)[0].upper()
            if command == "CAPABILITY":
                conn.sendall(f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n".encode())
            elif command == "LOGIN":
                logins.append(rest)
                answer = f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed: {rest}\r\n"
                conn.sendall(answer.encode())
            elif command == "LOGOUT":
                conn.sendall(f"* BYE bye\r\n{tag} OK done\r\n".encode())
                return
            else:
                conn.sendall(f"{tag} BAD unknown\r\n".encode())


@pytest.fixture
def echoing_imap() -> Iterator[EchoingImap]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    server = EchoingImap("127.0.0.1", listener.getsockname()[1], [])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(10)
            threading.Thread(target=_serve, args=(conn, server.logins), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server
    stop.set()
    thread.join(5)
    listener.close()


@dataclass
class Setup:
    config: Path
    smtp: object  # tests.integration.smtp_server.SmtpServer: the admins' mail arrives there


@pytest.fixture
def setup(tmp_path, echoing_imap, db_url, sessions, smtp_server, monkeypatch) -> Setup:
    """A config pointing at the echoing server, a real database and a real SMTP server."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    smtp = smtp_server()
    path = write_config(
        tmp_path,
        echoing_imap,
        db_url,
        smtp={"mode": "smtp", "host": smtp.host, "port": smtp.port, "tls": "none"},
    )
    return Setup(path, smtp)


def leaks(text: str) -> list[str]:
    """Every form of the password found in `text` (the tail catches any other escaping)."""
    return [f for f in echoed_forms(PASSWORD) | {TAIL} if f in text]


def test_the_server_really_echoes_the_password(echoing_imap):
    """Without this the test below proves nothing."""
    import imapclient

    client = imapclient.IMAPClient(echoing_imap.host, port=echoing_imap.port, ssl=False)
    with pytest.raises(imapclient.exceptions.LoginError) as refused:
        client.login("pomoc", PASSWORD)
    assert TAIL in str(refused.value) and TAIL in echoing_imap.logins[0]


def test_status_text_and_json_hide_the_echoed_password(echoing_imap, setup):
    config = setup.config
    runner = CliRunner(env={"COLUMNS": "200"})
    text = runner.invoke(cli, ["status", "--config", str(config)])
    assert echoing_imap.logins, "status logged in"
    assert "cannot count mail waiting on the server" in text.output
    assert "***" in text.output and leaks(text.output) == []
    raw = runner.invoke(cli, ["status", "--json", "--config", str(config)]).output
    doc = json.loads(raw)
    problems = " ".join(doc["problems"])
    assert "refused" in problems and "***" in problems
    assert leaks(raw) == [] and leaks(problems) == []


def test_poll_once_stderr_hides_the_echoed_password(echoing_imap, setup):
    env = os.environ | {PASSWORD_ENV: PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "mailbot.cli", "poll", "--once", "--config", str(setup.config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4 and echoing_imap.logins  # polling failed; the rest ran
    assert "refused" in done.stderr and "***" in done.stderr
    assert leaks(done.stderr) == [] and leaks(done.stdout) == []


def test_the_alarm_row_and_the_alarm_mail_hide_the_echoed_password(echoing_imap, setup):
    application = App(load_config(setup.config))
    try:
        assert application.lease.acquire()
        application.jobs.run("poll")  # the daemon's poll: refused
        assert application.faults.auth_error and "***" in application.faults.auth_error
        assert list(application.self_alarm.check(application.faults)) == [alarm.AUTH]
        with application.sessions() as s:
            (row,) = s.scalars(select(AlarmIncident)).all()
            assert "refused" in row.detail and "***" in row.detail and leaks(row.detail) == []
    finally:
        application.close()
    (sent,) = setup.smtp.handler.messages  # type: ignore[attr-defined]
    assert sent.rcpt_tos == [ADMIN]
    mail = message_from_bytes(sent.raw, policy=policy.default)
    body = mail.get_body(("plain",)).get_content()
    assert "***" in body and leaks(body) == []
    assert leaks(sent.raw.decode("utf-8", "replace")) == []
