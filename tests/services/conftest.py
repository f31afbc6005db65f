"""Staff actions on a real SQLite database, mail recorded by the real intake (no servers):
the schema is migrated once per run and copied for each test."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.paths import ROOT

WARSAW = ZoneInfo("Europe/Warsaw")
DEMO = ROOT / "mailbot" / "demo" / "mail"


def at(text: str) -> datetime:
    """'2026-11-23 08:00' in Warsaw time."""
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mailbot.store.db import make_engine, upgrade

    path = tmp_path_factory.mktemp("schema") / "mailbot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A copy of rules/: linking may register an address in clients.toml."""
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


@pytest.fixture
def config(tmp_path: Path, migrated: Path, rules_dir: Path):
    from mailbot.settings.config import load_config

    db = tmp_path / "mailbot.db"
    shutil.copy(migrated, db)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[imap]\nhost = "localhost"\nuser = "pomoc"\n\n'
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\ndatabase_url = "sqlite:///{db}"\n\n'
        f'[general]\nrules_dir = "{rules_dir}"\ntemplates_dir = "{ROOT / "templates"}"\n',
        encoding="utf-8",
    )
    return load_config(path)


@pytest.fixture
def sessions(config):
    from mailbot.store.db import make_engine, session_factory

    engine = make_engine(config.database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def desk(config):
    from mailbot.services.desk import build_desk

    return build_desk(config, mail=True, decide=True)


@pytest.fixture
def receive(desk, sessions, config):
    """receive('01-awaria-fk.eml' or raw bytes, at=...) -> the ticket number, recorded by
    the real intake with its reply and pages queued."""
    from mailbot.intake.record import Intake
    from mailbot.model import FetchedMessage
    from mailbot.store import repo
    from mailbot.store.rawstore import RawStore

    intake = Intake(sessions, RawStore(config.raw_dir), WARSAW, desk.decider, desk.outbox)
    with sessions.begin() as session:  # tickets reference clients, as after `run` starts
        repo.sync_clients(session, desk.rules.book.clients, at("2026-11-01 00:00"))
    uids = iter(range(1, 10_000))

    def record(mail: str | bytes, when: datetime) -> str:
        raw = (DEMO / mail).read_bytes() if isinstance(mail, str) else mail
        uid = next(uids)
        fetched = FetchedMessage("INBOX", uid, 1, raw, len(raw), when)
        outcome = intake.record(fetched, intake.prepare(raw), history=False, now=when)
        assert outcome.ticket, outcome
        return outcome.ticket

    return record
