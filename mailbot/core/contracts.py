"""Who wrote: sender address + Authentication-Results + rulebook -> SenderInfo (R-CON-*).

PURE: no I/O and no clock (the receive time is a parameter). Staff and Client live here,
not in the TOML loader, because the core reasons on them; the loader builds and checks them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import authres

WARSAW = ZoneInfo("Europe/Warsaw")
STAFF_DOMAIN = "kjmssoft.pl"  # KJM's own mail domain
CONTRACTS = ("opieka", "pakiet", "brak")
ROLES = ("opiekun", "oncall", "manager", "admin")
PRODUCTS = ("SOOT", "F-K", "Kadry-Płace", "Hurtownia Danych")
ADDONS = ("extended-hours", "saturdays", "night", "nonstop", "data-warehouse", "dedicated-software")
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
TRUST_LEVELS = ("registered", "unregistered", "unknown", "unverified", "staff")

# Domains anyone can get a mailbox at: knowing one of them says nothing about the company.
# Subdomains count too (e.g. poczta.onet.pl), see is_free_mail().
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # Polish providers
        "wp.pl", "o2.pl", "tlen.pl", "go2.pl", "prokonto.pl", "onet.pl", "onet.eu", "op.pl",
        "vp.pl", "poczta.onet.pl", "spoko.pl", "autograf.pl", "buziaczek.pl", "interia.pl",
        "interia.eu", "interia.com", "poczta.fm", "intmail.pl", "pisz.to", "gazeta.pl",
        "neostrada.pl", "poczta.pl", "int.pl",
        # international providers
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.pl", "ymail.com", "outlook.com",
        "outlook.pl", "hotmail.com", "hotmail.pl", "live.com", "live.pl", "msn.com",
        "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.net", "gmx.de", "web.de",
        "mail.com", "proton.me", "protonmail.com", "pm.me", "tutanota.com", "tuta.io",
        "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "fastmail.com",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Staff:
    """A KJM staff member (rules/staff.toml)."""

    id: str
    name: str
    email: str  # lower-case, at kjmssoft.pl
    phone: str | None  # E.164 mobile number, e.g. "+48601234567"
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Client:
    """A client company (rules/clients.toml); defined here because the core reasons on it."""

    id: str
    name: str
    nip: str  # 10 digits, checksum verified
    contract: str  # as written in the file; contract_at() gives the one in force on a day
    care_since: date | None  # first day of care (opieka only)
    care_until: date | None  # last day of care after a notice (opieka only)
    addresses: tuple[str, ...]  # registered, lower-case (R-CON-6)
    domains: tuple[str, ...]  # own mail domains, never free-mail
    opiekun: str | None  # staff id (opieka only)
    products: tuple[str, ...]
    addons: tuple[str, ...] = ()


@dataclass(frozen=True)
class SenderInfo:
    """Who the sender is and how far we trust it; `reasons`/`rules` explain the verdict.

    `contract` is the matched client's contract on the receive day (R-CON-1, R-CON-4),
    also for `unregistered` and `unverified` senders: whether to honour it is the
    decision's business, and it should only do so when `trusted` is true. It is None
    when no client matched. Likewise `staff` stays set for a forged staff address, so
    test `trust == "staff"` (or `is_staff`), not `staff is not None`.
    """

    address: str
    client: Client | None
    staff: Staff | None
    trust: str
    contract: str | None
    reasons: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def trusted(self) -> bool:
        """True when the sender may get what the client's contract promises."""
        return self.trust in ("registered", "staff")

    @property
    def is_staff(self) -> bool:
        return self.trust == "staff"


class SenderLookup(Protocol):
    """The three lookups identify_sender needs; the Rulebook (settings) has them. Named
    here, by what the core asks, so the core does not import the TOML loader."""

    def staff_for_address(self, address: str) -> Staff | None: ...

    def client_for_address(self, address: str) -> Client | None: ...

    def client_for_domain(self, domain: str) -> Client | None: ...


def normalise_address(address: str) -> str:
    """Lower-case addr-spec without spaces or angle brackets ("" when there is none)."""
    return address.strip().strip("<>").strip().lower()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().rstrip(".").lower() if "@" in address else ""


def is_free_mail(domain: str) -> bool:
    """True for a free-mail provider's domain or any subdomain of one."""
    labels = domain.lower().rstrip(".").split(".")
    return any(".".join(labels[i:]) in FREE_MAIL_DOMAINS for i in range(len(labels) - 1))


