"""Benchmark: ingest a backlog from a real Dovecot into SQLite, and time idle polls.

    python bench/ingest.py [--messages 10000] [--workers 2]
    python bench/ingest.py --live [--messages 10000] [--replies-per-hour 5]

Data goes to $TMPDIR (default /tmp: a real disk); TMPDIR=/dev/shm measures the CPU
side alone. Prints messages/s end to end (fetch, parse, record, flag on the server), peak memory of
the main process and of the parse workers, and the idle-poll time with a large versus a
small folder. Targets: >= 500 msg/s, < 300 MB, large idle <= 1.5x small idle.

--live runs the same messages twice, side by side: as history (the backlog found at the
first start: recorded, never answered) and as live mail (arrived after the first start:
recorded, answered, pages sent), each through the daemon's own jobs (poll, deliver) with
replies going to a local aiosmtpd in a process of its own (bench/smtp_sink.py). The
sender mix is realistic (bench/mix.py): a share of the companies are clients of
rules/clients.toml, some of them care clients whose emergencies page the person on call.
Prints, per path: intake msg/s (until the poll is done), the time until every queued
reply and page was accepted by the SMTP server, CPU per message per process (mailbot's
main process, its parse workers, Dovecot, the SMTP server) and peak memory.
Goal on the 2-core machine: live intake >= 1,000 msg/s, 10,000 live messages answered
in <= 30 s. `--replies-per-hour` sets outbox.replies_per_sender_per_hour (default 5, as
shipped; a flood from few senders is mostly rate-limited: raise it to send a reply to
every message).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from generate import generate  # noqa: E402
from sqlalchemy import text  # noqa: E402

from mailbot.daemon import App  # noqa: E402
from mailbot.ops.logs import setup as setup_logging  # noqa: E402
from mailbot.settings.config import load_config  # noqa: E402
from mailbot.store.db import upgrade  # noqa: E402
from tests.servers import Dovecot, free_port  # noqa: E402

PASSWORD_ENV = "MAILBOT_BENCH_PASSWORD"


def config_for(base: Path, account, name: str, workers: int, extra: str = "") -> Path:
    path = base / f"{name}.toml"
    path.write_text(
        f'[imap]\nhost = "{account.host}"\nport = {account.port}\ntls = "none"\n'
        f'user = "{account.user}"\npassword_env = "{PASSWORD_ENV}"\nprocessed = "flag"\n'
        f"batch_size = 200\n\n[intake]\nparse_workers = {workers}\n"
        f'poll_interval = "1h"\nidle = false\n\n'
        f'[storage]\ndata_dir = "{base / name}"\n\n'
        f'[general]\nrules_dir = "{ROOT / "rules"}"\ntemplates_dir = "{ROOT / "templates"}"\n'
        + extra,
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
    ap.add_argument("--live", action="store_true", help="history and live mail side by side")
    ap.add_argument("--replies-per-hour", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as tmp:
        return run_live(Path(tmp), args) if args.live else run(Path(tmp), args)


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


# -- history and live mail side by side ------------------------------------------------------
@dataclass
class Figures:
    """One path's run (history or live) of `run_live`."""

    messages: int
    intake_s: float
    answered_s: float | None  # until the SMTP server had every queued mail
    mailed: int  # replies and pages accepted by the SMTP server
    outbox: dict[str, int]  # kind/state -> rows
    cpu: dict[str, float]  # process -> CPU seconds
    peak_mb: dict[str, float]  # process -> peak RSS
    summary: str


class SinkCounter:
    """bench/smtp_sink.py in its own process: how many arrived, and when the last did."""

    def __init__(self, port: int):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), str(port)],
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != b"ready":
            raise RuntimeError("the SMTP sink did not start")
        self.count, self.last = 0, 0.0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read1(65536):
            self.count += len(chunk)
            self.last = time.perf_counter()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def vm_peak_mb(pid: int | str = "self") -> float:
    """Peak RSS (VmHWM) of a process from /proc, MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peak() -> None:
    """Start this process's peak RSS afresh (Linux: clear_refs 5), so the second run's
    peak is its own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def children_of(snapshot: dict[int, tuple[int, float]], root: int) -> set[int]:
    found, todo = set(), [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, _cpu) in snapshot.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def outbox_rows(app: App) -> dict[str, int]:
    with app.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, state, count(*) FROM outbox GROUP BY 1, 2"))
        return {f"{kind} {state}": n for kind, state, n in rows}


def unsent(app: App) -> int:
    with app.engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")
        ).scalar_one()


