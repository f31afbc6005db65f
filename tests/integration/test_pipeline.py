"""The pipeline end to end: real Dovecot, real SQLite/PostgreSQL, mailbot's own poller."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.intake.prepare import WORKER_NICENESS
from mailbot.store import repo
from mailbot.store.tables import Message, QuarantineEntry, Ticket, TicketEvent

pytestmark = pytest.mark.integration


def mail(
    subject: str,
    body: str = "Dzień dobry, proszę o pomoc.",
    *,
    sender="anna@firma.pl",
    msgid: str | None = None,
    in_reply_to: str | None = None,
    charset="utf-8",
) -> bytes:
    m = EmailMessage()
    m["From"] = f"Anna Kowalska <{sender}>"
    m["To"] = "pomoc@kjmssoft.pl"
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    if msgid:
        m["Message-ID"] = msgid
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    m.set_content(body, charset=charset)
    return bytes(m)


def tickets(app) -> dict[str, Ticket]:
    with app.sessions() as s:
        return {t.number: t for t in s.scalars(select(Ticket))}


def messages(app) -> list[Message]:
    with app.sessions() as s:
        return list(s.scalars(select(Message).order_by(Message.id)))


def events(app, kind: str) -> list[TicketEvent]:
    with app.sessions() as s:
        return list(s.scalars(select(TicketEvent).where(TicketEvent.kind == kind)))


def prime(app) -> None:
    """A first poll on the empty mailbox: later mail is new, not backlog history."""
    report = app.poll_once()
    assert report.fetched == 0


def test_new_follow_up_and_move(make_app, mailbox):
    app = make_app()
    prime(app)
    mailbox.append("INBOX", mail("Faktura się nie księguje", msgid="<m1@firma.pl>"))
    mailbox.append("INBOX", mail("Drukarka", msgid="<m2@firma.pl>"))
    report = app.poll_once()
    assert report.actions == {"created": 2}
    numbers = sorted(tickets(app))
    year = datetime.now(UTC).year
    assert numbers == [f"KJM-{year}-000001", f"KJM-{year}-000002"]
    # follow-ups: by In-Reply-To, and by the number in the subject after prefixes
    mailbox.append("INBOX", mail("Re: Faktura", msgid="<m3@firma.pl>", in_reply_to="<m1@firma.pl>"))
    mailbox.append("INBOX", mail(f"ODP: RE: [{numbers[1]}] Drukarka", msgid="<m4@firma.pl>"))
    report = app.poll_once()
    assert report.actions == {"follow_up": 2}
    by_key = {m.message_key: m for m in messages(app)}
    assert by_key["<m3@firma.pl>"].ticket_id == by_key["<m1@firma.pl>"].ticket_id
    assert by_key["<m4@firma.pl>"].ticket_id == by_key["<m2@firma.pl>"].ticket_id
    assert not any(m.history for m in by_key.values())
    assert mailbox.uids("INBOX") == []
    assert len(mailbox.uids("Processed")) == 4
    # idle poll: nothing fetched
    assert app.poll_once().fetched == 0


def test_backlog_on_first_start_is_history(make_app, mailbox):
    mailbox.append("INBOX", mail("Stara sprawa", msgid="<old@firma.pl>"))
    mailbox.append("INBOX", mail("Starsza sprawa", msgid="<older@firma.pl>"))
    app = make_app()
    report = app.poll_once()
    assert report.fetched == 2 and report.history == 2
    mailbox.append("INBOX", mail("Nowa sprawa", msgid="<new@firma.pl>"))
    report = app.poll_once()
    assert report.history == 0
    flags = {m.message_key: m.history for m in messages(app)}
    assert flags == {"<old@firma.pl>": True, "<older@firma.pl>": True, "<new@firma.pl>": False}
    assert {t.subject: t.history for t in tickets(app).values()}["Nowa sprawa"] is False


def test_history_cutoff_date_treats_recent_backlog_as_new(make_app, mailbox):
    mailbox.append("INBOX", mail("Bardzo stara"), date=datetime(2026, 1, 5, 10, tzinfo=UTC))
    mailbox.append("INBOX", mail("Świeża"), date=datetime.now(UTC))
    app = make_app(intake={"history_cutoff": "2026-06-01"})
    app.poll_once()
    assert {m.subject: m.history for m in messages(app)} == {"Bardzo stara": True, "Świeża": False}


def test_flag_mode_ignores_seen_and_keeps_mail(make_app, mailbox):
    app = make_app(processed="flag")
    prime(app)
    # a person already read it in Outlook: \Seen must not hide it from mailbot
    mailbox.append("INBOX", mail("Przeczytana przez kogoś"), flags=[b"\\Seen"])
    mailbox.append("INBOX", mail("Nieprzeczytana"))
    assert app.poll_once().fetched == 2
    flags = mailbox.fetch_flags("INBOX")
    assert len(flags) == 2
    assert all(b"$MailbotProcessed" in f for f in flags.values())
    assert b"\\Seen" in flags[min(flags)]  # a person read the first one: it stays read
    assert b"\\Seen" not in flags[max(flags)], "BODY.PEEK must not set \\Seen"
    assert app.poll_once().fetched == 0
    assert not mailbox.folder_exists("Processed")


def test_crash_after_commit_before_move_is_finished_without_doubling(make_app, mailbox):
    app = make_app()
    prime(app)
    for i in range(3):
        mailbox.append("INBOX", mail(f"Zgłoszenie {i}", msgid=f"<c{i}@firma.pl>"))

    poller = app.poller()
    real_move = poller.mailbox.move

    def crash(*a, **k):
        raise KeyboardInterrupt("simulated crash between commit and move")

    poller.mailbox.move = crash
    with pytest.raises(KeyboardInterrupt):
        app.poll_once()
    poller.mailbox.move = real_move
    assert len(tickets(app)) == 3
    assert len(mailbox.uids("INBOX")) == 3  # recorded but not moved
    restarted = make_app()
    report = restarted.poll_once()
    assert report.actions == {"duplicate": 3}
    assert len(tickets(restarted)) == 3
    assert mailbox.uids("INBOX") == []
    assert len(mailbox.uids("Processed")) == 3


def test_uidvalidity_change_resyncs_without_doubling(make_app, mailbox):
    app = make_app(processed="flag")
    prime(app)
    raws = [mail(f"Sprawa {i}", msgid=f"<u{i}@firma.pl>") for i in range(3)]
    for raw in raws:
        mailbox.append("INBOX", raw)
    app.poll_once()
    before = mailbox.uidvalidity("INBOX")
    mailbox.reset()  # new UIDVALIDITY, empty mailbox
    assert mailbox.uidvalidity("INBOX") != before
    for raw in raws:  # the same mail restored (e.g. from a backup), plus one new
        mailbox.append("INBOX", raw)
    mailbox.append("INBOX", mail("Nowa po resecie", msgid="<u9@firma.pl>"))
    app2 = make_app(processed="flag")
    report = app2.poll_once()
    assert report.actions == {"duplicate": 3, "created": 1}
    assert len(tickets(app2)) == 4


def test_reopen_closed_ticket(make_app, mailbox):
    app = make_app()
    prime(app)
    mailbox.append("INBOX", mail("Problem z raportem", msgid="<r1@firma.pl>"))
    app.poll_once()
    (number,) = tickets(app)
    with app.sessions.begin() as s:
        repo.ticket_by_number(s, number).state = "closed"
    mailbox.append("INBOX", mail(f"Re: [{number}] Problem z raportem", msgid="<r2@firma.pl>"))
    report = app.poll_once()
    assert report.actions == {"reopened": 1}
    assert tickets(app)[number].state == "new"
    (event,) = events(app, "reopened")
    assert "closed" in event.detail


def test_unparsable_message_is_quarantined_and_poll_goes_on(make_app, mailbox):
    app = make_app()
    prime(app)
    mailbox.append("INBOX", b"\x00\x01\x02 not a mail \xff\xfe\r\n\r\n")
    mailbox.append("INBOX", mail("Po śmieciach", msgid="<ok@firma.pl>"))
    report = app.poll_once()
    assert report.actions == {"quarantined": 1, "created": 1}
    with app.sessions() as s:
        (entry,) = s.scalars(select(QuarantineEntry))
    assert entry.reason
    assert b"not a mail" in app.raw_store.get(entry.raw_sha256)  # Dovecot rewrites NUL
    assert mailbox.uids("INBOX") == []
    outcome = app.intake.retry_quarantined(entry.id, datetime.now(UTC))
    assert outcome.action == "quarantined"


def test_oversized_message_recorded_from_headers_and_first_part(make_app, mailbox):
    app = make_app(max_message_size="64KB")
    prime(app)
    m = EmailMessage()
    m["From"] = "Jan Nowak <jan@firma.pl>"
    m["To"] = "pomoc@kjmssoft.pl"
    m["Subject"] = "Kopia bazy F-K w załączniku"
    m["Message-ID"] = "<big@firma.pl>"
    m.set_content("W załączniku kopia bazy, proszę o naprawę.")
    m.add_attachment(
        b"\x01" * 300_000, maintype="application", subtype="octet-stream", filename="baza.fbk"
    )
    raw = bytes(m)
    mailbox.append("INBOX", raw)
    report = app.poll_once()
    assert report.actions == {"created": 1}
    (msg,) = messages(app)
    assert msg.oversized and msg.server_size >= len(raw)  # the server counts CRLF
    assert msg.raw_size < len(raw)
    assert "kopia bazy" in msg.body_text
    assert msg.subject == "Kopia bazy F-K w załączniku"


def test_tls_connection(make_app, mailbox):
    app = make_app(tls="ssl")
    prime(app)
    mailbox.append("INBOX", mail("Przez TLS"))
    assert app.poll_once().actions == {"created": 1}


def test_stop_event_finishes_message_in_hand(make_app, mailbox):
    app = make_app(batch_size=2)
    prime(app)
    for i in range(5):
        mailbox.append("INBOX", mail(f"S {i}", msgid=f"<s{i}@firma.pl>"))
    store = app.intake._store

    def store_then_stop(*a, **k):
        outcome = store(*a, **k)
        app.stop.set()  # SIGTERM arrives while this message is in hand
        return outcome

    app.intake._store = store_then_stop
    report = app.poll_once()
    assert report.stopped and report.fetched == 1
    assert len(mailbox.uids("INBOX")) == 4 and len(mailbox.uids("Processed")) == 1


def test_fetch_batches_are_bounded_by_bytes(make_app, mailbox):
    """imap.batch_bytes: no batch over it (a bigger message alone), and the next batch is
    fetched ahead only when it fits beside the one being recorded."""
    bound = 256 * 1024
    app = make_app(batch_bytes="256KB")
    prime(app)
    for i, size in enumerate([90_000, 90_000, 90_000, 300_000, 10_000, 10_000]):
        mailbox.append("INBOX", mail(f"Skan {i}", "x" * size, msgid=f"<b{i}@firma.pl>"))
    box = app.poller().mailbox
    fetch, record = box.fetch_messages, app.intake.record_group
    batches: list[list[int]] = []
    recorded = [0]

    def fetch_spy(folder, uidvalidity, uids, max_size, meta=None):
        got = fetch(folder, uidvalidity, uids, max_size, meta)
        batches.append([len(m.raw) for m in got])
        held = sum(map(sum, batches)) - recorded[0]  # fetched and not yet recorded
        assert held <= max(bound, sum(batches[-1])), batches
        return got

    def record_spy(group, *args, **kwargs):
        recorded[0] += sum(len(fetched.raw) for fetched, _prepared, _history in group)
        return record(group, *args, **kwargs)

    box.fetch_messages = fetch_spy
    app.intake.record_group = record_spy
    assert app.poll_once().actions == {"created": 6}
    assert [len(b) for b in batches] == [2, 1, 1, 2]  # 2 x 90 KB fit, a third does not
    assert all(sum(b) <= bound for b in batches if len(b) > 1)


def test_dead_parse_worker_is_replaced(make_app, mailbox):
    import os
    import signal

    app = make_app(intake={"parse_workers": 2})
    prime(app)
    mailbox.append_many("INBOX", [mail(f"A {i}", msgid=f"<w{i}@firma.pl>") for i in range(20)])
    assert app.poll_once().actions == {"created": 20}
    pool = app.pool()
    assert pool is not None
    for pid in list(pool._processes):  # a worker killed by the OOM killer, say
        os.kill(pid, signal.SIGKILL)
    mailbox.append_many("INBOX", [mail(f"B {i}", msgid=f"<v{i}@firma.pl>") for i in range(20)])
    for _ in range(3):  # the batch in flight fails at most once, then a new pool takes over
        try:
            app.poll_once()
        except Exception:  # noqa: BLE001
            continue
    assert len(tickets(app)) == 40
    assert app.pool() is not pool


def test_parse_workers_start_ready_and_import_only_what_they_run(make_app, mailbox):
    """#2: `mailbot run` starts them before the first poll, and the forkserver preloads
    mailbot.intake.prepare, which keeps SQLAlchemy (~1 s of imports per worker) out of them."""
    app = make_app(intake={"parse_workers": 2})
    app.start_workers()
    pool = app.pool()
    assert pool is not None and len(pool._processes) == 2
    probe = "[m in __import__('sys').modules for m in ('sqlalchemy', 'mailbot.intake.prepare')]"
    assert {tuple(pool.submit(eval, probe).result()) for _ in range(4)} == {(False, True)}
    # and they yield the CPU to the daemon's own thread (the serial part of intake)
    niceness = {pool.submit(os.nice, 0).result() for _ in range(4)}
    assert niceness == {min(19, os.nice(0) + WORKER_NICENESS)}, niceness
    mailbox.append_many("INBOX", [mail(f"C {i}", msgid=f"<p{i}@firma.pl>") for i in range(20)])
    assert app.poll_once().actions == {"created": 20}
    assert pool is app.pool() and len(pool._processes) == 2  # the same two did the work


SAMPLES = Path(__file__).resolve().parents[1] / "intake" / "samples"


def test_polish_charsets_through_dovecot(make_app, mailbox):
    """Every golden sample, delivered through Dovecot, is stored with its Polish text
    intact (windows-1250, ISO-8859-2, RFC 2047/2231, folded subjects) or quarantined
    when the golden file says it is not mail."""
    app = make_app()
    prime(app)
    cases = []
    for eml in sorted(SAMPLES.rglob("*.eml")):
        expected = json.loads(eml.with_suffix(".expected.json").read_text(encoding="utf-8"))
        cases.append(expected)
        mailbox.append("INBOX", eml.read_bytes())
    app.poll_once()
    stored = {m.message_key: m for m in messages(app)}
    with app.sessions() as s:
        quarantined = len(list(s.scalars(select(QuarantineEntry))))
    good = [c for c in cases if "error" not in c]
    assert quarantined == len(cases) - len(good)
    for case in good:
        if case.get("message_id", "").endswith("@mailbot.invalid>"):
            continue  # synthetic ids hash the bytes, and Dovecot turns LF into CRLF
        m = stored[case["message_id"]]
        assert m.subject == case["subject"]
        assert m.sender_address == case["from_address"]
        for fragment in case.get("text_contains", []):
            assert fragment in m.body_text
    assert len(stored) == len(good)


DEMO_MAIL = Path(__file__).resolve().parents[2] / "mailbot" / "demo" / "mail"


def test_decision_is_stored_on_the_ticket(make_app, mailbox):
    """The pipeline stores the intake decision; a follow-up keeps it."""
    app = make_app()
    prime(app)
    for eml in sorted(DEMO_MAIL.glob("*.eml")):  # delivered when they were written
        raw = eml.read_bytes()
        sent = parsedate_to_datetime(message_from_bytes(raw)["Date"])
        mailbox.append("INBOX", raw, date=sent)
    app.poll_once()
    with app.sessions() as s:
        by_subject = {t.subject[:20]: t for t in s.scalars(select(Ticket))}
        keys = {m.message_key: m for m in s.scalars(select(Message))}
        thread_sizes = {t.subject[:20]: len(t.messages) for t in by_subject.values()}
    awaria = by_subject["AWARIA – F-K nie uru"]
    assert (awaria.client_id, awaria.trust, awaria.emergency, awaria.priority) == (
        "piekarnia",
        "registered",
        True,
        1,
    )
    assert awaria.deadline is not None and awaria.state == "new"
    doc = json.loads(awaria.decision)
    assert doc["reply"] == "outside_hours_emergency" and "R-SLA-1" in doc["rules"]
    # the Outlook follow-up from an unregistered colleague joins the ticket, which keeps
    # its decision (follow-ups keep the ticket's decision unless urgency rises)
    assert thread_sizes["AWARIA – F-K nie uru"] == 2
    assert by_subject["Prośba o nowe zestaw"].state == "out_of_scope"
    assert by_subject["Pytanie o zasiłek ch"].state == "needs_identification"
    ooo = [m for m in keys.values() if m.automatic]
    assert [m.automatic for m in ooo] == ["out-of-office"]
    assert all(t.reply is None or not t.history for t in by_subject.values())


def test_follow_up_that_reports_an_emergency_escalates(make_app, mailbox):
    app = make_app()
    prime(app)
    first = mail(
        "Pytanie o raport",
        "Jak wydrukować raport VAT?",
        sender="biuro@piekarnia-kowalski.pl",
        msgid="<e1@piekarnia-kowalski.pl>",
    )
    mailbox.append("INBOX", first)
    app.poll_once()
    (ticket,) = tickets(app).values()
    assert not ticket.emergency and ticket.priority == 3
    urgent = mail(
        "Re: Pytanie o raport",
        "Teraz F-K nie działa na żadnym komputerze, nikt nie może pracować.",
        sender="biuro@piekarnia-kowalski.pl",
        msgid="<e2@piekarnia-kowalski.pl>",
        in_reply_to="<e1@piekarnia-kowalski.pl>",
    )
    mailbox.append("INBOX", urgent)
    app.poll_once()
    (ticket,) = tickets(app).values()
    assert ticket.emergency and ticket.priority == 1 and ticket.deadline is not None
    (event,) = events(app, "escalated")
    assert "żadnym komputerze" in event.detail


def test_same_message_twice_in_one_batch_is_recorded_once(make_app, mailbox):
    app = make_app()
    prime(app)
    raw = mail("Dwa razy to samo", msgid="<twice@firma.pl>")
    mailbox.append_many("INBOX", [raw, mail("Inna", msgid="<other@firma.pl>"), raw])
    report = app.poll_once()
    assert report.actions == {"created": 2, "duplicate": 1}
    assert len(messages(app)) == 2 and mailbox.uids("INBOX") == []


def test_another_constraint_failing_is_quarantined_not_taken_for_a_duplicate(
    make_app, mailbox, monkeypatch
):
    """Only a Message-ID really stored by another writer is a duplicate; any other
    IntegrityError (e.g. two outbox rows with one dedup key, a bug found by the fault
    suite) must quarantine the message, never let the poller move it unrecorded."""
    from sqlalchemy import insert

    from mailbot.store.tables import FolderState

    app = make_app()
    prime(app)
    original = app.intake._record_in

    def clashing(session, *args, **kwargs):
        outcome = original(session, *args, **kwargs)
        session.execute(insert(FolderState).values(folder="INBOX", uidvalidity=1, last_uid=0,
                        backlog_until_uid=0, updated_at=datetime.now(UTC)))  # fmt: skip
        return outcome

    monkeypatch.setattr(app.intake, "_record_in", clashing)
    mailbox.append("INBOX", mail("Pilne", msgid="<clash@firma.pl>"))
    report = app.poll_once()
    assert report.actions == {"quarantined": 1}
    with app.sessions() as s:
        [entry] = s.scalars(select(QuarantineEntry)).all()
        assert "cannot store" in entry.reason and "folder_state" in entry.reason
    monkeypatch.setattr(app.intake, "_record_in", original)
    assert app.intake.retry_quarantined(entry.id, datetime.now(UTC)).action == "created"


def test_workers_that_cannot_start_do_not_stop_the_daemon(make_app, mailbox, caplog):
    """`mailbot run` starts them early; if that fails, the first poll tries again."""
    app = make_app(intake={"parse_workers": 2})

    def broken():
        raise OSError("no room for the forkserver's socket")

    app.pool = broken  # this instance only
    app.start_workers()
    assert "parse workers did not start" in caplog.text and app._pool is None
    del app.pool  # the class's method again
    prime(app)
    mailbox.append_many("INBOX", [mail(f"D {i}", msgid=f"<s{i}@firma.pl>") for i in range(20)])
    assert app.poll_once().actions == {"created": 20}
