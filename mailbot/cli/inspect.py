"""Looking into what mailbot recorded and decided: `quarantine`, `raw`, `explain`,
`rules check`, `oncall`, `clients import`, `labels export`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mailbot.cli.common import (
    DEFAULT_CONFIG,
    ConfigOpt,
    build_app,
    day_start,
    err,
    fail,
    local_time,
    out,
    parse_at,
    read_config,
    reading,
    say,
)
from mailbot.errors import ConfigError, SchemaError


def quarantine_list(
    config: ConfigOpt = DEFAULT_CONFIG,
    all_: Annotated[bool, typer.Option("--all", help="Include resolved entries.")] = False,
) -> None:
    """Wiadomości odłożone z powodem; surowe bajty czekają na ponowną próbę."""
    from mailbot.store import repo

    with reading(config) as (cfg, session):
        entries = repo.list_quarantine(session, include_resolved=all_)
    table = Table(title=f"Quarantine ({len(entries)})")
    for col in ("ID", "When", "Folder/UID", "Size", "Reason", "Resolved"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(
            str(e.id),
            local_time(e.created_at, cfg.tz),
            f"{e.folder}/{e.uid}",
            str(e.raw_size),
            e.reason[:120],
            e.resolution or "",
        )
    out.print(table)


def quarantine_retry(entry_id: int, config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Odczytaj odłożoną wiadomość ponownie z zachowanych bajtów i zapisz ją."""
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
    """Zachowana wiadomość bajt w bajt, tak jak przyszła z serwera (np. dla `mailbot
    explain`)."""
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
    """Cała decyzja dla jednej wiadomości, bez zapisywania i wysyłania."""
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


def _local(iso: str) -> str:
    """The document's ISO time (already Warsaw) as people read it."""
    return f"{datetime.fromisoformat(iso):%d.%m.%Y %H:%M}"


def _print_explanation(doc: dict) -> None:
    m = doc["message"]
    client = doc["client"]
    rows = [
        ("Message", f"{m['subject']!r} from {m['from']['address']} ({m['message_id']})"),
        ("Received", _local(doc["received_at"])),
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
        ("Deadline", _local(doc["deadline"]) if doc["deadline"] else "none (no guarantee applies)"),
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
    out.print("How it was decided, check by check:", style="bold", highlight=False)
    for step in doc["trace"]:
        mark = "hit " if step["hit"] else "miss"
        out.print(f"  {mark}  {step['rule']:<12} {step['reason']}", markup=False, highlight=False)


def rules_check(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Sprawdź rules/ (personel, klienci, klasyfikacja, dyżury) i szablony; podsumowanie."""
    from mailbot.outgoing.render import TemplateSet
    from mailbot.outgoing.template_check import all_problems
    from mailbot.settings.oncall import check_no_gaps
    from mailbot.settings.rules import load_rules

    cfg = read_config(config)
    try:
        rules = load_rules(cfg.rules_dir)
        check_no_gaps(rules.oncall, datetime.now(cfg.tz))  # no gaps in the rota
        templates = TemplateSet.load(cfg.templates_dir)
        problems = all_problems(templates)
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


def oncall(
    config: ConfigOpt = DEFAULT_CONFIG,
    at: Annotated[
        str | None, typer.Option(help="When, e.g. 2026-12-24T20:00 (Europe/Warsaw). Default: now.")
    ] = None,
) -> None:
    """Kto ma dyżur (rules/oncall.toml), do kiedy, i łańcuch eskalacji."""
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


def clients_import(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Wczytaj rules/clients.toml do bazy (robi to też każdy start demona)."""
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
    from mailbot.ops.logs import counts_text

    say("clients: " + counts_text(counts))


def labels_export(
    output: Annotated[Path, typer.Option("--out", "-o", help="Plik TOML do zapisania.")],
    since: Annotated[str | None, typer.Option(help="Poprawki od dnia RRRR-MM-DD.")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Poprawki klasyfikacji (`tickets override`) jako poczta z etykietami, w formacie
    tests/data/labelled-dev/*.toml: do przejrzenia i dołączenia do zbioru."""
    from mailbot.services.corrections import export_labels

    with reading(config) as (cfg, session):
        text, count = export_labels(session, since=day_start(since, cfg))
    output.write_text(text, encoding="utf-8")
    say(f"{count} poprawionych wiadomości zapisane w {output}")