def one_path(app: App, n: int, dovecot_pid: int, sink: SinkCounter) -> Figures:
    """Start the daemon's jobs (the first poll takes the whole backlog at once, delivery
    goes on beside it), until the poll is done and nothing is left to send."""
    app.start_workers()  # as `mailbot run` does before its first poll: not timed
    speed_before = cpu_by_process()
    sunk_before, me = sink.count, os.getpid()
    reset_peak()
    cpu = os.times()
    t = time.perf_counter()
    assert app.start()
    while app.last_poll is None:
        time.sleep(0.02)
    intake_s = time.perf_counter() - t
    while unsent(app):
        time.sleep(0.05)
    mailed = sink.count - sunk_before
    answered_s = (sink.last - t) if mailed else None
    main_cpu = (os.times().user - cpu.user) + (os.times().system - cpu.system)
    after = cpu_by_process()
    dovecot = tree_cpu(after, dovecot_pid) - tree_cpu(speed_before, dovecot_pid)
    smtp = tree_cpu(after, sink.proc.pid) - tree_cpu(speed_before, sink.proc.pid)
    workers = tree_cpu(after, me) - tree_cpu(speed_before, me) - main_cpu - dovecot - smtp
    mine = children_of(after, me) - children_of(after, dovecot_pid) - {dovecot_pid}
    mine -= children_of(after, sink.proc.pid) | {sink.proc.pid}
    peaks = {"main": vm_peak_mb(), "worker": max((vm_peak_mb(p) for p in mine), default=0)}
    report = app.last_poll
    assert report.fetched == n, report.summary()
    rows = outbox_rows(app)
    app.shutdown()
    return Figures(
        n, intake_s, answered_s, mailed, rows,
        {"main": main_cpu, "workers": workers, "Dovecot": dovecot, "SMTP server": smtp},
        peaks, report.summary(),
    )  # fmt: skip


def run_live(base: Path, args: argparse.Namespace) -> int:
    from mix import MixCounts, with_clients

    from mailbot.settings.rules import load_rules

    clients = load_rules(ROOT / "rules").book.clients
    mix = MixCounts()
    figures: dict[str, Figures] = {}
    with contextlib.ExitStack() as stack:
        dovecot = stack.enter_context(Dovecot.start(base / "dovecot"))
        port = free_port()
        sink = SinkCounter(port)
        stack.callback(sink.stop)
        log_file = stack.enter_context((base / "mailbot.log").open("w", encoding="utf-8"))
        with contextlib.redirect_stderr(log_file):
            setup_logging(secrets=["bench"])
        extra = (
            f'\n[smtp]\nmode = "smtp"\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n'
            f"\n[outbox]\nreplies_per_sender_per_hour = {args.replies_per_hour}\n"
            "\n[alarm]\nenabled = false\n\n[digest]\nenabled = false\n"
        )
        os.environ[PASSWORD_ENV] = "bench"
        speed = machine_speed()
        for path in ("history", "live"):
            account = dovecot.add_user(path, "bench")
            app = App(load_config(config_for(base, account, path, args.workers, extra)))
            upgrade(app.engine)
            if path == "live":  # the first start's checkpoint: what arrives later is live
                app.poll_once()
            print(f"{path}: appending {args.messages} messages…", flush=True)
            counts = mix if path == "live" else MixCounts()
            account.append_many(
                "INBOX",
                with_clients(generate(args.messages, seed=1), clients, counts=counts),
            )
            os.sync()  # a clean page cache for each path
            time.sleep(2)
            figures[path] = one_path(app, args.messages, dovecot.proc.pid, sink)  # stops it
        load = os.getloadavg()
    print_live(figures, args, mix, speed, load)
    return 0


def print_live(figures: dict[str, Figures], args, mix, speed: float, load) -> None:
    n = args.messages
    h, live = figures["history"], figures["live"]
    rows = [
        ("intake, msg/s", f"{n / h.intake_s:,.0f}", f"{n / live.intake_s:,.0f}"),
        ("intake, seconds", f"{h.intake_s:.1f}", f"{live.intake_s:.1f}"),
        ("replies and pages accepted by SMTP", f"{h.mailed}", f"{live.mailed}"),
        ("every one accepted after, seconds", "-",
         f"{live.answered_s:.1f}" if live.answered_s is not None else "-"),
    ]  # fmt: skip
    for proc in ("main", "workers", "Dovecot", "SMTP server"):
        rows.append(
            (f"CPU ms/msg, {proc}", f"{1000 * h.cpu[proc] / n:.2f}",
             f"{1000 * live.cpu[proc] / n:.2f}")
        )  # fmt: skip
    rows.append(("peak RSS MB, main process", f"{h.peak_mb['main']:.0f}",
                 f"{live.peak_mb['main']:.0f}"))  # fmt: skip
    rows.append(("peak RSS MB, largest worker", f"{h.peak_mb['worker']:.0f}",
                 f"{live.peak_mb['worker']:.0f}"))  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"\n{n} messages, {args.workers} parse workers, "
          f"replies_per_sender_per_hour = {args.replies_per_hour}")  # fmt: skip
    print(f"sender mix: {mix.line()}")
    print(f"{'':{width}}  {'history':>10}  {'live':>10}")
    for label, a, b in rows:
        print(f"{label:{width}}  {a:>10}  {b:>10}")
    print(f"history: {h.summary}")
    print(f"live:    {live.summary}")
    print("live outbox: " + ", ".join(f"{k} {v}" for k, v in sorted(live.outbox.items())))
    print(
        f"machine speed {speed:.2f}s for the reference loop (lower is faster); load average "
        f"at the end {load[0]:.1f} / {load[1]:.1f} (1 / 5 min)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
