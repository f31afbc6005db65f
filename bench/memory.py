"""Peak memory of the daemon and its parse workers with big mail waiting in a real Dovecot.

    python bench/memory.py [--messages 30] [--size-mb 23] [--batch-bytes 64MB] [--workers 2]

A private Dovecot (tests/servers.py) gets ``--messages`` messages of ``--size-mb`` MB (a
short Polish text and one or more base64 attachments; every third one also a 2 MB HTML
body), appended by a separate process so the bench's own copies do not count. Then one
``App.poll_once()`` fetches, parses, classifies and records them all, as ``mailbot run``
does, with the parse workers started first.

Printed: the peak RSS (VmHWM) of the main process and of each parse worker, and the
largest sum of the RSS of all of them seen at one moment (sampled every 20 ms; the
forkserver, which only forks workers, is counted too). Goal: < 300 MB all together.

Then one message of ``--one-mb`` MB (25.8) goes alone to a fresh parse worker, started as
the daemon starts its workers (forkserver, ``mailbot.intake.prepare`` preloaded): the worker's
peak RSS for it, pickled bytes in and parse included. Goal: < ~150 MB. (With the default
imap.batch_bytes the daemon parses a batch that small itself; the figure is what a
worker needs when a message that size reaches one.)
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

PASSWORD_ENV = "MAILBOT_BENCH_PASSWORD"
MB = 1 << 20


def big_mail(i: int, size: int) -> bytes:
    """One message of about ``size`` bytes, deterministic for ``i``."""
    rng = random.Random(i)
    boundary = f"b-{i}"
    parts = [
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Dzień dobry,\r\nw załączeniu skany dokumentów i zrzuty ekranu błędu.\r\n"
        "Pozdrawiam\r\nJan Kowalski\r\n".encode()
    ]
    if i % 3 == 2:
        row = "<tr><td>Pozycja</td><td>Zażółć gęślą jaźń</td><td>123,45 zł</td></tr>\r\n"
        html = "<html><body><table>" + row * (2 * MB // len(row.encode())) + "</table></body>"
        parts.append(
            b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + html.encode()
        )
    files = 1 if i % 3 == 0 else 6
    left = size - sum(map(len, parts)) - 600 * (files + 2)
    for n in range(files):
        data = rng.randbytes(left * 57 // 78 // files)
        encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
        parts.append(
            f'Content-Type: application/pdf; name="skan-{n}.pdf"\r\n'
            "Content-Transfer-Encoding: base64\r\n"
            f'Content-Disposition: attachment; filename="skan-{n}.pdf"\r\n\r\n'.encode()
            + encoded
        )
    head = (
        "From: Jan Kowalski <jan.kowalski@example-klient.pl>\r\nTo: pomoc@kjmssoft.pl\r\n"
        f"Subject: Skany dokumentów {i}\r\nDate: Tue, 24 Nov 2026 10:15:00 +0100\r\n"
        f"Message-ID: <big-{i}@example-klient.pl>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    ).encode()
    body = b"".join(f"--{boundary}\r\n".encode() + p + b"\r\n" for p in parts)
    return head + body + f"--{boundary}--\r\n".encode()


def append(host: str, port: int, user: str, password: str, count: int, size: int) -> None:
    """Runs in a child process (``--append``): the messages never live in the bench."""
    from imapclient import IMAPClient

    with IMAPClient(host, port=port, ssl=False) as client:
        client.login(user, password)
        for i in range(count):
            client.append("INBOX", big_mail(i, size))


def status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:  # gone meanwhile
        pass
    return 0


def parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):  # gone meanwhile
        return 0


def descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parents.setdefault(parent(int(entry.name)), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kind(pid: int, main: int) -> str:
    if pid == main:
        return "main process"
    with contextlib.suppress(OSError):
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"resource_tracker" in cmd:
            return "resource tracker"
        if b"forkserver" in cmd and parent(pid) == main:
            return "forkserver"  # the workers it forks carry its command line too
    return "parse worker"


class Sampler(threading.Thread):
    """The largest sum of VmRSS over this process and its descendants, and each one's
    VmHWM as last seen (a worker's high-water mark is read before the pool shuts down)."""

    def __init__(self, skip: set[int]) -> None:
        super().__init__(daemon=True)
        self.skip = skip  # Dovecot's processes: not mailbot's memory
        self.stop = threading.Event()
        self.peak_total = 0
        self.hwm: dict[int, int] = {}
        self.kinds: dict[int, str] = {}

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.02):
            pids = [me, *(p for p in descendants(me) if p not in self.skip)]
            total = 0
            for pid in pids:
                total += status_kb(pid, "VmRSS")
                self.hwm[pid] = max(self.hwm.get(pid, 0), status_kb(pid, "VmHWM"))
                if pid not in self.kinds:
                    self.kinds[pid] = kind(pid, me)
            self.peak_total = max(self.peak_total, total)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=30)
    ap.add_argument("--size-mb", type=float, default=23)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-bytes", help='imap.batch_bytes, e.g. "64MB" (default: the default)')
    ap.add_argument("--one-mb", type=float, default=25.8, help="the single message's size")
    ap.add_argument("--append", nargs=4, help=argparse.SUPPRESS)  # host port user password
    args = ap.parse_args()
    if args.append:
        host, port, user, password = args.append
        append(host, int(port), user, password, args.messages, int(args.size_mb * MB))
        return 0
    with tempfile.TemporaryDirectory(prefix="mailbot-memory-") as tmp:
        return run(Path(tmp), args)


