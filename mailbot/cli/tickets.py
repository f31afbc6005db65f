"""Staff actions on tickets: each parses its arguments, calls one service in one
transaction and prints what happened. The rules, templates and decider are loaded only
for the actions that need them (services.desk)."""

from __future__ import annotations

from typing import Annotated

import typer

from mailbot.cli.common import (
    DEFAULT_CONFIG,
    AtOpt,
    ByOpt,
    ConfigOpt,
    acting,
    now,
    parse_at,
    say,
    staff_id,
)

Number = Annotated[str, typer.Argument(help="Numer: KJM-2026-000042, 2026-42 albo 42.")]
Reason = Annotated[str, typer.Option("--reason", help="Dlaczego (zapisane w dzienniku).")]


def ack(number: Number, by: ByOpt = None, at: AtOpt = None, config: ConfigOpt = DEFAULT_CONFIG
        ) -> None:  # fmt: skip
    """Pierwsza reakcja na zgłoszenie: zatrzymuje zegar R-SLA-1 i eskalację."""
    from mailbot.services.tickets import ack as service

    with acting(config) as (cfg, desk, s):
        done = service(s, desk, number, by=staff_id(by, cfg), when=now(),
                       reacted_at=parse_at(at, cfg) if at else None)  # fmt: skip
    if done.already:
        say(f"{done.number}: reakcja była już wcześniej ({done.by}, {desk.local(done.at)})")
    else:
        say(f"{done.number}: reakcja odnotowana ({done.by}, {desk.local(done.at)})")


