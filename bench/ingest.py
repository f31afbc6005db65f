"""Benchmark: ingest a backlog from a real Dovecot into SQLite, and time idle polls.

    python bench/ingest.py [--messages 10000] [--workers 2]

Data goes to $TMPDIR (default /tmp: a real disk); TMPDIR=/dev/shm measures the CPU
side alone. Prints messages/s end to end (fetch, parse, record, flag on the server), peak memory of
the main process and of the parse workers, and the idle-poll time with a large versus a
small folder. Targets: >= 500 msg/s, < 300 MB, large idle <= 1.5x small idle.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from generate import generate  # noqa: E402

from mailbot.daemon import App  # noqa: E402
from mailbot.ops.logs import setup as setup_logging  # noqa: E402
from mailbot.settings.config import load_config  # noqa: E402
from mailbot.store.db import upgrade  # noqa: E402
from tests.servers import Dovecot  # noqa: E402

PASSWORD_ENV = "MAILBOT_BENCH_PASSWORD"


def config_for(base: Path, account, name: str, workers: int) -> Path:
    path = base / f"{name}.toml"
    path.write_text(
        f'[imap]\nhost = "{account.host}"\nport = {account.port}\ntls = "none"\n'
        f'user = "{account.user}"\npassword_env = "{PASSWORD_ENV}"\nprocessed = "flag"\n'
        f"batch_size = 200\n\n[intake]\nparse_workers = {workers}\n\n"
        f'[storage]\ndata_dir = "{base / name}"\n\n'
        f'[general]\nrules_dir = "{ROOT / "rules"}"\ntemplates_dir = "{ROOT / "templates"}"\n',
        encoding="utf-8",
    )
    return path


def idle_poll_ms(app: App, rounds: int = 50) -> float:
    app.poll_once()  # connection open, folder selected, leftovers reconciled
    # Each poll commits its time to SQLite (an fsync): right after the big ingest, the
    # writeback of its 217 MB made that 1-3 ms slower and the ratio said nothing about
    # the folder's size. Both folders are measured on a clean page cache.
    os.sync()
    time.sleep(1)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        report = app.poll_once()
        times.append((time.perf_counter() - t) * 1000)
        assert report.fetched == 0
    return statistics.median(times)


def machine_speed() -> float:
    """Seconds for a fixed pure-Python loop: this VM's speed varies between runs (0.8 to
    1.5 s seen), so figures from different runs are comparable only next to this."""
    t, total = time.perf_counter(), 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - t


def cpu_by_process() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds incl. reaped children) for every process (/proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            out[int(entry.name)] = (int(fields[1]), sum(map(int, fields[11:15])) / tick)
    return out


def tree_cpu(snapshot: dict[int, tuple[int, float]], root: int) -> float:
    """CPU seconds of root and its descendants in a snapshot."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _cpu) in snapshot.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += snapshot.get(pid, (0, 0.0))[1]
        todo += children.get(pid, [])
    return total


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as tmp:
        return run(Path(tmp), args)


def run(base: Path, args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        dovecot = stack.enter_context(Dovecot.start(base / "dovecot"))
        big = dovecot.add_user("big", "big")
        small = dovecot.add_user("small", "small")
        os.environ[PASSWORD_ENV] = "big"
        print(f"generating and appending {args.messages} messages…", flush=True)
        t = time.perf_counter()
        sizes: list[int] = []

        def counted(raws):  # streamed: the bench's own copy must not count as mailbot's
            for raw in raws:
                sizes.append(len(raw))
                yield raw

        big.append_many("INBOX", counted(generate(args.messages, seed=1)))
        total_mb = sum(sizes) / 1e6
        print(f"  {total_mb:.0f} MB appended in {time.perf_counter() - t:.1f}s", flush=True)

        # As `mailbot run` logs: a line per message, secrets scrubbed, into a file here.
        log_file = stack.enter_context((base / "mailbot.log").open("w", encoding="utf-8"))
        with contextlib.redirect_stderr(log_file):
            setup_logging(secrets=["big"])
        app = App(load_config(config_for(base, big, "big", args.workers)))
        upgrade(app.engine)
        t = time.perf_counter()
        app.start_workers()  # as `mailbot run` does at start, before its first poll
        print(f"  parse workers started in {time.perf_counter() - t:.1f}s (not timed below)")
        speed = machine_speed()
        os.sync()  # start from a clean page cache: a previous run's writeback skews it by 30%
        time.sleep(2)
        before = cpu_by_process()
        t = time.perf_counter()
        cpu = os.times()
        report = app.poll_once()
        elapsed = time.perf_counter() - t
        main_cpu = (os.times().user - cpu.user) + (os.times().system - cpu.system)
        after, me = cpu_by_process(), os.getpid()
        server_cpu = tree_cpu(after, dovecot.proc.pid) - tree_cpu(before, dovecot.proc.pid)
        workers_cpu = tree_cpu(after, me) - tree_cpu(before, me) - main_cpu - server_cpu
        load = os.getloadavg()
        assert report.fetched == args.messages, report.summary()
        rate = args.messages / elapsed
        big_idle = idle_poll_ms(app)
        main_mb = rss_mb(resource.RUSAGE_SELF)
        app.close()  # workers exit: their peak is now in RUSAGE_CHILDREN
        workers_mb = rss_mb(resource.RUSAGE_CHILDREN)

        os.environ[PASSWORD_ENV] = "small"
        small.append_many("INBOX", list(generate(100, seed=2)))
        app_small = App(load_config(config_for(base, small, "small", args.workers)))
        upgrade(app_small.engine)
        app_small.poll_once()
        small_idle = idle_poll_ms(app_small)
        app_small.close()
        log_file.flush()
        log_lines = (base / "mailbot.log").read_text(encoding="utf-8").count("\n")

    print(
        f"\ningest: {args.messages} messages ({total_mb:.0f} MB) in {elapsed:.1f}s = "
        f"{rate:.0f} msg/s with {args.workers} parse workers  (target >= 500)"
    )
    print(f"        {report.summary()}")
    print(f"log:    {log_lines} lines written as `mailbot run` writes them")
    per_msg = 1000 / args.messages
    print(
        f"cpu: main process {main_cpu:.1f}s busy of {elapsed:.1f}s wall; "
        f"machine speed {speed:.2f}s for the reference loop (lower is faster)"
    )
    print(
        f"cpu per message: main {main_cpu * per_msg:.2f} ms, parse workers "
        f"{workers_cpu * per_msg:.2f} ms, Dovecot {server_cpu * per_msg:.2f} ms; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} (1 / 5 min)"
    )
    print(
        f"peak memory: main process {main_mb:.0f} MB, largest parse worker {workers_mb:.0f} MB"
        "  (target < 300 MB)"
    )
    print(
        f"idle poll: {big_idle:.2f} ms with {args.messages} messages in the folder, "
        f"{small_idle:.2f} ms with 100  (ratio {big_idle / small_idle:.2f}, target <= 1.5)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
