"""How often mailbot's parser reads sender address, display name and subject "right".

    python bench/parse_fidelity.py [--corpus /work/shared/corpus] [--show 20]

Two measures, printed separately:

- golden: the samples of ``tests/mail/samples/*/*.eml`` against their ``.expected.json``
  (``from_address``, ``from_name``, ``subject`` where the file names them);
- corpus: every file of the shared third-party corpus (read, never copied) against what
  ``email.message_from_bytes(raw, policy=email.policy.default)`` gives, on the files where
  the stdlib does not raise. The stdlib is a reference, not the truth: it keeps raw
  surrogates for undeclared 8-bit bytes, does not join a character split across two
  encoded words, and reads no name from a comment. The remaining disagreements are
  listed by class so a person can judge which side is right.

Values are compared after whitespace is collapsed (``one_line``); addresses lower-cased.
A file mailbot refuses (ParseError) counts as a disagreement on every field it has.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from mailbot.errors import ParseError  # noqa: E402
from mailbot.parse import parse_message  # noqa: E402
from mailbot.textdecode import one_line  # noqa: E402

FIELDS = ("address", "name", "subject")


def ours(raw: bytes) -> dict[str, str] | None:
    try:
        mail = parse_message(raw)
    except ParseError:
        return None
    sender = mail.sender
    return {
        "address": sender.address if sender else "",
        "name": one_line(sender.name) if sender else "",
        "subject": one_line(mail.subject),
    }


def reference(raw: bytes) -> dict[str, str] | None:
    """The stdlib's modern reading, or None when it raises on this message."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        header = msg["from"]
        first = header.addresses[0] if header is not None and header.addresses else None
        subject = msg["subject"]
        return {
            "address": first.addr_spec.lower() if first and first.addr_spec != "<>" else "",
            "name": one_line(first.display_name) if first else "",
            "subject": one_line(str(subject)) if subject is not None else "",
        }
    except Exception:  # noqa: BLE001 - the reference gives up on this file: not counted
        return None


def expected(eml: Path) -> dict[str, str]:
    data = json.loads(eml.with_name(eml.stem + ".expected.json").read_text(encoding="utf-8"))
    if "error" in data:
        return {}
    keys = {"address": "from_address", "name": "from_name", "subject": "subject"}
    return {field: data[key] for field, key in keys.items() if key in data}


def compare(
    label: str, pairs: list[tuple[str, dict[str, str] | None, dict[str, str]]], show: int
) -> None:
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    whole = whole_total = 0
    misses: dict[str, list[str]] = defaultdict(list)
    for name, got, want in pairs:
        if not want:
            continue
        all_ok = True
        for field in FIELDS:
            if field not in want:
                continue
            total[field] += 1
            value = None if got is None else got[field]
            if value == want[field]:
                agree[field] += 1
            else:
                all_ok = False
                misses[field].append(f"{name}: {value!r} != {want[field]!r}")
        whole_total += 1
        whole += all_ok
    print(f"{label}: {whole_total} messages")
    for field in FIELDS:
        if total[field]:
            share = 100 * agree[field] / total[field]
            print(f"  {field:8} {agree[field]:5}/{total[field]:<5} {share:6.2f} %")
    if whole_total:
        print(f"  all three {whole:5}/{whole_total:<5} {100 * whole / whole_total:6.2f} %")
    for field in FIELDS:
        for line in misses[field][:show]:
            print(f"    {field}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    parser.add_argument("--show", type=int, default=15, help="disagreements listed per field")
    args = parser.parse_args()

    samples = ROOT / "tests" / "mail" / "samples"
    golden = [
        (eml.relative_to(samples).as_posix(), ours(eml.read_bytes()), expected(eml))
        for eml in sorted(samples.glob("*/*.eml"))
    ]
    compare("golden samples (expected.json)", golden, args.show)

    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}")
        return
    corpus = []
    skipped = 0
    for path in sorted(p for p in args.corpus.rglob("*") if p.is_file()):
        if path.name == "README.md":
            continue
        raw = path.read_bytes()
        want = reference(raw)
        if want is None:
            skipped += 1
            continue
        corpus.append((path.relative_to(args.corpus).as_posix(), ours(raw), want))
    compare(f"corpus vs policy.default ({skipped} files where it raises left out)", corpus, 1000)


if __name__ == "__main__":
    main()
