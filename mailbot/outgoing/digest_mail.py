"""The daily digest as a mail: chart, templates, MIME.

Separate from the pure core (mailbot/core/digest.py), which only counts. The chart is a
PNG embedded by Content-ID (multipart/related, RFC 2387) rather than linked, because the
digest must point nowhere outside and mail clients block remote images anyway.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.policy import SMTP
from typing import Any

import jinja2
from jinja2 import meta

from mailbot.core.digest import (
    BillableSnap,
    Digest,
    DigestInput,
    PackageSnap,
    TicketSnap,
    build_digest,
    period_bounds,
)
from mailbot.model import one_line
from mailbot.outgoing.compose import base_message, crlf_free
from mailbot.outgoing.render import PARTS, Rendered, TemplateProblem, TemplateSet, queue_url

CHART_CID = "wykres"  # the HTML says <img src="cid:wykres">
TEMPLATE = "digest"  # digest.subject.j2, digest.txt.j2, digest.html.j2
FROM_NAME = "mailbot KJM"
_BAR, _LINE = "#1f4e79", "#c0504d"  # the layout's blue; a red that reads on white
# Rows a list shows before "i N więcej": Gmail clips a message over ~102 KB of HTML
# (a month of 89 open tickets made 103 KB), and nobody reads row 200 in a mail anyway.
LIST_LIMIT = 30  # open tickets
SHORT_LIMIT = 10  # every other list (emergencies, breaches, packages, failures, ...)
# Names managers read; a key missing here is shown as it is (a new product, say).
LABELS: dict[str, str] = {
    "opieka": "opieka autorska", "pakiet": "pakiet godzin", "brak": "brak umowy",
    "unknown": "nieznany nadawca", "emergency": "awaria krytyczna", "normal": "zwykłe",
    "year_split": "podział roku", "database_repair": "naprawa bazy danych",
    "document_fix": "poprawa dokumentów", "programming": "programowanie",
    "visit": "wizyta u klienta", "hardware": "sprzęt", "consultation": "konsultacja",
    "other": "inne", "new": "nowe", "on_hold": "wstrzymane (brak pakietu)",
    "needs_identification": "do identyfikacji", "out_of_scope": "poza zakresem",
    "not_a_ticket": "nie jest zgłoszeniem", "kept": "dotrzymano", "missed": "NIE dotrzymano",
    "pending": "termin jeszcze trwa",
    "no_promise": "bez gwarantowanego czasu",
}  # fmt: skip


def nazwa(key: str) -> str:
    """A data key in Polish words, for the templates."""
    return LABELS.get(key, key)


def minuty(value: int | None) -> str:
    """'40 min', '2 h 05 min'; '–' when there is nothing to show."""
    if value is None:
        return "–"
    hours, mins = divmod(max(0, int(value)), 60)  # clock skew: never "-1 h 40 min"
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def chart_png(daily: Sequence[tuple[date, int, float | None]]) -> bytes:
    """~600x220 PNG of chart_figure."""
    fig = chart_figure(daily)
    fig.tight_layout(pad=0.4)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def chart_figure(daily: Sequence[tuple[date, int, float | None]]) -> Any:
    """Bars of tickets per day, a line of the median reaction in minutes (a Figure).

    Axes that read in the first days too: whole tickets on the left (at least 0-2, never a
    0-0.05 scale under empty bars), minutes on the right only when some reaction exists,
    and without data a sentence instead of empty axes. Uses the Agg canvas directly (no
    pyplot): no GUI backend, no global figure state in a daemon. Imported lazily so the
    intake daemon does not pay matplotlib's import time."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6.0, 2.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    days = [d for d, _, _ in daily]
    counts = [n for _, n, _ in daily]
    if not any(counts):
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            "Brak zgłoszeń w ostatnich dniach: wykres pojawi się z pierwszymi.",
            ha="center",
            va="center",
            fontsize=9,
            color="#666666",
            transform=ax.transAxes,
        )
        return fig
    x = list(range(len(days)))
    ax.bar(x, counts, color=_BAR, width=0.7, label="zgłoszenia")
    ax.set_ylabel("zgłoszenia", fontsize=8, color=_BAR)
    ax.set_ylim(0, max(2, max(counts)) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    ax.tick_params(labelsize=7)
    step = max(1, math.ceil(len(days) / 10))
    ax.set_xticks(x[::step], [f"{d:%d.%m}" for d in days[::step]])
    ax.set_xlim(-0.6, len(days) - 0.4)
    medians = [m for _, _, m in daily]
    if any(m is not None for m in medians):
        line = ax.twinx()
        values = [math.nan if m is None else m for m in medians]
        line.plot(x, values, color=_LINE, marker="o", markersize=2.5, linewidth=1.4)
        line.set_ylabel("mediana reakcji [min]", fontsize=8, color=_LINE)
        line.tick_params(labelsize=7)
        line.set_ylim(0, max(10.0, max(m for m in medians if m is not None)) * 1.15)
        line.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    title = f"Zgłoszenia dziennie i mediana czasu reakcji, {days[0]:%d.%m}–{days[-1]:%d.%m}"
    ax.set_title(title, fontsize=9)
    return fig


def _context(digest: Digest, base_url: str = "") -> dict[str, Any]:
    """What the digest templates may use (templates/README.md)."""
    return {"d": digest, "nazwa": nazwa, "minuty": minuty, "cid": CHART_CID,
            "limit": LIST_LIMIT, "short_limit": SHORT_LIMIT,
            "queue_url": queue_url(base_url)}  # fmt: skip


def render_digest(
    digest: Digest, templates: TemplateSet, base_url: str = ""
) -> tuple[str, str, str]:
    """(subject, text, html). The subject is one line whatever the template does.
    `base_url` ([web] base_url) links the shortened lists to the console's queue."""
    context = _context(digest, base_url)
    subject = one_line(templates.render(f"{TEMPLATE}.subject.j2", context))
    text = re.sub(r"[ \t]+\n", "\n", templates.render(f"{TEMPLATE}.txt.j2", context))
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return subject, text, templates.render(f"{TEMPLATE}.html.j2", context)


def compose_digest(
    subject: str,
    text: str,
    html: str,
    png: bytes,
    *,
    from_addr: str,
    to_addrs: Sequence[str],
    message_id: str,
    date: datetime,
    from_name: str = FROM_NAME,
) -> bytes:
    """multipart/alternative(text/plain, multipart/related(text/html, image/png)).

    The image sits next to the HTML only (RFC 2387), so text-only readers are not shown
    an attachment they cannot place. Headers are built by compose.base_message (parsed
    addresses, one-line subject, validated Message-ID) as for staff alerts."""
    if not to_addrs:
        raise ValueError("a digest needs at least one recipient")
    rendered = Rendered(subject, text, html)
    msg = base_message(
        rendered, from_addr, from_name, [(a, "") for a in to_addrs], message_id, date
    )
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(crlf_free(text), charset="utf-8", cte="quoted-printable")
    msg.add_alternative(crlf_free(html), subtype="html", charset="utf-8", cte="quoted-printable")
    html_part = msg.get_payload()[1]
    html_part.add_related(
        png, maintype="image", subtype="png", cid=f"<{CHART_CID}>",
        disposition="inline", filename=f"{CHART_CID}.png",
    )  # fmt: skip
    html_part.set_param("type", "text/html")  # RFC 2387: the root part's type
    msg["Content-Language"] = "pl"  # after set_content, which drops Content-* headers
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]  # only the top level carries it
    return msg.as_bytes(policy=SMTP)


