"""A settable clock for the App's and the jobs' `clock` parameter."""

from __future__ import annotations

from datetime import datetime


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now
