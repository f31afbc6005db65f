"""`mailbot doctor` on the data directory: where the service may write, and what another
user (root running `mailbot db upgrade`) left there that the service's user cannot write.
The user checks run in a forked child that has become `nobody`: root may write anywhere,
so as root nothing could fail."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailbot.cli.main import app
from mailbot.ops.doctor.base import FAIL, OK
from mailbot.ops.doctor.checks import check_data_dir
from mailbot.settings.config import load_config
from tests.paths import ROOT
from tests.servers import free_port


def config(where: Path, data_dir: str, *, rules: bool = True) -> Path:
    """A config whose only server is an IMAP port nothing listens on (no traffic leaves)."""
    path = where / "config.toml"
    general = f'\n[general]\nrules_dir = "{ROOT / "rules"}"\n' if rules else ""
    path.write_text(
        f'[imap]\nhost = "127.0.0.1"\nport = {free_port()}\ntls = "none"\nuser = "pomoc"\n'
        f'\n[storage]\ndata_dir = "{data_dir}"\n{general}',
        encoding="utf-8",
    )
    return path


def doctor(path: Path) -> dict[str, dict[str, str]]:
    result = CliRunner().invoke(app, ["doctor", "--json", "--timeout", "2", "--config", str(path)])
    assert result.exit_code == 2, result.output  # the IMAP port is closed: always a FAIL
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_a_data_dir_under_etc_is_read_only_for_the_service(tmp_path):
    line = doctor(config(tmp_path, "/etc/mailbot/data"))["data directory"]
    assert line["status"] == FAIL
    assert "/etc/mailbot/data is under /etc" in line["detail"]
    assert "ProtectSystem=strict" in line["detail"]
    assert 'storage.data_dir = "/var/lib/mailbot"' in line["fix"]


def test_missing_rules_point_at_mailbot_init(tmp_path):
    checks = doctor(config(tmp_path, "data", rules=False))
    assert checks["rules"]["status"] == FAIL
    assert f"mailbot init {tmp_path}" in checks["rules"]["fix"]
    assert checks["data directory"]["status"] == OK  # data/ will be made in tmp_path


def test_as_root_the_line_says_what_it_could_not_check(tmp_path):
    line = doctor(config(tmp_path, "data"))["data directory"]
    assert line["status"] == OK
    assert ("checked as root" in line["detail"]) == (os.geteuid() == 0)


# -- as another user ---------------------------------------------------------------------------
NOBODY = pwd.getpwnam("nobody")


def as_nobody(check: Callable[[], list]) -> list[dict[str, str]]:
    """Run `check` in a forked child that became nobody (real and effective uid, as
    os.access reads the real one), and bring its Check rows back as dicts."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY.pw_gid)
            os.setuid(NOBODY.pw_uid)
            rows = [c.__dict__ for c in check()]
            os.write(write, json.dumps(rows).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, data
    return json.loads(data)


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder nobody may enter (pytest's tmp_path is root's alone)."""
    if os.geteuid() != 0:
        pytest.skip("needs root: files of another user are made here")
    path = Path(tempfile.mkdtemp(prefix="mailbot-datadir-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def chown_nobody(*paths: Path) -> None:
    for p in paths:
        os.chown(p, NOBODY.pw_uid, NOBODY.pw_gid)


def test_a_root_owned_data_dir_fails_for_the_service_user(base):
    cfg = load_config(config(base, "data"))
    (base / "data").mkdir()
    [line] = as_nobody(lambda: check_data_dir(cfg, {}, 1.0))
    assert line["status"] == FAIL
    assert line["detail"].startswith(f"{base / 'data'} is not writable by nobody")


def test_what_root_left_in_the_data_dir_is_named_with_the_chown(base):
    cfg = load_config(config(base, "data"))
    data = base / "data"
    (data / "raw" / "packs").mkdir(parents=True)
    (data / "sent").mkdir()
    (data / "mailbot.sqlite3").write_bytes(b"")
    chown_nobody(data, data / "sent")  # raw/, raw/packs and the database stay root's
    [line] = as_nobody(lambda: check_data_dir(cfg, {}, 1.0))
    assert line["status"] == FAIL
    assert str(data / "raw") in line["detail"] and "not writable by nobody" in line["detail"]
    assert line["fix"].startswith(f"chown -R nobody: {data}")
    chown_nobody(data / "raw", data / "raw" / "packs", data / "mailbot.sqlite3")
    [line] = as_nobody(lambda: check_data_dir(cfg, {}, 1.0))
    assert (line["status"], line["detail"]) == (OK, f"{data} writable")


def test_a_data_dir_yet_to_be_made_needs_a_writable_parent(base):
    cfg = load_config(config(base, "state/data"))
    (base / "state").mkdir()
    [line] = as_nobody(lambda: check_data_dir(cfg, {}, 1.0))
    assert line["status"] == FAIL
    chown_nobody(base / "state")
    [line] = as_nobody(lambda: check_data_dir(cfg, {}, 1.0))
    assert line["status"] == OK and "will be created" in line["detail"]
