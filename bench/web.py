"""Server time of the staff console's pages with 100,000 tickets, SQLite and PostgreSQL.

    python bench/web.py [--tickets 100000] [--open 0.1] [--requests 200] [--backend both]

Builds a database of N tickets (one message each, Polish text, `--open` of them open so
the queue is long, 2% emergencies with deadlines) through the real migrations, so the
full-text index and the queue index are the ones production has. Then, in one process,
signs in once and asks the console (Starlette's TestClient, no network) for the pages
below; the time taken is the server's, as its access log measures it (from the request
reaching the application to the last byte of the response: routing, the sign-in check,
the queries, the template), not the test client's own overhead:

- the queue's first page (50 rows in handling order, and the count);
- a ticket page, a random ticket each time;
- a search, random words from the bodies, half of them typed without Polish letters.

Prints p50 and p95 in milliseconds per page and backend. Goals: p95 < 50 ms for the
queue and a ticket, < 100 ms for a search. README, "The staff console", has the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_TEXT = (
    "błąd księgowania faktura korygująca deklaracja przelew wydruk raport zamknięcie "
    "miesiąca kadry płace lista płac urlop zaświadczenie bilans inwentaryzacja magazyn "
    "dokument kontrahent należność zobowiązanie import eksport baza danych kopia "
    "zapasowa serwer stanowisko drukarka hasło użytkownik uprawnienia aktualizacja "
    "wersja program nie działa zawiesza się komunikat ostrzeżenie rozliczenie podatek "
    "składka ZUS PIT VAT JPK korekta księga główna plan kont okres obrachunkowy"
)
WORDS = tuple(_TEXT.split())
CLIENTS = ("piekarnia", "budmax", "bilans", "ug-brzozowo", "trans-mar", "agro-pol")
PRODUCTS = ("F-K", "Kadry-Płace", "SOOT", None)


def fill(url: str, tickets: int, open_share: float, seed: int = 1) -> None:
    """N tickets with one message each, inserted in batches through Core."""
    from sqlalchemy import insert

    from mailbot.settings.rules import load_rules
    from mailbot.store import repo
    from mailbot.store.db import make_engine, session_factory, upgrade
    from mailbot.store.tables import Message, Ticket

    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with session_factory(engine).begin() as session:
        repo.sync_clients(session, load_rules(ROOT / "rules").book.clients, now)
    batch = 5000
    with engine.begin() as conn:
        for start in range(0, tickets, batch):
            rows_t, rows_m = [], []
            for i in range(start, min(tickets, start + batch)):
                created = now - timedelta(minutes=(tickets - i) * 5)
                emergency = rng.random() < 0.02
                is_open = rng.random() < open_share
                words = rng.sample(WORDS, 40)
                subject = " ".join(words[:5]).capitalize()
                care = rng.random() < 0.6
                priority = (1 if care else 2) if emergency else (3 if care else 4)
                rows_t.append({
                    "id": i + 1, "number": f"KJM-{2020 + i // 100000}-{i % 100000 + 1:06d}",
                    "state": "new" if is_open else "closed", "subject": subject,
                    "requester": f"osoba{i % 300}@klient{i % 40}.pl", "requester_name": "",
                    "history": False, "created_at": created, "updated_at": created,
                    "client_id": rng.choice(CLIENTS), "contract": "opieka" if care else "pakiet",
                    "product": rng.choice(PRODUCTS), "emergency": emergency, "priority": priority,
                    "deadline": created + timedelta(hours=2) if emergency and care else None,
                    "billing": "none", "decision": None,
                })  # fmt: skip
                rows_m.append({
                    "id": i + 1, "message_key": f"<bench-{i}@klient.pl>", "synthetic_key": False,
                    "ticket_id": i + 1, "folder": "INBOX", "uid": i + 1, "uidvalidity": 1,
                    "sender_name": "", "sender_address": rows_t[-1]["requester"],
                    "subject": subject, "received_at": created, "references": "",
                    "body_text": " ".join(words[5:]) + ".", "raw_sha256": "0" * 64,
                    "raw_size": 2000, "server_size": 2000, "oversized": False, "history": False,
                    "defects": "", "third_party": False,
                })  # fmt: skip
            conn.execute(insert(Ticket), rows_t)
            conn.execute(insert(Message), rows_m)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # what autovacuum does after a load (SQLite: statistics only)
        conn.exec_driver_sql("ANALYZE" if url.startswith("sqlite") else "VACUUM ANALYZE")
    engine.dispose()


def measure(url: str, tmp: Path, requests: int, tickets: int, seed: int = 2) -> dict:
    from starlette.testclient import TestClient

    from mailbot.settings.config import load_config
    from mailbot.web.app import create_app
    from mailbot.web.auth import set_password
    from mailbot.web.console import Console
    from tests.web.conftest import csrf_of, write_config

    console = Console.from_config(load_config(write_config(tmp, url)))
    with console.sessions.begin() as session:
        set_password(session, "jan.wisniewski", "bench-haslo-123", "bench", console.clock())
    rng = random.Random(seed)
    figures = {}
    served: list[float] = []

    class Timings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            served.append(record.ms)  # type: ignore[attr-defined]

    access = logging.getLogger("mailbot.web.access")
    access.setLevel(logging.INFO)
    access.addHandler(Timings())
    with TestClient(create_app(console), follow_redirects=False) as client:
        page = client.get("/login")
        client.post("/login", data={"csrf": csrf_of(page.text), "login": "jan.wisniewski",
                                     "password": "bench-haslo-123"})  # fmt: skip
        assert client.get("/").status_code == 200

        def queue() -> str:
            return "/"

        def ticket() -> str:
            i = rng.randrange(tickets)
            return f"/t/KJM-{2020 + i // 100000}-{i % 100000 + 1:06d}"

        def search() -> str:
            words = rng.sample(WORDS, 2)
            if rng.random() < 0.5:  # typed without Polish letters
                words = [w.translate(str.maketrans("ąćęłńóśźż", "acelnoszz")) for w in words]
            return "/search?q=" + "+".join(words)

        for name, path in (("queue", queue), ("ticket", ticket), ("search", search)):
            for _ in range(5):  # warm-up: caches, the first query plan
                client.get(path())
            served.clear()
            for _ in range(requests):
                target = path()
                r = client.get(target)
                assert r.status_code == 200, (target, r.status_code)
            times = sorted(served)
            figures[name] = {
                "p50": round(statistics.median(times), 1),
                "p95": round(times[int(len(times) * 0.95) - 1], 1),
            }
    console.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--open", type=float, default=0.1, help="share of open tickets")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-web-") as tmp_dir:
        tmp = Path(tmp_dir)
        if args.backend in ("sqlite", "both"):
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            started = time.perf_counter()
            fill(url, args.tickets, args.open)
            print(f"sqlite: {args.tickets} tickets in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)  # fmt: skip
            results["sqlite"] = measure(url, tmp, args.requests, args.tickets)
        if args.backend in ("postgresql", "both"):
            from tests.servers import Postgres

            with Postgres.start(tmp / "pg") as pg:
                url = pg.create_database("bench")
                started = time.perf_counter()
                fill(url, args.tickets, args.open)
                print(f"postgresql: {args.tickets} tickets in "
                      f"{time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
                results["postgresql"] = measure(url, tmp, args.requests, args.tickets)
    print(f"{args.tickets} tickets ({args.open:.0%} open), {args.requests} requests a page; "
          "server time in ms")  # fmt: skip
    print(f"{'backend':<11} {'page':<7} {'p50':>7} {'p95':>7}  goal p95")
    for backend, pages in results.items():
        for name, f in pages.items():
            goal = 100 if name == "search" else 50
            mark = "ok" if f["p95"] < goal else "OVER"
            print(f"{backend:<11} {name:<7} {f['p50']:>7} {f['p95']:>7}  < {goal} {mark}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
