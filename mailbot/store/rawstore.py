"""Raw message bytes on disk, addressed by sha256, so any message can be re-read.

Written before the database commit that references it (a crash then leaves at most an
unreferenced file, never a row without its bytes). Content addressing makes the write
idempotent. No fsync per file: a killed process keeps what the kernel already has;
host power loss is covered by backups (see README).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


class RawStore:
    def __init__(self, root: Path):
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.eml"

    def put(self, raw: bytes, sha256: str | None = None) -> str:
        """Write-then-rename, so a reader never sees half a file. Rewriting an existing
        file is harmless (same name, same bytes) and cheaper than asking first."""
        digest = sha256 or hashlib.sha256(raw).hexdigest()
        path = self.path_for(digest)
        tmp = f"{path}.tmp{os.getpid()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()
