"""rules/*.toml -> a validated, frozen Rulebook.

The support team edits these files by hand, so every mistake is reported at start-up with
file, entry and key (`client[3] (piekarnia).nip`, entries counted from 1 as people count).
Unknown keys are errors: a typo such as `adresses` must not silently drop the addresses.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import phonenumbers

from mailbot.core import contracts as core
from mailbot.core.contracts import ADDONS, PRODUCTS, ROLES, STAFF_DOMAIN, Client, Staff
from mailbot.errors import ConfigError
from mailbot.settings.reader import read_toml

_ID = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)$")
_MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
Converter = Callable[[Any], Any]  # raises ValueError saying what is wrong


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


def _load_staff(path: Path) -> tuple[Staff, ...]:
    result: list[Staff] = []
    seen: dict[str, dict[str, str]] = {"id": {}, "email": {}}
    for e in _entries(path, "staff", Staff):
        s = Staff(
            id=e.one("id", _ident),
            name=e.one("name", _text),
            email=e.one("email", _address),
            phone=e.one("phone", _phone, required=False),
            roles=e.many("roles", partial(_one_of, ROLES)),
        )
        if core.domain_of(s.email) != STAFF_DOMAIN:
            raise e.error("email", f"must be an address at {STAFF_DOMAIN}")
        if s.phone is None and {"opiekun", "oncall"} & set(s.roles):
            raise e.error("phone", "required for roles opiekun and oncall (SMS alerts, R-CON-2)")
        e.unique(seen, id=(s.id,), email=(s.email,))
        result.append(s)
    return tuple(result)


def _load_clients(path: Path, staff: tuple[Staff, ...]) -> tuple[Client, ...]:
    opiekuns = {s.id for s in staff if "opiekun" in s.roles}
    seen: dict[str, dict[str, str]] = {k: {} for k in ("id", "nip", "addresses", "domains")}
    result: list[Client] = []
    for e in _entries(path, "client", Client):
        care = e.one("contract", partial(_one_of, core.CONTRACTS)) == "opieka"
        c = Client(
            id=e.one("id", _ident),
            name=e.one("name", _text),
            nip=e.one("nip", _nip),
            contract=e.one("contract", _text),
            care_since=e.one("care_since", _day, required=care, allowed=care),
            care_until=e.one("care_until", _day, required=False, allowed=care),
            addresses=e.many("addresses", _address),
            domains=e.many("domains", _domain, required=False),
            opiekun=e.one("opiekun", _ident, required=care, allowed=care),
            products=e.many("products", _product),
            addons=e.many("addons", partial(_one_of, ADDONS), required=False, allowed=care),
        )
        if c.care_since and c.care_until and c.care_until < c.care_since:
            raise e.error("care_until", "is before care_since")
        if c.opiekun is not None and c.opiekun not in opiekuns:
            raise e.error("opiekun", f"{c.opiekun!r} is not a staff id with the role opiekun")
        if STAFF_DOMAIN in {core.domain_of(a) for a in c.addresses}:
            raise e.error("addresses", f"an address at {STAFF_DOMAIN} is KJM's, not the client's")
        if STAFF_DOMAIN in c.domains:
            raise e.error("domains", f"{STAFF_DOMAIN} is KJM's own domain")
        if "data-warehouse" in c.addons and "Hurtownia Danych" not in c.products:
            raise e.error("addons", "data-warehouse needs 'Hurtownia Danych' in products")
        if "dedicated-software" in c.addons and set(c.products) <= set(PRODUCTS):
            raise e.error("addons", "dedicated-software needs a custom product in products")
        e.unique(seen, id=(c.id,), nip=(c.nip,), addresses=c.addresses, domains=c.domains)
        result.append(c)
    return tuple(result)


def _entries(path: Path, table: str, kind: type) -> list[_Entry]:
    """The [[table]] entries of one file; an entry may use the fields of `kind` as keys."""
    doc = read_toml(path, "rules file")
    items = doc.pop(table, [])
    for key in doc:
        raise ConfigError(f"unknown key (only [[{table}]] belongs here)", file=str(path), key=key)
    if not items or not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"write at least one [[{table}]] entry", file=str(path), key=table)
    keys = tuple(f.name for f in fields(kind))
    return [_Entry(path, table, n, item, keys) for n, item in enumerate(items, 1)]


class _Entry:
    """One [[table]] entry: converts its values, with errors naming file, entry and key."""

    def __init__(self, path: Path, table: str, n: int, raw: dict[str, Any], keys: tuple[str, ...]):
        self.path, self.raw = path, raw
        ident = raw.get("id")
        self.label = f"{table}[{n}]" + (f" ({ident})" if isinstance(ident, str) and ident else "")
        for key in raw:
            if key not in keys:
                raise self.error(key, f"unknown key (known: {', '.join(keys)})")

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, file=str(self.path), key=f"{self.label}.{key}")

    def unique(self, seen: dict[str, dict[str, str]], **values: tuple[str, ...]) -> None:
        """Record this entry's values; one already claimed by another entry is an error."""
        for key, items in values.items():
            for value in items:
                if value in seen[key]:
                    raise self.error(key, f"{value!r} is already used by {seen[key][value]}")
                seen[key][value] = self.label

    def one(self, key: str, fn: Converter, *, required: bool = True, allowed: bool = True) -> Any:
        value = self.raw.get(key)
        if value is not None and not allowed:
            raise self.error(key, "only allowed for contract opieka")
        if value is None and required:
            raise self.error(key, "missing required key")
        try:
            return None if value is None else fn(value)
        except ValueError as exc:  # converters say what is wrong; we add where
            raise self.error(key, str(exc)) from None

    def many(self, key: str, fn: Converter, *, required: bool = True, allowed: bool = True) -> Any:
        result = self.one(key, partial(_items, fn), required=required, allowed=allowed) or ()
        if required and not result:
            raise self.error(key, "must list at least one value")
        if len(set(result)) != len(result):
            raise self.error(key, "lists the same value twice")
        return result


