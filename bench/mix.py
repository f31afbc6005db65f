"""A realistic sender mix for live mail: some of the generated companies become clients.

bench/generate.py writes mail from ~220 invented addresses, none of them a client of
rules/clients.toml, so every generated message is an unknown sender's. Live mail is not
like that: registered clients write (care clients' emergencies page the person on call,
prepaid-hours clients' tickets wait on hold), and so do people nobody knows.

`with_clients(raws, book)` maps a share of the generated company domains, each to one
client, and rewrites From (and Return-Path) of their mail to one of that client's
registered addresses, the same address for the same generated sender. A whole company
maps to one client, so a colleague who follows up on a thread is the same client's
(not a third party). Free-mail senders stay unknown. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mailbot.core.contracts import Client

_FROM = re.compile(rb"^From:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*\r\n", re.MULTILINE | re.IGNORECASE)
_RETURN_PATH = re.compile(rb"^Return-Path: <[^>]*>\r\n", re.MULTILINE | re.IGNORECASE)
_ADDRESS = re.compile(rb"<([^<>@\s]+@([^<>\s]+))>|([^\s<>\"]+@[^\s<>\"]+)")
_FREE_MAIL = {"gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "op.pl"}


@dataclass
class MixCounts:
    """What the mix turned out to be, for the benchmark's report."""

    client: int = 0
    unknown: int = 0
    addresses: set[str] = field(default_factory=set)

    def line(self) -> str:
        total = self.client + self.unknown
        return (
            f"{self.client} of {total} messages from {len(self.addresses)} registered client "
            f"addresses ({100 * self.client / max(total, 1):.0f} %), the rest unknown senders"
        )


def _sender(head: bytes) -> str | None:
    found = _FROM.search(head)
    if found is None:
        return None
    unfolded = re.sub(rb"\r\n[ \t]", b" ", found.group(0))
    match = _ADDRESS.search(unfolded)
    if match is None:
        return None
    return (match.group(1) or match.group(3)).decode("ascii", "replace").lower()


def with_clients(
    raws: Iterable[bytes],
    clients: Iterable[Client],
    *,
    share: float = 0.4,
    seed: int = 7,
    counts: MixCounts | None = None,
) -> Iterator[bytes]:
    """The messages, with `share` of the company domains turned into clients' mail."""
    book = [c for c in clients if c.addresses]
    rng = random.Random(seed)
    domains: dict[str, Client | None] = {}
    chosen: dict[str, str] = {}
    counts = counts if counts is not None else MixCounts()
    for raw in raws:
        head_end = raw.find(b"\r\n\r\n")
        head, body = raw[: head_end + 2], raw[head_end + 2 :]
        sender = _sender(head)
        domain = sender.rsplit("@", 1)[1] if sender else ""
        if sender is None or domain in _FREE_MAIL:
            counts.unknown += 1
            yield raw
            continue
        if domain not in domains:
            domains[domain] = rng.choice(book) if rng.random() < share else None
        client = domains[domain]
        if client is None:
            counts.unknown += 1
            yield raw
            continue
        address = chosen.setdefault(sender, rng.choice(client.addresses))
        counts.client += 1
        counts.addresses.add(address)
        new_from = f"From: <{address}>\r\n".encode("ascii")
        head = _FROM.sub(lambda _m, line=new_from: line, head, count=1)  # type: ignore[misc]
        path = f"Return-Path: <{address}>\r\n".encode("ascii")
        head = _RETURN_PATH.sub(lambda _m, line=path: line, head)  # type: ignore[misc]
        yield head + body