def assign(number: Number, staff: Annotated[str, typer.Argument(help="Komu (staff id).")],
           by: ByOpt = None, config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """Czyja kolej: przypisz zgłoszenie pracownikowi."""
    from mailbot.services.tickets import assign as service

    with acting(config) as (cfg, desk, s):
        t = service(s, desk, number, staff, by=staff_id(by, cfg), when=now())
    say(f"{t.number}: przypisane do {t.assignee}")


def close(number: Number, note: Annotated[str, typer.Option(
              help="Podsumowanie dla klienta (trafia do powiadomienia).")] = "",
          no_notice: Annotated[bool, typer.Option("--no-notice",
              help="Bez powiadomienia klienta.")] = False,
          by: ByOpt = None, config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """Zamknij zgłoszenie; klient dostaje powiadomienie (ticket_closed). Kolejna
    wiadomość klienta otwiera je ponownie."""
    from mailbot.services.tickets import close as service

    with acting(config, mail=not no_notice) as (cfg, desk, s):
        done = service(s, desk, number, by=staff_id(by, cfg), when=now(), note=note,
                       notify=not no_notice)  # fmt: skip
    notice = {None: "bez powiadomienia", "pending": "powiadomienie w kolejce do wysłania"}
    say(f"{done.number}: zamknięte; {notice.get(done.notice, f'powiadomienie: {done.notice}')}")


def reopen(number: Number, reason: Reason = "", by: ByOpt = None,
           config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """Otwórz ponownie zamknięte zgłoszenie (albo oznaczone jako nie-zgłoszenie)."""
    from mailbot.services.tickets import reopen as service

    with acting(config) as (cfg, desk, s):
        t = service(s, desk, number, by=staff_id(by, cfg), when=now(), reason=reason)
    say(f"{t.number}: otwarte ponownie")


def note(number: Number, text: Annotated[str, typer.Argument(help="Treść notatki.")],
         by: ByOpt = None, config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """Notatka wewnętrzna: widzi ją zespół, nigdy klient."""
    from mailbot.services.tickets import add_note

    with acting(config) as (cfg, desk, s):
        t = add_note(s, desk, number, text, by=staff_id(by, cfg), when=now())
    say(f"{t.number}: notatka dodana")


def reply(number: Number, text: Annotated[str, typer.Argument(
              help="Treść odpowiedzi ('-': ze standardowego wejścia).")],
          by: ByOpt = None, config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """Odpowiedz klientowi: w jego wątku, z numerem zgłoszenia w temacie, przez kolejkę
    wychodzącą. Pierwsza odpowiedź jest reakcją (R-SLA-1)."""
    from mailbot.services.mail import reply as service

    body = typer.get_text_stream("stdin").read() if text == "-" else text
    with acting(config, mail=True) as (cfg, desk, s):
        done = service(s, desk, number, body, by=staff_id(by, cfg), when=now())
    say(f"{done.number}: odpowiedź do {done.to} w kolejce ({done.state})"
        + ("; to pierwsza reakcja" if done.first_reaction else ""))  # fmt: skip


def not_ticket(number: Number, kind: Annotated[str, typer.Argument(
                   help="out_of_office (nieobecność), spam albo automatic.")],
               reason: Reason = "", by: ByOpt = None,
               config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """To nie zgłoszenie (autoodpowiedź, spam): znika z kolejki i z raportu dziennego."""
    from mailbot.services.tickets import mark_not_ticket

    with acting(config) as (cfg, desk, s):
        t = mark_not_ticket(s, desk, number, kind, by=staff_id(by, cfg), when=now(),
                            reason=reason)  # fmt: skip
    say(f"{t.number}: oznaczone jako nie-zgłoszenie ({kind})")


def merge(source: Annotated[str, typer.Argument(help="Zgłoszenie dołączane.")],
          target: Annotated[str, typer.Argument(help="Zgłoszenie, które zostaje.")],
          reason: Reason = "", by: ByOpt = None,
          config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """Połącz dwa zgłoszenia: wiadomości pierwszego przechodzą do drugiego."""
    from mailbot.services.tickets import merge as service

    with acting(config) as (cfg, desk, s):
        kept = service(s, desk, source, target, by=staff_id(by, cfg), when=now(), reason=reason)
    say(f"połączone: zostaje {kept.number}")


def override(
    number: Number,
    reason: Reason,
    emergency: Annotated[bool | None, typer.Option("--emergency/--no-emergency",
                                                   help="Awaria albo nie.")] = None,
    scope: Annotated[str | None, typer.Option(help="Zakres, np. database_repair.")] = None,
    product: Annotated[str | None, typer.Option(help="Produkt, np. F-K.")] = None,
    priority: Annotated[int | None, typer.Option(help="1 (najpilniejsze) do 4.")] = None,
    by: ByOpt = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:  # fmt: skip
    """Popraw ocenę: awaria, zakres, produkt, priorytet, z powodem. Zmiana awarii, zakresu
    lub produktu trafia do poprawek klasyfikatora (`mailbot labels export`)."""
    from mailbot.services.corrections import override as service

    with acting(config) as (cfg, desk, s):
        done = service(s, desk, number, by=staff_id(by, cfg), when=now(), reason=reason,
                       emergency=emergency, scope=scope, product=product,
                       priority=priority)  # fmt: skip
    say(f"{done.number}: poprawione ({', '.join(done.changed)})"
        + ("; zapisane jako poprawka klasyfikacji" if done.correction else ""))  # fmt: skip


def link(number: Number, client: Annotated[str, typer.Argument(help="Identyfikator klienta.")],
         register: Annotated[bool, typer.Option("--register",
             help="Dopisz adres nadawcy do rules/clients.toml (R-CON-6).")] = False,
         by: ByOpt = None, config: ConfigOpt = DEFAULT_CONFIG) -> None:  # fmt: skip
    """Przypisz zgłoszenie klientowi (nadawca się przedstawił) i oceń je ponownie:
    umowa, pakiet, priorytet, termin, odpowiedź."""
    from mailbot.services.clients import link_client

    with acting(config, mail=True, decide=True) as (cfg, desk, s):
        done = link_client(s, desk, number, client, by=staff_id(by, cfg), when=now(),
                           register=register)  # fmt: skip
    say(f"{done.number}: klient {done.client_id}, stan {done.state}"
        + (f", odpowiedź {done.reply} w kolejce" if done.reply else "")
        + (f", alarmy: {done.alerts}" if done.alerts else "")
        + ("; adres zarejestrowany (demon wczyta go przy następnym starcie)"
           if done.registered else ""))  # fmt: skip


def new(
    client: Annotated[str, typer.Argument(help="Identyfikator klienta.")],
    subject: Annotated[str, typer.Argument(help="Temat.")],
    channel: Annotated[str, typer.Option(help="phone, mobile (do opiekuna) albo walk_in.")] = (
        "phone"),
    caller: Annotated[str, typer.Option(help="Kto dzwonił lub przyszedł.")] = "",
    text: Annotated[str, typer.Option(help="O co chodziło (pierwsza notatka).")] = "",
    spent: Annotated[str | None, typer.Option(help="Czas pracy, np. 25m, 1h30m.")] = None,
    at: AtOpt = None,
    keep_open: Annotated[bool, typer.Option("--open", help="Zostaw otwarte.")] = False,
    by: ByOpt = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:  # fmt: skip
    """Nowe zgłoszenie z telefonu lub wizyty, z czasem pracy (R-CHN-1..3, R-PAK-2)."""
    from mailbot.services.ledger import minutes_of
    from mailbot.services.phone import open_ticket

    with acting(config) as (cfg, desk, s):
        done = open_ticket(s, desk, client, subject, by=staff_id(by, cfg), when=now(),
                           channel=channel, caller=caller, text=text,
                           minutes=minutes_of(spent) if spent else None,
                           started=parse_at(at, cfg) if at else None,
                           close=not keep_open)  # fmt: skip
    line = f"{done.number}: {'zamknięte' if done.state == 'closed' else 'otwarte'}"
    if done.logged is not None and done.logged.plan is not None:
        line += f"; odliczono {done.logged.plan.charged_hours} h z pakietu"
    say(line)
