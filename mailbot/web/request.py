"""One request as a page handler sees it, the error a handler raises for bad input, and
reading a form's fields with a Polish message for each mistake."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from mailbot.web.auth import ROLE_NAMES, Visitor

_CLI_FLAG = re.compile(r"\s*\(--[a-z-]+\)")  # the services name the CLI's options


class Invalid(Exception):
    """Bad input: the message (Polish) is shown to the person, with status 400."""


def sentence(text: str) -> str:
    """A services message as a sentence on a page: capitalised, with a full stop, and
    without the CLI option it names ("podaj powód (--reason)")."""
    text = _CLI_FLAG.sub("", text).strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def local_target(raw: str) -> str:
    """Where to go after signing in: a path on this console, never another site
    (browsers read "//host" and "/\\host" as another host)."""
    return raw if raw.startswith("/") and not raw.startswith(("//", "/\\")) else "/"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


@dataclass
class Ctx:
    """One request as a handler sees it."""

    request: Request
    session: Session
    visitor: Visitor
    user: User | None
    form: FormData | None
    now: datetime
    flash: str = ""  # what the last action did, shown once (a signed cookie)
    flash_shown: bool = False

    def arg(self, name: str, limit: int = 200) -> str:
        value = self.request.query_params.get(name, "").strip()
        if len(value) > limit:
            raise Invalid(f"Parametr „{name}” jest za długi (najwyżej {limit} znaków).")
        return value

    def field(self, name: str, what: str, limit: int = 200, *, required: bool = False) -> str:
        """A form field, stripped; `what` names it in the message ("Temat")."""
        raw = self.form.get(name, "") if self.form is not None else ""
        value = raw.strip() if isinstance(raw, str) else ""
        if len(value) > limit:
            raise Invalid(f"{what}: najwyżej {limit} znaków (jest {len(value)}).")
        if required and not value:
            raise Invalid(f"{what}: pole jest puste.")
        return value

    def flag(self, name: str) -> bool:
        return self.form is not None and self.form.get(name) in ("1", "on", "tak")

    def choice(self, name: str, what: str, allowed: dict[str, str] | tuple[str, ...] | list[str],
               *, required: bool = True) -> str:  # fmt: skip
        value = self.field(name, what, 100)
        if not value and not required:
            return ""
        if value not in allowed:
            raise Invalid(f"{what}: wybierz jedną z możliwości z listy.")
        return value

    def moment(self, name: str, what: str, tz: ZoneInfo) -> datetime | None:
        """A datetime-local field ("2026-11-25T10:30", Warsaw time) or None when empty."""
        value = self.field(name, what, 40)
        if not value:
            return None
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{what}: podaj datę i godzinę, np. 2026-11-25 10:30.") from None
        return at.replace(tzinfo=tz) if at.tzinfo is None else at
