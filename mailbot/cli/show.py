"""Read-only commands: the queue, tickets, one ticket's whole story, a client, the outbox.
Each opens the database and nothing else (services.queries; the imports stay inside the
commands). The queue, the tickets and the outbox read three keys of the config and query
with SQL Core (`looking`): no pydantic models, no ORM, so they answer about as fast as
SQLAlchemy and rich themselves start (bench/cli_startup.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from mailbot.cli.common import (
    DEFAULT_CONFIG,
    ConfigOpt,
    day_start,
    fail,
    local_time,
    looking,
    now,
    out,
    reading,
    say,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON dla skryptów.")]
StateOpt = Annotated[
    list[str] | None, typer.Option("--state", help="Tylko te stany (można kilka).")
]
EVENTS = {
    "created": "utworzone", "follow_up": "kolejna wiadomość", "reopened": "otwarte ponownie",
    "third_party": "osoba trzecia", "acknowledged": "reakcja", "reaction": "reakcja",
    "assigned": "przypisane", "closed": "zamknięte", "note": "notatka", "reply": "odpowiedź",
    "not_a_ticket": "nie jest zgłoszeniem", "merged": "połączone", "merged_in": "dołączone",
    "linked": "klient przypisany", "corrected": "poprawka", "opened": "otwarte przez personel",
    "time_logged": "czas pracy", "released": "zwolnione", "escalated": "eskalacja",
    "reply_sent": "odpowiedź wysłana", "alert_email_sent": "alarm wysłany",
}  # fmt: skip


def fixed_table(title: str, columns: list[tuple[str, int]], last: str, reserve: int = 0
                ) -> Table:  # fmt: skip
    """A table that fits the terminal: fixed widths for `columns` (never wrapped), the
    `last` column (a subject) gets what is left, less `reserve` for columns the caller
    adds after it, and is cut with "…"."""
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False)
    for name, width in columns:
        table.add_column(name, no_wrap=True, overflow="ellipsis", min_width=width,
                         max_width=width)  # fmt: skip
    rest = out.width - sum(w for _, w in columns) - 3 * len(columns) - 2 - reserve  # padding
    rest = max(12, rest)
    table.add_column(last, no_wrap=True, overflow="ellipsis", min_width=rest, max_width=rest)
    return table


def _left(minutes: int | None, reacted: bool) -> tuple[str, str]:
    """Time left to the R-SLA-1 deadline, and its colour."""
    if reacted:
        return "reakcja", "green"
    if minutes is None:
        return "-", ""
    if minutes < 0:
        return f"minął {-minutes // 60}h{-minutes % 60:02d}", "bold red"
    return f"{minutes // 60}h{minutes % 60:02d}", "yellow" if minutes <= 30 else ""


def queue(
    config: ConfigOpt = DEFAULT_CONFIG,
    client: Annotated[str | None, typer.Option(help="Tylko ten klient.")] = None,
    state: StateOpt = None,
    assignee: Annotated[str | None, typer.Option(help="Tylko czyje ('-': niczyje).")] = None,
    product: Annotated[str | None, typer.Option(help="Tylko ten produkt.")] = None,
    emergency: Annotated[bool | None, typer.Option("--emergency/--no-emergency",
                                                   help="Tylko awarie / bez awarii.")] = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Otwarte zgłoszenia w kolejności obsługi: awarie, klienci z opieką, kolejność
    wpływu (R-PAK-6), z terminem reakcji i czasem do niego."""
    from mailbot.services import queries

    f = queries.QueueFilter(client, tuple(state or ()), assignee, product, emergency)
    with looking(config) as (cfg, db):
        rows = queries.queue(db, now(), f)
    if as_json:
        print(json.dumps([_queue_json(r, cfg.tz) for r in rows], ensure_ascii=False, indent=2))
        return
    medium, wide = out.width >= 120, out.width >= 180
    # At 80 columns: number, client, time left and the subject; wider, more.
    columns = [("#", 3), ("Zgłoszenie", 17), ("Klient", 10)]
    if medium:
        columns += [("Stan", 14)] + ([("Umowa", 6), ("Produkt", 16), ("Wpłynęło", 11)]
                                     if wide else []) + [("Termin", 11)]  # fmt: skip
    columns += [("Zostało", 10)] + ([("Kto", 18)] if wide else [])
    table = fixed_table(f"Kolejka ({len(rows)})", columns, "Temat")
    for r in rows:
        left, style = _left(r.minutes_left, r.reacted)
        number = ("! " if r.emergency else "") + r.number  # never wrapped
        cells = [str(r.position), number, r.client_id or "?"]
        if medium:
            cells.append(r.state)
        if wide:
            cells += [r.contract or "-", r.product or "-",
                      local_time(r.created_at, cfg.tz, "%d.%m %H:%M")]  # fmt: skip
        if medium:
            cells.append(local_time(r.deadline, cfg.tz, "%d.%m %H:%M"))
        cells.append(left)
        if wide:
            cells.append(r.assignee or "-")
        cells.append(r.subject or "(bez tematu)")
        table.add_row(*cells, style=style or None)
    out.print(table)
    if rows and any(r.emergency for r in rows):
        say("! = awaria")


