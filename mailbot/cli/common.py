"""What every command shares: the config option, errors as one line and an exit code
(2: the input or a setting must be fixed; 1: the operation failed), consoles, times as
people read them (Europe/Warsaw, no seconds), and the two ways into the database: to
read (the engine and nothing else) and to act (a Desk with what the action needs)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from mailbot.errors import ConfigError, MailbotError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from mailbot.daemon import App
    from mailbot.services.base import Desk
    from mailbot.settings.config import Config

ConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", envvar="MAILBOT_CONFIG", help="Plik konfiguracji (TOML).")
]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        envvar="MAILBOT_STAFF",
        help="Kto (identyfikator z rules/staff.toml); domyślnie MAILBOT_STAFF albo cli.staff "
        "z konfiguracji.",
        show_default=False,
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="Kiedy, np. 2026-11-28T21:30 (czas warszawski); domyślnie teraz."),
]
DEFAULT_CONFIG = Path("config.toml")
DAILY, TICKETS, BILLING, OPERATIONS = (
    "Codzienna praca",
    "Zgłoszenia",
    "Pakiety i rozliczenia",
    "Obsługa i diagnostyka",
)
out = Console()
err = Console(stderr=True, soft_wrap=True)


def setup_logging(verbose: bool = False, config: Config | None = None, json_lines: bool = False
                  ) -> None:  # fmt: skip
    """Readable lines, or JSON with --log-json / general.log_format; secrets scrubbed."""
    from mailbot.ops import logs
    from mailbot.settings.secrets import config_secrets

    json_lines = json_lines or (config is not None and config.log_format == "json")
    logs.setup(verbose, json_lines, config_secrets(config) if config else ())


def fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]mailbot:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def say(text: str) -> None:
    out.print(text, highlight=False, markup=False)


def read_config(path: Path) -> Config:
    from mailbot.settings.config import load_config  # pydantic: only where it is needed

    try:
        return load_config(path)
    except ConfigError as exc:
        raise fail(f"configuration error: {exc}", 2) from None


def now() -> datetime:
    return datetime.now(UTC)


def local_time(dt: datetime | None, tz: Any, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A moment as people read it: Warsaw time, no seconds, no ISO; '-' for none."""
    return dt.astimezone(tz).strftime(fmt) if dt else "-"


def hours(value: Any) -> str:
    """Hours as Polish staff write them: 1, 0,5, 2,5 (a decimal comma, no trailing zeros)."""
    from decimal import Decimal

    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def parse_at(value: str | None, cfg: Config) -> datetime:
    """--at as typed (Warsaw time unless an offset is given); now without it."""
    if not value:
        return now()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--at to data i godzina, np. 2026-11-28T21:30, a nie {value!r}", 2) from None
    return when if when.tzinfo else when.replace(tzinfo=cfg.tz)


def day_start(value: str | None, cfg: Config, option: str = "--since") -> datetime | None:
    """'2026-11-24' -> midnight of that day in Warsaw; None for no option."""
    from datetime import date, time

    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(0), cfg.tz)
    except ValueError:
        raise fail(f"{option} to data RRRR-MM-DD, a nie {value!r}", 2) from None


def staff_id(by: str | None, cfg: Config) -> str:
    """--by, else MAILBOT_STAFF (typer reads it into --by), else cli.staff of the config."""
    who = by or cfg.staff
    if not who:
        raise fail("kto to robi? podaj --by, ustaw MAILBOT_STAFF albo cli.staff w konfiguracji", 2)
    return who


@contextmanager
def reading(path: Path) -> Iterator[tuple[Config, Session]]:
    """A read-only session: the config and the database, nothing else (no rules, no
    templates, no daemon). A schema problem is found when a query fails, not asked
    before every command (Alembic alone costs more than the whole query)."""
    from mailbot.store.db import make_engine, session_factory

    cfg = read_config(path)
    engine = make_engine(cfg.database_url)
    with _answering(engine), session_factory(engine)() as session:
        yield cfg, session


@contextmanager
def looking(path: Path) -> Iterator[tuple[Any, Connection]]:
    """`reading` for the commands that need only the database and the time zone (queue,
    tickets list and show, outbox list): three keys of the config (settings/reading.py)
    and a plain connection, no ORM; their queries are SQL Core (services/queries.py)."""
    from mailbot.settings.reading import load_reading_config
    from mailbot.store.db import make_engine

    try:
        cfg = load_reading_config(path)
    except ConfigError as exc:
        raise fail(f"configuration error: {exc}", 2) from None
    engine = make_engine(cfg.database_url)
    with _answering(engine), engine.connect() as connection:
        yield cfg, connection


@contextmanager
def _answering(engine: Any) -> Iterator[None]:
    """A failed read as one line and an exit code; the engine disposed in any case."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        _explain_db_error(engine, exc)
    except MailbotError as exc:
        raise fail(str(exc), getattr(exc, "code", 1)) from None
    finally:
        engine.dispose()


def _explain_db_error(engine: Any, exc: Exception) -> None:
    from mailbot.errors import SchemaError
    from mailbot.store.db import check_schema

    try:
        check_schema(engine)
    except SchemaError as schema:
        raise fail(str(schema), 2) from None
    except MailbotError as other:
        raise fail(str(other), 1) from None
    raise fail(f"baza danych: {getattr(exc, 'orig', exc)}", 1) from None


@contextmanager
def acting(path: Path, *, mail: bool = False, decide: bool = False
           ) -> Iterator[tuple[Config, Desk, Session]]:  # fmt: skip
    """One staff action: the schema checked, a Desk with what the action needs, and one
    transaction, committed when the block ends without an error. An ActionError is one
    Polish line and its exit code; a mistake in rules/ or templates/ is exit code 2."""
    from mailbot.errors import SchemaError
    from mailbot.services.base import ActionError
    from mailbot.services.desk import build_desk
    from mailbot.store.db import check_schema, make_engine, session_factory

    cfg = read_config(path)
    engine = make_engine(cfg.database_url)
    try:
        check_schema(engine)
        desk = build_desk(cfg, mail=mail, decide=decide)
        with session_factory(engine).begin() as session:
            yield cfg, desk, session
    except ActionError as exc:
        raise fail(str(exc), exc.code) from None
    except (ConfigError, SchemaError) as exc:
        raise fail(str(exc), 2) from None
    except MailbotError as exc:
        raise fail(str(exc), 1) from None
    finally:
        engine.dispose()


def build_app(path: Path, *, schema: bool = True) -> App:
    """The whole application (daemon commands, the outbox, `explain`); a config, rules or
    schema problem is one line and exit code 2, never a traceback."""
    cfg = read_config(path)  # before anything heavy is imported or connected
    from mailbot.daemon import App
    from mailbot.errors import SchemaError

    try:
        application = App(cfg)
    except ConfigError as exc:
        raise fail(f"configuration error: {exc}", 2) from None
    if schema:
        try:
            application.check_schema()
        except SchemaError as exc:
            application.close()
            raise fail(str(exc), 2) from None
        except MailbotError as exc:
            application.close()
            raise fail(str(exc), 1) from None
    return application


def env_utf8() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
