"""How often mailbot's parser reads sender address, display name and subject "right".

    python bench/parse_fidelity.py [--corpus /work/shared/corpus] [--samples DIR] [--show 20]

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
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from mailbot.errors import ParseError  # noqa: E402
from mailbot.intake.parse import parse_message  # noqa: E402
from mailbot.intake.textdecode import one_line  # noqa: E402

FIELDS = ("address", "name", "subject")
REFUSED = "mailbot refuses the file (ParseError: not usable mail)"
RAW_8BIT = "raw 8-bit bytes: the stdlib keeps surrogates or U+FFFD, mailbot decodes"
UNDECODED = "an encoded word the stdlib leaves undecoded"
COMMENT = "a name given as a comment: the stdlib reads none, mailbot keeps it"
DELIBERATE = (RAW_8BIT, UNDECODED, COMMENT)  # mailbot differs on purpose (see module doc)


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


def reference(raw: bytes) -> dict | None:
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
            "comment": "(" in next((v for k, v in msg.raw_items() if k.lower() == "from"), ""),
        }
    except Exception:  # noqa: BLE001 - the reference gives up on this file: not counted
        return None


def expected(eml: Path) -> dict[str, str]:
    data = json.loads(eml.with_name(eml.stem + ".expected.json").read_text(encoding="utf-8"))
    if "error" in data:
        return {}
    keys = {"address": "from_address", "name": "from_name", "subject": "subject"}
    return {field: data[key] for field, key in keys.items() if key in data}


def why(got: dict[str, str] | None, want: dict[str, str], field: str) -> str:
    """The class of one disagreement with the stdlib, for the corpus summary."""
    if got is None:
        return REFUSED
    ours_, theirs = got[field], want[field]
    if re.search("[\udc80-\udcff\ufffd]", theirs):
        return RAW_8BIT
    if "=?" in theirs and "=?" not in ours_:
        return UNDECODED
    if field == "name" and not theirs and want.get("comment"):
        return COMMENT
    return "other"


def compare(
    label: str,
    pairs: list[tuple[str, dict[str, str] | None, dict[str, str]]],
    show: int,
    classify: bool = False,
) -> None:
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    whole = whole_total = lenient = 0
    misses: dict[str, list[str]] = defaultdict(list)
    classes: Counter[str] = Counter()
    for name, got, want in pairs:
        if not want:
            continue
        all_ok = all_lenient = True
        for field in FIELDS:
            if field not in want:
                continue
            total[field] += 1
            value = None if got is None else got[field]
            if value == want[field]:
                agree[field] += 1
                continue
            all_ok = False
            kind = why(got, want, field) if classify else "other"
            all_lenient = all_lenient and kind in DELIBERATE
            classes[f"{field}: {kind}"] += 1
            if kind == "other":
                misses[field].append(f"{name}: {value!r} != {want[field]!r}")
        whole_total += 1
        whole += all_ok
        lenient += all_lenient
    print(f"{label}: {whole_total} messages")
    for field in FIELDS:
        if total[field]:
            share = 100 * agree[field] / total[field]
            print(f"  {field:8} {agree[field]:5}/{total[field]:<5} {share:6.2f} %")
    if whole_total:
        print(f"  all three {whole:5}/{whole_total:<5} {100 * whole / whole_total:6.2f} %")
    if classify:
        share = 100 * lenient / whole_total
        print(f"  all three, the deliberate classes counted as agreement: {share:.2f} %")
        print("  disagreements by class:")
        for kind, count in sorted(classes.items()):
            print(f"    {count:5}  {kind}")
    for field in FIELDS:
        for line in misses[field][:show]:
            print(f"    {field}: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    parser.add_argument("--samples", type=Path, default=ROOT / "tests" / "mail" / "samples")
    parser.add_argument("--show", type=int, default=15, help="disagreements listed per field")
    args = parser.parse_args()

    samples = args.samples
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
    label = f"corpus vs policy.default ({skipped} files where it raises left out)"
    compare(label, corpus, args.show, classify=True)
    usable = [(name, got, want) for name, got, want in corpus if got is not None]
    compare("the same, files mailbot refuses as not usable mail left out", usable, 0, True)


if __name__ == "__main__":
    main()
