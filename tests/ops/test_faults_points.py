"""mailbot/faults.py: inert unless armed, exact names, the Nth hit, SIGSTOP; and every
crash point in the code is exercised by tests/integration/test_faults.py."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from mailbot.faults import ENV, crash_point
from tests.paths import ROOT

SCRIPT = (
    "import os, sys; from mailbot.faults import crash_point\n"
    "for i in range(int(sys.argv[1])):\n"
    "    crash_point('intake.stored'); print('passed', i, os.environ.get('MAILBOT_CRASH_AT'),"
    " flush=True)\n"
)


def run(hits: int, armed: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, **{ENV: armed})
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(hits)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # fmt: skip


def test_inert_without_the_variable_or_for_another_point(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    crash_point("intake.stored")  # would kill pytest if it fired
    for other in ("intake.stored_x", "intake.store", "outbox.marked:1", "intake.stored.x:1"):
        monkeypatch.setenv(ENV, other)
        crash_point("intake.stored")
        assert os.environ[ENV] == other  # untouched


def test_sigkill_on_the_nth_hit_and_not_before():
    proc = run(5, "intake.stored:3")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert out.decode().splitlines() == [
        "passed 0 intake.stored:2", "passed 1 intake.stored:1"]  # fmt: skip
    assert b"crash point intake.stored reached: SIGKILL" in err


def test_stop_pauses_then_the_run_goes_on_unarmed():
    proc = run(3, "intake.stored:2:stop")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "T":
            break
        time.sleep(0.01)
    assert state == "T"
    proc.send_signal(signal.SIGCONT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert out.decode().splitlines()[-2:] == ["passed 1 None", "passed 2 None"]


def test_every_crash_point_in_the_code_is_exercised():
    source = "\n".join(p.read_text() for p in (ROOT / "mailbot").rglob("*.py"))
    in_code = set(re.findall(r'crash_point\("([a-z_.]+)"\)', source))
    suite = (ROOT / "tests/integration/test_faults.py").read_text()
    in_suite = set(re.findall(r'"([a-z_]+\.[a-z_]+)(?::\d+)?(?::stop)?"', suite))
    assert len(in_code) >= 10
    assert in_code <= in_suite, f"never crashed at: {sorted(in_code - in_suite)}"
