"""The console in a real browser: Playwright driving Debian's chromium (no browser
download), against uvicorn serving the seeded database on a free port."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

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
def served(console) -> Iterator[str]:
    from mailbot.web.serve import start_in_thread, stop

    port = free_port()
    srv, thread = start_in_thread(console[0], "127.0.0.1", port)
    yield f"http://127.0.0.1:{port}"
    stop(srv, thread)


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
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
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

    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.context.add_cookies(page.context.cookies())
    for path in (f"/t/{seeded.emergency}", "/"):
        phone.goto(f"{served}{path}")
        overflow = phone.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is wider than a 390 px phone by {overflow} px"
    phone.goto(f"{served}/t/{seeded.emergency}")
    phone.screenshot(path=str(shots / "ticket-390.png"), full_page=True)
    phone.goto(f"{served}/")
    phone.screenshot(path=str(shots / "queue-390.png"))


def test_ack_from_the_signed_link(browser, served, console):
    from sqlalchemy import select

    from mailbot.store.tables import Ticket

    c, seeded = console
    page = browser.new_page(viewport={"width": 390, "height": 844})
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
