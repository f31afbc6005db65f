"""Write the Polish golden samples: tests/intake/samples/<trouble>/<name>.eml + .expected.json.

Run from anywhere: ``python tests/intake/make_samples.py``. Output is deterministic, so a
re-run leaves the committed files unchanged unless this script changed. Every body and
header is encoded here from Python text with the named codec, so the bytes really are
windows-1250, ISO-8859-2 or UTF-8 as declared. All people and companies are fictional.
"""

from __future__ import annotations

import base64
import hashlib
import json
import quopri
import shutil
import struct
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

SAMPLES = Path(__file__).resolve().parent / "samples"
CET, CEST = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
CRLF, LF = "\r\n", "\n"
KJM = "Pomoc KJM Soft <pomoc@kjmssoft.pl>"


# ----------------------------------------------------------------------------- encoders
def q(text: str, charset: str) -> str:
    """RFC 2047 Q encoded word, Outlook style (upper-case Q)."""
    out = []
    for byte in text.encode(charset):
        ch = chr(byte)
        if ch == " ":
            out.append("_")
        elif ch.isascii() and ch.isalnum() or ch in "-.!*+/":
            out.append(ch)
        else:
            out.append(f"={byte:02X}")
    return f"=?{charset}?Q?{''.join(out)}?="


def b(text: str, charset: str) -> str:
    """RFC 2047 B encoded word."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def qp(text: str, charset: str) -> str:
    """Quoted-printable body of text in charset (soft line breaks at 76)."""
    return quopri.encodestring(text.encode(charset)).decode("ascii")


def b64(data: bytes) -> str:
    raw = base64.b64encode(data).decode()
    return "\n".join(raw[i : i + 76] for i in range(0, len(raw), 76))


def date(y: int, mo: int, d: int, h: int, mi: int, s: int = 0, tz=CET) -> tuple[str, str]:
    """(Date header value, expected ISO string) for one instant."""
    moment = datetime(y, mo, d, h, mi, s, tzinfo=tz)
    return format_datetime(moment), moment.isoformat()


def build(parts: list[str | bytes], eol: str) -> bytes:
    """Join header and body pieces (LF inside) and convert every line end to eol."""
    joined = b"\n".join(p if isinstance(p, bytes) else p.encode("ascii") for p in parts)
    return joined.replace(b"\n", eol.encode())


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small valid PNG of one colour (deterministic bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def pdf(title: str) -> bytes:
    """A tiny PDF-looking file; only its bytes matter (size, sha256)."""
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Title ("
        + title.encode("utf-8")
        + b") >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def attachment_info(name: str, ctype: str, data: bytes) -> dict:
    return {
        "filename": name,
        "content_type": ctype,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


# ----------------------------------------------------------------------------- samples
SAMPLE_LIST: list[tuple[str, str, bytes, dict]] = []


def add(folder: str, name: str, raw: bytes, expected: dict) -> None:
    SAMPLE_LIST.append((folder, name, raw, expected))


def windows_1250() -> None:
    cs = "windows-1250"
    d, iso = date(2026, 11, 24, 9, 12, 41)
    body = (
        "Dzień dobry,\n\n"
        "w fakturze FV/2026/11/0173 wystawionej w programie KJM Faktury kwota VAT\n"
        "różni się o 1 grosz od sumy pozycji. Klient odmówił przyjęcia dokumentu.\n"
        "Proszę o pilną pomoc – dziś mija termin płatności.\n\n"
        "Z poważaniem\n"
        "Paweł Leśniak\n"
        "Główna księgowa, Budmex Sp. z o.o.\n"
        "ul. Źródlana 12, 90-001 Łódź\n"
    )
    subject = "Błędna kwota VAT na fakturze – pilne"
    add(
        "windows_1250",
        "faktura_qp",
        build(
            [
                "Return-Path: <p.lesniak@budmex.com.pl>",
                f"From: {q('Paweł Leśniak', cs)} <P.Lesniak@Budmex.com.pl>",
                f"To: {KJM}",
                f"Subject: {q(subject, cs)}",
                f"Date: {d}",
                "Message-ID: <000001db3e4a$5f1c2a30$1d547e90$@budmex.com.pl>",
                "MIME-Version: 1.0",
                f'Content-Type: text/plain; charset="{cs}"',
                "Content-Transfer-Encoding: quoted-printable",
                "X-Mailer: Microsoft Outlook 16.0",
                "Content-Language: pl",
                "",
                qp(body, cs),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Paweł Leśniak",
            "from_address": "p.lesniak@budmex.com.pl",
            "to": ["pomoc@kjmssoft.pl"],
            "date": iso,
            "message_id": "<000001db3e4a$5f1c2a30$1d547e90$@budmex.com.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["różni się o 1 grosz", "Główna księgowa", "Źródlana 12", "Łódź"],
            "return_path": "<p.lesniak@budmex.com.pl>",
        },
    )

    d, iso = date(2026, 11, 25, 14, 3, 9)
    plain = (
        "Dzień dobry,\n\nmoduł KJM Magazyn zgłasza błąd „Nie można zapisać dokumentu WZ” "
        "przy każdej próbie wydania towaru. Stan magazynu się nie zmienia.\n\n"
        "Pozdrawiam,\nŻaneta Ćwiklińska\nHurtownia Żółty Kot s.c.\n"
    )
    html = (
        '<html><head><meta http-equiv=Content-Type content="text/html; charset=windows-1250">'
        "</head><body lang=PL><div class=WordSection1><p class=MsoNormal>Dzień dobry,</p>"
        "<p class=MsoNormal>moduł KJM Magazyn zgłasza błąd „Nie można zapisać dokumentu WZ” "
        "przy każdej próbie wydania towaru. Stan magazynu się nie zmienia.</p>"
        "<p class=MsoNormal>Pozdrawiam,<br>Żaneta Ćwiklińska<br>Hurtownia Żółty Kot s.c.</p>"
        "</div></body></html>\n"
    )
    boundary = "----=_NextPart_000_0017_01DB3E52.8E1D2A40"
    subject = "Magazyn: nie można zapisać WZ"
    add(
        "windows_1250",
        "outlook_8bit_alternative",
        build(
            [
                f"From: {q('Żaneta Ćwiklińska', cs)} <zaneta@zoltykot.pl>",
                f"To: {KJM}",
                f"Cc: {q('Łukasz Śliwa', cs)} <lukasz.sliwa@zoltykot.pl>",
                f"Subject: {q(subject, cs)}",
                f"Date: {d}",
                "Message-ID: <002b01db3f24$aa9c1f50$ffd45df0$@zoltykot.pl>",
                "MIME-Version: 1.0",
                f'Content-Type: multipart/alternative; boundary="{boundary}"',
                "X-Priority: 3 (Normal)",
                "",
                "To jest wieloczęściowa wiadomość w formacie MIME.".encode(cs),
                "",
                f"--{boundary}",
                f'Content-Type: text/plain; charset="{cs}"',
                "Content-Transfer-Encoding: 8bit",
                "",
                plain.encode(cs),
                f"--{boundary}",
                f'Content-Type: text/html; charset="{cs}"',
                "Content-Transfer-Encoding: 8bit",
                "",
                html.encode(cs),
                f"--{boundary}--",
                "",
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Żaneta Ćwiklińska",
            "from_address": "zaneta@zoltykot.pl",
            "cc": ["lukasz.sliwa@zoltykot.pl"],
            "date": iso,
            "message_id": "<002b01db3f24$aa9c1f50$ffd45df0$@zoltykot.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["„Nie można zapisać dokumentu WZ”", "Hurtownia Żółty Kot"],
            "html_present": True,
            "x_priority": "3 (Normal)",
        },
    )

    # No charset parameter at all, 8-bit windows-1250 body: the UTF-8 attempt fails.
    d, iso = date(2026, 11, 26, 7, 55, 0)
    body = (
        "Witam,\nproszę o reset hasła do konta ŚCIBOR-RYLSKI w KJM Kadry.\n"
        "Źle wpisałem hasło pięć razy i konto jest zablokowane.\nSławomir Ścibor\n"
    )
    add(
        "windows_1250",
        "undeclared_charset_lf",
        build(
            [
                "From: Slawomir Scibor <s.scibor@transpol-gdansk.pl>",
                "To: pomoc@kjmssoft.pl",
                "Subject: Reset hasla - konto zablokowane",
                f"Date: {d}",
                "Message-ID: <20261126075500.4431@transpol-gdansk.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain",
                "Content-Transfer-Encoding: 8bit",
                "",
                body.encode(cs),
            ],
            LF,
        ),
        {
            "subject": "Reset hasla - konto zablokowane",
            "from_name": "Slawomir Scibor",
            "from_address": "s.scibor@transpol-gdansk.pl",
            "date": iso,
            "message_id": "<20261126075500.4431@transpol-gdansk.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["ŚCIBOR-RYLSKI", "Źle wpisałem hasło pięć razy"],
        },
    )


def iso_8859_2() -> None:
    cs = "iso-8859-2"
    d, iso = date(2026, 11, 23, 16, 20, 5)
    subject = "Zgłoszenie: program nie drukuje etykiet"
    body = (
        "Dzień dobry,\n\n"
        "od poniedziałku program KJM Magazyn nie drukuje etykiet na drukarce Zebra.\n"
        'Komunikat: "Błąd sterownika - brak odpowiedzi urządzenia".\n'
        "Próbowaliśmy ponownie uruchomić komputer, bez skutku.\n\n"
        "Grzegorz Żądło\nOgrodnictwo Źródełko, Gniezno\n"
    )
    add(
        "iso_8859_2",
        "zgloszenie_8bit_lf",
        build(
            [
                "Received: from mx.zrodelko.pl (mx.zrodelko.pl [192.0.2.15])",
                "\tby mx.kjmssoft.pl with ESMTPS; Mon, 23 Nov 2026 16:20:07 +0100",
                f"From: {b('Grzegorz Żądło', cs)} <grzegorz.zadlo@zrodelko.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {b(subject, cs)}",
                f"Date: {d}",
                "Message-ID: <5f3a9c1e-77b2-4d0e-9a51-0c2d7e1f4b88@zrodelko.pl>",
                "MIME-Version: 1.0",
                f"Content-Type: text/plain; charset={cs}; format=flowed",
                "Content-Transfer-Encoding: 8bit",
                "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Thunderbird/128.4.0",
                "",
                body.encode(cs),
            ],
            LF,
        ),
        {
            "subject": subject,
            "from_name": "Grzegorz Żądło",
            "from_address": "grzegorz.zadlo@zrodelko.pl",
            "date": iso,
            "message_id": "<5f3a9c1e-77b2-4d0e-9a51-0c2d7e1f4b88@zrodelko.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["nie drukuje etykiet", "Błąd sterownika", "Ogrodnictwo Źródełko"],
        },
    )

    d, iso = date(2026, 11, 27, 11, 41, 30)
    subject = "Prośba o ofertę na moduł KJM Kadry"
    body = (
        "Szanowni Państwo,\n\nprosimy o ofertę na moduł KJM Kadry dla 45 stanowisk.\n"
        "Termin wdrożenia: styczeń 2027. Osoba kontaktowa: Agnieszka Ńąmiec-Wróbel.\n\n"
        "Przychodnia Zdrowie, Łańcut\n"
    )
    add(
        "iso_8859_2",
        "base64_body",
        build(
            [
                f"From: {b('Przychodnia Zdrowie Łańcut', cs)} <sekretariat@zdrowie-lancut.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {b(subject, cs)}",
                f"Date: {d}",
                "Message-ID: <CAF8x=k1Qd7p0vLw9RzT2n@mail.zdrowie-lancut.pl>",
                "MIME-Version: 1.0",
                f'Content-Type: text/plain; charset="{cs}"',
                "Content-Transfer-Encoding: base64",
                "",
                b64(body.encode(cs)),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Przychodnia Zdrowie Łańcut",
            "from_address": "sekretariat@zdrowie-lancut.pl",
            "date": iso,
            "message_id": "<CAF8x=k1Qd7p0vLw9RzT2n@mail.zdrowie-lancut.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["45 stanowisk", "Ńąmiec-Wróbel", "Łańcut"],
        },
    )


def utf8() -> None:
    d, iso = date(2026, 11, 24, 12, 0, 1)
    subject = "Zażółć gęślą jaźń – ZAŻÓŁĆ GĘŚLĄ JAŹŃ (test polskich znaków)"
    body = (
        "Dzień dobry,\n\n"
        "po aktualizacji KJM Faktury 5.2 na wydrukach zamiast polskich liter są krzaczki.\n"
        "Przykład z nagłówka faktury: ZAŻÓŁĆ GĘŚLĄ JAŹŃ, a w treści: zażółć gęślą jaźń.\n"
        "Wszystkie znaki: ą ć ę ł ń ó ś ź ż Ą Ć Ę Ł Ń Ó Ś Ź Ż.\n\n"
        "Pozdrawiam serdecznie\nMikołaj Wężyk\n"
    )
    add(
        "utf8",
        "plain_qp_all_letters",
        build(
            [
                f"From: {q('Mikołaj Wężyk', 'utf-8')} <mikolaj.wezyk@drukarnia-wezyk.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {q(subject, 'utf-8')}",
                f"Date: {d}",
                "Message-ID: <a1b2c3d4.8831.4f2e@drukarnia-wezyk.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                qp(body, "utf-8"),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Mikołaj Wężyk",
            "from_address": "mikolaj.wezyk@drukarnia-wezyk.pl",
            "date": iso,
            "message_id": "<a1b2c3d4.8831.4f2e@drukarnia-wezyk.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": [
                "ą ć ę ł ń ó ś ź ż Ą Ć Ę Ł Ń Ó Ś Ź Ż",
                "ZAŻÓŁĆ GĘŚLĄ JAŹŃ",
                "Mikołaj Wężyk",
            ],
        },
    )

    d, iso = date(2026, 11, 28, 8, 30, 0)
    subject = "Nie działa eksport JPK_VAT do Ministerstwa Finansów"
    body = (
        "Cześć,\n\neksport JPK_VAT kończy się komunikatem „Niepoprawny schemat XML”.\n"
        "Wysyłam z konta Bożeny Ćwik.\n\nBożena Ćwik\nBiuro Rachunkowe Ćwik & Wspólnicy\n"
    )
    add(
        "utf8",
        "rfc6532_raw_headers",
        build(
            [
                "From: Bożena Ćwik <Bozena@Cwik-Wspolnicy.pl>".encode(),
                "To: Pomoc KJM <pomoc@kjmssoft.pl>",
                f"Subject: {subject}".encode(),
                f"Date: {d}",
                "Message-ID: <20261128083000.GA1234@cwik-wspolnicy.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                body.encode(),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Bożena Ćwik",
            "from_address": "bozena@cwik-wspolnicy.pl",
            "date": iso,
            "message_id": "<20261128083000.GA1234@cwik-wspolnicy.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["Niepoprawny schemat XML", "Biuro Rachunkowe Ćwik & Wspólnicy"],
        },
    )

    d, iso = date(2026, 6, 15, 10, 5, 0, tz=CEST)
    subject = "Licencja KJM Faktury wygasła?"
    plain = (
        "Dzień dobry,\nprogram pokazuje komunikat, że licencja wygasła 14.06.2026, "
        "a opłaciliśmy ją w maju (faktura 112/05/2026).\nProszę o sprawdzenie.\n"
        "Jolanta Kaźmierczak\n"
    )
    html = (
        '<div dir="ltr"><div>Dzień dobry,</div><div>program pokazuje komunikat, że '
        "licencja wygasła 14.06.2026, a opłaciliśmy ją w maju (faktura 112/05/2026).</div>"
        "<div>Proszę o sprawdzenie.</div><div>Jolanta Kaźmierczak</div></div>\n"
    )
    boundary = "000000000000a3f9c1061d8e2b55"
    add(
        "utf8",
        "gmail_base64_alternative",
        build(
            [
                "MIME-Version: 1.0",
                f"Date: {d}",
                "Message-ID: <CAJx9pQ7=mH4kE2vT0bR8sLwYfN1cZ+gD5uA3oP6iK@mail.gmail.com>",
                f"Subject: {b(subject, 'UTF-8')}",
                f"From: {b('Jolanta Kaźmierczak', 'UTF-8')} <jolanta.kazmierczak@gmail.com>",
                "To: pomoc@kjmssoft.pl",
                f'Content-Type: multipart/alternative; boundary="{boundary}"',
                "",
                f"--{boundary}",
                'Content-Type: text/plain; charset="UTF-8"',
                "Content-Transfer-Encoding: base64",
                "",
                b64(plain.encode()),
                f"--{boundary}",
                'Content-Type: text/html; charset="UTF-8"',
                "Content-Transfer-Encoding: base64",
                "",
                b64(html.encode()),
                f"--{boundary}--",
                "",
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Jolanta Kaźmierczak",
            "from_address": "jolanta.kazmierczak@gmail.com",
            "date": iso,
            "message_id": "<CAJx9pQ7=mH4kE2vT0bR8sLwYfN1cZ+gD5uA3oP6iK@mail.gmail.com>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["licencja wygasła 14.06.2026", "faktura 112/05/2026"],
            "html_present": True,
        },
    )


def outlook_reply_pl() -> None:
    cs = "iso-8859-2"
    d, iso = date(2026, 11, 24, 10, 47, 12)
    original = "<CAH4kjm.2611230042.pomoc@kjmssoft.pl>"
    subject = "ODP: Błąd przy wydruku faktury korygującej [#2611-0042]"
    plain = (
        "Dzień dobry,\n\n"
        "dziękujemy, po aktualizacji do wersji 5.2.1 korekty drukują się poprawnie.\n"
        "Zgłoszenie można zamknąć.\n\n"
        "Pozdrawiam\nPaweł Leśniak\nBudmex Sp. z o.o.\n\n"
        "-----Wiadomość oryginalna-----\n"
        "Od: Pomoc KJM Soft <pomoc@kjmssoft.pl>\n"
        "Wysłano: poniedziałek, 23 listopada 2026 16:42\n"
        "Do: Paweł Leśniak <p.lesniak@budmex.com.pl>\n"
        "Temat: Re: Błąd przy wydruku faktury korygującej [#2611-0042]\n\n"
        "Dzień dobry,\nproszę zainstalować aktualizację 5.2.1 (Pomoc > Sprawdź aktualizacje).\n"
        "Zespół wsparcia KJM Soft\n"
    )
    html = (
        "<html><body><p>Dzień dobry,</p><p>dziękujemy, po aktualizacji do wersji 5.2.1 "
        "korekty drukują się poprawnie.<br>Zgłoszenie można zamknąć.</p>"
        "<p>Pozdrawiam<br>Paweł Leśniak</p>"
        "<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p><b>Od:</b> Pomoc KJM Soft"
        " &lt;pomoc@kjmssoft.pl&gt;<br><b>Wysłano:</b> poniedziałek, 23 listopada 2026 16:42"
        "<br><b>Temat:</b> Re: Błąd przy wydruku faktury korygującej [#2611-0042]</p></div>"
        "</body></html>\n"
    )
    boundary = "_000_DB9PR02MB7321A1B2C3D4E5F6A7B8C9D0DB9PR02MB7321eurp_"
    add(
        "outlook_reply_pl",
        "reply_plain_html",
        build(
            [
                f"From: {q('Paweł Leśniak', cs)} <p.lesniak@budmex.com.pl>",
                f"To: {KJM}",
                f"Subject: {q(subject[:24], cs)}",
                f" {q(subject[24:], cs)}",
                "Thread-Topic: =?iso-8859-2?Q?B=B3=B1d_przy_wydruku_faktury_koryguj=B1cej?=",
                "Thread-Index: AQHbPZx1mK8d2f3l0kS7o9P1cQ2yRrKzPq4A",
                f"Date: {d}",
                "Message-ID: <DB9PR02MB7321A1B2C3D4E5F6A7B8C9D0"
                "@DB9PR02MB7321.eurprd02.prod.outlook.com>",
                f"In-Reply-To: {original}",
                f"References: <CAH4kjm.2611200911.pomoc@kjmssoft.pl> {original}",
                "Accept-Language: pl-PL, en-US",
                "Content-Language: pl-PL",
                "X-MS-Has-Attach:",
                "X-MS-TNEF-Correlator:",
                "Importance: high",
                "X-Priority: 1",
                f'Content-Type: multipart/alternative; boundary="{boundary}"',
                "MIME-Version: 1.0",
                "",
                f"--{boundary}",
                f'Content-Type: text/plain; charset="{cs}"',
                "Content-Transfer-Encoding: quoted-printable",
                "",
                qp(plain, cs),
                f"--{boundary}",
                f'Content-Type: text/html; charset="{cs}"',
                "Content-Transfer-Encoding: quoted-printable",
                "",
                qp(html, cs),
                f"--{boundary}--",
                "",
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Paweł Leśniak",
            "from_address": "p.lesniak@budmex.com.pl",
            "date": iso,
            "message_id": (
                "<DB9PR02MB7321A1B2C3D4E5F6A7B8C9D0@DB9PR02MB7321.eurprd02.prod.outlook.com>"
            ),
            "in_reply_to": original,
            "references": ["<CAH4kjm.2611200911.pomoc@kjmssoft.pl>", original],
            "attachments": [],
            "text_contains": [
                "-----Wiadomość oryginalna-----",
                "Wysłano: poniedziałek, 23 listopada 2026 16:42",
                "Temat: Re: Błąd przy wydruku faktury korygującej [#2611-0042]",
                "Zgłoszenie można zamknąć.",
            ],
            "html_present": True,
            "importance": "high",
            "x_priority": "1",
            "thread_index": "AQHbPZx1mK8d2f3l0kS7o9P1cQ2yRrKzPq4A",
        },
    )

    # HTML only, the newer Outlook quote header (underline + Od:/Wysłano:/Do:/DW:/Temat:).
    d, iso = date(2026, 11, 25, 8, 2, 44)
    original = "<CAH4kjm.2611240815.pomoc@kjmssoft.pl>"
    subject = "RE: Aktualizacja stawek VAT w cenniku [#2611-0057]"
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<style><!-- p.MsoNormal {margin:0cm; font-family:"Calibri",sans-serif;} --></style>'
        '</head><body lang="PL"><div class="WordSection1">'
        '<p class="MsoNormal">Dzień dobry,</p>'
        '<p class="MsoNormal">niestety po zmianie stawki z 8% na 5% ceny brutto w cenniku '
        "się nie przeliczyły. Załączam numer cennika: CN/2026/014.</p>"
        '<p class="MsoNormal">Z wyrazami szacunku<br>Dorota Źrebiec-Kołodziej<br>'
        "Kierownik sklepu &bdquo;Pod Jabłonią&rdquo;</p>"
        '<div id="mail-editor-reference-message-container">'
        '<hr style="display:inline-block;width:98%">'
        '<p class="MsoNormal"><b>Od:</b> Pomoc KJM Soft &lt;pomoc@kjmssoft.pl&gt;<br>'
        "<b>Wysłano:</b> wtorek, 24 listopada 2026 08:15<br>"
        "<b>Do:</b> Dorota Źrebiec-Kołodziej &lt;dorota@podjablonia.pl&gt;<br>"
        "<b>DW:</b> Handlowiec &lt;handel@podjablonia.pl&gt;<br>"
        "<b>Temat:</b> Aktualizacja stawek VAT w cenniku [#2611-0057]</p>"
        '<p class="MsoNormal">Dzień dobry, proszę uruchomić Narzędzia &gt; Przelicz ceny.</p>'
        "</div></div></body></html>\n"
    )
    add(
        "outlook_reply_pl",
        "reply_html_only",
        build(
            [
                f"From: {q('Dorota Źrebiec-Kołodziej', 'utf-8')} <dorota@podjablonia.pl>",
                f"To: {KJM}",
                f"CC: Handlowiec <handel@podjablonia.pl>, {q('Łucja Nowak', 'utf-8')}"
                " <lucja.nowak@podjablonia.pl>",
                f"Subject: {subject}",
                f"Date: {d}",
                "Message-ID: <AM0PR10MB3345C0FFEE0123456789ABCDEF"
                "@AM0PR10MB3345.EURPRD10.PROD.OUTLOOK.COM>",
                f"In-Reply-To: {original}",
                f"References: {original}",
                "Thread-Index: AdtAbCdEfGhIjKlMnOpQrStUvWxYz0==",
                'Content-Type: text/html; charset="utf-8"',
                "Content-Transfer-Encoding: base64",
                "MIME-Version: 1.0",
                "",
                b64(html.encode()),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Dorota Źrebiec-Kołodziej",
            "from_address": "dorota@podjablonia.pl",
            "cc": ["handel@podjablonia.pl", "lucja.nowak@podjablonia.pl"],
            "date": iso,
            "message_id": (
                "<AM0PR10MB3345C0FFEE0123456789ABCDEF@AM0PR10MB3345.EURPRD10.PROD.OUTLOOK.COM>"
            ),
            "in_reply_to": original,
            "references": [original],
            "attachments": [],
            "text_contains": [
                "ceny brutto w cenniku się nie przeliczyły",
                "Wysłano: wtorek, 24 listopada 2026 08:15",
                "Temat: Aktualizacja stawek VAT w cenniku [#2611-0057]",
                "„Pod Jabłonią”",
            ],
            "html_present": True,
            "content_type": "text/html",
        },
    )

    # Outlook with an inline signature image (multipart/related inside alternative).
    d, iso = date(2026, 11, 26, 13, 14, 15)
    logo = png(8, 4, (200, 16, 46))
    plain = (
        "Dzień dobry,\nczy w KJM Kadry jest już wzór PIT-11 na 2026 rok?\n\n"
        "Pozdrawiam\nHenryk Ślęzak\n\n"
        "________________________________\n"
        "Od: Pomoc KJM Soft <pomoc@kjmssoft.pl>\n"
        "Wysłano: środa, 25 listopada 2026 09:00\n"
        "Do: Henryk Ślęzak <h.slezak@slezak-transport.pl>\n"
        "Temat: Newsletter KJM - listopad\n"
    )
    html = (
        "<html><body><p>Dzień dobry,<br>czy w KJM Kadry jest już wzór PIT-11 na 2026 rok?</p>"
        '<p>Pozdrawiam<br>Henryk Ślęzak<br><img src="cid:image001.png@01DB3F8A.5C0E1B20"></p>'
        "</body></html>\n"
    )
    alt, rel = "_000_AS8PR07MB7701_", "_004_AS8PR07MB7701_"
    add(
        "outlook_reply_pl",
        "reply_with_signature_image",
        build(
            [
                f"From: {q('Henryk Ślęzak', cs)} <H.Slezak@slezak-transport.pl>",
                f"To: {KJM}",
                f"Subject: {q('ODP: Newsletter KJM – listopad', 'utf-8')}",
                f"Date: {d}",
                "Message-ID: <AS8PR07MB7701E2B3@AS8PR07MB7701.eurprd07.prod.outlook.com>",
                "In-Reply-To: <newsletter-2611@kjmssoft.pl>",
                "References: <newsletter-2611@kjmssoft.pl>",
                "MIME-Version: 1.0",
                f'Content-Type: multipart/related; boundary="{rel}"; type="multipart/alternative"',
                "",
                f"--{rel}",
                f'Content-Type: multipart/alternative; boundary="{alt}"',
                "",
                f"--{alt}",
                'Content-Type: text/plain; charset="iso-8859-2"',
                "Content-Transfer-Encoding: quoted-printable",
                "",
                qp(plain, cs),
                f"--{alt}",
                'Content-Type: text/html; charset="iso-8859-2"',
                "Content-Transfer-Encoding: quoted-printable",
                "",
                qp(html, cs),
                f"--{alt}--",
                "",
                f"--{rel}",
                'Content-Type: image/png; name="image001.png"',
                "Content-Description: image001.png",
                f'Content-Disposition: inline; filename="image001.png"; size={len(logo)}',
                "Content-ID: <image001.png@01DB3F8A.5C0E1B20>",
                "Content-Transfer-Encoding: base64",
                "",
                b64(logo),
                "",
                f"--{rel}--",
                "",
            ],
            CRLF,
        ),
        {
            "subject": "ODP: Newsletter KJM – listopad",
            "from_name": "Henryk Ślęzak",
            "from_address": "h.slezak@slezak-transport.pl",
            "date": iso,
            "message_id": "<AS8PR07MB7701E2B3@AS8PR07MB7701.eurprd07.prod.outlook.com>",
            "in_reply_to": "<newsletter-2611@kjmssoft.pl>",
            "references": ["<newsletter-2611@kjmssoft.pl>"],
            "attachments": ["image001.png"],
            "attachment_details": [attachment_info("image001.png", "image/png", logo)],
            "text_contains": ["wzór PIT-11 na 2026 rok", "Wysłano: środa, 25 listopada 2026"],
            "html_present": True,
            "content_type": "multipart/related",
        },
    )


def thunderbird_reply_pl() -> None:
    d, iso = date(2026, 11, 24, 11, 2, 33)
    ids = [
        "<kjm-2611-0031-1@kjmssoft.pl>",
        "<7c1e2f90-3a4b-4c5d-8e9f-0a1b2c3d4e5f@ekogaz.pl>",
        "<kjm-2611-0031-2@kjmssoft.pl>",
    ]
    body = (
        "Dzień dobry,\n\n"
        "niestety problem wrócił – raport „Zestawienie sprzedaży” znowu pokazuje\n"
        "zerowe kwoty dla oddziału w Płocku.\n\n"
        "W dniu 24.11.2026 o 10:15, Jan Kowalski pisze:\n"
        "> Dzień dobry,\n"
        "> proszę sprawdzić, czy po przebudowie indeksów raport działa.\n"
        ">\n"
        "> Jan Kowalski\n"
        "> Zespół wsparcia KJM Soft\n\n"
        "-- \nTomasz Dąbrowski\nEkogaz S.A.\n"
    )
    add(
        "thunderbird_reply_pl",
        "reply_quoted",
        build(
            [
                "Message-ID: <9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a@ekogaz.pl>",
                f"Date: {d}",
                "MIME-Version: 1.0",
                "User-Agent: Mozilla Thunderbird",
                "Subject: Re: [#2611-0031] Raport =?UTF-8?Q?sprzeda=C5=BCy?= pokazuje zera",
                "Content-Language: pl",
                "To: Jan Kowalski <pomoc@kjmssoft.pl>",
                "References: " + ids[0],
                " " + ids[1],
                " " + ids[2],
                f"From: {q('Tomasz Dąbrowski', 'UTF-8')} <tomasz.dabrowski@ekogaz.pl>",
                "In-Reply-To: " + ids[2],
                "Content-Type: text/plain; charset=UTF-8; format=flowed",
                "Content-Transfer-Encoding: 8bit",
                "",
                body.encode(),
            ],
            CRLF,
        ),
        {
            "subject": "Re: [#2611-0031] Raport sprzedaży pokazuje zera",
            "from_name": "Tomasz Dąbrowski",
            "from_address": "tomasz.dabrowski@ekogaz.pl",
            "to": ["pomoc@kjmssoft.pl"],
            "date": iso,
            "message_id": "<9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a@ekogaz.pl>",
            "in_reply_to": ids[2],
            "references": ids,
            "attachments": [],
            "text_contains": [
                "W dniu 24.11.2026 o 10:15, Jan Kowalski pisze:",
                "> proszę sprawdzić, czy po przebudowie indeksów raport działa.",
                "oddziału w Płocku",
            ],
        },
    )

    d, iso = date(2026, 11, 30, 15, 45, 0)
    body = (
        "W dniu 27.11.2026 o 09:30, Pomoc KJM Soft pisze:\n"
        "> Czy mogą Państwo przesłać zrzut ekranu?\n\n"
        "Zrzut w załączniku nie przeszedł, opisuję: okno „Błąd krytyczny 0x80004005”.\n"
        "Krzysztof Źdźbło\n"
    )
    add(
        "thunderbird_reply_pl",
        "reply_comment_in_reply_to_lf",
        build(
            [
                "From: =?UTF-8?Q?Krzysztof_=C5=B9d=C5=BAb=C5=82o?= <k.zdzblo@zdzblo.com.pl>",
                "To: pomoc@kjmssoft.pl",
                "Subject: =?UTF-8?Q?Re=3A_=5B=232611-0066=5D_B=C5=82=C4=85d_krytyczny?=",
                f"Date: {d}",
                "Message-ID: <e5f6a7b8@zdzblo.com.pl>",
                "In-Reply-To: <kjm-2611-0066-1@kjmssoft.pl> (Pomoc KJM Soft's message of",
                ' "Fri, 27 Nov 2026 09:30:00 +0100")',
                "References: <kjm-2611-0066-0@kjmssoft.pl>\t<kjm-2611-0066-1@kjmssoft.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                qp(body, "utf-8"),
            ],
            LF,
        ),
        {
            "subject": "Re: [#2611-0066] Błąd krytyczny",
            "from_name": "Krzysztof Źdźbło",
            "from_address": "k.zdzblo@zdzblo.com.pl",
            "date": iso,
            "message_id": "<e5f6a7b8@zdzblo.com.pl>",
            "in_reply_to": "<kjm-2611-0066-1@kjmssoft.pl>",
            "references": ["<kjm-2611-0066-0@kjmssoft.pl>", "<kjm-2611-0066-1@kjmssoft.pl>"],
            "attachments": [],
            "text_contains": ["pisze:\n> Czy mogą Państwo", "Błąd krytyczny 0x80004005"],
        },
    )


def out_of_office_pl() -> None:
    d, iso = date(2026, 11, 24, 10, 16, 2)
    subject = "Automatyczna odpowiedź: Błędna kwota VAT na fakturze – pilne"
    body = (
        "Dzień dobry,\n\n"
        "dziękuję za wiadomość. Jestem na urlopie do 30.11.2026 r. z ograniczonym dostępem "
        "do poczty.\nW pilnych sprawach proszę o kontakt z Działem Księgowości: "
        "ksiegowosc@budmex.com.pl.\n\nMałgorzata Źródlewska\n"
    )
    add(
        "out_of_office_pl",
        "exchange_automatyczna_odpowiedz",
        build(
            [
                f"From: {q('Małgorzata Źródlewska', 'iso-8859-2')} <m.zrodlewska@budmex.com.pl>",
                f"To: {KJM}",
                f"Subject: {q(subject, 'utf-8')}",
                "Thread-Topic: =?iso-8859-2?Q?B=B3=EAdna_kwota_VAT_na_fakturze_-_pilne?=",
                "Thread-Index: AQHbPeFn3kQp1vM7xUO2aBcD",
                f"Date: {d}",
                "Message-ID: <f0e1d2c3b4a5@DB8PR04MB6789.eurprd04.prod.outlook.com>",
                "In-Reply-To: <kjm-ack-2611-0042@kjmssoft.pl>",
                "References: <kjm-ack-2611-0042@kjmssoft.pl>",
                "Auto-Submitted: auto-replied",
                "X-Auto-Response-Suppress: All",
                "X-MS-Exchange-Inbox-Rules-Loop: m.zrodlewska@budmex.com.pl",
                "X-MS-Exchange-Transport-CrossTenantHeadersStamped: DB8PR04MB6789",
                'Content-Type: text/plain; charset="iso-8859-2"',
                "Content-Transfer-Encoding: quoted-printable",
                "MIME-Version: 1.0",
                "",
                qp(body, "iso-8859-2"),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Małgorzata Źródlewska",
            "from_address": "m.zrodlewska@budmex.com.pl",
            "date": iso,
            "message_id": "<f0e1d2c3b4a5@DB8PR04MB6789.eurprd04.prod.outlook.com>",
            "in_reply_to": "<kjm-ack-2611-0042@kjmssoft.pl>",
            "references": ["<kjm-ack-2611-0042@kjmssoft.pl>"],
            "attachments": [],
            "text_contains": ["Jestem na urlopie do 30.11.2026", "Działem Księgowości"],
            "auto_submitted": "auto-replied",
            "x_auto_response_suppress": "All",
            "thread_index": "AQHbPeFn3kQp1vM7xUO2aBcD",
        },
    )

    d, iso = date(2026, 7, 14, 6, 0, 0, tz=CEST)
    subject = "Nieobecność: Re: Faktura za lipiec"
    body = (
        "Witam,\nprzebywam na urlopie wypoczynkowym do 28 lipca.\n"
        "Wiadomości nie są przekazywane. Pozdrawiam, Ewa Żmuda\n"
    )
    add(
        "out_of_office_pl",
        "vacation_autoreply_headers",
        build(
            [
                "Return-Path: <>",
                f"From: {b('Ewa Żmuda', 'utf-8')} <ewa.zmuda@zmuda-serwis.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {b(subject, 'utf-8')}",
                f"Date: {d}",
                "Message-ID: <vacation.1784001600.9981@zmuda-serwis.pl>",
                "In-Reply-To: <kjm-invoice-2607@kjmssoft.pl>",
                "Auto-Submitted: auto-replied (vacation)",
                "Precedence: bulk",
                "X-Autoreply: yes",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                body.encode(),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Ewa Żmuda",
            "from_address": "ewa.zmuda@zmuda-serwis.pl",
            "date": iso,
            "message_id": "<vacation.1784001600.9981@zmuda-serwis.pl>",
            "in_reply_to": "<kjm-invoice-2607@kjmssoft.pl>",
            "references": [],
            "attachments": [],
            "text_contains": ["przebywam na urlopie wypoczynkowym"],
            "auto_submitted": "auto-replied (vacation)",
            "precedence": "bulk",
            "x_autoreply": "yes",
            "return_path": "<>",
        },
    )


def attachments() -> None:
    d, iso = date(2026, 11, 2, 9, 0, 0)
    invoice = pdf("Faktura październik")
    timesheet = b"PK\x03\x04" + bytes(range(256)) * 3  # looks like a zip (xlsx)
    boundary = "------------a1B2c3D4e5F6g7H8"
    xlsx = "Zestawienie_godzin_październik_ŁÓDŹ.xlsx"
    xlsx_q = [quote(xlsx[:22], safe=""), quote(xlsx[22:], safe="")]
    add(
        "attachments",
        "faktura_rfc2231",
        build(
            [
                "From: Biuro Rachunkowe Cwik <biuro@cwik-wspolnicy.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {q('Faktura i zestawienie godzin – październik', 'utf-8')}",
                f"Date: {d}",
                "Message-ID: <rfc2231.20261102@cwik-wspolnicy.pl>",
                "MIME-Version: 1.0",
                f'Content-Type: multipart/mixed; boundary="{boundary}"',
                "",
                "This is a multi-part message in MIME format.",
                f"--{boundary}",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                "W załączeniu faktura za październik oraz zestawienie godzin wdrożenia.\n"
                "Bożena Ćwik".encode(),
                "",
                f"--{boundary}",
                "Content-Type: application/pdf;",
                " name*=utf-8''Faktura_pa%C5%BAdziernik.pdf",
                "Content-Disposition: attachment;",
                " filename*=utf-8''Faktura_pa%C5%BAdziernik.pdf",
                "Content-Transfer-Encoding: base64",
                "",
                b64(invoice),
                "",
                f"--{boundary}",
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "Content-Disposition: attachment;",
                f" filename*0*=utf-8''{xlsx_q[0]};",
                f" filename*1*={xlsx_q[1]}",
                "Content-Transfer-Encoding: base64",
                "",
                b64(timesheet),
                f"--{boundary}--",
                "",
            ],
            CRLF,
        ),
        {
            "subject": "Faktura i zestawienie godzin – październik",
            "from_name": "Biuro Rachunkowe Cwik",
            "from_address": "biuro@cwik-wspolnicy.pl",
            "date": iso,
            "message_id": "<rfc2231.20261102@cwik-wspolnicy.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": ["Faktura_październik.pdf", xlsx],
            "attachment_details": [
                attachment_info("Faktura_październik.pdf", "application/pdf", invoice),
                attachment_info(
                    xlsx,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    timesheet,
                ),
            ],
            "text_contains": ["W załączeniu faktura za październik"],
            "content_type": "multipart/mixed",
        },
    )

    d, iso = date(2026, 11, 3, 12, 30, 0)
    shot = png(16, 9, (0, 120, 215))
    contract = b"PK\x03\x04umowa" + bytes(200)
    boundary = "----=_Part_4471_1201349922.1793712600000"
    add(
        "attachments",
        "zrzut_rfc2047",
        build(
            [
                f"From: {q('Łukasz Śliwa', 'utf-8')} <lukasz.sliwa@zoltykot.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {b('Zrzut ekranu z błędem i umowa', 'UTF-8')}",
                f"Date: {d}",
                "Message-ID: <1577431.1793712600@zoltykot.pl>",
                "MIME-Version: 1.0",
                f'Content-Type: multipart/mixed; boundary="{boundary}"',
                "",
                f"--{boundary}",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                qp("W załączniku zrzut ekranu z błędem oraz podpisana umowa serwisowa.\n", "utf-8"),
                f"--{boundary}",
                f'Content-Type: image/png; name="{b("zrzut_ekranu_błąd.png", "utf-8")}"',
                "Content-Transfer-Encoding: base64",
                f'Content-Disposition: inline; filename="{q("zrzut_ekranu_błąd.png", "utf-8")}"',
                "",
                b64(shot),
                f"--{boundary}",
                "Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml"
                ".document;",
                f'\tname="{q("Umowa_serwisowa_ŚĆŹ_2026.docx", "iso-8859-2")}"',
                "Content-Transfer-Encoding: base64",
                "Content-Disposition: attachment;",
                f'\tfilename="{q("Umowa_serwisowa_ŚĆŹ_2026.docx", "iso-8859-2")}"',
                "",
                b64(contract),
                f"--{boundary}--",
                "",
            ],
            CRLF,
        ),
        {
            "subject": "Zrzut ekranu z błędem i umowa",
            "from_name": "Łukasz Śliwa",
            "from_address": "lukasz.sliwa@zoltykot.pl",
            "date": iso,
            "message_id": "<1577431.1793712600@zoltykot.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": ["zrzut_ekranu_błąd.png", "Umowa_serwisowa_ŚĆŹ_2026.docx"],
            "attachment_details": [
                attachment_info("zrzut_ekranu_błąd.png", "image/png", shot),
                attachment_info(
                    "Umowa_serwisowa_ŚĆŹ_2026.docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    contract,
                ),
            ],
            "text_contains": ["zrzut ekranu z błędem"],
        },
    )

    # Forward as attachment: a message/rfc822 part (itself multipart) with a Polish name.
    d, iso = date(2026, 11, 4, 17, 5, 0)
    inner_boundary = "inner-7f3a"
    inner = "\n".join(
        [
            "From: Dostawca <faktury@dostawca.pl>",
            "To: zaneta@zoltykot.pl",
            f"Subject: {q('Wezwanie do zapłaty', 'utf-8')}",
            "Date: Tue, 03 Nov 2026 08:00:00 +0100",
            "Message-ID: <wezwanie-123@dostawca.pl>",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{inner_boundary}"',
            "",
            f"--{inner_boundary}",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            b64("Prosimy o zapłatę faktury 55/2026 w terminie 7 dni.\n".encode()),
            f"--{inner_boundary}",
            'Content-Type: application/pdf; name="wezwanie.pdf"',
            'Content-Disposition: attachment; filename="wezwanie.pdf"',
            "Content-Transfer-Encoding: base64",
            "",
            b64(pdf("wezwanie")),
            f"--{inner_boundary}--",
        ]
    )
    boundary = "------------fwd0123456789"
    fwd_name = q("Wezwanie do zapłaty.eml", "utf-8")
    add(
        "attachments",
        "forwarded_as_attachment",
        build(
            [
                f"From: {q('Żaneta Ćwiklińska', 'utf-8')} <zaneta@zoltykot.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {q('Fwd: Wezwanie do zapłaty', 'utf-8')}",
                f"Date: {d}",
                "Message-ID: <fwd-77aa@zoltykot.pl>",
                "MIME-Version: 1.0",
                f'Content-Type: multipart/mixed; boundary="{boundary}"',
                "",
                f"--{boundary}",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                "Przesyłam wezwanie, które program wygenerował błędnie.".encode(),
                "",
                f"--{boundary}",
                f'Content-Type: message/rfc822; name="{fwd_name}"',
                f'Content-Disposition: attachment; filename="{fwd_name}"',
                "",
                inner,
                "",
                f"--{boundary}--",
                "",
            ],
            CRLF,
        ),
        {
            "subject": "Fwd: Wezwanie do zapłaty",
            "from_name": "Żaneta Ćwiklińska",
            "from_address": "zaneta@zoltykot.pl",
            "date": iso,
            "message_id": "<fwd-77aa@zoltykot.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": ["Wezwanie do zapłaty.eml"],
            "text_contains": ["Przesyłam wezwanie"],
            "text_excludes": ["Prosimy o zapłatę faktury 55/2026"],
        },
    )


def folded_subject() -> None:
    d, iso = date(2026, 11, 24, 13, 37, 0)
    add(
        "folded_subject",
        "encoded_then_plain",
        build(
            [
                "From: Anna Nowak <anna.nowak@example-klient.pl>",
                "To: pomoc@kjmssoft.pl",
                "Subject: =?utf-8?q?B=C5=82=C4=99dna?=",
                " kwota na fakturze",
                f"Date: {d}",
                "Message-ID: <glue-1@example-klient.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                "Kwota na fakturze 17/11/2026 jest błędna.".encode(),
            ],
            CRLF,
        ),
        {
            "subject": "Błędna kwota na fakturze",
            "from_name": "Anna Nowak",
            "from_address": "anna.nowak@example-klient.pl",
            "date": iso,
            "message_id": "<glue-1@example-klient.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["jest błędna"],
        },
    )

    # Several folds: plain, encoded words split mid-phrase (and mid-character), tab folding.
    d, iso = date(2026, 11, 24, 13, 38, 0)
    phrase = "Źle naliczony rabat dla klienta ŻÓŁWIK"
    raw = phrase.encode()
    cut = raw.index("Ż".encode()) + 1  # split inside the two bytes of Ż (seen from Gmail)
    first = base64.b64encode(raw[:cut]).decode()
    second = base64.b64encode(raw[cut:]).decode()
    add(
        "folded_subject",
        "many_folds",
        build(
            [
                "From: anna.nowak@example-klient.pl (Anna Nowak)",
                "To: pomoc@kjmssoft.pl",
                "Subject: Re: [#2611-0090]",
                f"\t=?UTF-8?B?{first}?=",
                f"  =?UTF-8?B?{second}?=",
                "   - pilne",
                f"Date: {d}",
                "Message-ID: <glue-2@example-klient.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=us-ascii",
                "",
                "Prosze o korekte.",
            ],
            CRLF,
        ),
        {
            "subject": f"Re: [#2611-0090] {phrase} - pilne",
            "from_name": "Anna Nowak",
            "from_address": "anna.nowak@example-klient.pl",
            "date": iso,
            "message_id": "<glue-2@example-klient.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["Prosze o korekte."],
        },
    )


def no_message_id() -> None:
    d, iso = date(2026, 11, 29, 19, 4, 0)
    raw = build(
        [
            # an old mailer: raw ISO-8859-2 byte in the header, no encoded word
            "From: Kazimierz Wójcik <kwojcik@wojcik-stolarstwo.pl>".encode("iso-8859-2"),
            "To: pomoc@kjmssoft.pl",
            f"Subject: {q('Prośba o kontakt telefoniczny', 'iso-8859-2')}",
            f"Date: {d}",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=iso-8859-2",
            "Content-Transfer-Encoding: quoted-printable",
            "X-Mailer: Stary Program Pocztowy 1.0",
            "",
            qp("Proszę o telefon w sprawie aktualizacji, tel. 600 100 200.\n", "iso-8859-2"),
        ],
        CRLF,
    )
    add(
        "no_message_id",
        "brak_message_id",
        raw,
        {
            "subject": "Prośba o kontakt telefoniczny",
            "from_name": "Kazimierz Wójcik",
            "from_address": "kwojcik@wojcik-stolarstwo.pl",
            "date": iso,
            "message_id": f"<sha256.{hashlib.sha256(raw).hexdigest()}@mailbot.invalid>",
            "message_id_synthetic": True,
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["Proszę o telefon w sprawie aktualizacji"],
        },
    )

    d, iso = date(2026, 11, 29, 19, 5, 0)
    raw = build(
        [
            "From: formularz@kjmssoft.pl",
            "Reply-To: Zofia Kęsik <zofia.kesik@example-klient.pl>".encode(),
            "To: pomoc@kjmssoft.pl",
            "Subject: Formularz kontaktowy",
            f"Date: {d}",
            "Message-ID:",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "Imię: Zofia\nNazwisko: Kęsik\nWiadomość: Nie mogę się zalogować.".encode(),
        ],
        LF,
    )
    add(
        "no_message_id",
        "empty_message_id_lf",
        raw,
        {
            "subject": "Formularz kontaktowy",
            "from_name": "",
            "from_address": "formularz@kjmssoft.pl",
            "date": iso,
            "message_id": f"<sha256.{hashlib.sha256(raw).hexdigest()}@mailbot.invalid>",
            "message_id_synthetic": True,
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["Nazwisko: Kęsik", "Nie mogę się zalogować."],
        },
    )


def html_only() -> None:
    d, iso = date(2026, 11, 24, 21, 11, 0)
    html = (
        "<!DOCTYPE html><html><head><title>Zgłoszenie</title>"
        "<style>td{padding:4px}</style><script>var x = 'nie pokazuj';</script></head><body>"
        "<h2>Nowe zgłoszenie ze strony www</h2><table>"
        "<tr><td>Firma:</td><td>Kwiaciarnia &bdquo;Róża&rdquo; Mońki</td></tr>"
        "<tr><td>Program:</td><td>KJM Faktury</td></tr>"
        "<tr><td>Opis:</td><td>Po wybraniu kontrahenta program się zawiesza.<br>"
        "Dzieje się to od wczoraj &ndash; po aktualizacji systemu Windows.</td></tr>"
        "</table><p>Wysłano z formularza &copy; kjmssoft.pl</p></body></html>"
    )
    add(
        "html_only",
        "web_form_qp",
        build(
            [
                "From: =?utf-8?Q?Kwiaciarnia_=E2=80=9ER=C3=B3=C5=BCa=E2=80=9D?= "
                "<kwiaciarnia.roza@example-klient.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {q('Nowe zgłoszenie ze strony www', 'utf-8')}",
                f"Date: {d}",
                "Message-ID: <form-8812@www.kjmssoft.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                qp(html, "utf-8"),
            ],
            CRLF,
        ),
        {
            "subject": "Nowe zgłoszenie ze strony www",
            "from_name": "Kwiaciarnia „Róża”",
            "from_address": "kwiaciarnia.roza@example-klient.pl",
            "date": iso,
            "message_id": "<form-8812@www.kjmssoft.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": [
                "Kwiaciarnia „Róża” Mońki",
                "program się zawiesza",
                "od wczoraj – po aktualizacji",
            ],
            "text_excludes": ["nie pokazuj", "<td>", "&bdquo;"],
            "html_present": True,
            "content_type": "text/html",
        },
    )

    d, iso = date(2026, 11, 25, 22, 0, 0)
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; '
        'charset=iso-8859-2"></head><body><p>Dzień dobry,</p><p>w raporcie '
        "<b>Należności przeterminowane</b> brakuje kontrahentów z Gdańska.</p>"
        "<p>Pozdrawiam<br>Błażej Jóźwiak</p></body></html>\n"
    )
    add(
        "html_only",
        "meta_charset_lf",
        build(
            [
                "From: =?iso-8859-2?Q?B=B3a=BFej_J=F3=BCwiak?= <b.jozwiak@jozwiak.pl>",
                "To: pomoc@kjmssoft.pl",
                "Subject: Raport =?iso-8859-2?Q?nale=BFno=B6ci?=",
                f"Date: {d}",
                "Message-ID: <meta-charset-1@jozwiak.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/html",
                "Content-Transfer-Encoding: 8bit",
                "",
                html.encode("iso-8859-2"),
            ],
            LF,
        ),
        {
            "subject": "Raport należności",
            "from_name": "Błażej Jóźwiak",
            "from_address": "b.jozwiak@jozwiak.pl",
            "date": iso,
            "message_id": "<meta-charset-1@jozwiak.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": [],
            "text_contains": ["Należności przeterminowane", "kontrahentów z Gdańska"],
            "html_present": True,
        },
    )


def broken() -> None:
    # The start of an Outlook .msg (Compound File Binary): what a client attaches or saves.
    cfb = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900")
    cfb += bytes(480) + "__substg1.0_0037001F Temat: Faktura".encode("utf-16-le") + bytes(64)
    add("broken", "outlook_msg_binary", cfb, {"error": "ParseError", "reason_contains": "NUL"})
    add(
        "broken",
        "png_image",
        png(4, 4, (255, 255, 255)),
        {"error": "ParseError", "reason_contains": "not an RFC 5322 message"},
    )
    add(
        "broken",
        "no_headers",
        "Dzień dobry,\r\nto jest sam tekst bez nagłówków.\r\n".encode(),
        {"error": "ParseError", "reason_contains": "no header block"},
    )
    add(
        "broken",
        "no_from_date_or_id",
        b"Content-Type: text/plain\r\nSubject: fragment\r\n\r\nsam fragment MIME\r\n",
        {"error": "ParseError", "reason_contains": "no From, Date or Message-ID"},
    )
    # Broken MIME but a real sender: must parse.
    d, iso = date(2026, 11, 24, 23, 59, 0)
    boundary = "b0undary"
    add(
        "broken",
        "multipart_cut_with_from",
        build(
            [
                f"From: {q('Wiesław Ćmiel', 'utf-8')} <w.cmiel@example-klient.pl>",
                "To: pomoc@kjmssoft.pl",
                "Subject: Log z awarii",
                f"Date: {d}",
                "Message-ID: <cut-1@example-klient.pl>",
                "MIME-Version: 1.0",
                f'Content-Type: multipart/mixed; boundary="{boundary}"',
                "",
                f"--{boundary}",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                "Log w załączniku, wysyłka się urwała.".encode(),
                f"--{boundary}",
                'Content-Type: text/plain; name="awaria.log"',
                'Content-Disposition: attachment; filename="awaria.log"',
                "Content-Transfer-Encoding: base64",
                "",
                "MjAyNi0xMS0yNCAyMzo1ODowMCBFUlJPUiBkYiB0aW1lb3V0Cj",
            ],
            CRLF,
        ),
        {
            "subject": "Log z awarii",
            "from_name": "Wiesław Ćmiel",
            "from_address": "w.cmiel@example-klient.pl",
            "date": iso,
            "message_id": "<cut-1@example-klient.pl>",
            "in_reply_to": None,
            "references": [],
            "attachments": ["awaria.log"],
            "text_contains": ["wysyłka się urwała"],
            "defects_include": ["CloseBoundaryNotFoundDefect"],
        },
    )


def q_spaces(text: str, charset: str) -> str:
    """A Q encoded word with raw spaces, as sloppy mailers write it (RFC 2047 forbids it)."""
    return q(text, charset).replace("_", " ")


def third_party_slips() -> None:
    """Mail from other people's programs, one sample per way it used to be misread."""
    # Encoded words holding address syntax: a comma ("Nazwisko, Imię"), raw spaces.
    d, iso = date(2026, 11, 30, 9, 5, 0)
    subject = "Faktura korygująca nie przechodzi do JPK"
    add(
        "encoded_word_specials",
        "comma_and_spaces",
        build(
            [
                "From: =?iso-8859-2?Q?Wi=B6niewska,_Joanna?= <j.wisniewska@budmax.com.pl>",
                f"To: {KJM}",
                f"Cc: {q_spaces('Kowalski, Jan', 'utf-8')} <jan.kowalski@budmax.com.pl>,",
                f" {q('Łukasz Nowak', 'utf-8')} <l.nowak@budmax.com.pl>",
                f"Subject: {q_spaces(subject, 'utf-8')}",
                f"Date: {d}",
                "Message-ID: <3f1c0a77.5512@budmax.com.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                "Korekta FK/2026/11/12 zwraca błąd walidacji schematu JPK_V7M.".encode(),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Wiśniewska, Joanna",
            "from_address": "j.wisniewska@budmax.com.pl",
            "from_raw": "=?iso-8859-2?Q?Wi=B6niewska,_Joanna?= <j.wisniewska@budmax.com.pl>",
            "message_id": "<3f1c0a77.5512@budmax.com.pl>",
            "to": ["pomoc@kjmssoft.pl"],
            "cc": ["jan.kowalski@budmax.com.pl", "l.nowak@budmax.com.pl"],
            "date": iso,
            "text_contains": ["błąd walidacji"],
        },
    )
    # Address syntax inside the name's encoded word must not become the address.
    d, iso = date(2026, 11, 30, 23, 41, 0)
    add(
        "encoded_word_specials",
        "address_in_name",
        build(
            [
                "From: =?UTF-8?Q?x:biuro@piekarnia-kowalski.pl;?= <attacker@evil.example>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {q('AWARIA – nic nie działa na żadnym stanowisku', 'utf-8')}",
                f"Date: {d}",
                "Message-ID: <x1@evil.example>",
                "Content-Type: text/plain; charset=utf-8",
                "",
                b"Prosimy o natychmiastowy kontakt.",
            ],
            CRLF,
        ),
        {
            "subject": "AWARIA – nic nie działa na żadnym stanowisku",
            "from_name": "x:biuro@piekarnia-kowalski.pl;",
            "from_address": "attacker@evil.example",
            "message_id": "<x1@evil.example>",
            "date": iso,
        },
    )

    # UTF-7 (old Outlook): a word folded across lines at one of its raw spaces, and a
    # name whose shift sequence is split between two words.
    d, iso = date(2026, 12, 1, 8, 12, 0)
    subject = "Zgłoszenie awarii: moduł Kadry nie liczy składek ZUS"
    word = q(subject, "utf-7").replace("_", " ")
    cut = word.index(" modu")
    name = "Łukasz Śliwa".encode("utf-7")  # b"+AUE-ukasz +AVo-liwa"
    split = name.index(b"+AVo") + 3
    add(
        "utf7_folded",
        "outlook_utf7",
        build(
            [
                f"From: =?utf-7?Q?{name[:split].decode().replace(' ', '_')}?=",
                f" =?utf-7?Q?{name[split:].decode()}?= <lukasz.sliwa@zoltykot.pl>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: {word[:cut]}",
                f"{word[cut:]}",
                f"Date: {d}",
                "Message-ID: <000a01c2f3b4$5e6f7a80$0200a8c0@zoltykot.pl>",
                "MIME-Version: 1.0",
                'Content-Type: text/plain; charset="utf-7"',
                "Content-Transfer-Encoding: 7bit",
                "X-Mailer: Microsoft Outlook, Build 10.0.2627",
                "",
                "Sk+AUI-adki ZUS s+AQU- zerowe od listopada.",
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Łukasz Śliwa",
            "from_address": "lukasz.sliwa@zoltykot.pl",
            "message_id": "<000a01c2f3b4$5e6f7a80$0200a8c0@zoltykot.pl>",
            "date": iso,
            "text_contains": ["Składki ZUS są zerowe od listopada."],
        },
    )

    # Shift_JIS text under an ISO-8859-2 label (a misconfigured gateway): read as
    # ISO-8859-2 it is full of C1 control characters.
    d, iso = date(2026, 12, 1, 10, 30, 0, tz=timezone(timedelta(hours=9)))
    subject = "ライセンスキーの件について"
    body = (
        "KJM Soft 御中\n\nいつもお世話になっております。\n"
        "ライセンスキーが無効と表示されます。\nご確認をお願いいたします。\n\n"
        "山田太郎\nさくら商事株式会社\n"
    )
    add(
        "wrong_charset_label",
        "shift_jis_as_iso_8859_2",
        build(
            [
                "From: Taro Yamada <t.yamada@sakura-shoji.example.jp>",
                "To: pomoc@kjmssoft.pl",
                f"Subject: =?iso-8859-2?B?{base64.b64encode(subject.encode('cp932')).decode()}?=",
                f"Date: {d}",
                "Message-ID: <20261201103000.77A1@sakura-shoji.example.jp>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=iso-8859-2",
                "Content-Transfer-Encoding: 8bit",
                "",
                body.encode("cp932"),
            ],
            CRLF,
        ),
        {
            "charset_label_lies": True,
            "subject": subject,
            "from_name": "Taro Yamada",
            "from_address": "t.yamada@sakura-shoji.example.jp",
            "message_id": "<20261201103000.77A1@sakura-shoji.example.jp>",
            "date": iso,
            "text_contains": ["ライセンスキーが無効と表示されます。", "山田太郎"],
        },
    )

    # Undeclared 8-bit Cyrillic (windows-1251), headers and body: not windows-1250.
    d, iso = date(2026, 12, 2, 7, 48, 0)
    subject = "Помилка друку накладних"
    body = (
        "Добрий день!\n\nПрограма KJM Magazyn не друкує накладні після оновлення.\n"
        "Помилка: «Не вдалося з’єднатися з принтером».\n\n"
        "З повагою,\nОлена Коваленко\nHurtownia Przemysl\n"
    )
    add(
        "undeclared_non_latin",
        "ukrainian_cp1251",
        build(
            [
                b"From: " + "Олена Коваленко".encode("cp1251") + b" <o.kovalenko@hurtownia.pl>",
                "To: pomoc@kjmssoft.pl",
                b"Subject: " + subject.encode("cp1251"),
                f"Date: {d}",
                "Message-ID: <5a0c.20261202074800@hurtownia.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain",
                "Content-Transfer-Encoding: 8bit",
                "",
                body.encode("cp1251"),
            ],
            CRLF,
        ),
        {
            "subject": subject,
            "from_name": "Олена Коваленко",
            "from_address": "o.kovalenko@hurtownia.pl",
            "message_id": "<5a0c.20261202074800@hurtownia.pl>",
            "date": iso,
            "text_contains": ["не друкує накладні", "Hurtownia Przemysl"],
        },
    )

    # A subject folded without indentation: the stdlib ends the header there and loses
    # Date and Message-ID to the body.
    d, iso = date(2026, 12, 2, 12, 15, 0)
    add(
        "header_unindented",
        "subject_continuation_lf",
        build(
            [
                "From: =?utf-8?Q?Tomasz_W=C3=B3jcik?= <t.wojcik@example-klient.pl>",
                "To: pomoc@kjmssoft.pl",
                "Subject: =?utf-8?Q?KJM_Kadry_nie_nalicza_sk=C5=82adek?=",
                "po aktualizacji do wersji 2026.3",
                f"Date: {d}",
                "Message-ID: <unindented-1@example-klient.pl>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "",
                "Od wczoraj składki są zerowe.".encode(),
            ],
            LF,
        ),
        {
            "subject": "KJM Kadry nie nalicza składek po aktualizacji do wersji 2026.3",
            "from_name": "Tomasz Wójcik",
            "from_address": "t.wojcik@example-klient.pl",
            "date": iso,
            "message_id": "<unindented-1@example-klient.pl>",
            "text_contains": ["składki są zerowe"],
            "extra": {"header_mended": "1 unindented header line(s) read as folded"},
        },
    )

    # Text before the header: a web form's banner, an mbox-escaped envelope line.
    for name, banner, note in (
        ("form_banner", "Wiadomość z formularza kontaktowego kjmssoft.pl".encode(), 1),
        ("mbox_escaped_from", b">From k.mazur@biuro-mazur.pl Wed Dec  2 14:00:00 2026", 1),
    ):
        d, iso = date(2026, 12, 2, 14, 0, 0)
        add(
            "text_before_header",
            name,
            build(
                [
                    banner,
                    f"From: {q('Krystyna Mazur', 'utf-8')} <k.mazur@biuro-mazur.pl>",
                    "To: pomoc@kjmssoft.pl",
                    f"Subject: {q('Prośba o kontakt w sprawie licencji', 'utf-8')}",
                    f"Date: {d}",
                    f"Message-ID: <{name}@biuro-mazur.pl>",
                    "Content-Type: text/plain; charset=utf-8",
                    "",
                    "Proszę o telefon, 600 100 200.".encode(),
                ],
                CRLF,
            ),
            {
                "subject": "Prośba o kontakt w sprawie licencji",
                "from_name": "Krystyna Mazur",
                "from_address": "k.mazur@biuro-mazur.pl",
                "date": iso,
                "message_id": f"<{name}@biuro-mazur.pl>",
                "extra": {"header_mended": f"{note} text line(s) before the header dropped"},
            },
        )

    # No usable From: the address comes from Sender, else Reply-To, and is doubted.
    d, iso = date(2026, 12, 3, 9, 0, 0)
    for name, author, expected in (
        (
            "sender_only",
            [f"Sender: {q('Ewa Zając', 'utf-8')} <ewa.zajac@example-klient.pl>"],
            ("Ewa Zając", "ewa.zajac@example-klient.pl", "Sender", ""),
        ),
        (
            "empty_from_reply_to",
            ["From: <>", "Reply-To: Biuro Rachunkowe Zając <biuro@example-klient.pl>"],
            ("Biuro Rachunkowe Zając", "biuro@example-klient.pl", "Reply-To", "<>"),
        ),
    ):
        add(
            "no_usable_from",
            name,
            build(
                [
                    *(line.encode() for line in author),
                    "To: pomoc@kjmssoft.pl",
                    "Subject: Zestawienie godzin",
                    f"Date: {d}",
                    f"Message-ID: <{name}@example-klient.pl>",
                    "Content-Type: text/plain; charset=utf-8",
                    "",
                    "W załączeniu zestawienie.".encode(),
                ],
                CRLF,
            ),
            {
                "subject": "Zestawienie godzin",
                "from_name": expected[0],
                "from_address": expected[1],
                "sender_doubt": f"no usable From; address taken from {expected[2]}",
                "from_raw": expected[3],
                "message_id": f"<{name}@example-klient.pl>",
                "date": iso,
            },
        )

    # Two From headers: the first one is shown, and doubted.
    d, iso = date(2026, 12, 3, 22, 10, 0)
    add(
        "two_from",
        "client_then_stranger",
        build(
            [
                "From: Piekarnia Kowalski <biuro@piekarnia-kowalski.pl>",
                "From: Ktoś Obcy <someone@evil.example>".encode(),
                "To: pomoc@kjmssoft.pl",
                "Subject: PILNE: system stoi",
                f"Date: {d}",
                "Message-ID: <two-from@evil.example>",
                "Content-Type: text/plain; charset=utf-8",
                "",
                "Nic nie działa.".encode(),
            ],
            CRLF,
        ),
        {
            "subject": "PILNE: system stoi",
            "from_name": "Piekarnia Kowalski",
            "from_address": "biuro@piekarnia-kowalski.pl",
            "message_id": "<two-from@evil.example>",
            "sender_doubt": "2 From headers",
            "from_raw": (
                "Piekarnia Kowalski <biuro@piekarnia-kowalski.pl>\nKtoś Obcy <someone@evil.example>"
            ),
            "date": iso,
        },
    )


def main() -> None:
    for make in (
        windows_1250,
        iso_8859_2,
        utf8,
        outlook_reply_pl,
        thunderbird_reply_pl,
        out_of_office_pl,
        attachments,
        folded_subject,
        no_message_id,
        html_only,
        broken,
        third_party_slips,
    ):
        make()
    for folder in SAMPLES.iterdir() if SAMPLES.exists() else ():  # .gitattributes stays
        if folder.is_dir():
            shutil.rmtree(folder)
    for folder, name, raw, expected in SAMPLE_LIST:
        target = SAMPLES / folder
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{name}.eml").write_bytes(raw)
        text = json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
        (target / f"{name}.expected.json").write_text(text, encoding="utf-8")
    print(f"wrote {len(SAMPLE_LIST)} samples to {SAMPLES}")


if __name__ == "__main__":
    main()
