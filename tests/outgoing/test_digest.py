"""The managers' digest: figures from a hand-built snapshot, the rendered HTML and
text, the MIME structure with the inline chart, and the chart itself."""

from __future__ import annotations

import email
import re
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mailbot.core.digest import (
    BillableSnap,
    Digest,
    DigestInput,
    PackageSnap,
    TicketSnap,
    build_digest,
    chart_start,
    period_bounds,
    period_start,
)
from mailbot.outgoing.digest_job import DigestMail
from mailbot.outgoing.digest_mail import (
    LIST_LIMIT,
    chart_figure,
    chart_png,
    check_digest_templates,
    compose_digest,
    render_digest,
)
from mailbot.outgoing.render import TemplateSet
from tests.paths import ROOT

MONDAY = date(2026, 11, 23)
SINCE, UNTIL = period_bounds(MONDAY)  # Friday 00:00 .. Monday 00:00, Warsaw


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _ticket(number: int, created: datetime, **kw: object) -> TicketSnap:
    base: dict[str, object] = {
        "number": f"KJM-2026-{number:06d}", "subject": f"Re: Sprawa {number}",
        "created_at": created, "client_id": "c1", "client_name": "Piekarnia Kowalski",
        "contract": "opieka", "product": "F-K", "scope": "database_repair",
        "emergency": False, "trust": "registered", "state": "new", "priority": 2,
        "deadline": None, "reacted_at": None, "breached_at": None, "closed_at": None,
    }  # fmt: skip
    return TicketSnap(**{**base, **kw})  # type: ignore[arg-type]


TICKETS = (
    # emergency, reacted after 40 minutes: kept
    _ticket(1, _utc(20, 9), emergency=True, deadline=_utc(20, 11), reacted_at=_utc(20, 9, 40),
            state="closed", closed_at=_utc(20, 12), priority=1),
    # emergency, reacted after its deadline: not kept, breached
    _ticket(2, _utc(20, 13), emergency=True, product="SOOT", deadline=_utc(20, 15),
            reacted_at=_utc(20, 15, 30), breached_at=_utc(20, 15), priority=1),
    # emergency, no reaction, deadline past, breach not stamped yet: not kept, breached
    _ticket(3, _utc(21, 10), emergency=True, product="Kadry-Płace", deadline=_utc(21, 12)),
    # package client without hours
    _ticket(4, _utc(21, 8), contract="pakiet", client_name="Hurtownia Nowak",
            scope="document_fix", state="on_hold", priority=3),
    # unknown sender
    _ticket(5, _utc(22, 18), contract=None, client_id=None, client_name=None, product="other",
            scope="consultation", trust="unknown", state="needs_identification"),
    # old, still open: first in the open list, not a new ticket
    _ticket(6, _utc(10, 8)),
    # emergency on Sunday night, reacted on Monday after the cut-off: still pending
    _ticket(7, _utc(22, 22), emergency=True, deadline=_utc(23, 9), reacted_at=_utc(23, 7)),
    # created and closed on Thursday: outside the period
    _ticket(8, _utc(19, 10), state="closed", closed_at=_utc(19, 11)),
    # created on Monday morning: the next digest's
    _ticket(9, _utc(23, 6)),
)  # fmt: skip

PACKAGES = (
    PackageSnap("c3", "Biuro Rachunkowe Zięba", Decimal("2.5"), date(2026, 12, 1), False),
    PackageSnap("c2", "Hurtownia Nowak", Decimal(0), date(2027, 3, 31), True),
)
BILLABLE = (
    BillableSnap("c1", "Piekarnia Kowalski", _utc(21, 10, 30), 45, "awaria poza godzinami"),
    BillableSnap("c1", "Piekarnia Kowalski", _utc(18, 20), 30, "wcześniej: poza okresem"),
)
DAILY = tuple(
    (MONDAY - timedelta(days=30 - i), i % 7, None if i % 5 == 0 else 30.0 + i) for i in range(30)
)
INPUT = DigestInput(
    day=MONDAY, since=SINCE, until=UNTIL, tickets=TICKETS, packages=PACKAGES, billable=BILLABLE,
    suppressed_replies=3, quarantine=((17, "załącznik .exe"),),
    outbox_failures=((5, "biuro@piekarnia-kowalski.pl", "550 mailbox unavailable"),),
    daily=DAILY,
)  # fmt: skip


@pytest.fixture(scope="module")
def digest() -> Digest:
    return build_digest(INPUT)


