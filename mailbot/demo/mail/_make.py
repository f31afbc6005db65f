"""Regenerate the demo inbox: ``python mailbot/demo/mail/_make.py`` (not imported by mailbot).

Writes NN-slug.eml beside this file: CRLF line endings, bytes in the declared charsets
(checked at the end by parsing every file back with the stdlib). All senders are fictional.
"""

from __future__ import annotations

import email
from email import policy
from pathlib import Path
from urllib.parse import quote

from _mime import (  # the sibling script with the MIME building blocks
    addr,
    auth,
    b64,
    message,
    multipart,
    part,
    received,
    thread_index,
    tiny_png,
    to_html,
    word,
)

HERE = Path(__file__).resolve().parent


AWARIA_ID = "<000001dd5b3a$7c2e1f40$745a5dc0$@piekarnia-kowalski.pl>"
AWARIA_SUBJECT = "AWARIA – F-K nie uruchamia się na żadnym stanowisku"
AWARIA_TEXT = """\
Dzień dobry,

od rana program F-K nie uruchamia się na żadnym komputerze w biurze (4 stanowiska).
Po kliknięciu ikony pojawia się komunikat „Błąd połączenia z bazą danych (kod 1045)”
i program się zamyka. W piątek wieczorem wszystko działało, w weekend była tylko
aktualizacja Windows na serwerze.

Nie możemy wystawić faktur dla sklepów, a o 8:00 przyjeżdżają kierowcy po dokumenty.
Proszę o pilny kontakt: 601 234 567.

Z poważaniem
Anna Kowalska
Główna księgowa
Piekarnia Kowalski Sp. z o.o.
ul. Młyńska 12, 07-410 Ostrołęka
"""

RE_AWARIA_TEXT = (
    """\
Dzień dobry,

dalej nic – dzwoniłem na numer 89 527 38 69, ale nikt nie odbiera. Serwer
zrestartowaliśmy, nie pomogło. Cała sprzedaż stoi, proszę o pilny kontakt
ze mną: 602 345 678.

Marek Kowalski
Prezes Zarządu
Piekarnia Kowalski Sp. z o.o.

-----Wiadomość oryginalna-----
Od: Piekarnia Kowalski Sp. z o.o. <biuro@piekarnia-kowalski.pl>
Wysłano: poniedziałek, 23 listopada 2026 06:42
Do: pomoc@kjmssoft.pl
Temat: AWARIA – F-K nie uruchamia się na żadnym stanowisku

"""
    + AWARIA_TEXT
)

KOREKTA_TEXT = """\
Dzień dobry,

w październiku zaksięgowałam fakturę zakupu FZ/1187/10/2026 od firmy Cemex
na złe konto – zamiast 301-2 (materiały budowlane) poszła na 402-1 (zużycie
materiałów). Październik nie jest jeszcze zamknięty, ale JPK_V7M już wysłany.

Jak to poprawić w F-K, żeby nie zepsuć rejestru VAT? Czy mam zrobić storno
i zaksięgować od nowa, czy da się poprawić sam dekret?

Pozdrawiam
Joanna Wiśniewska
Dział księgowości
Hurtownia Budmax Sp. z o.o.
tel. 29 764 12 30 wew. 14
"""

ROZDZIELENIE_TEXT = """\
Dzień dobry,

prowadzimy w F-K księgi 23 klientów w jednej bazie. Chcielibyśmy jak co roku
zlecić „rozdzielenie lat” – wydzielenie roku 2026 do osobnej bazy i otwarcie
roku 2027 z bilansem otwarcia.

Czy możemy umówić termin na 4 lub 5 stycznia 2027, w godzinach pracy?
Do czasu rozdzielenia nikt z biura nie będzie pracował w programie.
Proszę też o informację, ile to potrwa – w zeszłym roku zajęło to około
dwóch godzin.

Z wyrazami szacunku
Katarzyna Mazur
Biuro Rachunkowe „Bilans” s.c.
ul. Kościuszki 8/2, Ostrołęka
"""

