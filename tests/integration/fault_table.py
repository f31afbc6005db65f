"""The figures of the fault-injection suite, printed as one table
at the end of the pytest run (`pytest_terminal_summary` in tests/integration/conftest.py).

Tests append a `FaultRow` with `record()`. The two-instance hand-over row belongs to the
lease tests: they record a row whose scenario is `HANDOVER`; until one does, the table
shows a placeholder line for it, so a missing proof is visible rather than silent.
"""

from __future__ import annotations

from dataclasses import dataclass

HANDOVER = "two instances, active killed"


@dataclass(frozen=True)
class FaultRow:
    scenario: str  # the crash point(s) or the outage
    db: str  # sqlite | postgresql
    messages: int
    tickets: int
    lost: int
    dup_tickets: int
    dup_replies: int
    uncertain: int  # client replies marked `uncertain` (maybe delivered, never resent)
    uncertain_arrived: int  # how many of those the client did get
    alerts_expected: int
    alerts_delivered: int
    alerts_repeated: int  # alerts delivered more than once (at least once is the promise)
    seconds: float


_ROWS: list[FaultRow] = []  # one pytest process = one table


def record(row: FaultRow) -> None:
    _ROWS.append(row)


def rows() -> list[FaultRow]:
    return list(_ROWS)


HEADER = (
    "scenario", "db", "msgs", "tickets", "lost", "dup tickets", "dup replies",
    "uncertain/arrived", "alerts exp/deliv", "alerts twice", "seconds",
)  # fmt: skip


def render(table: list[FaultRow]) -> list[str]:
    """Plain text, fixed-width: readable in CI logs and pasteable into an issue note."""
    cells = [list(HEADER)]
    for r in table:
        cells.append([
            r.scenario, r.db, str(r.messages), str(r.tickets), str(r.lost),
            str(r.dup_tickets), str(r.dup_replies), f"{r.uncertain}/{r.uncertain_arrived}",
            f"{r.alerts_expected}/{r.alerts_delivered}", str(r.alerts_repeated),
            f"{r.seconds:.1f}",
        ])  # fmt: skip
    if not any(r.scenario == HANDOVER for r in table):
        cells.append([HANDOVER, "postgresql", "-", "-", "-", "-", "-", "-", "-", "-",
                      "(lease tests)"])  # fmt: skip
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
