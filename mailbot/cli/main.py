"""The `mailbot` command: every subcommand is a module-level function in show.py (read
the queue and tickets), tickets.py (staff actions), ledger.py (time, packages, billing),
inspect.py (what was recorded and decided), ops.py (running and watching mailbot) or
web.py (the staff console and its accounts); this module only names them and groups
them in --help. Errors become one line and an exit code: 2 for what must be fixed
(input, config, schema), 1 for a failed operation.

The commands are a table of names, not imported functions: `mailbot queue` imports and
registers only what `queue` needs, so typer builds one command, not fifty (the whole
tree cost a read-only command a sixth of its time). `--help`, an unknown name and
`from mailbot.cli.main import app` get the whole tree.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from mailbot.cli.common import BILLING, DAILY, OPERATIONS, TICKETS, env_utf8

HELP = "mailbot: zgłoszenia ze skrzynki pomoc@kjmssoft.pl."
# Groups: name -> (help, panel).
GROUPS = {
    "tickets": ("Zgłoszenia: przegląd i zmiany.", TICKETS),
    "clients": ("Klienci.", TICKETS),
    "labels": ("Poprawki klasyfikacji jako zbiór z etykietami.", TICKETS),
    "quarantine": ("Wiadomości, których nie udało się zapisać.", TICKETS),
    "package": ("Pakiety godzin (R-PAK-1..6).", BILLING),
    "billing": ("Rozliczenia.", BILLING),
    "staff": ("Konta personelu w konsoli.", OPERATIONS),
    "outbox": ("Odpowiedzi i alarmy: czekające, wysłane, nieudane.", OPERATIONS),
    "rules": ("Reguły edytowane przez zespół (rules/*.toml).", OPERATIONS),
    "db": ("Schemat bazy danych.", OPERATIONS),
}
# (group or "" for a top-level command, name, panel of a top-level command, module:function),
# in the order --help lists them.
COMMANDS = (
    # Daily work: the queue and what staff do most often.
    ("", "queue", DAILY, "show:queue"),
    ("", "ack", DAILY, "tickets:ack"),
    ("", "reply", DAILY, "tickets:reply"),
    ("", "note", DAILY, "tickets:note"),
    ("", "log", DAILY, "ledger:log_time"),
    ("", "oncall", DAILY, "inspect:oncall"),
    # Tickets: looking at them and changing them.
    ("tickets", "list", "", "show:tickets_list"),
    ("tickets", "show", "", "show:tickets_show"),
    ("tickets", "assign", "", "tickets:assign"),
    ("tickets", "close", "", "tickets:close"),
    ("tickets", "reopen", "", "tickets:reopen"),
    ("tickets", "note", "", "tickets:note"),
    ("tickets", "reply", "", "tickets:reply"),
    ("tickets", "link", "", "tickets:link"),
    ("tickets", "override", "", "tickets:override"),
    ("tickets", "not-ticket", "", "tickets:not_ticket"),
    ("tickets", "merge", "", "tickets:merge"),
    ("tickets", "new", "", "tickets:new"),
    ("clients", "show", "", "show:clients_show"),
    ("clients", "import", "", "inspect:clients_import"),
    ("labels", "export", "", "inspect:labels_export"),
    ("quarantine", "list", "", "inspect:quarantine_list"),
    ("quarantine", "retry", "", "inspect:quarantine_retry"),
    ("", "raw", TICKETS, "inspect:raw"),
    ("", "explain", TICKETS, "inspect:explain"),
    # Packages and billing.
    ("package", "add", "", "ledger:package_add"),
    ("package", "show", "", "ledger:package_show"),
    ("package", "expiring", "", "ledger:package_expiring"),
    ("billing", "report", "", "ledger:billing_report"),
    ("", "update-fee", BILLING, "ledger:update_fee"),
    # Operations: running mailbot and watching it.
    ("", "run", OPERATIONS, "ops:run"),
    ("", "poll", OPERATIONS, "ops:poll"),
    ("", "status", OPERATIONS, "ops:status"),
    ("", "doctor", OPERATIONS, "ops:doctor"),
    ("", "digest", OPERATIONS, "ops:digest"),
    ("", "demo", OPERATIONS, "ops:demo"),
    ("", "init", OPERATIONS, "init:init"),
    ("", "web", OPERATIONS, "web:web"),
    ("staff", "set-password", "", "web:set_password"),
    ("staff", "ack-link", "", "web:ack_link"),
    ("outbox", "list", "", "show:outbox_list"),
    ("outbox", "send", "", "ops:outbox_send"),
    ("rules", "check", "", "inspect:rules_check"),
    ("db", "upgrade", "", "ops:db_upgrade"),
    ("db", "status", "", "ops:db_status"),
)
REGISTERS_ITSELF: dict[str, tuple[str, ...]] = {}  # a registration function adds these names


def _function(target: str) -> Any:
    module, name = target.split(":")
    return getattr(importlib.import_module(f"mailbot.cli.{module}"), name)


def build(argv: list[str] | None = None) -> typer.Typer:
    """The command tree; for a command line (`argv`), just the command it names, or the
    one subcommand of a group. A line that names nothing known gets the whole tree (or
    group), so --help lists everything and typer says what is wrong."""
    words = [w for w in (argv or [])[:2] if not w.startswith("-")]
    unit = words[0] if words else None
    known = {group or name for group, name, _, _ in COMMANDS}
    known |= {n for both in REGISTERS_ITSELF.values() for n in both}
    if unit not in known:
        unit = None
    sub = words[1] if unit in GROUPS and len(words) > 1 else None
    if sub not in {name for group, name, _, _ in COMMANDS if group == unit}:
        sub = None
    app = typer.Typer(
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="markdown",  # docstring lines join into paragraphs
    )
    app.callback()(_root)  # a group even with one command registered
    groups: dict[str, typer.Typer] = {}
    for group, name, panel, target in COMMANDS:
        registers = REGISTERS_ITSELF.get(group or name, ())
        if unit is not None and unit not in (group or name, *registers):
            continue
        if sub is not None and name != sub:
            continue
        if registers and not group:
            _function(target)(app)
        elif not group:
            app.command(name, rich_help_panel=panel)(_function(target))
        else:
            if group not in groups:
                help_text, group_panel = GROUPS[group]
                groups[group] = typer.Typer(help=help_text, no_args_is_help=True)
                app.add_typer(groups[group], name=group, rich_help_panel=group_panel)
            groups[group].command(name)(_function(target))
    return app


def _root() -> None:
    """mailbot: zgłoszenia ze skrzynki pomoc@kjmssoft.pl."""


def __getattr__(name: str) -> Any:
    """`app`, the whole tree, built on first use (tests and `from mailbot.cli import
    app`); the console script builds only what it runs (main)."""
    if name == "app":
        globals()["app"] = built = build()
        return built
    raise AttributeError(name)


def main() -> None:
    env_utf8()
    build(sys.argv[1:])()


if __name__ == "__main__":
    main()
