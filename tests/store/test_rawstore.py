"""The raw-mail store: packs per writing process, found again by sha256."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from pathlib import Path

import pytest

from mailbot.store.rawstore import RawStore


def mail(i: int, size: int = 300) -> bytes:
    body = (f"Treść zgłoszenia {i}: ".encode() * (size // 20 + 1))[:size]
    return b"Subject: sprawa %d\r\n\r\n" % i + body


def test_every_message_comes_back_by_its_sha256(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    raws = [mail(i, 100 + i * 37) for i in range(200)]
    shas = [store.put(raw) for raw in raws]
    assert shas == [hashlib.sha256(r).hexdigest() for r in raws]
    reader = RawStore(tmp_path)  # another process reading what this one wrote
    assert [reader.get(sha) for sha in shas] == raws
    assert len(list((tmp_path / "packs").glob("*.pack"))) == 1  # one file, not 200


def test_an_unknown_sha256_is_a_file_not_found(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    store.put(mail(1))
    with pytest.raises(FileNotFoundError):
        store.get(hashlib.sha256(b"never stored").hexdigest())
    with pytest.raises(FileNotFoundError):
        RawStore(tmp_path / "empty").get("0" * 64)


def test_a_store_from_before_packs_is_still_read(tmp_path: Path) -> None:
    raw = mail(7)
    sha = hashlib.sha256(raw).hexdigest()
    (tmp_path / sha[:2]).mkdir()
    (tmp_path / sha[:2] / f"{sha}.eml").write_bytes(raw)
    store = RawStore(tmp_path)
    store.put(mail(8))  # packs exist too now
    assert store.get(sha) == raw


def test_a_full_pack_is_followed_by_a_new_one(tmp_path: Path) -> None:
    store = RawStore(tmp_path, pack_limit=1000)
    raws = [mail(i, 400) for i in range(6)] + [mail(99, 5000)]  # the last alone > limit
    shas = [store.put(raw) for raw in raws]
    packs = sorted((tmp_path / "packs").glob("*.pack"))
    assert all(p.stat().st_size <= 1000 or p.stat().st_size == len(raws[-1]) for p in packs)
    assert len(packs) == 4  # 2 + 2 + 2 small ones, then the big one on its own
    assert [RawStore(tmp_path).get(s) for s in shas] == raws


def test_a_torn_tail_left_by_a_killed_writer_is_never_returned(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    good = mail(1)
    sha = store.put(good)
    torn = mail(2, 2000)
    torn_sha = hashlib.sha256(torn).hexdigest()
    pack = next((tmp_path / "packs").glob("*.pack"))
    with pack.open("ab") as f:  # killed halfway through the bytes
        f.write(torn[:700])
    with pack.with_suffix(".idx").open("ab") as f:
        f.write(f"{torn_sha} {len(good)} {len(torn)}\n".encode())
        f.write(sha.encode()[:40])  # and halfway through a second index line
    reader = RawStore(tmp_path)
    assert reader.get(sha) == good
    with pytest.raises(FileNotFoundError):
        reader.get(torn_sha)


def test_damaged_bytes_are_skipped_for_an_intact_copy(tmp_path: Path) -> None:
    raw = mail(3)
    first = RawStore(tmp_path)
    sha = first.put(raw)
    first.close()
    pack = next((tmp_path / "packs").glob("*.pack"))
    pack.write_bytes(b"X" + pack.read_bytes()[1:])  # bit rot in the first copy
    RawStore(tmp_path).put(raw)  # the same mail stored again later (a resync)
    assert RawStore(tmp_path).get(sha) == raw


def _put_in_child(root: Path, raw: bytes, store: RawStore) -> None:
    store.put(raw)  # a forked child inherits `store`: it must not write the parent's pack
    RawStore(root).put(raw + b"!")


def test_each_process_writes_its_own_pack(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    store.put(mail(1))
    child = multiprocessing.get_context("fork").Process(
        target=_put_in_child, args=(tmp_path, mail(2), store)
    )
    child.start()
    child.join()
    assert child.exitcode == 0
    store.put(mail(3))  # the parent's pack goes on where it was
    packs = list((tmp_path / "packs").glob("*.pack"))
    assert len(packs) == 3
    names = {p.stem.split("-")[-2] for p in packs}
    assert str(os.getpid()) in names and str(child.pid) in names
    reader = RawStore(tmp_path)
    for raw in (mail(1), mail(2), mail(2) + b"!", mail(3)):
        assert reader.get(hashlib.sha256(raw).hexdigest()) == raw


def test_after_a_failed_write_the_next_message_goes_to_a_new_pack(tmp_path: Path, monkeypatch):
    store = RawStore(tmp_path)
    first = store.put(mail(1))
    real_write = os.write
    calls = {"n": 0}

    def disk_full_halfway(fd: int, data) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            real_write(fd, bytes(data[:50]))  # some bytes land, then the disk is full
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", disk_full_halfway)
    with pytest.raises(OSError):
        store.put(mail(2, 1000))
    third = store.put(mail(3))
    monkeypatch.undo()
    reader = RawStore(tmp_path)
    assert reader.get(first) == mail(1) and reader.get(third) == mail(3)
    assert len(list((tmp_path / "packs").glob("*.pack"))) == 2
