"""Pipeline fixtures: a mailbot App wired to the per-test Dovecot account and database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mailbot.daemon import App
from mailbot.settings.config import load_config
from mailbot.store.db import make_engine, session_factory, upgrade

PASSWORD_ENV = "MAILBOT_TEST_IMAP_PASSWORD"
RULES = Path(__file__).resolve().parents[2] / "rules"
TEMPLATES = RULES.parent / "templates"


def write_config(
    tmp_path: Path,
    account,
    db_url: str,
    *,
    tls: str = "none",
    rules: Path = RULES,
    templates: Path = TEMPLATES,
    **imap_extra,
) -> Path:
    intake = {"parse_workers": 0} | imap_extra.pop("intake", {})
    sections = ("smtp", "outbox", "sms", "ha", "alarm")
    extra_sections = {name: imap_extra.pop(name) for name in sections if name in imap_extra}
    port = account.tls_port if tls == "ssl" else account.port
    lines = [
        "[imap]",
        f'host = "{account.host}"',
        f"port = {port}",
        f'tls = "{tls}"',
        f'user = "{account.user}"',
        f'password_env = "{PASSWORD_ENV}"',
        f'cafile = "{account.cafile}"',
    ]
    lines += [
        f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {v}"
        for k, v in imap_extra.items()
    ]
    lines += ["", "[intake]"]
    lines += [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in intake.items()]
    lines += ["", "[storage]", f'data_dir = "{tmp_path / "data"}"', f'database_url = "{db_url}"']
    lines += ["", "[general]", f'rules_dir = "{rules}"', f'templates_dir = "{templates}"']
    for name, values in extra_sections.items():
        lines += ["", f"[{name}]"]
        lines += [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in values.items()]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def sessions(db_url):
    """Sessions on the per-test database, schema upgraded (no App, no mailbox)."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def make_app(tmp_path, mailbox, db_url, monkeypatch) -> Iterator[Callable[..., App]]:
    """Build Apps (several = restarts) on one mailbox and one database, schema upgraded."""
    monkeypatch.setenv(PASSWORD_ENV, mailbox.password)
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    apps: list[App] = []

    def factory(**imap_extra) -> App:
        app = App(load_config(write_config(tmp_path, mailbox, db_url, **imap_extra)))
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.close()


def pytest_terminal_summary(terminalreporter) -> None:
    """The fault-injection figures, when test_faults.py ran: one table."""
    from tests.integration.fault_table import render, rows

    if rows():
        terminalreporter.section("fault injection")
        for line in render(rows()):
            terminalreporter.write_line(line)
