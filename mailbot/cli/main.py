"""Staff and operator commands (typer). Errors become one clear line and an exit code:
2 for anything the operator must fix (config, schema), 1 for a failed operation."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mailbot.cli.common import (
    DEFAULT_CONFIG,
    ConfigOpt,
    build_app,
    err,
    fail,
    local_time,
    out,
    parse_at,
    read_config,
    setup_logging,
)
from mailbot.cli.ledger import register_ledger_commands
from mailbot.cli.queue import register_queue_commands
from mailbot.errors import ConfigError, MailbotError, SchemaError
from mailbot.ops.logs import counts_text

app = typer.Typer(
    help="mailbot: ticket intake for pomoc@kjmssoft.pl.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tickets_app = typer.Typer(help="Look at tickets.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Messages that could not be recorded.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tickets_app, name="tickets")
app.add_typer(quarantine_app, name="quarantine")
rules_app = typer.Typer(
    help="The rules the support team edits (rules/*.toml).", no_args_is_help=True
)
clients_app = typer.Typer(help="Clients in the database.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(clients_app, name="clients")
register_ledger_commands(app)
register_queue_commands(app, tickets_app)


LogJsonOpt = Annotated[
    bool, typer.Option("--log-json", help="One JSON object per log line (general.log_format).")
]


@app.command()
def run(config: ConfigOpt = DEFAULT_CONFIG, verbose: bool = False, log_json: LogJsonOpt = False
        ) -> None:  # fmt: skip
    """Run the daemon: poll the mailbox every interval until SIGTERM/SIGINT."""
    from mailbot.jobs import Signals

    signals = Signals.install()  # first: a stop while starting exits 0 too
    setup_logging(verbose, read_config(config), log_json)
    application = build_app(config)
    try:
        code = application.run(signals)
    except (ConfigError, SchemaError) as exc:
        raise fail(str(exc), 2) from None
    raise typer.Exit(code)


@app.command()
def poll(
    config: ConfigOpt = DEFAULT_CONFIG,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    verbose: bool = False,
    log_json: LogJsonOpt = False,
) -> None:
    """One pass (for cron and tests): poll the mailbox, escalate what is due, deliver the
    outbox. `--once` is required. Each step runs even when one before it failed (alerts go
    out when the mailbox is down). Exit code: 0 all done; 1 not run, another instance is
    active; 2 not run, configuration or schema; otherwise the sum of 4 (polling failed),
    8 (escalation failed), 16 (delivery failed), e.g. 20 = polling and delivery."""
    if not once:
        raise fail("use `mailbot poll --once` for one pass, or `mailbot run` for the daemon", 2)
    setup_logging(verbose, read_config(config), log_json)
    application = build_app(config)
    try:
        application.check_schema()
        if not application.lease.acquire():  # a running daemon (or another cron pass) acts
            raise fail(f"another mailbot instance is active ({application.lease_holder()}); "
                       "not polling", 1)  # fmt: skip
        result = application.once()
    except (ConfigError, SchemaError) as exc:
        raise fail(str(exc), 2) from None
    except MailbotError as exc:
        raise fail(str(exc), 1) from None
    finally:
        application.release_lease()
        application.close()
    if result.poll is not None:
        out.print(result.poll.summary(), highlight=False)
    if result.steps:
        out.print("escalation: " + counts_text(result.steps), highlight=False)
    if result.sent:
        out.print("outbox: " + counts_text(result.sent), highlight=False)
    if result.failed:
        raise fail("failed: " + ", ".join(result.failed) + " (see the log above)",
                   result.exit_code)  # fmt: skip


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Apply database migrations (run before starting a new version)."""
    from mailbot.store.db import make_engine, upgrade

    cfg = read_config(config)
    engine = make_engine(cfg.database_url)
    try:
        before, after = upgrade(engine)
    except MailbotError as exc:
        raise fail(str(exc), 1) from None
    finally:
        engine.dispose()
    out.print(f"schema: {before or 'empty'} -> {after}", highlight=False)