def _queue_json(r: Any, tz: Any) -> dict[str, Any]:
    return {
        "position": r.position, "number": r.number, "priority": r.priority, "state": r.state,
        "client": r.client_id, "contract": r.contract, "product": r.product,
        "emergency": r.emergency, "channel": r.channel,
        "created_at": r.created_at.astimezone(tz).isoformat(timespec="seconds"),
        "deadline": r.deadline.astimezone(tz).isoformat(timespec="seconds") if r.deadline
        else None, "minutes_left": r.minutes_left, "reacted": r.reacted,
        "time_left": _left(r.minutes_left, r.reacted)[0], "assignee": r.assignee,
        "subject": r.subject,
    }  # fmt: skip


def tickets_list(
    config: ConfigOpt = DEFAULT_CONFIG,
    state: StateOpt = None,
    since: Annotated[str | None, typer.Option(help="Utworzone od dnia RRRR-MM-DD.")] = None,
    limit: int = 200,
    as_json: JsonOpt = False,
) -> None:
    """Zgłoszenia, najnowsze najpierw."""
    from mailbot.services import queries

    with looking(config) as (cfg, db):
        since_dt = day_start(since, cfg)
        rows = queries.tickets(db, states=state or (), since=since_dt, limit=limit)
    if as_json:
        print(json.dumps([{
            "number": t.number, "state": t.state, "channel": t.channel,
            "created_at": t.created_at.astimezone(cfg.tz).isoformat(timespec="seconds"),
            "requester": t.requester, "subject": t.subject, "messages": n, "history": t.history,
        } for t, n in rows], ensure_ascii=False, indent=2))  # fmt: skip
        return
    wide = out.width >= 120
    columns = [("Zgłoszenie", 15), ("Stan", 12), ("Wpłynęło", 16 if wide else 11)]
    columns += [("Od", 28)] if wide else []
    table = fixed_table(f"Zgłoszenia ({len(rows)})", columns, "Temat", reserve=5 + 3)
    table.add_column("Wiad.", justify="right", min_width=5, max_width=5)
    for t, n in rows:
        state_text = t.state + (" (historia)" if t.history else "")
        when = local_time(t.created_at, cfg.tz, "%d.%m.%Y %H:%M" if wide else "%d.%m %H:%M")
        cells = [t.number, state_text, when]
        cells += [t.requester or t.requester_name] if wide else []
        table.add_row(*cells, t.subject, str(n))
    out.print(table)


