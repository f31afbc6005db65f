"""The console in a real browser: Playwright driving Debian's chromium (no browser
download), against uvicorn serving the seeded database on a free port."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)
from tests.servers import free_port
from tests.web.conftest import ACCOUNTS, PASSWORD

CHROMIUM = "/usr/bin/chromium"
# The README's pictures: MAILBOT_SCREENSHOTS=docs/screenshots pytest tests/web/test_browser.py
SHOTS_ENV = "MAILBOT_SCREENSHOTS"

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite"])
def db_url(request, tmp_path) -> str:
    """One backend is enough for the browser; HTTP tests cover both."""
    return f"sqlite:///{tmp_path / 'mailbot.db'}"


@pytest.fixture
def serve() -> Iterator:
    """serve(console) -> its address: uvicorn on a free port, stopped afterwards."""
    from mailbot.web.serve import start_in_thread, stop

    running = []

    def start(console) -> str:
        port = free_port()
        running.append(start_in_thread(console, "127.0.0.1", port))
        return f"http://127.0.0.1:{port}"

    yield start
    for srv, thread in running:
        stop(srv, thread)


@pytest.fixture
def served(console, serve) -> str:
    return serve(console[0])


@pytest.fixture
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium is missing (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


def _login(page, base: str, staff_id: str) -> None:
    page.goto(f"{base}/")
    assert "/login" in page.url
    page.fill("input[name=login]", staff_id)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_login_queue_ticket_and_phone_width(browser, served, console, tmp_path):
    _, seeded = console
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="pl-PL")
    errors: list[str] = []  # a Content-Security-Policy violation is logged as an error
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, served, ACCOUNTS["staff"])
    assert page.evaluate("typeof htmx.ajax") == "function"  # loaded under the CSP
    assert page.locator("h1").first.inner_text().startswith("Kolejka")
    first = page.locator("#queue-rows tr").first
    assert seeded.emergency in first.inner_text() and "AWARIA" in first.inner_text()
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "queue-1920.png"))
    page.click(f"#queue-rows a[href='/t/{seeded.emergency}'] >> nth=0")
    page.wait_for_url(f"{served}/t/{seeded.emergency}")
    assert "Dlaczego mailbot tak zdecydował" in page.content()
    assert page.locator("article.msg.third").count() == 1
    assert page.locator("article.msg.out").count() == 2

    assert errors == []

    phone = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="pl-PL"
    )
    phone.context.add_cookies(page.context.cookies())
    for path in (f"/t/{seeded.emergency}", "/", "/new", f"/t/{seeded.unknown}"):
        phone.goto(f"{served}{path}")
        _no_overflow(phone, path)
    phone.goto(f"{served}/t/{seeded.emergency}")
    phone.screenshot(path=str(shots / "ticket-390.png"), full_page=True)
    phone.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    _no_overflow(phone, "the ticket with every action's form open")
    phone.goto(f"{served}/")
    phone.screenshot(path=str(shots / "queue-390.png"))


def _no_overflow(page, what: str) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{what} is wider than a 390 px phone by {overflow} px"


def test_ack_from_the_signed_link(browser, served, console):
    from sqlalchemy import select

    from mailbot.store.tables import Ticket

    c, seeded = console
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="pl-PL")
    page.goto(f"{served}/ack/{c.links.make(seeded.emergency, 'jan.wisniewski')}")
    page.click("button:has-text('Przyjmuję')")
    page.wait_for_selector("h1:has-text('Przyjęte')")
    with c.sessions() as s:
        assert s.scalar(select(Ticket.reacted_by).where(Ticket.number == seeded.emergency)) == (
            "jan.wisniewski"
        )
    page.go_back()
    page.click("button:has-text('Przyjmuję')")
    page.wait_for_selector("text=Ten link został już użyty.")


def test_manager_sees_a_digest_in_its_frame(browser, served):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, served, ACCOUNTS["manager"])
    page.goto(f"{served}/reports/digests")
    page.click("a:has-text('24.11.2026')")
    frame = page.frame_locator("iframe.digest")
    assert frame.locator("body").inner_text(timeout=10000).strip()


def test_link_an_unknown_sender_to_a_client(browser, served, console):
    """The unknown sender's ticket, linked to the care client it wrote for and decided
    again: the client is set, the page says what happened, and the answer is queued."""
    from sqlalchemy import select

    from mailbot.store.tables import OutboxItem, Ticket

    c, seeded = console
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, served, ACCOUNTS["staff"])
    page.goto(f"{served}/t/{seeded.unknown}")
    assert "nieznany" in page.locator("dl.facts").inner_text()
    page.click("summary:has-text('Przypisz do klienta')")
    page.select_option("select[name=client]", "piekarnia")
    page.click("button:has-text('Przypisz do klienta')")
    page.wait_for_selector("p.flash")
    assert "oceniony ponownie" in page.locator("p.flash").inner_text()
    assert "Piekarnia Kowalski" in page.locator("dl.facts").inner_text()
    with c.sessions() as s:
        t = s.scalar(select(Ticket).where(Ticket.number == seeded.unknown))
        assert (t.client_id, t.trust) == ("piekarnia", "registered")
        queued = s.scalars(select(OutboxItem.recipient).where(OutboxItem.ticket_id == t.id))
        assert "jan.kowalski@gmail.com" in list(queued)


def test_time_preview_while_typing(browser, served, console, tmp_path):
    """htmx under the strict CSP: the rounding appears before anything is saved."""
    _, seeded = console
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="pl-PL"
    )
    _login(page, served, ACCOUNTS["staff"])
    page.goto(f"{served}/t/{seeded.package}")
    page.click("summary:has-text('Zapisz czas pracy')")
    page.fill("input[name=spent]", "40m")
    page.wait_for_selector("#time-preview:has-text('pół godziny: 1 h')")
    assert "z pakietu zejdzie" in page.locator("#time-preview").inner_text()
    page.fill("input[name=spent]", "1h10m")
    page.wait_for_selector("#time-preview:has-text('pół godziny: 1,5 h')")
    page.locator("#actions").screenshot(path=str(shots / "time-preview-390.png"))


def test_close_and_the_notice_reaches_the_client(browser, make_console, serve, smtp_server):
    """Closing in the console queues `ticket_closed`; the daemon's delivery sends it to a
    real SMTP server (aiosmtpd), threaded to the client's mail, with the summary."""
    from email import message_from_bytes, policy

    from mailbot.daemon import App

    server = smtp_server()
    smtp = f'[smtp]\nmode = "smtp"\nhost = "{server.host}"\nport = {server.port}\ntls = "none"\n'
    console, seeded = make_console("", smtp)
    base = serve(console)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, ACCOUNTS["staff"])
    page.goto(f"{base}/t/{seeded.emergency}")
    page.click("summary:has-text('Zamknij')")
    page.fill("textarea[name=note]", "Odbudowano indeks tabeli dokumentów.")
    page.click("button:has-text('Zamknij zgłoszenie')")
    page.wait_for_selector("p.flash")
    assert "powiadomienie klienta czeka na wysłanie" in page.locator("p.flash").inner_text()
    assert "zamknięte" in page.locator("dl.facts").inner_text()
    app = App(console.config, clock=console.clock)
    try:
        assert app.deliver() == {"sent": 1}
    finally:
        app.close()
    (got,) = server.handler.messages
    assert got.rcpt_tos == ["biuro@piekarnia-kowalski.pl"]
    mail = message_from_bytes(got.raw, policy=policy.default)
    assert f"[{seeded.emergency}]" in mail["Subject"]
    assert mail["In-Reply-To"] == "<awaria-1@piekarnia-kowalski.pl>"
    assert "Odbudowano indeks tabeli dokumentów." in mail.get_body(("plain",)).get_content()
