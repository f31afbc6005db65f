"""Sign-in, sessions, roles, CSRF and the one-tap link, over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select
from starlette.testclient import TestClient

from mailbot.store.tables import Ticket, TicketEvent, UsedLink, WebLogin
from mailbot.web.app import create_app
from mailbot.web.auth import Visitor, set_password
from tests.web.conftest import ACCOUNTS, NOW, csrf_of, login

PAGES = [
    "/",
    "/queue/rows",
    "/t/KJM-2026-000101",
    "/t/KJM-2026-000101/left",
    "/c/piekarnia",
    "/search?q=faktura",
    "/reports/digests",
    "/reports/billing",
    "/reports/billing.csv",
    "/reports/sla",
    "/admin/logins",
]
MANAGER_PAGES = ["/reports/digests", "/reports/billing", "/reports/billing.csv", "/reports/sla"]


def test_nobody_unauthenticated_sees_ticket_data(client, console):
    _, seeded = console
    for path in [*PAGES, f"/a/{seeded.attachment_id}"]:
        r = client.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next="), path
        assert "KJM-2026" not in r.text and "Piekarnia" not in r.text
    r = client.get("/queue/rows", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_each_role_sees_its_pages(client, role):
    assert login(client, ACCOUNTS[role]).status_code == 303
    for path in PAGES:
        r = client.get(path)
        allowed = (role != "staff" or path not in MANAGER_PAGES) and (
            role == "admin" or path != "/admin/logins"
        )
        assert r.status_code == (200 if allowed else 403), (role, path)
        if not allowed:
            assert "Brak uprawnień" in r.text and "KJM-2026" not in r.text


def test_wrong_password_unknown_login_and_empty_form_answer_in_polish(client, console):
    r = login(client, "jan.wisniewski", "zle-haslo-000")
    assert r.status_code == 401 and "Nieprawidłowy identyfikator lub hasło" in r.text
    assert login(client, "nie.ma.takiego").status_code == 401
    r = client.post("/login", data={"csrf": csrf_of(client.get("/login").text)})
    assert r.status_code == 400 and "Wpisz identyfikator i hasło" in r.text
    with console[0].sessions() as s:
        rows = s.scalars(select(WebLogin).order_by(WebLogin.id)).all()
    assert [(w.staff_id, w.ok) for w in rows] == [
        ("jan.wisniewski", False),
        ("nie.ma.takiego", False),
    ]


def test_login_rate_limit(client):
    for _ in range(5):
        assert login(client, "jan.wisniewski", "zle-haslo-000").status_code == 401
    r = login(client, "jan.wisniewski")  # the right password, too late
    assert r.status_code == 429 and "Zbyt wiele nieudanych prób" in r.text
    assert client.get("/").status_code == 303


def test_login_form_without_csrf_is_refused(client):
    client.get("/login")
    r = client.post("/login", data={"login": "jan.wisniewski", "password": "dobre-haslo-123"})
    assert r.status_code == 403 and "Formularz wygasł" in r.text


def test_post_without_csrf_is_refused(client):
    login(client, "jan.wisniewski")
    r = client.post("/logout", data={})
    assert r.status_code == 403 and "Formularz wygasł" in r.text
    assert client.get("/").status_code == 200  # still signed in
    r = client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    assert r.status_code == 303
    assert client.get("/").status_code == 303


def test_after_login_back_to_the_page_asked_for_never_another_site(client):
    page = client.get("/login?next=//evil.example/x")
    r = client.post(
        "/login?next=//evil.example/x",
        data={"csrf": csrf_of(page.text), "login": "jan.wisniewski", "password": "dobre-haslo-123"},
    )
    assert r.headers["location"] == "/"
    client.cookies.clear()
    page = client.get("/login?next=/t/KJM-2026-000101")
    r = client.post(
        "/login?next=/t/KJM-2026-000101",
        data={"csrf": csrf_of(page.text), "login": "jan.wisniewski", "password": "dobre-haslo-123"},
    )
    assert r.headers["location"] == "/t/KJM-2026-000101"


def test_forged_cookie_and_changed_password_end_the_session(client, console):
    login(client, "jan.wisniewski")
    good = client.cookies.get("mailbot_session")
    client.cookies.set("mailbot_session", good[:-3] + "abc")
    assert client.get("/").status_code == 303
    client.cookies.set("mailbot_session", good)
    assert client.get("/").status_code == 200
    with console[0].sessions.begin() as s:
        set_password(s, "jan.wisniewski", "nowe-haslo-456", "test", NOW)
    assert client.get("/").status_code == 303


def test_cookie_flags_and_headers(make_console):
    console, _ = make_console("https://pomoc.kjmssoft.pl")
    with TestClient(
        create_app(console), base_url="https://testserver", follow_redirects=False
    ) as c:
        r = login(c, "jan.wisniewski")
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
        page = c.get("/")
        assert page.status_code == 200
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["strict-transport-security"].startswith("max-age=")


def test_plain_http_cookie_is_not_secure(client):
    cookie = login(client, "jan.wisniewski").headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" not in cookie


def test_access_log_names_who_and_hides_link_tokens(client, console, caplog):
    token = console[0].links.make("KJM-2026-000101", "jan.wisniewski")
    with caplog.at_level("INFO", logger="mailbot.web.access"):
        login(client, "jan.wisniewski")
        client.get("/t/KJM-2026-000101")
        client.get(f"/ack/{token}")
    lines = [r.getMessage() for r in caplog.records if r.name == "mailbot.web.access"]
    assert any("jan.wisniewski GET /t/KJM-2026-000101 200" in line for line in lines)
    assert any("/ack/[link]" in line for line in lines)
    assert not any(token in line for line in lines)


# ------------------------------------------------------------------ one-tap link


def _ack(client: TestClient, token: str):
    page = client.get(f"/ack/{token}")
    return page, client.post(f"/ack/{token}", data={"csrf": csrf_of(page.text)})


def test_ack_link_records_the_reaction_without_a_login(client, console):
    c, seeded = console
    token = c.links.make(seeded.emergency, "jan.wisniewski")
    page, done = _ack(client, token)
    assert page.status_code == 200 and "Przyjmuję" in page.text
    assert done.status_code == 200 and "Przyjęte" in done.text
    with c.sessions() as s:
        t = s.scalar(select(Ticket).where(Ticket.number == seeded.emergency))
        assert t.reacted_by == "jan.wisniewski" and t.reacted_at == NOW
        kinds = s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == t.id)).all()
        assert "acknowledged" in kinds
    assert client.get("/").status_code == 303  # the link signed nobody in


def test_ack_page_alone_changes_nothing(client, console):
    """Mail scanners open links: a GET must not acknowledge."""
    c, seeded = console
    client.get(f"/ack/{c.links.make(seeded.emergency, 'jan.wisniewski')}")
    with c.sessions() as s:
        assert s.scalar(select(Ticket.reacted_at).where(Ticket.number == seeded.emergency)) is None


def test_replayed_ack_link_is_refused(client, console):
    c, seeded = console
    token = c.links.make(seeded.emergency, "jan.wisniewski")
    page, first = _ack(client, token)
    assert "Przyjęte" in first.text
    again = client.post(f"/ack/{token}", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 410 and "już użyty" in again.text
    with c.sessions() as s:
        assert len(s.scalars(select(UsedLink)).all()) == 1
        events = s.scalars(select(TicketEvent).where(TicketEvent.kind == "acknowledged")).all()
        assert len(events) == 1


def test_expired_ack_link_is_refused(client, console, monkeypatch):
    c, seeded = console
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 13 * 3600)
    token = c.links.make(seeded.emergency, "jan.wisniewski")
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    r = client.get(f"/ack/{token}")
    assert r.status_code == 410 and "wygasł" in r.text
    r = client.post(f"/ack/{token}", data={"csrf": csrf_of(client.get("/login").text)})
    assert r.status_code == 410 and "wygasł" in r.text
    with c.sessions() as s:
        assert s.scalar(select(Ticket.reacted_at).where(Ticket.number == seeded.emergency)) is None


def test_tampered_or_other_purpose_token_is_refused(client, console):
    c, seeded = console
    token = c.links.make(seeded.emergency, "jan.wisniewski")
    assert client.get(f"/ack/{token[:-2]}xx").status_code == 410
    session_cookie = c.cookies.dump(Visitor("x", "jan.wisniewski", "f"))
    r = client.get(f"/ack/{session_cookie}")
    assert r.status_code == 410 and "nieprawidłowy" in r.text


def test_ack_without_csrf_is_refused(client, console):
    c, seeded = console
    token = c.links.make(seeded.emergency, "jan.wisniewski")
    r = client.post(f"/ack/{token}", data={})
    assert r.status_code == 403
    with c.sessions() as s:
        assert s.scalar(select(Ticket.reacted_at).where(Ticket.number == seeded.emergency)) is None
