"""`mailbot web`, `mailbot staff set-password` and `mailbot staff ack-link` (the CLI
over the seeded console database, SQLite)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mailbot.cli.main import app
from mailbot.web.auth import check_password, stored_hash


@pytest.fixture(params=["sqlite"])
def db_url(request, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'mailbot.db'}"


def run(config, *args: str, stdin: str | None = None):
    return CliRunner(env={"COLUMNS": "200"}).invoke(
        app, [*args, "--config", str(config.path)], input=stdin
    )


def test_the_console_commands_are_in_the_operations_panel():
    text = CliRunner(env={"COLUMNS": "120"}).invoke(app, ["--help"]).output
    panel = text[text.index("Obsługa i diagnostyka") :]
    assert "│ web " in panel and "│ staff " in panel
    staff = CliRunner().invoke(app, ["staff", "--help"]).output
    assert "set-password" in staff and "ack-link" in staff


def test_set_password_from_stdin(console):
    c, _ = console
    twice = "nowe-haslo-789\nnowe-haslo-789\n"  # asked, and asked again
    r = run(c.config, "staff", "set-password", "tomasz.kaczmarek", stdin=twice)
    assert r.exit_code == 0 and "password set for tomasz.kaczmarek" in r.output
    with c.sessions() as s:
        assert check_password(stored_hash(s, "tomasz.kaczmarek"), "nowe-haslo-789")
    short = run(c.config, "staff", "set-password", "tomasz.kaczmarek", "--stdin", stdin="krotkie\n")
    assert short.exit_code == 2 and "co najmniej 10 znaków" in short.output
    nobody = run(c.config, "staff", "set-password", "nie.ma", "--stdin", stdin="x" * 12 + "\n")
    assert nobody.exit_code == 2 and "no staff member" in nobody.output


def test_ack_link_prints_a_link_the_console_reads(make_console):
    c, seeded = make_console("https://pomoc.kjmssoft.pl")
    r = run(c.config, "staff", "ack-link", "101", "jan.wisniewski")
    assert r.exit_code == 0, r.output
    url = r.output.strip()
    assert url.startswith(f"https://pomoc.kjmssoft.pl/ack/{seeded.emergency}.")
    assert c.links.read(url.rsplit("/", 1)[1]).ticket == seeded.emergency
    assert run(c.config, "staff", "ack-link", "999", "jan.wisniewski").exit_code == 1
    assert run(c.config, "staff", "ack-link", "101", "nie.ma").exit_code == 2


def test_web_refuses_a_bad_listen_address(console):
    c, _ = console
    r = run(c.config, "web", "--listen", "8080")
    assert r.exit_code == 2 and "host:port" in r.output