def _items(fn: Converter, value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise ValueError(f"must be a list, got {value!r}")
    return tuple(fn(v) for v in value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value.strip()


def _ident(value: Any) -> str:
    if not _ID.match(text := _text(value)):
        raise ValueError(f"{text!r}: use lower-case letters, digits, '.', '-' and '_'")
    return text


def _one_of(options: tuple[str, ...], value: Any) -> str:
    if (text := _text(value)) not in options:
        raise ValueError(f"{text!r} is not one of {', '.join(options)}")
    return text


def _product(value: Any) -> str:
    """A standard product, or a custom one; a standard name in the wrong case is a typo."""
    text = _text(value)
    for known in PRODUCTS:
        if known.casefold() == text.casefold() and known != text:
            raise ValueError(f"{text!r}: did you mean {known!r}?")
    return text


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}") from None


def _nip(value: Any) -> str:
    """10 digits with a valid checksum; dashes, spaces and a PL prefix are dropped."""
    digits = re.sub(r"[\s-]", "", text := _text(value)).upper().removeprefix("PL")
    if not re.fullmatch(r"\d{10}", digits):
        raise ValueError(f"{text!r} is not 10 digits")
    if not core.nip_is_valid(digits):
        raise ValueError(f"invalid NIP checksum: {text!r}")
    return digits


def _address(value: Any) -> str:
    """A plain ASCII addr-spec, lower-cased (senders are matched case-insensitively)."""
    local, _, dom = (text := _text(value)).lower().rpartition("@")
    if not (_LOCAL.match(local) and _DOMAIN.match(dom)):
        raise ValueError(f"{text!r} is not a valid e-mail address")
    return f"{local}@{dom}"


def _domain(value: Any) -> str:
    dom = (text := _text(value)).lower().rstrip(".")
    if not _DOMAIN.match(dom):
        raise ValueError(f"{text!r} is not a valid domain (IDN: write it as xn--...)")
    if core.is_free_mail(dom):
        raise ValueError(f"{dom!r} is a free-mail domain: register the addresses instead")
    return dom


def _phone(value: Any) -> str:
    """A mobile number (SMS alerts need one) in E.164; national numbers are taken as PL."""
    try:
        number = phonenumbers.parse(text := _text(value), "PL")
    except phonenumbers.NumberParseException:
        raise ValueError(f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{text!r} is not a valid phone number")
    if phonenumbers.number_type(number) not in _MOBILE:
        raise ValueError(f"{text!r} is not a mobile number (SMS alerts need one)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
