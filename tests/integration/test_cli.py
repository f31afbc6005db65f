"""Staff commands over a recorded mailbox and the demo (README command)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from mailbot.cli.main import app
from mailbot.demo.run import demo_messages
from tests.integration.test_pipeline import mail, prime

pytestmark = pytest.mark.integration


@pytest.fixture
def recorded(make_app, mailbox):
    application = make_app()
    prime(application)
    mailbox.append(
        "INBOX",
        mail("Błąd w raporcie VAT", "Raport VAT pokazuje zły miesiąc.", msgid="<a1@firma.pl>"),
    )
    mailbox.append(
        "INBOX",
        mail(
            "Re: Błąd w raporcie VAT",
            "Dziękuję, już działa.",
            msgid="<a2@firma.pl>",
            in_reply_to="<a1@firma.pl>",
        ),
    )
    mailbox.append("INBOX", b"\x00\x01 binary junk\r\n\r\n")
    application.poll_once()
    return application


def invoke(application, *args):
    return CliRunner(env={"COLUMNS": "200", "MAILBOT_STAFF": "jan.wisniewski"}).invoke(
        app, [*args, "--config", str(application.config.path)]
    )


def test_tickets_list_and_json(recorded):
    result = invoke(recorded, "tickets", "list")
    assert result.exit_code == 0, result.output
    assert "KJM-" in result.output and "Błąd w raporcie VAT" in result.output
    data = json.loads(invoke(recorded, "tickets", "list", "--json").output)
    assert len(data) == 1 and data[0]["messages"] == 2
    assert data[0]["state"] == "needs_identification"  # anna@firma.pl is no client (R-CON-6)
    assert invoke(recorded, "tickets", "list", "--state", "closed", "--json").output.strip() == "[]"
    assert invoke(recorded, "tickets", "list", "--since", "24.11.2026").exit_code == 2


def test_tickets_show_thread_oldest_first(recorded):
    number = json.loads(invoke(recorded, "tickets", "list", "--json").output)[0]["number"]
    result = invoke(recorded, "tickets", "show", number)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Raport VAT pokazuje") < out.index("Dziękuję, już działa")
    assert "created" in out and "follow_up" in out
    assert invoke(recorded, "tickets", "show", "KJM-2026-999999").exit_code == 1


def test_quarantine_list_and_retry(recorded):
    result = invoke(recorded, "quarantine", "list")
    assert result.exit_code == 0 and "Quarantine (1)" in result.output
    retry = invoke(recorded, "quarantine", "retry", "1")
    assert retry.exit_code == 1 and "still cannot record it" in retry.output
    assert invoke(recorded, "quarantine", "retry", "99").exit_code == 1


def test_raw_gives_a_kept_message_back_byte_for_byte(recorded, mailbox, tmp_path):
    kept = mailbox.fetch_raw("Processed")  # what the server holds, as mailbot fetched it
    first = next(r for r in kept.values() if b"<a1@firma.pl>" in r)
    result = CliRunner().invoke(
        app, ["raw", "<a1@firma.pl>", "--config", str(recorded.config.path)]
    )
    assert result.exit_code == 0 and result.stdout_bytes == first
    by_bare_id = invoke(recorded, "raw", "a2@firma.pl", "--out", str(tmp_path / "a2.eml"))
    assert by_bare_id.exit_code == 0 and b"<a2@firma.pl>" in (tmp_path / "a2.eml").read_bytes()
    junk = invoke(recorded, "raw", "q1", "--out", str(tmp_path / "q1.eml"))
    assert junk.exit_code == 0 and b"binary junk" in (tmp_path / "q1.eml").read_bytes()
    sha = hashlib.sha256(first).hexdigest()
    assert invoke(recorded, "raw", sha, "-o", str(tmp_path / "s.eml")).exit_code == 0
    assert (tmp_path / "s.eml").read_bytes() == first
    missing = invoke(recorded, "raw", "<nobody@firma.pl>")
    assert missing.exit_code == 1 and "no message" in missing.output
    assert invoke(recorded, "raw", "0" * 64).exit_code == 1  # a sha256 never stored


def test_db_status(recorded):
    result = invoke(recorded, "db", "status")
    assert result.exit_code == 0 and "code needs" in result.output


def test_demo_runs_real_pipeline(tmp_path):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["demo", "--data-dir", str(tmp_path / "demo")]
    )
    assert result.exit_code == 0, result.output
    n = len(demo_messages())
    assert f"{n} fetched" in result.output
    assert "KJM-" in result.output and "follow_up 1" in result.output
    # the demo data stays browsable afterwards
    config = tmp_path / "demo" / "config.toml"
    listing = CliRunner().invoke(app, ["tickets", "list", "--json", "--config", str(config)])
    # a follow-up, and an out-of-office that joins its client's open ticket, are no tickets
    assert len(json.loads(listing.output)) == n - 2


def test_flag_mode_refused_where_server_drops_keywords(tmp_path, monkeypatch):
    """pymap (the demo server) silently drops keywords: flag mode would re-read forever."""
    from mailbot.daemon import App
    from mailbot.demo.run import PASSWORD_ENV, write_config
    from mailbot.demo.server import start_demo_imap
    from mailbot.errors import ConfigError
    from mailbot.settings.config import load_config
    from mailbot.store.db import upgrade

    with start_demo_imap() as server:
        monkeypatch.setenv(PASSWORD_ENV, server.password)
        path = write_config(tmp_path, server.host, server.port, server.user)
        path.write_text(path.read_text().replace('processed = "move"', 'processed = "flag"'))
        application = App(load_config(path))
        upgrade(application.engine)
        with pytest.raises(ConfigError, match="does not keep the keyword"):
            application.poll_once()
        application.close()


EXPLAIN_KEYS = {
    "message",
    "received_at",
    "client",
    "trust",
    "product",
    "scope",
    "emergency",
    "urgency",
    "covered",
    "state",
    "priority",
    "deadline",
    "reply",
    "alerts",
    "billing",
    "package",
    "thread",
    "rules",
}
DEMO = __import__("pathlib").Path(__file__).resolve().parents[2] / "mailbot" / "demo" / "mail"


def test_explain_json_follows_explain_md(recorded):
    result = invoke(
        recorded, "explain", str(DEMO / "01-awaria-fk.eml"), "--json", "--at", "2026-11-25T21:30"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) >= EXPLAIN_KEYS
    assert set(doc["message"]) >= {
        "message_id",
        "from",
        "subject",
        "date",
        "attachments",
        "automatic",
    }
    assert doc["received_at"] == "2026-11-25T21:30:00+01:00"
    assert doc["client"]["id"] == "piekarnia" and doc["trust"] == "registered"
    assert doc["emergency"] is True and doc["state"] == "new" and doc["priority"] == 1
    assert doc["deadline"] == "2026-11-26T08:30:00+01:00"  # R-SLA-1: night not counted
    assert doc["thread"]["ticket"] is None and doc["thread"]["reason"] == "new ticket"
    assert "from_raw" in doc["message"] and doc["trust_reasons"]  # the parser fills from_raw
    assert "R-SLA-1" in doc["rules"]
    assert {a["role"] for a in doc["alerts"]} == {"oncall", "opiekun"}


def test_explain_sees_existing_thread_and_records_nothing(recorded):
    before = invoke(recorded, "tickets", "list", "--json").output
    raw = mail(
        "Re: Błąd w raporcie VAT", "Nadal źle.", msgid="<a3@firma.pl>", in_reply_to="<a2@firma.pl>"
    )
    path = recorded.config.data_dir / "reply.eml"
    path.write_bytes(raw)
    doc = json.loads(invoke(recorded, "explain", str(path), "--json").output)
    assert doc["thread"]["ticket"] is not None and "In-Reply-To" in doc["thread"]["reason"]
    assert doc["trust"] == "unknown" and doc["reply"] == "unknown_sender"
    assert invoke(recorded, "tickets", "list", "--json").output == before


def test_explain_human_output_and_bad_input(recorded, tmp_path):
    result = invoke(recorded, "explain", str(DEMO / "07-nieobecnosc.eml"))
    assert result.exit_code == 0 and "out-of-office" in result.output
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\x01")
    assert invoke(recorded, "explain", str(junk)).exit_code == 1
    assert invoke(recorded, "explain", str(tmp_path / "missing.eml")).exit_code == 2
    assert (
        invoke(recorded, "explain", str(DEMO / "01-awaria-fk.eml"), "--at", "jutro").exit_code == 2
    )


def test_rules_check_and_clients_import(recorded):
    result = invoke(recorded, "rules", "check")
    assert result.exit_code == 0, result.output
    assert "clients:" in result.output and "staff:" in result.output
    result = invoke(recorded, "clients", "import")
    assert result.exit_code == 0 and "unchanged" in result.output  # synced at start already


def test_oncall_command(recorded):
    result = invoke(recorded, "oncall", "--at", "2026-12-24T20:00")
    assert result.exit_code == 0, result.output
    assert "On duty at 2026-12-24 20:00" in result.output and "Escalation:" in result.output
    assert invoke(recorded, "oncall", "--at", "wczoraj").exit_code == 2


def test_emergency_alert_names_the_person_on_duty(recorded):
    doc = json.loads(
        invoke(
            recorded,
            "explain",
            str(DEMO / "01-awaria-fk.eml"),
            "--json",
            "--at",
            "2026-12-24T20:00",
        ).output
    )
    oncall = [a for a in doc["alerts"] if a["role"] == "oncall"]
    assert oncall and oncall[0]["to"] == "magdalena.wojcik"  # the Wigilia override


def test_rules_check_renders_templates(recorded, tmp_path):
    import shutil

    broken = tmp_path / "templates"
    shutil.copytree(DEMO.parents[2] / "templates", broken)
    (broken / "ack_opieka.txt.j2").write_text("Dzień dobry, {{ brak_takiej_zmiennej }}\n")
    (broken / "digest.txt.j2").write_text("{{ d_literowka }}\n")  # the digest is checked too
    config = recorded.config.path
    text = config.read_text()
    config.write_text(text.replace(str(DEMO.parents[2] / "templates"), str(broken)))
    result = invoke(recorded, "rules", "check")
    assert result.exit_code == 2
    assert "brak_takiej_zmiennej" in result.output and "ack_opieka" in result.output
    assert "digest.txt.j2: uses 'd_literowka'" in result.output


def test_queue_ack_close_assign_reopen(make_app, mailbox):
    """Handling order, the first reaction, and the ticket life cycle."""
    application = make_app()
    prime(application)
    for eml in ("10-pytanie-kadry.eml", "01-awaria-fk.eml"):
        mailbox.append("INBOX", (DEMO / eml).read_bytes())
    application.poll_once()
    queue = json.loads(invoke(application, "queue", "--json").output)
    assert [q["emergency"] for q in queue] == [True, False]  # emergencies first (R-PAK-6)
    urgent, calm = queue[0]["number"], queue[1]["number"]
    assert queue[0]["deadline"] and queue[0]["time_left"] != "-"
    result = invoke(application, "ack", urgent, "--by", "tomasz.kaczmarek")
    assert result.exit_code == 0, result.output
    assert json.loads(invoke(application, "queue", "--json").output)[0]["reacted"]
    again = invoke(application, "ack", urgent.rsplit("-", 1)[1].lstrip("0"))  # a short number
    assert again.exit_code == 0 and "reakcja była już wcześniej (tomasz.kaczmarek" in again.output
    assert invoke(application, "ack", urgent, "--by", "nobody").exit_code == 2
    assert invoke(application, "tickets", "assign", calm, "jan.wisniewski").exit_code == 0
    assert invoke(application, "tickets", "close", calm, "--note", "odpowiedziano").exit_code == 0
    assert [q["number"] for q in json.loads(invoke(application, "queue", "--json").output)] == [
        urgent
    ]
    assert invoke(application, "tickets", "close", calm).exit_code == 1
    assert invoke(application, "tickets", "reopen", calm).exit_code == 0
    shown = invoke(application, "tickets", "show", calm).output
    assert "assigned" in shown and "closed" in shown and "reopened" in shown
    human = invoke(application, "queue")
    assert human.exit_code == 0 and urgent in human.output


def test_staff_reply_through_the_mailbox_is_the_first_reaction(make_app, mailbox):
    application = make_app()
    prime(application)
    mailbox.append("INBOX", (DEMO / "01-awaria-fk.eml").read_bytes())
    application.poll_once()
    (row,) = json.loads(invoke(application, "tickets", "list", "--json").output)
    reply = mail(
        f"Re: [{row['number']}] AWARIA",
        "Dzień dobry, już się łączymy.",
        sender="tomasz.kaczmarek@kjmssoft.pl",
        msgid="<staff1@kjmssoft.pl>",
    )
    mailbox.append("INBOX", reply)
    application.poll_once()
    queue = json.loads(invoke(application, "queue", "--json").output)
    assert queue[0]["reacted"]
    assert (
        "first reaction: tomasz.kaczmarek"
        in invoke(application, "tickets", "show", row["number"]).output
    )


def test_staff_reply_in_the_sent_folder_is_the_first_reaction(make_app, mailbox):
    """Staff answering from Outlook leave the reply in Sent, not the inbox."""
    mailbox.append("Sent", mail("Stara wysłana", sender="tomasz.kaczmarek@kjmssoft.pl"))
    application = make_app(sent_folder="Sent")
    prime(application)  # the first scan starts from now: old sent mail is ignored
    mailbox.append("INBOX", (DEMO / "01-awaria-fk.eml").read_bytes())
    application.poll_once()
    (row,) = json.loads(invoke(application, "tickets", "list", "--json").output)
    mailbox.append(
        "Sent",
        mail(
            f"RE: [{row['number']}] AWARIA",
            "Łączymy się zdalnie.",
            sender="tomasz.kaczmarek@kjmssoft.pl",
            msgid="<s1@kjmssoft.pl>",
        ),
    )
    application.poll_once()
    assert json.loads(invoke(application, "queue", "--json").output)[0]["reacted"]
    assert (
        "replied from the Sent folder"
        in invoke(application, "tickets", "show", row["number"]).output
    )
    assert mailbox.uids("Sent") and len(mailbox.uids("Sent")) == 2  # nothing moved there


def test_status_exit_codes(recorded):
    """`mailbot status`: 0 OK / 1 WARNING / 2 CRITICAL for monitors."""
    result = invoke(recorded, "status", "--json")
    doc = json.loads(result.output)
    assert doc["quarantine"] == 1 and result.exit_code == 1  # the junk message: WARNING
    assert doc["level"] == "WARNING" and doc["last_poll"] and doc["on_call"]
    with recorded.sessions.begin() as s:
        from mailbot.store.tables import FolderState, QuarantineEntry

        s.get(FolderState, "INBOX").last_poll_at = recorded.clock() - timedelta(hours=2)
        for q in s.query(QuarantineEntry):
            q.resolved_at = recorded.clock()
    result = invoke(recorded, "status")
    assert result.exit_code == 2 and "no successful poll" in result.output
    recorded.poll_once()
    assert invoke(recorded, "status").exit_code == 0


def test_status_shows_waiting_mail_next_runs_and_the_lease(recorded, mailbox):
    """Messages waiting on the server, next scheduled jobs, the lease holder."""
    doc = json.loads(invoke(recorded, "status", "--json").output)
    assert doc["waiting_on_server"] == 0
    assert doc["active_instance"] == "nobody"  # poll_once in-process takes no lease
    assert set(doc["next_runs"]) == {"poll", "escalation_check", "digest"}
    assert doc["next_runs"]["digest"].endswith("07:30")
    mailbox.append("INBOX", mail("Nowe", msgid="<w1@firma.pl>"))
    mailbox.append("INBOX", mail("Nowsze", msgid="<w2@firma.pl>"))
    assert json.loads(invoke(recorded, "status", "--json").output)["waiting_on_server"] == 2
    assert recorded.lease.acquire()
    doc = json.loads(invoke(recorded, "status", "--json", "--no-imap").output)
    assert "waiting_on_server" not in doc
    assert doc["active_instance"].startswith(recorded.lease.holder + ", lease until ")
