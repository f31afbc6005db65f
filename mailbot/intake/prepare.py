"""What a parse worker does with one fetched message: keep the raw bytes, parse, classify.

Kept apart from intake (and free of SQLAlchemy) so a worker process imports only what
it runs: the forkserver preloads this module once for all workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import os
import pickle
import select
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from mailbot.core.classify import Classification, ClassifyRules, classify
from mailbot.core.textmodel import ModelRef, TextModel
from mailbot.core.threads import strip_prefixes
from mailbot.intake.parse import parse_message
from mailbot.model import InboundMail
from mailbot.settings.rules import load_text_model
from mailbot.store.rawstore import RawStore


@dataclass(frozen=True)
class ParseFailure:
    reason: str


@dataclass(frozen=True)
class Prepared:
    """A message ready to record: parsed (or why not) and its raw bytes kept on disk."""

    parsed: InboundMail | ParseFailure
    sha256: str
    what: Classification | None = None  # classified in the worker when rules were given


def parse_safely(raw: bytes, oversized: bool = False) -> InboundMail | ParseFailure:
    """Never raises: runs in worker processes, where an exception would cost the batch."""
    try:
        return parse_message(raw, oversized=oversized)
    except Exception as exc:  # noqa: BLE001 - any parser crash becomes a quarantine reason
        return ParseFailure(f"{type(exc).__name__}: {exc}".strip())


# One open pack per process and store root (see RawStore): workers get only the root's
# path, and a new pack per call would bring back the file-per-message cost. Bounded so a
# test process that builds many apps does not collect open files.
_STORES: dict[Path, RawStore] = {}


def _raw_store(root: Path) -> RawStore:
    store = _STORES.get(root)
    if store is None:
        while len(_STORES) >= 4:
            _STORES.pop(next(iter(_STORES))).close()
        store = _STORES[root] = RawStore(root)
    return store


# One loaded classifier model per process and file version: the rules reach a worker
# without it (ClassifyRules.without_model) and it is read from disk once, not unpickled
# with every chunk.
_MODELS: dict[ModelRef, TextModel] = {}


def _with_model(rules: ClassifyRules) -> ClassifyRules:
    ref = rules.model_ref
    if rules.model is not None or ref is None:
        return rules
    model = _MODELS.get(ref)
    if model is None:
        model, loaded = load_text_model(Path(ref.path))
        if loaded != ref:  # the file changed since the main process read it
            raise RuntimeError(f"classifier model {ref.path} changed on disk; restart mailbot")
        _MODELS.clear()
        _MODELS[ref] = model
    return replace(rules, model=model)


@dataclass(frozen=True)
class RulesParcel:
    """The classify rules (without the model) as they travel to the parse workers:
    pickled once in the main process, unpickled once per worker and version.

    Sent as objects, they were pickled with every chunk of mail (~0.35 ms in the main
    process) and unpickled by the worker (~0.6 ms, and ~20 ms when the stdlib's regex
    cache, 512 patterns that the parser's per-message boundary patterns keep pushing
    out, no longer held theirs)."""

    key: str  # sha256 of blob: a changed rules file is a new parcel
    blob: bytes

    @classmethod
    def of(cls, rules: ClassifyRules) -> RulesParcel:
        blob = pickle.dumps(replace(rules, model=None), protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.sha256(blob).hexdigest(), blob)


# The rules of the last parcel this process unpacked (see RulesParcel).
_RULES: dict[str, ClassifyRules] = {}


def _unpacked(rules: ClassifyRules | RulesParcel) -> ClassifyRules:
    if isinstance(rules, ClassifyRules):
        return rules
    found = _RULES.get(rules.key)
    if found is None:
        _RULES.clear()
        found = _RULES[rules.key] = pickle.loads(rules.blob)  # noqa: S301 - our own bytes
    return found


def prepare(
    raw: bytes,
    oversized: bool = False,
    raw_root: Path | None = None,
    rules: ClassifyRules | RulesParcel | None = None,
) -> Prepared:
    """Keep the raw bytes, parse, classify. Runs in the parse workers: all three cost
    CPU, and the main process (IMAP, database) is the bottleneck of a backlog."""
    sha = _raw_store(raw_root).put(raw) if raw_root else hashlib.sha256(raw).hexdigest()
    parsed = parse_safely(raw, oversized)
    what = None
    if rules is not None and isinstance(parsed, InboundMail):
        try:
            what = classify_mail(parsed, _with_model(_unpacked(rules)))
        except Exception:  # noqa: BLE001 - the main process retries and reports it
            what = None
    return Prepared(parsed, sha, what)


def classify_mail(mail: InboundMail, rules: ClassifyRules) -> Classification:
    """Pure and the costliest part of the decision: the parse workers run it."""
    is_reply = strip_prefixes(mail.subject) != mail.subject.strip() or bool(mail.in_reply_to)
    return classify(mail.subject, mail.text, rules, is_reply=is_reply)


# Parse workers yield the CPU to the daemon's main process: its thread (IMAP, database,
# outbox) is the serial part of intake and, at equal priority with two workers on two
# cores, waited ~40 % of its time for a core (a 10,000-message backlog: 9.0 s in
# record_group for 5.5 s of its CPU; 6.4 s at this niceness, intake ~5 % faster). The
# escalation and delivery jobs of the same process are not held up by a backlog either.
WORKER_NICENESS = 10


def worker_init(parent: int) -> None:
    """Each parse worker, as it starts: tune the collector, yield the CPU to the daemon
    (WORKER_NICENESS) and die with `parent`.

    A worker's own parent is the forkserver, which waits for its workers, and a worker
    waits for the daemon's next task forever: when the daemon is killed (SIGKILL, the
    OOM killer) nothing would end them, and the forkserver and the resource tracker
    would wait for them in turn (160 processes after 40 kills). So each worker watches
    the daemon itself and exits when it is gone; then the forkserver and the resource
    tracker see their pipes close and end as well."""
    tune_gc()
    with contextlib.suppress(OSError):  # lowering one's own priority cannot fail on Linux
        os.nice(WORKER_NICENESS)
    threading.Thread(target=_die_with, args=(parent,), name="die-with-parent", daemon=True).start()


def _die_with(parent: int) -> None:
    """Return never: exit this process once `parent` has ended. A pidfd (Linux 5.3+)
    becomes readable when its process ends; elsewhere the pid is looked at every second."""
    try:
        pidfd = os.pidfd_open(parent)
    except ProcessLookupError:  # gone already
        os._exit(0)
    except (OSError, AttributeError):  # no pidfd here
        pidfd = None
    if pidfd is not None:
        select.select([pidfd], [], [])
    else:
        while _alive(parent):
            time.sleep(1)
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process now: ours is gone
        return False
    return True


def tune_gc() -> None:
    """Parsing mail allocates millions of short-lived objects and no cycles worth
    chasing; the default collector thresholds cost ~30% of intake time (measured with
    bench/ingest.py). Runs in the main process and in each parse worker, as does
    ``tune_malloc``."""
    gc.set_threshold(50_000, 20, 20)
    tune_malloc()


_M_MMAP_THRESHOLD = -3  # mallopt() parameter number in glibc's malloc.h


def tune_malloc() -> None:
    """Give blocks of 1 MB and more (a big message's bytes, its decoded parts) their own
    mmap, handed back to the system when freed. glibc raises that threshold to the size
    of each such block freed, up to 32 MB; after the first 23 MB message the next ones
    came from the heap, whose freed space is seldom given back: the daemon's peak with
    30 x 23 MB waiting was 186 MB instead of 140 (bench/memory.py). A fixed threshold
    ends the raising. Other C libraries (musl, macOS): nothing done."""
    with contextlib.suppress(OSError, AttributeError):  # no mallopt in the C library
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)
