"""Links out: the daemon's on-call alerts (e-mail and SMS) carry each paged person's own
one-tap "Przyjmuję" link beside the ticket link, and the console honours exactly that
link, once (SQLite and PostgreSQL). The link itself: signed for one purpose, short
enough for an SMS, refused when tampered with, expired or made for another purpose."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select
from starlette.testclient import TestClient

from mailbot.outgoing.links import AckLinks, LinkError, ack_links, staff_code
from mailbot.settings.config import load_config
from mailbot.store.tables import OutboxItem, Ticket, UsedLink
from mailbot.web.app import create_app
from tests.web.conftest import ACCOUNTS, NOW, csrf_of, login, write_config

BASE = "https://pomoc.kjmssoft.pl"
SMS = '[sms]\nchannel = "webhook"\nurl = "http://127.0.0.1:9/sms"\n'
LINK = re.compile(re.escape(BASE) + r"/ack/([A-Za-z0-9._-]+)")


def test_a_link_reads_back_and_nothing_else_does():
    links = AckLinks(b"k" * 64, 3600, BASE + "/")
    url = links.url("KJM-2026-000042", "jan.wisniewski")
    assert url.startswith(f"{BASE}/ack/KJM-2026-000042.") and len(url) <= 75
    token = url.rsplit("/", 1)[1]
    claim = links.read(token)
    assert (claim.ticket, claim.staff_code) == ("KJM-2026-000042", staff_code("jan.wisniewski"))
    assert staff_code("jan.wisniewski") != staff_code("tomasz.kaczmarek")
    assert re.fullmatch(r"[A-Za-z0-9._-]+", token)  # URL-safe and GSM-7
    tampered = token.replace("KJM-2026-000042", "KJM-2026-000043")
    other_key = AckLinks(b"x" * 64, 3600).make("KJM-2026-000042", "jan.wisniewski")
    for bad in (tampered, other_key, token[:-1], "KJM-2026-000042", ""):
        with pytest.raises(LinkError, match="nieprawidłowy"):
            links.read(bad)


def test_an_old_link_has_expired(monkeypatch):
    links = AckLinks(b"k" * 64, 3600)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
    token = links.make("KJM-2026-000042", "jan.wisniewski")
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    with pytest.raises(LinkError, match="wygasł"):
        links.read(token)


def test_no_console_address_no_links(tmp_path):
    config = load_config(write_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"))
    assert ack_links(config.web) is None
    config = load_config(write_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", BASE))
    links = ack_links(config.web)
    assert links is not None and links.url("KJM-2026-000001", "x").startswith(BASE + "/ack/")
    assert (config.web.secret_key_file.stat().st_mode & 0o777) == 0o600  # made on first use


def test_the_on_call_alert_carries_its_own_link_and_the_console_honours_it(make_console):
    """The daemon escalates the seeded emergency (30 minutes before its deadline): every
    paged person gets, by e-mail and SMS, a link that acknowledges as them, once."""
    from mailbot.daemon import App

    console, seeded = make_console(BASE, SMS)
    app = App(console.config, clock=lambda: NOW + timedelta(minutes=31))
    try:
        assert app.escalate() == {"reminder": 1}
    finally:
        app.close()
    with console.sessions() as s:
        alerts = s.scalars(
            select(OutboxItem).where(OutboxItem.kind.in_(("alert_email", "alert_sms")),
                                     OutboxItem.state == "pending")
        ).all()  # fmt: skip
    assert {a.kind for a in alerts} == {"alert_email", "alert_sms"}
    paged = {}
    for a in alerts:
        (token,) = LINK.findall(a.body_text)
        claim = console.links.read(token)
        assert claim.ticket == seeded.emergency
        paged.setdefault(claim.staff_code, set()).add(token)
        if a.kind == "alert_email":
            assert f"{BASE}/tickets/{seeded.emergency}" in a.body_text  # beside the ticket
            assert f'href="{BASE}/ack/{token}"' in a.body_html
        else:
            assert len(a.body_text) <= 160 and seeded.emergency in a.body_text
    # each person their own link: on call (and opiekun) Jan, and a manager
    jan, manager = staff_code("jan.wisniewski"), staff_code("krzysztof.majewski")
    assert {jan, manager} <= set(paged)
    token = next(iter(paged[manager]))
    with TestClient(
        create_app(console), base_url="https://testserver", follow_redirects=False
    ) as client:
        page = client.get(f"/ack/{token}")
        done = client.post(f"/ack/{token}", data={"csrf": csrf_of(page.text)})
        again = client.post(f"/ack/{token}", data={"csrf": csrf_of(page.text)})
        late = client.post(f"/ack/{next(iter(paged[jan]))}", data={"csrf": csrf_of(page.text)})
    assert page.status_code == 200 and "Krzysztof Majewski" in page.text
    assert done.status_code == 200 and "Przyjęte" in done.text
    assert again.status_code == 410 and "już użyty" in again.text
    assert late.status_code == 200 and "Już przyjęte wcześniej" in late.text
    assert "Krzysztof Majewski" in late.text
    with console.sessions() as s:
        t = s.scalar(select(Ticket).where(Ticket.number == seeded.emergency))
        assert t.reacted_by == "krzysztof.majewski" and t.reacted_at == NOW
        used = {(u.staff_id, u.ticket_id) for u in s.scalars(select(UsedLink))}
    assert used == {("krzysztof.majewski", t.id), ("jan.wisniewski", t.id)}


def test_the_ticket_page_hides_the_links_alerts_carry(make_console):
    console, seeded = make_console(BASE)
    token = console.links.make(seeded.emergency, "jan.wisniewski")
    with console.sessions.begin() as s:
        row = s.scalar(select(OutboxItem).where(OutboxItem.kind == "alert_email"))
        row.body_text += f"\nPrzyjmuję:  {BASE}/ack/{token}\n"
    with TestClient(
        create_app(console), base_url="https://testserver", follow_redirects=False
    ) as c:
        login(c, ACCOUNTS["staff"])
        page = c.get(f"/t/{seeded.emergency}").text
    assert token not in page and f"{BASE}/ack/[link]" in page


def test_an_unreadable_key_costs_the_link_never_the_alert(make_console, caplog):
    from mailbot.daemon import App
    from mailbot.errors import ConfigError

    def unreadable() -> bytes:
        raise ConfigError("cannot use the key file: permission denied", key="x")

    console, seeded = make_console(BASE)
    app = App(console.config, clock=lambda: NOW + timedelta(minutes=31))
    app.outbox.links = AckLinks(unreadable, 3600, BASE)
    try:
        with caplog.at_level("ERROR", logger="mailbot.outbox"):
            assert app.escalate() == {"reminder": 1}
    finally:
        app.close()
    with console.sessions() as s:
        alerts = s.scalars(select(OutboxItem).where(OutboxItem.state == "pending")).all()
    assert alerts and all(a.kind == "alert_email" for a in alerts)
    for a in alerts:
        assert "/ack/" not in a.body_text and f"{BASE}/tickets/{seeded.emergency}" in a.body_text
        assert f"mailbot ack {seeded.emergency}" in a.body_text  # the command instead
    assert "without its one-tap link" in caplog.text