SOOT_TEXT = """\
Dzień dobry,

zwracam się z prośbą o dodanie w programie SOOT nowego zestawienia: rejestru
umów zawartych z kontrahentami, z kolumnami: numer umowy, data zawarcia,
kontrahent, kwota brutto, okres obowiązywania oraz osoba odpowiedzialna.
Zestawienie powinno dać się wydrukować i zapisać do pliku Excel.

Potrzebujemy tego w związku z kontrolą RIO zapowiedzianą na luty 2027 r.
Dodatkowo prosimy o dodanie pola "Źródło finansowania" na karcie umowy.

Proszę o informację, czy jest to możliwe i w jakim terminie.

Z poważaniem
Małgorzata Dąbrowska
Sekretarz Gminy
Urząd Gminy Brzozowo
"""

DRUKARKA_TEXT = """\
Dzień dobry,

od wczoraj mamy nową drukarkę Brother HL-L5210DN (stara HP się zepsuła).
Z Kadr-Płac nie drukują się paski wypłat ani listy płac – po wybraniu
„Drukuj” nic się nie dzieje, a z Worda ta sama drukarka drukuje normalnie.
Na drugim komputerze w ogóle nie widać tej drukarki w systemie.

Czy mogą Państwo połączyć się zdalnie i to ustawić? Wypłaty robimy
do 28-go, więc sprawa jest dość pilna.

Pozdrawiam
Barbara Wójcik
kadry, TRANS-MAR Sp. j.
tel. 29 760 45 50
"""

URLOP_TEXT = """\
Dzień dobry,

jestem nieobecna w biurze do 30 listopada 2026 r. (urlop). W sprawach pilnych
proszę o kontakt z biurem: biuro@bilans-ostroleka.pl, tel. 29 769 11 22.

Pozdrawiam
Katarzyna Mazur
"""

HURTOWNIA_TEXT = """\
Dzień dobry,

od poniedziałku raport „Sprzedaż wg grup towarowych” w Hurtowni Danych
kończy się błędem po około minucie (zrzut ekranu w załączniku). Inne raporty
działają. Raport za październik generował się bez problemu.

Czy mogą Państwo sprawdzić, co się stało? Zarząd potrzebuje tych danych
na czwartkowe zebranie.

Pozdrawiam
Piotr Nowicki
Kierownik sprzedaży
Hurtownia Budmax Sp. z o.o.
"""

GMAIL_TEXT = """\
Dzień dobry,

pracuję w kadrach w Piekarni Kowalski, piszę z prywatnej poczty, bo służbowa
nie działa. Pracownik był na zwolnieniu od 2 do 13 listopada, a program
Kadry-Płace wylicza mu wynagrodzenie chorobowe tylko za 3 dni. Czy trzeba
coś zaznaczyć na karcie pracownika?

Dziękuję i pozdrawiam
Ewa Lewandowska
"""

MINIMALNE_TEXT = """\
Dzień dobry,

od 1 stycznia 2027 r. zmienia się minimalne wynagrodzenie. Czy aktualizacja
Kadry-Płace uwzględni nową kwotę automatycznie, czy trzeba ją wpisać ręcznie
w parametrach płacowych? Jeżeli ręcznie, to w którym miejscu?

Pytam też, kiedy będzie dostępna wersja programu z nowymi stawkami
– listę płac za styczeń zamykamy 28 stycznia.

Z poważaniem
Agnieszka Krawczyk
Referat Organizacyjny – kadry
Urząd Gminy Brzozowo
"""

ATTACHMENT_NAME = "Zrzut ekranu – błąd raportu.png"
PIEKARNIA = addr("Piekarnia Kowalski Sp. z o.o.", "biuro@piekarnia-kowalski.pl")
# name -> (decoded subject, headers, (content headers, body))
SPECS: dict[str, tuple[str, list[tuple[str, str]], tuple[str, str]]] = {}


def spec(name, subject, sender, date, msgid, content, *, charset="utf-8", enc="Q", pre=(), post=()):
    headers = [
        *pre,
        ("From", sender),
        ("To", "pomoc@kjmssoft.pl"),
        ("Subject", word(subject, charset, enc)),
        ("Date", date),
        ("Message-ID", msgid),
        *post,
    ]
    SPECS[name] = (subject, headers, content)