def tickets_show(
    number: Annotated[str, typer.Argument(help="Numer: KJM-2026-000042, 2026-42 albo 42.")],
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Jedno zgłoszenie: wątek od najstarszej wiadomości, co wysłano, czas pracy,
    dziennik zdarzeń."""
    from mailbot.services import queries

    with looking(config) as (cfg, db):
        v = queries.ticket_view(db, number)
        t, tz = v.ticket, cfg.tz
        out.rule(f"{t.number} · {t.state} · {t.subject}")
        who = f"{t.requester_name} <{t.requester}>" if t.requester else t.requester_name
        say(f"Zgłaszający: {who}   utworzone {local_time(t.created_at, tz)}"
            f"   kanał: {t.channel}   klient: {t.client_id or '?'} ({t.contract or '-'})"
            + ("   [historia: bez odpowiedzi i alarmów]" if t.history else ""))  # fmt: skip
        if t.deadline:
            say(f"Termin reakcji: {local_time(t.deadline, tz)}; reakcja: "
                f"{local_time(t.reacted_at, tz)} {t.reacted_by or ''}")  # fmt: skip
        for m in v.messages:
            out.rule(f"{local_time(m.received_at, tz)}  {m.sender_name} <{m.sender_address}>"
                     + ("  (OSOBA TRZECIA: nie zgłaszający; nic nie zmieniła)" if m.third_party
                        else ""), style="dim")  # fmt: skip
            say(f"Temat: {m.subject}   Message-ID: {m.message_key}")
            if m.oversized:
                say(f"(za duża: {m.server_size} B na serwerze; zapisane nagłówki i pierwsza część)")
            say(m.body_text.strip() or "(bez tekstu)")
            for a in v.attachments.get(m.id, []):
                say(f"  📎 {a.filename} ({a.content_type}, {a.size} B)")
        if v.sent:
            out.rule("Wysłane", style="dim")
            for o in v.sent:
                say(f"{local_time(o.sent_at or o.created_at, tz)}  {o.template} → {o.recipient}"
                    f"  [{o.state}]" + (f"  {o.subject}" if o.subject else ""))  # fmt: skip
        if v.time:
            out.rule("Czas pracy", style="dim")
            for e in v.time:
                charged = v.charged.get(e.id)
                say(f"{local_time(e.at, tz)}  {e.minutes} min  {e.staff}"
                    + (f"  odliczono {charged} h" if charged is not None else "")
                    + ("  do rozliczenia" if e.billable else "")
                    + (f"  {e.note}" if e.note else ""))  # fmt: skip
        out.rule("Zdarzenia", style="dim")
        for e in v.events:
            say(f"{local_time(e.at, tz)}  {EVENTS.get(e.kind, e.kind)} [{e.kind}]: {e.detail}")


def clients_show(
    client: Annotated[str, typer.Argument(help="Identyfikator klienta z rules/clients.toml.")],
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Klient: stan pakietów, odliczenia, otwarte i ostatnie zgłoszenia, adresy nadawców."""
    from mailbot.services import queries

    with reading(config) as (cfg, session):
        page = queries.client_page(session, client, now().astimezone(cfg.tz).date())
        if not (page.balances or page.open_tickets or page.recent_tickets):
            raise fail(f"nic o kliencie {client!r} w bazie", 1)
        say(f"Klient {client}")
        for b in page.balances:
            state = "ważny" if b.valid else "wygasł" if b.expired else "wykorzystany"
            say(
                f"  pakiet #{b.purchase.id} z {b.purchase.purchased:%d.%m.%Y}: "
                f"{b.left} z {b.purchase.hours} h, do {b.purchase.valid_until:%d.%m.%Y} ({state})"
            )
        for title, rows in (("Otwarte", page.open_tickets), ("Ostatnie", page.recent_tickets)):
            say(f"{title}: {len(rows)}")
            for t in rows:
                say(f"  {t.number}  {t.state}  {local_time(t.created_at, cfg.tz)}  {t.subject}")
        if page.senders:
            say("Piszą: " + ", ".join(f"{a} ({n})" for a, n in page.senders))


def outbox_list(
    config: ConfigOpt = DEFAULT_CONFIG,
    state: Annotated[list[str] | None, typer.Option(
        help="Tylko te stany (pending, sent, failed, uncertain, suppressed, folded, "
             "coalesced).")] = None,
    limit: int = 100,
) -> None:  # fmt: skip
    """Poczta wychodząca, najnowsza najpierw; `failed` i `uncertain` wymagają człowieka."""
    from mailbot.services import queries

    with looking(config) as (cfg, db):
        rows = queries.outbox(db, state or (), limit)
    table = Table(title=f"Wychodzące ({len(rows)})", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("#", "Utworzone", "Zgłoszenie", "Rodzaj", "Do", "Szablon", "Stan", "Próby"):
        table.add_column(col, no_wrap=True)
    table.add_column("Problem", overflow="fold")
    for item, number in rows:
        style = {"failed": "bold red", "uncertain": "yellow"}.get(item.state)
        table.add_row(str(item.id), local_time(item.created_at, cfg.tz), number, item.kind,
                      item.recipient, item.template, item.state, str(item.attempts),
                      item.last_error[:80], style=style)  # fmt: skip
    out.print(table)
