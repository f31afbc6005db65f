"""Staff commands (typer). `main` is the console script `mailbot.cli:main`; `app`, the
whole command tree, is built when first asked for (`from mailbot.cli import app`), so
running one command never builds the others (cli/main.py)."""

from typing import Any

from mailbot.cli.main import main

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from mailbot.cli.main import app

        return app
    raise AttributeError(name)
