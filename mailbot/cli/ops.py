"""Running mailbot and watching it: `run`, `poll`, `db`, `status`, `doctor`, `outbox send`,
`digest`, `demo`. These build the whole application (daemon.App); the staff commands
do not."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from mailbot.cli.common import (
    DEFAULT_CONFIG,
    ConfigOpt,
    build_app,
    fail,
    local_time,
    out,
    read_config,
    say,
    setup_logging,
)
from mailbot.errors import ConfigError, MailbotError, SchemaError

LogJsonOpt = Annotated[
    bool, typer.Option("--log-json", help="One JSON object per log line (general.log_format).")
]


def run(config: ConfigOpt = DEFAULT_CONFIG, verbose: bool = False, log_json: LogJsonOpt = False
        ) -> None:  # fmt: skip
    """Demon: odczyt skrzynki co interwał, aż do SIGTERM/SIGINT."""
    from mailbot.jobs import Signals

    signals = Signals.install()  # first: a stop while starting exits 0 too
    setup_logging(verbose, read_config(config), log_json)
    application = build_app(config)
    try:
        code = application.run(signals)
    except (ConfigError, SchemaError) as exc:
        raise fail(str(exc), 2) from None
    raise typer.Exit(code)


def poll(
    config: ConfigOpt = DEFAULT_CONFIG,
    once: Annotated[bool, typer.Option("--once", help="Jeden przebieg i koniec.")] = False,
    verbose: bool = False,
    log_json: LogJsonOpt = False,
) -> None:
    """Jeden przebieg (cron, testy): odczyt skrzynki, eskalacje, wysyłka. Wymaga --once.

    Każdy krok idzie, także gdy poprzedni się nie udał (alarmy wychodzą, gdy skrzynka nie
    działa). Kod wyjścia: 0 wszystko zrobione; 1 nie uruchomiono, działa inna instancja;
    2 nie uruchomiono, konfiguracja lub schemat; inaczej suma 4 (odczyt skrzynki),
    8 (eskalacje), 16 (wysyłka), np. 20 = odczyt i wysyłka."""
    from mailbot.ops.logs import counts_text

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
        say(result.poll.summary())
    if result.steps:
        say("escalation: " + counts_text(result.steps))
    if result.sent:
        say("outbox: " + counts_text(result.sent))
    if result.failed:
        raise fail("failed: " + ", ".join(result.failed) + " (see the log above)",
                   result.exit_code)  # fmt: skip


def db_upgrade(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Zastosuj migracje bazy (przed uruchomieniem nowej wersji)."""
    from mailbot.store.db import make_engine, upgrade

    engine = make_engine(read_config(config).database_url)
    try:
        before, after = upgrade(engine)
    except MailbotError as exc:
        raise fail(str(exc), 1) from None
    finally:
        engine.dispose()
    say(f"schema: {before or 'empty'} -> {after}")


def db_status(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Wersja schematu bazy i czy potrzebna migracja."""
    from mailbot.store.db import current_revision, head_revision, make_engine

    engine = make_engine(read_config(config).database_url)
    try:
        current, head = current_revision(engine), head_revision()
    finally:
        engine.dispose()
    say(f"database revision {current or 'empty'}, code needs {head}"
        + ("" if current == head else ": run `mailbot db upgrade`"))  # fmt: skip
    raise typer.Exit(0 if current == head else 1)


def doctor(
    config: ConfigOpt = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds for each network step.")] = 10.0,
) -> None:
    """Sprawdź konfigurację i każde połączenie (baza, IMAP, SMTP, SMS) osobno: co nie
    działa i jak to naprawić. Kod wyjścia 0 OK, 1 ostrzeżenia, 2 błąd."""
    from mailbot.ops.doctor.checks import exit_code, print_checks, run_checks, to_json

    checks = run_checks(read_config(config), timeout=timeout)
    if as_json:
        print(to_json(checks))
    else:
        print_checks(checks, out)
    raise typer.Exit(exit_code(checks))


def outbox_send(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Wyślij to, co czeka (demon robi to po każdym odczycie)."""
    from mailbot.ops.logs import counts_text

    application = build_app(config)
    try:
        counts = application.deliver()
    finally:
        application.close()
    say("outbox: " + counts_text(counts, "nothing due"))


def _human(value: Any, tz: Any) -> str:
    """A status fact as people read it: times local without seconds, no dicts, no None."""
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_human(v, tz)}" for k, v in value.items())
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return local_time(moment, tz) if moment.tzinfo else f"{moment:%d.%m.%Y %H:%M}"
    return str(value)


def status(
    config: ConfigOpt = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for monitoring.")] = False,
    imap: Annotated[
        bool, typer.Option(help="Count mail waiting on the IMAP server (one login).")
    ] = True,
) -> None:
    """Stan dla ludzi i monitoringu: kod 0 OK, 1 WARNING, 2 CRITICAL."""
    from dataclasses import replace

    from mailbot.core.oncall import on_duty
    from mailbot.edges.imap import ImapMailbox
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
        say(f"mailbot {health.LEVELS[h.level]}")
        for key, value in h.facts.items():
            if key != "level":
                say(f"  {key.replace('_', ' ')}: {_human(value, cfg.tz)}")
        for problem in h.problems:
            say(f"  {problem}")
    raise typer.Exit(h.level)


def digest(
    config: ConfigOpt = DEFAULT_CONFIG,
    day: Annotated[str | None, typer.Option(
        "--date", help="Dzień raportu RRRR-MM-DD (domyślnie dziś; obejmuje dzień wcześniej).")
    ] = None,
    to: Annotated[Path | None, typer.Option("--to", help="Zapisz HTML tutaj.")] = None,
    send: Annotated[bool, typer.Option("--send", help="Wyślij teraz kierownikom.")] = False,
) -> None:  # fmt: skip
    """Raport dzienny dla kierowników: bez opcji podgląd tekstu, --to zapisuje HTML,
    --send wysyła."""
    from datetime import date as date_type

    from mailbot.core.digest import build_digest
    from mailbot.outgoing.digest_job import gather

    application = build_app(config)
    cfg = application.config
    try:
        today = application.clock().astimezone(cfg.tz).date()
        when = date_type.fromisoformat(day) if day else today
    except ValueError:
        application.close()
        raise fail(f"--date to data RRRR-MM-DD, a nie {day!r}", 2) from None
    try:
        if send:
            say(application.digest_job().run(when, force=True))
            return
        with application.sessions() as session:
            built = build_digest(gather(session, application.rules, when, cfg.tz,
                                        application.clock()))  # fmt: skip
        subject, text, html, png = application.render_digest(built)
    finally:
        application.close()
    if to is None:
        say(subject)
        say(text)
        return
    import base64

    inline = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    to.write_text(html.replace("cid:wykres", inline), encoding="utf-8")
    say(f"raport zapisany: {to}")


def demo(
    data_dir: Annotated[Path, typer.Option(help="Gdzie demo trzyma bazę.")] = Path("demo-data"),
    keep_running: Annotated[bool, typer.Option(
        help="Po pierwszym przebiegu zostaw demona i serwer IMAP demo.")] = False,
) -> None:  # fmt: skip
    """mailbot na wbudowanym zestawie: SQLite i skrzynka IMAP z polską pocztą."""
    from mailbot.demo.run import run_demo

    setup_logging()
    raise typer.Exit(run_demo(data_dir, keep_running=keep_running, console=out))
