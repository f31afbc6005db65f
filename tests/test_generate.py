"""bench/generate.py: deterministic, parseable, and the mix it claims."""

from __future__ import annotations

import email
import importlib.util
import subprocess
import sys
from collections import Counter
from email import policy
from pathlib import Path

import pytest

GENERATE_PY = Path(__file__).resolve().parent.parent / "bench" / "generate.py"
N = 1000


def _load():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


gen = _load()


@pytest.fixture(scope="module")
def raws() -> list[bytes]:
    return list(gen.generate(N, seed=7))


@pytest.fixture(scope="module")
def parsed(raws: list[bytes]) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(r, policy=policy.default) for r in raws]


def test_deterministic_and_prefix_stable(raws: list[bytes]):
    assert list(gen.generate(N, seed=7)) == raws
    assert list(gen.generate(100, seed=7)) == raws[:100]
    assert list(gen.generate(100, seed=8)) != raws[:100]


def test_crlf_ascii_headers_unique_ids(raws: list[bytes], parsed):
    for raw in raws:
        assert b"\n" not in raw.replace(b"\r\n", b"")
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert head.isascii()
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    ids = [m["Message-ID"] for m in parsed]
    assert len(set(ids)) == N


def test_parses_cleanly(parsed):
    for msg in parsed:
        for part in msg.walk():
            assert not part.defects, (msg["Message-ID"], part.defects)
            if part.get_content_maintype() == "text":  # strict decode in the declared charset
                part.get_payload(decode=True).decode(part.get_content_charset())
        subject = str(msg["Subject"])
        assert subject.strip() == subject and "\n" not in subject and "=?" not in subject
        assert msg["Date"].datetime.tzinfo is not None
        assert msg["From"].addresses[0].addr_spec
        assert msg.get_body(("plain",)).get_content().strip()


def test_mix_roughly_as_claimed(parsed):
    n = len(parsed)
    c: Counter[str] = Counter()
    for msg in parsed:
        plain = msg.get_body(("plain",))
        c[plain.get_content_charset()] += 1
        c[plain["Content-Transfer-Encoding"]] += 1
        c["alternative"] += msg.get_body(("html",)) is not None
        atts = list(msg.iter_attachments())
        c["attachment"] += bool(atts)
        for att in atts:
            assert 100_000 <= len(att.get_content()) <= 201_000
            assert att.get_filename().endswith(".pdf")
        c["reply"] += bool(msg["In-Reply-To"]) and not msg["Auto-Submitted"]
        c["tag"] += "[KJM-2026-" in str(msg["Subject"])
        c["autoreply"] += msg["Auto-Submitted"] == "auto-replied"
        c["plain-utf8"] += (
            msg.get_content_type() == "text/plain" and plain.get_content_charset() == "utf-8"
        )

    def share(key: str) -> float:
        return c[key] / n

    assert 0.70 < share("utf-8") < 0.80
    assert 0.12 < share("windows-1250") < 0.18
    assert 0.07 < share("iso-8859-2") < 0.13
    assert 0.21 < share("alternative") < 0.29
    assert 0.07 < share("attachment") < 0.13
    assert 0.16 < share("reply") < 0.24
    assert share("tag") > 0.10
    assert 0.005 < share("autoreply") < 0.04
    assert 0.45 < share("plain-utf8") < 0.60
    for cte in ("quoted-printable", "8bit", "base64"):
        assert c[cte] > 0.03 * n


def test_headers_encoded_folded_and_threads(raws: list[bytes], parsed):
    heads = [r.split(b"\r\n\r\n", 1)[0] for r in raws]
    subjects = [h.split(b"\r\nSubject: ", 1)[1].split(b"\r\nDate:", 1)[0] for h in heads]
    assert sum(b"=?windows-1250?" in s for s in subjects) > 0.05 * N
    assert sum(b"?B?" in s for s in subjects) > 0.05 * N
    assert sum(b"\r\n " in s for s in subjects) > 0.10 * N  # folded
    # encoded-words next to plain (maybe folded) words: each plain word stays a word
    mixed = 0
    for raw_subject, msg in zip(subjects, parsed, strict=True):
        tokens = raw_subject.replace(b"\r\n", b"").decode("ascii").split()
        plain = [t for t in tokens if not t.startswith("=?")]
        if plain and len(plain) < len(tokens):
            mixed += 1
            words = str(msg["Subject"]).split()
            assert all(t in words for t in plain), (raw_subject, str(msg["Subject"]))
    assert mixed > 0.05 * N
    ids = {m["Message-ID"] for m in parsed}
    for msg in parsed:
        if msg["In-Reply-To"] and not msg["Auto-Submitted"]:
            assert msg["In-Reply-To"] in ids
            assert set(str(msg["References"]).split()) <= ids
            assert str(msg["Subject"]).split(":")[0].lower() in ("re", "odp")
    senders = {m["From"].addresses[0].addr_spec for m in parsed}
    domains = {s.split("@")[1] for s in senders}
    assert len(senders) > 150 and len(domains) > 45
    assert {"gmail.com", "wp.pl"} & domains


def test_polish_text_survives(parsed):
    texts = [m.get_body(("plain",)).get_content() for m in parsed[:200]]
    assert sum(any(ch in t for ch in "ąćęłńóśźż") for t in texts) > 190


def test_cli_writes_files(tmp_path: Path):
    out = subprocess.run(
        [sys.executable, str(GENERATE_PY), "25", str(tmp_path / "out"), "--seed", "3"],
        capture_output=True,
        text=True,
        check=True,
    )
    files = sorted((tmp_path / "out").glob("*.eml"))
    assert [f.name for f in files][:2] == ["000001.eml", "000002.eml"] and len(files) == 25
    assert files[4].read_bytes() == list(gen.generate(5, seed=3))[4]
    assert "25 messages" in out.stderr
