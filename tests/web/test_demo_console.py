"""`mailbot demo --keep-running` starts the console beside the daemon and says how to
sign in: the printed address and login work, and the demo's tickets are in the queue."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.web.conftest import csrf_of

pytestmark = pytest.mark.integration


def test_demo_keep_running_serves_the_console(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailbot.cli", "demo", "--keep-running",
         "--data-dir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        seen, deadline = [], time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            seen.append(line)
            if "Konsola personelu:" in line or not line:
                break
        found = re.search(r"(http://127\.0\.0\.1:\d+)/ — login (\S+), hasło (\S+)", line)
        assert found, "".join(seen)
        base, login, password = found.groups()
        with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
            page = client.get("/login")
            assert page.status_code == 200
            queue = client.post(
                "/login?next=/",
                data={"csrf": csrf_of(page.text), "login": login, "password": password},
            )
            assert queue.status_code == 200 and "Kolejka" in queue.text
            assert re.search(r"KJM-\d{4}-\d{6}", queue.text)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0
