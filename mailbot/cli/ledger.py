"""Package hours, time logging and fees: `package`, `log`, `update-fee`."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mailbot.cli.common import DEFAULT_CONFIG, ConfigOpt, build_app, fail, out, parse_at

_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)


def minutes_of(text: str) -> int:
    """'40m', '1h', '1h30m', '90' (minutes) -> minutes."""
    if text.strip().isdigit():
        return int(text)
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        raise ValueError(text)
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date YYYY-MM-DD, got {value!r}", 2) from None


def _hours(value: str) -> Decimal:
    try:
        hours = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise fail(f"--hours must be a number, got {value!r}", 2) from None
    if hours <= 0 or hours % Decimal("0.5"):
        raise fail("--hours must be a positive multiple of 0.5", 2)
    return hours


def register_ledger_commands(app: typer.Typer) -> None:
    package_app = typer.Typer(help="Prepaid packages of hours (R-PAK-1..6).", no_args_is_help=True)
    app.add_typer(package_app, name="package")

    @package_app.command("add")
    def package_add(
        client: str,
        purchased: Annotated[str, typer.Option(help="Purchase date YYYY-MM-DD.")],
        hours: Annotated[str, typer.Option(help="Hours bought (R-PAK-1: 3).")] = "3",
        by: Annotated[str, typer.Option(help="Who records it.")] = "",
        note: str = "",
        config: ConfigOpt = DEFAULT_CONFIG,
    ) -> None:
        """Record a package purchase; tickets on hold for the client are released."""
        from mailbot.store import ledger as ledger_store

        application = build_app(config)
        when = _date(purchased, "--purchased")
        amount = _hours(hours)
        if application.rules.book.client(client) is None:
            application.close()
            raise fail(f"no client {client!r} in {application.config.rules_dir}", 1)
        now = application.clock()
        try:
            application.sync_clients()
            with application.sessions.begin() as session:
                row = ledger_store.add_purchase(session, client, when, amount, by, now, note)
                state = ledger_store.package_state(
                    session, application.rules.book.client(client), now
                )
                released = (
                    ledger_store.release_on_hold(
                        session,
                        client,
                        now,
                        f"package #{row.id} bought on {when}",
                        tell=application.tell_released,
                    )
                    if state and state.valid
                    else []
                )
        finally:
            application.close()
        out.print(
            f"package #{row.id} for {client}: {amount} h, valid until {row.valid_until:%Y-%m-%d}",
            highlight=False,
        )
        if released:
            out.print(f"released from hold: {', '.join(released)}", highlight=False)

    @package_app.command("show")
    def package_show(client: str, config: ConfigOpt = DEFAULT_CONFIG) -> None:
        """Packages, hours used and left, expiry, and every ledger entry."""
        from mailbot.core import ledger
        from mailbot.store import ledger as ledger_store

        application = build_app(config)
        today = datetime.now(application.config.tz).date()
        with application.sessions() as session:
            bought = ledger_store.purchases(session, client)
            drawn = ledger_store.deductions(session, client)
        application.close()
        if not bought and not drawn:
            raise fail(f"no packages on record for {client!r}", 1)
        table = Table(title=f"Packages of {client} on {today}")
        for col in ("#", "Bought", "Hours", "Used", "Left", "Valid until", "State"):
            table.add_column(col)
        for b in ledger.balance(bought, drawn, today):
            state = (
                "valid"
                if b.valid
                else "expired"
                if b.expired
                else "used up"
                if b.used_up
                else "not yet valid"
            )
            table.add_row(
                str(b.purchase.id),
                str(b.purchase.purchased),
                str(b.purchase.hours),
                str(b.used),
                str(b.left),
                str(b.purchase.valid_until),
                state,
            )
        out.print(table)
        entries = Table(title="Deductions")
        for col in ("When", "Package", "Minutes", "Rounded", "×", "Charged", "Overdraft", "Why"):
            entries.add_column(col, overflow="fold")
        for d in drawn:
            entries.add_row(
                f"{d.at.astimezone(application.config.tz):%Y-%m-%d %H:%M}",
                str(d.package_id or "-"),
                str(d.minutes),
                str(d.rounded_hours),
                str(d.multiplier),
                str(d.charged_hours),
                str(d.overdraft_hours),
                d.reason,
            )
        out.print(entries)

    @package_app.command("expiring")
    def package_expiring(
        within: Annotated[str, typer.Option(help="e.g. 14d")] = "14d",
        config: ConfigOpt = DEFAULT_CONFIG,
    ) -> None:
        """Packages running out, by date or hours left."""
        from mailbot.core import ledger
        from mailbot.store import ledger as ledger_store

        days = re.fullmatch(r"(\d+)\s*d?", within.strip())
        if not days:
            raise fail(f"--within must be a number of days like 14d, got {within!r}", 2)
        application = build_app(config)
        today = datetime.now(application.config.tz).date()
        rows = []
        with application.sessions() as session:
            for client in application.rules.book.clients:
                balances = ledger.balance(
                    ledger_store.purchases(session, client.id),
                    ledger_store.deductions(session, client.id),
                    today,
                )
                rows += [
                    (client.id, b, why)
                    for b, why in ledger.expiring(
                        balances, today, timedelta(days=int(days.group(1)))
                    )
                ]
        application.close()
        for client_id, b, why in rows:
            out.print(
                f"{client_id}: package #{b.purchase.id}, {b.left} h left, valid until "
                f"{b.purchase.valid_until} — {why}",
                highlight=False,
            )
        if not rows:
            out.print("nothing runs out in that time")

    @app.command("log")
    def log_time(
        number: str,
        duration: Annotated[str, typer.Argument(help="Time spent: 40m, 1h, 1h30m.")],
        by: Annotated[str, typer.Option(help="Staff id.")] = "",
        at: Annotated[str | None, typer.Option(help="When the intervention started.")] = None,
        note: str = "",
        config: ConfigOpt = DEFAULT_CONFIG,
    ) -> None:
        """Log time spent on a ticket; package clients' hours are deducted (R-PAK-2/5)."""
        from mailbot.core.contracts import contract_at, local_day
        from mailbot.store import ledger as ledger_store
        from mailbot.store import repo

        try:
            minutes = minutes_of(duration)
        except ValueError:
            raise fail(f"duration must look like 40m, 1h or 1h30m, got {duration!r}", 2) from None
        if minutes <= 0:
            raise fail("duration must be more than 0 minutes", 2)
        application = build_app(config)
        cfg = application.config
        when = parse_at(at, cfg) if at else application.clock()
        staff = by or "unknown"
        if by and application.rules.book.staff_member(by) is None:
            application.close()
            raise fail(f"no staff member {by!r} in rules/staff.toml", 2)
        try:
            with application.sessions.begin() as session:
                ticket = repo.ticket_by_number(session, number)
                if ticket is None:
                    raise fail(f"no ticket {number}", 1)
                client = (
                    application.rules.book.client(ticket.client_id) if ticket.client_id else None
                )
                contract = contract_at(client, local_day(when)) if client else "brak"
                logged = ledger_store.log_time(
                    session,
                    ticket,
                    client,
                    contract,
                    minutes,
                    when,
                    staff,
                    note,
                    application.clock(),
                )
        finally:
            application.close()
        line = f"{number}: {minutes} min logged"
        if logged.plan is not None:
            line += (
                f", {logged.plan.charged_hours} h charged ({logged.plan.reason})"
                + (
                    f", OVERDRAFT {logged.plan.overdraft_hours} h"
                    if logged.plan.overdraft_hours
                    else ""
                )
                + (f"; {logged.left} h left" if logged.left is not None else "")
            )
        elif logged.entry.billable:
            line += f"; billable: {logged.entry.billable_reason}"
        out.print(line, highlight=False)

    billing_app = typer.Typer(help="Billing.", no_args_is_help=True)
    app.add_typer(billing_app, name="billing")

    @billing_app.command("report")
    def billing_report(
        month: Annotated[str, typer.Option(help="YYYY-MM")],
        csv_file: Annotated[Path | None, typer.Option("--csv", help="Also write CSV here.")] = None,
        config: ConfigOpt = DEFAULT_CONFIG,
    ) -> None:
        """Per client: billable after-hours work, package hours used, packages bought
        and expired with hours unused (R-BIL-1, R-PAK-1..5)."""
        from mailbot.store import ledger as ledger_store

        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise fail(f"--month must be YYYY-MM, got {month!r}", 2) from None
        nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        application = build_app(config)
        tz = application.config.tz
        start, end = (datetime.combine(d, time(0), tz) for d in (first, nxt))
        with application.sessions() as session:
            lines = ledger_store.billing_report(
                session,
                [c.id for c in application.rules.book.clients],
                start,
                end,
                first,
                nxt - timedelta(days=1),
            )
        application.close()
        headers = [
            "client",
            "billable interventions",
            "billable minutes",
            "package hours used",
            "overdraft hours",
            "packages bought",
            "hours bought",
            "packages expired",
            "hours expired unused",
        ]
        rows = [
            [
                x.client_id,
                x.billable_interventions,
                x.billable_minutes,
                x.package_hours_used,
                x.overdraft_hours,
                x.packages_bought,
                x.hours_bought,
                x.packages_expired,
                x.hours_expired_unused,
            ]
            for x in lines
        ]
        table = Table(title=f"Billing {month}")
        for h in headers:
            table.add_column(h, overflow="fold")
        for r in rows:
            table.add_row(*map(str, r))
        out.print(table if rows else f"nothing to bill in {month}")
        for x in lines:
            for n in x.notes:
                out.print(f"  {x.client_id}: {n}", highlight=False, markup=False)
        if csv_file:
            with csv_file.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(headers)
                writer.writerows(rows)
            out.print(f"CSV written to {csv_file}", highlight=False)

    @app.command("update-fee")
    def update_fee(
        value: Annotated[str, typer.Option(help="Value of the annual update, PLN.")],
        care_from: Annotated[str, typer.Option(help="First day of care (a 1st).")],
        year: Annotated[int, typer.Option(help="The year billed.")],
        care_to: Annotated[str | None, typer.Option(help="Last day of care.")] = None,
    ) -> None:
        """Pro-rata update fee for a partial year of care (R-CON-5, R-CON-4)."""
        from mailbot.core import ledger

        try:
            amount = Decimal(value.replace(",", "."))
            fee, months, counted = ledger.update_fee(
                amount,
                _date(care_from, "--care-from"),
                _date(care_to, "--care-to") if care_to else None,
                year,
            )
        except (InvalidOperation, ValueError) as exc:
            raise fail(str(exc) or f"bad --value {value!r}", 2) from None
        out.print(
            f"update fee for {year}: {fee} PLN = {amount} / 12 × {months} month(s) "
            f"without care" + (f": {', '.join(counted)}" if counted else ""),
            highlight=False,
        )