D1 = "Mon, 23 Nov 2026 06:42:13 +0100"
spec(
    "01-awaria-fk",
    AWARIA_SUBJECT,
    PIEKARNIA,
    D1,
    AWARIA_ID,
    part(AWARIA_TEXT),
    pre=[
        ("Return-Path", "<biuro@piekarnia-kowalski.pl>"),
        ("Received", received("mail.piekarnia-kowalski.pl", "192.0.2.41", "4dKq2L0x7Pz", D1)),
        ("Authentication-Results", auth("piekarnia-kowalski.pl")),
    ],
    post=[
        ("X-Priority", "1"),
        ("Importance", "high"),
        ("X-Mailer", "Microsoft Outlook 16.0"),
        ("Thread-Index", thread_index(1)),
        ("Content-Language", "pl"),
    ],
)
spec(
    "02-korekta-faktury",
    "Jak poprawić błędnie zaksięgowaną fakturę zakupu?",
    addr("Joanna Wiśniewska", "j.wisniewska@budmax.com.pl"),
    "Mon, 23 Nov 2026 09:14:52 +0100",
    "<7b1e0c42-9f3d-4c1a-b8e2-5d6a1f0e9c31@budmax.com.pl>",
    part(KOREKTA_TEXT, cte="8bit"),
    enc="B",
    post=[
        ("User-Agent", "Mozilla Thunderbird"),
        ("Organization", "Hurtownia Budmax Sp. z o.o."),
        ("Content-Language", "pl"),
    ],
)
spec(
    "03-rozdzielenie-lat",
    "Rozdzielenie lat w F-K – prośba o termin",
    addr("Biuro Rachunkowe „Bilans” s.c.", "biuro@bilans-ostroleka.pl", "windows-1250"),
    "Mon, 23 Nov 2026 11:30:07 +0100",
    "<1348215007.20261123113007@bilans-ostroleka.pl>",
    part(ROZDZIELENIE_TEXT, charset="windows-1250"),
    charset="windows-1250",
    post=[
        ("X-Mailer", "The Bat! (v9.4.2) Professional"),
        ("Reply-To", "biuro@bilans-ostroleka.pl"),
    ],
)
spec(
    "04-zmiana-programistyczna",
    "Prośba o nowe zestawienie w SOOT - rejestr umów z kontrahentami",
    addr("Urząd Gminy Brzozowo", "sekretariat@ug-brzozowo.pl", "ISO-8859-2"),
    "Tue, 24 Nov 2026 08:05:31 +0100",
    "<002c01dd5c0b$9a4e3f10$ceeabd30$@ug-brzozowo.pl>",
    part(SOOT_TEXT, charset="ISO-8859-2", cte="8bit"),
    charset="ISO-8859-2",
    post=[("X-Mailer", "Microsoft Office Outlook 12.0"), ("X-Priority", "3")],
)
spec(
    "05-drukarka",
    "Kadry-Płace nie drukuje pasków wypłat na nowej drukarce",
    addr("Przedsiębiorstwo Transportowe TRANS-MAR Sp. j.", "kadry@trans-mar.pl"),
    "Tue, 24 Nov 2026 10:20:44 +0100",
    "<b2f5c9a1d07e44e8a3c6f1e2d9b8a7c4@trans-mar.pl>",
    part(DRUKARKA_TEXT, cte="base64"),
    post=[("User-Agent", "Roundcube Webmail/1.6.9")],
)
RE_ID = "<000a01dd5b45$1f2c3d40$5d8477c0$@piekarnia-kowalski.pl>"
spec(
    "06-re-awaria-fk",
    "RE: " + AWARIA_SUBJECT,
    addr("Marek Kowalski", "m.kowalski@piekarnia-kowalski.pl"),
    "Mon, 23 Nov 2026 07:55:40 +0100",
    RE_ID,
    multipart(
        "alternative",
        "----=_NextPart_000_000B_01DD5B45.1F2C3D40",
        [part(RE_AWARIA_TEXT), part(to_html(RE_AWARIA_TEXT), "html")],
    ),
    post=[
        ("Cc", PIEKARNIA),
        ("In-Reply-To", AWARIA_ID),
        ("References", AWARIA_ID),
        ("X-Mailer", "Microsoft Outlook 16.0"),
        ("Thread-Index", thread_index(1, replies=1)),
        ("Thread-Topic", word(AWARIA_SUBJECT)),
        ("Content-Language", "pl"),
    ],
)
spec(
    "07-nieobecnosc",
    "Automatyczna odpowiedź: Re: [KJM-2026-000117] Rozdzielenie lat w F-K – prośba o termin",
    addr("Katarzyna Mazur", "k.mazur@bilans-ostroleka.pl"),
    "Tue, 24 Nov 2026 12:01:09 +0100",
    "<a9e1c7f0b3d24f5e8c1a@bilans-ostroleka.pl>",
    part(URLOP_TEXT),
    post=[
        ("In-Reply-To", "<20261124105512.4f2a9c@kjmssoft.pl>"),
        ("References", "<20261124105512.4f2a9c@kjmssoft.pl>"),
        ("Auto-Submitted", "auto-replied"),
        ("X-Auto-Response-Suppress", "All"),
        ("X-Mailer", "Microsoft Outlook 16.0"),
    ],
)
_png_name = quote(ATTACHMENT_NAME, safe="")
_split = _png_name.index("raportu")
spec(
    "08-zalacznik",
    "Hurtownia Danych – raport sprzedaży kończy się błędem",
    addr("Piotr Nowicki", "p.nowicki@budmax.com.pl"),
    "Tue, 24 Nov 2026 14:37:20 +0100",
    "<3c8d2a6e-51f4-4b7a-9e0d-8f2b6c1a4e57@budmax.com.pl>",
    multipart(
        "mixed",
        "------------0x3Fq8mZ1pYcWnR7vTbL2kD5",
        [
            part(HURTOWNIA_TEXT),
            (
                f'Content-Type: image/png;\r\n name="{word(ATTACHMENT_NAME, "UTF-8")}"\r\n'
                f"Content-Disposition: attachment;\r\n filename*0*=UTF-8''{_png_name[:_split]};\r\n"
                f" filename*1*={_png_name[_split:]}\r\nContent-Transfer-Encoding: base64\r\n",
                b64(tiny_png()),
            ),
        ],
    ),
    post=[("User-Agent", "Mozilla Thunderbird"), ("Content-Language", "pl")],
)
spec(
    "09-gmail-nieznany",
    "Pytanie o zasiłek chorobowy w Kadry-Płace",
    addr("Ewa Lewandowska", "ewa.lewandowska1984@gmail.com"),
    "Tue, 24 Nov 2026 21:48:03 +0100",
    "<CAF3k9xNq8Zp2vR5mT1bW7cYd0eHjLsUo4iKgA6fB9nXrQ3Mw@mail.gmail.com>",
    multipart(
        "alternative",
        "000000000000a1b2c3d4e5f60718",
        [part(GMAIL_TEXT), part(to_html(GMAIL_TEXT), "html")],
    ),
    enc="B",
    pre=[
        ("Return-Path", "<ewa.lewandowska1984@gmail.com>"),
        ("Authentication-Results", auth("gmail.com")),
    ],
)
spec(
    "10-pytanie-kadry",
    "Minimalne wynagrodzenie od 1 stycznia 2027 – kiedy aktualizacja Kadry-Płace?",
    addr("Urząd Gminy Brzozowo – Kadry", "kadry@ug-brzozowo.pl"),
    "Wed, 25 Nov 2026 08:12:36 +0100",
    "<005d01dd5cd4$2b7a9e60$82efdb20$@ug-brzozowo.pl>",
    part(MINIMALNE_TEXT),
    post=[("X-Mailer", "Microsoft Outlook 16.0"), ("Content-Language", "pl")],
)


def main() -> None:
    for old in HERE.glob("*.eml"):
        old.unlink()
    for name, (subject, headers, content) in SPECS.items():
        raw = message(headers, content)
        assert b"\n" not in raw.replace(b"\r\n", b""), f"{name}: bare LF"
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert str(msg["subject"]).strip() == subject, (name, msg["subject"])
        for p in msg.walk():
            assert not p.defects, (name, p.defects)
            if p.get_content_maintype() == "text":  # strict: the bytes match the charset
                p.get_payload(decode=True).decode(p.get_content_charset())
        (HERE / f"{name}.eml").write_bytes(raw)
        print(f"{name}.eml  {len(raw):6d} B  {subject}")


if __name__ == "__main__":
    main()
