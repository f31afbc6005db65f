"""Availability with real processes: delivery never holds up intake, a stop is honoured
within seconds in every phase, the parse workers die with the daemon, and a cron pass
does every step whatever fails.

Real servers throughout: Dovecot, aiosmtpd, a tarpit (accepts SMTP connections and never
answers), SQLite; the daemon is `python -m mailbot.cli run` in its own process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from mailbot.cli import app as cli
from mailbot.core import alarm
from mailbot.daemon import App
from mailbot.jobs import POLL_FAILED
from mailbot.settings.config import load_config
from mailbot.store.db import make_engine, upgrade
from tests.clock import Clock
from tests.integration.conftest import PASSWORD_ENV, write_config
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    RecordingHandler,
    smtp_cert_dir_fixture,
    smtp_server_fixture,
    tarpit_fixture,
)
from tests.integration.test_pipeline import mail
from tests.integration.test_processes import Output, mailbot
from tests.servers import free_port

pytestmark = pytest.mark.integration

CLIENTS = [  # registered addresses of clients in rules/clients.toml: each gets a reply
    "biuro@piekarnia-kowalski.pl", "a.kowalska@piekarnia-kowalski.pl",
    "p.nowicki@budmax.com.pl", "j.wisniewska@budmax.com.pl", "ksiegowosc@budmax.com.pl",
    "sekretariat@ug-brzozowo.pl", "kadry@ug-brzozowo.pl", "kadry@trans-mar.pl",
]  # fmt: skip
QUESTION = "Dzień dobry, jak wystawić korektę faktury w programie? Z góry dziękuję."
EMERGENCY = "F-K nie działa na żadnym komputerze, nikt nie może pracować. Pilne!"
STOP_WITHIN = 5.0  # seconds from SIGTERM to exit 0 (systemd kills after 60)


def questions(n: int, tag: str) -> list[bytes]:
    return [
        mail(f"Pytanie {tag} {i}", QUESTION, sender=CLIENTS[i % len(CLIENTS)],
             msgid=f"<{tag}{i}@avail.test>")
        for i in range(n)
    ]  # fmt: skip


def query(db_url: str, sql: str) -> list[tuple]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def upgraded(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()


def wait_until(check, timeout: float, what: str) -> float:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)
    return time.monotonic()


def stopped_in(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[int, float]:
    """Send `sig`; the exit code and how long the process took to exit."""
    started = time.monotonic()
    proc.send_signal(sig)
    code = proc.wait(30)
    return code, time.monotonic() - started


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (its children, theirs, ...), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    left = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":  # a zombie has ended; only its parent's wait is missing
            left.add(pid)
    return left


def kill_all(pids: set[int]) -> None:
    """Test cleanup: only the processes this test started and found still running."""
    for pid in alive(pids):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def handlers_installed(pid: int, timeout: float = 30) -> None:
    """Until the process catches SIGTERM (bit 15 of SigCgt in /proc/PID/status)."""

    def catching() -> bool:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
        except OSError:
            return False
        return False

    wait_until(catching, timeout, "SIGTERM handler installed")


def daemon_config(tmp_path, mailbox, db_url, smtp: dict, **extra) -> Path:
    intake = {"parse_workers": 2} | extra.pop("intake", {})
    return write_config(
        tmp_path, mailbox, db_url, intake=intake, smtp={"mode": "smtp", "tls": "none"} | smtp,
        outbox={"replies_per_sender_per_hour": 1000}, **extra,
    )  # fmt: skip


@dataclass
class Daemon:
    proc: subprocess.Popen
    out: Output
    db: str
    children: set[int] = field(default_factory=set)  # found while it ran, for the cleanup


@contextlib.contextmanager
def daemon(tmp_path, mailbox, smtp: dict, **extra) -> Iterator[Daemon]:
    """`mailbot run` on a fresh SQLite database; killed at the end if still running, with
    any process of its that a test found and that is still there."""
    db = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgraded(db)
    config = daemon_config(tmp_path, mailbox, db, smtp, **extra)
    proc = mailbot(["run"], config, mailbox.password)
    running = Daemon(proc, Output(proc), db)
    try:
        yield running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        kill_all(running.children)


def at(server) -> dict:
    return {"host": server.host, "port": server.port}


# -- a hung SMTP server -----------------------------------------------------------------
def test_a_tarpit_smtp_server_does_not_stop_intake(tmp_path, mailbox, tarpit):
    """Delivery waits on a server that never answers; new mail is still recorded within
    seconds, and SIGTERM exits 0 at once: the blocked connection is cut, the reply in
    hand goes back to the queue (nothing was sent), nothing is left `sending`."""
    with daemon(tmp_path, mailbox, at(tarpit) | {"timeout": 300}) as d:
        d.out.wait_for("poll done", 60)
        mailbox.append_many("INBOX", questions(1, "t"))
        wait_until(lambda: tarpit.accepted >= 1, 30, "delivery connected to the tarpit")
        appended_at = time.monotonic()
        for round_ in range(5):  # 25 more while delivery hangs
            mailbox.append_many("INBOX", questions(5, f"r{round_}-"))
            time.sleep(0.5)
        recorded = wait_until(
            lambda: query(d.db, "SELECT count(*) FROM message")[0][0] == 26, 30, "26 recorded"
        )
        assert recorded - appended_at < 20  # IDLE: seconds, not the SMTP timeout (300 s)
        assert mailbox.uids("INBOX") == []
        assert d.proc.poll() is None
        code, took = stopped_in(d.proc)
    rest = d.out.read()
    assert code == 0 and took < STOP_WITHIN, (code, took, rest[-3000:])
    assert "cutting their connections" in rest and "mailbot stopped" in rest
    states = dict(query(d.db, "SELECT state, count(*) FROM outbox GROUP BY state"))
    assert states == {"pending": 26}  # none sent, none `sending`, none uncertain


def test_a_dead_smtp_server_shows_in_status_and_the_self_alarm(tmp_path, mailbox, tarpit,
                                                               monkeypatch):  # fmt: skip
    """One failed delivery pass is enough for `mailbot status`; the self-alarm opens
    once delivery has failed for alarm.failing_after (5 minutes by default)."""
    db = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    smtp = {"host": tarpit.host, "port": tarpit.port, "timeout": 2}
    config = daemon_config(tmp_path, mailbox, db, smtp, intake={"parse_workers": 0})
    upgraded(db)
    monkeypatch.setenv(PASSWORD_ENV, mailbox.password)
    clock = Clock(datetime.now(UTC))
    app = App(load_config(config), clock=clock)
    try:
        app.poll_once()  # empty: the checkpoint, so the next mail is live
        mailbox.append_many("INBOX", questions(3, "d"))
        app.poll_once()
        assert app.lease.acquire()
        assert app.jobs.run("deliver") is False  # the greeting never came (2 s)
        result = CliRunner().invoke(cli, ["status", "--no-imap", "--config", str(config)])
        assert "sending fails" in result.output and "timed out" in result.output, result.output
        assert result.exit_code == 1  # WARNING

        assert alarm.DELIVERY not in app.self_alarm.check(app.faults)  # not yet: 0 min
        clock.now += timedelta(minutes=5)
        app.jobs.run("deliver")  # due again: fails again
        problems = app.self_alarm.check(app.faults)
        assert alarm.DELIVERY in problems and "timed out" in problems[alarm.DELIVERY]
    finally:
        app.close()


# -- SIGTERM in every phase ---------------------------------------------------------------
@pytest.mark.parametrize("delay", [0.0, 0.5, 1.0, 2.0])
def test_sigterm_while_starting_exits_zero(tmp_path, mailbox, smtp_server, delay):
    """From the moment the process catches SIGTERM (its first lines) through starting
    the parse workers and the first poll: exit 0 within seconds, no process left."""
    mailbox.append_many("INBOX", questions(40, "s"))  # a first poll with work to do
    with daemon(tmp_path, mailbox, at(smtp_server())) as d:
        handlers_installed(d.proc.pid)
        time.sleep(delay)
        d.children = descendants(d.proc.pid)
        code, took = stopped_in(d.proc)
        time.sleep(0.5)
        assert code == 0 and took < STOP_WITHIN, (code, took, d.out.read()[-3000:])
        assert not alive(d.children | descendants(d.proc.pid)), "processes left behind"


def test_sigterm_mid_poll_finishes_the_group_in_hand(tmp_path, mailbox, smtp_server):
    with daemon(tmp_path, mailbox, at(smtp_server())) as d:
        d.out.wait_for("poll done", 60)
        mailbox.append_many("INBOX", questions(600, "p"))
        d.out.wait_for("action=created", 60)
        code, took = stopped_in(d.proc)
    assert code == 0 and took < STOP_WITHIN, (code, took, d.out.read()[-3000:])
    recorded = query(d.db, "SELECT count(*) FROM message")[0][0]
    assert 0 < recorded < 600, "the stop did not land mid-poll"
    assert len(mailbox.uids("Processed")) == recorded  # every recorded one moved, no other
    assert len(mailbox.uids("INBOX")) == 600 - recorded


def test_sigterm_mid_delivery_finishes_the_message_in_hand(tmp_path, mailbox, smtp_server):
    """A slow server (0.5 s per message): the message being sent when SIGTERM comes is
    finished and marked sent; the rest waits; nothing is left `sending` or uncertain."""
    server = smtp_server(handler=RecordingHandler(data_delay=0.5))
    with daemon(tmp_path, mailbox, at(server)) as d:
        d.out.wait_for("poll done", 60)
        mailbox.append_many("INBOX", questions(30, "m"))
        d.out.wait_for("reply sent to", 60)
        code, took = stopped_in(d.proc)
    assert code == 0 and took < STOP_WITHIN, (code, took, d.out.read()[-3000:])
    states = dict(query(d.db, "SELECT state, count(*) FROM outbox GROUP BY state"))
    assert set(states) == {"sent", "pending"}, states  # nothing `sending`, none uncertain
    assert states["sent"] == len(server.handler.messages)  # each arrival marked, once


# -- workers die with the daemon ------------------------------------------------------------
@pytest.mark.parametrize("when", ["idle", "parsing"])
def test_sigkill_leaves_no_process_behind(tmp_path, mailbox, smtp_server, when):
    """The forkserver, both parse workers and the resource tracker end with the daemon."""
    with daemon(tmp_path, mailbox, at(smtp_server())) as d:
        d.out.wait_for("poll done", 60)
        if when == "parsing":
            mailbox.append_many("INBOX", questions(600, "k"))
            d.out.wait_for("action=created", 60)
        d.children = descendants(d.proc.pid)
        assert len(d.children) >= 4, d.children  # forkserver, 2 workers, resource tracker
        code, _took = stopped_in(d.proc, signal.SIGKILL)
        assert code == -signal.SIGKILL
        wait_until(lambda: not alive(d.children), 10, f"left behind: {alive(d.children)}")


# -- cron: every step, whatever fails ----------------------------------------------------------
def test_poll_once_with_the_mailbox_down_escalates_and_delivers(tmp_path, mailbox, smtp_server,
                                                                monkeypatch):  # fmt: skip
    """An emergency recorded two days ago is overdue (R-SLA-1): with the IMAP server
    unreachable, `poll --once` still queues its reminder and breach alerts and delivers
    them with everything else waiting; the exit code says the poll failed."""
    server = smtp_server()
    db = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    smtp = {"host": server.host, "port": server.port}
    config = daemon_config(tmp_path, mailbox, db, smtp, intake={"parse_workers": 0})
    upgraded(db)
    monkeypatch.setenv(PASSWORD_ENV, mailbox.password)
    app = App(load_config(config))
    try:
        app.poll_once()  # empty: the checkpoint
        received = datetime.now(UTC) - timedelta(days=2)
        raw = mail("AWARIA", EMERGENCY, sender=CLIENTS[0], msgid="<old@avail.test>")
        mailbox.append("INBOX", raw, date=received)
        app.poll_once()  # recorded, nothing escalated or delivered yet
    finally:
        app.close()
    down = SimpleNamespace(host="127.0.0.1", port=free_port(), tls_port=free_port(),
                           user=mailbox.user, cafile=mailbox.cafile)  # fmt: skip
    config = daemon_config(tmp_path, down, db, smtp, intake={"parse_workers": 0})
    proc = subprocess.run(
        [sys.executable, "-m", "mailbot.cli", "poll", "--once", "--config", str(config)],
        env=os.environ | {PASSWORD_ENV: mailbox.password}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == POLL_FAILED, proc.stderr
    assert "failed: poll" in proc.stderr
    kinds = {k for (k,) in query(db, "SELECT kind FROM ticket_event")}
    assert {"escalation_reminder", "escalation_breach", "breached"} <= kinds
    assert query(db, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(0,)]
    sent = query(db, "SELECT count(*) FROM outbox WHERE state = 'sent'")[0][0]
    assert sent == len(server.handler.messages) >= 5  # reply, receipt pages, escalation
