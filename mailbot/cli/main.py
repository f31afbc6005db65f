"""The `mailbot` command: every subcommand is a module-level function in show.py (read
the queue and tickets), tickets.py (staff actions), ledger.py (time, packages, billing),
inspect.py (what was recorded and decided), ops.py (running and watching mailbot) or
web.py (the staff console and its accounts); this module only names them and groups
them in --help. Errors become one line and an exit code: 2 for what must be fixed
(input, config, schema), 1 for a failed operation."""

from __future__ import annotations

import typer

from mailbot.cli import inspect, ledger, ops, show, tickets, web
from mailbot.cli.common import BILLING, DAILY, OPERATIONS, TICKETS, env_utf8
from mailbot.cli.init import init

app = typer.Typer(
    help="mailbot: zgłoszenia ze skrzynki pomoc@kjmssoft.pl.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring lines join into paragraphs
)


def _group(name: str, help_text: str, panel: str) -> typer.Typer:
    sub = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(sub, name=name, rich_help_panel=panel)
    return sub


# Daily work: the queue and what staff do most often.
app.command("queue", rich_help_panel=DAILY)(show.queue)
app.command("ack", rich_help_panel=DAILY)(tickets.ack)
app.command("reply", rich_help_panel=DAILY)(tickets.reply)
app.command("note", rich_help_panel=DAILY)(tickets.note)
app.command("log", rich_help_panel=DAILY)(ledger.log_time)
app.command("oncall", rich_help_panel=DAILY)(inspect.oncall)

# Tickets: looking at them and changing them.
tickets_app = _group("tickets", "Zgłoszenia: przegląd i zmiany.", TICKETS)
for name, command in (
    ("list", show.tickets_list), ("show", show.tickets_show), ("assign", tickets.assign),
    ("close", tickets.close), ("reopen", tickets.reopen), ("note", tickets.note),
    ("reply", tickets.reply), ("link", tickets.link), ("override", tickets.override),
    ("not-ticket", tickets.not_ticket), ("merge", tickets.merge), ("new", tickets.new),
):  # fmt: skip
    tickets_app.command(name)(command)
clients_app = _group("clients", "Klienci.", TICKETS)
clients_app.command("show")(show.clients_show)
clients_app.command("import")(inspect.clients_import)
labels_app = _group("labels", "Poprawki klasyfikacji jako zbiór z etykietami.", TICKETS)
labels_app.command("export")(inspect.labels_export)
quarantine_app = _group("quarantine", "Wiadomości, których nie udało się zapisać.", TICKETS)
quarantine_app.command("list")(inspect.quarantine_list)
quarantine_app.command("retry")(inspect.quarantine_retry)
app.command("raw", rich_help_panel=TICKETS)(inspect.raw)
app.command("explain", rich_help_panel=TICKETS)(inspect.explain)

# Packages and billing.
package_app = _group("package", "Pakiety godzin (R-PAK-1..6).", BILLING)
package_app.command("add")(ledger.package_add)
package_app.command("show")(ledger.package_show)
package_app.command("expiring")(ledger.package_expiring)
billing_app = _group("billing", "Rozliczenia.", BILLING)
billing_app.command("report")(ledger.billing_report)
app.command("update-fee", rich_help_panel=BILLING)(ledger.update_fee)

# Operations: running mailbot and watching it.
for name, command in (
    ("run", ops.run), ("poll", ops.poll), ("status", ops.status), ("doctor", ops.doctor),
    ("digest", ops.digest), ("demo", ops.demo), ("init", init), ("web", web.web),
):  # fmt: skip
    app.command(name, rich_help_panel=OPERATIONS)(command)
staff_app = _group("staff", "Konta personelu w konsoli.", OPERATIONS)
staff_app.command("set-password")(web.set_password)
staff_app.command("ack-link")(web.ack_link)
outbox_app = _group("outbox", "Odpowiedzi i alarmy: czekające, wysłane, nieudane.", OPERATIONS)
outbox_app.command("list")(show.outbox_list)
outbox_app.command("send")(ops.outbox_send)
rules_app = _group("rules", "Reguły edytowane przez zespół (rules/*.toml).", OPERATIONS)
rules_app.command("check")(inspect.rules_check)
db_app = _group("db", "Schemat bazy danych.", OPERATIONS)
db_app.command("upgrade")(ops.db_upgrade)
db_app.command("status")(ops.db_status)


def main() -> None:
    env_utf8()
    app()


if __name__ == "__main__":
    main()
