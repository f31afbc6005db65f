"""The console over a seeded database (SQLite and PostgreSQL), with a fixed clock and
three accounts: a staff member, a manager and an admin."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from mailbot.settings.config import load_config
from mailbot.store import repo
from mailbot.store.db import make_engine, upgrade
from mailbot.web.app import create_app
from mailbot.web.auth import set_password
from mailbot.web.console import Console
from tests.web.seed import Seeded, seed

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
PASSWORD = "dobre-haslo-123"
ACCOUNTS = {"staff": "jan.wisniewski", "manager": "krzysztof.majewski", "admin": "rafal.dabrowski"}


def write_config(tmp_path: Path, db_url: str, base_url: str = "", extra: str = "") -> Path:
    """A config over copies of rules/ and templates/ (linking a ticket may register an
    address in clients.toml; a test may edit either); `extra` is more TOML at the end
    ([smtp], [sms])."""
    rules, templates = tmp_path / "rules", tmp_path / "templates"
    if not rules.exists():
        shutil.copytree(ROOT / "rules", rules)
    if not templates.exists():
        shutil.copytree(ROOT / "templates", templates)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[imap]\nhost = "127.0.0.1"\nuser = "pomoc"\n\n'
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\ndatabase_url = "{db_url}"\n\n'
        f'[general]\nrules_dir = "{rules}"\ntemplates_dir = "{templates}"\n\n'
        f'[web]\nbase_url = "{base_url}"\n\n{extra}',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def make_console(db_url: str, tmp_path: Path) -> Iterator[Callable[..., tuple[Console, Seeded]]]:
    """Console factory over one seeded database (a second call shares the database)."""
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    made: list[Console] = []
    seeded: list[Seeded] = []

    def factory(base_url: str = "", extra: str = "") -> tuple[Console, Seeded]:
        console = Console.from_config(
            load_config(write_config(tmp_path, db_url, base_url, extra)), clock=lambda: NOW
        )
        made.append(console)
        if not seeded:
            with console.sessions.begin() as session:
                repo.sync_clients(session, console.rules.book.clients, NOW)
                seeded.append(seed(session, console.raw_store, NOW))
                for staff_id in ACCOUNTS.values():
                    set_password(session, staff_id, PASSWORD, "test", NOW)
        return console, seeded[0]

    yield factory
    for console in made:
        console.close()


@pytest.fixture
def console(make_console) -> tuple[Console, Seeded]:
    return make_console()


@pytest.fixture
def client(console) -> Iterator[TestClient]:
    with TestClient(create_app(console[0]), follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, staff_id: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login", data={"csrf": csrf_of(page.text), "login": staff_id, "password": password}
    )
