"""Working the queue: `queue`, `ack`, and `tickets close/assign/reopen`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mailbot.cli.common import DEFAULT_CONFIG, ConfigOpt, build_app, fail, out, parse_at
from mailbot.ops.logs import counts_text

OPEN_STATES = ("new", "on_hold", "needs_identification", "out_of_scope")


def _left(deadline: datetime | None, reacted: bool, now: datetime) -> tuple[str, str]:
    """(time left as text, style) for the R-SLA-1 deadline."""
    if deadline is None:
        return "-", ""
    if reacted:
        return "reacted", "green"
    minutes = int((deadline - now).total_seconds() // 60)
    if minutes < 0:
        return f"BREACHED {-minutes // 60}h{-minutes % 60:02d}m ago", "bold red"
    return f"{minutes // 60}h{minutes % 60:02d}m", "yellow" if minutes <= 30 else ""


def register_queue_commands(app: typer.Typer, tickets_app: typer.Typer) -> None:
    outbox_app = typer.Typer(help="Replies and alerts waiting, sent, failed.", no_args_is_help=True)
    app.add_typer(outbox_app, name="outbox")

    @outbox_app.command("list")
    def outbox_list(
        config: ConfigOpt = DEFAULT_CONFIG,
        state: Annotated[
            list[str] | None,
            typer.Option(
                help="Only these states (pending, sent, failed, uncertain, suppressed, "
                "folded, coalesced)."
            ),
        ] = None,
        limit: int = 100,
    ) -> None:
        """Outgoing mail, newest first; `failed` and `uncertain` need a person."""
        from sqlalchemy import select

        from mailbot.store.tables import OutboxItem, Ticket

        application = build_app(config)
        tz = application.config.tz
        with application.sessions() as session:
            q = (
                select(OutboxItem, Ticket.number)
                .join(Ticket, Ticket.id == OutboxItem.ticket_id)
                .order_by(OutboxItem.id.desc())
                .limit(limit)
            )
            if state:
                q = q.where(OutboxItem.state.in_(state))
            rows = list(session.execute(q))
        application.close()
        table = Table(title=f"Outbox ({len(rows)})")
        for col in (
            "#",
            "Created",
            "Ticket",
            "Kind",
            "To",
            "Template",
            "State",
            "Tries",
            "Problem",
        ):
            table.add_column(col, overflow="fold")
        for item, number in rows:
            style = {"failed": "bold red", "uncertain": "yellow"}.get(item.state)
            table.add_row(
                str(item.id),
                f"{item.created_at.astimezone(tz):%Y-%m-%d %H:%M}",
                number,
                item.kind,
                item.recipient,
                item.template,
                item.state,
                str(item.attempts),
                item.last_error[:80],
                style=style,
            )
        out.print(table)

    @outbox_app.command("send")
    def outbox_send(config: ConfigOpt = DEFAULT_CONFIG) -> None:
        """Deliver what is due now (the daemon does this after every poll)."""
        application = build_app(config)
        try:
            counts = application.deliver()
        finally:
            application.close()
        out.print(
            "outbox: " + counts_text(counts, "nothing due"),
            highlight=False,
        )

    @app.command()
    def queue(
        config: ConfigOpt = DEFAULT_CONFIG,
        as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
    ) -> None:
        """Open tickets in handling order: emergencies, care clients, arrival (R-PAK-6)."""
        from mailbot.store import repo

        application = build_app(config)
        cfg = application.config
        now = application.clock()
        with application.sessions() as session:
            rows = repo.open_queue(session, OPEN_STATES)
        application.close()
        items = []
        for t in rows:
            left, style = _left(t.deadline, t.reacted_at is not None, now)
            age = int((now - t.created_at).total_seconds() // 60)
            items.append({
                "number": t.number, "priority": t.priority, "state": t.state,
                "client": t.client_id, "contract": t.contract, "product": t.product,
                "emergency": t.emergency, "age_minutes": age,
                "deadline": t.deadline.astimezone(cfg.tz).isoformat() if t.deadline else None,
                "time_left": left, "assignee": t.assignee, "subject": t.subject,
                "_style": style,
            })  # fmt: skip
        if as_json:
            print(
                json.dumps(
                    [{k: v for k, v in i.items() if k != "_style"} for i in items],
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        table = Table(title=f"Queue ({len(items)} open)")
        for col in (
            "#",
            "Ticket",
            "State",
            "Client",
            "Contract",
            "Product",
            "Urgency",
            "Age",
            "Deadline",
            "Left",
            "Whose turn",
            "Subject",
        ):
            table.add_column(col, overflow="fold")
        for n, i in enumerate(items, 1):
            deadline = (
                datetime.fromisoformat(i["deadline"]).strftime("%d.%m %H:%M")
                if i["deadline"]
                else "-"
            )
            table.add_row(
                str(n), i["number"], i["state"], i["client"] or "?", i["contract"] or "-",
                i["product"] or "-", "AWARIA" if i["emergency"] else "",
                f"{i['age_minutes'] // 60}h{i['age_minutes'] % 60:02d}m", deadline,
                i["time_left"], i["assignee"] or "-", (i["subject"] or "")[:50],
                style=i["_style"] or None,
            )  # fmt: skip
        out.print(table)  # rich drops the colours by itself when piped

    @app.command()
    def digest(
        config: ConfigOpt = DEFAULT_CONFIG,
        day: Annotated[
            str | None,
            typer.Option(
                "--date", help="Digest date YYYY-MM-DD (default today; covers the day before)."
            ),
        ] = None,
        to: Annotated[Path | None, typer.Option("--to", help="Write the HTML here.")] = None,
        print_text: Annotated[bool, typer.Option("--print", help="Print the text.")] = False,
    ) -> None:
        """The managers' daily digest: write it, print it, or (default) send it now."""
        from datetime import date as date_type

        from mailbot.core.digest import build_digest
        from mailbot.outgoing.digest_job import gather

        application = build_app(config)
        cfg = application.config
        try:
            when = (
                date_type.fromisoformat(day)
                if day
                else application.clock().astimezone(cfg.tz).date()
            )
        except ValueError:
            application.close()
            raise fail(f"--date must be YYYY-MM-DD, got {day!r}", 2) from None
        try:
            if to is None and not print_text:
                out.print(application.digest_job().run(when, force=True), highlight=False)
                return
            with application.sessions() as session:
                built = build_digest(
                    gather(session, application.rules, when, cfg.tz, application.clock())
                )
            subject, text, html, png = application.render_digest(built)
        finally:
            application.close()
        if print_text:
            out.print(subject, highlight=False, markup=False)
            out.print(text, highlight=False, markup=False)
        if to is not None:
            import base64

            inline = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            to.write_text(html.replace("cid:wykres", inline), encoding="utf-8")
            out.print(f"digest written to {to}", highlight=False)

    @app.command()
    def status(
        config: ConfigOpt = DEFAULT_CONFIG,
        as_json: Annotated[bool, typer.Option("--json", help="JSON for monitoring.")] = False,
        imap: Annotated[
            bool, typer.Option(help="Count mail waiting on the IMAP server (one login).")
        ] = True,
    ) -> None:
        """Health for people and monitors: exit 0 OK, 1 WARNING, 2 CRITICAL."""
        from dataclasses import replace
        from datetime import datetime

        from mailbot.core.oncall import on_duty
        from mailbot.edges.imap import ImapMailbox
        from mailbot.errors import MailbotError
        from mailbot.ops import health

        application = build_app(config)
        cfg = application.config
        now = application.clock()
        try:
            with application.sessions() as session:
                h = health.check(session, cfg.imap.folder, cfg.poll_interval, now)
        except Exception as exc:  # noqa: BLE001 - a monitor must get an answer
            application.close()
            print(f"CRITICAL: database unavailable: {application.scrub(str(exc))}")
            raise typer.Exit(health.CRITICAL) from None
        duty = on_duty(application.rules.oncall, now)
        h.facts["on_call"] = duty.staff_id if duty else None
        if duty is None:
            h.problem(health.WARNING, "nobody is on call now (rules/oncall.toml)")
        h.facts["active_instance"] = application.lease_holder()
        if imap:
            try:
                settings = replace(application.imap_settings(), timeout=10)
                h.facts["waiting_on_server"] = health.waiting_on_server(
                    ImapMailbox(settings), cfg.imap.folder, h.facts.get("last_uid") or 0
                )
            except MailbotError as exc:
                h.facts["waiting_on_server"] = None
                h.problem(health.WARNING, f"cannot count mail waiting on the server: {exc}")
        last = h.facts.get("last_poll")
        h.facts["next_runs"] = health.next_runs(
            cfg.tz, cfg.poll_interval, cfg.digest_time if cfg.digest_enabled else None,
            datetime.fromisoformat(last) if last else None, now,
        )  # fmt: skip
        application.close()
        h.facts["level"] = health.LEVELS[h.level]
        if as_json:
            print(json.dumps({**h.facts, "problems": h.problems}, indent=2))
        else:
            out.print(f"mailbot {health.LEVELS[h.level]}", highlight=False)
            for key, value in h.facts.items():
                if key != "level":
                    out.print(f"  {key.replace('_', ' ')}: {value}", highlight=False)
            for problem in h.problems:
                out.print(f"  {problem}", highlight=False)
        raise typer.Exit(h.level)

    @app.command()
    def ack(
        number: str,
        by: Annotated[str, typer.Option(help="Staff id of who reacted.")],
        at: Annotated[str | None, typer.Option(help="When (default: now).")] = None,
        config: ConfigOpt = DEFAULT_CONFIG,
    ) -> None:
        """Record the first reaction to a ticket: stops its R-SLA-1 clock."""
        from mailbot.store import repo

        application = build_app(config)
        if application.rules.book.staff_member(by) is None:
            application.close()
            raise fail(f"no staff member {by!r} in rules/staff.toml", 2)
        when = parse_at(at, application.config) if at else application.clock()
        try:
            with application.sessions.begin() as session:
                ticket = repo.ticket_by_number(session, number)
                if ticket is None:
                    raise fail(f"no ticket {number}", 1)
                if ticket.reacted_at is not None:
                    seen = ticket.reacted_at.astimezone(application.config.tz)
                    out.print(
                        f"{ticket.number}: already reacted to by {ticket.reacted_by} "
                        f"at {seen:%Y-%m-%d %H:%M}",
                        highlight=False,
                    )
                    return
                ticket.reacted_at, ticket.reacted_by = when, by
                repo.add_event(
                    session,
                    ticket,
                    "acknowledged",
                    application.clock(),
                    f"reaction recorded by {by} at {when.isoformat()}",
                )
        finally:
            application.close()
        out.print(f"{number}: reaction by {by} recorded", highlight=False)

    def _change(number: str, config, change, what: str) -> None:
        from mailbot.store import repo

        application = build_app(config)
        try:
            with application.sessions.begin() as session:
                ticket = repo.ticket_by_number(session, number)
                if ticket is None:
                    raise fail(f"no ticket {number}", 1)
                detail = change(ticket, application)
                ticket.updated_at = application.clock()
                repo.add_event(session, ticket, what, application.clock(), detail)
        finally:
            application.close()
        out.print(f"{number}: {what} ({detail})", highlight=False)

    @tickets_app.command("close")
    def close(number: str, note: str = "", config: ConfigOpt = DEFAULT_CONFIG) -> None:
        """Close a ticket (a later message from the client reopens it)."""

        def change(t, application):
            if t.state == "closed":
                raise fail(f"{t.number} is already closed", 1)
            t.state, t.closed_at = "closed", application.clock()
            return note or "closed"

        _change(number, config, change, "closed")

    @tickets_app.command("reopen")
    def reopen(number: str, config: ConfigOpt = DEFAULT_CONFIG) -> None:
        """Reopen a closed ticket."""

        def change(t, application):
            if t.state != "closed":
                raise fail(f"{t.number} is not closed (state {t.state})", 1)
            t.state, t.closed_at = "new", None
            return "reopened by staff"

        _change(number, config, change, "reopened")

    @tickets_app.command("assign")
    def assign(number: str, staff: str, config: ConfigOpt = DEFAULT_CONFIG) -> None:
        """Say whose turn a ticket is."""

        def change(t, application):
            if application.rules.book.staff_member(staff) is None:
                raise fail(f"no staff member {staff!r} in rules/staff.toml", 2)
            t.assignee = staff
            return f"assigned to {staff}"

        _change(number, config, change, "assigned")
