"""What every command shares: the config option, errors as one line and an exit code
(2: the operator must fix something; 1: the operation failed), consoles, time input."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from mailbot.errors import ConfigError
from mailbot.settings.config import Config, load_config

if TYPE_CHECKING:
    from mailbot.daemon import App

ConfigOpt = Annotated[
    Path, typer.Option("--config", "-c", envvar="MAILBOT_CONFIG", help="Config file (TOML).")
]
DEFAULT_CONFIG = Path("config.toml")
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


def read_config(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise fail(f"configuration error: {exc}", 2) from None


def build_app(path: Path, *, schema: bool = True) -> App:
    """The application for a command; a config, rules or schema problem is one line and
    exit code 2 (the operator must fix it), never a traceback."""
    cfg = read_config(path)  # before anything heavy is imported or connected
    from mailbot.daemon import App
    from mailbot.errors import MailbotError, SchemaError

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


def local_time(dt: datetime | None, cfg: Config) -> str:
    return dt.astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M") if dt else "-"


def parse_at(value: str, cfg: Config) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise fail(
            f"--at must be an ISO date and time like 2026-11-28T21:30, got {value!r}", 2
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=cfg.tz)
