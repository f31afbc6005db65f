"""Generate realistic Polish support mail for benchmarks.

    python bench/generate.py 10000 OUTDIR [--seed 0]

writes OUTDIR/000001.eml ... (CRLF line endings). As a library: ``generate(n, seed)``
yields the raw messages; the same (n, seed) always gives the same bytes, and the first
k messages of ``generate(n, s)`` do not depend on n.

The mix (each drawn independently per message, see MIX):
  charset of the text: ~75% UTF-8 (quoted-printable, 8bit or base64), ~15% windows-1250,
  ~10% ISO-8859-2; ~25% multipart/alternative (text + HTML), the rest a single
  text/plain (so ~51% are a bare text/plain UTF-8 message: the brief's "60% UTF-8 plain,
  15% + 10% other charsets, 25% alternative" overlap, they cannot all be exclusive);
  ~10% carry a 100-200 KB PDF-like attachment
  (base64, multipart/mixed, RFC 2231 or RFC 2047 file name); ~20% are replies to earlier
  messages (In-Reply-To/References, mostly "Re: [KJM-2026-000123] ..." subjects);
  ~2% are out-of-office auto-replies (Auto-Submitted: auto-replied); ~5% emergencies.
Subjects with Polish letters are RFC 2047 encoded (whole, or word by word with plain
words between), long ones folded. Senders: ~200 addresses at 50 company domains plus
free-mail; the pool (SENDERS) is the same for every seed. Attachment bytes are slices
of one 2.7 MB random pool per generate() call (distinct, but they may overlap).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import quote

MIX = {
    "windows-1250": 0.15,
    "iso-8859-2": 0.10,  # the rest UTF-8
    "alternative": 0.25,
    "attachment": 0.10,
    "reply": 0.20,
    "autoreply": 0.02,
    "emergency": 0.05,
}
CET = timezone(timedelta(hours=1))
START = datetime(2026, 11, 2, 7, 0, tzinfo=CET)
_Q_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")
_ASCII_FOR_LATIN2 = str.maketrans({"„": '"', "”": '"', "–": "-", "…": "..."})

# --- the sender pool (fixed, independent of the seed) -------------------------------------
_KINDS = [
    ("Piekarnia", "piekarnia"),
    ("Hurtownia", "hurtownia"),
    ("Biuro Rachunkowe", "biuro"),
    ("Urząd Gminy", "ug"),
    ("Przychodnia", "przychodnia"),
    ("Spółdzielnia Mleczarska", "sm"),
    ("Zakład Gospodarki Komunalnej", "zgk"),
    ("Przedsiębiorstwo Transportowe", "pt"),
    ("Apteka", "apteka"),
    ("Tartak", "tartak"),
    ("Ośrodek Pomocy Społecznej", "ops"),
    ("Kancelaria Notarialna", "notariusz"),
    ("Szkoła Podstawowa", "sp"),
    ("Masarnia", "masarnia"),
    ("Spółdzielnia Mieszkaniowa", "smdom"),
    ("Stacja Paliw", "paliwa"),
    ("Drukarnia", "druk"),
]
_NAMES = [
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Zieliński",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Dąbrowski",
    "Mazur",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Pawłowski",
    "Michalski",
    "Król",
    "Wieczorek",
    "Jabłoński",
    "Wróbel",
    "Majewski",
    "Olszewski",
    "Stępień",
    "Malinowski",
]
_PLACES = [
    "Ostrołęka",
    "Różan",
    "Myszyniec",
    "Łyse",
    "Goworowo",
    "Kadzidło",
    "Baranowo",
    "Lelis",
    "Czarnia",
    "Olszewo-Borki",
    "Rzekuń",
    "Troszyn",
    "Przasnysz",
    "Maków",
    "Wyszków",
    "Łomża",
]
_FIRST = [
    "Anna",
    "Joanna",
    "Katarzyna",
    "Małgorzata",
    "Agnieszka",
    "Barbara",
    "Ewa",
    "Elżbieta",
    "Zofia",
    "Marek",
    "Piotr",
    "Tomasz",
    "Paweł",
    "Krzysztof",
    "Andrzej",
    "Łukasz",
    "Michał",
]
_ROLES = ["biuro", "ksiegowosc", "kadry", "sekretariat", "faktury", "place", "kierownik"]
_FREE = ["gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "op.pl"]
_TLDS = [".pl", ".com.pl", ".pl", ".eu", ".net.pl"]


def _ascii(s: str) -> str:
    table = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
    return s.translate(table).lower().replace(" ", "-")


@dataclass(frozen=True)
class Sender:
    name: str
    address: str
    company: str  # "" for free-mail


def _build_pool() -> list[Sender]:
    rng = random.Random(20261123)
    pool: list[Sender] = []
    seen: set[str] = set()
    while len(seen) < 50:
        kind, short = rng.choice(_KINDS)
        place = rng.choice(_PLACES)
        if short in ("ug", "ops", "sp", "zgk"):
            company, domain = f"{kind} {place}", f"{short}-{_ascii(place)}{rng.choice(_TLDS)}"
        else:
            surname = rng.choice(_NAMES)
            company = f"{kind} {surname} Sp. z o.o." if rng.random() < 0.5 else f"{kind} {surname}"
            domain = f"{short}-{_ascii(surname)}{rng.choice(_TLDS)}"
        if domain in seen:
            continue
        seen.add(domain)
        for role in rng.sample(_ROLES, 2):
            pool.append(Sender(company, f"{role}@{domain}", company))
        for _ in range(2):
            first, last = rng.choice(_FIRST), rng.choice(_NAMES)
            if first.endswith("a") and last.endswith("ski"):
                last = last[:-1] + "a"
            pool.append(
                Sender(f"{first} {last}", f"{_ascii(first[0])}.{_ascii(last)}@{domain}", company)
            )
    for _ in range(20):
        first, last = rng.choice(_FIRST), rng.choice(_NAMES)
        local = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1960, 2005)}"
        pool.append(Sender(f"{first} {last}", f"{local}@{rng.choice(_FREE)}", ""))
    return pool


SENDERS: list[Sender] = _build_pool()

# --- what the messages say ------------------------------------------------------------------
# product, subjects, problems, questions.  Placeholders: {nr} {m} {n} {konto} {rok}
_TOPICS: list[tuple[str, list[str], list[str], list[str]]] = [
    (
        "F-K",
        [
            "Błędnie zaksięgowana faktura {nr}",
            "Jak poprawić dekret faktury zakupu?",
            "Korekta księgowania – faktura {nr}",
        ],
        [
            "W {m} zaksięgowaliśmy fakturę {nr} na złe konto – zamiast {konto} poszła na 402-1. "
            "Miesiąc nie jest jeszcze zamknięty, ale JPK_V7M został już wysłany.",
            "Faktura {nr} została zaksięgowana dwa razy, raz w rejestrze zakupu i raz ręcznie "
            "w dzienniku. Saldo konta {konto} się nie zgadza.",
        ],
        [
            "Jak to poprawić w F-K, żeby nie zepsuć rejestru VAT?",
            "Czy mam zrobić storno, czy da się poprawić sam dekret?",
        ],
    ),
    (
        "F-K",
        [
            "Rozdzielenie lat {rok}",
            "Prośba o termin rozdzielenia lat w F-K",
            "Zamknięcie roku i bilans otwarcia {rok}",
        ],
        [
            "Chcielibyśmy jak co roku zlecić „rozdzielenie lat” – wydzielenie roku {rok} do "
            "osobnej bazy i otwarcie nowego roku z bilansem otwarcia.",
            "Bilans otwarcia na {rok} nie zgadza się z bilansem zamknięcia – różnica {n},00 zł "
            "na koncie {konto}.",
        ],
        [
            "Czy możemy umówić termin w przyszłym tygodniu, w godzinach pracy?",
            "Ile to potrwa i czy w tym czasie możemy pracować w programie?",
        ],
    ),
    (
        "F-K",
        ["Błąd walidacji JPK_V7M za {m}", "Nie można wysłać JPK – błąd schemy"],
        [
            "Przy generowaniu JPK_V7M za {m} program zgłasza błąd walidacji w pozycji {n}.",
            "Plik JPK za {m} generuje się, ale bramka zwraca status 413 (błąd struktury).",
        ],
        ["Co mamy poprawić, termin mija 25-go?", "Czy to błąd w danych, czy w programie?"],
    ),
    (
        "Kadry-Płace",
        [
            "Lista płac {m} – błędne składki ZUS",
            "PPK naliczone dwa razy",
            "Zasiłek chorobowy w Kadry-Płace",
        ],
        [
            "Na liście płac za {m} program naliczył składkę zdrowotną dla {n} pracowników "
            "w złej wysokości.",
            "Pracownik był na zwolnieniu od 2 do 13 {m}, a program wylicza "
            "wynagrodzenie chorobowe tylko za 3 dni.",
        ],
        [
            "Czy trzeba coś zaznaczyć na karcie pracownika?",
            "Jak to skorygować przed wysłaniem deklaracji do ZUS?",
        ],
    ),
    (
        "Kadry-Płace",
        [
            "Wydruk PIT-11 za {rok}",
            "Minimalne wynagrodzenie od stycznia – aktualizacja Kadry-Płace",
            "Umowa zlecenie – nowy pracownik",
        ],
        [
            "Od 1 stycznia zmienia się minimalne wynagrodzenie. Nie wiemy, czy aktualizacja "
            "uwzględni nową kwotę automatycznie.",
            "Nie możemy wydrukować PIT-11 dla {n} osób – program pokazuje pusty formularz.",
        ],
        ["W którym miejscu to ustawić?", "Kiedy będzie dostępna nowa wersja programu?"],
    ),
    (
        "SOOT",
        [
            "SOOT – błąd przy zapisie dokumentu",
            "Niespójność bazy w SOOT",
            "SOOT: nie można dodać stanowiska",
        ],
        [
            "Przy zapisie dokumentu nr {n} w SOOT pojawia się komunikat „Naruszenie klucza "
            "głównego” i dokument się nie zapisuje.",
            "Po awarii zasilania w SOOT brakuje części dokumentów z {m}, a numeracja się powtarza.",
        ],
        ["Czy mogą Państwo sprawdzić bazę zdalnie?", "Jak to naprawić?"],
    ),
    (
        "Hurtownia Danych",
        [
            "Hurtownia Danych – raport się nie odświeża",
            "Raport sprzedaży w Hurtowni Danych kończy się błędem",
        ],
        [
            "Od poniedziałku raport „Sprzedaż wg grup towarowych” kończy się błędem po około "
            "minucie.",
            "Dane w Hurtowni Danych są nieaktualne – ostatnie zasilenie z {m}.",
        ],
        ["Zarząd potrzebuje tych danych na czwartek.", "Czy mogą Państwo sprawdzić, co się stało?"],
    ),
    (
        "SOOT",
        ["Prośba o nowe zestawienie w SOOT", "Dodatkowe pole na karcie umowy"],
        [
            "Prosimy o dodanie w programie nowego zestawienia: rejestru umów z kolumnami numer, "
            "data, kontrahent, kwota brutto i osoba odpowiedzialna, z zapisem do Excela."
        ],
        ["Proszę o wycenę i termin realizacji."],
    ),
    (
        "Kadry-Płace",
        ["Nie drukują się paski wypłat", "Drukarka nie drukuje z programu"],
        [
            "Od wczoraj mamy nową drukarkę i z programu nic się nie drukuje, a z Worda drukuje "
            "normalnie. Na drugim komputerze drukarki w ogóle nie widać."
        ],
        ["Czy mogą Państwo połączyć się zdalnie i to ustawić?"],
    ),
]
_EMERGENCY = (
    "F-K",
    ["AWARIA – {p} nie uruchamia się na żadnym stanowisku", "PILNE: {p} nie działa u nikogo"],
    [
        "Od rana program {p} nie uruchamia się na żadnym komputerze w firmie. Pojawia "
        "się komunikat „Błąd połączenia z bazą danych (kod 1045)”."
    ],
    ["Nikt nie może pracować. Proszę o pilny kontakt telefoniczny."],
)
_MONTHS = [
    "styczniu",
    "lutym",
    "marcu",
    "kwietniu",
    "maju",
    "czerwcu",
    "lipcu",
    "sierpniu",
    "wrześniu",
    "październiku",
    "listopadzie",
    "grudniu",
]
_GREET = ["Dzień dobry,", "Dzień dobry Państwu,", "Witam,", "Szanowni Państwo,"]
_CLOSE = ["Pozdrawiam", "Z poważaniem", "Z wyrazami szacunku", "Dziękuję i pozdrawiam"]
_AGENTS = [
    ("X-Mailer", "Microsoft Outlook 16.0"),
    ("User-Agent", "Mozilla Thunderbird"),
    ("X-Mailer", "The Bat! (v9.4.2) Professional"),
    ("User-Agent", "Roundcube Webmail/1.6.9"),
    ("X-Mailer", "Microsoft Office Outlook 12.0"),
    None,
]
_ATTACH = [
    "Zestawienie księgowań {mm}.pdf",
    "Faktura korygująca {nr}.pdf",
    "Lista płac.pdf",
    "Zrzut ekranu – błąd.pdf",
    "Raport błędu {n}.pdf",
    "Umowa nr {n}.pdf",
]


# --- encoding helpers -----------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _char(ch: str, charset: str) -> tuple[bytes, str]:
    raw = ch.encode(charset)
    return raw, "".join("_" if b == 32 else chr(b) if b in _Q_SAFE else f"={b:02X}" for b in raw)


def _words(text: str, charset: str, enc: str) -> list[str]:
    """RFC 2047 encoded-words of at most 75 characters; a character is never split."""
    prefix, limit = f"=?{charset}?{enc}?", 73 - len(charset) - 5
    out: list[str] = []
    raw, q, size = b"", "", 0
    for ch in text:
        cb, cq = _char(ch, charset)
        grown = -(-(len(raw) + len(cb)) // 3) * 4 if enc == "B" else size + len(cq)
        if raw and grown > limit:
            out.append(base64.b64encode(raw).decode("ascii") if enc == "B" else q)
            raw, q = b"", ""
            grown = -(-len(cb) // 3) * 4 if enc == "B" else len(cq)
        raw, q, size = raw + cb, q + cq, grown
    out.append(base64.b64encode(raw).decode("ascii") if enc == "B" else q)
    return [f"{prefix}{w}?=" for w in out]


def _b64_lines(data: bytes) -> bytes:
    s = base64.b64encode(data)
    return b"\r\n".join([s[i : i + 76] for i in range(0, len(s), 76)]) + b"\r\n"


def _fold(name: str, tokens: list[str]) -> str:
    line, lines = f"{name}:", []
    for tok in tokens:
        if len(line) + 1 + len(tok) > 76 and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + tok
    lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def _phrase(text: str, charset: str, rng: random.Random) -> list[str]:
    """Header text as tokens: plain when ASCII, else encoded whole or word by word."""
    if text.isascii():
        return text.split(" ")
    style = rng.random()
    if style < 0.45:
        return _words(text, charset, "Q")
    if style < 0.7:
        return _words(text, charset, "B")
    tokens: list[str] = []
    run: list[str] = []  # consecutive non-ASCII words share one encoded-word
    for w in text.split(" "):
        if w.isascii():
            if run:
                tokens += _words(" ".join(run), charset, "Q")
                run = []
            tokens.append(w)
        else:
            run.append(w)
    if run:
        tokens += _words(" ".join(run), charset, "Q")
    return tokens


def _address(s: Sender, charset: str, rng: random.Random) -> str:
    if not s.name.isascii():
        return " ".join(_words(s.name, charset, "Q")) + f" <{s.address}>"
    if set(s.name) & set('.,()<>@;:"'):
        return f'"{s.name}" <{s.address}>'
    return f"{s.name} <{s.address}>"


def _encode_body(text: str, charset: str, cte: str) -> bytes:
    raw = text.replace("\n", "\r\n").encode(charset)
    if cte == "quoted-printable":
        return binascii.b2a_qp(raw, istext=True)
    if cte == "base64":
        return _b64_lines(raw)
    return raw


def _text_part(text: str, subtype: str, charset: str, cte: str) -> bytes:
    head = f'Content-Type: text/{subtype}; charset="{charset}"\r\n'
    head += f"Content-Transfer-Encoding: {cte}\r\n\r\n"
    return head.encode("ascii") + _encode_body(text, charset, cte)


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> bytes:
    b = boundary.encode("ascii")
    body = b"".join(
        b"--" + b + b"\r\n" + p + (b"" if p.endswith(b"\r\n") else b"\r\n") for p in parts
    )
    head = f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n\r\n'.encode("ascii")
    return (
        head
        + b"This is a multi-part message in MIME format.\r\n\r\n"
        + body
        + b"--"
        + b
        + b"--\r\n"
    )


def _wrap(par: str, width: int) -> str:
    lines, line = [], ""
    for w in par.split(" "):
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return "\n".join(lines)


def _html(text: str, charset: str) -> str:
    paras = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>\n" for p in text.split("\n\n"))
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f'</head>\n<body style="font-family:Calibri,sans-serif">\n{paras}</body></html>\n'
    )


_POOL_LINES = 48_000  # 48,000 base64 lines of 57 random bytes each (2.7 MB) per generate()


def _random_lines(rng: random.Random) -> bytes:
    """Random bytes, base64-encoded once: attachments are slices of whole 76-char lines."""
    return _b64_lines(rng.randbytes(57 * _POOL_LINES))


def _attachment(rng: random.Random, name: str, pool: bytes) -> bytes:
    """A 100-200 KB PDF-like attachment: a 57-byte header line, random lines, a trailer."""
    lines = rng.randint(100_000, 200_000) // 57
    first = rng.randrange(_POOL_LINES - lines)
    obj = b"\n1 0 obj\n<< /Length " + str(lines * 57).encode() + b" >>\nstream\n"
    pdf_head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3".ljust(57 - len(obj), b"%") + obj
    body = _b64_lines(pdf_head) + pool[first * 78 : (first + lines) * 78]
    body += _b64_lines(b"\nendstream\nendobj\n%%EOF\n")
    if rng.random() < 0.6:  # RFC 2231 (Thunderbird, Gmail)
        fn = f"filename*=utf-8''{quote(name, safe='')}"
        ctype = f"Content-Type: application/pdf;\r\n name*=utf-8''{quote(name, safe='')}"
    else:  # RFC 2047 inside quotes (Outlook)
        enc = " ".join(_words(name, "utf-8", "B"))
        fn, ctype = f'filename="{enc}"', f'Content-Type: application/pdf;\r\n name="{enc}"'
    head = f"{ctype}\r\nContent-Disposition: attachment;\r\n {fn}\r\n"
    head += "Content-Transfer-Encoding: base64\r\n\r\n"
    return head.encode("ascii") + body


@dataclass
class _Thread:
    subject: str
    ticket: int
    ids: list[str]
    text: str
    sender: Sender
    date: datetime


_REPLY_TEXT = [
    "Dziękuję, ale problem nadal występuje.",
    "Dalej nie działa, proszę o kontakt.",
    "Dziękuję, wszystko już działa.",
    "Czy jest coś nowego w tej sprawie?",
    "Przesyłam dodatkowe informacje – błąd pojawia się tylko na jednym stanowisku.",
    "Proszę o informację, kiedy ktoś się z nami skontaktuje.",
]


def _quote(rng: random.Random, t: _Thread) -> str:
    old = t.text
    style = rng.random()
    if style < 0.4:
        return "\n\n" + "\n".join("> " + ln if ln else ">" for ln in old.split("\n"))
    if style < 0.8:
        return (
            f"\n\n-----Wiadomość oryginalna-----\nOd: {t.sender.name} <{t.sender.address}>\n"
            f"Wysłano: {t.date:%d.%m.%Y %H:%M}\nDo: pomoc@kjmssoft.pl\nTemat: {t.subject}\n\n{old}"
        )
    return (
        f"\n\nW dniu {t.date:%d.%m.%Y o %H:%M} {t.sender.name} <{t.sender.address}> "
        f"napisał(a):\n" + "\n".join("> " + ln for ln in old.split("\n"))
    )


def generate(n: int, seed: int = 0) -> Iterator[bytes]:
    """Yield n raw RFC 5322 messages (bytes, CRLF), deterministic for (seed)."""
    rng = random.Random(seed)
    pool = _random_lines(random.Random(seed ^ 0x5EED))
    threads: list[_Thread] = []
    t = START
    for i in range(n):
        t += timedelta(seconds=rng.expovariate(1 / 150))
        cs_r = rng.random()
        charset = (
            "windows-1250"
            if cs_r < MIX["windows-1250"]
            else "iso-8859-2"
            if cs_r < MIX["windows-1250"] + MIX["iso-8859-2"]
            else "utf-8"
        )
        kind = rng.random()
        vals = {
            "nr": f"FV/{rng.randint(1, 2999)}/{rng.randint(1, 11):02d}/2026",
            "n": rng.randint(2, 99),
            "m": rng.choice(_MONTHS),
            "konto": f"{rng.choice([201, 202, 301, 302, 402, 403])}-{rng.randint(1, 9)}",
            "rok": rng.choice([2025, 2026]),
            "mm": f"{rng.randint(1, 11):02d}-2026",
            "p": rng.choice(["F-K", "Kadry-Płace", "SOOT"]),
        }
        extra: list[tuple[str, str]] = []
        root: str | None = None  # the subject of a new thread
        replied: _Thread | None = None
        if threads and kind < MIX["reply"]:
            th = rng.choice(threads[-300:])
            sender = (
                th.sender
                if rng.random() < 0.7 or not th.sender.company
                else rng.choice([s for s in SENDERS if s.company == th.sender.company])
            )
            tag = f"[KJM-2026-{th.ticket:06d}] " if rng.random() < 0.75 else ""
            subject = f"{rng.choice(['Re: ', 'RE: ', 'Odp: ', 'ODP: '])}{tag}{th.subject}"
            body = rng.choice(_REPLY_TEXT) + "\n\n" + rng.choice(_CLOSE) + "\n" + sender.name
            body += _quote(rng, th)
            extra += [("In-Reply-To", th.ids[-1]), ("References", " ".join(th.ids[-10:]))]
            replied = th
        elif threads and kind < MIX["reply"] + MIX["autoreply"]:
            th = rng.choice(threads[-300:])
            sender = th.sender
            subject = f"Automatyczna odpowiedź: Re: [KJM-2026-{th.ticket:06d}] {th.subject}"
            back = t + timedelta(days=rng.randint(2, 14))
            body = (
                f"Dzień dobry,\n\njestem nieobecny/a do {back:%d.%m.%Y}. "
                f"W sprawach pilnych proszę o kontakt z biurem.\n\n{sender.name}"
            )
            kjm_id = f"<kjm-2026-{th.ticket:06d}.{i}@kjmssoft.pl>"
            extra += [
                ("In-Reply-To", kjm_id),
                ("References", kjm_id),
                ("Auto-Submitted", "auto-replied"),
                ("X-Auto-Response-Suppress", "All"),
            ]
        else:
            emergency = rng.random() < MIX["emergency"] / (1 - MIX["reply"] - MIX["autoreply"])
            _, subjects, problems, asks = _EMERGENCY if emergency else rng.choice(_TOPICS)
            sender = rng.choice(SENDERS)
            subject = rng.choice(subjects).format(**vals)
            problem = rng.choice(problems).format(**vals)
            problem = problem[0].lower() + problem[1:]  # Polish: lower case after "Dzień dobry,"
            paras = [problem, rng.choice(asks).format(**vals)]
            if rng.random() < 0.5:
                paras = [_wrap(p, 72) for p in paras]
            sig = [rng.choice(_CLOSE), sender.name]
            if sender.company and sender.company != sender.name:
                sig.append(sender.company)
            if rng.random() < 0.5:
                sig.append(
                    f"tel. 29 7{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
                )
            body = "\n\n".join([rng.choice(_GREET), *paras, "\n".join(sig)])
            if emergency:
                extra += [("X-Priority", "1"), ("Importance", "high")]
            root = subject
        if charset == "iso-8859-2":
            body, subject = body.translate(_ASCII_FOR_LATIN2), subject.translate(_ASCII_FOR_LATIN2)
        body += "\n"
        domain = sender.address.split("@")[1]
        date = t if rng.random() < 0.95 else t.astimezone(UTC)
        msgid = f"<{t:%Y%m%d%H%M%S}.{i:06d}.{rng.getrandbits(40):010x}@{domain}>"
        head = ""
        if rng.random() < 0.5:
            head += (
                f"Return-Path: <{sender.address}>\r\nReceived: from mail.{domain} (mail.{domain} "
                f"[198.51.100.{rng.randint(1, 254)}])\r\n\tby mx.kjmssoft.pl (Postfix) with ESMTPS "
                f"id {rng.getrandbits(48):012X}\r\n\tfor <pomoc@kjmssoft.pl>; "
                f"{format_datetime(t)}\r\n"
            )
        head += _fold("From", [_address(sender, charset, rng)]) + "To: pomoc@kjmssoft.pl\r\n"
        head += _fold("Subject", _phrase(subject, charset, rng))
        head += f"Date: {format_datetime(date)}\r\nMessage-ID: {msgid}\r\n"
        for k, v in extra:
            head += _fold(k, v.split(" ")) if k == "References" else f"{k}: {v}\r\n"
        agent = rng.choice(_AGENTS)
        if agent:
            head += f"{agent[0]}: {agent[1]}\r\n"
        head += "MIME-Version: 1.0\r\n"
        u = rng.random()
        cte = (
            ("quoted-printable" if u < 0.55 else "8bit" if u < 0.9 else "base64")
            if charset == "utf-8"
            else ("quoted-printable" if u < (0.7 if charset == "windows-1250" else 0.4) else "8bit")
        )
        content = _text_part(body, "plain", charset, cte)
        if rng.random() < MIX["alternative"]:
            html = _text_part(_html(body, charset), "html", charset, "quoted-printable")
            content = _multipart(
                "alternative", f"----=_NextPart_{i:06d}_{rng.getrandbits(32):08X}", [content, html]
            )
        if rng.random() < MIX["attachment"]:
            att = _attachment(rng, rng.choice(_ATTACH).format(**vals), pool)
            content = _multipart(
                "mixed", f"------------{rng.getrandbits(64):016x}{i:06d}", [content, att]
            )
        yield head.encode("ascii") + content
        if root is not None:
            threads.append(_Thread(root, 100 + len(threads), [msgid], body.strip("\n"), sender, t))
        elif replied is not None:
            replied.ids.append(msgid)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    start, total = time.perf_counter(), 0
    for i, raw in enumerate(generate(args.n, args.seed), 1):
        (args.outdir / f"{i:06d}.eml").write_bytes(raw)
        total += len(raw)
    took = time.perf_counter() - start
    print(
        f"{args.n} messages, {total / 1e6:.1f} MB in {took:.1f} s -> {args.outdir}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
