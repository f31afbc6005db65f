"""Full-text search over message subjects and bodies, with or without Polish letters.

SQLite: the FTS5 table `message_search` (remove_diacritics 2; "ł" folded to "l" by
hand, see migration 0011). PostgreSQL: the GIN index over
to_tsvector('simple', mailbot_fold(subject || body)), unaccent inside. Every word of the
query must occur, as a word or the start of one ("faktur" finds "fakturą"); newest
messages first, which is what a help desk looks for and what stays fast on a big table.
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
_PG = text(
    "SELECT t.number FROM message m JOIN ticket t ON t.id = m.ticket_id "
    "WHERE to_tsvector('simple'::regconfig, mailbot_fold(coalesce(m.subject, '') || ' ' || "
    "coalesce(m.body_text, ''))) @@ to_tsquery('simple'::regconfig, mailbot_fold(:q)) "
    "ORDER BY m.id DESC LIMIT :n"
)


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
