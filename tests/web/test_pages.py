"""What each page shows, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.web.conftest import ACCOUNTS, login
from tests.web.seed import PDF


@pytest.fixture
def staff(client):
    assert login(client, ACCOUNTS["staff"]).status_code == 303
    return client


@pytest.fixture
def manager(client):
    assert login(client, ACCOUNTS["manager"]).status_code == 303
    return client


def numbers(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'href="/t/(KJM-\d{4}-\d+)"', html)))


def test_queue_in_handling_order_without_closed_or_history(staff, console):
    _, s = console
    page = staff.get("/")
    assert page.status_code == 200
    # emergency of a care client first, then by arrival; closed and history are not work
    assert numbers(page.text) == [s.emergency, s.unknown, s.package]
    assert "AWARIA" in page.text and "zostało 1 h 00 min" in page.text
    assert 'hx-trigger="every 30s"' in page.text  # the time left is refreshed


def test_queue_filters_and_my_tickets(staff, console):
    _, s = console
    assert numbers(staff.get("/?client=bilans").text) == [s.package]
    assert numbers(staff.get("/?state=needs_identification").text) == [s.unknown]
    assert numbers(staff.get("/?emergency=1").text) == [s.emergency]
    assert numbers(staff.get("/?emergency=0&product=F-K").text) == [s.package]
    assert numbers(staff.get("/?assignee=-").text) == [s.emergency, s.package]
    assert numbers(staff.get("/?mine=1").text) == [s.unknown]  # jan.wisniewski's
    rows = staff.get("/queue/rows?client=piekarnia")
    assert numbers(rows.text) == [s.emergency] and "<html" not in rows.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=zamkniete", "Nieznany stan"),
        ("client=nie-ma", "Nie ma klienta"),
        ("assignee=kto%C5%9B", "Nie ma pracownika"),
        ("emergency=moze", "Filtr awarii"),
        ("page=-1", "Numer strony"),
    ],
)
def test_bad_filters_answer_in_polish(staff, query, message):
    r = staff.get(f"/?{query}")
    assert r.status_code == 400 and message in r.text and "Traceback" not in r.text


def test_ticket_page_thread_decision_events_ledger(staff, console):
    _, s = console
    page = staff.get(f"/t/{s.emergency}")
    assert page.status_code == 200
    text = page.text
    # the thread oldest first: the mail, what mailbot sent, the third party, the note
    order = [text.index(x) for x in ("Błąd księgowania", "Treść: ack_opieka_emergency",
                                     "Treść: alert_oncall", "Ktoś Obcy", "Dzwoniłem")]  # fmt: skip
    assert order == sorted(order)
    assert "osoba trzecia" in text
    # a client's HTML is text, never markup
    assert "&lt;b&gt;natychmiast&lt;/b&gt;" in text and "<b>natychmiast" not in text
    # the decision in words
    assert "Uznane za AWARIĘ" in text and "Powiadomiony dyżurny: Jan Wiśniewski" in text
    assert "Gwarantowany czas reakcji" in text
    assert "utworzone" in text  # the event log
    assert f'href="/a/{s.attachment_id}"' in text
    ledger = staff.get(f"/t/{s.package}").text
    assert "konsultacja" in ledger and "1 h" in ledger
    left = staff.get(f"/t/{s.emergency}/left")
    assert "zostało 1 h 00 min" in left.text


def test_unknown_ticket_is_404_in_polish(staff):
    r = staff.get("/t/KJM-2026-999999")
    assert r.status_code == 404 and "Nie ma takiej strony" in r.text


def test_attachment_is_a_download_never_inline(staff, console):
    _, s = console
    r = staff.get(f"/a/{s.attachment_id}")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith('attachment; filename="b__d faktury.pdf"')
    assert "filename*=UTF-8''b%C5%82%C4%85d%20faktury.pdf" in r.headers["content-disposition"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == "sandbox"
    assert staff.get("/a/999999").status_code == 404


@pytest.mark.parametrize(
    "query", ["błąd księgowania", "blad ksiegowania", "BLAD", "ksiegow", "faktur komputerze"]
)
def test_search_finds_polish_words_with_or_without_diacritics(staff, console, query):
    _, s = console
    assert s.emergency in numbers(staff.get("/search", params={"q": query}).text)


def test_search_by_number_client_and_sender(staff, console):
    _, s = console
    assert numbers(staff.get("/search?q=000102").text) == [s.package]
    assert s.package in numbers(staff.get("/search", params={"q": "Bilans"}).text)
    assert numbers(staff.get("/search?q=gmail.com").text) == [s.unknown]
    assert numbers(staff.get("/search", params={"q": "żadnego takiego słowa"}).text) == []
    r = staff.get("/search?q=a")
    assert r.status_code == 400 and "co najmniej 2 znaki" in r.text


def test_client_page(staff, console):
    _, s = console
    page = staff.get("/c/bilans").text
    assert "Biuro Rachunkowe" in page and "pakiet godzin" in page
    assert "biuro@bilans-ostroleka.pl" in page and s.package in page
    assert "Pakiety" in page and "3 h" in page
    care = staff.get("/c/piekarnia").text
    assert "Jan Wiśniewski" in care and s.emergency in care and s.closed in care
    assert staff.get("/c/nie-ma").status_code == 404


def test_billing_csv_opens_as_columns_in_polish_excel(manager):
    r = manager.get("/reports/billing.csv?month=2026-11")
    assert r.status_code == 200
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content[3:].decode("utf-8")), delimiter=";"))
    assert rows[0][:2] == ["Klient", "NIP"]
    bilans = next(row for row in rows if row[0].startswith("Biuro Rachunkowe"))
    assert bilans[4] == "1,00" and "." not in "".join(bilans[2:])  # decimal commas
    assert b"\r\n" in r.content
    page = manager.get("/reports/billing?month=2026-11")
    assert "Biuro Rachunkowe" in page.text
    bad = manager.get("/reports/billing?month=listopad")
    assert bad.status_code == 400 and "RRRR-MM" in bad.text


def test_digest_archive_and_sla(manager):
    listing = manager.get("/reports/digests")
    assert "24.11.2026" in listing.text
    page = manager.get("/reports/digests/2026-11-24?view=1")
    assert page.status_code == 200 and "<iframe" in page.text
    html = manager.get("/reports/digests/2026-11-24")
    assert html.status_code == 200 and "sandbox" in html.headers["content-security-policy"]
    assert html.headers["x-frame-options"] == "SAMEORIGIN"  # the archive page frames it
    assert "<html" in html.text.lower()
    assert manager.get("/reports/digests/wczoraj").status_code == 400
    sla = manager.get("/reports/sla?month=2026-11")
    assert sla.status_code == 200 and "Z gwarancją reakcji" in sla.text
    assert "KJM-2026-000101" in sla.text


def test_the_addresses_mails_carry_open_the_console_pages(staff, console):
    """Alerts, SMS and the digest link to {base_url}/tickets/NUMBER and {base_url}/queue
    (outgoing/render.py): those addresses are the ticket page and the queue."""
    from mailbot.outgoing.render import queue_url, ticket_url

    _, s = console
    ticket = ticket_url("https://x.example", s.emergency).removeprefix("https://x.example")
    assert staff.get(ticket).text == staff.get(f"/t/{s.emergency}").text
    queue = staff.get(queue_url("https://x.example").removeprefix("https://x.example"))
    assert queue.status_code == 200 and s.emergency in queue.text