@pytest.fixture(scope="module")
def rendered(digest: Digest) -> tuple[str, str, str]:
    return render_digest(digest, TemplateSet.load(ROOT / "templates"))


# --- the period ------------------------------------------------------------------------------


def test_monday_covers_since_friday_and_a_holiday_is_skipped() -> None:
    assert period_start(MONDAY) == date(2026, 11, 20)
    assert period_start(date(2026, 11, 24)) == MONDAY
    assert period_start(date(2026, 11, 12)) == date(2026, 11, 10)  # 11 Nov: a holiday
    assert datetime(2026, 11, 19, 23, tzinfo=UTC) == SINCE  # Warsaw midnight, CET
    assert datetime(2026, 11, 22, 23, tzinfo=UTC) == UNTIL


# --- the figures -----------------------------------------------------------------------------


def test_new_tickets_by_contract_product_scope_and_urgency(digest: Digest) -> None:
    assert (digest.period_from, digest.period_to) == (date(2026, 11, 20), date(2026, 11, 22))
    assert digest.new_total == 6
    assert digest.new_by_contract == {"opieka": 4, "pakiet": 1, "unknown": 1}
    assert digest.new_by_product == {"F-K": 3, "Kadry-Płace": 1, "SOOT": 1, "other": 1}
    assert digest.new_by_scope == {"database_repair": 4, "consultation": 1, "document_fix": 1}
    assert digest.new_by_urgency == {"emergency": 4, "normal": 2}


def test_emergencies_reaction_times_and_the_two_hour_promise(digest: Digest) -> None:
    rows = {e.number[-1]: e for e in digest.emergencies}
    assert (rows["1"].reaction_minutes, rows["1"].kept, rows["1"].status) == (40, True, "kept")
    assert (rows["2"].reaction_minutes, rows["2"].kept, rows["2"].status) == (150, False, "missed")
    assert (rows["3"].reaction_minutes, rows["3"].kept, rows["3"].status) == (None, False, "missed")
    assert (rows["7"].reacted_at, rows["7"].kept, rows["7"].status) == (None, None, "pending")
    assert (digest.emergencies_kept, digest.emergencies_missed) == (1, 2)


def test_breaches_include_an_unstamped_missed_deadline(digest: Digest) -> None:
    assert [(b.number, b.breached_at) for b in digest.breaches] == [
        ("KJM-2026-000002", _utc(20, 15)),
        ("KJM-2026-000003", _utc(21, 12)),
    ]


def test_open_tickets_oldest_first_with_age(digest: Digest) -> None:
    assert [t.number[-1] for t in digest.open_tickets] == ["6", "2", "4", "3", "5", "7"]
    oldest = digest.open_tickets[0]
    assert (oldest.age_days, oldest.age_hours) == (12, 15)  # 10 Nov 08:00 -> 22 Nov 23:00 UTC
    assert [t.number[-1] for t in digest.on_hold] == ["4"]
    assert [t.number[-1] for t in digest.needs_identification] == ["5"]


def test_packages_billable_and_housekeeping(digest: Digest) -> None:
    assert [(p.client_name, p.used_up, p.days_left) for p in digest.packages] == [
        ("Hurtownia Nowak", True, 128),
        ("Biuro Rachunkowe Zięba", False, 8),
    ]
    assert [b.minutes for b in digest.billable] == [45]
    assert digest.billable_minutes == 45
    assert digest.suppressed_replies == 3
    assert digest.quarantine == ((17, "załącznik .exe"),)
    assert len(digest.outbox_failures) == 1
    assert len(digest.daily) == 30 and digest.daily[0][0] < digest.daily[-1][0]


# --- rendering -------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img":
            self.imgs.append(found.get("src") or "")
        if tag == "a":
            self.links.append(found.get("href") or "")


SECTIONS = (
    "Nowe zgłoszenia: 6", "Awarie krytyczne i czas reakcji", "Przekroczone terminy reakcji: 2",
    "Otwarte zgłoszenia (od najstarszych): 6", "Wstrzymane – czekają na zakup pakietu: 1",
    "Nadawcy do identyfikacji: 1", "Pakiety godzin", "Płatne interwencje poza godzinami: 1",
    "ochronę przed pętlą: 3", "Wiadomości w kwarantannie: 1", "Nieudane wysyłki: 1",
)  # fmt: skip


