"""A normal install, as an operator makes one: mailbot built as a wheel and installed with
its dependencies into a new virtualenv outside the checkout, then run from a folder of its
own: `mailbot init`, `rules check`, `doctor` (the database lines), `db upgrade`, `demo`.
Nothing of the checkout may be used there, and building leaves nothing in the checkout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

ENV = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
ENV |= {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "COLUMNS": "200"}


@dataclass(frozen=True)
class Install:
    venv: Path
    wheel: Path
    site: Path  # an empty folder outside the checkout to run mailbot in
    left_in_checkout: set[str]  # what `pip install .` added to the checkout

    def mailbot(self, *args: str, code: int = 0) -> str:
        return run([str(self.venv / "bin" / "mailbot"), *args], self.site, code=code)


def run(cmd: list[str | Path], cwd: Path, *, code: int = 0) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == code, f"{cmd} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def checkout_status() -> set[str]:
    """Untracked and ignored entries of the checkout, folders collapsed (`!! build/`)."""
    out = run(["git", "status", "--porcelain", "--ignored"], ROOT)
    return set(out.splitlines())


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Install:
    where = tmp_path_factory.mktemp("install")
    assert not where.is_relative_to(ROOT)
    venv = where / "venv"
    run([sys.executable, "-m", "venv", str(venv)], where)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    before = checkout_status()
    run([*pip, "install", "-q", "."], ROOT)  # literally `pip install .`, dependencies too
    left = checkout_status() - before
    run([*pip, "wheel", "-q", "--no-deps", "-w", str(where / "dist"), str(ROOT)], where)
    [wheel] = (where / "dist").glob("mailbot-*.whl")
    run([*pip, "install", "-q", "--no-deps", "--force-reinstall", wheel], where)
    site = where / "site"
    site.mkdir()
    return Install(venv, wheel, site, left)


def test_building_leaves_nothing_in_the_checkout(installed):
    built = {e for e in installed.left_in_checkout if re.search(r"build/|dist/|egg-info", e)}
    assert built == set(), built


def test_the_wheel_has_every_file_of_the_package_and_the_shipped_rules_and_templates(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    tracked = run(["git", "ls-files", "mailbot", "rules", "templates"], ROOT).split()
    expected = {re.sub(r"^(rules|templates)/", r"mailbot/defaults/\1/", f) for f in tracked}
    assert expected - names == set()
    assert "mailbot/defaults/config.example.toml" in names
    assert "mailbot/store/migrations/script.py.mako" in names  # Alembic's, not a .py


def test_mailbot_runs_from_the_venv_and_finds_its_shipped_files_there(installed):
    code = (
        "import mailbot; from mailbot.settings.shipped import shipped; "
        "print(mailbot.__file__); print(shipped('rules')); print(shipped('templates'))"
    )
    lines = run([str(installed.venv / "bin" / "python"), "-c", code], installed.site).split()
    site_packages = installed.venv / "lib"
    for line in lines:
        assert Path(line).is_relative_to(site_packages), lines
    assert Path(lines[1]).name == "rules" and Path(lines[1]).parent.name == "defaults"


def test_init_rules_check_doctor_upgrade_demo(installed):
    etc, var = installed.site / "etc", installed.site / "var"
    out = installed.mailbot("init", "etc", "--data-dir", "var")
    assert f"written  {etc / 'config.toml'}" in out and "staff.toml" in out
    config = etc / "config.toml"
    text = config.read_text(encoding="utf-8")
    # no traffic leaves the machine: IMAP at a local port nothing listens on
    text = text.replace('host = "imap.kjmssoft.pl"', 'host = "127.0.0.1"', 1)
    text = re.sub(r"(?m)^port = 993$", f"port = {free_port()}", text, count=1)
    config.write_text(text, encoding="utf-8")

    out = installed.mailbot("rules", "check", "--config", str(config))
    assert f"rules in {etc / 'rules'}: OK" in out
    assert re.search(r"templates in \S+/site-packages/mailbot/defaults/templates: OK", out), out

    def doctor() -> dict[str, dict[str, str]]:
        doc = installed.mailbot("doctor", "--json", "--timeout", "3", "--config", str(config),
                                code=2)  # fmt: skip
        return {c["name"]: c for c in json.loads(doc[: doc.rindex("}") + 1])["checks"]}

    checks = doctor()
    assert checks["database"]["status"] == "FAIL"
    assert "does not exist" in checks["database"]["detail"]
    assert "mailbot db upgrade" in checks["database"]["fix"]
    assert checks["data directory"]["status"] == "OK"
    installed.mailbot("db", "upgrade", "--config", str(config))
    checks = doctor()
    for name in ("config", "rules", "on-call rota", "templates", "data directory", "database",
                 "database schema"):  # fmt: skip
        assert checks[name]["status"] == "OK", checks[name]
    assert str(var / "mailbot.sqlite3") in checks["database"]["detail"]
    assert checks["imap connect"]["status"] == "FAIL"  # the closed port: the exit code 2

    out = installed.mailbot("demo")
    assert "Zarejestrowane zgłoszenia" in out and "KJM-" in out
    assert len(list((installed.site / "demo-data" / "sent").glob("*.eml"))) >= 5
