"""CPU time per message, stage by stage, in one process (the margin behind the throughput target).

    python bench/stages.py [--messages 2000] [--imap] [--repeat 3]

Wall-clock figures of bench/ingest.py swing by ±15 % on this shared VM; CPU time of a
fixed sample does not, so optimisations are decided here. Stages, on the messages of
``generate(n, seed=1)`` (the same mix as bench/ingest.py):

- parse:   ``parse_message`` alone (a parse worker's core);
- prepare: what a parse worker does per message (keep raw, parse, classify);
- classify: ``classify_mail`` alone, phrases and the learned model (a parse worker's
           share of the decision), on this mix and on the 729 labelled Polish mails;
- pickle:  the Prepared result there and back (the worker -> main process hop);
- record:  ``Intake.record_group`` in groups of 50 into SQLite, with the App's decider,
           as backlog history like bench/ingest.py (main process);
- live:    the same as new mail, so the outbox also queues replies and alerts;
- fetch:   (``--imap``) ``ImapMailbox.fetch_messages`` in batches of 200 from a private
           Dovecot (main process only; Dovecot's own CPU is not counted).

``--mix`` gives the messages the sender mix of ``bench/ingest.py --live`` (44 % from
registered clients' addresses: the decider reads contracts and the ledger, emergencies
of care clients queue pages). Each stage is run ``--repeat`` times and the lowest figure
is printed (least disturbed).
"""

from __future__ import annotations

import argparse
import gc
import pickle
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from generate import generate  # noqa: E402

from mailbot.daemon import App  # noqa: E402
from mailbot.intake.parse import parse_message  # noqa: E402
from mailbot.intake.poller import GROUP_COMMIT  # noqa: E402
from mailbot.intake.prepare import classify_mail, prepare, tune_gc  # noqa: E402
from mailbot.model import FetchedMessage  # noqa: E402
from mailbot.settings.config import load_config  # noqa: E402
from mailbot.store.db import upgrade  # noqa: E402
from tests.labelled import PARTS, load  # noqa: E402

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def config(base: Path, name: str) -> Path:
    path = base / f"{name}.toml"
    path.write_text(
        '[imap]\nhost = "127.0.0.1"\nport = 1\ntls = "none"\nuser = "x"\n'
        'password_env = "MAILBOT_STAGES_UNUSED"\nprocessed = "flag"\n\n'
        f'[storage]\ndata_dir = "{base / name}"\n\n'
        f'[general]\nrules_dir = "{ROOT / "rules"}"\ntemplates_dir = "{ROOT / "templates"}"\n',
        encoding="utf-8",
    )
    return path


def cpu_ms(fn, n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best * 1000 / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--imap", action="store_true", help="also time the FETCH (needs Dovecot)")
    ap.add_argument("--only", default="", help="comma-separated stages to run")
    ap.add_argument(
        "--mix",
        action="store_true",
        help="the realistic sender mix of bench/ingest.py --live (registered clients)",
    )
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    tune_gc()
    raws = list(generate(args.messages, seed=1))
    if args.mix:
        from mix import MixCounts, with_clients

        from mailbot.settings.rules import load_rules

        clients = load_rules(ROOT / "rules").book.clients
        raws = list(with_clients(iter(raws), clients, counts=MixCounts()))
    n = len(raws)
    print(f"{n} messages, {sum(map(len, raws)) / 1e6:.1f} MB", flush=True)
    with tempfile.TemporaryDirectory(prefix="mailbot-stages-") as tmp:
        base = Path(tmp)
        app = App(load_config(config(base, "probe")))
        rules = app.intake.classify_rules
        root = app.raw_store.root
        figures: dict[str, float] = {}

        def want(stage: str) -> bool:
            return not only or stage in only

        if want("parse"):
            figures["parse"] = cpu_ms(lambda: [parse_message(r) for r in raws], n, args.repeat)
        prepared = [prepare(r, False, root, rules) for r in raws]
        if want("prepare"):
            figures["prepare"] = cpu_ms(
                lambda: [prepare(r, False, root, rules) for r in raws], n, args.repeat
            )
        if want("classify"):
            mails = [parse_message(r) for r in raws]
            figures["classify"] = cpu_ms(
                lambda: [classify_mail(m, rules) for m in mails], n, args.repeat
            )
            labelled = [parse_message(c.raw) for part in PARTS for c in load(part)]
            figures["classify (labelled)"] = cpu_ms(
                lambda: [classify_mail(m, rules) for m in labelled], len(labelled), args.repeat
            )
        if want("pickle"):
            figures["pickle"] = cpu_ms(
                lambda: [pickle.loads(pickle.dumps(p, -1)) for p in prepared], n, args.repeat
            )
        app.close()
        for stage, history in (("record", True), ("live", False)):
            if want(stage):
                figures[stage] = record_ms(base, stage, raws, prepared, history, args.repeat)
        if args.imap and want("fetch"):
            figures["fetch"] = fetch_ms(base, raws, args.repeat)
    for stage, ms in figures.items():
        print(f"{stage:19s} {ms:6.3f} ms CPU/msg")
    return 0


def record_ms(
    base: Path, stage: str, raws: list[bytes], prepared: list, history: bool, repeat: int
) -> float:
    """CPU of record_group alone, each round into a fresh database."""
    items = [
        (FetchedMessage("INBOX", uid, 1, raw, len(raw), NOW), p, history)
        for uid, (raw, p) in enumerate(zip(raws, prepared, strict=True), 1)
    ]
    best = float("inf")
    for round_ in range(repeat):
        app = App(load_config(config(base, f"{stage}{round_}")))
        upgrade(app.engine)
        app.sync_clients()  # as the daemon does before its first poll (tickets name clients)
        gc.collect()
        t = time.process_time()
        for start in range(0, len(items), GROUP_COMMIT):
            app.intake.record_group(items[start : start + GROUP_COMMIT], NOW)
        best = min(best, time.process_time() - t)
        app.close()
    return best * 1000 / len(items)


def fetch_ms(base: Path, raws: list[bytes], repeat: int) -> float:
    from mailbot.edges.imap import ImapMailbox, ImapSettings
    from tests.servers import Dovecot

    with Dovecot.start(base / "dovecot") as dovecot:
        account = dovecot.add_user("stages", "stages")
        account.append_many("INBOX", raws)
        box = ImapMailbox(ImapSettings(account.host, account.port, "none", "stages", "stages"))
        status = box.select("INBOX")
        uids = box.uids_after(0)
        assert len(uids) == len(raws), len(uids)

        def fetch() -> None:
            for start in range(0, len(uids), 200):
                got = box.fetch_messages(
                    "INBOX", status.uidvalidity, uids[start : start + 200], 25_000_000
                )
                assert len(got) == len(uids[start : start + 200])

        ms = cpu_ms(fetch, len(uids), repeat)
        box.close()
        return ms


if __name__ == "__main__":
    raise SystemExit(main())
