"""The staff console's commands: `mailbot web` (serve it), `mailbot staff set-password`
and `mailbot staff ack-link`. Module-level functions, named and grouped in main.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mailbot.cli.common import DEFAULT_CONFIG, ConfigOpt, fail, out, read_config, say, setup_logging
from mailbot.errors import ConfigError, MailbotError

if TYPE_CHECKING:
    from mailbot.web.console import Console

StaffId = Annotated[str, typer.Argument(help="Identyfikator z rules/staff.toml.")]


def _console(config_path: Path) -> Console:
    """The console's parts from the config, with the schema checked (exit 2 otherwise)."""
    from mailbot.store.db import check_schema
    from mailbot.web.console import Console

    cfg = read_config(config_path)
    try:
        console = Console.from_config(cfg)
    except ConfigError as exc:
        raise fail(f"configuration error: {exc}", 2) from None
    except (OSError, ValueError) as exc:
        raise fail(f"cannot use [web] secret_key_file: {exc}", 2) from None
    try:
        check_schema(console.engine)
    except MailbotError as exc:
        console.close()
        raise fail(str(exc), 2) from None
    return console


def web(
    config: ConfigOpt = DEFAULT_CONFIG,
    listen: Annotated[
        str | None, typer.Option(help="host:port zamiast [web] listen, np. 127.0.0.1:8081.")
    ] = None,
    verbose: bool = False,
) -> None:
    """Konsola personelu w przeglądarce: kolejka, zgłoszenia i działania na nich, klienci,
    wyszukiwanie, raporty kierowników ([web] w konfiguracji)."""
    from mailbot.web.serve import server

    setup_logging(verbose, read_config(config))
    host = port = None
    if listen:
        host, _, port_text = listen.rpartition(":")
        if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise fail(f"--listen must be host:port, got {listen!r}", 2)
        port = int(port_text)
    console = _console(config)
    srv = server(console, host, port)
    where = f"http://{srv.config.host}:{srv.config.port}/"
    say(
        f"staff console on {where}"
        + (f" (people open {console.web.base_url}/)" if console.web.base_url else "")
    )
    try:
        srv.run()
    finally:
        console.close()


def set_password(
    staff_id: StaffId,
    by: Annotated[str, typer.Option(help="Kto ustawia (do dziennika).")] = "",
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Hasło ze standardowego wejścia (skrypty).")
    ] = False,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Ustaw (albo zmień) hasło pracownika do konsoli; kończy jego otwarte sesje."""
    from mailbot.web.auth import password_problem
    from mailbot.web.auth import set_password as store

    console = _console(config)
    try:
        staff = console.rules.book.staff_member(staff_id)
        if staff is None:
            raise fail(f"no staff member {staff_id!r} in rules/staff.toml", 2)
        if stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt(
                "Nowe hasło", hide_input=True, confirmation_prompt="Powtórz hasło"
            )
        problem = password_problem(password)
        if problem:
            raise fail(problem, 2)
        with console.sessions.begin() as session:
            store(session, staff.id, password, by or "cli", console.clock())
    finally:
        console.close()
    say(f"password set for {staff.id}")


def ack_link(
    number: Annotated[str, typer.Argument(help="Numer: KJM-2026-000042, 2026-42 albo 42.")],
    staff_id: StaffId,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Wypisz link „Przyjmuję” do zgłoszenia, taki jak w alarmie dla dyżurnego."""
    from mailbot.services.base import ActionError, find_ticket

    console = _console(config)
    try:
        if console.rules.book.staff_member(staff_id) is None:
            raise fail(f"no staff member {staff_id!r} in rules/staff.toml", 2)
        with console.sessions() as session:
            try:
                ticket = find_ticket(session, number)
            except ActionError as exc:
                raise fail(str(exc), exc.code) from None
            out.print(console.ack_url(ticket.number, staff_id), highlight=False, soft_wrap=True)
    finally:
        console.close()
