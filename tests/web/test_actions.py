"""Staff actions over HTTP (SQLite and PostgreSQL): each action for each role (allowed:
done, audited by the service, the page says so; refused: 403 and nothing changed),
CSRF, bad input answered in Polish, the time preview, actions from a queue row."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from mailbot.store.tables import AuditEvent, OutboxItem, Ticket, TicketEvent, TimeEntry
from mailbot.web.auth import ACTION_ROLES, may
from tests.web.conftest import ACCOUNTS, csrf_of, login

E, P, U, C = "KJM-2026-000101", "KJM-2026-000102", "KJM-2026-000103", "KJM-2026-000104"
TYPED = ("spent", "note", "at", "text", "reason", "into", "subject", "caller")  # text fields


@dataclass(frozen=True)
class Case:
    """One action as the ticket page sends it, and how to see that it happened."""

    path: str
    data: dict[str, str]
    audited: str  # the AuditEvent.action the service writes
    ticket: str  # where the audit record is
    role: str  # the least console role that may do it
    flash: str  # what the page says afterwards
    check: dict[str, object] = field(default_factory=dict)  # Ticket column -> value after


CASES = {
    "ack": Case(f"/t/{E}/ack", {}, "acknowledged", E, "staff", "reakcja odnotowana"),
    "assign": Case(f"/t/{E}/assign", {"staff": "tomasz.kaczmarek"}, "assigned", E, "staff",
                   "prowadzi Tomasz", {"assignee": "tomasz.kaczmarek"}),
    "close": Case(f"/t/{E}/close", {"note": "Odbudowano indeks.", "notify": "1"}, "closed", E,
                  "staff", "powiadomienie klienta czeka", {"state": "closed"}),
    "reopen": Case(f"/t/{C}/reopen", {"reason": "klient dzwonił"}, "reopened", C, "staff",
                   "otwarte ponownie", {"state": "new"}),
    "time": Case(f"/t/{P}/time", {"spent": "40m", "note": "telefon"}, "time_logged", P,
                 "staff", "zapisano 40 min"),
    "link": Case(f"/t/{U}/link", {"client": "piekarnia"}, "linked", U, "staff",
                 "oceniony ponownie", {"client_id": "piekarnia"}),
    "register": Case(f"/t/{U}/link", {"client": "piekarnia", "register": "1"}, "linked", U,
                     "manager", "adres nadawcy zarejestrowany", {"client_id": "piekarnia"}),
    "reply": Case(f"/t/{E}/reply", {"text": "Dzień dobry,\n\nłączymy się zdalnie."}, "reply",
                  E, "staff", "czeka na wysłanie"),
    "note": Case(f"/t/{E}/note", {"text": "Klient restartuje serwer."}, "note", E, "staff",
                 "notatka dodana"),
    "not_ticket": Case(f"/t/{U}/not_ticket", {"kind": "spam"}, "not_ticket", U, "staff",
                       "to nie zgłoszenie", {"state": "not_a_ticket"}),
    "not_ticket_emergency": Case(f"/t/{E}/not_ticket", {"kind": "out_of_office"},
                                 "not_ticket", E, "manager", "to nie zgłoszenie",
                                 {"state": "not_a_ticket"}),
    "override": Case(f"/t/{E}/override", {"emergency": "0", "reason": "zwykłe pytanie"},
                     "corrected", E, "manager", "poprawione (awaria)", {"emergency": False}),
    "merge": Case(f"/t/{U}/merge", {"into": "102"}, "merged", U, "manager",
                  f"połączone z {P}", {"state": "merged"}),
    "new": Case("/new", {"client": "bilans", "channel": "phone", "subject": "Pytanie o JPK",
                         "caller": "pani Ewa", "spent": "25m", "scope": "consultation",
                         "product": "F-K", "close": "1"}, "opened", "KJM-2026-000106",
                "staff", "założone (zamknięte)"),
}  # fmt: skip


def test_the_cases_follow_the_role_policy():
    """The table above and auth.ACTION_ROLES say the same (README: roles)."""
    for name, case in CASES.items():
        assert case.role == ACTION_ROLES[name], name
    assert set(ACTION_ROLES) == set(CASES)


def _ticket(console, number: str) -> Ticket | None:
    with console.sessions() as s:
        return s.scalar(select(Ticket).where(Ticket.number == number))


def _audits(console) -> list[tuple[str, str, str | None]]:
    with console.sessions() as s:
        return [
            (a.actor, a.action, number)
            for a, number in s.execute(
                select(AuditEvent, Ticket.number).join(Ticket, Ticket.id == AuditEvent.ticket_id)
            )
        ]


def _post(client, case: Case, **extra):
    page = client.get(case.path if case.path == "/new" else f"/t/{case.ticket}")
    return client.post(case.path, data={"csrf": csrf_of(page.text), **case.data, **extra})


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_action_for_each_role(client, console, name, role):
    c, _ = console
    case, user = CASES[name], ACCOUNTS[role]
    assert login(client, user).status_code == 303
    before = _ticket(c, case.ticket)
    r = _post(client, case)
    if not may(role, case.role):
        assert r.status_code == 403 and "Brak uprawnień" in r.text, r.text
        assert _audits(c) == []
        after = _ticket(c, case.ticket)
        assert after is None or all(
            getattr(after, k) == getattr(before, k) for k in ("state", "client_id", "emergency")
        )
        return
    assert r.status_code == 303, r.text
    assert (user, case.audited, case.ticket) in _audits(c)
    after = _ticket(c, case.ticket)
    for column, value in case.check.items():
        assert getattr(after, column) == value, column
    page = client.get(r.headers["location"])
    assert case.flash in _flash(page.text)
    assert _flash(client.get(r.headers["location"]).text) == ""  # shown once


def _flash(html: str) -> str:
    found = re.search(r'<p class="flash" role="status">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_the_effects_a_client_and_the_ledger_see(client, console):
    c, _ = console
    login(client, ACCOUNTS["staff"])
    for name in ("close", "reply", "time", "link", "new"):
        assert _post(client, CASES[name]).status_code == 303, name
    with c.sessions() as s:
        mail = {(o.template, o.state, o.recipient) for o in s.scalars(select(OutboxItem))}
        entries = s.scalar(select(func.count()).select_from(TimeEntry))
        notes = s.scalars(select(TicketEvent.detail).where(TicketEvent.kind == "opened")).all()
    assert ("ticket_closed", "pending", "biuro@piekarnia-kowalski.pl") in mail
    assert ("staff_reply", "pending", "biuro@piekarnia-kowalski.pl") in mail
    # the unknown sender, linked to a care client and decided again, is answered as one:
    # the mail came at 05:00, before the client's covered hours
    assert ("outside_hours", "pending", "jan.kowalski@gmail.com") in mail
    assert entries == 3  # the seed's one, the time logged and the phone call's
    assert any("dzwoni pani Ewa" in n for n in notes)


def test_rules_edited_outside_are_read_at_the_next_page(client, console):
    """Another console (or a person) registered an address: the next page knows it; a
    broken edit keeps the rules in use."""
    from mailbot.settings.edit import add_client_address

    c, _ = console
    login(client, ACCOUNTS["staff"])
    assert c.rules.book.client_for_address("jan.kowalski@gmail.com") is None
    add_client_address(c.config.rules_dir, "piekarnia", "jan.kowalski@gmail.com")
    assert client.get("/").status_code == 200
    assert c.rules.book.client_for_address("jan.kowalski@gmail.com").id == "piekarnia"
    (c.config.rules_dir / "staff.toml").write_text("[[staff]\n", encoding="utf-8")
    assert client.get("/").status_code == 200  # still signed in, with the rules before
    assert c.rules.book.client_for_address("jan.kowalski@gmail.com").id == "piekarnia"


def test_templates_edited_outside_are_used_once_they_pass_the_check(client, console, caplog):
    c, _ = console
    login(client, ACCOUNTS["staff"])
    closed = c.config.templates_dir / "ticket_closed.txt.j2"
    before = c.desk
    closed.write_text(closed.read_text(encoding="utf-8") + "{{ nie_ma_takiej }}\n", "utf-8")
    with caplog.at_level(logging.ERROR, logger="mailbot.web"):
        assert client.get("/").status_code == 200
    assert c.desk is before and "nie_ma_takiej" in caplog.text  # kept what works
    closed.write_text(closed.read_text(encoding="utf-8").replace("{{ nie_ma_takiej }}", "Dzięki!"),
                      "utf-8")  # fmt: skip
    assert client.get("/").status_code == 200
    assert c.desk is not before


def test_registering_an_address_is_seen_at_once(client, console):
    """After linking with "register", the console's own rules know the address."""
    c, _ = console
    login(client, ACCOUNTS["manager"])
    assert _post(client, CASES["register"]).status_code == 303
    assert c.rules.book.client_for_address("jan.kowalski@gmail.com").id == "piekarnia"
    assert "jan.kowalski@gmail.com" in (c.config.rules_dir / "clients.toml").read_text()


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_action_without_csrf_changes_nothing(client, console, name):
    c, _ = console
    login(client, ACCOUNTS["admin"])
    r = client.post(CASES[name].path, data=CASES[name].data)
    assert r.status_code == 403 and "Formularz wygasł" in r.text
    bad = client.post(CASES[name].path, data={**CASES[name].data, "csrf": "nie-ten"})
    assert bad.status_code == 403
    assert _audits(c) == []


