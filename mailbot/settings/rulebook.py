"""rules/staff.toml + rules/clients.toml -> a validated, frozen Rulebook.

The support team edits these files by hand, so every mistake of a file is reported at
start-up, all at once, each with file, entry and key (`client[3] (piekarnia).nip`,
entries counted from 1 as people count). The entries are pydantic models (entries.py);
unknown keys are errors with the closest known key: a typo such as `adresses` must not
silently drop the addresses.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mailbot.core import contracts as core
from mailbot.core.contracts import ADDONS, PRODUCTS, ROLES, STAFF_DOMAIN, Client, Staff
from mailbot.errors import ConfigError
from mailbot.settings.entries import ClientEntry, StaffEntry
from mailbot.settings.fields import Section, problems_of, raise_all
from mailbot.settings.reader import read_toml


@dataclass(frozen=True)
class Rulebook:
    """Staff and clients with lookups by id, address and domain (all case-insensitive)."""

    staff: tuple[Staff, ...] = ()
    clients: tuple[Client, ...] = ()
    _index: Mapping[str, Mapping[str, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The loader reports duplicates with file and key; this guards hand-built rulebooks.
        entries = [("sid", s.id, s) for s in self.staff] + [("cid", c.id, c) for c in self.clients]
        entries += [("smail", s.email, s) for s in self.staff]
        entries += [("addr", a, c) for c in self.clients for a in c.addresses]
        entries += [("dom", d, c) for c in self.clients for d in c.domains]
        index: dict[str, dict[str, Any]] = {k: {} for k in ("sid", "cid", "smail", "addr", "dom")}
        for kind, key, value in entries:
            if index[kind].setdefault(key.lower(), value) is not value:
                raise ValueError(f"{key!r} appears twice in the rulebook")
        object.__setattr__(self, "_index", index)

    def staff_member(self, staff_id: str) -> Staff | None:
        return self._index["sid"].get(staff_id.lower())

    def client(self, client_id: str) -> Client | None:
        return self._index["cid"].get(client_id.lower())

    def staff_for_address(self, address: str) -> Staff | None:
        return self._index["smail"].get(address.strip().lower())

    def client_for_address(self, address: str) -> Client | None:
        """The client that registered exactly this address (R-CON-6)."""
        return self._index["addr"].get(address.strip().lower())

    def client_for_domain(self, domain: str) -> Client | None:
        """The client owning this mail domain (exact match; free-mail is never listed)."""
        return self._index["dom"].get(domain.strip().lower().rstrip("."))

    def summary(self, today: date | None = None) -> list[str]:
        """Lines for `mailbot rules check`; with `today`, also the contracts in force."""
        cs, staff = self.clients, self.staff
        products = [p if p in PRODUCTS else "custom" for c in cs for p in c.products]
        lines = [
            f"staff: {len(staff)} ({_counts([r for s in staff for r in s.roles], ROLES)})",
            f"clients: {len(cs)} ({_counts([c.contract for c in cs], core.CONTRACTS)})",
            f"add-ons: {_counts([a for c in cs for a in c.addons], ADDONS)}",
            f"products: {_counts(products, PRODUCTS)}",
            f"registered addresses: {sum(len(c.addresses) for c in cs)}, "
            f"own domains: {sum(len(c.domains) for c in cs)}",
        ]
        if today is not None:
            in_force = _counts([core.contract_at(c, today) for c in cs], core.CONTRACTS)
            lines.insert(2, f"contracts in force on {today.isoformat()}: {in_force}")
        return lines


def _counts(values: list[str], order: tuple[str, ...]) -> str:
    """'a 2, b 1' in the documented order, then anything else (e.g. custom products)."""
    counter = Counter(values)
    keys = [k for k in order if k in counter] + sorted(set(counter) - set(order))
    return ", ".join(f"{k} {counter[k]}" for k in keys) or "none"


def load_rulebook(rules_dir: str | os.PathLike[str]) -> Rulebook:
    """Read and validate rules_dir/staff.toml and rules_dir/clients.toml."""
    d = Path(rules_dir).expanduser().resolve()
    if not d.is_dir():
        raise ConfigError("rules directory not found", file=str(d))
    staff = _load_staff(d / "staff.toml")
    return Rulebook(staff=staff, clients=_load_clients(d / "clients.toml", staff))


class _File:
    """One rules file's [[table]] entries and the problems found in them."""

    def __init__(self, path: Path, table: str):
        self.path, self.table = path, table
        self.problems: list[ConfigError] = []
        doc = read_toml(path, "rules file")
        items = doc.pop(table, [])
        for key in doc:
            only = f"unknown key (only [[{table}]] belongs here)"
            self.problems.append(ConfigError(only, file=str(path), key=key))
        if not items or not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise_all([*self.problems, ConfigError(f"write at least one [[{table}]] entry",
                                                   file=str(path), key=table)])  # fmt: skip
        self.items: list[dict[str, Any]] = items
        self.seen: dict[str, dict[str, str]] = {}

    def label(self, n: int) -> str:
        ident = self.items[n - 1].get("id")
        return f"{self.table}[{n}]" + (f" ({ident})" if isinstance(ident, str) and ident else "")

    def error(self, n: int, key: str, message: str) -> None:
        where = f"{self.label(n)}.{key}"
        self.problems.append(ConfigError(message, file=str(self.path), key=where))

    def entries(self, model: type[Section]) -> list[tuple[int, Any]]:
        """(number, validated entry) for each entry that validates; the rest are problems."""
        good = []
        for n, item in enumerate(self.items, 1):
            try:
                good.append((n, model.model_validate(item)))
            except ValidationError as exc:
                for key, message in problems_of(exc, model, unknown="unknown key"):
                    self.error(n, key, message.replace("required setting", "required key"))
        return good

    def unique(self, n: int, **values: tuple[str, ...]) -> None:
        """A value claimed by an earlier entry is a mistake."""
        for key, items in values.items():
            seen = self.seen.setdefault(key, {})
            for value in items:
                if value in seen:
                    self.error(n, key, f"{value!r} is already used by {seen[value]}")
                seen.setdefault(value, self.label(n))

    def done(self) -> None:
        raise_all(self.problems)


