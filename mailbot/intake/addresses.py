"""Who wrote a message and to whom: the author's address, and why it is in doubt.

The author: the From field's address is the one the stdlib's modern parser
(``policy.default``'s address header) reads, with each run of encoded words replaced by
a placeholder first, so nothing inside an encoded word acts as address syntax;
textdecode.py decodes the names. ``sender_doubt`` says why the sender is not exactly
one well-formed From address (two From fields, two addresses, none: then Sender or
Reply-To, malformed syntax). Recipients (To, Cc) use the stdlib's fast ``getaddresses``
on the same protected text.
"""

from __future__ import annotations

import re
from email import errors
from email.headerregistry import Address as ModernAddress
from email.headerregistry import AddressHeader
from email.utils import getaddresses

from mailbot.intake.textdecode import decode_header_value, encoded_spans, one_line, unfold
from mailbot.model import DOT_ATOM_ADDRESS, Address

_ADDR = re.compile(r"[^\s<>()\[\]\",;:@]+@[^\s<>()\[\]\",;:@]+")
# The common author field, "Anna Nowak <anna.nowak@firma.pl>" or "anna@firma.pl": words
# of letters and digits (an encoded-word placeholder is one) and a plain dot-atom address
# (model.DOT_ATOM_ADDRESS). The stdlib's parser reads it exactly so
# (tests/intake/test_addresses.py holds the two together) at ~20 times the cost; anything
# else still goes through it.
_PLAIN_AUTHOR = re.compile(
    rf"[ \t]*(?:(?P<name>[A-Za-z0-9]+(?: [A-Za-z0-9]+)*)[ \t]*)?"
    rf"<(?P<addr>{DOT_ATOM_ADDRESS})>[ \t]*|[ \t]*(?P<bare>{DOT_ATOM_ADDRESS})[ \t]*"
)


def author(index: dict[str, list[str]], hint: str | None) -> tuple[Address | None, str | None]:
    """The author, and why it is in doubt: None only for exactly one From field holding
    exactly one well-formed address. Two From fields (RFC 5322 allows one) give the first
    one's address, doubted. No usable From (none, or no address in it): Sender, then
    Reply-To, doubted; the From's name-only mailbox when neither has an address."""
    froms = index.get("from", [])
    doubts = [f"{len(froms)} From headers"] if len(froms) > 1 else []
    boxes, malformed = from_mailboxes(froms[0], hint) if froms else ((), None)
    usable = [box for box in boxes if box.address]
    if not usable:
        for name, label in (("sender", "Sender"), ("reply-to", "Reply-To")):
            found = [b for b in from_mailboxes(index.get(name, [""])[0], hint)[0] if b.address]
            if found:
                return found[0], f"no usable From; address taken from {label}"
        if not froms:
            return None, "no From header"
        name = boxes[0].name if boxes else one_line(decode_header_value(froms[0], hint))
        return Address(name, ""), "; ".join([*doubts, "From has no address"])
    if len(boxes) > 1:
        doubts.append(f"From holds {len(boxes)} addresses")
    if "@" not in usable[0].address:
        doubts.append("From address has no domain")
    elif malformed:
        doubts.append(f"From is not a well-formed address ({malformed})")
    return usable[0], "; ".join(doubts) or None


def from_mailboxes(value: str, hint: str | None) -> tuple[tuple[Address, ...], str | None]:
    """Mailboxes of an author field as the stdlib's modern parser reads it, and what was
    wrong with its syntax (None when nothing was).

    Each run of encoded words stands in the parser's input as a placeholder atom and is
    decoded by mailbot.intake.textdecode afterwards: nothing inside an encoded word (":", ";",
    ",", "<", "@") can act as address syntax, and the charset fallbacks apply to the
    name. Two departures from the modern parser, both doubted: an address written
    without angle brackets after a name ("Jan Kowalski jan@x.pl") is recovered, and an
    encoded word inside an address is left as written (the modern parser decodes it
    there, so "=?utf-8?Q?a@b.pl,?= c@d.pl" reads as a@b.pl to it). A name given only
    as a comment ("jan@x.pl (Jan Kowalski)") is kept, as old mailers write it.
    """
    text, marks = _protect(unfold(value, hint))
    if not text.strip():
        return (), None
    plain = _PLAIN_AUTHOR.fullmatch(text)
    addr = (plain["addr"] or plain["bare"]) if plain else ""
    if plain and not any(mark in addr for mark in marks):
        name = one_line(_restore(plain["name"] or "", marks, decoded=True)).strip("\"' ")
        return (Address(name, addr.lower()),), None
    return _parsed(text, marks)


