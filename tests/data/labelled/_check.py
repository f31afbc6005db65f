#!/usr/bin/env python3
"""Sanity checks for the labelled e-mail set.  Run:  python tests/data/labelled/_check.py

Checks that
  * the .eml files on disk are exactly what _make.py generates (deterministic, up to date);
  * every file is CRLF-only, parses with email.policy.default without defects, and has
    From, To (pomoc@kjmssoft.pl), Date (Oct/Nov 2026, correct Warsaw offset), Message-ID
    and Subject headers, with Subject and sender name decoding to the intended text;
  * the body decodes to text, containing Polish letters unless the case was written
    without them (ascii_body), and the non-UTF-8 messages really are in their charset;
  * labels.toml lists every .eml exactly once with valid values;
  * the counts block in README.md is current.
Exit status 1 on any failure.
"""

from __future__ import annotations

import email
import email.policy
import re
import sys
import tomllib
from email.utils import parsedate_to_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # keep __pycache__ out of the data directory
import _make  # noqa: E402

POLISH = re.compile("[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")
errors: list[str] = []


def fail(name: str, msg: str) -> None:
    errors.append(f"{name}: {msg}")


def text_parts(msg):
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            yield part


def main() -> int:
    expected = _make.render_all()
    on_disk = {p.name: p.read_bytes() for p in sorted(HERE.glob("*.eml"))}
    if set(expected) != set(on_disk):
        fail(
            "set",
            f"files differ from generator: missing={sorted(set(expected) - set(on_disk))} "
            f"extra={sorted(set(on_disk) - set(expected))}",
        )
    for name in sorted(set(expected) & set(on_disk)):
        if expected[name] != on_disk[name]:
            fail(name, "differs from what _make.py generates (run _make.py)")

    cases = dict(_make.ordered())
    for name, raw in on_disk.items():
        case = cases.get(name)
        if case is None:
            continue
        if re.search(rb"(?<!\r)\n", raw) or re.search(rb"\r(?!\n)", raw):
            fail(name, "bare LF or CR (must be CRLF only)")
        if any(len(line) > 998 for line in raw.split(b"\r\n")):
            fail(name, "line longer than 998 octets")
        head = raw.split(b"\r\n\r\n", 1)[0]
        try:
            head.decode("ascii")
        except UnicodeDecodeError:
            fail(name, "non-ASCII bytes in the header block")

        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for part in msg.walk():
            if part.defects:
                fail(name, f"defects {part.defects!r}")
        for hdr in ("From", "To", "Date", "Message-ID", "Subject"):
            if hdr not in msg:
                fail(name, f"missing {hdr}")
        if "pomoc@kjmssoft.pl" not in str(msg["To"]):
            fail(name, "To is not pomoc@kjmssoft.pl")
        if str(msg["Subject"]) != case.subject:
            fail(name, f"subject decodes to {str(msg['Subject'])!r}, want {case.subject!r}")
        sender = msg["From"].addresses[0]
        if sender.display_name != case.sender.name or sender.addr_spec != case.sender.addr:
            fail(name, f"From decodes to {sender!r}")
        if not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(msg["Message-ID"])):
            fail(name, f"bad Message-ID {msg['Message-ID']}")
        d = parsedate_to_datetime(str(msg["Date"]))
        off = d.utcoffset().total_seconds() / 3600
        if d.year != 2026 or d.month not in (10, 11) or off not in (1, 2):
            fail(name, f"Date out of range: {msg['Date']}")
        if d.utcoffset() != _make.local(case.when).utcoffset():
            fail(name, "Date offset does not match Warsaw time (DST ends 25.10.2026)")

        body = msg.get_body(preferencelist=("plain", "html"))
        if body is None:
            fail(name, "no text body")
            continue
        text = body.get_content()
        if not isinstance(text, str) or not text.strip():
            fail(name, "body did not decode to text")
        if not case.ascii_body and not POLISH.search(text):
            fail(name, "no Polish letters in the decoded body")
        if case.ascii_body and POLISH.search(case.body):
            fail(name, "ascii_body case has Polish letters in what the sender wrote")

        for part in text_parts(msg):
            cs = part.get_content_charset()
            if cs != case.charset:
                fail(name, f"text part charset {cs}, want {case.charset}")
            data = part.get_payload(decode=True)
            try:
                data.decode(case.charset)
            except UnicodeDecodeError:
                fail(name, f"payload is not valid {case.charset}")
            if case.charset != "utf-8":
                try:
                    data.decode("utf-8")
                    fail(name, f"payload is valid UTF-8, so not really {case.charset}")
                except UnicodeDecodeError:
                    pass
        if case.charset != "utf-8":
            raw_subject = re.search(rb"^Subject:(.*(?:\r\n[ \t].*)*)", head, re.M)
            if not case.subject.isascii() and (
                raw_subject is None
                or f"=?{case.charset}?".encode() not in raw_subject.group(1).lower()
            ):
                fail(name, f"subject is not RFC 2047 encoded in {case.charset}")

    # labels.toml
    labels = tomllib.loads((HERE / "labels.toml").read_text(encoding="utf-8"))["case"]
    seen: dict[str, int] = {}
    for entry in labels:
        seen[entry["file"]] = seen.get(entry["file"], 0) + 1
        if set(entry) != {"file", "emergency", "scope", "product", "why"}:
            fail(entry["file"], f"label keys {sorted(entry)}")
        if not isinstance(entry["emergency"], bool):
            fail(entry["file"], "emergency is not a bool")
        if entry["scope"] not in _make.SCOPES:
            fail(entry["file"], f"bad scope {entry['scope']}")
        if entry["product"] not in _make.PRODUCTS:
            fail(entry["file"], f"bad product {entry['product']}")
        if not entry["why"].strip():
            fail(entry["file"], "empty why")
    for name in on_disk:
        if seen.get(name, 0) != 1:
            fail(name, f"listed {seen.get(name, 0)} times in labels.toml")
    for name in seen:
        if name not in on_disk:
            fail(name, "in labels.toml but no such file")

    readme = (HERE / "README.md").read_text(encoding="utf-8")
    if _make.counts_block() not in readme:
        fail("README.md", "counts block is stale (run _make.py)")

    for e in errors:
        print("FAIL", e)
    n_em = sum(1 for e in labels if e["emergency"])
    print(
        f"{len(on_disk)} messages, {len(labels)} labels ({n_em} emergencies), "
        f"{len(errors)} problem(s)"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
