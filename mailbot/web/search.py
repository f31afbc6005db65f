"""Full-text search over message subjects, bodies and senders, with or without Polish
letters; ticket numbers as typed.

SQLite: the FTS5 table `message_search` (remove_diacritics 2; "ł" folded to "l" by
hand, see migration 0011). PostgreSQL: the generated column message.search_doc,
to_tsvector('simple', mailbot_fold(subject, body, sender)) with unaccent inside, and its
GIN index. Every word of the query must occur, as a word or the start of one ("faktur"
finds "fakturą"); newest messages first, which is what a help desk looks for and what
stays fast on a big table.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

_WORD = re.compile(r"\w+")
MAX_WORDS = 8


def words(query: str) -> list[str]:
    """The query's words, lower-cased, at most MAX_WORDS of them."""
    return [w.lower() for w in _WORD.findall(query)][:MAX_WORDS]


def fold_l(word: str) -> str:
    """ł -> l: the one Polish letter FTS5's remove_diacritics keeps (no decomposition)."""
    return word.replace("ł", "l").replace("Ł", "L")


_SQLITE = text(
    "SELECT t.number FROM message_search s JOIN message m ON m.id = s.rowid "
    "JOIN ticket t ON t.id = m.ticket_id WHERE message_search MATCH :q "
    "ORDER BY s.rowid DESC LIMIT :n"
)
# Newest matches first, then their tickets: the join is done for those only.
_PG = text(
    "SELECT t.number FROM (SELECT m.id, m.ticket_id FROM message m "
    "WHERE m.search_doc @@ to_tsquery('simple'::regconfig, mailbot_fold(:q)) "
    "ORDER BY m.id DESC LIMIT :n) h JOIN ticket t ON t.id = h.ticket_id ORDER BY h.id DESC"
)
_NUMBER = re.compile(r"(?:KJM-)?(?:(\d{4})-)?(\d{1,6})")


def number_candidates(query: str, year: int, years: int = 5) -> list[str]:
    """Ticket numbers a query may mean: 'KJM-2026-000102', '2026-102', or just '102'
    (then in this and the years before), so the lookup is exact and uses the index."""
    found = _NUMBER.fullmatch(query.strip().upper())
    if not found:
        return []
    seq = int(found.group(2))
    in_years = [int(found.group(1))] if found.group(1) else range(year, year - years, -1)
    return [f"KJM-{y}-{seq:06d}" for y in in_years]


def ticket_numbers(session: Session, query: str, limit: int = 50) -> list[str]:
    """Numbers of the tickets whose messages contain every word, newest message first."""
    found = words(query)
    if not found:
        return []
    if session.get_bind().dialect.name == "sqlite":
        statement, q = _SQLITE, " AND ".join(f'"{fold_l(w)}"*' for w in found)
    else:
        statement, q = _PG, " & ".join(f"{w}:*" for w in found)
    rows = session.execute(statement, {"q": q, "n": limit * 4}).scalars()
    return list(dict.fromkeys(rows))[:limit]
