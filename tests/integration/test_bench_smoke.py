"""The benchmark still runs (no timing asserted here: figures are measured, not tested)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "ingest.py"


def test_ingest_benchmark_runs(dovecot):  # the fixture proves Dovecot is installed
    result = subprocess.run(
        [sys.executable, str(BENCH), "--messages", "60"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ingest: 60 messages" in result.stdout
    assert "idle poll:" in result.stdout and "peak memory:" in result.stdout


def test_live_benchmark_runs(dovecot):
    """History and live mail side by side: every reply the live path queued arrives."""
    result = subprocess.run([sys.executable, str(BENCH), "--live", "--messages", "60"],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "intake, msg/s" in out and "every one accepted after, seconds" in out
    assert "registered client addresses" in out and "reply sent" in out