def test_html_parses_references_the_chart_and_shows_the_figures(
    rendered: tuple[str, str, str],
) -> None:
    subject, _, html = rendered
    assert subject == "Raport dzienny mailbot – 23.11.2026"
    parser = _Tags()
    parser.feed(html)
    parser.close()
    assert parser.imgs == ["cid:wykres"]
    assert parser.links == []  # nothing points outside
    for section in SECTIONS:
        assert section in html, section
    assert "dotrzymano <strong>1</strong>" in html and "NIE dotrzymano" in html
    assert "40 min" in html and "2 h 30 min" in html
    assert "12 d 15 h" in html and "wyczerpany" in html and "2,5 godziny" in html
    assert "Hurtownia Nowak" in html and "opieka autorska" in html


def test_text_part_has_the_same_figures(rendered: tuple[str, str, str]) -> None:
    text = rendered[1]
    for section in ("NOWE ZGŁOSZENIA: 6", "PRZEKROCZONE TERMINY REAKCJI: 2", "NIEUDANE WYSYŁKI: 1"):
        assert section in text
    assert "Dotrzymano: 1, nie dotrzymano: 2" in text
    assert "{{" not in text and "\n\n\n" not in text


# --- the mail --------------------------------------------------------------------------------


def test_compose_has_text_alternative_and_inline_png_by_content_id(
    rendered: tuple[str, str, str],
) -> None:
    subject, text, html = rendered
    png = chart_png(DAILY)
    raw = compose_digest(
        subject, text, html, png, from_addr="mailbot@kjmssoft.pl",
        to_addrs=["kierownik@kjmssoft.pl", "szef@kjmssoft.pl"],
        message_id="<digest.2026-11-23@kjmssoft.pl>", date=_utc(23, 6, 30),
    )  # fmt: skip
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"] == subject and msg["Auto-Submitted"] == "auto-generated"
    assert msg["Content-Language"] == "pl"
    assert msg.get_content_type() == "multipart/alternative"
    plain, related = msg.get_payload()
    assert plain.get_content_type() == "text/plain" and "NOWE ZGŁOSZENIA" in plain.get_content()
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "text/html"
    root, image = related.get_payload()
    assert root.get_content_type() == "text/html" and "cid:wykres" in root.get_content()
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<wykres>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == png
    assert b"\r\n" in raw and max(raw) < 128  # CRLF, 7-bit


def test_compose_refuses_no_recipients() -> None:
    with pytest.raises(ValueError):
        compose_digest("s", "t", "<p>h</p>", b"", from_addr="mailbot@kjmssoft.pl", to_addrs=[],
                       message_id="<x@kjmssoft.pl>", date=_utc(23, 6))  # fmt: skip


def test_chart_is_a_png_also_without_data() -> None:
    assert chart_png(DAILY).startswith(b"\x89PNG\r\n\x1a\n")
    assert chart_png(()).startswith(b"\x89PNG")


# --- checking the templates ------------------------------------------------------------------


def test_shipped_digest_templates_pass_their_check() -> None:
    assert check_digest_templates(TemplateSet.load(ROOT / "templates")) == []


def test_digest_check_reports_unknown_variables_and_missing_files(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(ROOT / "templates", tmp_path / "templates"))
    text = copy / "digest.txt.j2"
    text.write_text(text.read_text() + "{% if false %}{{ d_typo }}{% endif %}\n")
    (copy / "digest.subject.j2").unlink()
    assert check_digest_templates(TemplateSet.load(copy, fallback=None)) == [
        "digest.subject.j2: missing (needed for the daily digest)",
        "digest.txt.j2: uses 'd_typo', which mailbot does not provide there",
    ]


# --- size, shortened lists, link, rule ids -------------------------------------------------


def _month_of_open_tickets(n: int) -> Digest:
    """n open tickets, long subjects and client names: what made 103 KB before."""
    many = tuple(
        _ticket(100 + i, _utc(1 + i % 20, 8) - timedelta(days=10), state="new",
                subject="Re: Odp: " + "Błąd przy zamykaniu miesiąca w F-K, proszę o pomoc " * 2,
                client_name="Przedsiębiorstwo Handlowo-Usługowe „Źródło” Spółka z o.o. sp.k.",
                emergency=i % 9 == 0)
        for i in range(n)
    )  # fmt: skip
    return build_digest(replace(INPUT, tickets=TICKETS + many))