def test_signed_out_actions_go_to_the_login(client, console):
    c, _ = console
    client.get("/login")
    r = client.post(f"/t/{E}/ack", data={"csrf": csrf_of(client.get("/login").text)})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert _ticket(c, E).reacted_at is None


@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        (f"/t/{P}/time", {"spent": "pół godziny", "note": "moja notatka"}, 400,
         "nie wygląda jak 40m"),
        (f"/t/{P}/time", {"spent": "9h"}, 400, "zaznacz „potwierdzam”"),
        (f"/t/{P}/time", {"spent": "1h", "at": "wczoraj"}, 400, "Początek pracy"),
        (f"/t/{P}/time", {"spent": "1h", "at": "2026-11-26T10:00"}, 400, "w przyszłości"),
        (f"/t/{E}/reply", {"text": "   "}, 400, "Odpowiedź: pole jest puste"),
        (f"/t/{E}/note", {"text": ""}, 400, "Notatka: pole jest puste"),
        (f"/t/{E}/override", {"emergency": "0", "reason": ""}, 400, "Powód: pole jest puste"),
        (f"/t/{E}/override", {"emergency": "1", "reason": "x"}, 400, "nic do zmiany"),
        (f"/t/{E}/override", {"scope": "kawa", "reason": "x"}, 400, "wybierz jedną"),
        (f"/t/{U}/merge", {"into": U}, 400, "z nim samym"),
        (f"/t/{U}/merge", {"into": "999999"}, 409, "Nie ma zgłoszenia"),
        (f"/t/{U}/merge", {"into": "<script>"}, 400, "nie jest numerem"),
        (f"/t/{U}/link", {"client": "nie-ma"}, 400, "wybierz jedną"),
        (f"/t/{E}/assign", {"staff": "ktos.obcy"}, 400, "Nie ma pracownika"),
        (f"/t/{C}/close", {}, 409, "jest już zamknięte"),
        (f"/t/{E}/reopen", {}, 409, "nie jest zamknięte"),
        (f"/t/{E}/not_ticket", {"kind": "robot"}, 400, "wybierz jedną"),
        ("/new", {"client": "bilans", "channel": "phone", "subject": ""}, 400,
         "Temat: pole jest puste"),
        ("/new", {"client": "bilans", "channel": "mobile", "subject": "x", "scope": "other",
                  "product": "other"}, 400, "kanał klientów z opieką"),
    ],
)  # fmt: skip
def test_bad_input_is_answered_in_polish_with_what_was_typed(
    client, console, path, data, status, message
):
    c, _ = console
    login(client, ACCOUNTS["admin"])
    page = client.get("/new" if path == "/new" else path.rsplit("/", 1)[0])
    r = client.post(path, data={"csrf": csrf_of(page.text), **data})
    assert r.status_code == status, r.text
    assert message in r.text and "Traceback" not in r.text
    assert _audits(c) == []
    for key, value in data.items():  # what was typed into text fields is still there
        if key in TYPED and value.strip() and "<" not in value:
            assert f'value="{value}"' in r.text or f">{value}<" in r.text, value
    if path != "/new" and status == 400:
        action = path.rsplit("/", 1)[1]
        assert re.search(rf'<details open><summary>[^<]*</summary>\s*<form method="post" '
                         rf'action="{path}"', r.text), action  # fmt: skip
    assert "<script>" not in r.text.split("</head>")[1].replace("<script src", "")


