"""The golden renderings: every kind of mail mailbot writes, as the .eml it sends, and a
PNG of its HTML part as a mail client shows it (tests/outgoing/golden/README.md).

    python -m tests.outgoing.golden          # rewrite golden/*.eml, *.txt and the PNGs

test_golden.py renders the same mails and compares them with the files, so a change of
wording shows up as a diff to read, not as a surprise in a client's inbox. The PNGs are
made with Debian's chromium headless (apt-get install chromium); the test does not need it.
"""

from __future__ import annotations

import base64
import email
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from mailbot.outgoing.compose import compose_alert_email, compose_reply
from mailbot.outgoing.digest_mail import (
    CHART_CID,
    chart_png,
    compose_digest,
    render_digest,
    sample_digests,
)
from mailbot.outgoing.excerpt import first_paragraph, phone_numbers
from mailbot.outgoing.render import (
    ALERT_MAIL,
    MORE_MAIL,
    MORE_SMS,
    TemplateSet,
)
from mailbot.outgoing.template_check import sample_contexts
from tests.paths import ROOT

GOLDEN = Path(__file__).resolve().parent / "golden"
FROM = ("pomoc@kjmssoft.pl", "Wsparcie KJM")
SENT = datetime(2026, 11, 25, 20, 31, tzinfo=UTC)  # 21:31 in Warsaw
BASE_URL = "https://pomoc.kjmssoft.pl"
CLIENT_TEXT = """Dzień dobry,

od rana żaden komputer w księgowości nie uruchamia F-K: po zalogowaniu pojawia się komunikat
o uszkodzonej bazie danych i program się zamyka. Dotyczy to wszystkich sześciu stanowisk.
Nie możemy wystawić faktur, a o 12:00 przyjeżdża kontrola, więc sprawa jest naprawdę pilna.
Proszę o pilny kontakt telefoniczny z kierowniczką działu, panią Anną.

Proszę dzwonić: 601 234 567 albo stacjonarnie (29) 741-22-30.

Pozdrawiam
Anna Kowalska
"""


@dataclass(frozen=True)
class Golden:
    name: str  # file name without extension
    title: str  # what the README calls it
    raw: bytes


def _reply(templates: TemplateSet, name: str, ctx: dict, to: str) -> bytes:
    rendered = templates.render_reply(name, ctx)
    return compose_reply(
        rendered, from_addr=FROM[0], from_name=FROM[1], to_addr=to, to_name="",
        in_reply_to="<CAF1x@mail.gmail.com>", references=("<CAF1x@mail.gmail.com>",),
        thread_index=None, message_id=f"<{ctx['ticket']}.golden@kjmssoft.pl>", date=SENT,
    )  # fmt: skip


def _alert(templates: TemplateSet, name: str, ctx: dict, to: str) -> bytes:
    rendered = templates.render_reply(name, ctx)
    return compose_alert_email(
        rendered, from_addr=FROM[0], from_name="mailbot KJM", to_addrs=[to],
        message_id=f"<{ctx['ticket']}.golden@kjmssoft.pl>", date=SENT, emergency=True,
    )  # fmt: skip


def alert_contexts() -> dict[str, dict]:
    """The alert of one emergency at each step, with what the client really wrote."""
    base = sample_contexts()[ALERT_MAIL][0] | {
        "excerpt": first_paragraph(CLIENT_TEXT),
        "phones": list(phone_numbers(CLIENT_TEXT)),
        "subject": "AWARIA – F-K nie uruchamia się na żadnym stanowisku",
    }
    return {
        "alert_receipt_oncall": base,
        "alert_receipt_opiekun": base | {"role": "opiekun"},
        "alert_reminder_manager": base | {"step": "reminder", "role": "manager",
                                          "minutes_left": 30},
        "alert_breach_manager": base | {"step": "breach", "role": "manager"},
        "alert_receipt_no_link": base | {"ticket_url": "", "ack_url": "", "deadline": None,
                                         "opiekun": None, "contract": "pakiet",
                                         "billing": "double"},
    }  # fmt: skip