def _parsed(text: str, marks: dict[str, tuple[str, str]]) -> tuple[tuple[Address, ...], str | None]:
    """from_mailboxes through the stdlib's modern parser (``text`` protected)."""
    try:  # the parse tree of policy.default's From header, without its Address objects
        tree = AddressHeader.value_parser(text)
        found = [
            (box.display_name or "", box.local_part or "", box.domain or "")
            for address in tree.addresses
            for box in address.all_mailboxes
        ]
        wrong = [str(d) for d in tree.all_defects if _is_invalid(d)]
    except Exception as exc:  # noqa: BLE001 - the stdlib must not cost us the mail
        found = [(name, addr, "") for name, addr in getaddresses([text])]
        wrong = [f"{type(exc).__name__}: {exc}"]
    boxes = []
    for name, user, domain in found:
        addr = _addr_spec(user, domain)
        name, addr, fixed = _recover(name, addr)
        if fixed:
            wrong.append("address not in angle brackets")
        if any(mark in addr for mark in marks):
            wrong.append("encoded word in the address")
        if not name and "(" in text:
            name = next((n for n, a in getaddresses([text]) if a.lower() == addr.lower()), "")
        name = one_line(_restore(name, marks, decoded=True)).strip("\"' ")
        boxes.append(Address(name, _restore(addr, marks, decoded=False).strip().lower()))
    return tuple(boxes), "; ".join(dict.fromkeys(wrong)) or None


def _addr_spec(user: str, domain: str) -> str:
    """The address as the modern parser spells it (a local part with specials quoted:
    '"biuro@klient.pl"@evil.example'), but a local part with whitespace unquoted, so
    ``_recover`` finds "jan@x.pl" in "Jan Kowalski jan@x.pl"; "" for an empty one."""
    if not user and not domain:
        return ""
    if any(ch.isspace() for ch in user):
        return f"{user}@{domain}" if domain else user
    try:
        return ModernAddress(username=user, domain=domain).addr_spec
    except (ValueError, IndexError):  # what it refuses is no address we can quote
        return f"{user}@{domain}" if domain else user


def _is_invalid(defect: errors.MessageDefect) -> bool:
    """Invalid syntax, not obsolete syntax ("Dr. Jan Kowalski": a period in a phrase) and
    not an RFC 6532 UTF-8 local part."""
    return isinstance(defect, errors.InvalidHeaderDefect) and not isinstance(
        defect, errors.NonASCIILocalPartDefect
    )


def _recover(name: str, addr: str) -> tuple[str, str, bool]:
    """(name, address, whether recovered) for an address with spaces or without "@":
    "Jan Kowalski jan@x.pl" without angle brackets; a name-only mailbox keeps no address."""
    addr = addr.strip()
    if addr and (" " in addr or "@" not in addr):
        match = _ADDR.search(addr)
        if match:
            name = name or one_line(addr.replace(match.group(), "")).strip("\"'<> ")
            return name, match.group(), True
        if " " in addr:
            return name or addr, "", False
    return name, addr, False


def _protect(text: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """text with each run of encoded words replaced by a placeholder atom, and
    placeholder -> (decoded text, text as written)."""
    spans = encoded_spans(text) if "=?" in text else []
    if not spans:
        return text, {}
    token = "MbEw"
    while token in text:  # a placeholder must not occur in the header itself
        token += "x"
    marks: dict[str, tuple[str, str]] = {}
    pieces, pos = [], 0
    for i, (start, end, decoded) in enumerate(spans):
        mark = f"{token}{i}Q"  # "Q" ends it: "MbEw1Q" is no part of "MbEw10Q"
        marks[mark] = (decoded, text[start:end])
        pieces += (text[pos:start], mark)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), marks


def _restore(text: str, marks: dict[str, tuple[str, str]], *, decoded: bool) -> str:
    for mark, (plain, written) in marks.items():
        if mark in text:
            text = text.replace(mark, plain if decoded else written)
    return text


def mailboxes(values: list[str], hint: str | None, *, need_domain: bool = False):
    """Recipient addresses (To, Cc) via the stdlib's fast getaddresses, encoded words
    protected as for the author (``_protect``). Not the modern parser: it costs ~0.1 ms
    a field, and no decision rests on a recipient's exact address. need_domain drops
    entries without "@" ("Kowalski" of "Kowalski, Jan <j@x.pl>")."""
    result = []
    for value in values:
        text, marks = _protect(unfold(value, hint))
        for name, addr in getaddresses([text]):
            name, addr, _fixed = _recover(name, addr)
            name = one_line(_restore(name, marks, decoded=True)).strip("\"' ")
            addr = _restore(addr, marks, decoded=False).lower()
            if ("@" in addr) if need_domain else (addr or name):
                result.append(Address(name, addr))
    return tuple(result)