@pytest.mark.parametrize("open_tickets", [89, 500])
def test_digest_stays_under_gmail_clipping(open_tickets: int) -> None:
    """Gmail clips a message over ~102 KB: the lists stop at 30 rows with "i N więcej"."""
    digest = _month_of_open_tickets(open_tickets)
    templates = TemplateSet.load(ROOT / "templates")
    _, text, html = render_digest(digest, templates, "https://pomoc.kjmssoft.pl")
    assert len(html.encode()) < 60_000 and len(text.encode()) < 30_000
    more = len(digest.open_tickets) - LIST_LIMIT
    assert f"… i {more} więcej" in html and f"… i {more} więcej: https://pomoc" in text
    assert '<a href="https://pomoc.kjmssoft.pl/queue"' in html
    assert html.count("KJM-2026-000") < 4 * LIST_LIMIT + 10


def test_shortened_list_without_a_console_names_the_command() -> None:
    _, text, html = render_digest(_month_of_open_tickets(89), TemplateSet.load(ROOT / "templates"))
    assert "pełna lista: <code>mailbot queue</code>" in html and "href=" not in html
    assert "(pełna lista: mailbot queue)" in text


def test_digest_names_no_rule_ids(rendered: tuple[str, str, str]) -> None:
    for part in rendered:
        assert not re.search(r"\bR-[A-Z]{3}-\d", part)
    assert "Gwarantowany czas reakcji (2 godziny)" in rendered[2]


# --- the chart in the first days -----------------------------------------------------------


def test_chart_starts_at_the_first_ticket_with_a_week_at_least() -> None:
    day = date(2026, 12, 2)
    assert chart_start(day, None) == date(2026, 11, 25)
    assert chart_start(day, date(2026, 11, 30)) == date(2026, 11, 25)  # a week's frame
    assert chart_start(day, date(2026, 11, 20)) == date(2026, 11, 20)
    assert chart_start(day, date(2025, 1, 1)) == date(2026, 11, 2)  # 30 days at most


def test_chart_axes_read_in_the_first_days() -> None:
    days = [date(2026, 11, 25) + timedelta(days=i) for i in range(7)]
    empty = chart_figure([(d, 0, None) for d in days])
    assert not empty.axes[0].axison  # a sentence, no empty axes with a 0-0.05 scale
    first = chart_figure([(d, int(i == 6), None) for i, d in enumerate(days)])
    assert len(first.axes) == 1  # no reaction yet: no empty minutes axis
    bottom, top = first.axes[0].get_ylim()
    assert bottom == 0 and top >= 2
    assert all(float(t).is_integer() for t in first.axes[0].get_yticks())  # whole tickets
    assert "25.11–01.12" in first.axes[0].get_title()
    reacted = chart_figure([(d, 2, 40.0 if i == 6 else None) for i, d in enumerate(days)])
    assert len(reacted.axes) == 2 and reacted.axes[1].get_ylim()[1] >= 40


# --- preview without sending ---------------------------------------------------------------


def test_digest_mail_inlines_the_chart_for_a_browser() -> None:
    mail = DigestMail(MONDAY, "s", "t", '<img src="cid:wykres">', b"\x89PNG", ("k@kjmssoft.pl",))
    assert mail.html_with_chart() == '<img src="data:image/png;base64,iVBORw==">'


def test_a_day_where_every_list_is_long_stays_under_gmail_clipping() -> None:
    name = "Przedsiębiorstwo Handlowo-Usługowe „Źródło” Spółka z o.o. sp.k."
    many = tuple(
        _ticket(100 + i, _utc(20, 9) + timedelta(minutes=i), emergency=True,
                deadline=_utc(20, 11), client_name=name,
                state=("on_hold", "needs_identification", "new")[i % 3],
                subject="Re: " + "Błąd przy zamykaniu miesiąca w F-K, proszę o pomoc " * 2)
        for i in range(300)
    )  # fmt: skip
    full = replace(
        INPUT, tickets=TICKETS + many,
        packages=tuple(PackageSnap("c", name, Decimal(1), None, False) for _ in range(100)),
        billable=tuple(BillableSnap("c", name, _utc(21, 10), 30, "awaria") for _ in range(100)),
        quarantine=tuple((i, "x" * 80) for i in range(100)),
        outbox_failures=tuple((i, "a@b.pl", "550 " + "y" * 80) for i in range(100)),
    )  # fmt: skip
    _, text, html = render_digest(build_digest(full), TemplateSet.load(ROOT / "templates"))
    assert len(html.encode()) < 90_000 and len(text.encode()) < 40_000
    assert html.count("… i ") == 9  # every list says how many more
