"""Two `mailbot run` processes, one PostgreSQL database, one mailbox.

Its figures join the fault-injection table (tests/integration/fault_table.py); the
seconds column is the hand-over: SIGKILL of the active -> the standby holds the lease.

The active one is killed with SIGKILL; the standby must take over within one poll
interval, and no message may be lost or recorded twice in the hand-over.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from mailbot.outgoing.sender import DeliveryReport
from tests.integration.conftest import write_config
from tests.integration.fault_table import HANDOVER, FaultRow, record
from tests.integration.test_pipeline import mail
from tests.integration.test_processes import Output, mailbot

pytestmark = pytest.mark.integration

POLL = 14  # seconds; the lease defaults to 3/4 of it (10 s), renewed every 3 s


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        messages = conn.execute(text("SELECT count(*) FROM message")).scalar_one()
        distinct = conn.execute(text("SELECT count(DISTINCT message_key) FROM message"))
        tickets = conn.execute(text("SELECT count(*) FROM ticket")).scalar_one()
        return messages, distinct.scalar_one(), tickets


def wait_recorded(engine, n: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while counts(engine)[0] < n:
        assert time.monotonic() < deadline, f"only {counts(engine)} recorded, expected {n}"
        time.sleep(0.2)
    return time.monotonic()


def host_config(tmp_path: Path, name: str, mailbox, url: str) -> Path:
    """Each instance has its own directory, as on its own host."""
    home = tmp_path / name
    home.mkdir()
    return write_config(home, mailbox, url, intake={"poll_interval": f"{POLL}s",
                        "parse_workers": 0}, ha={"instance_name": name})  # fmt: skip


def test_standby_takes_over_within_one_interval_and_nothing_doubles(tmp_path, mailbox, postgres):
    url = postgres.create_database(f"two_{os.getpid()}")
    config_a = host_config(tmp_path, "host-a", mailbox, url)
    config_b = host_config(tmp_path, "host-b", mailbox, url)
    assert mailbot(["db", "upgrade"], config_a, mailbox.password).wait(60) == 0
    engine = create_engine(url)
    a = mailbot(["run"], config_a, mailbox.password)
    b = None
    try:
        out_a = Output(a)
        out_a.wait_for("poll done", 60)
        b = mailbot(["run"], config_b, mailbox.password)
        out_b = Output(b)
        out_b.wait_for("standby: host-a/", 60)

        mailbox.append_many("INBOX", [mail(f"Zgłoszenie A{i}", msgid=f"<a{i}@firma.pl>")
                                      for i in range(30)])  # fmt: skip
        wait_recorded(engine, 30, 3 * POLL)
        assert "poll done" not in out_b.read(), "the standby polled while the active ran"

        a.send_signal(signal.SIGKILL)
        a.wait(10)
        killed = time.monotonic()
        mailbox.append_many("INBOX", [mail(f"Zgłoszenie B{i}", msgid=f"<b{i}@firma.pl>")
                                      for i in range(30)])  # fmt: skip
        taken = out_b.wait_for("lease taken: host-b/", 3 * POLL)
        done = wait_recorded(engine, 60, 3 * POLL)
        handover, recorded = taken - killed, done - killed
        print(f"\nhand-over: lease taken {handover:.1f} s after SIGKILL, "
              f"backlog recorded after {recorded:.1f} s (poll interval {POLL} s)")  # fmt: skip
        with engine.connect() as conn:
            dup_replies = conn.execute(text(
                "SELECT count(*) FROM (SELECT inbound_id FROM outbox WHERE kind = 'reply' "
                "GROUP BY inbound_id HAVING count(*) > 1) d")).scalar_one()  # fmt: skip
            uncertain = conn.execute(
                text("SELECT count(*) FROM outbox WHERE state = 'uncertain'")
            ).scalar_one()
        messages, distinct, tickets = counts(engine)
        record(FaultRow(HANDOVER, "postgresql", 60, tickets, 60 - distinct,
                        messages - distinct, dup_replies, uncertain, 0, 0, 0, 0,
                        round(handover, 1)))  # fmt: skip
        assert handover <= POLL, f"hand-over took {handover:.1f} s > one interval ({POLL} s)"
        assert dup_replies == 0 and uncertain == 0
        assert recorded <= POLL + 5
        assert (messages, distinct, tickets) == (60, 60, 60)
        assert not mailbox.uids("INBOX")

        b.send_signal(signal.SIGTERM)
        assert b.wait(30) == 0
        assert "lease released by host-b/" in out_b.read()
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        engine.dispose()


def test_only_the_lease_holder_runs_the_scheduled_jobs(make_app, monkeypatch):
    """Polls, escalations and the digest run once across both instances."""
    active = make_app(ha={"instance_name": "host-a"})
    standby = make_app(ha={"instance_name": "host-b"})
    ran: list[tuple[str, str]] = []
    for name, app in (("a", active), ("b", standby)):
        monkeypatch.setattr(app, "poll_once", lambda n=name: ran.append((n, "poll")))
        monkeypatch.setattr(
            app, "deliver_pass", lambda n=name: ran.append((n, "deliver")) or DeliveryReport()
        )
        monkeypatch.setattr(app, "escalate", lambda n=name: ran.append((n, "escalate")) or {})
        job = SimpleNamespace(run=lambda n=name: ran.append((n, "digest")) or "sent")
        monkeypatch.setattr(app, "digest_job", lambda job=job: job)
    assert active.lease.acquire()
    assert not standby.lease.acquire()
    for app in (active, standby):
        for job in ("poll", "deliver", "escalation", "digest"):
            app.jobs.run(job)
    assert [n for n, _ in ran] == ["a"] * 4
    assert [job for _, job in ran] == ["poll", "deliver", "escalate", "digest"]
