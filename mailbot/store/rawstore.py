"""Raw message bytes on disk, found again by sha256, so any message can be re-read.

Each writing process appends to its own pack file (``packs/<name>.pack``) and notes
``<sha256> <offset> <length>`` in a sidecar index (``<name>.idx``). A file per message
cost an inode allocation each, a large share of a parse worker's time in the backlog
benchmark (figures in the README). Packs are never
rewritten and never shared between processes, so there is no locking, and a killed
writer leaves at most a torn tail nobody references: the bytes are written before the
database commit that names their sha256, and ``get`` checks the sha256 of what it reads.

No fsync per message: a killed process keeps what the kernel already has; host power
loss is covered by backups (see README). Stores written before packs existed keep one
file per message (``<sha[:2]>/<sha>.eml``); ``get`` still reads those.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

PACK_LIMIT = 256 * 1024 * 1024  # start a new pack past this size: backups copy whole files


@dataclass
class _Pack:
    pid: int  # the process that opened it: a forked child must not share it
    fd: int
    idx: int
    size: int
    name: str

    def close(self) -> None:
        os.close(self.fd)
        os.close(self.idx)


class RawStore:
    def __init__(self, root: Path, pack_limit: int = PACK_LIMIT):
        self.root = root
        self.packs = root / "packs"
        self.pack_limit = pack_limit
        self._pack: _Pack | None = None
        self._lock = threading.Lock()

    def put(self, raw: bytes, sha256: str | None = None) -> str:
        """Append `raw` and index it under its sha256 (returned). Storing the same bytes
        again appends another copy: harmless, `get` returns the first it finds."""
        digest = sha256 or hashlib.sha256(raw).hexdigest()
        with self._lock:
            pack = self._writable(len(raw))
            offset = pack.size
            try:
                _write_all(pack.fd, raw)
                pack.size += len(raw)
                _write_all(pack.idx, f"{digest} {offset} {len(raw)}\n".encode())
            except OSError:  # disk full, say: the pack's end is unknown now, so
                self._pack = None  # the next put starts a new one (this one is left as is)
                pack.close()
                raise
        return digest

    def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; FileNotFoundError when there are none."""
        needle = sha256.encode()
        for idx in sorted(self.packs.glob("*.idx")) if self.packs.is_dir() else ():
            for offset, length in _entries(idx, needle):
                raw = _read(idx.with_suffix(".pack"), offset, length)
                if raw is not None and hashlib.sha256(raw).hexdigest() == sha256:
                    return raw
        return (self.root / sha256[:2] / f"{sha256}.eml").read_bytes()  # before packs

    def close(self) -> None:
        with self._lock:
            if self._pack is not None:
                self._pack.close()
            self._pack = None

    def _writable(self, incoming: int) -> _Pack:
        pack = self._pack
        if pack is not None:
            fits = pack.size == 0 or pack.size + incoming <= self.pack_limit
            if pack.pid == os.getpid() and fits:
                return pack
            pack.close()  # full, or inherited by a forked child: the parent's to fill
        self._pack = pack = self._open_new()
        return pack

    def _open_new(self) -> _Pack:
        """A fresh pack: host, pid and a random part keep writers (two instances on
        shared storage, workers, the CLI) from ever meeting in one file."""
        self.packs.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        name = f"{socket.gethostname()}-{pid}-{secrets.token_hex(4)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
        fd = os.open(self.packs / f"{name}.pack", flags, 0o640)
        idx = os.open(self.packs / f"{name}.idx", flags, 0o640)
        return _Pack(pid, fd, idx, 0, name)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _entries(idx: Path, needle: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each index line for `needle`; a torn last line is skipped."""
    found: list[tuple[int, int]] = []
    with idx.open("rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return found
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as text:
            at = text.find(needle)
            while at >= 0:
                end = text.find(b"\n", at)
                fields = text[at:end].split() if end >= 0 else []
                if len(fields) == 3 and (at == 0 or text[at - 1 : at] == b"\n"):
                    found.append((int(fields[1]), int(fields[2])))
                at = text.find(needle, at + 1)
    return found


def _read(pack: Path, offset: int, length: int) -> bytes | None:
    try:
        with pack.open("rb") as f:
            f.seek(offset)
            raw = f.read(length)
    except FileNotFoundError:
        return None
    return raw if len(raw) == length else None