def goldens(templates: TemplateSet) -> list[Golden]:
    s = sample_contexts()
    gmina = {
        **s["ack_opieka"][0],
        "client_name": "Urząd Gminy Brzozowo",
        "subject": "Minimalne wynagrodzenie od 1 stycznia – kiedy aktualizacja Kadry-Płace?",
    }
    replies = [
        ("ack_opieka", "Potwierdzenie – klient z opieką autorską", s["ack_opieka"][0]),
        ("ack_opieka_gmina", "Potwierdzenie – urząd gminy (forma neutralna)", gmina),
        ("ack_opieka_emergency", "Awaria krytyczna – klient z opieką",
         s["ack_opieka_emergency"][0]),
        ("ack_pakiet", "Potwierdzenie – klient z pakietem", s["ack_pakiet"][0]),
        ("no_package", "Brak ważnego pakietu: zgłoszenie wstrzymane", s["no_package"][0]),
        ("unknown_sender", "Nierozpoznany nadawca", s["unknown_sender"][0]),
        ("unregistered_sender", "Adres niezarejestrowany", s["unregistered_sender"][0]),
        ("out_of_scope", "Poza zakresem (sprzęt)", s["out_of_scope"][1]),
        ("outside_hours", "Poza godzinami obsługi", s["outside_hours"][0]),
        ("outside_hours_emergency", "Awaria poza godzinami (płatna)",
         s["outside_hours_emergency"][0]),
        ("follow_up", "Kolejna wiadomość w zgłoszeniu", s["follow_up"][0]),
        ("ticket_closed", "Zgłoszenie zamknięte (pakiet)", s["ticket_closed"][1]),
        ("ticket_released", "Zgłoszenie zwolnione po zakupie pakietu", s["ticket_released"][0]),
    ]  # fmt: skip
    out = []
    for file, title, ctx in replies:
        name = "ack_opieka" if file == "ack_opieka_gmina" else file
        out.append(Golden(file, title, _reply(templates, name, ctx, "biuro@klient.example.pl")))
    titles = {
        "alert_receipt_oncall": "Alarm dla dyżurnego – nowa awaria",
        "alert_receipt_opiekun": "Alarm dla opiekuna klienta – nowa awaria",
        "alert_reminder_manager": "Przypomnienie dla kierownika – zostało 30 min",
        "alert_breach_manager": "Termin minął – kierownik",
        "alert_receipt_no_link": "Alarm bez konsoli (bez [web] base_url), klient z pakietem",
    }
    for file, ctx in alert_contexts().items():
        out.append(Golden(file, titles[file],
                          _alert(templates, ALERT_MAIL, ctx, "dyzurny@kjmssoft.pl")))  # fmt: skip
    more = s[MORE_MAIL][0] | {"count": 3, "tickets": s[MORE_MAIL][0]["tickets"][:3]}
    out.append(Golden("alert_more", "Zbiorcze powiadomienie („N więcej”)",
                      _alert(templates, MORE_MAIL, more, "dyzurny@kjmssoft.pl")))  # fmt: skip
    out.append(Golden("digest", "Raport dzienny dla kierowników", digest_eml(templates)))
    return out


def digest_eml(templates: TemplateSet) -> bytes:
    full = sample_digests()[0]
    figures = ((3, 35.0), (5, 48.0), (2, None), (0, None), (0, None), (4, 62.0), (6, 41.0))
    week = [(date(2026, 11, 16) + timedelta(days=i), n, m) for i, (n, m) in enumerate(figures)]
    digest = replace(full, daily=tuple(week))
    subject, text, html = render_digest(digest, templates, BASE_URL)
    return compose_digest(
        subject, text, html, chart_png(digest.daily), from_addr="mailbot@kjmssoft.pl",
        to_addrs=["kierownik@kjmssoft.pl"], message_id="<digest.golden@kjmssoft.pl>", date=SENT,
    )  # fmt: skip


def sms_texts(templates: TemplateSet) -> str:
    """Every SMS kind, one per line, as the gateway gets it (transliterated)."""
    lines = []
    for file, ctx in alert_contexts().items():
        lines.append(f"{file}: {templates.render_sms(ctx)}")
    more = templates.render_sms(sample_contexts()[MORE_SMS][0], name=MORE_SMS)
    lines.append(f"alert_more: {more}")
    return "\n".join(lines) + "\n"


