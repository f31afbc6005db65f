"""Package hours, time logging and fees: `log`, `package`, `billing`, `update-fee`."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from mailbot.cli.common import (
    DEFAULT_CONFIG,
    AtOpt,
    ByOpt,
    ConfigOpt,
    acting,
    fail,
    hours,
    local_time,
    now,
    out,
    parse_at,
    read_config,
    reading,
    say,
    staff_id,
)


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} to data RRRR-MM-DD, a nie {value!r}", 2) from None


def log_time(
    number: Annotated[str, typer.Argument(help="Numer: KJM-2026-000042, 2026-42 albo 42.")],
    duration: Annotated[str, typer.Argument(help="Czas pracy: 40m, 1h, 1h30m, 1,5h.")],
    by: ByOpt = None,
    at: AtOpt = None,
    note: str = "",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Bez pytania o długi czas.")] = False,
    preview: Annotated[bool, typer.Option("--preview", help="Tylko pokaż, nie zapisuj.")] = False,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Zapisz czas pracy; klientom z pakietem odlicza godziny: w górę do pół godziny,
    po godzinach awaria podwójnie (R-PAK-2, R-PAK-5). Wynik widać przed zapisem."""
    from mailbot.services import ledger

    with acting(config) as (cfg, desk, s):
        minutes = ledger.minutes_of(duration)
        when = now()
        start = parse_at(at, cfg) if at else when
        p = ledger.preview_time(s, desk, number, minutes, at=start)
        if p.charged_hours is not None:
            say(
                f"{p.number}: {minutes} min → {hours(p.rounded_hours)} h × {p.multiplier} = "
                f"{hours(p.charged_hours)} h z pakietu"
                + (f", ponad pakiet {hours(p.overdraft_hours)} h" if p.overdraft_hours else "")
                + f"; zostanie {hours(p.left_after)} h ({p.reason})"
            )
        else:  # fmt: skip
            say(
                f"{p.number}: {minutes} min, umowa {p.contract}: nic nie jest odliczane"
                + ("; DO ROZLICZENIA (R-BIL-1)" if p.billable else "")
                + f" ({p.reason})"
            )
        if preview:
            raise typer.Exit(0)
        confirmed = yes or not p.long
        if not confirmed:
            confirmed = typer.confirm(f"{minutes // 60} h {minutes % 60} min: na pewno?")
            if not confirmed:
                raise fail("nic nie zapisano", 1)
        ledger.log_time(s, desk, number, minutes, by=staff_id(by, cfg), when=when, at=start,
                        note=note, confirmed=confirmed)  # fmt: skip
    say("zapisane")