def nip_is_valid(nip: str) -> bool:
    """Polish tax id check: 10 digits, weighted sum of the first 9 mod 11 is the 10th.

    Here and not in the loader because an unknown sender may identify by NIP (R-CON-6).
    """
    if not re.fullmatch(r"\d{10}", nip):
        return False
    return sum(w * int(d) for w, d in zip(_NIP_WEIGHTS, nip[:9], strict=True)) % 11 == int(nip[9])


def contract_at(client: Client, day: date) -> str:
    """The contract in force on `day` (a Europe/Warsaw calendar day)."""
    return _contract(client, day)[0]


def _contract(client: Client, day: date) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(contract, reasons, rules). Care covers care_since..care_until, both inclusive.

    R-CON-4: care starts in the month after the quote is accepted, so `care_since` is
    the first covered day and the time before it is "brak"; `care_until` is the last day
    of care after a notice, and from the next day the client has no contract.
    """
    if client.contract != "opieka":
        return client.contract, (f"contract: {client.contract}",), ("R-CON-1",)
    if client.care_since is not None and day < client.care_since:
        why = f"care starts on {client.care_since.isoformat()}: no contract yet"
        return "brak", (why,), ("R-CON-1", "R-CON-4")
    if client.care_until is not None:
        if day > client.care_until:
            why = f"care ended on {client.care_until.isoformat()}: no contract now"
            return "brak", (why,), ("R-CON-1", "R-CON-4")
        why = f"opieka in notice period, last day {client.care_until.isoformat()}"
        return "opieka", (why,), ("R-CON-1", "R-CON-4")
    return "opieka", ("contract: opieka",), ("R-CON-1",)


def local_day(at: datetime) -> date:
    """The Europe/Warsaw calendar day of `at` (a naive datetime is taken as local time)."""
    return at.date() if at.tzinfo is None else at.astimezone(WARSAW).date()


def identify_sender(
    address: str,
    authentication_results: tuple[str, ...],
    rulebook: SenderLookup,
    at: datetime,
    trusted_authserv_ids: frozenset[str] = frozenset(),
    *,
    doubt: str | None = None,
) -> SenderInfo:
    """Match a From address against the rulebook (R-CON-6) and check its authentication.

    Order: staff address; registered address; the client's own domain (`unregistered`);
    free-mail never by domain; else `unknown`. Failed authentication, a DMARC verdict of
    our own MX about another From domain, or a `doubt` the parser had about the sender
    (two From headers, no From at all) then make any of them `unverified`, keeping
    client/staff so staff see whom the mail claims to be from.

    `trusted_authserv_ids`: only Authentication-Results headers whose authserv-id is in
    this set are believed (the id our own receiving server writes, e.g. mx.kjmssoft.pl).
    Anyone can put such a header into a message, and relays on the way (the client's own
    server, a forwarder) add theirs, so an empty set -- "consider all" -- is only for
    tests and setups whose MX strips foreign headers. Only failures are acted on, so a
    forged "pass" gains nothing; a stray header can only wrongly mark mail unverified.
    """
    addr = normalise_address(address)
    domain = domain_of(addr)
    reasons: list[str] = []
    rules: list[str] = []
    client: Client | None = None
    contract: str | None = None
    staff = rulebook.staff_for_address(addr) if addr else None
    if not addr:
        trust = "unknown"
        reasons.append("no sender address")
        rules.append("R-CON-6")
    elif staff is not None:
        trust = "staff"
        reasons.append(f"staff address of {staff.name} ({staff.id})")
    else:
        client = rulebook.client_for_address(addr)
        rules.append("R-CON-6")
        if client is not None:
            trust = "registered"
            reasons.append(f"registered address of client {client.id}")
        elif is_free_mail(domain):
            trust = "unknown"
            reasons.append(
                f"{addr} is not registered; free-mail {domain} never identifies a client"
            )
        elif (client := rulebook.client_for_domain(domain)) is not None:
            trust = "unregistered"
            reasons.append(
                f"{addr} is at client {client.id}'s domain but not registered: "
                "recorded, but not trusted as the client's (no opieka priority) until staff confirm"
            )
        else:
            trust = "unknown"
            mine = " (KJM's own domain, but not a staff address)" if domain == STAFF_DOMAIN else ""
            reasons.append(f"{addr} is not registered to any client{mine}")
        if client is not None:
            contract, why, contract_rules = _contract(client, local_day(at))
            reasons.extend(why)
            rules.extend(contract_rules)

    failure, notes = authentication_failure(domain, authentication_results, trusted_authserv_ids)
    reasons.extend(notes)
    if failure is not None:
        trust = "unverified"
        reasons.append(f"{failure}: the From address may be forged")
        rules.append("R-CON-6")
    if doubt:
        trust = "unverified"
        reasons.append(f"sender uncertain ({doubt}): never trusted as the client's")
        rules.append("R-CON-6")
    return SenderInfo(
        address=addr,
        client=client,
        staff=staff,
        trust=trust,
        contract=contract,
        reasons=tuple(reasons),
        rules=tuple(dict.fromkeys(rules)),
    )


_AUTH_METHODS = ("dmarc", "dkim", "spf")
# Which result properties name the domain a method's verdict is about.
_DOMAIN_PROPERTIES = {
    "dmarc": {("header", "from")},
    "dkim": {("header", "d"), ("header", "i")},
    "spf": {("smtp", "mailfrom"), ("smtp", "helo")},
}


def authentication_failure(
    domain: str, headers: Iterable[str], trusted_authserv_ids: frozenset[str] = frozenset()
) -> tuple[str | None, tuple[str, ...]]:
    """(why authentication failed for `domain`, or None; notes on headers set aside).

    Failed means: dmarc=fail, or dkim=fail and spf=fail with no pass for the same method
    (a message may carry several DKIM signatures). Only results about `domain` count:
    equal to it or a sub/parent domain of it (relaxed alignment without a public-suffix
    list), or results naming no domain at all. spf=softfail is not a failure.

    Also failed, whatever the verdict: a DMARC result of a trusted authserv-id (our MX)
    whose header.from is not `domain` itself. DMARC's header.from is the domain of the
    From the MX read, so the MX and mailbot read different senders (an encoded word that
    hides an address, two From headers) and neither reading can be trusted. Only for
    configured ids: a relay's or mailing list's header is about an earlier From.
    """
    if not domain:
        return None, ()
    trusted = {a.lower() for a in trusted_authserv_ids}
    seen: dict[str, set[str]] = {m: set() for m in _AUTH_METHODS}
    evaluated: dict[str, str] = {}  # From domain our MX evaluated DMARC for -> its authserv-id
    notes: list[str] = []
    for raw in headers:
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(raw)
        except Exception:  # attacker-controlled text: a parser crash must not stop intake
            notes.append("unparseable Authentication-Results header ignored")
            continue
        authserv = str(parsed.authserv_id or "").lower()
        if trusted and authserv not in trusted:
            notes.append(f"Authentication-Results from untrusted {authserv!r} ignored")
            continue
        for result in parsed.results:
            method = str(result.method or "").lower()
            if method == "dmarc" and trusted:
                evaluated |= dict.fromkeys(_named(method, result.properties), authserv)
            if method in seen and _about(domain, method, result.properties):
                seen[method].add(str(result.result or "").lower())
    other = sorted(d for d in evaluated if d != domain)
    if other:
        by = ", ".join(sorted({evaluated[d] for d in other}))
        return (
            f"our MX ({by}) evaluated DMARC for {', '.join(other)}, "
            f"but mailbot reads the From address as one at {domain}",
            tuple(notes),
        )
    if "fail" in seen["dmarc"]:
        return f"DMARC failed for {domain}", tuple(notes)
    dkim_failed = "fail" in seen["dkim"] and "pass" not in seen["dkim"]
    spf_failed = "fail" in seen["spf"] and "pass" not in seen["spf"]
    if dkim_failed and spf_failed and "pass" not in seen["dmarc"]:
        return f"DKIM and SPF failed for {domain}", tuple(notes)
    return None, tuple(notes)


def _named(method: str, properties: Iterable[object]) -> list[str]:
    """The domains a result's properties name (lower case, no trailing dot)."""
    return [
        domain_of(value) if "@" in value else value.lower().rstrip(".")
        for p in properties
        if (str(getattr(p, "type", "")).lower(), str(getattr(p, "name", "")).lower())
        in _DOMAIN_PROPERTIES[method]
        and (value := str(getattr(p, "value", "") or "").strip())
    ]


def _about(domain: str, method: str, properties: Iterable[object]) -> bool:
    """Whether a result is about `domain` (results that name no domain are assumed to be)."""
    named = _named(method, properties)
    if not named:
        return True
    # a parent must itself be a registrable-looking name, so "helo=pl" is not about x.pl
    parent = [d for d in named if "." in d and domain.endswith("." + d)]
    return bool(parent) or any(d == domain or d.endswith("." + domain) for d in named)