def normalised(raw: bytes) -> str:
    """What a golden comparison looks at: headers but the random Thread-Index, and each
    part decoded (the chart as its size class only: matplotlib versions draw it apart)."""
    msg = email.message_from_bytes(raw, policy=default)
    lines = [f"{k}: {v}" for k, v in msg.items() if k not in ("Thread-Index", "Content-Type")]
    for part in msg.walk():
        if part.is_multipart():
            lines.append(f"[{part.get_content_type()}]")
        elif part.get_content_type() == "image/png":
            lines.append(f"[image/png {part['Content-ID']}]")
        else:
            lines.append(f"[{part.get_content_type()}]\n{part.get_content()}")
    return "\n".join(lines)


def html_of(raw: bytes) -> str:
    """The HTML part, with an inline chart turned into a data: URI a browser can show."""
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    html = msg.get_body(("html",))
    assert html is not None
    text = html.get_content()
    for part in msg.walk():
        if part.get_content_type() == "image/png":
            data = base64.b64encode(part.get_content()).decode("ascii")
            text = text.replace(f"cid:{CHART_CID}", f"data:image/png;base64,{data}")
    return text


def screenshot(html: str, png: Path, width: int = 680) -> None:
    """The HTML as a mail client window shows it: chromium headless, then the empty
    background below the message cut off."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "mail.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--window-size={width},3000", f"--screenshot={png}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    with Image.open(png) as img:
        rgb = img.convert("RGB")
        background = rgb.getpixel((2, rgb.height - 2))
        bottom = rgb.height
        while bottom > 1 and all(
            rgb.getpixel((x, bottom - 1)) == background for x in range(0, rgb.width, 4)
        ):
            bottom -= 1
        rgb.crop((0, 0, rgb.width, min(rgb.height, bottom + 16))).save(png, optimize=True)


def write_all() -> None:
    templates = TemplateSet.load(ROOT / "templates")
    GOLDEN.mkdir(exist_ok=True)
    items = goldens(templates)
    for g in items:
        eml, png = GOLDEN / f"{g.name}.eml", GOLDEN / f"{g.name}.png"
        if eml.exists() and png.exists() and normalised(eml.read_bytes()) == normalised(g.raw):
            continue  # unchanged: keep the file (its MIME boundaries are random)
        eml.write_bytes(g.raw)
        screenshot(html_of(g.raw), png)
        print(f"{g.name}.eml, {g.name}.png", file=sys.stderr)
    (GOLDEN / "sms.txt").write_text(sms_texts(templates), encoding="utf-8")
    rows = "\n".join(
        f"| {g.title} | [{g.name}.eml]({g.name}.eml) | {_subject(g.raw)} |" for g in items
    )
    pictures = "\n\n".join(f"### {g.title}\n\n![{g.title}]({g.name}.png)" for g in items)
    (GOLDEN / "README.md").write_text(README.format(rows=rows, pictures=pictures), encoding="utf-8")


def _subject(raw: bytes) -> str:
    subject = str(email.message_from_bytes(raw, policy=default)["Subject"])
    return re.sub(r"([|\\])", r"\\\1", subject)


README = """# Golden renderings: what clients, on-call staff and managers read

Generated by `python -m tests.outgoing.golden` from `templates/` and the sample data in
`mailbot/outgoing/template_check.py` (`sample_contexts`), `tests/outgoing/golden.py` and
`mailbot/outgoing/digest_mail.py` (`sample_digests`); `tests/outgoing/test_golden.py`
fails when a rendering changes and this folder was not regenerated. Each `.eml` is the
message as mailbot sends it (CRLF, 7-bit); each PNG is its HTML part in chromium at 680 px.
The SMS texts are in [sms.txt](sms.txt). Times are Europe/Warsaw.

| mail | file | subject |
|---|---|---|
{rows}

{pictures}
"""


if __name__ == "__main__":
    write_all()
