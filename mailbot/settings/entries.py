"""The entries of rules/staff.toml and rules/clients.toml as pydantic models: each key's
converter says in words what is wrong with a value (a NIP's checksum, a mobile number, a
free-mail domain). What depends on other keys or entries (care-only keys, the opiekun's
role, an address used twice) is rulebook.py's to check."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any

import phonenumbers
from pydantic import BeforeValidator

from mailbot.core import contracts as core
from mailbot.core.contracts import ADDONS, PRODUCTS, ROLES
from mailbot.settings.fields import Section

_ID = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)$")
_MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _many(fn: Any, required: bool, value: Any) -> tuple[Any, ...]:
    """A list of values, each converted; the same one twice is a mistake."""
    if not isinstance(value, list):
        raise ValueError(f"must be a list, got {value!r}")
    items = tuple(fn(v) for v in value)
    if required and not items:
        raise ValueError("must list at least one value")
    if len(set(items)) != len(items):
        raise ValueError("lists the same value twice")
    return items


def One(fn: Any) -> Any:  # noqa: N802 - reads as a type in a model
    return Annotated[Any, BeforeValidator(fn)]


def Many(fn: Any, required: bool = True) -> Any:  # noqa: N802 - reads as a type in a model
    return Annotated[tuple[Any, ...], BeforeValidator(partial(_many, fn, required))]


class StaffEntry(Section):
    id: One(lambda v: _ident(v))
    name: One(lambda v: _text(v))
    email: One(lambda v: _address(v))
    phone: One(lambda v: _phone(v)) = None
    roles: Many(lambda v: _one_of(ROLES, v))


class ClientEntry(Section):
    id: One(lambda v: _ident(v))
    name: One(lambda v: _text(v))
    nip: One(lambda v: _nip(v))
    contract: One(lambda v: _one_of(core.CONTRACTS, v))
    care_since: One(lambda v: _day(v)) = None
    care_until: One(lambda v: _day(v)) = None
    addresses: Many(lambda v: _address(v))
    domains: Many(lambda v: _domain(v), required=False) = ()
    opiekun: One(lambda v: _ident(v)) = None
    products: Many(lambda v: _product(v))
    addons: Many(lambda v: _one_of(ADDONS, v), required=False) = ()


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