def _load_staff(path: Path) -> tuple[Staff, ...]:
    f, result = _File(path, "staff"), []
    for n, e in f.entries(StaffEntry):
        s = Staff(id=e.id, name=e.name, email=e.email, phone=e.phone, roles=e.roles)
        if core.domain_of(s.email) != STAFF_DOMAIN:
            f.error(n, "email", f"must be an address at {STAFF_DOMAIN}")
        if s.phone is None and {"opiekun", "oncall"} & set(s.roles):
            f.error(n, "phone", "required for roles opiekun and oncall (SMS alerts, R-CON-2)")
        f.unique(n, id=(s.id,), email=(s.email,))
        result.append(s)
    f.done()
    return tuple(result)


def _load_clients(path: Path, staff: tuple[Staff, ...]) -> tuple[Client, ...]:
    opiekuns = {s.id for s in staff if "opiekun" in s.roles}
    f, result = _File(path, "client"), []
    for n, e in f.entries(ClientEntry):
        c = Client(id=e.id, name=e.name, nip=e.nip, contract=e.contract,
                   care_since=e.care_since, care_until=e.care_until, addresses=e.addresses,
                   domains=e.domains, opiekun=e.opiekun, products=e.products,
                   addons=e.addons)  # fmt: skip
        _check_client(f, n, c, opiekuns)
        f.unique(n, id=(c.id,), nip=(c.nip,), addresses=c.addresses, domains=c.domains)
        result.append(c)
    f.done()
    return tuple(result)


def _check_client(f: _File, n: int, c: Client, opiekuns: set[str]) -> None:
    """What depends on the contract, on staff.toml and on the products (R-CON-*, R-ADD-4)."""
    care = c.contract == "opieka"
    for key, needed in (("care_since", True), ("care_until", False), ("opiekun", True),
                        ("addons", False)):  # fmt: skip
        value = getattr(c, key)
        if value and not care:
            f.error(n, key, "only allowed for contract opieka")
        elif needed and care and not value:
            f.error(n, key, "missing required key")
    if c.care_since and c.care_until and c.care_until < c.care_since:
        f.error(n, "care_until", "is before care_since")
    if care and c.opiekun and c.opiekun not in opiekuns:
        f.error(n, "opiekun", f"{c.opiekun!r} is not a staff id with the role opiekun")
    if STAFF_DOMAIN in {core.domain_of(a) for a in c.addresses}:
        f.error(n, "addresses", f"an address at {STAFF_DOMAIN} is KJM's, not the client's")
    if STAFF_DOMAIN in c.domains:
        f.error(n, "domains", f"{STAFF_DOMAIN} is KJM's own domain")
    if "data-warehouse" in c.addons and "Hurtownia Danych" not in c.products:
        f.error(n, "addons", "data-warehouse needs 'Hurtownia Danych' in products")
    if "dedicated-software" in c.addons and set(c.products) <= set(PRODUCTS):
        f.error(n, "addons", "dedicated-software needs a custom product in products")
