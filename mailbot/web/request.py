"""One request as a page handler sees it, and the error a handler raises for bad input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from mailbot.web.auth import ROLE_NAMES, Visitor


class Invalid(Exception):
    """Bad input: the message (Polish) is shown to the person, with status 400."""


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

    def arg(self, name: str, limit: int = 200) -> str:
        value = self.request.query_params.get(name, "").strip()
        if len(value) > limit:
            raise Invalid(f"Parametr „{name}” jest za długi (najwyżej {limit} znaków).")
        return value
