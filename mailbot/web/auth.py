"""Who may use the console and how they prove it.

Accounts are the staff of rules/staff.toml; the console role follows their roles there
(admin > manager > staff). Passwords are argon2 hashes in the database. A session is a
signed cookie (itsdangerous) holding the staff id, a fingerprint of the password hash
(so a new password ends every old session) and the CSRF token; nothing is kept on the
server, which lets two instances behind one proxy share sessions through the key file.
Failed sign-ins are counted in the login audit table, so the rate limit holds across
restarts and instances.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.core.contracts import Staff
from mailbot.store.tables import StaffPassword, WebLogin

CONSOLE_ROLES = ("staff", "manager", "admin")  # each sees what the one before it sees
ROLE_NAMES = {"staff": "pracownik", "manager": "kierownik", "admin": "administrator"}
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD = 10
FLASH_SECONDS = 120  # an action's message waits this long for the next page
PENDING_SECONDS = 600  # a Microsoft sign-in must come back from the provider within this
_hasher = PasswordHasher()


def console_role(staff: Staff) -> str:
    """admin and manager as in staff.toml; opiekun, oncall (and anyone else) are staff."""
    if "admin" in staff.roles:
        return "admin"
    return "manager" if "manager" in staff.roles else "staff"


def may(role: str, needed: str) -> bool:
    return CONSOLE_ROLES.index(role) >= CONSOLE_ROLES.index(needed)


# Who may take which action (README, "The staff console"). Everyday work on a ticket is
# everyone's. Changing how a ticket was judged (emergency, scope, priority) and merging
# are the managers': an override moves or removes the R-SLA-1 deadline by which the
# person on duty is measured, it becomes a label the classifier learns from, and a merge
# cannot be undone. Registering a sender's address is the managers' too: it gives every
# later mail from it the client's contract (priority, a guaranteed reaction, package
# hours). Marking an emergency not-a-ticket stops its clock, so it is an override too.
ACTION_ROLES = {
    "ack": "staff", "assign": "staff", "close": "staff", "reopen": "staff", "time": "staff",
    "link": "staff", "reply": "staff", "note": "staff", "not_ticket": "staff",
    "new": "staff", "override": "manager", "merge": "manager",
    "register": "manager", "not_ticket_emergency": "manager",
}  # fmt: skip


def password_problem(password: str) -> str | None:
    """Why a new password is refused (Polish), or None."""
    if len(password) < MIN_PASSWORD:
        return f"Hasło musi mieć co najmniej {MIN_PASSWORD} znaków."
    if password.strip() != password:
        return "Hasło nie może zaczynać się ani kończyć spacją."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def set_password(session: Session, staff_id: str, password: str, by: str, now: datetime) -> None:
    row = session.get(StaffPassword, staff_id)
    if row is None:
        row = StaffPassword(staff_id=staff_id)
        session.add(row)
    row.hash, row.set_at, row.set_by = hash_password(password), now, by


def stored_hash(session: Session, staff_id: str) -> str | None:
    return session.scalar(select(StaffPassword.hash).where(StaffPassword.staff_id == staff_id))


def check_password(stored: str | None, password: str) -> bool:
    """True for the right password. Without a stored hash a dummy one is checked, so an
    account without a password takes as long to refuse as a wrong password."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMY = _hasher.hash(secrets.token_hex(16))


def fingerprint(stored: str) -> str:
    return hashlib.sha256(stored.encode()).hexdigest()[:16]


def wait_minutes(session: Session, staff_id: str | None, ip: str, now: datetime) -> int:
    """Minutes until another sign-in may be tried (0: now): too many failures for the
    account, or from the address, within the window. Without `staff_id` the address
    alone (a Microsoft sign-in learns who it is only from the provider's answer)."""
    since = now - FAILURE_WINDOW
    failed = select(func.count(), func.min(WebLogin.at)).where(
        WebLogin.ok.is_(False), WebLogin.at >= since
    )
    limits = [(WebLogin.ip, ip[:64], MAX_FAILURES_PER_ADDRESS)]
    if staff_id is not None:
        limits.insert(0, (WebLogin.staff_id, staff_id[:64], MAX_FAILURES_PER_ACCOUNT))
    for column, value, limit in limits:
        count, first = session.execute(failed.where(column == value)).one()
        if count >= limit and first is not None:
            return max(1, int((first + FAILURE_WINDOW - now).total_seconds() // 60) + 1)
    return 0


def record_login(
    session: Session, staff_id: str, ip: str, ok: bool, detail: str, now: datetime
) -> None:
    session.add(WebLogin(at=now, staff_id=staff_id[:64], ip=ip[:64], ok=ok, detail=detail))


@dataclass(frozen=True)
class Visitor:
    """What the session cookie says about the person making a request."""

    csrf: str
    staff_id: str | None = None
    fingerprint: str = ""


class CookieSessions:
    """Signed, timed session cookies; the content is readable, never forgeable."""

    def __init__(self, secret: bytes, lifetime: int):
        self._signer = URLSafeTimedSerializer(secret, salt="mailbot.web.session")
        self._flash = URLSafeTimedSerializer(secret, salt="mailbot.web.flash")
        self._pending = URLSafeTimedSerializer(secret, salt="mailbot.web.oidc")
        self.lifetime = lifetime

    def dump_pending(self, values: dict[str, str]) -> str:
        """A Microsoft sign-in under way (web/oidc.py): signed with a salt of its own, so
        it can never pass for a session or a flash message, nor they for it."""
        return self._pending.dumps(values)

    def load_pending(self, cookie: str | None) -> dict[str, str] | None:
        if not cookie:
            return None
        try:
            values = self._pending.loads(cookie, max_age=PENDING_SECONDS)
        except BadSignature:
            return None
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return None
        return values

    def dump_flash(self, text: str) -> str:
        """What an action did, for the page it redirects to (signed: a crafted cookie or
        link cannot put words on a console page)."""
        return self._flash.dumps(text[:500])

    def load_flash(self, cookie: str | None) -> str:
        if not cookie:
            return ""
        try:
            text = self._flash.loads(cookie, max_age=FLASH_SECONDS)
        except BadSignature:
            return ""
        return text if isinstance(text, str) else ""

    def dump(self, visitor: Visitor) -> str:
        data: dict[str, Any] = {"c": visitor.csrf}
        if visitor.staff_id:
            data |= {"s": visitor.staff_id, "f": visitor.fingerprint}
        return self._signer.dumps(data)

    def load(self, cookie: str | None) -> Visitor | None:
        """The visitor, or None for no, a forged or an expired cookie."""
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=self.lifetime)
        except BadSignature:  # SignatureExpired is one too
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        return Visitor(data["c"], data.get("s"), data.get("f", ""))


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
