"""Fault injection: `mailbot poll --once` as a real process, killed
with SIGKILL at named step boundaries of intake and the outbox (mailbot/faults.py) while
100 messages flow, and servers taken away at an exact step; then run again until the
mailbox and the outbox are drained, and audited against what was appended:

- every Message-ID recorded exactly once, the expected number of tickets;
- no client got two replies to one message, no reply to an auto-reply; a reply whose
  send was interrupted is `uncertain` (never resent) and reached the client at most once;
- every emergency alert (e-mail and SMS, on call + opiekun) delivered at least once, or
  held back by the client's page window (`folded`: one client's flood rings a phone once,
  mailbot/core/pages.py; the window's summary page comes after the run);
- INBOX empty, Processed complete, nothing pending, sending or failed in the outbox.

Real servers throughout: Dovecot, aiosmtpd (tests/integration/smtp_server.py), a local
HTTP SMS gateway (the webhook channel), SQLite and PostgreSQL. The figures are printed
as a table at the end of the run (tests/integration/fault_table.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from mailbot.core.oncall import escalation_chain
from mailbot.core.sla import roles_for
from mailbot.daemon import App
from mailbot.intake.decider import rota_lookup
from mailbot.jobs import DELIVERY_FAILED, ESCALATION_FAILED, POLL_FAILED
from mailbot.settings.config import load_config
from mailbot.settings.rules import load_rules
from mailbot.store.db import make_engine, upgrade
from tests.integration.conftest import PASSWORD_ENV, RULES, write_config
from tests.integration.fault_table import FaultRow, record
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    SmtpServer,
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)
from tests.integration.test_pipeline import mail
from tests.integration.test_sms import Gateway, gateway  # noqa: F401 - fixture by name

pytestmark = pytest.mark.integration

TOTAL = 100
BATCH = 25  # 4 batches of 25: a hit count of 2 lands after the first 25 messages
CARE_EMERGENCY_SENDERS = [  # registered addresses of care clients (rules/clients.toml)
    "biuro@piekarnia-kowalski.pl", "a.kowalska@piekarnia-kowalski.pl",
    "p.nowicki@budmax.com.pl", "j.wisniewska@budmax.com.pl",
    "sekretariat@ug-brzozowo.pl", "kadry@ug-brzozowo.pl",
    "kadry@trans-mar.pl", "dyspozytor@trans-mar.pl",
]  # fmt: skip
CLIENT_SENDERS = CARE_EMERGENCY_SENDERS + [
    "ksiegowosc@budmax.com.pl", "skarbnik@ug-brzozowo.pl",
    "biuro@bilans-ostroleka.pl", "k.mazur@bilans-ostroleka.pl",  # pakiet: on hold, replied
    "drewbud.stolarnia@o2.pl", "serwis@autoserwis-zajac.pl",
]  # fmt: skip
EMERGENCY_TEXT = "F-K nie działa na żadnym komputerze, nikt nie może pracować. Pilne!"
QUESTION_TEXT = "Dzień dobry, jak wystawić korektę faktury w programie? Z góry dziękuję."


# -- the 100 messages ------------------------------------------------------------------
@dataclass
class Mix:
    raws: list[bytes] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    emergencies: dict[str, str] = field(default_factory=dict)  # Message-ID -> sender
    automatic: set[str] = field(default_factory=set)  # must never be answered
    follow_ups: int = 0

    def add(self, raw: bytes, key: str) -> None:
        self.raws.append(raw)
        self.keys.append(key)

    @property
    def expected_tickets(self) -> int:
        return len(self.keys) - self.follow_ups


def auto_reply(subject: str, sender: str, key: str) -> bytes:
    raw = mail(f"Automatyczna odpowiedź: {subject}", "Jestem na urlopie do poniedziałku.",
               sender=sender, msgid=key)  # fmt: skip
    head, body = raw.split(b"\n\n", 1)
    return head + b"\nAuto-Submitted: auto-replied\n\n" + body


def build_mix() -> Mix:
    """10 care-client emergencies (alerts by mail and SMS), 40 questions from clients,
    20 from unknown senders, 10 out-of-office auto-replies, 20 follow-ups by In-Reply-To."""
    mix = Mix()
    originals: list[tuple[bytes, str]] = []
    answerable: list[tuple[str, str, str]] = []  # (key, sender, subject): follow-up targets
    for i in range(10):
        sender, key = CARE_EMERGENCY_SENDERS[i % 8], f"<e{i}@fault.test>"
        originals.append((mail(f"AWARIA nr {i}", EMERGENCY_TEXT, sender=sender, msgid=key), key))
        mix.emergencies[key] = sender
    for i in range(40):
        sender, key, subject = (
            CLIENT_SENDERS[i % len(CLIENT_SENDERS)],
            f"<q{i}@fault.test>",
            (f"Pytanie o korektę faktury {i}"),
        )
        originals.append((mail(subject, QUESTION_TEXT, sender=sender, msgid=key), key))
        answerable.append((key, sender, subject))
    for i in range(20):
        sender, key, subject = (
            f"nowy.klient{i}@gmail.com",
            f"<u{i}@fault.test>",
            (f"Zapytanie o program {i}"),
        )
        originals.append((mail(subject, QUESTION_TEXT, sender=sender, msgid=key), key))
        answerable.append((key, sender, subject))
    for i in range(10):
        key = f"<a{i}@fault.test>"
        originals.append((auto_reply(f"Sprawa {i}", CLIENT_SENDERS[i], key), key))
        mix.automatic.add(key)
    # Interleave: emergencies spread over the run, follow-ups after their first message.
    originals = originals[::2] + originals[1::2]
    first, later = originals[:40], originals[40:]
    targets = [t for t in answerable if any(t[0] == k for _, k in first)][:20]
    for raw, key in first:
        mix.add(raw, key)
    for i, (raw, key) in enumerate(later):
        mix.add(raw, key)
        if i < len(targets):
            parent, sender, subject = targets[i]
            fkey = f"<f{i}@fault.test>"
            mix.add(mail(f"Re: {subject}", "Dziękuję, a jeszcze jedno pytanie.", sender=sender,
                         msgid=fkey, in_reply_to=parent), fkey)  # fmt: skip
            mix.follow_ups += 1
    assert len(mix.keys) == TOTAL and mix.follow_ups == 20
    return mix


# -- the rig: mailbox, database, SMTP, SMS gateway, config ------------------------------
@dataclass
class Rig:
    config: Path
    db_url: str
    mailbox: object
    smtp: SmtpServer  # the fixture stops `smtp.controller` at the end
    sms: Gateway
    tmp: Path

    def env(self, crash: str | None = None) -> dict[str, str]:
        env = dict(os.environ, **{PASSWORD_ENV: self.mailbox.password})
        env.pop("MAILBOT_CRASH_AT", None)
        if crash:
            env["MAILBOT_CRASH_AT"] = crash
        return env

    def poll(self, crash: str | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "mailbot.cli", "poll", "--once", "--config", str(self.config)],
            env=self.env(crash), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def query(self, sql: str) -> list[tuple]:
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql))]
        finally:
            engine.dispose()


@pytest.fixture
def rig(tmp_path, mailbox, db_url, smtp_server, gateway, monkeypatch) -> Rig:  # noqa: F811
    server = smtp_server()
    config = write_config(
        tmp_path, mailbox, db_url, batch_size=BATCH,
        smtp={"mode": "smtp", "host": server.host, "port": server.port, "tls": "none",
              "timeout": 10},
        outbox={"replies_per_sender_per_hour": 1000, "max_attempts": 5},
        sms={"channel": "webhook", "url": gateway.url + "/send", "timeout": 10},
    )  # fmt: skip
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv(PASSWORD_ENV, mailbox.password)
    app = App(load_config(config))  # prime: the empty mailbox's checkpoint, so mail is new
    try:
        assert app.poll_once().fetched == 0
    finally:
        app.close()
    return Rig(config, db_url, mailbox, server, gateway, tmp_path)


# -- running ---------------------------------------------------------------------------
def killed(rig: Rig, crash: str) -> str:
    """One run that must die by SIGKILL at `crash`: otherwise the point was never reached."""
    proc = rig.poll(crash)
    out = proc.communicate(timeout=120)[0].decode()
    assert proc.returncode == -signal.SIGKILL, f"{crash} not reached:\n{out}"
    assert f"crash point {crash.split(':')[0]} reached: SIGKILL" in out
    return out


def wait_stopped(proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the process stopped itself (SIGSTOP at a `:stop` crash point)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"ended before the stop point: {proc.stdout.read().decode()}")
        with open(f"/proc/{proc.pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "T":
                return
        time.sleep(0.02)
    raise AssertionError("the stop point was not reached in time")


def outbox_due(rig: Rig) -> int:
    return rig.query("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")[0][0]


def drain(rig: Rig, runs: int = 6) -> None:
    """Clean runs until INBOX is empty and the outbox has nothing left to send."""
    for _ in range(runs):
        proc = rig.poll()
        out = proc.communicate(timeout=180)[0].decode()
        assert proc.returncode == 0, out
        if not rig.mailbox.uids("INBOX") and outbox_due(rig) == 0:
            return
    raise AssertionError(f"not drained after {runs} clean runs")


# -- the audit -------------------------------------------------------------------------
@dataclass
class Figures:
    stored: list[str]
    tickets: int
    dup_replies: int
    replies_to_robots: int
    uncertain: int
    uncertain_arrived: int  # of those, how many the client did get (at most once each)
    alerts_expected: int
    alerts_delivered: int
    alerts_repeated: int
    stuck: list[tuple]


def audit(rig: Rig, mix: Mix, appended_at: datetime) -> Figures:
    rules = load_rules(RULES)
    book = rules.book
    stored = [r[0] for r in rig.query("SELECT message_key FROM message")]
    number_of = dict(
        rig.query(
            "SELECT m.message_key, t.number FROM message m JOIN ticket t ON t.id = m.ticket_id"
        )
    )
    # An automatic reply joins its sender's open ticket or is kept as not_a_ticket: it
    # counts as one, whichever it did, so a robot that made a real ticket counts twice.
    tickets = rig.query("SELECT count(*) FROM ticket WHERE state != 'not_a_ticket'")[0][0]
    tickets += rig.query("SELECT count(*) FROM message WHERE automatic IS NOT NULL")[0][0]
    outbox = rig.query("SELECT kind, state, recipient, message_id FROM outbox")

    staff_mail = {s.email: s for s in book.staff}
    parse = BytesHeaderParser(policy=default_policy).parsebytes
    replies: Counter[tuple[str, str]] = Counter()
    reply_ids: Counter[str] = Counter()
    alert_mail: Counter[tuple[str, str]] = Counter()  # (staff id, ticket) -> deliveries
    for got in rig.smtp.handler.messages:
        head = parse(got.raw)
        for rcpt in got.rcpt_tos:
            if rcpt in staff_mail:
                number = next((n for n in number_of.values() if n in str(head["Subject"])), "")
                alert_mail[(staff_mail[rcpt].id, number)] += 1
            else:
                replies[(rcpt, str(head["In-Reply-To"]))] += 1
                reply_ids[str(head["Message-ID"])] += 1
    alert_sms: Counter[tuple[str, str]] = Counter()
    by_phone = {s.phone: s for s in book.staff if s.phone}
    for req in rig.sms.requests:
        body = json.loads(req.body)
        number = next((n for n in number_of.values() if n in body["text"]), "")
        alert_sms[(by_phone[body["to"]].id, number)] += 1

    # What the terms promise, computed from the rules, not from mailbot's outbox rows:
    # the person on call and the client's opiekun, each by e-mail and by SMS (R-SLA-1).
    oncall = rota_lookup(rules.oncall)(appended_at)
    expected: set[tuple[str, str, str]] = set()
    for key, sender in mix.emergencies.items():
        client = next(c for c in book.clients if sender in c.addresses)
        for person in {oncall, client.opiekun} - {None}:
            for channel in ("email", "sms"):
                expected.add((person, number_of.get(key, f"(lost {key})"), channel))
    delivered = {(p, n, "email") for (p, n) in alert_mail} | {(p, n, "sms") for (p, n) in alert_sms}
    delivered |= held_pages(rig, "receipt")
    sent_replies = [r for r in outbox if r[0] == "reply" and r[1] == "sent"]
    uncertain = [r for r in outbox if r[0] == "reply" and r[1] == "uncertain"]
    for _, _, recipient, message_id in sent_replies:
        assert reply_ids[message_id] == 1, (
            f"sent reply {message_id} to {recipient} arrived {reply_ids[message_id]} times"
        )
    for _, _, _, message_id in uncertain:
        assert reply_ids[message_id] <= 1, f"uncertain reply {message_id} was resent"
    return Figures(
        stored=stored,
        tickets=tickets,
        dup_replies=sum(n - 1 for n in replies.values() if n > 1),
        replies_to_robots=sum(n for (_, irt), n in replies.items() if irt in mix.automatic),
        uncertain=len(uncertain),
        uncertain_arrived=sum(reply_ids[m] for *_, m in uncertain),
        alerts_expected=len(expected),
        alerts_delivered=len(expected & delivered),
        alerts_repeated=sum(n - 1 for n in (alert_mail | alert_sms).values() if n > 1),
        stuck=[r for r in outbox if r[1] in ("pending", "sending", "failed")],
    )


def check(
    rig: Rig,
    mix: Mix,
    appended_at: datetime,
    scenario: str,
    db: str,
    started: float,
    expect: tuple[int, int, int] = (0, 0, 0),
) -> None:
    """`expect`: client replies left uncertain, how many of them arrived, alerts that
    arrived twice; what the crash point means for the client (README, Fault injection)."""
    f = audit(rig, mix, appended_at)
    seconds = time.monotonic() - started
    counts = Counter(f.stored)
    lost = len(set(mix.keys) - set(counts))
    record(FaultRow(
        scenario, db, len(mix.keys), f.tickets, lost,
        max(0, f.tickets - mix.expected_tickets), f.dup_replies, f.uncertain, f.uncertain_arrived,
        f.alerts_expected, f.alerts_delivered, f.alerts_repeated, seconds,
    ))  # fmt: skip
    assert lost == 0 and sorted(counts) == sorted(mix.keys), "messages lost or unknown"
    assert all(n == 1 for n in counts.values()), "a message recorded twice"
    assert f.tickets == mix.expected_tickets
    emergency_tickets = rig.query("SELECT count(*) FROM ticket WHERE emergency")[0][0]
    assert emergency_tickets == len(mix.emergencies)
    assert f.dup_replies == 0 and f.replies_to_robots == 0
    assert (f.uncertain, f.uncertain_arrived, f.alerts_repeated) == expect
    assert f.alerts_delivered == f.alerts_expected > 0, "an emergency alert was not delivered"
    assert f.stuck == [], f"outbox rows left: {f.stuck}"
    assert rig.mailbox.uids("INBOX") == []
    assert len(rig.mailbox.uids("Processed")) == TOTAL


def append(rig: Rig) -> tuple[Mix, datetime]:
    mix = build_mix()
    at = datetime.now(UTC)
    rig.mailbox.append_many("INBOX", mix.raws)
    return mix, at


def db_name(db_url: str) -> str:
    return db_url.split(":", 1)[0].split("+")[0]


# -- SIGKILL at each step boundary -------------------------------------------------------
# Intake: 4 batches of 25 (BATCH), so `:2` lands after the first 25 messages are done.
# Outbox: rows go out emergencies first, in queue order: an emergency's reply, then its
# alerts; the hit count picks which kind of row the crash interrupts (README, Fault
# injection). Each tuple is one process run per entry, each killed at that point.
NONE = (0, 0, 0)  # (replies uncertain, of them arrived, alerts arrived twice)
INTAKE_POINTS = [
    (("intake.fetched:3",), NONE),  # batch 3 fetched, batch 2 prepared, neither recorded
    (("intake.stored:30",), NONE),  # mid-group: 5 messages + outbox rows uncommitted
    (("intake.before_commit:2",), NONE),  # group 2 + checkpoint written, not committed
    (("intake.committed:2",), NONE),  # group 2 committed, not moved: leftovers next run
    (("intake.moved:2",), NONE),  # group 2 moved to Processed
    (("intake.poll_done",), NONE),  # all recorded and moved, nothing delivered yet
]
# The first rows out are the first emergency's: its reply, then on call's alert e-mail
# and SMS, then the opiekun's (emergencies first, then queue order).
OUTBOX_POINTS = [
    (("outbox.claimed:1",), (1, 0, 0)),  # the reply claimed: uncertain, never sent
    (("outbox.claimed:2",), NONE),  # an alert e-mail claimed: sent after recovery
    (("outbox.mail_accepted:1",), (1, 1, 0)),  # the reply accepted: uncertain, got once
    (("outbox.mail_accepted:2",), (0, 0, 1)),  # an alert e-mail accepted: sent again
    (("outbox.sms_accepted:1",), (0, 0, 1)),  # an SMS accepted: sent again
    # The 40th row marked sent, in the commit that claims the 41st (one commit a message),
    # a reply: left `sending`, it becomes uncertain and was never sent, as at `claimed`.
    (("outbox.marked:40",), (1, 0, 0)),
    (("outbox.claimed:3", "outbox.recovered"), NONE),  # an SMS claimed; killed again
]  # right after the recovery put it back to pending: sent once in the end
POSTGRES_POINTS = [
    (("intake.before_commit:2",), NONE), (("intake.committed:2",), NONE),
    (("outbox.mail_accepted:1",), (1, 1, 0)),
]  # fmt: skip


def crash_and_recover(rig: Rig, crashes: tuple[str, ...], expect, db: str) -> None:
    mix, at = append(rig)
    started = time.monotonic()
    for crash in crashes:
        killed(rig, crash)
    drain(rig)
    check(rig, mix, at, " + ".join(crashes), db, started, expect)


def point_id(case) -> str:
    return " + ".join(case[0])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("case", INTAKE_POINTS + OUTBOX_POINTS, ids=point_id)
def test_sigkill_at_step_boundary(rig, db_url, case):
    crash_and_recover(rig, *case, "sqlite")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("case", POSTGRES_POINTS, ids=point_id)
def test_sigkill_at_step_boundary_postgres(rig, db_url, case):
    crash_and_recover(rig, *case, "postgresql")


# -- outages that start at an exact step --------------------------------------------------
def outage(
    rig: Rig, stop_at: str, take_away, bring_back, *, down_exit: tuple[int, int]
) -> tuple[Mix, datetime, float]:
    """Run until `stop_at` (SIGSTOP), take the server away, let the run go on into the
    outage, run once more while it is down, bring it back, then drain. `down_exit`: the
    exit codes of the interrupted run and of the run during the outage (`poll --once`
    adds up 4 polling, 8 escalation, 16 delivery failed; 1: it could not start)."""
    mix, at = append(rig)
    started = time.monotonic()
    proc = rig.poll(f"{stop_at}:stop")
    try:
        wait_stopped(proc)
        take_away()
        proc.send_signal(signal.SIGCONT)
        out = proc.communicate(timeout=120)[0].decode()
        assert proc.returncode == down_exit[0], out
        again = rig.poll()
        out = again.communicate(timeout=120)[0].decode()
        assert again.returncode == down_exit[1], out  # still down: fails cleanly, retried later
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        bring_back()
    return mix, at, started


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_imap_down_mid_run(rig, db_url, dovecot):
    # Stopped after group 2 committed, before its move: the move fails, the next runs
    # cannot connect; after the restart the leftovers are finished through the dedup.
    mix, at, started = outage(rig, "intake.committed:2", dovecot.stop, dovecot.restart,
                              down_exit=(POLL_FAILED, POLL_FAILED))  # fmt: skip
    drain(rig)
    check(rig, mix, at, "IMAP down mid-run, then back", "sqlite", started)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_smtp_down_mid_delivery(rig, db_url):
    def back() -> None:  # the same port and recorder, a new server
        rig.smtp.controller = Controller(
            rig.smtp.handler,
            hostname=rig.smtp.host,
            port=rig.smtp.port,
            server_hostname="localhost",
            auth_require_tls=False,
        )
        rig.smtp.controller.start()

    # Stopped with the 8th row claimed: it and every mail after it fail and wait for a
    # retry (SMS keeps going through the gateway); nothing is lost or sent twice.
    # The run during the outage finds nothing due (the mail waits for its retry): 0.
    mix, at, started = outage(rig, "outbox.claimed:8", rig.smtp.stop, back,
                              down_exit=(DELIVERY_FAILED, 0))  # fmt: skip
    retry = rig.query("SELECT count(*) FROM outbox WHERE state = 'pending' AND attempts > 0")
    assert retry[0][0] > 0  # the outage was felt: rows wait for their backoff
    # The backoff (30 s, doubling) has passed: move the clock of the waiting rows.
    engine = create_engine(rig.db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET next_attempt_at = created_at WHERE state = 'pending'"))
    engine.dispose()
    drain(rig)
    check(rig, mix, at, "SMTP down mid-delivery, then back", "sqlite", started)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_restart_mid_run(rig, db_url, postgres):
    # Stopped right after batch 3 was fetched (batches 1-2 recorded): recording fails,
    # the next run cannot reach the database; after the restart it resumes.
    # Every step of the interrupted run fails; the next cannot even check the schema.
    everything = POLL_FAILED + ESCALATION_FAILED + DELIVERY_FAILED
    mix, at, started = outage(rig, "intake.fetched:3", postgres.stop, postgres.restart,
                              down_exit=(everything, 1))  # fmt: skip
    drain(rig)
    check(rig, mix, at, "PostgreSQL restarted mid-run", "postgresql", started)


# -- SIGKILL inside the escalation job (poll --once runs it as the daemon does) ----------
ESCALATION_POINTS = [
    "escalation.queued:2",  # ticket 2's reminder + breach written, uncommitted
    "escalation.committed:1",  # ticket 1's steps committed, their alerts not delivered
]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("crash", ESCALATION_POINTS)
def test_sigkill_in_an_escalation_step(rig, db_url, crash):
    """Emergencies from two days ago: their R-SLA-1 deadline has passed whatever the time
    of day, so the first pass records the reminder as skipped (a "zostało 30 min" after
    the deadline would be false) and queues the breach for the whole chain instead.
    Killed in the middle, then drained: each step recorded once per ticket, every alert
    it owes delivered, none twice."""
    rules = load_rules(RULES)
    book = rules.book
    received = datetime.now(UTC) - timedelta(days=2)
    senders = CARE_EMERGENCY_SENDERS[:4]
    for i, sender in enumerate(senders):
        raw = mail(f"AWARIA {i}", EMERGENCY_TEXT, sender=sender, msgid=f"<old{i}@fault.test>")
        rig.mailbox.append("INBOX", raw, date=received)
    started = time.monotonic()
    killed(rig, crash)
    drain(rig)
    now = datetime.now(UTC)

    tickets = dict(
        rig.query("SELECT t.id, m.message_key FROM ticket t JOIN message m ON m.ticket_id = t.id")
    )
    events = Counter(rig.query("SELECT ticket_id, kind FROM ticket_event "
                               "WHERE kind IN ('escalation_reminder', 'escalation_breach', "
                               "'breached')"))  # fmt: skip
    assert len(tickets) == len(senders)
    for ticket_id in tickets:
        for kind in ("escalation_reminder", "escalation_breach", "breached"):
            assert events[(ticket_id, kind)] == 1, (ticket_id, kind, events)

    # What the steps owe, from the rules (not from mailbot's rows): per ticket the breach to
    # the chain (on call, opiekun, manager), since no reminder went out before it, each by
    # e-mail, and by SMS where the person has a phone.
    number_of = dict(
        rig.query(
            "SELECT m.message_key, t.number FROM message m JOIN ticket t ON t.id = m.ticket_id"
        )
    )
    expected: Counter[tuple[str, str]] = Counter()  # (address or phone, ticket) -> pages
    for i, sender in enumerate(senders):
        client = next(c for c in book.clients if sender in c.addresses)
        chain = escalation_chain(rules.oncall, now, client.opiekun)
        for step in ("breach",):
            for role, who in chain:
                if role in roles_for(step, reminded=False):
                    staff = book.staff_member(who)
                    number = number_of[f"<old{i}@fault.test>"]
                    expected[(staff.email, number)] += 1
                    if staff.phone:
                        expected[(staff.phone, number)] += 1
    got: Counter[tuple[str, str]] = Counter()
    parse = BytesHeaderParser(policy=default_policy).parsebytes
    staff_mail = {s.email for s in book.staff}  # not the clients' automatic replies
    for message in rig.smtp.handler.messages:
        subject = str(parse(message.raw)["Subject"])
        for rcpt in set(message.rcpt_tos) & staff_mail:
            got.update((rcpt, n) for n in number_of.values() if n in subject)
    for req in rig.sms.requests:
        body = json.loads(req.body)
        got.update((body["to"], n) for n in number_of.values() if n in body["text"])
    steps_only = got - receipt_pages(rig)  # the intake's own pages are audited above
    held: Counter[tuple[str, str]] = Counter()  # in their client's page window (core/pages.py)
    for step in ("reminder", "breach"):
        for staff_id, number, channel in held_pages(rig, step):
            staff = book.staff_member(staff_id)
            held[(staff.email if channel == "email" else staff.phone, number)] += 1
    missing = expected - steps_only - held
    repeated = steps_only - expected
    record(FaultRow(
        f"{crash} (4 overdue emergencies)", "sqlite", len(senders), len(tickets), 0, 0, 0, 0,
        0, sum(expected.values()), sum((expected & (steps_only + held)).values()),
        sum(repeated.values()), time.monotonic() - started,
    ))  # fmt: skip
    assert not missing, f"escalation alerts not delivered: {missing}"
    assert not repeated, f"escalation alerts delivered twice: {repeated}"
    left = "SELECT count(*) FROM outbox WHERE state NOT IN ('sent', 'folded')"
    assert rig.query(left)[0][0] == 0


def held_pages(rig: Rig, step: str) -> set[tuple[str, str, str]]:
    """(staff id, ticket, channel) of pages held back in their client's page window: they
    reach the person in the window's "N więcej" page, not one by one (core/pages.py)."""
    rows = rig.query(
        "SELECT dedup_key FROM outbox WHERE state IN ('folded', 'coalesced') "
        f"AND dedup_key LIKE 'alert:%:{step}:%'"
    )
    return {(staff, number, channel) for _, number, _, staff, channel in
            (key.split(":") for (key,) in rows)}  # fmt: skip


def receipt_pages(rig: Rig) -> Counter[tuple[str, str]]:
    """Pages the intake itself queued (step `receipt`), per (address or phone, ticket)."""
    rows = rig.query(
        "SELECT recipient, dedup_key FROM outbox WHERE dedup_key LIKE 'alert:%:receipt:%'"
    )
    return Counter((recipient, key.split(":")[1]) for recipient, key in rows)
