"""`mailbot queue`, `tickets …`, `log`, `labels export` as staff type them: readable at 80
columns, grouped help, short numbers, Polish errors with exit codes, Warsaw times."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib

import pytest
from typer.testing import CliRunner

from mailbot.cli.main import app
from tests.services.conftest import at

STAFF = "jan.wisniewski"


@pytest.fixture
def cli(config):
    def run(*args: str, columns: int = 200, staff: str | None = STAFF, input: str | None = None):
        env = {"COLUMNS": str(columns), "MAILBOT_STAFF": staff or ""}
        return CliRunner(env=env).invoke(app, [*args, "--config", str(config.path)], input=input)

    return run


@pytest.fixture
def mailbox(receive):
    """The demo mail, recorded: an emergency, care questions, a package client on hold, an
    unknown sender (an out-of-office reply would join a ticket, not be one: intake's rule).
    Tickets 1-5 in this order."""
    for name, when in [
        ("01-awaria-fk.eml", "2026-11-23 06:43"), ("02-korekta-faktury.eml", "2026-11-23 09:15"),
        ("03-rozdzielenie-lat.eml", "2026-11-23 11:31"),
        ("09-gmail-nieznany.eml", "2026-11-24 21:49"), ("10-pytanie-kadry.eml", "2026-11-25 08:13"),
    ]:  # fmt: skip
        receive(name, at(when))


def test_queue_is_readable_at_80_columns(cli, mailbox):
    result = cli("queue", columns=80)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 80
    rows = [line for line in lines if re.search(r"KJM-\d{4}-\d{6}", line)]
    assert len(rows) == 5 and all("…" in r or len(r) < 80 for r in rows)  # cut, not wrapped
    assert rows[0].split()[1:3] == ["!", "KJM-2026-000001"]  # the emergency first (R-PAK-6)


def test_help_is_grouped():
    text = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["--help"]).output
    panels = ["Codzienna praca", "Zgłoszenia", "Pakiety i rozliczenia", "Obsługa i diagnostyka"]
    assert [text.index(p) for p in panels] == sorted(text.index(p) for p in panels)
    assert text.index("queue") < text.index("Zgłoszenia") < text.index("billing")


def test_unknown_state_is_an_error_not_an_empty_list(cli, mailbox):
    result = cli("tickets", "list", "--state", "otwarte")
    assert result.exit_code == 2 and "nieznany stan 'otwarte'" in result.output
    assert cli("queue", "--state", "closed").exit_code == 2  # closed is no queue state
    assert json.loads(cli("tickets", "list", "--state", "on_hold", "--json").output)[0]["state"]


def test_actions_with_short_numbers_and_the_configured_staff(cli, mailbox, config, sessions):
    assert cli("ack", "1", staff=None).exit_code == 2  # nobody said who
    config.path.write_text(config.path.read_text() + '\n[cli]\nstaff = "tomasz.kaczmarek"\n')
    result = cli("ack", "1", staff=None)
    assert result.exit_code == 0 and "reakcja odnotowana (tomasz.kaczmarek" in result.output
    assert cli("tickets", "note", "2", "Klientka prosi o telefon.").exit_code == 0
    reply = cli("tickets", "reply", "2", "Dzień dobry, korekta jest gotowa.")
    assert reply.exit_code == 0 and "j.wisniewska@budmax.com.pl" in reply.output
    assert cli("tickets", "not-ticket", "4", "spam").exit_code == 0
    assert cli("tickets", "assign", "5", "nikt").exit_code == 2
    merged = cli("tickets", "merge", "5", "2", "--reason", "ta sama sprawa")
    assert merged.exit_code == 1 and "różnych klientów" in merged.output
    closed = cli("tickets", "close", "2", "--note", "Korekta wystawiona.")
    assert closed.exit_code == 0 and "powiadomienie w kolejce" in closed.output
    queue = json.loads(cli("queue", "--json").output)
    assert "KJM-2026-000002" not in [q["number"] for q in queue]
    assert "KJM-2026-000004" not in [q["number"] for q in queue]  # not a ticket
    shown = cli("tickets", "show", "2").output
    assert "notatka [note]" in shown and "Klientka prosi o telefon." in shown
    assert "staff_reply → j.wisniewska@budmax.com.pl" in shown
    assert "None" not in shown and not re.search(r"\d{2}:\d{2}:\d{2}\.\d", shown)
    assert re.search(r"\d{2}\.\d{2}\.2026 \d{2}:\d{2}", shown)  # Warsaw, as people read it


def test_link_override_and_labels_export(cli, mailbox, tmp_path, rules_dir):
    linked = cli("tickets", "link", "4", "piekarnia", "--register")
    assert linked.exit_code == 0 and "adres zarejestrowany" in linked.output
    assert "ewa.lewandowska1984@gmail.com" in (rules_dir / "clients.toml").read_text()
    assert cli("tickets", "override", "5", "--scope", "document_fix").exit_code == 2  # no reason
    done = cli("tickets", "override", "5", "--scope", "document_fix", "--reason", "lista płac")
    assert done.exit_code == 0 and "poprawka klasyfikacji" in done.output
    out = tmp_path / "poprawki.toml"
    assert cli("labels", "export", "--out", str(out)).exit_code == 0
    (entry,) = tomllib.loads(out.read_text())["mail"]
    assert (entry["scope"], entry["why"]) == ("document_fix", "lista płac")


def test_log_previews_asks_above_a_day_and_phone_tickets(cli, mailbox):
    preview = cli("log", "2", "40m", "--preview")
    assert preview.exit_code == 0 and "nic nie jest odliczane" in preview.output  # care
    asked = cli("log", "2", "500h", input="n\n")
    assert asked.exit_code == 1 and "na pewno?" in asked.output
    assert cli("log", "2", "500h", "--yes").exit_code == 0
    assert cli("log", "2", "pół").exit_code == 2
    new = cli("tickets", "new", "bilans", "Zamknięcie roku", "--caller", "K. Mazur",
              "--spent", "25m")  # fmt: skip
    assert new.exit_code == 0 and "zamknięte" in new.output
    assert cli("tickets", "new", "bilans", "x", "--channel", "mobile").exit_code == 2  # R-CHN-1


def test_billing_csv_opens_as_columns_in_polish_excel(cli, mailbox, tmp_path):
    cli("package", "add", "bilans", "--purchased", "2026-11-23")
    out = tmp_path / "b.csv"
    assert cli("billing", "report", "--month", "2026-11", "--csv", str(out)).exit_code == 0
    rows = out.read_bytes().decode("utf-8-sig").splitlines()
    assert rows[1].split(";")[:3] == ["bilans", "Biuro Rachunkowe „Bilans” s.c.", "6281948218"]


def test_read_only_commands_open_the_database_and_nothing_else(config, mailbox):
    code = (
        "import sys\n"
        "from mailbot.cli.main import app\n"
        "for args in (['queue'], ['tickets', 'list'], ['tickets', 'show', '1']):\n"
        f"    try: app([*args, '--config', {str(config.path)!r}])\n"
        "    except SystemExit as e: assert e.code == 0, e.code\n"
        "heavy = ('mailbot.daemon', 'mailbot.intake', 'mailbot.outgoing', 'jinja2', 'alembic',"
        " 'apscheduler', 'imapclient', 'matplotlib', 'mailbot.settings.rules')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_read_only_commands_need_neither_the_orm_nor_the_settings_models(config, mailbox):
    """`mailbot queue`, `tickets list`, `tickets show` as the console script runs them:
    only their own command is built (cli/main.py), three keys of the config are read
    (settings/reading.py) and the queries are SQL Core (bench/cli_startup.py: <= 2x)."""
    code = (
        "import sys\n"
        "from mailbot.cli.main import main\n"
        f"sys.argv = ['mailbot', *sys.argv[1:], '--config', {str(config.path)!r}]\n"
        "try: main()\n"
        "except SystemExit as e: assert e.code in (0, None), e.code\n"
        "heavy = ('sqlalchemy.orm', 'mailbot.store.tables', 'mailbot.settings.config',"
        " 'mailbot.settings.sections', 'mailbot.services.base', 'mailbot.cli.tickets',"
        " 'mailbot.cli.ops')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    for args in (["queue"], ["tickets", "list"], ["tickets", "show", "1"]):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "[]", args


def test_a_command_line_builds_only_its_command_and_help_the_whole_tree():
    from mailbot.cli.main import COMMANDS, build

    def name(command) -> str:  # `web` and `staff …` are named by their functions
        return command.name or command.callback.__name__.replace("_", "-")

    def names(app) -> set[str]:
        top = {name(c) for c in app.registered_commands}
        return top | {f"{g.name} {name(c)}" for g in app.registered_groups
                      for c in g.typer_instance.registered_commands}  # fmt: skip

    everything = names(build([]))
    assert everything == names(build(["--help"])) == names(build(["nosuch"]))
    assert {f"{g} {n}".strip() for g, n, _, _ in COMMANDS if n != "web"} <= everything
    assert names(build(["queue", "--state", "new"])) == {"queue"}
    assert names(build(["tickets", "show", "1"])) == {"tickets show"}
    tickets = {n for n in everything if n.startswith("tickets ")}
    assert names(build(["tickets"])) == names(build(["tickets", "nosuch"])) == tickets
