"""Exponential backoff, capped: how long to wait after n failures in a row.

An outage must not become a tight reconnect loop hammering the server (or a lockout
after repeated bad logins), and a long outage must not stretch the wait beyond the cap.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base: float = 5.0  # seconds after the first failure
    cap: float = 300.0
    factor: float = 2.0

    def delay(self, failures: int) -> float:
        """0 before any failure; base, base*factor, … up to cap."""
        if failures <= 0:
            return 0.0
        return min(self.cap, self.base * self.factor ** min(failures - 1, 64))
