"""The console's Polish: labels, times, time left, the decision in sentences, the CSV,
the SLA figures, the search words and the attachment header. No server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from mailbot.web import words
from mailbot.web.files import content_disposition, find_attachment
from mailbot.web.reports import excel_csv, month_bounds, sla_figures
from mailbot.web.search import fold_l
from mailbot.web.search import words as query_words
from tests.web.seed import PDF, raw_with_attachment

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_time_left():
    soon = NOW + timedelta(minutes=25)
    assert words.time_left(None, False, False, NOW) == ("—", "")
    assert words.time_left(soon, False, False, NOW) == ("zostało 25 min", "soon")
    assert words.time_left(NOW + timedelta(hours=2), False, False, NOW) == (
        "zostało 2 h 00 min", "")  # fmt: skip
    assert words.time_left(NOW - timedelta(minutes=70), False, False, NOW) == (
        "PO TERMINIE o 1 h 10 min", "late")  # fmt: skip
    assert words.time_left(NOW - timedelta(hours=1), True, False, NOW)[1] == "ok"


def test_times_are_warsaw():
    assert words.when(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == "02.07.2026 00:30"
    assert words.when(None) == "—"


def test_labels_fall_back_to_the_code():
    assert words.label(words.STATES, "on_hold") == "wstrzymane (brak pakietu)"
    assert words.label(words.STATES, "something_new") == "something_new"
    assert words.label(words.STATES, None) == "—"


def test_explain_a_care_emergency():
    doc = {
        "message": {"from": {"address": "biuro@piekarnia-kowalski.pl"}, "automatic": None},
        "client": {"id": "piekarnia", "name": "Piekarnia", "contract": "opieka",
                   "addons": ["night"]},
        "trust": "registered", "product": "F-K", "scope": "database_repair",
        "emergency": True, "urgency": {"score": 0.9, "reasons": ["'na żadnym komputerze'"]},
        "covered": False, "state": "new", "deadline": "2026-11-25T11:10:00+01:00",
        "reply": "outside_hours_emergency", "billing": "billable",
        "alerts": [{"to": "jan.wisniewski", "role": "oncall", "channels": ["sms", "email"]},
                   {"to": None, "role": "opiekun", "channels": ["email"]}],
        "package": None, "thread": {"ticket": None},
    }  # fmt: skip
    text = "\n".join(words.explain(doc, {"jan.wisniewski": "Jan Wiśniewski"}))
    assert "Klient: Piekarnia — opieka autorska, dodatki: obsługa nocna." in text
    assert "naprawa bazy danych" in text and "Uznane za AWARIĘ" in text
    assert "pewność 0,9" in text and "poza godzinami objętymi umową" in text
    assert "do 25.11.2026 11:10" in text
    assert "Powiadomiony dyżurny: Jan Wiśniewski (SMS i e-mail)." in text
    assert "nikt (luka w grafiku)" in text
    assert "płatne według cennika" in text
    assert "R-" not in text  # rule ids stay in the technical details


def test_explain_an_unknown_sender_and_a_package():
    doc = {"message": {"from": {"address": "x@gmail.com"}, "automatic": "out-of-office"},
           "client": None, "trust": "unknown", "emergency": False, "urgency": {"score": 0.1},
           "covered": True, "state": "needs_identification", "deadline": None, "reply": None,
           "alerts": [], "billing": "none",
           "package": {"hours_left": "0.5", "valid_until": "2027-01-01", "valid": False},
           "thread": {"ticket": "KJM-2026-000007", "reason": "In-Reply-To",
                      "third_party": True}}  # fmt: skip
    text = "\n".join(words.explain(doc, {}))
    assert "nieznany nadawca; nie przypisano klienta" in text
    assert "wysłana automatycznie (out-of-office)" in text
    assert "Bez gwarantowanego czasu reakcji" in text and "Bez automatycznej odpowiedzi" in text
    assert "zostało 0,5 h, ważny do 01.01.2027 — NIEWAŻNY." in text
    assert "Dopisane do zgłoszenia KJM-2026-000007" in text and "osoba trzecia" in text.lower()
    assert words.explain(None, {})[0].startswith("Brak zapisanej decyzji")


def test_excel_csv():
    data = excel_csv(["Klient", "Godziny"], [["Zakład „Łąka”; sp.", Decimal("1.50")], ["B", 2]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text == 'Klient;Godziny\r\n"Zakład „Łąka”; sp.";1,50\r\nB;2\r\n'


def test_month_bounds():
    assert month_bounds("2026-12") == (datetime(2026, 12, 1).date(), datetime(2027, 1, 1).date())


@dataclass
class Row:
    created_at: datetime
    deadline: datetime
    reacted_at: datetime | None


def test_sla_figures_count_the_night_out():
    evening = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)  # 21:30 in Warsaw
    rows = [
        Row(NOW, NOW + timedelta(hours=2), NOW + timedelta(minutes=30)),  # in time
        Row(NOW, NOW + timedelta(hours=2), NOW + timedelta(hours=3)),  # late
        Row(NOW - timedelta(hours=5), NOW - timedelta(hours=3), None),  # missed
        Row(NOW, NOW + timedelta(hours=2), None),  # waiting
        # 21:30 -> 7:30 next day: 30 min before 22:00 and 30 after 7:00 count
        Row(evening, evening + timedelta(hours=11), evening + timedelta(hours=10)),
    ]
    f = sla_figures(rows, NOW + timedelta(minutes=1))
    assert (f.guaranteed, f.in_time, f.late, f.missed, f.waiting) == (5, 2, 1, 1, 1)
    assert f.median_minutes == 60 and f.percent_in_time == "50%"


def test_search_words_and_the_l_fold():
    assert query_words("Błąd  księgowania, F-K!") == ["błąd", "księgowania", "f", "k"]
    assert fold_l("Łódź łąka") == "Lódź ląka"


def test_attachment_found_in_the_raw_message_and_named_safely():
    import hashlib

    raw = raw_with_attachment("Temat", "treść")
    assert find_attachment(raw, hashlib.sha256(PDF).hexdigest(), "x") == PDF
    assert find_attachment(raw, "0" * 64, "błąd faktury.pdf") == PDF
    assert find_attachment(raw, "0" * 64, "inny.pdf") is None
    header = content_disposition('a"b\r\nc/d.pdf')
    assert header.startswith('attachment; filename="a_b__c_d.pdf"') and "\n" not in header


def test_hours_read_alike_everywhere():
    from decimal import Decimal

    assert [words.hours(v) for v in (Decimal("0.50"), Decimal("1.5"), Decimal("2.00"), 3)] == [
        "0,5 h", "1,5 h", "2 h", "3 h"]  # fmt: skip
    assert words.hours(Decimal("100")) == "100 h"  # not 1E+2