def sample_digests() -> list[Digest]:
    """An empty day and a day with one row in every section: the two shapes worth rendering
    when the support team edits the wording."""
    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    since, until = period_bounds(date(2026, 11, 23))
    tickets = tuple(
        TicketSnap(f"KJM-2026-00000{i}", "Re: F-K <nie działa>", at + timedelta(hours=i),
                   "c1", "Piekarnia „Kowalski”", "opieka", "F-K", "database_repair", i < 3,
                   "registered", state, 1, at + timedelta(hours=2) if i < 3 else None,
                   at + timedelta(hours=i, minutes=40) if i == 1 else None, None, None)
        for i, state in enumerate(("new", "new", "on_hold", "needs_identification"), 1)
    )  # fmt: skip
    full = DigestInput(
        date(2026, 11, 23), since, until, tickets,
        (PackageSnap("c2", "Hurtownia Nowak", Decimal("0.5"), date(2026, 12, 1), False),),
        (BillableSnap("c1", "Piekarnia", at, 45, "awaria poza godzinami"),), 2,
        ((1, "za duży załącznik"),), ((2, "a@b.pl", "550 no such user"),),
        ((date(2026, 11, 20), 4, 40.0), (date(2026, 11, 21), 0, None)),
    )  # fmt: skip
    empty = DigestInput(date(2026, 11, 24), until, until + timedelta(days=1),
                        (), (), (), 0, (), (), ())  # fmt: skip
    notice = (
        "Sekret aplikacji OAuth2 (Azure) wygasa za 12 dni (2026-12-05). / The OAuth2 "
        "client secret expires in 12 days (2026-12-05)."
    )  # the operator's line, so the check renders that branch too
    return [replace(build_digest(full), notices=(notice,)), build_digest(empty)]


def check_digest_templates(templates: TemplateSet) -> list[str]:
    """Problems with the digest templates in words ([] when all is well), like
    template_check.check_all for the replies: missing files, syntax, variables the digest
    does not provide (also in untaken branches), and a render of every sample."""
    problems, allowed = [], set(_context(sample_digests()[0])) | set(templates.env.globals)
    for part in PARTS:
        file = f"{TEMPLATE}.{part}.j2"
        try:
            used = meta.find_undeclared_variables(templates.env.parse(templates.source(file)))
        except jinja2.TemplateNotFound:
            problems.append(f"{file}: missing (needed for the daily digest)")
            continue
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{file}: line {exc.lineno}: {exc.message}")
            continue
        problems += [f"{file}: uses {v!r}, which mailbot does not provide there"
                     for v in sorted(used - allowed)]  # fmt: skip
    if not problems:
        for i, digest in enumerate(sample_digests(), 1):
            try:
                render_digest(digest, templates)
            except TemplateProblem as exc:
                problems.append(f"digest (sample {i}): {exc}")
    return problems
