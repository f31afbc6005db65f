"""deploy/mailbot.service: systemd accepts every line, and it agrees with what doctor and
`mailbot init` say about the data directory."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.ops.doctor.checks import SERVICE_DATA_DIR
from tests.paths import ROOT

UNIT = ROOT / "deploy" / "mailbot.service"


def settings() -> dict[str, str]:
    return dict(re.findall(r"(?m)^(\w+)=(.*)$", UNIT.read_text(encoding="utf-8")))


def test_the_service_writes_only_its_state_directory_which_init_names():
    unit = settings()
    assert unit["ProtectSystem"] == "strict"
    assert unit["StateDirectory"] == "mailbot"  # systemd makes /var/lib/mailbot, gives it
    assert unit["WorkingDirectory"] == SERVICE_DATA_DIR == "/var/lib/mailbot"
    assert "ReadWritePaths" not in unit  # nothing else is writable
    notes = UNIT.read_text(encoding="utf-8")
    assert f"mailbot init /etc/mailbot --data-dir {SERVICE_DATA_DIR}" in notes
    assert unit["Environment"] == "MAILBOT_CONFIG=/etc/mailbot/config.toml"


def test_systemd_accepts_every_line(tmp_path: Path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    text = UNIT.read_text(encoding="utf-8")
    # verify wants ExecStart to exist: any executable stands in for /opt/mailbot's
    unit = tmp_path / "mailbot.service"
    unit.write_text(text.replace("/opt/mailbot/bin/mailbot", sys.executable), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
