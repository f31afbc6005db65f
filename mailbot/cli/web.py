"""`mailbot web` (the staff console), `mailbot staff set-password` and
`mailbot staff ack-link`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mailbot.cli.common import DEFAULT_CONFIG, ConfigOpt, fail, out, read_config, setup_logging
from mailbot.errors import ConfigError, MailbotError


def _console(config_path):
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


def register_web_commands(app: typer.Typer) -> None:
    staff_app = typer.Typer(help="Staff accounts of the web console.", no_args_is_help=True)
    app.add_typer(staff_app, name="staff")

    @app.command()
    def web(
        config: ConfigOpt = DEFAULT_CONFIG,
        listen: Annotated[
            str | None, typer.Option(help="host:port, instead of [web] listen.")
        ] = None,
        verbose: bool = False,
    ) -> None:
        """Serve the staff console (queue, tickets, clients, search, managers' reports)."""
        from mailbot.web.serve import server

        setup_logging(verbose, read_config(config))
        console = _console(config)
        host = port = None
        if listen:
            host, _, port_text = listen.rpartition(":")
            if not host or not port_text.isdigit():
                console.close()
                raise fail(f"--listen must be host:port, got {listen!r}", 2)
            port = int(port_text)
        srv = server(console, host, port)
        where = f"http://{srv.config.host}:{srv.config.port}/"
        out.print(
            f"staff console on {where}"
            + (f" (people open {console.web.base_url}/)" if console.web.base_url else ""),
            highlight=False,
        )
        try:
            srv.run()
        finally:
            console.close()

    @staff_app.command("set-password")
    def set_password(
        staff_id: Annotated[str, typer.Argument(help="The id in rules/staff.toml.")],
        by: Annotated[str, typer.Option(help="Who sets it (for the record).")] = "",
        stdin: Annotated[
            bool, typer.Option("--stdin", help="Read the password from standard input.")
        ] = False,
        config: ConfigOpt = DEFAULT_CONFIG,
    ) -> None:
        """Set (or change) a staff member's console password; ends their open sessions."""
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
        out.print(f"password set for {staff.id}", highlight=False)

    @staff_app.command("ack-link")
    def ack_link(
        number: Annotated[str, typer.Argument(help="Ticket number.")],
        staff_id: Annotated[str, typer.Argument(help="Who acknowledges (staff id).")],
        config: ConfigOpt = DEFAULT_CONFIG,
    ) -> None:
        """Print a one-tap "Przyjmuję" link for a ticket (what an on-call alert carries)."""
        from mailbot.store import repo

        console = _console(config)
        try:
            if console.rules.book.staff_member(staff_id) is None:
                raise fail(f"no staff member {staff_id!r} in rules/staff.toml", 2)
            with console.sessions() as session:
                ticket = repo.ticket_by_number(session, number)
            if ticket is None:
                raise fail(f"no ticket {number}", 1)
            out.print(console.ack_url(ticket.number, staff_id), highlight=False, soft_wrap=True)
        finally:
            console.close()
