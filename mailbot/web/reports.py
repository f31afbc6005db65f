"""The managers' figures: SLA over a month, and the billing report as CSV that Polish
Excel opens as columns. Pure functions over plain rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from statistics import median
from typing import Any

from mailbot.core.calendar import counted_time


@dataclass(frozen=True)
class SlaFigures:
    """R-SLA-1 over one period: tickets with a guaranteed reaction and how it went."""

    guaranteed: int
    in_time: int
    late: int  # reacted after the deadline
    missed: int  # no reaction and the deadline has passed
    waiting: int  # no reaction yet, deadline still ahead
    median_minutes: int | None  # reaction time as the clock counts it (22-7 not counted)

    @property
    def percent_in_time(self) -> str:
        decided = self.in_time + self.late + self.missed
        return f"{100 * self.in_time / decided:.0f}%" if decided else "—"


def sla_figures(rows: Iterable[Any], now: datetime) -> SlaFigures:
    """`rows` need created_at, deadline, reacted_at (queries.SlaRow)."""
    in_time = late = missed = waiting = 0
    minutes = []
    for r in rows:
        if r.reacted_at is not None:
            if r.reacted_at >= r.created_at:  # a reaction can be recorded with an earlier time
                counted = counted_time(r.created_at, r.reacted_at, frozenset())
                minutes.append(int(counted.total_seconds() // 60))
            if r.reacted_at <= r.deadline:
                in_time += 1
            else:
                late += 1
        elif r.deadline < now:
            missed += 1
        else:
            waiting += 1
    middle = int(median(minutes)) if minutes else None
    return SlaFigures(in_time + late + missed + waiting, in_time, late, missed, waiting, middle)


def month_bounds(text: str) -> tuple[date, date]:
    """'2026-11' -> (first day, first day of the next month); ValueError otherwise."""
    first = date.fromisoformat(f"{text.strip()}-01")
    return first, date(first.year + first.month // 12, first.month % 12 + 1, 1)


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV for Polish Excel: UTF-8 with a BOM (else it guesses cp1250), ';' between
    columns (the Polish list separator) and a decimal comma; CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if isinstance(value, (Decimal, float)):
        return str(value).replace(".", ",")
    return "" if value is None else str(value)
