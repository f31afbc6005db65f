"""IMAP IDLE against the real Dovecot: mail is taken within seconds although
the poll interval is five minutes, also after the server dropped every connection.

Figures (printed): delivery (APPEND done) -> ticket recorded -> reply queued.
"""

from __future__ import annotations

import signal
import statistics
import time

import pytest
from sqlalchemy import create_engine, text

from tests.integration.conftest import write_config
from tests.integration.test_pipeline import mail
from tests.integration.test_processes import Output, mailbot

pytestmark = pytest.mark.integration

POLL = "5m"  # so only IDLE can explain a message taken within seconds


def wait_count(engine, sql: str, n: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            if conn.execute(text(sql)).scalar_one() >= n:
                return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"{sql!r} did not reach {n} in {timeout} s")
        time.sleep(0.02)


def test_idle_takes_mail_within_seconds_and_survives_a_server_restart(tmp_path, mailbox, dovecot):
    db = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    config = write_config(tmp_path, mailbox, db, intake={"poll_interval": POLL,
                          "parse_workers": 0, "idle_renew": "10s"})  # fmt: skip
    assert mailbot(["db", "upgrade"], config, mailbox.password).wait(60) == 0
    engine = create_engine(db)
    proc = mailbot(["run"], config, mailbox.password)
    try:
        out = Output(proc)
        out.wait_for("IDLE on INBOX", 60)
        out.wait_for("poll done", 60)
        recorded, queued = [], []
        for i in range(5):
            start = time.monotonic()
            mailbox.append("INBOX", mail(f"Pytanie {i}", msgid=f"<idle{i}@firma.pl>"))
            t1 = wait_count(engine, "SELECT count(*) FROM message", i + 1, 20)
            t2 = wait_count(engine, "SELECT count(*) FROM outbox WHERE kind = 'reply'",
                            i + 1, 20)  # fmt: skip
            recorded.append(t1 - start)
            queued.append(t2 - start)
        print(f"\nIDLE latency over 5 mails: delivery -> ticket recorded median "
              f"{statistics.median(recorded):.2f} s (max {max(recorded):.2f}), -> reply queued "
              f"median {statistics.median(queued):.2f} s (max {max(queued):.2f})")  # fmt: skip
        assert max(queued) < 5, (recorded, queued)

        time.sleep(11)  # past idle_renew: the IDLE command was ended and issued again
        start = time.monotonic()
        mailbox.append("INBOX", mail("Po odnowieniu IDLE", msgid="<idle-renewed@firma.pl>"))
        assert wait_count(engine, "SELECT count(*) FROM message", 6, 20) - start < 5

        dovecot.restart()  # drops the IDLE and the poll connections alike
        start = time.monotonic()
        mailbox.append("INBOX", mail("Po restarcie", msgid="<idle-after@firma.pl>"))
        try:
            took = wait_count(engine, "SELECT count(*) FROM message", 7, 60) - start
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{out.read()}") from None
        print(f"after a Dovecot restart: recorded in {took:.1f} s")
        assert took < 30
        assert "IDLE connection lost" in out.read()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        engine.dispose()