def package_add(
    client: Annotated[str, typer.Argument(help="Identyfikator klienta.")],
    purchased: Annotated[str, typer.Option(help="Data zakupu RRRR-MM-DD.")],
    hours: Annotated[str, typer.Option(help="Kupione godziny (R-PAK-1: 3).")] = "3",
    by: ByOpt = None,
    note: str = "",
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Zakup pakietu (ważny 3 miesiące, R-PAK-1); wstrzymane zgłoszenia klienta wracają
    do kolejki, a klient dostaje wiadomość (R-PAK-3)."""
    from mailbot.services import ledger

    day = _date(purchased, "--purchased")
    with acting(config, mail=True) as (cfg, desk, s):
        done = ledger.add_package(s, desk, client, day, hours=ledger.hours_of(hours),
                                  by=staff_id(by, cfg), when=now(), note=note)  # fmt: skip
        row = done.purchase
        say(f"pakiet #{row.id} dla {client}: {row.hours} h, ważny do {row.valid_until:%d.%m.%Y}")
    if done.released:
        say(f"wracają do kolejki: {', '.join(done.released)}")


def package_show(client: Annotated[str, typer.Argument(help="Identyfikator klienta.")],
                 config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """Pakiety: godziny wykorzystane i pozostałe, ważność, każde odliczenie."""
    from mailbot.services import queries

    with reading(config) as (cfg, session):
        page = queries.client_page(session, client, now().astimezone(cfg.tz).date())
    if not page.balances and not page.deductions:
        raise fail(f"brak pakietów klienta {client!r}", 1)
    table = Table(title=f"Pakiety: {client}", box=box.SIMPLE_HEAD)
    for col in ("#", "Kupiony", "Godziny", "Zużyte", "Zostało", "Ważny do", "Stan"):
        table.add_column(col, no_wrap=True)
    for b in page.balances:
        state = ("ważny" if b.valid else "wygasł" if b.expired else "wykorzystany"
                 if b.used_up else "jeszcze nie ważny")  # fmt: skip
        table.add_row(
            str(b.purchase.id),
            f"{b.purchase.purchased:%d.%m.%Y}",
            str(b.purchase.hours),
            str(b.used),
            str(b.left),
            f"{b.purchase.valid_until:%d.%m.%Y}",
            state,
        )
    out.print(table)
    entries = Table(title="Odliczenia", box=box.SIMPLE_HEAD)
    for col in ("Kiedy", "Pakiet", "Min", "Zaokr.", "×", "Odliczono", "Ponad"):
        entries.add_column(col, no_wrap=True)
    entries.add_column("Dlaczego", overflow="fold")
    for d in page.deductions:
        entries.add_row(local_time(d.at, cfg.tz), str(d.package_id or "-"), str(d.minutes),
                        str(d.rounded_hours), str(d.multiplier), str(d.charged_hours),
                        str(d.overdraft_hours), d.reason)  # fmt: skip
    out.print(entries)


def package_expiring(
    within: Annotated[str, typer.Option(help="np. 14d")] = "14d",
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Pakiety, które się kończą: data ważności albo mało godzin."""
    from mailbot.core import ledger
    from mailbot.services import queries
    from mailbot.settings.rules import load_rules

    days = re.fullmatch(r"(\d+)\s*d?", within.strip())
    if not days:
        raise fail(f"--within to liczba dni, np. 14d, a nie {within!r}", 2)
    with reading(config) as (cfg, session):
        today = now().astimezone(cfg.tz).date()
        found = []
        for client in load_rules(cfg.rules_dir).book.clients:
            page = queries.client_page(session, client.id, today, recent=0)
            span = timedelta(days=int(days.group(1)))
            found += [(client.id, b, why) for b, why in ledger.expiring(page.balances, today, span)]
    for client_id, b, why in found:
        say(f"{client_id}: pakiet #{b.purchase.id}, zostało {b.left} h, ważny do "
            f"{b.purchase.valid_until:%d.%m.%Y} ({why})")  # fmt: skip
    if not found:
        say("nic się nie kończy w tym czasie")


def billing_report(
    month: Annotated[str, typer.Option(help="RRRR-MM")],
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Zapisz też CSV (Excel).")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Na klienta: płatna praca po godzinach, godziny z pakietów, pakiety kupione i
    wygasłe z niewykorzystanymi godzinami (R-BIL-1, R-PAK-1..5)."""
    from mailbot.services import ledger
    from mailbot.services.desk import build_desk

    cfg = read_config(config)
    desk = build_desk(cfg)
    with reading(config) as (_, session):
        lines = ledger.billing(session, desk, month)
    table = Table(title=f"Rozliczenie {month}", box=box.SIMPLE_HEAD)
    for h in ledger.BILLING_COLUMNS:
        table.add_column(h, overflow="fold")
    for r in ledger.billing_rows(desk, lines):
        table.add_row(*(str(v).replace(".", ",") if isinstance(v, Decimal) else str(v) for v in r))
    out.print(table if lines else f"nic do rozliczenia w {month}")
    for x in lines:
        for n in x.notes:
            say(f"  {x.client_id}: {n}")
    if csv_file:
        csv_file.write_bytes(ledger.billing_csv(desk, lines))
        say(f"CSV zapisany: {csv_file}")


def update_fee(
    value: Annotated[str, typer.Option(help="Wartość rocznej aktualizacji, zł.")],
    care_from: Annotated[str, typer.Option(help="Pierwszy dzień opieki (1. dzień miesiąca).")],
    year: Annotated[int, typer.Option(help="Rozliczany rok.")],
    care_to: Annotated[str | None, typer.Option(help="Ostatni dzień opieki.")] = None,
) -> None:
    """Opłata za aktualizację za niepełny rok opieki (R-CON-5, R-CON-4)."""
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
        raise fail(str(exc) or f"niepoprawna --value {value!r}", 2) from None
    say(f"opłata za {year}: {str(fee).replace('.', ',')} zł = {amount} / 12 × {months} mies. "
        "bez opieki" + (f": {', '.join(counted)}" if counted else ""))  # fmt: skip
