"""Staff commands (typer). `app` and `main` are re-exported so the console script
`mailbot.cli:main` and `from mailbot.cli import app` keep working."""

from mailbot.cli.main import app, main

__all__ = ["app", "main"]