@db_app.command("status")
def db_status(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Show the schema revision and whether an upgrade is needed."""
    from mailbot.store.db import current_revision, head_revision, make_engine

    cfg = read_config(config)
    engine = make_engine(cfg.database_url)
    try:
        current, head = current_revision(engine), head_revision()
    finally:
        engine.dispose()
    out.print(
        f"database revision {current or 'empty'}, code needs {head}"
        + ("" if current == head else ": run `mailbot db upgrade`"),
        highlight=False,
    )
    raise typer.Exit(0 if current == head else 1)


@tickets_app.command("list")
def tickets_list(
    config: ConfigOpt = DEFAULT_CONFIG,
    state: Annotated[list[str] | None, typer.Option(help="Only these states (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Created on or after YYYY-MM-DD.")] = None,
    limit: int = 200,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
) -> None:
    """Tickets, newest first."""
    from mailbot.store import repo

    application = build_app(config)
    cfg = application.config
    since_dt = None
    if since:
        try:
            since_dt = datetime.combine(date.fromisoformat(since), time(0), cfg.tz)
        except ValueError:
            raise fail(f"--since must be YYYY-MM-DD, got {since!r}", 2) from None
    with application.sessions() as session:
        rows = repo.list_tickets(session, states=state or (), since=since_dt, limit=limit)
    application.close()
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "number": t.number,
                        "state": t.state,
                        "created_at": t.created_at.astimezone(cfg.tz).isoformat(),
                        "requester": t.requester,
                        "subject": t.subject,
                        "messages": n,
                        "history": t.history,
                    }
                    for t, n in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table(title=f"Tickets ({len(rows)})")
    for col in ("Number", "State", "Created", "From", "Subject", "Msgs"):
        table.add_column(col, overflow="fold")
    for t, n in rows:
        table.add_row(
            t.number,
            t.state + (" (history)" if t.history else ""),
            local_time(t.created_at, cfg),
            t.requester,
            t.subject[:70],
            str(n),
        )
    out.print(table)


@tickets_app.command("show")
def tickets_show(number: str, config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """One ticket: its thread oldest first, and its event log."""
    from mailbot.store import repo

    application = build_app(config)
    cfg = application.config
    with application.sessions() as session:
        ticket = repo.load_ticket(session, number)
        if ticket is None:
            application.close()
            raise fail(f"no ticket {number}", 1)
        out.rule(f"{ticket.number} · {ticket.state} · {ticket.subject}")
        out.print(
            f"Requester: {ticket.requester_name} <{ticket.requester}>   "
            f"created {local_time(ticket.created_at, cfg)}"
            + ("   [history: no reply/alert]" if ticket.history else ""),
            highlight=False,
        )
        for m in ticket.messages:
            out.rule(
                f"{local_time(m.received_at, cfg)}  {m.sender_name} <{m.sender_address}>"
                + ("  (THIRD PARTY: not the requester; changed nothing)" if m.third_party else ""),
                style="dim",
            )
            out.print(
                f"Subject: {m.subject}   Message-ID: {m.message_key}", highlight=False, markup=False
            )
            if m.oversized:
                out.print(
                    f"(oversized: {m.server_size} bytes on the server; "
                    "recorded from its headers and first part)"
                )
            out.print(m.body_text.strip() or "(no text)", markup=False, highlight=False)
            for a in m.attachments:
                out.print(f"  📎 {a.filename} ({a.content_type}, {a.size} B)", markup=False)
        out.rule("Events", style="dim")
        for e in ticket.events:
            out.print(
                f"{local_time(e.at, cfg)}  {e.kind}: {e.detail}", markup=False, highlight=False
            )
    application.close()


@quarantine_app.command("list")
def quarantine_list(
    config: ConfigOpt = DEFAULT_CONFIG,
    all_: Annotated[bool, typer.Option("--all", help="Include resolved entries.")] = False,
) -> None:
    """Messages set aside with the reason; raw bytes are kept for a retry."""
    from mailbot.store import repo

    application = build_app(config)
    cfg = application.config
    with application.sessions() as session:
        entries = repo.list_quarantine(session, include_resolved=all_)
    application.close()
    table = Table(title=f"Quarantine ({len(entries)})")
    for col in ("ID", "When", "Folder/UID", "Size", "Reason", "Resolved"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(
            str(e.id),
            local_time(e.created_at, cfg),
            f"{e.folder}/{e.uid}",
            str(e.raw_size),
            e.reason[:120],
            e.resolution or "",
        )
    out.print(table)


@quarantine_app.command("retry")
def quarantine_retry(entry_id: int, config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Parse a quarantined message again from its kept raw bytes and record it."""
    application = build_app(config)
    try:
        outcome = application.intake.retry_quarantined(entry_id, application.clock())
    except KeyError:
        raise fail(f"no quarantine entry {entry_id}", 1) from None
    finally:
        application.close()
    if outcome.action == "quarantined":
        raise fail(f"still cannot record it: {outcome.detail}", 1)
    out.print(f"quarantine #{entry_id}: {outcome.action} {outcome.ticket}", highlight=False)


@app.command()
def raw(
    key: Annotated[
        str,
        typer.Argument(
            help="A Message-ID (as `tickets show` prints it), a sha256, or q<ID> for a "
            "quarantine entry."
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file, not stdout.")
    ] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """A kept message exactly as it came from the server (the raw store packs many
    messages per file, so this is how to get one out, e.g. for `mailbot explain`)."""
    from mailbot.store import repo
    from mailbot.store.tables import QuarantineEntry

    application = build_app(config)
    try:
        with application.sessions() as session:
            if key[:1].lower() == "q" and key[1:].isdigit():
                entry = session.get(QuarantineEntry, int(key[1:]))
                sha = entry.raw_sha256 if entry else None
            elif len(key) == 64 and all(c in "0123456789abcdef" for c in key.lower()):
                sha = key.lower()
            else:
                message = repo.message_by_key(session, key if key.startswith("<") else f"<{key}>")
                sha = message.raw_sha256 if message else None
        if sha is None:
            raise fail(f"no message {key} (a Message-ID, a sha256 or q<quarantine ID>)", 1)
        data = application.raw_store.get(sha)
    except FileNotFoundError:
        root = application.raw_store.root
        raise fail(f"the raw bytes of {key} are missing from {root}", 1) from None
    finally:
        application.close()
    if output is None:
        typer.get_binary_stream("stdout").write(data)
    else:
        output.write_bytes(data)
        err.print(f"{len(data)} bytes written to {output}", highlight=False)


@app.command()
def explain(
    message: Annotated[Path, typer.Argument(help="A raw message (.eml) to decide on.")],
    config: ConfigOpt = DEFAULT_CONFIG,
    at: Annotated[
        str | None,
        typer.Option(
            help="Receipt time, e.g. 2026-11-28T21:30 (Europe/Warsaw unless an offset is "
            "given). Default: the message's Date header, else now."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The EXPLAIN.md document.")] = False,
) -> None:
    """Run the whole intake decision for one message without recording or sending."""
    from mailbot.core.threads import match_thread, ticket_number_in_subject
    from mailbot.errors import ParseError
    from mailbot.intake.parse import parse_message
    from mailbot.store import repo

    application = build_app(config)
    cfg = application.config
    try:
        try:
            mail = parse_message(message.read_bytes())
        except OSError as exc:
            raise fail(f"cannot read {message}: {exc.strerror}", 2) from None
        except ParseError as exc:
            raise fail(
                f"{message} is not usable mail (it would be quarantined): {exc}", 1
            ) from None
        when = parse_at(at, cfg) if at else (mail.date or application.clock())
        application.check_schema()
        with application.sessions() as session:
            refs = [r for r in (mail.in_reply_to, *mail.references) if r]
            thread = match_thread(
                mail.subject,
                mail.in_reply_to,
                mail.references,
                known_tickets=repo.existing_ticket_numbers(
                    session, [ticket_number_in_subject(mail.subject) or ""]
                ),
                ticket_by_message_id=repo.tickets_by_message_keys(session, refs),
            )
            owner = repo.ticket_owner(session, thread.ticket)
            decided = application.decider(session, mail, when, thread, owner=owner)
    except SchemaError as exc:
        raise fail(str(exc), 2) from None
    finally:
        application.close()
    if as_json:
        print(json.dumps(decided.document, ensure_ascii=False, indent=2))
        return
    _print_explanation(decided.document)


def _print_explanation(doc: dict) -> None:
    m = doc["message"]
    client = doc["client"]
    rows = [
        ("Message", f"{m['subject']!r} from {m['from']['address']} ({m['message_id']})"),
        ("Received", doc["received_at"]),
        ("Machine-sent", m["automatic"] or "no"),
        (
            "Client",
            f"{client['name']} ({client['id']}), {client['contract']}"
            + (f", add-ons: {', '.join(client['addons'])}" if client["addons"] else "")
            if client
            else "none (unknown sender)",
        ),
        ("From (raw)", m.get("from_raw") or "-"),
        ("Trust", doc["trust"] + (f" ({m['sender_doubt']})" if m.get("sender_doubt") else "")),
        ("Product / scope", f"{doc['product']} / {doc['scope']}"),
        (
            "Emergency",
            f"{'YES' if doc['emergency'] else 'no'} (score {doc['urgency']['score']}"
            + (f": {', '.join(doc['urgency']['reasons'])}" if doc["urgency"]["reasons"] else "")
            + ")",
        ),
        ("Covered hours", "yes" if doc["covered"] else "no"),
        ("State / priority", f"{doc['state']} / {doc['priority']}"),
        ("Deadline", doc["deadline"] or "none (no guarantee applies)"),
        ("Reply", doc["reply"] or "none"),
        (
            "Alerts",
            "; ".join(
                f"{a['role']} {a['to'] or '(nobody on the rota)'} via {'+'.join(a['channels'])}"
                for a in doc["alerts"]
            )
            or "none",
        ),
        ("Billing", doc["billing"]),
        (
            "Package",
            "n/a"
            if doc["package"] is None
            else f"{doc['package']['hours_left']} h left, valid until "
            f"{doc['package']['valid_until']}, "
            f"{'valid' if doc['package']['valid'] else 'NOT valid'}",
        ),
        (
            "Thread",
            f"{doc['thread']['ticket'] or 'new ticket'}: {doc['thread']['reason']}"
            + (" [THIRD PARTY]" if doc["thread"].get("third_party") else ""),
        ),
        ("Rules", ", ".join(doc["rules"])),
    ]
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, str(value))
    out.print(table)
    for reason in doc["reasons"]:
        out.print(f"  · {reason}", markup=False, highlight=False)


@rules_app.command("check")
def rules_check(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Validate rules/ (staff, clients, classification) and print a summary."""
    from mailbot.outgoing.digest_mail import check_digest_templates
    from mailbot.outgoing.render import TemplateSet, check_all
    from mailbot.settings.oncall import check_no_gaps
    from mailbot.settings.rules import load_rules

    cfg = read_config(config)
    try:
        rules = load_rules(cfg.rules_dir)
        check_no_gaps(rules.oncall, datetime.now(cfg.tz))  # no gaps in the rota
        templates = TemplateSet.load(cfg.templates_dir)
        problems = check_all(templates) + check_digest_templates(templates)
    except ConfigError as exc:
        raise fail(f"rules error: {exc}", 2) from None
    if problems:
        for problem in problems:
            err.print(f"template problem: {problem}", markup=False, highlight=False)
        raise fail(f"{len(problems)} template problem(s) in {cfg.templates_dir}", 2)
    today = datetime.now(cfg.tz).date()
    out.print(
        f"rules in {cfg.rules_dir}: OK; templates in {cfg.templates_dir}: OK", highlight=False
    )
    for line in rules.summary(today):
        out.print(f"  {line}", highlight=False)


@app.command()
def oncall(
    config: ConfigOpt = DEFAULT_CONFIG,
    at: Annotated[
        str | None, typer.Option(help="When, e.g. 2026-12-24T20:00 (Europe/Warsaw). Default: now.")
    ] = None,
) -> None:
    """Who is on duty (rules/oncall.toml), until when, and the escalation chain."""
    from mailbot.core.oncall import escalation_chain, on_duty
    from mailbot.settings.rules import load_rules

    cfg = read_config(config)
    try:
        rules = load_rules(cfg.rules_dir)
    except ConfigError as exc:
        raise fail(f"rules error: {exc}", 2) from None
    when = parse_at(at, cfg) if at else datetime.now(cfg.tz)
    duty = on_duty(rules.oncall, when)
    if duty is None:
        raise fail(f"nobody is on duty at {when:%Y-%m-%d %H:%M}: fix rules/oncall.toml", 1)

    def who(staff_id: str) -> str:
        s = rules.book.staff_member(staff_id)
        return f"{s.name} ({staff_id}, {s.phone or 'no phone'})" if s else staff_id

    out.print(
        f"On duty at {when.astimezone(cfg.tz):%Y-%m-%d %H:%M}: {who(duty.staff_id)}, "
        f"until {duty.until.astimezone(cfg.tz):%Y-%m-%d %H:%M}"
        + (f" — {duty.reason}" if duty.reason else ""),
        highlight=False,
    )
    chain = escalation_chain(rules.oncall, when, None)
    out.print(
        "Escalation: " + " → ".join(f"{role}: {who(sid)}" for role, sid in chain), highlight=False
    )


@app.command()
def doctor(
    config: ConfigOpt = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds for each network step.")] = 10.0,
) -> None:
    """Check the config, then each connection (database, IMAP, SMTP, SMS) on its own:
    what failed and how to fix it. Exit 0 all OK, 1 warnings, 2 a failure."""
    from mailbot.ops.doctor.checks import exit_code, print_checks, run_checks, to_json

    checks = run_checks(read_config(config), timeout=timeout)
    if as_json:
        print(to_json(checks))
    else:
        print_checks(checks, out)
    raise typer.Exit(exit_code(checks))


@clients_app.command("import")
def clients_import(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Load (sync) rules/clients.toml into the database so tickets reference clients."""
    from mailbot.settings.rules import load_rules
    from mailbot.store import repo

    application = build_app(config)
    try:
        rules = load_rules(application.config.rules_dir)
        with application.sessions.begin() as session:
            counts = repo.sync_clients(session, rules.book.clients, application.clock())
    except ConfigError as exc:
        raise fail(f"rules error: {exc}", 2) from None
    finally:
        application.close()
    out.print("clients: " + counts_text(counts), highlight=False)


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its database.")] = Path(
        "demo-data"
    ),
    keep_running: Annotated[
        bool,
        typer.Option(
            help="After the first pass, keep the daemon and the demo IMAP server running."
        ),
    ] = False,
) -> None:
    """Run mailbot on an embedded default: SQLite, a demo IMAP mailbox with Polish mail."""
    from mailbot.demo.run import run_demo

    setup_logging()
    raise typer.Exit(run_demo(data_dir, keep_running=keep_running, console=out))


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()


if __name__ == "__main__":
    main()
