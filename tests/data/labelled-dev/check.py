#!/usr/bin/env python3
"""Check one writer's file of labelled mails: python check.py dev-a.toml (exit 1 on a problem).

The writers ran it after every batch; it checks the keys, the label values and the ids,
and prints the counts by label."""

from __future__ import annotations

import sys
import tomllib
from collections import Counter

SCOPES = {"consultation", "document_fix", "database_repair", "year_split", "programming",
          "hardware", "visit", "other"}  # fmt: skip
PRODUCTS = {"SOOT", "F-K", "Kadry-Płace", "Hurtownia Danych", "other"}
STYLES = {"outlook", "thunderbird", "gmail", "webmail", "iphone", "android", "other"}
CHARSETS = {"utf-8", "windows-1250", "iso-8859-2"}
REQUIRED = {"id": str, "from_name": str, "from_addr": str, "subject": str, "body": str,
            "style": str, "emergency": bool, "scope": str, "product": str, "why": str}  # fmt: skip
OPTIONAL = {"html": bool, "persona": str, "charset": str, "classes": list}


def problems(mails: list[dict]) -> list[str]:
    bad: list[str] = []
    ids: set[str] = set()
    for i, m in enumerate(mails):
        where = f"mail[{i}] ({m.get('id', '?')})"
        bad += [f"{where}: {k} missing or not {t.__name__}" for k, t in REQUIRED.items()
                if not isinstance(m.get(k), t)]  # fmt: skip
        bad += [f"{where}: unknown key {k}" for k in m if k not in REQUIRED | OPTIONAL]
        for key, allowed in (("scope", SCOPES), ("product", PRODUCTS), ("style", STYLES)):
            if m.get(key) not in allowed:
                bad.append(f"{where}: {key} {m.get(key)!r}")
        if m.get("charset", "utf-8") not in CHARSETS:
            bad.append(f"{where}: charset {m.get('charset')!r}")
        if m.get("id") in ids:
            bad.append(f"{where}: duplicate id")
        ids.add(m.get("id"))
        if "@" not in str(m.get("from_addr", "")):
            bad.append(f"{where}: from_addr")
        if len(str(m.get("body", "")).strip()) < 15:
            bad.append(f"{where}: body too short")
    return bad


def main(path: str) -> int:
    with open(path, "rb") as f:
        mails = tomllib.load(f).get("mail", [])
    bad = problems(mails)
    print("\n".join(bad))
    print(f"{len(mails)} mails; emergency: {dict(Counter(m.get('emergency') for m in mails))}")
    for key in ("scope", "product", "style"):
        print(f"{key}: {dict(Counter(m.get(key) for m in mails))}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