def test_time_preview_shows_the_rounding_before_saving(client, console):
    """R-PAK-2: a package client's 40 minutes are rounded up to the half hour (1 h),
    shown while typing and before anything is saved."""
    login(client, ACCOUNTS["staff"])
    r = client.get(f"/t/{P}/time/preview", params={"spent": "40m"})
    assert r.status_code == 200 and "<html" not in r.text
    text = " ".join(r.text.split())
    assert "40 min" in text and "do pół godziny: <strong>1 h</strong>" in text
    assert "zejdzie <strong>1 h</strong>" in text and "zostanie 1 h" in text
    night = client.get(f"/t/{P}/time/preview", params={"spent": "20m", "at": "2026-11-24T23:00"})
    assert "0,5 h" in night.text and "× 1" not in night.text  # not an emergency: single
    care = client.get(f"/t/{E}/time/preview", params={"spent": "1h"})
    assert "opieka autorska" in care.text and "bez dodatkowej opłaty" in care.text
    long = client.get(f"/t/{P}/time/preview", params={"spent": "9h"})
    assert "więcej niż dzień pracy" in long.text
    bad = client.get(f"/t/{P}/time/preview", params={"spent": "dużo"})
    assert bad.status_code == 200 and "nie wygląda jak 40m" in bad.text
    with console[0].sessions() as s:
        assert s.scalar(select(func.count()).select_from(TimeEntry)) == 1  # nothing saved


