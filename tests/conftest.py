"""Fixtures with real servers: Dovecot (IMAP), PostgreSQL, and SQLite files.

Session-scoped servers (started once per test run), per-test users and databases:

- ``dovecot``   -- a :class:`tests.servers.Dovecot` (default user pomoc/pomoc).
- ``postgres``  -- a :class:`tests.servers.Postgres` cluster.
- ``mailbox``   -- a fresh, empty IMAP user for this test (:class:`tests.servers.ImapAccount`:
  user, password, host, port, tls_port, cafile, append, append_many, uids, fetch_flags...).
- ``db_url``    -- an SQLAlchemy URL of an empty database, once per backend
  (ids ``sqlite`` and ``postgresql``).

A server that is not installed skips its tests, except under ``CI=true``, where it fails
them: CI must never pass by skipping. Tests that use these fixtures get the
``integration`` mark, so ``pytest -m "not integration"`` runs the fast rest.

Nothing here imports mailbot: fixtures that need it must import it inside the fixture.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `import tests.servers` also under the bare `pytest` command
    sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402
    Dovecot,
    ImapAccount,
    Postgres,
    find_dovecot,
    find_pg_bin,
)

SERVER_FIXTURES = {"dovecot", "postgres", "mailbox"}


def _missing(what: str, how: str) -> None:
    """Skip the test, or fail it under CI=true (a CI run must not pass by skipping)."""
    msg = f"{what} is not installed ({how}; scripts/test.sh installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {msg}", pytrace=False)
    pytest.skip(msg)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        uses_pg = "db_url" in names and callspec and callspec.params.get("db_url") == "postgresql"
        if names & SERVER_FIXTURES or uses_pg:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    """One private Dovecot for the whole run; default user pomoc/pomoc."""
    if find_dovecot() is None:
        _missing("Dovecot", "apt-get install dovecot-imapd")
    server = Dovecot.start(tmp_path_factory.mktemp("dovecot"))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One throwaway PostgreSQL cluster for the whole run."""
    if find_pg_bin() is None:
        _missing("PostgreSQL server", "apt-get install postgresql")
    server = Postgres.start(tmp_path_factory.mktemp("postgres"))
    try:
        yield server
    finally:
        server.close()


_users = itertools.count(1)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> ImapAccount:
    """A new IMAP user with an empty mailbox, on the session's Dovecot."""
    n = next(_users)
    return dovecot.add_user(f"user{n:04d}", f"secret{n:04d}")


_databases = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLAlchemy URL of a new, empty database: an SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mailbot.db'}"
        return
    pg: Postgres = request.getfixturevalue("postgres")
    name = f"test_{os.getpid()}_{next(_databases)}"
    url = pg.create_database(name)
    yield url
    if pg.running:  # a test may leave engines open: FORCE ends their connections
        pg.drop_database(name)
