"""Real processes: SIGKILL at random moments, SIGTERM, schema refusal."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, text

from tests.integration.conftest import PASSWORD_ENV, write_config
from tests.integration.test_pipeline import mail

pytestmark = pytest.mark.integration


def mailbot(args: list[str], config, password: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, **{PASSWORD_ENV: password})
    return subprocess.Popen(
        [sys.executable, "-m", "mailbot.cli", *args, "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **kw,
    )


class Output:
    """Non-blocking reader of a child's merged stdout/stderr."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.text = ""
        os.set_blocking(proc.stdout.fileno(), False)

    def read(self) -> str:
        self.text += (self.proc.stdout.read() or b"").decode("utf-8", "replace")
        return self.text

    def wait_for(self, needle: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while needle not in self.read():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"{needle!r} not seen:\n{self.read()}")
            time.sleep(0.1)
        return time.monotonic()


def test_run_refuses_outdated_schema(tmp_path, mailbox):
    config = write_config(tmp_path, mailbox, f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    proc = mailbot(["run"], config, mailbox.password)
    output = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 2
    assert "mailbot db upgrade" in output


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path, mailbox, db_url):
    config = write_config(tmp_path, mailbox, db_url, batch_size=20)
    upgrade = mailbot(["db", "upgrade"], config, mailbox.password)
    assert upgrade.wait(60) == 0, upgrade.stdout.read().decode()
    first = mailbot(["poll", "--once"], config, mailbox.password)
    assert first.wait(60) == 0  # empty mailbox: checkpoint set, later mail is new
    total = 400
    mailbox.append_many(
        "INBOX",
        [
            mail(
                f"Zgłoszenie {i}",
                msgid=f"<k{i}@firma.pl>",
                in_reply_to=f"<k{i - 1}@firma.pl>" if i % 5 else None,
            )
            for i in range(total)
        ],
    )
    rng = random.Random(42)
    kills = 0
    for _ in range(8):
        proc = mailbot(["poll", "--once"], config, mailbox.password)
        time.sleep(rng.uniform(0.8, 2.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(30)
        if not mailbox.uids("INBOX"):
            break
    final = mailbot(["poll", "--once"], config, mailbox.password)
    out = final.communicate(timeout=120)[0].decode()
    assert final.returncode == 0, out
    assert kills >= 1, "no kill landed mid-run: the test proved nothing"

    engine = create_engine(db_url)
    with engine.connect() as conn:
        keys = [r[0] for r in conn.execute(text("SELECT message_key FROM message"))]
        n_tickets = conn.execute(text("SELECT count(*) FROM ticket")).scalar_one()
        created = conn.execute(
            text("SELECT count(*) FROM ticket_event WHERE kind = 'created'")
        ).scalar_one()
    engine.dispose()
    assert len(keys) == total and len(set(keys)) == total  # none lost, none twice
    assert n_tickets == created == total // 5  # every 5th opens a ticket, others follow up
    assert mailbox.uids("INBOX") == []
    assert len(mailbox.uids("Processed")) == total


def test_sigterm_finishes_and_exits_zero(tmp_path, mailbox):
    db = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    config = write_config(tmp_path, mailbox, db)
    assert mailbot(["db", "upgrade"], config, mailbox.password).wait(60) == 0
    proc = mailbot(["run"], config, mailbox.password)
    out = Output(proc)
    out.wait_for("poll done", 60)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    rest = out.read()
    assert "SIGTERM received" in rest and "mailbot stopped" in rest


def test_log_json_lines_and_no_password_anywhere(tmp_path, mailbox):
    """`--log-json` gives one JSON object per line (the per-message outcome
    included); the secret never appears. Scrubbing itself: tests/ops/test_logs.py."""
    config = write_config(tmp_path, mailbox, f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert mailbot(["db", "upgrade"], config, mailbox.password).wait(60) == 0
    mailbox.append("INBOX", mail(f"Hasło {mailbox.password} nie działa", msgid="<j1@firma.pl>"))
    proc = mailbot(["poll", "--once", "--log-json"], config, mailbox.password)
    out = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 0, out
    assert mailbox.password not in out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any("ticket=KJM-2026-000001 action=created" in d["message"] for d in lines), out
    assert {d["level"] for d in lines} <= {"INFO", "WARNING"}
