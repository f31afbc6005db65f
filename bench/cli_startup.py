"""How fast the read-only staff commands answer, against a bare interpreter that imports
what any such command must: `python -c "import sqlalchemy, rich"`.

    python bench/cli_startup.py [--runs 7] [--config demo-data/config.toml]

Without --config it runs `mailbot demo` into a temporary folder first (the demo database:
ten tickets). Each command is run --runs times as a new process (what a person typing it
gets). The ratio is of median CPU time (user + system of the child process), which a
shared, busy machine does not distort the way it distorts wall time; the median wall
time is printed beside it. The goal: at most 2x. Exit 1 when a command fails.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 2.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], runs: int) -> tuple[float, float]:
    """Median (CPU, wall) seconds of `runs` fresh processes, after one warm-up (the page
    cache)."""
    subprocess.run(args, capture_output=True, check=True)
    cpu, wall = [], []
    for _ in range(runs):
        before, start = _children_cpu(), time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        wall.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - before)
    return statistics.median(cpu), statistics.median(wall)


def demo_config(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "mailbot.cli", "demo", "--data-dir", str(folder)],
                   capture_output=True, check=True)  # fmt: skip
    return folder / "config.toml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = args.config or demo_config(Path(tmp) / "demo")
        cli = [sys.executable, "-m", "mailbot.cli"]
        base, base_wall = timed([sys.executable, "-c", "import sqlalchemy, rich"], args.runs)
        print(f"bare `import sqlalchemy, rich`: {base * 1000:.0f} ms CPU, "
              f"{base_wall * 1000:.0f} ms wall (medians of {args.runs})")  # fmt: skip
        worst = 0.0
        for command in (["tickets", "list"], ["queue"], ["tickets", "show", "1"]):
            try:
                spent, wall = timed([*cli, *command, "--config", str(config)], args.runs)
            except subprocess.CalledProcessError as exc:
                print(f"mailbot {' '.join(command)} failed: {exc.stderr.decode()[-500:]}")
                return 1
            ratio = spent / base
            worst = max(worst, ratio)
            print(f"mailbot {' '.join(command):<14} {spent * 1000:5.0f} ms CPU  {ratio:.2f}x"
                  f"   ({wall * 1000:.0f} ms wall)")  # fmt: skip
        verdict = "met" if worst <= GOAL else "NOT met"
        print(f"worst ratio {worst:.2f}x (goal <= {GOAL:.0f}x): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
