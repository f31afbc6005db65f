"""The fast parse (base64 runs set aside) gives exactly the plain parse's result.

``parse_message`` sets long base64 runs aside before the stdlib parser sees them and puts
them back in the walk (mailbot/intake/base64_runs.py). These tests compare it, field by field,
with the plain parse (``set_aside=False``) on the golden samples, the shared corpus, the
benchmark's generated mail and hand-made messages where a run sits somewhere it must not
be set aside for good (preamble, attached message, quoted-printable part, ...). They also
check that the fast path is really taken where it should be, so a silent fallback to the
slow parse on ordinary mail fails here rather than only in the benchmark.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.errors import ParseError
from mailbot.intake import base64_runs
from mailbot.intake import parse as P
from tests.paths import ROOT, need_corpus

HERE = Path(__file__).resolve().parent
GENERATE_PY = ROOT / "bench" / "generate.py"


def _result(raw: bytes, *, set_aside: bool, oversized: bool = False) -> object:
    try:
        return dataclasses.asdict(P._parse(raw, oversized, set_aside=set_aside))
    except ParseError as exc:
        return ("ParseError", str(exc))


def _same(raw: bytes, *, oversized: bool = False) -> object:
    fast = _result(raw, set_aside=True, oversized=oversized)
    assert fast == _result(raw, set_aside=False, oversized=oversized)
    return fast


def _set_aside(raw: bytes) -> dict[str, str]:
    text = raw.lstrip(b"\r\n")
    end = P._HEADER_END.search(text)
    assert end is not None
    return base64_runs.set_aside_runs(text, end.end())[1]


def _b64(data: bytes, eol: bytes = b"\r\n") -> bytes:
    return base64.encodebytes(data).replace(b"\n", eol)


def _blob(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


HEAD = (
    b"From: Jan Kowalski <jan@firma.pl>\r\nTo: pomoc@kjm.pl\r\n"
    b"Subject: =?utf-8?q?Faktura_z_za=C5=82=C4=85cznikiem?=\r\n"
    b"Date: Mon, 23 Nov 2026 09:15:00 +0100\r\nMessage-ID: <fast-{n}@firma.pl>\r\n"
    b"MIME-Version: 1.0\r\n"
)


def _mixed(n: int, *parts: bytes, preamble: bytes = b"", eol: bytes = b"\r\n") -> bytes:
    head = HEAD.replace(b"{n}", str(n).encode())
    body = b'Content-Type: multipart/mixed; boundary="XyZ"\r\n\r\n' + preamble
    for part in parts:
        body += b"--XyZ\r\n" + part + b"\r\n"
    return (head + body + b"--XyZ--\r\n").replace(b"\r\n", eol)


TEXT = (
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Dzie\xc5\x84 dobry, w za\xc5\x82\xc4\x85czeniu.\r\n"
)


def _pdf(data: bytes, name: bytes = b"faktura.pdf", eol: bytes = b"\r\n") -> bytes:
    return (
        b'Content-Type: application/pdf; name="' + name + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="' + name + b'"\r\n\r\n'
    ) + _b64(data, eol)


def test_an_attachment_is_set_aside_and_put_back_byte_for_byte():
    data = _blob(150_000)
    raw = _mixed(1, TEXT, _pdf(data))
    assert len(_set_aside(raw)) == 1  # the fast path is taken
    mail = _same(raw)
    assert mail["attachments"] == (
        {"filename": "faktura.pdf", "content_type": "application/pdf", "size": len(data),
         "sha256": hashlib.sha256(data).hexdigest()},
    )  # fmt: skip
    assert "w załączeniu" in mail["text"]


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_many_attachments_identical_ones_and_both_line_ends(eol):
    same = _blob(20_000, 1)
    parts = [_pdf(_blob(9_000 + i, i), f"plik{i}.pdf".encode()) for i in range(12)]
    raw = _mixed(2, TEXT, *parts, _pdf(same, b"a.pdf"), _pdf(same, b"b.pdf"), eol=eol)
    assert len(_set_aside(raw)) == 14  # "/1/" and "/10/" are different placeholders
    mail = _same(raw)
    assert [a["size"] for a in mail["attachments"]][-2:] == [20_000, 20_000]


def test_a_single_part_base64_message():
    data = _blob(50_000, 3)
    raw = (
        HEAD.replace(b"{n}", b"3")
        + (b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
        + _b64(data)
    )
    assert _set_aside(raw)
    assert _same(raw)["attachments"][0]["size"] == 50_000


HARD_CASES = {
    # each a message where a run of base64-alphabet lines sits where putting it back
    # is not enough: the walk must notice and parse plainly
    "run in the preamble": _mixed(10, TEXT, preamble=_b64(_blob(10_000)) + b"\r\n"),
    "run in the epilogue-less end": _mixed(11, TEXT, _pdf(_blob(10_000)))[:-9],
    "run in an attached message": _mixed(
        12,
        TEXT,
        b"Content-Type: message/rfc822\r\n\r\n"
        + HEAD.replace(b"{n}", b"inner")
        + b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + _b64(_blob(12_000)),
    ),
    "run as the nested message's header block": _mixed(
        13, TEXT, b"Content-Type: message/rfc822\r\n\r\n" + _b64(_blob(12_000))
    ),
    "run in a quoted-printable part": _mixed(
        14,
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + _b64(_blob(12_000)),
    ),
    "run in a 7bit text part": _mixed(15, b"Content-Type: text/plain\r\n\r\n" + _b64(_blob(9_000))),
    "run in a multipart attachment (flattened)": _mixed(
        16,
        b'Content-Type: multipart/mixed; boundary="in"\r\n'
        b'Content-Disposition: attachment; filename="spakowane.bin"\r\n\r\n'
        b"--in\r\n" + _pdf(_blob(11_000)) + b"\r\n--in--\r\n",
    ),
    "run in a delivery report": _mixed(
        17,
        b"Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + _b64(_blob(8_000)),
    ),
    "placeholder text already in the mail": _mixed(
        18, TEXT + b"MAILBOT/SET/ASIDE/0/\r\n", _pdf(_blob(10_000))
    ),
    "base64 leaf with raw 8-bit bytes": _mixed(
        19, _pdf(_blob(10_000))[:-200] + b"\xc5\x82\r\n" + _pdf(_blob(10_000))[-200:]
    ),
    "lone CR line ends inside the run": _mixed(
        20, TEXT, _pdf(_blob(10_000)).replace(b"\r\n", b"\r", 40)
    ),
    "blank lines inside the run": _mixed(
        21, TEXT, _pdf(_blob(10_000)).replace(b"A\r\n", b"A\r\n\r\n")
    ),
    "missing close boundary": _mixed(22, TEXT, _pdf(_blob(10_000)))[: -len(b"--XyZ--\r\n")],
    "wrong boundary in the header": _mixed(23, TEXT, _pdf(_blob(10_000))).replace(
        b'boundary="XyZ"', b'boundary="Other"'
    ),
    # decoded from the message's bytes only when clean; these need the stdlib's repairs
    "base64 without its padding": _mixed(24, TEXT, _pdf(_blob(10_001)).rstrip(b"=\r\n")),
    "two base64 blobs glued (padding mid-run)": _mixed(
        25, TEXT, _pdf(_blob(10_001)) + b"\r\n" + _b64(_blob(5_000, 9)).rstrip(b"\r\n")
    ),
    "a stray character count": _mixed(26, TEXT, _pdf(_blob(10_002)).replace(b"==", b"")),
    # hashed in where an attached message is flattened: long runs (in pieces), two runs,
    # LF and CR-only line ends
    **{
        f"two runs in an attached message, {name}": _mixed(
            27,
            TEXT,
            b"Content-Type: message/rfc822\r\n\r\n"
            + _mixed(28, TEXT, _pdf(_blob(2_500_000, 7)), _pdf(_blob(9_000, 8), b"b.pdf")),
            eol=eol,
        )
        for name, eol in (("CRLF", b"\r\n"), ("LF", b"\n"), ("CR", b"\r"))
    },
}


# The cases the set-aside itself refuses, so the plain parse runs at once: the placeholder
# text is already in the mail, a byte outside base64 sits in the run, lines end in a lone
# CR. Every other case is set aside, or it would prove nothing about putting runs back
# or falling back to the plain parse.
NOT_SET_ASIDE = {
    "placeholder text already in the mail",
    "base64 leaf with raw 8-bit bytes",
    "lone CR line ends inside the run",
    "two runs in an attached message, CR",  # a mail with lone CR line ends throughout
}


@pytest.mark.parametrize("name", HARD_CASES)
def test_hard_cases_equal_the_plain_parse(name):
    raw = HARD_CASES[name]
    assert bool(_set_aside(raw)) is (name not in NOT_SET_ASIDE)
    _same(raw)
    _same(raw[: len(raw) // 2], oversized=True)


def test_a_run_outside_a_base64_leaf_falls_back_to_the_plain_parse(monkeypatch):
    calls = []
    plain = P._parse

    def spy(raw, oversized, *, set_aside):
        calls.append(set_aside)
        return plain(raw, oversized, set_aside=set_aside)

    monkeypatch.setattr(P, "_parse", spy)
    P.parse_message(HARD_CASES["run in a delivery report"])
    assert calls == [True, False]
    calls.clear()
    P.parse_message(_mixed(30, TEXT, _pdf(_blob(10_000))))
    assert calls == [True]  # put back in its leaf: no second parse
    calls.clear()
    P.parse_message(HARD_CASES["run in an attached message"])
    assert calls == [True]  # hashed in where the attached message is flattened


def test_golden_samples():
    emls = sorted((HERE / "samples").glob("*/*.eml"))
    assert emls
    for path in emls:
        raw = path.read_bytes()
        _same(raw)
        _same(raw[:3000], oversized=True)


def test_generated_benchmark_mail():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE_PY)
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate  # dataclasses look their module up
    spec.loader.exec_module(generate)
    taken = 0
    for raw in generate.generate(400, seed=5):
        taken += bool(_set_aside(raw))
        _same(raw)
    assert taken >= 20  # ~10 % carry a 100-200 KB attachment


def test_shared_corpus():
    taken = 0
    for path in sorted(need_corpus().rglob("*")):
        if path.is_file() and path.name != "README.md":
            raw = path.read_bytes()
            taken += bool(raw.strip() and b"\n\n" in raw.replace(b"\r", b"") and _set_aside(raw))
            _same(raw)
    assert taken >= 20


def test_a_25_mb_attachment_is_decoded_without_copying_the_run(tmp_path: Path) -> None:
    """The stdlib's get_payload(decode=True) makes three copies of a base64 payload (str,
    bytes, lines joined): one 25.8 MB mail took a parse worker to ~240 MB. Decoded from the
    message's bytes, the peak is the raw bytes plus the decoded attachment and a little."""
    data = _blob(18_800_000, 4)
    raw = _mixed(40, TEXT, _pdf(data))
    path = tmp_path / "big.eml"
    path.write_bytes(raw)
    script = (
        "import resource, sys\n"
        "from mailbot.intake.parse import parse_message\n"
        "raw = open(sys.argv[1], 'rb').read()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "mail = parse_message(raw)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((after - before) * 1024, mail.attachments[0].size)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    grown, size = int(out[0]), int(out[1])
    assert size == len(data)
    assert grown < len(data) + len(raw) // 2, f"peak grew by {grown / 1e6:.0f} MB"