def test_queue_row_actions_come_back_to_the_queue(client, console):
    c, _ = console
    login(client, ACCOUNTS["staff"])
    queue = client.get("/?emergency=1")
    assert f'action="/t/{E}/ack"' in queue.text and f'action="/t/{E}/assign"' in queue.text
    back = html.unescape(re.search(r'name="back" value="([^"]+)"', queue.text).group(1))
    assert back == "/?emergency=1&page=1"
    r = client.post(f"/t/{E}/ack", data={"csrf": csrf_of(queue.text), "back": back})
    assert r.status_code == 303 and r.headers["location"] == back
    assert "reakcja odnotowana" in _flash(client.get(r.headers["location"]).text)
    assert _ticket(c, E).reacted_by == ACCOUNTS["staff"]
    r = client.post(
        f"/t/{E}/assign",
        data={"csrf": csrf_of(queue.text), "staff": "me", "back": "//evil.example/"},
    )
    assert r.headers["location"] == f"/t/{E}"  # never to another site
    assert _ticket(c, E).assignee == ACCOUNTS["staff"]


def test_unknown_action_and_ticket(client):
    login(client, ACCOUNTS["admin"])
    csrf = csrf_of(client.get("/").text)
    assert client.post(f"/t/{E}/delete", data={"csrf": csrf}).status_code == 404
    r = client.post("/t/KJM-2026-999999/note", data={"csrf": csrf, "text": "x"})
    assert r.status_code in (404, 409) and "Traceback" not in r.text


def test_the_page_offers_what_the_role_may_do(client):
    login(client, ACCOUNTS["staff"])
    page = client.get(f"/t/{E}").text
    assert "Odpowiedz klientowi" in page and "Zapisz czas pracy" in page
    assert "Popraw ocenę" not in page and "Połącz z innym" not in page
    assert "To nie zgłoszenie" not in page  # an emergency: the managers'
    assert "zarejestruj adres" not in client.get(f"/t/{U}").text
    client.cookies.clear()
    login(client, ACCOUNTS["manager"])
    page = client.get(f"/t/{E}").text
    assert "Popraw ocenę" in page and "Połącz z innym" in page and "To nie zgłoszenie" in page
    assert "zarejestruj adres" in client.get(f"/t/{U}").text


def test_a_call_for_a_client_starts_from_its_page(client):
    login(client, ACCOUNTS["staff"])
    page = client.get("/c/bilans").text
    assert 'href="/new?client=bilans"' in page
    assert "biuro@bilans-ostroleka.pl (1)" in page  # who writes for the client
    form = client.get("/new?client=bilans").text
    assert '<option value="bilans" selected>' in form
    assert 'name="close" value="1" checked' in form  # a call mostly ends solved