def run(base: Path, args: argparse.Namespace) -> int:
    from mailbot.daemon import App
    from mailbot.settings.config import load_config
    from mailbot.store.db import upgrade
    from tests.servers import Dovecot

    with Dovecot.start(base / "dovecot") as dovecot:
        account = dovecot.add_user("big", "big")
        print(f"appending {args.messages} x {args.size_mb:g} MB…", flush=True)
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--messages", str(args.messages), "--size-mb",
             str(args.size_mb), "--append", account.host, str(account.port), "big", "big"],
            check=True,
        )  # fmt: skip
        print(f"  appended in {time.perf_counter() - t:.1f}s", flush=True)
        os.environ[PASSWORD_ENV] = "big"
        batch = f'batch_bytes = "{args.batch_bytes}"\n' if args.batch_bytes else ""
        path = base / "mailbot.toml"
        path.write_text(
            f'[imap]\nhost = "{account.host}"\nport = {account.port}\ntls = "none"\n'
            f'user = "big"\npassword_env = "{PASSWORD_ENV}"\nprocessed = "flag"\n{batch}\n'
            f"[intake]\nparse_workers = {args.workers}\n\n"
            f'[storage]\ndata_dir = "{base / "data"}"\n\n'
            f'[general]\nrules_dir = "{ROOT / "rules"}"\ntemplates_dir = "{ROOT / "templates"}"\n',
            encoding="utf-8",
        )
        app = App(load_config(path))
        upgrade(app.engine)
        app.start_workers()
        skip = {dovecot.proc.pid, *descendants(dovecot.proc.pid)}
        sampler = Sampler(skip)
        sampler.start()
        t = time.perf_counter()
        report = app.poll_once()
        elapsed = time.perf_counter() - t
        time.sleep(0.1)
        sampler.stop.set()
        sampler.join()
        app.close()
    print(f"\n{report.summary()}  ({elapsed:.1f}s)")
    order = sorted(sampler.hwm, key=lambda pid: (sampler.kinds[pid] != "main process", pid))
    for pid in order:
        print(f"{sampler.kinds[pid]:16} {pid:>7}  peak {sampler.hwm[pid] / 1024:6.0f} MB")
    print(
        f"all together: largest sum at one moment {sampler.peak_total / 1024:.0f} MB, "
        f"sum of the peaks {sum(sampler.hwm.values()) / 1024:.0f} MB  (goal < 300 MB)"
    )
    idle, peak = one_in_a_worker(int(args.one_mb * 1e6), base)
    print(
        f"one {args.one_mb:g} MB message in a parse worker: peak {peak / 1024:.0f} MB "
        f"(idle {idle / 1024:.0f} MB)  (goal < ~150 MB)"
    )
    return 0


def worker_status() -> tuple[int, int]:
    """(VmRSS, VmHWM) in kB of the process this runs in: a parse worker."""
    return status_kb(os.getpid(), "VmRSS"), status_kb(os.getpid(), "VmHWM")


def one_in_a_worker(size: int, base: Path) -> tuple[int, int]:
    """A worker pool as App.pool() builds it; one message through prepare()."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from mailbot.intake.prepare import prepare, tune_gc

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["mailbot.intake.prepare"])
    with ProcessPoolExecutor(1, mp_context=context, initializer=tune_gc) as pool:
        idle = pool.submit(worker_status).result()[0]
        raw = big_mail(0, size)
        pool.submit(prepare, raw, False, base / "one-raw").result()
        del raw
        return idle, pool.submit(worker_status).result()[1]


if __name__ == "__main__":
    raise SystemExit(main())
