#!/usr/bin/env python3
"""Generate the labelled set of Polish support e-mails (tests/data/labelled).

Run from anywhere:  python tests/data/labelled/_make.py

Holds every message text and its labels, and writes
  NNN-slug.eml   raw RFC 5322 messages, CRLF line endings
  labels.toml    one [[case]] per .eml (emergency / scope / product / why)
  README.md      only the block between the "counts" markers is rewritten

The output is fully deterministic: no clock, no randomness; message ids, MIME
boundaries and attachment bytes are derived from the slug with SHA-256.
Files are numbered in the order of their Date header (the order a mailbox
would see them), so the number says nothing about the label.
"""

# ruff: noqa: E501 -- the message texts are data; one paragraph per line, as the client sent it
from __future__ import annotations

import base64
import hashlib
import html
import quopri
import struct
import textwrap
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
POMOC = "pomoc@kjmssoft.pl"

SCOPES = (
    "consultation",
    "document_fix",
    "database_repair",
    "year_split",
    "programming",
    "hardware",
    "visit",
    "other",
)
PRODUCTS = ("SOOT", "F-K", "Kadry-Płace", "Hurtownia Danych", "other")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Person:
    name: str
    addr: str


@dataclass
class Quote:
    """A quoted (or forwarded) earlier message, rendered in a mail client's style."""

    style: str  # outlook_classic | outlook_new | outlook | thunderbird | gmail | webmail
    #             | iphone | fwd_gmail
    who: Person
    when: str  # "YYYY-MM-DD HH:MM" Warsaw local time
    subject: str
    body: str
    to: str = POMOC
    inner: Quote | None = None


@dataclass
class Case:
    slug: str
    when: str  # "YYYY-MM-DD HH:MM" Warsaw local time
    sender: Person
    subject: str
    body: str  # what the sender writes now (greeting ... signature)
    client: str  # outlook | thunderbird | gmail | webmail | iphone | android | winmail | thebat
    label: tuple[bool, str, str, str]  # emergency, scope, product, why
    quote: Quote | None = None
    charset: str = "utf-8"
    cte: str | None = None  # None: the client's usual choice
    html_only: bool = False
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    reply_to: str | None = None  # slug of a case in the set, or a literal "<msg-id>"
    refs: tuple[str, ...] = ()  # extra earlier references (slugs or "<msg-id>")
    cc: tuple[str, ...] = ()
    to: str = POMOC
    extra_headers: tuple[tuple[str, str], ...] = ()
    ascii_body: bool = False  # the sender wrote without any Polish letters
    importance_high: bool = False


# ------------------------------------------------------------------------ helpers

DAYS = ["poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"]
DAYS_SHORT = ["pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "niedz."]
MONTHS_GEN = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
]
MONTHS_SHORT = ["sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"]


def local(when: str, seconds: int = 0) -> datetime:
    """Warsaw local time with the right fixed offset (CEST until 25.10.2026 03:00)."""
    naive = datetime.strptime(when, "%Y-%m-%d %H:%M") + timedelta(seconds=seconds)
    summer = datetime(2026, 3, 29, 2, 0) <= naive < datetime(2026, 10, 25, 3, 0)
    return naive.replace(tzinfo=timezone(timedelta(hours=2 if summer else 1)))


def h(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def pl_long(when: str) -> str:  # "wtorek, 24 listopada 2026 10:15"
    d = local(when)
    return f"{DAYS[d.weekday()]}, {d.day} {MONTHS_GEN[d.month - 1]} {d.year} {d:%H:%M}"


def pl_gmail(when: str) -> str:  # "wt., 24 lis 2026 o 10:15"
    d = local(when)
    return f"{DAYS_SHORT[d.weekday()]}, {d.day} {MONTHS_SHORT[d.month - 1]} {d.year} o {d:%H:%M}"


def fmt_addr(p: Person) -> str:
    return f"{p.name} <{p.addr}>"


def prefix_lines(text: str) -> str:
    out = []
    for line in text.split("\n"):
        if not line:
            out.append(">")
        elif line.startswith(">"):
            out.append(">" + line)
        else:
            out.append("> " + line)
    return "\n".join(out)


def render_quote_text(q: Quote) -> str:
    inner = render_quote_text(q.inner) if q.inner else ""
    body = q.body.rstrip("\n") + inner
    if q.style == "outlook_classic":
        return (
            f"\n\n-----Wiadomość oryginalna-----\nOd: {q.who.name} [mailto:{q.who.addr}]\n"
            f"Wysłano: {pl_long(q.when)}\nDo: {q.to}\nTemat: {q.subject}\n\n{body}"
        )
    if q.style == "outlook_new":
        return (
            f"\n\n________________________________\nOd: {fmt_addr(q.who)}\n"
            f"Wysłane: {pl_long(q.when)}\nDo: {q.to}\nTemat: {q.subject}\n\n{body}"
        )
    if q.style == "outlook":
        return (
            f"\n\nOd: {fmt_addr(q.who)} \nWysłano: {pl_long(q.when)}\nDo: {q.to}\n"
            f"Temat: {q.subject}\n\n{body}"
        )
    if q.style == "thunderbird":
        d = local(q.when)
        return f"\n\nW dniu {d:%d.%m.%Y} o {d:%H:%M}, {q.who.name} pisze:\n" + prefix_lines(body)
    if q.style == "gmail":
        return f"\n\n{pl_gmail(q.when)} {fmt_addr(q.who)} napisał(a):\n\n" + prefix_lines(body)
    if q.style == "webmail":
        d = local(q.when)
        return (
            f"\n\nDnia {d.day} {MONTHS_GEN[d.month - 1]} {d.year} {d:%H:%M} "
            f"{fmt_addr(q.who)} napisał(a):\n\n" + prefix_lines(body)
        )
    if q.style == "iphone":
        d = local(q.when)
        attribution = (
            f"Wiadomość napisana przez {fmt_addr(q.who)} w dniu {d:%d.%m.%Y}, o godz. {d:%H:%M}:"
        )
        return "\n\n" + prefix_lines(attribution + "\n\n" + body)
    if q.style == "fwd_gmail":
        return (
            f"\n\n---------- Wiadomość przekazana ----------\nOd: {fmt_addr(q.who)}\n"
            f"Date: {pl_gmail(q.when)}\nSubject: {q.subject}\nTo: <{q.to}>\n\n\n{body}"
        )
    raise ValueError(q.style)


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def html_lines(text: str, tag_open: str, tag_close: str, empty: str) -> str:
    return "\n".join(
        f"{tag_open}{esc(line)}{tag_close}" if line else empty for line in text.split("\n")
    )


def render_quote_html(q: Quote, outlook_style: bool) -> str:
    inner = render_quote_html(q.inner, outlook_style) if q.inner else ""
    if q.style in ("outlook_classic", "outlook_new", "outlook"):
        sent = "Wysłane" if q.style == "outlook_new" else "Wysłano"
        head = (
            "<div style='border:none;border-top:solid #E1E1E1 1.0pt;"
            f"padding:3.0pt 0cm 0cm 0cm'>"
            f"<p class=MsoNormal><b>Od:</b> {esc(fmt_addr(q.who))} <br>"
            f"<b>{sent}:</b> {esc(pl_long(q.when))}<br><b>Do:</b> {esc(q.to)}<br>"
            f"<b>Temat:</b> {esc(q.subject)}<o:p></o:p></p></div>\n"
        )
        body = html_lines(
            q.body.rstrip("\n"),
            "<p class=MsoNormal>",
            "<o:p></o:p></p>",
            "<p class=MsoNormal><o:p>&nbsp;</o:p></p>",
        )
        return f"<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n<div>{head}</div>\n{body}\n{inner}"
    if q.style == "fwd_gmail":
        body = html_lines(q.body.rstrip("\n"), "<div>", "</div>", "<div><br></div>")
        return (
            f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            "---------- Wiadomość przekazana ----------<br>"
            'Od: <strong class="gmail_sendername" '
            f'dir="auto">{esc(q.who.name)}</strong> <span dir="auto">&lt;{esc(q.who.addr)}&gt;'
            f"</span><br>Date: {esc(pl_gmail(q.when))}<br>Subject: {esc(q.subject)}<br>"
            f"To: &lt;{esc(q.to)}&gt;<br></div><br><br>{body}{inner}</div>"
        )
    # blockquote styles (gmail and the rest)
    body = html_lines(q.body.rstrip("\n"), "<div>", "</div>", "<div><br></div>")
    if q.style == "gmail":
        attr = f"{pl_gmail(q.when)} {fmt_addr(q.who)} napisał(a):"
        return (
            f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{esc(attr)}<br>'
            f'</div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
            f'border-left:1px solid rgb(204,204,204);padding-left:1ex">{body}{inner}'
            f"</blockquote></div>"
        )
    text = render_quote_text(Quote(q.style, q.who, q.when, q.subject, "", q.to)).strip()
    attr = text.split("\n")[0].lstrip("> ")
    return f'<div>{esc(attr)}</div><blockquote type="cite">{body}{inner}</blockquote>'


def wrap(text: str, width: int = 76) -> str:
    """Hard-wrap long lines like Thunderbird or an old client does (quote prefixes kept)."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        stripped = line.lstrip(">")
        prefix = line[: len(line) - len(stripped)]
        if prefix:
            prefix += " "
            stripped = stripped.lstrip(" ")
        parts = textwrap.wrap(
            stripped, width - len(prefix), break_long_words=False, break_on_hyphens=False
        )
        out.extend(prefix + p for p in parts)
    return "\n".join(out)


# --------------------------------------------------------------- header encoding


def encoded_words(text: str, charset: str, mode: str) -> str:
    """RFC 2047 encoded-words, never splitting a character, each word <= 75 chars."""

    def enc(s: str) -> str:
        raw = s.encode(charset)
        if mode == "B":
            payload = base64.b64encode(raw).decode()
        else:
            payload = "".join(
                chr(b)
                if (chr(b).isalnum() and b < 128) or chr(b) in "!*+-/"
                else "_"
                if b == 0x20
                else f"={b:02X}"
                for b in raw
            )
        return f"=?{charset}?{mode}?{payload}?="

    words, cur = [], ""
    for ch in text:
        if cur and len(enc(cur + ch)) > 75:
            words.append(enc(cur))
            cur = ch
        else:
            cur += ch
    if cur:
        words.append(enc(cur))
    return "\r\n ".join(words)


def header_text(text: str, charset: str, mode: str) -> str:
    if text.isascii():
        return text
    return encoded_words(text, charset, mode)


def header_addr(p: Person, charset: str, mode: str) -> str:
    if p.name.isascii():
        return f'"{p.name}" <{p.addr}>'
    return f"{encoded_words(p.name, charset, mode)} <{p.addr}>"


# ------------------------------------------------------------------- body parts


def payload(text: str, charset: str, cte: str) -> bytes:
    if cte == "quoted-printable":
        raw = quopri.encodestring(text.encode(charset))
        return raw.replace(b"\n", b"\r\n")
    if cte == "base64":
        raw = base64.encodebytes(text.replace("\n", "\r\n").encode(charset))
        return raw.replace(b"\n", b"\r\n")
    if cte in ("8bit", "7bit"):
        data = text.replace("\n", "\r\n").encode(charset)
        if cte == "7bit":
            data.decode("ascii")
        return data
    raise ValueError(cte)


def part(ctype: str, charset: str, cte: str, text: str, extra: str = "") -> bytes:
    head = (
        f'Content-Type: {ctype}; charset="{charset}"{extra}\r\nContent-Transfer-Encoding: {cte}\r\n'
    )
    body = payload(text, charset, cte)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return head.encode("ascii") + b"\r\n" + body


def multipart(subtype: str, boundary: str, parts: list[bytes], preamble: str = "") -> bytes:
    out = [f'Content-Type: multipart/{subtype};\r\n\tboundary="{boundary}"\r\n\r\n'.encode()]
    if preamble:
        out.append(preamble.encode() + b"\r\n")
    for p in parts:
        out.append(f"\r\n--{boundary}\r\n".encode() + p)
    out.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(out)


def attachment_part(name: str, ctype: str, data: bytes) -> bytes:
    if name.isascii():
        disp = f'attachment;\r\n\tfilename="{name}"'
        ct = f'{ctype};\r\n\tname="{name}"'
    else:
        from urllib.parse import quote

        enc = quote(name.encode("utf-8"))
        disp = f"attachment;\r\n\tfilename*=utf-8''{enc}"
        ct = f"{ctype};\r\n\tname*=utf-8''{enc}"
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        f"Content-Type: {ct}\r\nContent-Disposition: {disp}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + b64


def tiny_png(seed: str, w: int = 24, h_: int = 16) -> bytes:
    """A real, small, deterministic PNG (a 'screenshot' stand-in)."""
    digest = hashlib.sha256(seed.encode()).digest()
    rows = b"".join(b"\x00" + bytes(digest[(x + y) % 32] for x in range(w * 3)) for y in range(h_))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", w, h_, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------ clients

CLIENT_DEFAULTS = {
    # client: (structure, cte of text part, header charset mode, mailer header)
    "outlook": ("alternative", "quoted-printable", "Q", ("X-Mailer", "Microsoft Outlook 16.0")),
    "thunderbird": ("plain", "8bit", "Q", ("User-Agent", "Mozilla Thunderbird")),
    "gmail": ("alternative", "quoted-printable", "B", None),
    "webmail": ("plain", "quoted-printable", "B", None),
    "iphone": ("plain", "quoted-printable", "Q", ("X-Mailer", "iPhone Mail (23B85)")),
    "android": ("plain", "base64", "B", None),
    "winmail": ("alternative", "quoted-printable", "B", None),
    "thebat": ("plain", "8bit", "Q", ("X-Mailer", "The Bat! (v10.5.3) Professional")),
}


def message_id(case: Case) -> str:
    x = h("msgid", case.slug)
    domain = case.sender.addr.split("@", 1)[1]
    if case.client == "outlook":
        return f"<00{x[0:2]}01dc{x[2:6]}${x[6:14]}${x[14:22]}$@{domain}>"
    if case.client in ("gmail", "android"):
        b = base64.b64encode(bytes.fromhex(x[:48])).decode().replace("/", "_")
        return f"<CA{b}@mail.gmail.com>"
    if case.client in ("iphone",):
        u = x.upper()
        return f"<{u[0:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}@{domain}>"
    if case.client == "thunderbird":
        return f"<{x[0:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:32]}@{domain}>"
    return f"<{x[:24]}.{int(x[24:30], 16)}@{domain}>"


def kjm_id(token: str) -> str:
    return f"<kjm.{h('kjm', token)[:20]}@kjmssoft.pl>"


def build(case: Case, ids: dict[str, str]) -> bytes:
    structure, cte_default, hmode, mailer = CLIENT_DEFAULTS[case.client]
    cte = case.cte or cte_default
    cs = case.charset
    if case.html_only:
        structure = "html"
    if case.charset != "utf-8" and case.client == "outlook":
        hmode = "Q"

    text = case.body.rstrip("\n")
    if case.quote:
        text += render_quote_text(case.quote)
    text += "\n"
    if cte == "8bit":
        text = wrap(text)

    x = h("boundary", case.slug)
    date = local(case.when, seconds=int(x[:2], 16) % 60)
    sender_domain = case.sender.addr.split("@", 1)[1]

    hdrs: list[tuple[str, str]] = []
    ip = f"203.0.113.{int(x[2:4], 16) % 250 + 2}"
    relay = (
        f"mail-{x[8:10]}{int(x[10:12], 16) % 9}-f{int(x[12:14], 16)}.google.com"
        if sender_domain == "gmail.com"
        else f"mail.{sender_domain}"
    )
    rcv_date = format_datetime(date + timedelta(seconds=3 + int(x[4:6], 16) % 20))
    hdrs.append(("Return-Path", f"<{case.sender.addr}>"))
    hdrs.append(
        (
            "Received",
            f"from {relay} ({relay} [{ip}])\r\n\tby mx.kjmssoft.pl "
            f"(Postfix) with ESMTPS id {x[6:16].upper()}\r\n\tfor <{POMOC}>; {rcv_date}",
        )
    )
    hdrs.append(("From", header_addr(case.sender, cs, hmode)))
    hdrs.append(("To", case.to))
    if case.cc:
        hdrs.append(("Cc", ", ".join(case.cc)))
    hdrs.append(("Subject", header_text(case.subject, cs, hmode)))
    hdrs.append(("Date", format_datetime(date)))
    hdrs.append(("Message-ID", ids[case.slug]))
    refs = [ids.get(r, r) for r in case.refs]
    if case.reply_to:
        parent = ids.get(case.reply_to, case.reply_to)
        hdrs.append(("In-Reply-To", parent))
        refs.append(parent)
    if refs:
        hdrs.append(("References", "\r\n ".join(refs)))
    if case.client == "outlook":
        hdrs.append(("Thread-Index", base64.b64encode(bytes.fromhex(x[10:54])).decode()))
        hdrs.append(("Content-Language", "pl"))
    if mailer:
        hdrs.append(mailer)
    if case.importance_high:
        hdrs.append(("X-Priority", "1 (Highest)"))
        hdrs.append(("Importance", "High"))
    hdrs.extend(case.extra_headers)
    hdrs.append(("MIME-Version", "1.0"))

    # body
    if structure == "plain":
        body = part("text/plain", cs, cte, text)
    elif structure == "html":
        body = part("text/html", cs, cte, html_doc(case, cs, outlook=False))
    else:
        plain = part("text/plain", cs, cte, text)
        hpart = part(
            "text/html",
            cs,
            "quoted-printable" if cte != "base64" else "base64",
            html_doc(case, cs, outlook=case.client == "outlook"),
        )
        if case.client == "outlook":
            u = x.upper()
            boundary = f"----=_NextPart_001_{u[20:24]}_01DC{u[24:28]}.{u[28:36]}"
        elif case.client == "gmail":
            boundary = f"000000000000{x[36:48]}"
        else:
            boundary = f"_000_{x[36:56]}_"
        body = multipart("alternative", boundary, [plain, hpart])
    if case.attachments:
        outer = (
            f"----=_NextPart_000_{x[40:44].upper()}_01DC{x[44:48].upper()}.{x[48:56].upper()}"
            if case.client == "outlook"
            else f"------------{x[30:54]}"
        )
        parts = [body] + [attachment_part(n, t, d) for n, t, d in case.attachments]
        body = multipart(
            "mixed", outer, parts, preamble="This is a multi-part message in MIME format."
        )
    elif structure == "alternative" and case.client == "outlook":
        # Outlook puts the preamble on the alternative container too
        first, rest = body.split(b"\r\n\r\n", 1)
        body = first + b"\r\n\r\nThis is a multi-part message in MIME format.\r\n" + rest

    head = "".join(f"{k}: {v}\r\n" for k, v in hdrs)
    return head.encode("ascii") + body


def html_doc(case: Case, cs: str, outlook: bool) -> str:
    body = case.body.rstrip("\n")
    if outlook:
        lines = html_lines(
            body,
            "<p class=MsoNormal>",
            "<o:p></o:p></p>",
            "<p class=MsoNormal><o:p>&nbsp;</o:p></p>",
        )
        q = render_quote_html(case.quote, True) if case.quote else ""
        return (
            f'<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
            f'<meta http-equiv=Content-Type content="text/html; charset={cs}">'
            f'<meta name=Generator content="Microsoft Word 15 (filtered medium)">'
            f'<style><!--p.MsoNormal{{margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif;}}'
            f'--></style></head>\n<body lang=PL link="#0563C1" vlink="#954F72">'
            f"<div class=WordSection1>\n{lines}\n{q}</div></body></html>"
        )
    lines = html_lines(body, "<div>", "</div>", "<div><br></div>")
    q = render_quote_html(case.quote, False) if case.quote else ""
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}"></head>'
        f'<body><div dir="ltr">\n{lines}\n</div>{q}</body></html>'
    )


# =========================================================================== people

ANNA_W = Person("Anna Wiśniewska", "a.wisniewska@transbet-elk.pl")
RENATA = Person("Renata Górska", "r.gorska@transbet-elk.pl")
WRONA = Person("Tadeusz Wrona", "t.wrona@transbet-elk.pl")
TOMASZ = Person("Tomasz Rybicki", "t.rybicki@hydromet-serwis.com.pl")
HALINA = Person("Halina Wróbel", "h.wrobel@hydromet-serwis.com.pl")
ZAJAC = Person("Marek Zając", "lesbud.zajac@gmail.com")
GRAZYNA = Person("Grażyna Olszewska", "g.olszewska@narewmlek.pl")
MONIKA = Person("Monika Zielińska", "m.zielinska@narewmlek.pl")
BIELECKI = Person("Henryk Bielecki", "h.bielecki@narewmlek.pl")
DUDEK = Person("Katarzyna Dudek", "kadry@zdrowie-mazury.pl")
ERIK = Person("Erik Lindqvist", "erik.lindqvist@nordvik-logistics.pl")
ADAMCZYK = Person("Grzegorz Adamczyk", "dyspozytornia@nordvik-logistics.pl")
BORKOWSKA = Person("Jolanta Borkowska", "skarbnik@ug-starerybitwy.pl")
PIETRZAK = Person("Wiesław Pietrzak", "informatyk@ug-starerybitwy.pl")
KMIECIK = Person("Paweł Kmiecik", "p.kmiecik@woltex-hurt.pl")
KUREK = Person("Magdalena Kurek", "m.kurek@woltex-hurt.pl")
SEK = Person("Barbara Sęk", "biuro@zlotyklos-piekarnia.pl")
GRABOWSKI = Person("Ryszard Grabowski", "autoczesci.grabowski@wp.pl")
LEWANDOWSKI = Person("Michał Lewandowski", "m.lewandowski@okmar.com.pl")
NOWICKI = Person("Adam Nowicki", "a.nowicki@okmar.com.pl")
LIS = Person("Beata Lis", "b.lis@okmar.com.pl")
KUBIAK = Person("Aneta Kubiak", "a.kubiak@okmar.com.pl")
PIATEK = Person("Agnieszka Piątek", "ksiegowosc@zuk-jeziorany.pl")
KRUK = Person("Anna Kruk", "kancelaria.kruk@interia.pl")
MALINOWSKA = Person("Dorota Malinowska", "apteka.podlipami@onet.pl")
WOJCIK = Person("Krzysztof Wójcik", "k.wojcik@format-druk.pl")
KAMINSKA = Person("Elżbieta Kamińska", "e.kaminska@farmex-agro.pl")
MAZUR = Person("Piotr Mazur", "p.mazur@farmex-agro.pl")
CZERWINSKI = Person("Bartosz Czerwiński", "b.czerwinski@farmex-agro.pl")
SOBCZAK = Person("Łukasz Sobczak", "ekoterm.sobczak@o2.pl")
PAWLAK = Person("Ewa Pawlak", "e.pawlak.kadry@o2.pl")
KOWALSKI = Person("Jan Kowalski", "jan.kowalski@bilansplus-biuro.pl")
JABLONSKA = Person("Zofia Jabłońska", "z.jablonska@bilansplus-biuro.pl")
SZYMANSKA = Person("Iwona Szymańska", "sklep@domowyzakatek.pl")
OSTROWSKI = Person("Jarek Ostrowski", "jarek.ostrowski.transport@gmail.com")
DABROWSKI = Person("Sławomir Dąbrowski", "agromech.dabrowski@onet.pl")
KOWALCZYK = Person("Teresa Kowalczyk", "t.kowalczyk@sm-pojezierze.pl")
KJM = Person("Pomoc KJM", POMOC)

SIG_KJM_LB = "Pozdrawiam\nŁukasz Borowski\nDział Wdrożeń KJM\ntel. 895273869"
SIG_KJM_MG = "Pozdrawiam\nMarta Gajewska\ndyżurna, Dział Wdrożeń KJM\ntel. 895273869"

DISCLAIMER_OKMAR = (
    "--\nOkmar S.A., ul. Przemysłowa 7, 11-041 Olsztyn, Sąd Rejonowy w Olsztynie, "
    "VIII Wydział Gospodarczy KRS, KRS 0000000000, NIP 000-000-00-00.\n"
    "Informacja zawarta w tej wiadomości jest poufna i przeznaczona wyłącznie dla adresata. "
    "Jeżeli nie jest Pan/Pani adresatem, prosimy o niezwłoczne powiadomienie nadawcy "
    "i usunięcie wiadomości."
)

# ============================================================ texts that are quoted

E02_SUBJ = "AWARIA – system stoi"
E02_BODY = """\
Witam,
SOOT stoi od rana na wszystkich stanowiskach. Przy uruchomieniu wyskakuje "Nie można otworzyć bazy danych SOOT_2026. Plik jest używany lub uszkodzony". Restart serwera nic nie dał.
Magazyn nie może wydawać towaru, kierowcy czekają na placu.
Proszę o telefon jak najszybciej: 605 118 902.

Tomasz Rybicki
Kierownik magazynu
Hydromet-Serwis Sp. z o.o.
"""
KJM_E02 = f"""\
Dzień dobry,

baza SOOT_2026 została naprawiona (odbudowa indeksów po nieprawidłowym zamknięciu usługi). Program działa na wszystkich stanowiskach. Prosimy o informację, gdyby problem się powtórzył.

{SIG_KJM_LB}
"""
TP3_BODY = """\
Witam,
niestety dziś rano znowu to samo co wczoraj – SOOT nie otwiera bazy na żadnym komputerze, ten sam komunikat o uszkodzonym pliku. Po Państwa wczorajszej naprawie działało do wieczora. Proszę o pilny kontakt, magazyn znowu stoi.

Tomasz Rybicki
"""
KJM_TP3 = f"""\
Dzień dobry,

przyczyną był uszkodzony sektor na dysku serwera, na którym leży plik bazy. Przenieśliśmy bazę na drugi dysk i odbudowaliśmy indeksy, program działa. Zalecamy pilną wymianę dysku – tym zajmuje się nasz dział sprzętowy w ramach osobnej umowy.
Prosimy o potwierdzenie, że wszystko działa.

{SIG_KJM_MG}
"""

O04_SUBJ = "Rozdzielenie lat 2026/2027 – termin"
O04_BODY = """\
Dzień dobry,

prosimy o zaproponowanie terminu rozdzielenia lat 2026/2027 w F-K. Najlepiej w drugim tygodniu stycznia, po zamknięciu grudnia. Mamy 14 firm klientów w osobnych bazach – czy rozdzielenie obejmie wszystkie za jednym razem?

Jan Kowalski
Biuro Rachunkowe Bilans-Plus s.c.
tel. 89 535 61 20, kom. 601 447 380
"""
KJM_O04 = f"""\
Dzień dobry,

proponujemy wykonanie rozdzielenia lat we wszystkich 14 bazach F-K 12 stycznia 2027 r. od 8:00 (ok. 4 godziny, zdalnie). W tym czasie prosimy nie pracować w programie. Prosimy o potwierdzenie terminu.

{SIG_KJM_LB}
"""

O28_SUBJ = "Faktura korygująca do WZ – pytanie"
O28_BODY = """\
Dzień dobry,

jak zrobić korektę faktury do WZ, gdy klient zwrócił część towaru? Nie chcę anulować całej faktury, tylko zmniejszyć ilość na dwóch pozycjach.

Pozdrawiam
Magdalena Kurek
Dział sprzedaży
Hurtownia Elektryczna WOLTEX Sp. j.
"""
KJM_O28 = f"""\
Dzień dobry,

fakturę korygującą do faktury wystawionej na podstawie WZ tworzy się z poziomu rejestru sprzedaży: zaznaczamy fakturę, wybieramy „Korekta” → „Korekta ilościowa”, zmieniamy ilości na pozycjach i zapisujemy. Program sam utworzy dokument zwrotu na magazyn.

{SIG_KJM_LB}
"""

E16_SUBJ = "Program do zamówień nie działa u nikogo"
E16_BODY = f"""\
Dzień dobry,

program do obsługi zamówień dealerskich, który przygotowaliście dla nas w 2024 r., od rana nie działa u nikogo – ani w dziale handlowym, ani u dealerów łączących się przez przeglądarkę. Strona logowania zwraca „HTTP 500 – Internal Server Error”. Przez to nie przyjmujemy dziś żadnych zamówień.

Czy możecie to pilnie sprawdzić?

Pozdrawiam
Michał Lewandowski
Kontroler finansowy
Okmar S.A.
tel. 89 640 55 21

{DISCLAIMER_OKMAR}
"""
KJM_E16 = f"""\
Dzień dobry,

zrestartowaliśmy pulę aplikacji na serwerze i odnowiliśmy wygasły certyfikat połączenia z bazą. Program do zamówień powinien już działać – prosimy o sprawdzenie.

{SIG_KJM_LB}
"""

E18_SUBJ = "Pilne: zablokowana baza SOOT – nikt nie może wejść"
E18_BODY = """\
Dzień dobry,

od ok. 15:20 nikt z nas nie może wejść do SOOT. Każdy dostaje komunikat „Baza danych jest zablokowana przez innego użytkownika (sesja: SERWIS)”. Wylogowaliśmy wszystkich, zrestartowaliśmy serwer – bez zmian. Nie możemy zamknąć dnia ani wystawić faktur za dzisiejsze wydania.

Proszę o pilną pomoc, będę w biurze do 17:00, później pod komórką.

Pozdrawiam
Halina Wróbel
Księgowa
Hydromet-Serwis Sp. z o.o.
tel. 89 533 18 20, kom. 509 772 614
"""
KJM_E18 = f"""\
Dzień dobry,

pozostawiona sesja serwisowa została usunięta, a baza odblokowana. Prosimy o sprawdzenie, czy wszyscy użytkownicy mogą się zalogować.

{SIG_KJM_MG}
"""

E05_SUBJ = "AWARIA F-K – cała firma nie może pracować"
E05_BODY = """\
Proszę o pilny telefon.

Elżbieta Kamińska
Farmex Agro
501 660 432

Wysłane z iPhone'a
"""
KJM_E05 = f"""\
Dzień dobry,

indeks kartoteki kont został odbudowany, F-K uruchamia się na wszystkich stanowiskach. Prosimy o potwierdzenie.

{SIG_KJM_MG}
"""

E21_SUBJ = "Od 11 system leży"
E21_BODY = """\
Dzień dobry, od 11:00 system leży. Żadna kasa ani komputer w biurze nie łączy się z SOOT, wszędzie „Serwer niedostępny”. Internet mamy, sprawdzałam. Sklep pełny ludzi a my nie możemy nic sprzedać. Prosimy pilnie o pomoc!!

Iwona Szymańska
Domowy Zakątek – kierownik sklepu
tel. 515 440 862

Wysłane z mojego Galaxy
"""
KJM_E21 = f"""\
Dzień dobry,

usługa serwera SOOT została ponownie uruchomiona. Przyczyną było zapełnienie dysku przez pliki dziennika transakcji – część z nich przenieśliśmy. Kasy i biuro powinny już działać.

{SIG_KJM_MG}
"""

E20_SUBJ = "cala firma stoi"
E20_BODY = """\
Dzien dobry,
od rana cala firma stoi bo nikt nie moze wejsc do kadr-płac, wyskakuje jakis blad z baza ("nie znaleziono pliku KADRY.DAT"). Mamy 5 komputerów i na żadnym nie idzie. Prosze o szybki kontakt bo ksiegowa musi dzis zrobic liste plac.

Jarek Ostrowski
Ostrowski Transport
tel 501 227 903
"""

P04_SUBJ = "Wycena raportu marżowości w Hurtowni Danych"
P04_BODY = f"""\
Dzień dobry,

prosimy o wycenę nowego raportu w Hurtowni Danych: marżowość sprzedaży okien w podziale na serie produktowe, dealerów i regiony, z porównaniem rok do roku. Dane o kosztach produkcji są w SOOT (kalkulacje zleceń). Raport miałby być dostępny dla zarządu i kierowników regionów, najlepiej od lutego.

Pozdrawiam
Michał Lewandowski
Kontroler finansowy
Okmar S.A.
tel. 89 640 55 21

{DISCLAIMER_OKMAR}
"""
KJM_P04 = f"""\
Dzień dobry,

w załączeniu przesyłamy wycenę raportu marżowości: 26 godzin pracy programisty wg cennika KJM, realizacja ok. 4 tygodnie od akceptacji. Raport zostanie udostępniony w portalu Hurtowni Danych z uprawnieniami dla wskazanych osób.

{SIG_KJM_LB}
"""

JAN_1124_SUBJ = "AWARIA – nikt nie może pracować w Kadrach-Płacach"
JAN_1124_BODY = """\
Dzień dobry,

AWARIA – od 10:00 nikt w biurze nie może pracować w Kadrach-Płacach, na każdym komputerze „Błąd otwarcia bazy KP_BILANS (kod 8)”. Proszę o pilny kontakt.

Jan Kowalski
Biuro Rachunkowe Bilans-Plus s.c.
kom. 601 447 380
"""

E12_SUBJ = "Kadry-Płace – nikt w dziale kadr nie może pracować"

# ==================================================================== the cases

CASES: list[Case] = []


def add(**kw) -> None:
    CASES.append(Case(**kw))


# ---------------------------------------------------------------- emergencies

add(
    slug="fk-nikt-nie-moze-sie-zalogowac",
    when="2026-10-06 08:24",
    sender=ANNA_W,
    client="outlook",
    importance_high=True,
    subject="AWARIA - nikt nie może się zalogować do F-K",
    body="""\
Dzień dobry,

od ok. 8:00 nikt w firmie nie może się zalogować do programu F-K. Po wpisaniu hasła pojawia się komunikat „Błąd połączenia z serwerem bazy danych (kod 10061)”. Sprawdziliśmy na wszystkich sześciu komputerach w księgowości i u prezesa – wszędzie to samo. Serwer jest włączony, inne programy działają.

Mamy dziś zamknięcie miesiąca, bardzo proszę o pilny kontakt.

Pozdrawiam
Anna Wiśniewska
Główna Księgowa
Transbet Sp. z o.o.
ul. Kolejowa 14, 19-300 Ełk
tel. 87 621 44 10 wew. 23, kom. 512 334 221
""",
    label=(
        True,
        "database_repair",
        "F-K",
        "nobody can log in on any of the 7 computers; database connection error",
    ),
)

add(
    slug="soot-system-stoi",
    when="2026-10-08 07:12",
    sender=TOMASZ,
    client="gmail",
    subject=E02_SUBJ,
    body=E02_BODY,
    label=(
        True,
        "database_repair",
        "SOOT",
        "'stoi na wszystkich stanowiskach'; database cannot be opened",
    ),
)

add(
    slug="kadry-nie-dzialaja-bez-polskich-liter",
    when="2026-10-28 06:52",
    sender=PAWLAK,
    client="webmail",
    ascii_body=True,
    subject="pilne - kadry nie dzialaja",
    body="""\
dzien dobry
od rana program kadry-place nie uruchamia sie na zadnym komputerze w firmie, wyskakuje blad "baza danych jest uszkodzona lub niedostepna". probowalismy na 3 komputerach i na laptopie szefa, wszedzie to samo. dzis mamy wyplaty!!
prosze o pilny kontakt 698 204 117

Ewa Pawlak
Stolarnia Pawlak
""",
    label=(
        True,
        "database_repair",
        "Kadry-Płace",
        "written without diacritics: 'na zadnym komputerze', 'kadry-place'; before 7:00",
    ),
)

add(
    slug="hurtownia-zaden-uzytkownik-raporty",
    when="2026-10-12 07:35",
    sender=MAZUR,
    client="outlook",
    subject="Hurtownia Danych – żaden użytkownik nie może otworzyć raportów",
    body="""\
Dzień dobry,

od rana żaden użytkownik Hurtowni Danych nie może otworzyć raportów – każdy raport kończy się błędem „Nie można połączyć ze źródłem danych DW_FARMEX”. Wygląda na to, że nocne zasilanie danych się wysypało i baza hurtowni jest w stanie „Suspect”. Dotyczy to wszystkich (ok. 15 osób: zarząd, handlowcy, controlling).

Proszę o pilną pomoc.

Z poważaniem
Piotr Mazur
Analityk danych
Farmex Agro Sp. z o.o.
tel. 86 218 40 77
""",
    label=(
        True,
        "database_repair",
        "Hurtownia Danych",
        "no user of the data warehouse can work; warehouse database 'Suspect'",
    ),
)

add(
    slug="fk-awaria-tylko-w-temacie",
    when="2026-11-07 09:41",
    sender=KAMINSKA,
    client="iphone",
    subject=E05_SUBJ,
    body=E05_BODY,
    label=(
        True,
        "other",
        "F-K",
        "emergency stated only in the subject (new, not 'Re:'); body is just 'call me'; "
        "cause unknown; Saturday",
    ),
)

add(
    slug="soot-zawiesza-sie-bez-tematu",
    when="2026-10-19 05:48",
    sender=SEK,
    client="winmail",
    subject="",
    body="""\
Dzień dobry,
piszę bo nikt nie odbiera telefonu. Od 4 rano SOOT zawiesza się zaraz po zalogowaniu na każdym komputerze – w biurze, na wydziale i w sklepie firmowym. Nie możemy zrobić wydań dla sklepów ani faktur dla kierowców, samochody powinny wyjechać o 6.
Bardzo proszę o pomoc jak najszybciej.

Barbara Sęk
Piekarnia Złoty Kłos
tel. 89 512 70 13, kom. 602 340 877

Wysłano z aplikacji Poczta dla systemu Windows
""",
    extra_headers=(("X-Mailer", "Microsoft Windows Mail 16.0"),),
    label=(
        True,
        "other",
        "SOOT",
        "empty Subject; body: hangs right after login 'na każdym komputerze'; night hours",
    ),
)

add(
    slug="fk-baza-po-zaniku-pradu",
    when="2026-11-03 19:40",
    sender=PIATEK,
    client="outlook",
    charset="windows-1250",
    subject="Baza się nie otwiera po zaniku prądu",
    body="""\
Dzień dobry,

po dzisiejszym popołudniowym zaniku prądu baza F-K się nie otwiera. Próbowałyśmy na wszystkich komputerach w księgowości (4 stanowiska) – na każdym ten sam komunikat: „Plik bazy danych jest uszkodzony. Uruchom procedurę naprawy.” Nie wiemy, czy możemy ją uruchomić same, więc nic nie ruszamy.

Jutro do 10:00 musimy wysłać przelewy wynagrodzeń, więc sprawa jest bardzo pilna. Jestem pod telefonem do 22.

Z poważaniem
Agnieszka Piątek
Księgowa
Zakład Usług Komunalnych Sp. z o.o. w Jezioranach Małych
tel. 89 718 22 45, kom. 516 903 118
""",
    label=(
        True,
        "database_repair",
        "F-K",
        "windows-1250; damaged database after a power cut, all 4 F-K stations; evening",
    ),
)

add(
    slug="soot-serwer-bazy-nie-odpowiada",
    when="2026-10-15 12:20",
    sender=KMIECIK,
    client="thunderbird",
    subject="serwer bazy nie odpowiada, nikt nie pracuje",
    body="""\
Dzień dobry,

od ok. 11:50 serwer bazy SOOT nie odpowiada. Sam serwer (Windows) działa, mogę się na niego zalogować zdalnie, ale usługa bazy danych nie chce wystartować – w dzienniku zdarzeń jest błąd 1067 „Proces zakończył się nieoczekiwanie”. Żaden z 11 użytkowników nie może pracować, hurtownia stoi, klienci czekają przy ladzie.

Logi mogę podesłać, dostęp zdalny przez AnyDesk jak zwykle.

--
Paweł Kmiecik
Administrator IT
Hurtownia Elektryczna WOLTEX Sp. j.
tel. 693 410 288
""",
    label=(
        True,
        "database_repair",
        "SOOT",
        "database service down, none of 11 users works; 'hurtownia' here is the client's "
        "business (electrical wholesaler), not the Hurtownia Danych product",
    ),
)

add(
    slug="english-nobody-can-log-in",
    when="2026-11-02 07:58",
    sender=ERIK,
    client="outlook",
    importance_high=True,
    subject="URGENT - nobody can log in to Kadry-Płace",
    body="""\
Hello,

Sorry for writing in English – our payroll specialist is on sick leave today.

Since 7:30 none of our users (9 people) can log in to Kadry-Płace. Everyone gets the message "Licencja programu wygasła. Skontaktuj się z dostawcą." We paid the invoice for the licence last week. Payroll for October must be closed today.

Could you please call me as soon as possible?

Best regards / Pozdrawiam
Erik Lindqvist
Finance Manager
Nordvik Logistics Polska Sp. z o.o.
+48 665 901 337
""",
    label=(
        True,
        "other",
        "Kadry-Płace",
        "written in English; none of the 9 users can log in; licence block, not the database",
    ),
)

add(
    slug="fk-jedyny-komputer-nie-startuje",
    when="2026-11-16 08:05",
    sender=KRUK,
    client="webmail",
    subject="Program F-K nie uruchamia się",
    body="""\
Dzień dobry,

prowadzę jednoosobową kancelarię i mam F-K zainstalowany tylko na jednym komputerze. Od dzisiaj rana program w ogóle się nie uruchamia – klikam ikonę, pojawia się klepsydra i nic. Restart komputera nie pomógł. Nie mam żadnego innego stanowiska, na którym mogłabym pracować, a w tym tygodniu rozliczam klientów (VAT za październik do 25.).

Bardzo proszę o pilny kontakt.

Anna Kruk
Kancelaria Podatkowa Anna Kruk
tel. 604 881 532
""",
    label=(
        True,
        "other",
        "F-K",
        "tricky positive: the only F-K workstation in the company fails, so work is "
        "impossible on every workstation (R-HRS-3); no 'awaria', no 'wszyscy'",
    ),
)

add(
    slug="soot-po-aktualizacji-sobota",
    when="2026-10-10 10:12",
    sender=NOWICKI,
    client="thunderbird",
    charset="iso-8859-2",
    subject="Po aktualizacji SOOT nie startuje na żadnym stanowisku",
    body=f"""\
Dzień dobry,

w nocy ściągnąłem i zainstalowałem aktualizację SOOT 26.3 zgodnie z Państwa komunikatem. Od rana program nie startuje na żadnym stanowisku - zaraz po uruchomieniu pojawia się "Błąd ładowania biblioteki soot_core.dll (0xC0000139)" i program się zamyka. Produkcja pracuje w sobotę na dwie zmiany i nie może rejestrować zleceń ani wydań.

Próbowałem przywrócić poprzednią wersję na jednym komputerze, ale wtedy też nie wchodzi. Proszę o pilny kontakt, jestem w firmie do 18: 607 332 019.

Adam Nowicki
Dział IT
Okmar S.A.

{DISCLAIMER_OKMAR.replace("–", "-")}
""",
    label=(
        True,
        "other",
        "SOOT",
        "ISO-8859-2; after an update the program starts on no workstation; Saturday",
    ),
)

add(
    slug="kadry-dzial-kadr-access-violation",
    when="2026-10-21 13:05",
    sender=GRAZYNA,
    client="outlook",
    importance_high=True,
    subject=E12_SUBJ,
    body="""\
Dzień dobry,

od godziny 12:30 w dziale kadr i płac (4 stanowiska – tylko u nas jest zainstalowany program Kadry-Płace) nikt nie może pracować. Program uruchamia się, ale przy otwarciu kartoteki pracowników albo listy płac wyskakuje „Access violation at address 0045A1F2” i program się zamyka. Na każdym z czterech komputerów to samo, również po ponownym uruchomieniu.

Jutro musimy przekazać listy płac do banku. Bardzo proszę o pilną interwencję.

Z poważaniem
Grażyna Olszewska
Kierownik Działu Kadr
Spółdzielnia Mleczarska „Narew-Mlek”
ul. Mleczarska 3, 18-400 Łomża
tel. 86 271 30 45
""",
    label=(
        True,
        "other",
        "Kadry-Płace",
        "every workstation that has Kadry-Płace (4, HR only) crashes on its core functions; "
        "'every workstation' is per program",
    ),
)

add(
    slug="soot-awaria-wielkimi-literami",
    when="2026-10-23 16:35",
    sender=GRABOWSKI,
    client="webmail",
    ascii_body=True,
    subject="AWARIA!!!!",
    body="""\
WSZYSTKIE KOMPUTERY WYRZUCA Z SOOT ZARAZ PO ZALOGOWANIU. NIE MOZEMY SPRZEDAWAC. PILNIE PROSZE DZWONIC 607 255 190

GRABOWSKI AUTO-CZESCI
""",
    label=(
        True,
        "other",
        "SOOT",
        "all caps, no diacritics; 'WSZYSTKIE KOMPUTERY'; just after 16:00",
    ),
)

add(
    slug="hurtownia-recovery-swieto",
    when="2026-11-11 09:20",
    sender=CZERWINSKI,
    client="thunderbird",
    subject="Hurtownia Danych niedostępna dla wszystkich – baza w trybie recovery",
    body="""\
Dzień dobry,

wiem, że dziś święto, ale mamy problem krytyczny. Od nocy baza Hurtowni Danych jest w trybie „In Recovery” i nie wychodzi z niego od ponad 6 godzin. Żaden użytkownik nie może otworzyć żadnego raportu ani kokpitu, a zarząd ma jutro o 8:00 posiedzenie z raportem sprzedaży.

Miejsce na dysku jest (ok. 400 GB wolne), serwer działa normalnie. Nie restartowałem usługi, żeby nie pogorszyć sprawy.

Pozdrawiam
Bartosz Czerwiński
Kierownik IT, Farmex Agro Sp. z o.o.
kom. 698 112 540
""",
    label=(
        True,
        "database_repair",
        "Hurtownia Danych",
        "11 November is a public holiday; no user can open any report; DB stuck in recovery",
    ),
)

add(
    slug="fk-nie-mozemy-pracowac-literowki",
    when="2026-11-10 14:10",
    sender=SOBCZAK,
    client="webmail",
    html_only=True,
    subject="nie mozemy pracowac w FK",
    body="""\
Dzien dobry
od 13 nie mozemy pracowac, wszystkie stanowsika pokazują bład "Brak połączenia z bazą danych FK_EKOTERM". U mnie i u żony w biurze to samo, serwerem jest komp w biurze i on chodzi normalnie. Co robic??

Łukasz Sobczak
Eko-Term Instalacje
tel 600 914 372
""",
    label=(
        True,
        "database_repair",
        "F-K",
        "HTML-only; typos ('stanowsika', 'FK'); both workstations of a 2-person firm",
    ),
)

add(
    slug="program-zamowien-nie-dziala-u-nikogo",
    when="2026-10-26 07:40",
    sender=LEWANDOWSKI,
    client="outlook",
    subject=E16_SUBJ,
    body=E16_BODY,
    label=(
        True,
        "other",
        "other",
        "custom software KJM wrote for the client; nobody (staff nor dealers) can work",
    ),
)

add(
    slug="kadry-zawiesza-sie-przy-starcie",
    when="2026-11-26 07:15",
    sender=DUDEK,
    client="outlook",
    subject="Kadry-Płace zawiesza się przy starcie",
    body="""\
Dzień dobry,

od rana Kadry-Płace zawiesza się przy starcie – na moim komputerze, u koleżanki i nawet bezpośrednio na serwerze. Program pokazuje okno „Trwa wczytywanie konfiguracji…” i na tym stoi. Nie mamy żadnego komputera, na którym program by działał, a jutro jest termin wypłat dla personelu.

Proszę o kontakt.

Katarzyna Dudek
Specjalista ds. kadr i płac
Przychodnia „Zdrowie na Mazurach”
tel. 89 741 22 08
""",
    label=(
        True,
        "other",
        "Kadry-Płace",
        "no 'awaria'/'pilne'; 'nie mamy żadnego komputera, na którym program by działał'",
    ),
)

add(
    slug="soot-baza-zablokowana",
    when="2026-11-20 15:45",
    sender=HALINA,
    client="outlook",
    charset="windows-1250",
    subject=E18_SUBJ,
    body=E18_BODY,
    label=(
        True,
        "database_repair",
        "SOOT",
        "windows-1250; database locked for everyone, 'nikt z nas nie może wejść'",
    ),
)

add(
    slug="fk-index-uszkodzony-zrzut",
    when="2026-10-13 19:05",
    sender=KAMINSKA,
    client="outlook",
    subject="Proszę o pilną interwencję – F-K nie działa w całej firmie",
    body="""\
Dobry wieczór,

w załączniku zrzut ekranu. Od ok. 18:30 przy każdej próbie otwarcia dziennika lub kartoteki kont F-K wyrzuca błąd „Index file corrupted: KONTA.IDX” i zamyka się. Sprawdziłam na swoim komputerze, u dwóch koleżanek i na serwerze – wszędzie tak samo. Wieczorem mamy jeszcze do zaksięgowania wyciągi, a jutro rano raport dla banku.

Z poważaniem
Elżbieta Kamińska
Księgowa
Farmex Agro Sp. z o.o.
tel. 86 218 40 70
""",
    attachments=(("zrzut_ekranu_F-K.png", "image/png", tiny_png("fk-index")),),
    label=(
        True,
        "database_repair",
        "F-K",
        "'w całej firmie'; corrupted index on every machine; evening; has a PNG attachment",
    ),
)

add(
    slug="kadry-cala-firma-stoi",
    when="2026-11-16 08:40",
    sender=OSTROWSKI,
    client="gmail",
    subject=E20_SUBJ,
    body=E20_BODY,
    label=(
        True,
        "database_repair",
        "Kadry-Płace",
        "partly without diacritics; inflected product name 'kadr-płac'; none of 5 computers",
    ),
)

add(
    slug="soot-system-lezy-sobota",
    when="2026-11-14 11:30",
    sender=SZYMANSKA,
    client="android",
    subject=E21_SUBJ,
    body=E21_BODY,
    label=(
        True,
        "other",
        "SOOT",
        "slang 'system leży'; no till and no office PC can connect; Saturday",
    ),
)

add(
    slug="fk-niespojnosc-struktury-urzad",
    when="2026-11-09 07:20",
    sender=PIETRZAK,
    client="thunderbird",
    charset="iso-8859-2",
    subject="F-K - błąd krytyczny bazy na wszystkich stanowiskach",
    body="""\
Dzień dobry,

od rana F-K na wszystkich stanowiskach w urzędzie (księgowość budżetowa, skarbnik, podatki - razem 7 komputerów) zgłasza przy starcie: "Błąd krytyczny: niespójność struktury bazy danych (tabela DEKRETY)". Nikt nie może księgować ani drukować raportów. W piątek wieczorem robiliśmy kopię bezpieczeństwa i wszystko było w porządku.

Proszę o możliwie szybką pomoc, dziś mija termin sprawozdania Rb-27S. Zdalny dostęp przygotowany.

Z poważaniem
Wiesław Pietrzak
informatyk
Urząd Gminy Stare Rybitwy
tel. 87 429 11 72
""",
    label=(
        True,
        "database_repair",
        "F-K",
        "ISO-8859-2; database structure error on all 7 stations",
    ),
)

add(
    slug="nic-nie-dziala-bez-nazwy-programu",
    when="2026-10-29 10:05",
    sender=WOJCIK,
    client="iphone",
    subject="Nic nie działa",
    body="""\
Dzień dobry, żaden komputer w firmie nie może połączyć się z programem, wszyscy dostają ten sam błąd o bazie danych. Prosze o pilny telefon do mnie 604 118 230.
Krzysztof Wójcik
Prezes Zarządu
Drukarnia Format Sp. z o.o.

Wysłane z iPhone'a
""",
    label=(
        True,
        "database_repair",
        "other",
        "'żaden komputer'; the program is not named, so product is not determinable (other)",
    ),
)

add(
    slug="soot-zmiana-nocna-magazyn",
    when="2026-11-12 23:05",
    sender=ADAMCZYK,
    client="outlook",
    subject="Brak połączenia z SOOT – zmiana nocna",
    body="""\
Dobry wieczór,

tu dyspozytornia Nordvik Logistics. Od 22:30 SOOT nie działa na żadnym stanowisku w magazynie ani w dyspozytorni – wszędzie „Błąd połączenia z bazą danych”. Nocna zmiana (14 osób) nie może kompletować wysyłek, a o 5:00 wyjeżdżają pierwsze auta.

Proszę o kontakt pod numer dyżurny 665 901 300.

Grzegorz Adamczyk
Kierownik zmiany nocnej
Nordvik Logistics Polska Sp. z o.o.
""",
    label=(
        True,
        "database_repair",
        "SOOT",
        "night (22:00-7:00 not counted for the SLA clock); no station works",
    ),
)

add(
    slug="kadry-serwer-padl-dyski",
    when="2026-10-22 08:10",
    sender=JABLONSKA,
    client="outlook",
    subject="Serwer padł – nie działa Kadry-Płace",
    body="""\
Dzień dobry,

dziś rano nasz serwer nie uruchomił się – na ekranie komunikat kontrolera „Array degraded – 2 disks failed”. Na nim jest baza Kadry-Płace, więc nikt w biurze (8 osób) nie może pracować. Wiem, że za sprzęt odpowiada u Państwa osobny dział – proszę o przekazanie zgłoszenia i pilny kontakt, bo klienci czekają na listy płac.

Pozdrawiam
Zofia Jabłońska
Biuro Rachunkowe Bilans-Plus s.c.
tel. 89 535 61 20
""",
    label=(
        True,
        "hardware",
        "Kadry-Płace",
        "cause is server hardware (out of scope, R-SCO-2) but work in the program is "
        "impossible for all 8 people, so still an emergency",
    ),
)

# ------------------------------------------------------------ tricky positives

add(
    slug="re-rozdzielenie-lat-a-fk-nie-startuje",
    when="2026-11-18 07:50",
    sender=KOWALSKI,
    client="thunderbird",
    subject="Re: " + O04_SUBJ,
    reply_to="<kjm-o04>",
    refs=("fk-rozdzielenie-lat-termin",),
    body="""\
Dzień dobry,

termin 12 stycznia nam pasuje, ale mamy teraz ważniejszą sprawę: od rana nikt u nas nie może uruchomić F-K. Na każdym komputerze (sprawdziłem wszystkie 8) wyskakuje „Nie można otworzyć pliku bazy – błąd odczytu”. Proszę o pilny telefon, rozdzieleniem lat zajmiemy się później.

Jan Kowalski
Biuro Rachunkowe Bilans-Plus s.c.
tel. 89 535 61 20, kom. 601 447 380
""",
    quote=Quote(
        "thunderbird",
        KJM,
        "2026-11-17 14:05",
        O04_SUBJ,
        KJM_O04,
        to=KOWALSKI.addr,
        inner=Quote("thunderbird", KOWALSKI, "2026-11-17 09:12", O04_SUBJ, O04_BODY),
    ),
    label=(
        True,
        "database_repair",
        "F-K",
        "tricky positive: reply in a harmless year-split thread; the NEW text reports F-K "
        "down on all 8 computers",
    ),
)

add(
    slug="re-korekta-faktury-a-soot-przestal-dzialac",
    when="2026-10-30 09:15",
    sender=KUREK,
    client="outlook",
    subject="RE: " + O28_SUBJ,
    reply_to="<kjm-o28>",
    refs=("soot-jak-zrobic-korekte-do-wz",),
    body="""\
Dzień dobry,

dziękuję za instrukcję, ale teraz mamy poważniejszy problem – od kilkunastu minut SOOT przestał działać na wszystkich stanowiskach, u mnie, w magazynie i u szefa. Program zawiesza się przy każdym zapisie i nie możemy wystawić żadnego dokumentu. Paweł (nasz informatyk) jest dziś na urlopie.

Proszę o pilny kontakt: 693 520 118.

Magdalena Kurek
Dział sprzedaży
Hurtownia Elektryczna WOLTEX Sp. j.
""",
    quote=Quote(
        "outlook_new",
        KJM,
        "2026-10-29 13:40",
        O28_SUBJ,
        KJM_O28,
        to=KUREK.addr,
        inner=Quote("outlook", KUREK, "2026-10-29 11:10", O28_SUBJ, O28_BODY),
    ),
    label=(
        True,
        "other",
        "SOOT",
        "tricky positive: 'RE:' of a how-to thread; NEW text says SOOT stopped on all stations",
    ),
)

add(
    slug="re-awaria-system-stoi-znowu",
    when="2026-10-09 07:05",
    sender=TOMASZ,
    client="gmail",
    subject="Re: " + E02_SUBJ,
    reply_to="<kjm-e02>",
    refs=("soot-system-stoi",),
    body=TP3_BODY,
    quote=Quote(
        "gmail",
        KJM,
        "2026-10-08 10:05",
        "Re: " + E02_SUBJ,
        KJM_E02,
        to=TOMASZ.addr,
        inner=Quote("gmail", TOMASZ, "2026-10-08 07:12", E02_SUBJ, E02_BODY),
    ),
    label=(
        True,
        "database_repair",
        "SOOT",
        "tricky positive: follow-up in an old emergency thread; the NEW text says the "
        "failure is back on every computer (compare the 'Dziękujemy, wszystko działa' reply)",
    ),
)

add(
    slug="soot-wylacza-sie-po-minucie",
    when="2026-10-07 17:20",
    sender=DABROWSKI,
    client="webmail",
    subject="Program wyłącza się po minucie",
    body="""\
Dzień dobry,

dziś od południa nie wystawiliśmy ani jednej faktury, bo SOOT wyłącza się sam po około minucie od uruchomienia – na obu komputerach, które mamy w firmie (biuro i serwis). Nie zdążymy nic zrobić, zanim program się zamknie. Klienci odbierają maszyny i czekają na dokumenty.

Proszę o szybki kontakt.

Sławomir Dąbrowski
Agro-Mech Dąbrowski
tel. 87 520 14 98, kom. 605 300 742
""",
    label=(
        True,
        "other",
        "SOOT",
        "tricky positive: no 'awaria'/'nikt'/'wszystkie'; 'na obu komputerach, które mamy "
        "w firmie' = every workstation; after 16:00",
    ),
)

add(
    slug="pd-kadry-place-nie-dziala-przekazane",
    when="2026-10-27 08:15",
    sender=LIS,
    client="outlook",
    subject="PD: Kadry-Płace nie działa",
    body=f"""\
Dzień dobry,

przesyłam zgłoszenie od naszej kadrowej. Potwierdzam – sprawdziłam u siebie i u pozostałych osób w dziale, na żadnym komputerze Kadry-Płace się nie otwiera. Proszę o pilny kontakt, dziś zamykamy listę płac.

Beata Lis
Kierownik Działu HR
Okmar S.A.
tel. 89 640 55 30

{DISCLAIMER_OKMAR}
""",
    quote=Quote(
        "outlook_classic",
        KUBIAK,
        "2026-10-27 08:02",
        "Kadry-Płace nie działa",
        """\
Pani Beato,

od rana Kadry-Płace nie otwiera się ani u mnie, ani u Kasi. Komunikat "Nie można zainicjować połączenia z bazą KP_OKMAR". Czy może Pani zgłosić do KJM?

Aneta
""",
        to="Beata Lis <b.lis@okmar.com.pl>",
    ),
    label=(
        True,
        "database_repair",
        "Kadry-Płace",
        "tricky positive: internal report forwarded ('PD:'); the NEW text confirms "
        "'na żadnym komputerze'",
    ),
)

add(
    slug="fk-nie-dziala-kadry-dzialaja",
    when="2026-11-19 10:40",
    sender=BIELECKI,
    client="outlook",
    subject="Problem z F-K",
    body="""\
Dzień dobry,

od ok. 10:00 F-K nie działa na żadnym komputerze w spółdzielni – przy logowaniu pojawia się „Błąd 3049: nie można otworzyć bazy danych”. Kadry-Płace działają normalnie, więc to chyba nie sieć.

Proszę o pilną pomoc.

Henryk Bielecki
Główny Księgowy
SM „Narew-Mlek”
tel. 86 271 30 40
""",
    label=(
        True,
        "database_repair",
        "F-K",
        "tricky positive: F-K down everywhere although another KJM program works; neutral "
        "subject; two products named, the failing one is F-K",
    ),
)

add(
    slug="re-wycena-hurtownia-nie-odpowiada",
    when="2026-11-24 09:05",
    sender=LEWANDOWSKI,
    client="outlook",
    subject="RE: " + P04_SUBJ,
    reply_to="<kjm-p04>",
    refs=("hurtownia-wycena-raportu-marzowosci",),
    body="""\
Dzień dobry,

wycenę przeanalizujemy w przyszłym tygodniu. Piszę jednak w innej, pilnej sprawie: od rana Hurtownia Danych nie odpowiada nikomu z naszych użytkowników – portal raportowy ładuje się w nieskończoność, a po kilku minutach pokazuje „Przekroczono limit czasu połączenia z bazą”. Dotyczy to całej firmy, także zarządu.

Proszę o pilne sprawdzenie.

Michał Lewandowski
""",
    quote=Quote(
        "outlook_new",
        KJM,
        "2026-11-20 11:30",
        "RE: " + P04_SUBJ,
        KJM_P04,
        to=LEWANDOWSKI.addr,
        inner=Quote("outlook", LEWANDOWSKI, "2026-11-16 10:15", P04_SUBJ, P04_BODY),
    ),
    label=(
        True,
        "database_repair",
        "Hurtownia Danych",
        "tricky positive: reply in a programming-quote ('wycena') thread; the NEW text "
        "reports the warehouse down for the whole company",
    ),
)

# ------------------------------------------------------------------ ordinary

add(
    slug="soot-jak-poprawic-date-faktury",
    when="2026-10-05 10:20",
    sender=HALINA,
    client="outlook",
    subject="Jak poprawić datę na fakturze?",
    body="""\
Dzień dobry,

wystawiłam dziś fakturę FV 1182/10/2026 z datą sprzedaży 30.09 zamiast 02.10. Faktura nie została jeszcze wysłana do klienta ani do KSeF. Jak mogę poprawić datę sprzedaży? Przy edycji pole jest szare.

Pozdrawiam
Halina Wróbel
Księgowa
Hydromet-Serwis Sp. z o.o.
""",
    label=(False, "consultation", "SOOT", "how-to question about correcting an invoice date"),
)

add(
    slug="fk-przeksiegowanie-w-zamknietym-miesiacu",
    when="2026-10-08 11:05",
    sender=PIATEK,
    client="outlook",
    charset="windows-1250",
    subject="Prośba o poprawienie dokumentu w zamkniętym miesiącu",
    body="""\
Dzień dobry,

we wrześniu zaksięgowałam fakturę zakupu energii od Energo-Pol (dok. KZ/0914/09) na złe konto – 402-01 zamiast 402-03. Wrzesień jest już zamknięty i sprawozdanie wysłane, więc nie mogę sama cofnąć dekretu. Czy możecie Państwo przeksięgować ten dokument na właściwe konto bez otwierania całego miesiąca?

Z poważaniem
Agnieszka Piątek
Księgowa
Zakład Usług Komunalnych Sp. z o.o. w Jezioranach Małych
""",
    label=(
        False,
        "document_fix",
        "F-K",
        "windows-1250; operator error in a closed period the user cannot fix herself",
    ),
)

add(
    slug="kadry-lista-plac-nadgodziny",
    when="2026-11-03 09:10",
    sender=MONIKA,
    client="outlook",
    subject="Lista płac – nie nalicza się dodatek za nadgodziny",
    body="""\
Dzień dobry,

na liście płac za październik u trzech pracowników zmianowych (produkcja, wydział serowarni) nie nalicza się dodatek 50% za nadgodziny, choć w ewidencji czasu pracy nadgodziny są wpisane. U pozostałych pracowników wszystko liczy się poprawnie. Czy trzeba coś zaznaczyć w kartotece albo w definicji listy?

Listy jeszcze nie zamknęłam.

Pozdrawiam
Monika Zielińska
Referent ds. płac
SM „Narew-Mlek”
""",
    label=(False, "consultation", "Kadry-Płace", "payroll list question; list still open"),
)

add(
    slug="fk-rozdzielenie-lat-termin",
    when="2026-11-17 09:12",
    sender=KOWALSKI,
    client="thunderbird",
    subject=O04_SUBJ,
    body=O04_BODY,
    label=(False, "year_split", "F-K", "asks for a date for 'rozdzielenie lat' in F-K"),
)

add(
    slug="soot-podzial-bazy-na-lata-sobota",
    when="2026-11-25 13:30",
    sender=KMIECIK,
    client="thunderbird",
    subject="Podział bazy SOOT na rok 2026 i 2027",
    body="""\
Dzień dobry,

chcielibyśmy w tym roku wcześniej zaplanować rozdzielenie bazy SOOT na lata. Poprzednio robiliśmy to w lutym i przez miesiąc pracowaliśmy na wspólnej bazie, co przy inwentaryzacji było kłopotliwe.

Czy da się to zrobić w sobotę 2 stycznia, kiedy hurtownia jest zamknięta? Jeśli nie, to jaki najbliższy termin w dzień roboczy?

--
Paweł Kmiecik
Administrator IT
Hurtownia Elektryczna WOLTEX Sp. j.
tel. 693 410 288
""",
    label=(
        False,
        "year_split",
        "SOOT",
        "year split phrased as 'rozdzielenie bazy na lata'; asks for a Saturday, which is "
        "outside KJM hours (R-SCO-1)",
    ),
)

add(
    slug="kadry-rozdzielenie-lat-bez-polskich-liter",
    when="2026-11-27 12:10",
    sender=PAWLAK,
    client="webmail",
    ascii_body=True,
    subject="rozdzielenie lat w kadrach",
    body="""\
Dzien dobry,
czy w Kadrach-Placach tez trzeba robic rozdzielenie lat tak jak w FK? Jesli tak to prosze o termin na poczatek stycznia.
Pozdrawiam
Ewa Pawlak
Stolarnia Pawlak
""",
    label=(
        False,
        "year_split",
        "Kadry-Płace",
        "no diacritics ('Kadrach-Placach'); asks whether and when to split years",
    ),
)

add(
    slug="soot-niespojnosc-jednego-dokumentu-wz",
    when="2026-10-15 10:45",
    sender=SZYMANSKA,
    client="gmail",
    subject="Nie otwiera się jeden dokument WZ",
    body="""\
Dzień dobry,

dokument WZ 1456/10/2026 jest widoczny na liście, ale przy próbie otwarcia pojawia się komunikat „Niespójność pozycji dokumentu – pozycja 3 wskazuje na nieistniejący towar”. Inne dokumenty otwierają się normalnie. Przez to nie możemy wystawić do niego faktury. Zrzut ekranu w załączniku.

Pozdrawiam
Iwona Szymańska
Domowy Zakątek – kierownik sklepu
tel. 515 440 862
""",
    attachments=(("zrzut błędu WZ.png", "image/png", tiny_png("wz-1456")),),
    label=(
        False,
        "database_repair",
        "SOOT",
        "database inconsistency on ONE document; attachment name is RFC 2231 encoded",
    ),
)

add(
    slug="fk-rozne-saldo-konta",
    when="2026-11-23 12:30",
    sender=KAMINSKA,
    client="outlook",
    subject="Różne saldo konta 202 w obrotach i w zestawieniu",
    body="""\
Dzień dobry,

w F-K saldo konta 202-00145 (kontrahent Agro-Sad) w zestawieniu obrotów i sald na 31.10 wynosi 12 430,00 zł Wn, a w kartotece konta – 11 930,00 zł. Różnica 500 zł, nie mogę znaleźć dokumentu, który by ją tłumaczył. Przeliczenie obrotów (Narzędzia → Przelicz obroty) nic nie zmieniło. Podejrzewam jakąś niespójność w bazie.

Czy możecie sprawdzić?

Z poważaniem
Elżbieta Kamińska
Księgowa
Farmex Agro Sp. z o.o.
""",
    label=(False, "database_repair", "F-K", "suspected database inconsistency in balances"),
)

add(
    slug="soot-wydruk-zestawienia-poziomo",
    when="2026-10-14 12:15",
    sender=SEK,
    client="winmail",
    subject="wydruk zestawienia",
    body="""\
Dzień dobry,
jak wydrukować zestawienie sprzedaży wg odbiorców na A4 w poziomie? Teraz drukuje się pionowo i ucina ostatnie kolumny (wartość brutto i marża). Drukarka ta sama co zawsze.
Dziękuję i pozdrawiam
Barbara Sęk
Piekarnia Złoty Kłos

Wysłano z aplikacji Poczta dla systemu Windows
""",
    extra_headers=(("X-Mailer", "Microsoft Windows Mail 16.0"),),
    label=(
        False,
        "consultation",
        "SOOT",
        "printing question (page orientation), not a hardware fault; product inferred from "
        "the sender (bakery uses SOOT) and 'zestawienie sprzedaży'",
    ),
)

add(
    slug="fk-duplikat-w-rejestrze-vat",
    when="2026-10-22 15:20",
    sender=KRUK,
    client="webmail",
    subject="Błędny rejestr VAT za wrzesień",
    body="""\
Dzień dobry,

w rejestrze VAT za wrzesień jednego z moich klientów (firma Stol-Mar) faktura zakupu paliwa została przez pomyłkę zaksięgowana dwa razy i deklaracja JPK wyszła zawyżona. Miesiąc jest zamknięty, JPK wysłany – będę robić korektę. Sama nie mogę usunąć duplikatu z zamkniętego okresu. Czy możecie go usunąć, żebym mogła wygenerować poprawiony JPK_V7M?

Z góry dziękuję.
Anna Kruk
Kancelaria Podatkowa
""",
    label=(
        False,
        "document_fix",
        "F-K",
        "wrong report caused by an operator's duplicate; user cannot remove it herself",
    ),
)

add(
    slug="fk-dziala-bardzo-wolno",
    when="2026-11-04 13:10",
    sender=ANNA_W,
    client="outlook",
    subject="F-K działa bardzo wolno",
    body="""\
Dzień dobry,

od kilku dni F-K działa u nas bardzo wolno. Otwarcie dziennika trwa ok. minuty, a zestawienie obrotów i sald liczy się kilka minut (wcześniej kilkanaście sekund). Pracować się da, ale jest to uciążliwe. Czy możecie zdalnie zobaczyć, co jest przyczyną? Najlepiej po 14:00.

Pozdrawiam
Anna Wiśniewska
Główna Księgowa
Transbet Sp. z o.o.
""",
    label=(
        False,
        "other",
        "F-K",
        "slow program, still usable ('pracować się da'); cause not yet known",
    ),
)

add(
    slug="kadry-zwolnienie-w-trakcie-urlopu",
    when="2026-10-16 09:35",
    sender=DUDEK,
    client="outlook",
    charset="windows-1250",
    subject="Zwolnienie lekarskie w trakcie urlopu – jak wprowadzić?",
    body="""\
Dzień dobry,

pracownica przebywająca na urlopie wypoczynkowym (12–23.10) przyniosła zwolnienie lekarskie od 15.10 do 21.10. Jak poprawnie wprowadzić to w Kadrach-Płacach, żeby urlop się przerwał, a dni niewykorzystanego urlopu wróciły do limitu? Przy próbie dodania nieobecności program pokazuje, że nieobecności się nakładają.

Pozdrawiam serdecznie
Katarzyna Dudek
Specjalista ds. kadr i płac
Przychodnia „Zdrowie na Mazurach”
""",
    label=(False, "consultation", "Kadry-Płace", "windows-1250; how-to question"),
)

add(
    slug="hurtownia-filtr-po-regionie",
    when="2026-10-20 10:00",
    sender=MAZUR,
    client="outlook",
    subject="Filtr po regionie w raporcie sprzedaży",
    body="""\
Dzień dobry,

w raporcie „Sprzedaż wg grup towarowych” w Hurtowni Danych jest filtr po handlowcu i po okresie. Czy da się samemu dodać filtr po regionie (województwie odbiorcy), czy to wymaga zmian po Państwa stronie? W innych raportach region jest dostępny.

Pozdrawiam
Piotr Mazur
Analityk danych
Farmex Agro Sp. z o.o.
""",
    label=(
        False,
        "consultation",
        "Hurtownia Danych",
        "asks whether the user can do it himself; may turn into programming later, but as "
        "written it is a question",
    ),
)

add(
    slug="kadry-zamknieta-lista-bledna-stawka",
    when="2026-11-05 14:50",
    sender=GRAZYNA,
    client="outlook",
    subject="Zamknięta lista płac z błędną stawką",
    body="""\
Dzień dobry,

zamknęliśmy listę płac L/10/2026/PROD z błędną stawką godzinową dla 12 pracowników (nie uwzględniła podwyżki od 1.10). Przelewy jeszcze nie poszły. Przy próbie otwarcia listy program informuje, że lista została przekazana do księgowości i nie można jej otworzyć. Jak to odkręcić? Jeśli nie da się tego zrobić po naszej stronie, prosimy o poprawienie.

Z poważaniem
Grażyna Olszewska
Kierownik Działu Kadr
Spółdzielnia Mleczarska „Narew-Mlek”
""",
    label=(
        False,
        "document_fix",
        "Kadry-Płace",
        "closed payroll list with an operator error, user cannot reopen it",
    ),
)

add(
    slug="soot-uprawnienia-nowego-uzytkownika",
    when="2026-11-02 11:20",
    sender=KMIECIK,
    client="thunderbird",
    subject="Uprawnienia dla nowego użytkownika",
    body="""\
Cześć,

zatrudniliśmy nową osobę na magazyn. Chcę jej założyć konto w SOOT tak, żeby mogła robić wydania i przyjęcia, ale nie widziała cen zakupu. Które uprawnienia odznaczyć? Próbowałem skopiować profil „Magazynier”, ale tam ceny są widoczne.

Dzięki
Paweł
""",
    label=(False, "consultation", "SOOT", "how to set user permissions"),
)

add(
    slug="pakiet-ile-godzin-zostalo",
    when="2026-10-12 18:40",
    sender=ZAJAC,
    client="gmail",
    subject="Ile godzin zostało w pakiecie?",
    body="""\
Dzień dobry,
proszę o informację ile godzin zostało nam w pakiecie i do kiedy jest ważny. Chcę wiedzieć czy kupować nowy przed końcem roku.
Pozdrawiam
Marek Zając
PPHU Lesbud
601 772 015
""",
    label=(False, "other", "other", "package balance question (R-PAK-1); no product"),
)

add(
    slug="opieka-autorska-prosba-o-wycene",
    when="2026-10-27 10:30",
    sender=WOJCIK,
    client="outlook",
    subject="Opieka autorska – prośba o wycenę",
    body="""\
Dzień dobry,

obecnie korzystamy z pakietów godzinowych, ale w tym roku kupiliśmy już cztery. Proszę o wycenę opieki autorskiej dla F-K (3 stanowiska) i Kadr-Płac (1 stanowisko), najlepiej od stycznia. Interesuje nas też rozszerzenie godzin do 18:00, bo pracujemy na dwie zmiany.

Z poważaniem
Krzysztof Wójcik
Prezes Zarządu
Drukarnia Format Sp. z o.o.
ul. Drukarska 12, 10-200 Olsztyn
""",
    label=(
        False,
        "other",
        "other",
        "contract quote (care + add-on hours), NOT programming despite 'wycena'; two "
        "products named, so product other",
    ),
)

add(
    slug="fk-import-wyciagu-mt940",
    when="2026-11-12 08:55",
    sender=RENATA,
    client="outlook",
    subject="Import wyciągu bankowego",
    body="""\
Dzień dobry,

bank zmienił format wyciągów i od listopada plik MT940 z banku nie chce się zaimportować do F-K – komunikat „Nieznany format pliku”. Czy jest nowa definicja importu dla tego banku albo jak ją zmienić? Plik mogę przesłać.

Pozdrawiam
Renata Górska
Dział księgowości
Transbet Sp. z o.o.
tel. 87 621 44 10 wew. 25
""",
    label=(False, "consultation", "F-K", "bank statement import question"),
)

add(
    slug="kadry-pracownik-dwa-razy-w-kartotece",
    when="2026-10-07 10:40",
    sender=JABLONSKA,
    client="outlook",
    subject="Pracownik dwa razy w kartotece",
    body="""\
Dzień dobry,

po imporcie danych z arkusza (nowi pracownicy klienta Auto-Mar) jedna pracownica – Joanna Nowak – widnieje w kartotece dwa razy, z tym samym numerem PESEL. Nie mogę usunąć żadnego z rekordów, bo program pokazuje, że istnieją powiązane umowy. Na liście płac pojawia się podwójnie. Prosimy o usunięcie zdublowanego wpisu.

Pozdrawiam
Zofia Jabłońska
Biuro Rachunkowe Bilans-Plus s.c.
tel. 89 535 61 20
""",
    label=(False, "database_repair", "Kadry-Płace", "duplicated record the user cannot delete"),
)

add(
    slug="hurtownia-o-ktorej-odswiezanie",
    when="2026-10-06 14:20",
    sender=LEWANDOWSKI,
    client="outlook",
    subject="O której odświeżają się dane w Hurtowni?",
    body=f"""\
Dzień dobry,

o której godzinie są ładowane dane do Hurtowni Danych? Rano o 7:30 w raporcie sprzedaży nie widzę jeszcze wczorajszych faktur, pojawiają się dopiero ok. 9. Czy można przyspieszyć ładowanie?

Pozdrawiam
Michał Lewandowski
Kontroler finansowy
Okmar S.A.

{DISCLAIMER_OKMAR}
""",
    label=(
        False,
        "consultation",
        "Hurtownia Danych",
        "question about load schedule; the legal footer mentions 'nie jest Pan/Pani adresatem'",
    ),
)

add(
    slug="kadry-aktualizacja-na-2027",
    when="2026-11-17 19:30",
    sender=MALINOWSKA,
    client="webmail",
    html_only=True,
    subject="Aktualizacja na 2027 rok",
    body="""\
Dzień dobry,
kiedy będzie dostępna aktualizacja Kadr-Płac ze stawkami na 2027 r. (płaca minimalna, limity ZUS)? Pierwszą listę w nowym roku robimy już 10 stycznia. Czy aktualizację instalujemy sami, czy Państwo robią to zdalnie?
Pozdrawiam
Dorota Malinowska
Apteka „Pod Lipami”
""",
    label=(
        False,
        "consultation",
        "Kadry-Płace",
        "HTML-only; question about the yearly update; sent in the evening",
    ),
)

add(
    slug="soot-faktura-na-zlego-kontrahenta",
    when="2026-11-10 11:30",
    sender=KUREK,
    client="outlook",
    subject="Faktura wystawiona na złego kontrahenta",
    body="""\
Dzień dobry,

faktura FS/2231/11/2026 została wystawiona na firmę Elektro-Bud z Olsztyna zamiast Elektro-Bud z Ostródy (dwa podobne kontrahenty). Faktura ma już nadany numer i została wysłana do KSeF, więc program nie pozwala zmienić nabywcy. Wiem, że trzeba będzie zrobić korektę – ale czy możecie poprawić powiązanie z WZ? WZ-ka też przeszła na złego odbiorcę i nie umiem jej przepiąć.

Pozdrawiam
Magdalena Kurek
Dział sprzedaży
Hurtownia Elektryczna WOLTEX Sp. j.
""",
    label=(False, "document_fix", "SOOT", "operator error on documents the user cannot fix"),
)

add(
    slug="fk-wydruk-polecenia-ksiegowania",
    when="2026-10-19 12:00",
    sender=BORKOWSKA,
    client="outlook",
    subject="Wydruk polecenia księgowania z podpisami",
    body="""\
Dzień dobry,

RIO przy kontroli zwróciło uwagę, że na wydrukach poleceń księgowania brakuje miejsca na podpisy osoby sprawdzającej i zatwierdzającej. Czy w F-K jest taki wzór wydruku? Jeśli tak, gdzie go ustawić?

Z poważaniem
Jolanta Borkowska
Skarbnik Gminy Stare Rybitwy
tel. 87 429 11 60
""",
    label=(
        False,
        "consultation",
        "F-K",
        "printing question; becomes programming only if no such template exists",
    ),
)

add(
    slug="soot-ujemne-stany-magazynowe",
    when="2026-11-05 08:30",
    sender=TOMASZ,
    client="gmail",
    subject="Ujemne stany magazynowe",
    body="""\
Witam,
przy kilku towarach (m.in. zawór kulowy 1/2" ZK-12, kolano PP 32) stan w kartotece pokazuje -14 szt., a z obrotów magazynowych wychodzi +6. Blokada ujemnych stanów jest włączona, więc nie powinno się to zdarzyć. Wygląda na błąd w bazie. Proszę o sprawdzenie, w piątek mamy inwentaryzację częściową.

Tomasz Rybicki
Kierownik magazynu
Hydromet-Serwis Sp. z o.o.
""",
    label=(False, "database_repair", "SOOT", "stock figures inconsistent with movements"),
)

add(
    slug="kadry-pit11-dla-zwolnionego",
    when="2026-11-30 10:10",
    sender=MONIKA,
    client="outlook",
    subject="PIT-11 dla osoby zwolnionej w trakcie roku",
    body="""\
Dzień dobry,

pracownik, który odszedł od nas we wrześniu, prosi o PIT-11 już teraz (potrzebuje do kredytu). Czy program pozwoli wygenerować PIT-11 przed końcem roku dla osoby zwolnionej i czy później, przy wysyłce zbiorczej w styczniu, nie wyśle się drugi raz?

Pozdrawiam
Monika Zielińska
Referent ds. płac
SM „Narew-Mlek”
""",
    label=(False, "consultation", "Kadry-Płace", "how-to question (tax form)"),
)

add(
    slug="nowe-adresy-do-zglaszania",
    when="2026-10-26 09:00",
    sender=WRONA,
    client="outlook",
    subject="Nowe adresy do kontaktu z pomocą",
    body="""\
Dzień dobry,

proszę o dopisanie do listy osób uprawnionych do zgłaszania spraw: Renata Górska (r.gorska@transbet-elk.pl, tel. 87 621 44 10 wew. 25) – od listopada przejmuje część obowiązków księgowych. Jednocześnie proszę o usunięcie adresu m.sadowski@transbet-elk.pl (ta osoba już u nas nie pracuje).

Z poważaniem
Tadeusz Wrona
Prezes Zarządu
Transbet Sp. z o.o.
""",
    label=(False, "other", "other", "registration of contact addresses (R-CON-6); no product"),
)

add(
    slug="fk-ksiegowanie-po-zamknieciu-miesiaca",
    when="2026-11-24 12:40",
    sender=KOWALCZYK,
    client="thebat",
    charset="windows-1250",
    subject="Zamknięcie miesiąca a dokument z poprzedniego okresu",
    body="""\
Dzień dobry,

czy po zamknięciu października w F-K mogę jeszcze zaksięgować dokument z datą październikową (faktura za media przyszła z opóźnieniem), czy muszę go księgować w listopadzie? Jeśli trzeba otworzyć miesiąc, to kto ma do tego uprawnienia – opcja „Otwórz okres” jest u mnie nieaktywna.

Pozdrawiam
Teresa Kowalczyk
Główna księgowa
Spółdzielnia Mieszkaniowa „Pojezierze”
tel. 89 752 40 18
""",
    label=(
        False,
        "consultation",
        "F-K",
        "windows-1250 8bit plain text from The Bat!; how-to question",
    ),
)

add(
    slug="soot-jak-zrobic-korekte-do-wz",
    when="2026-10-29 11:10",
    sender=KUREK,
    client="outlook",
    subject=O28_SUBJ,
    body=O28_BODY,
    label=(False, "consultation", "SOOT", "how to make a correcting invoice"),
)

add(
    slug="fk-jpk-kr-pd-pytanie",
    when="2026-11-13 13:25",
    sender=LEWANDOWSKI,
    client="outlook",
    subject="JPK_KR_PD od 2027 r.",
    body=f"""\
Dzień dobry,

od 2027 r. będziemy musieli przesyłać księgi w strukturze JPK_KR_PD. Czy F-K będzie to obsługiwał w ramach standardowej aktualizacji i czy musimy wcześniej uzupełnić znaczniki kont w planie kont? Jeśli tak – kiedy najlepiej to zrobić?

Pozdrawiam
Michał Lewandowski
Kontroler finansowy
Okmar S.A.

{DISCLAIMER_OKMAR}
""",
    label=(False, "consultation", "F-K", "question about a legal reporting format"),
)

# ----------------------------------------------------------------- out of scope

add(
    slug="fk-wycena-zestawienia-mpk",
    when="2026-10-13 10:30",
    sender=BIELECKI,
    client="outlook",
    subject="Prośba o wycenę – zestawienie kosztów wg MPK",
    body="""\
Dzień dobry,

zarząd spółdzielni potrzebuje co miesiąc zestawienia kosztów w układzie MPK × rodzaj kosztu, z porównaniem do budżetu (budżet prowadzimy w Excelu – wzór w załączniku). Obecnie robimy to ręcznie z zestawienia obrotów i sald. Prosimy o wycenę przygotowania takiego raportu w F-K i orientacyjny termin.

Z poważaniem
Henryk Bielecki
Główny Księgowy
SM „Narew-Mlek”
tel. 86 271 30 40
""",
    attachments=(
        (
            "budzet_MPK_2026.csv",
            "text/csv",
            "MPK;rodzaj;styczeń;luty;marzec\r\n501;paliwo;12000;11500;12800\r\n"
            "502;energia;8400;8100;7900\r\n".encode(),
        ),
    ),
    label=(False, "programming", "F-K", "new report, 'prosimy o wycenę'; CSV attachment"),
)

add(
    slug="kadry-pole-odziez-robocza",
    when="2026-10-05 13:45",
    sender=LIS,
    client="thunderbird",
    charset="iso-8859-2",
    subject="Dodatkowe pole w kartotece pracownika",
    body="""\
Dzień dobry,

prosimy o wycenę dodania w kartotece pracownika w Kadrach-Płacach pól: rozmiar odzieży roboczej, rozmiar obuwia i data ostatniego wydania odzieży, razem z możliwością wydruku zestawienia dla magazynu BHP i wyświetlania tych pól w widoku listy. Obecnie trzymamy to w osobnym arkuszu, co przy 240 pracownikach produkcji jest uciążliwe.

Z poważaniem
Beata Lis
Kierownik Działu HR
Okmar S.A.
""",
    label=(False, "programming", "Kadry-Płace", "ISO-8859-2; new fields, asks for a quote"),
)

add(
    slug="soot-integracja-ze-sklepem",
    when="2026-11-18 21:05",
    sender=SZYMANSKA,
    client="gmail",
    subject="Integracja SOOT ze sklepem internetowym",
    body="""\
Dzień dobry,

uruchamiamy sklep internetowy na platformie Shoper i chcielibyśmy, żeby zamówienia spływały automatycznie do SOOT, a stany magazynowe i ceny aktualizowały się w sklepie co godzinę. Czy robicie takie integracje? Prosimy o wycenę i informację, ile to potrwa – chcemy ruszyć przed świętami.

Iwona Szymańska
Domowy Zakątek – kierownik sklepu
tel. 515 440 862
""",
    label=(False, "programming", "SOOT", "integration request; sent late evening"),
)

add(
    slug="hurtownia-wycena-raportu-marzowosci",
    when="2026-11-16 10:15",
    sender=LEWANDOWSKI,
    client="outlook",
    subject=P04_SUBJ,
    body=P04_BODY,
    label=(
        False,
        "programming",
        "Hurtownia Danych",
        "new report quote; SOOT is only mentioned as a data source",
    ),
)

add(
    slug="rozbudowa-programu-rozliczen-kierowcow",
    when="2026-11-26 10:50",
    sender=WRONA,
    client="outlook",
    subject="Zmiana w programie do rozliczeń kierowców",
    body="""\
Dzień dobry,

od stycznia zmieniają się u nas zasady premiowania kierowców (premia za spalanie poniżej normy). Czy możecie rozbudować program do rozliczeń delegacji kierowców, który wykonaliście dla nas w 2023 r., o nowy składnik premii? Prosimy o wycenę i termin. Szczegóły regulaminu prześlę po odpowiedzi.

Z poważaniem
Tadeusz Wrona
Prezes Zarządu
Transbet Sp. z o.o.
""",
    label=(False, "programming", "other", "change to custom software written by KJM"),
)

add(
    slug="drukarka-nie-drukuje",
    when="2026-10-30 08:10",
    sender=SEK,
    client="winmail",
    subject="Drukarka nie drukuje",
    body="""\
Dzień dobry,
drukarka w biurze (HP LaserJet) od rana miga na pomarańczowo i nic nie drukuje – ani z programu, ani z Worda. Papier jest, toner wymieniony w zeszłym tygodniu. Czy możecie coś poradzić? Faktury wystawiamy normalnie, tylko nie możemy ich wydrukować, więc na razie wysyłamy mailem.
Barbara Sęk
Piekarnia Złoty Kłos

Wysłano z aplikacji Poczta dla systemu Windows
""",
    extra_headers=(("X-Mailer", "Microsoft Windows Mail 16.0"),),
    label=(False, "hardware", "other", "printer fault (peripheral); the program itself works"),
)

add(
    slug="internet-w-aptece-sie-rozlacza",
    when="2026-10-19 14:10",
    sender=MALINOWSKA,
    client="webmail",
    subject="Internet się rozłącza",
    body="""\
Dzień dobry,

od kilku dni internet w aptece co jakiś czas rozłącza się na kilka minut, wtedy wszystko się zawiesza. Czy mogą Państwo sprawdzić router albo doradzić, co zrobić? Dostawca internetu twierdzi, że u nich wszystko w porządku.

Dorota Malinowska
kierownik apteki
Apteka „Pod Lipami”
tel. 87 610 33 45
""",
    label=(
        False,
        "hardware",
        "other",
        "network problem; 'wszystko się zawiesza' only for minutes, intermittently",
    ),
)

add(
    slug="nowe-stanowisko-dla-ksiegowej",
    when="2026-10-14 09:30",
    sender=KOWALSKI,
    client="thunderbird",
    subject="Nowe stanowisko dla pracownicy",
    body="""\
Dzień dobry,

od 2 listopada zatrudniamy nową księgową. Potrzebujemy dla niej komputera – czy możecie zaproponować konkretny model (z monitorem), kupić, skonfigurować w naszej domenie i podłączyć do drukarki sieciowej? Licencję na dodatkowe stanowisko F-K i Kadr-Płac zamówimy osobno.

Jan Kowalski
Biuro Rachunkowe Bilans-Plus s.c.
tel. 89 535 61 20, kom. 601 447 380
""",
    label=(
        False,
        "hardware",
        "other",
        "new workstation purchase and setup; products only mentioned in passing",
    ),
)

add(
    slug="serwer-ostrzezenie-smart",
    when="2026-11-05 17:30",
    sender=WOJCIK,
    client="outlook",
    subject="Ostrzeżenie o dysku w serwerze",
    body="""\
Dzień dobry,

serwer od dwóch dni przy starcie pokazuje komunikat „S.M.A.R.T. status BAD, backup and replace”. Na razie wszystko działa normalnie, programy chodzą. Czy możecie wymienić dysk i przenieść dane, zanim padnie? Proszę o wycenę i termin.

Krzysztof Wójcik
Prezes Zarządu
Drukarnia Format Sp. z o.o.
""",
    label=(
        False,
        "hardware",
        "other",
        "preventive server disk replacement; contains 'wycena' and 'padnie' but nothing is down",
    ),
)

add(
    slug="przyjazd-szkolenie-kadry",
    when="2026-11-09 11:15",
    sender=GRAZYNA,
    client="outlook",
    subject="Prośba o przyjazd – szkolenie dla nowych pracowników kadr",
    body="""\
Dzień dobry,

do działu kadr dołączyły dwie nowe osoby. Prosimy o przyjazd Państwa konsultanta na jeden dzień szkolenia z Kadr-Płac na miejscu u nas w Łomży (wolimy stacjonarnie niż zdalnie – pracujemy na wspólnych przykładach). Proszę o propozycję terminu w grudniu i koszt dojazdu.

Z poważaniem
Grażyna Olszewska
Kierownik Działu Kadr
Spółdzielnia Mleczarska „Narew-Mlek”
""",
    label=(False, "visit", "Kadry-Płace", "on-site training request, 'prosimy o przyjazd'"),
)

add(
    slug="przyjazd-przeprowadzka-biura",
    when="2026-10-21 19:50",
    sender=ZAJAC,
    client="gmail",
    subject="przyjazd",
    body="""\
Dzień dobry,
czy moglibyście przyjechać do nas w czwartek albo piątek? Przenosimy biuro do nowej hali i trzeba będzie na nowo podłączyć F-K na trzech komputerach. Wolałbym żeby ktoś był na miejscu, bo przez telefon się nie dogadamy :)
Marek Zając
PPHU Lesbud
""",
    label=(
        False,
        "visit",
        "F-K",
        "asks for a technician on site (office move); the hardware aspect is secondary",
    ),
)

add(
    slug="skaner-kodow-przy-kasie",
    when="2026-10-06 16:40",
    sender=SZYMANSKA,
    client="android",
    subject="Skaner nie czyta kodów",
    body="""\
Dzień dobry, przy kasie nr 2 skaner kodów kreskowych przestał czytać – świeci, ale nie piszczy i nic nie wpisuje do SOOT. Przy kasie 1 skaner działa. Przełożyłam kabel do innego portu – bez zmian. Czy to wina programu czy skanera?

Iwona Szymańska
Domowy Zakątek

Wysłane z mojego Galaxy
""",
    label=(
        False,
        "hardware",
        "SOOT",
        "peripheral (barcode scanner) at one till; program named as context",
    ),
)

add(
    slug="fk-eksport-rozrachunkow-do-crm",
    when="2026-10-09 12:00",
    sender=CZERWINSKI,
    client="thunderbird",
    subject="Eksport rozrachunków do CRM",
    body="""\
Dzień dobry,

wdrażamy nowy CRM i handlowcy potrzebują widzieć zaległości klientów. Czy możecie przygotować automatyczny eksport rozrachunków z F-K (nierozliczone faktury, terminy, kwoty) do pliku CSV albo przez API, raz na dobę? Proszę o wycenę.

Pozdrawiam
Bartosz Czerwiński
Kierownik IT, Farmex Agro Sp. z o.o.
""",
    label=(False, "programming", "F-K", "integration/export request with 'wycena'"),
)

# --------------------------------------------------------------- tricky negatives

add(
    slug="fk-nie-dziala-u-jednej-ksiegowej",
    when="2026-10-01 09:05",
    sender=ANNA_W,
    client="outlook",
    subject="F-K nie działa u jednej księgowej",
    body="""\
Dzień dobry,

u jednej z księgowych (komputer KSIEG-03) F-K nie uruchamia się – wyskakuje „Błąd połączenia z serwerem bazy danych (kod 10061)”. U pozostałych pięciu osób program działa normalnie. Pani Ewa pracuje na razie na laptopie koleżanki.

Proszę o zdalne sprawdzenie, gdy znajdzie się chwila.

Pozdrawiam
Anna Wiśniewska
Główna Księgowa
Transbet Sp. z o.o.
""",
    label=(
        False,
        "other",
        "F-K",
        "same error text as the Transbet emergency, but ONE workstation only",
    ),
)

add(
    slug="re-zablokowana-baza-juz-dziala",
    when="2026-11-20 17:40",
    sender=HALINA,
    client="outlook",
    charset="windows-1250",
    subject="RE: " + E18_SUBJ,
    reply_to="<kjm-e18>",
    refs=("soot-baza-zablokowana",),
    body="""\
Dzień dobry,

już działa, dziękujemy! Wszyscy zalogowani, faktury wystawione.

Pozdrawiam
Halina Wróbel
""",
    quote=Quote(
        "outlook_classic",
        KJM,
        "2026-11-20 17:05",
        "RE: " + E18_SUBJ,
        KJM_E18,
        to=HALINA.addr,
        inner=Quote("outlook_classic", HALINA, "2026-11-20 15:45", E18_SUBJ, E18_BODY),
    ),
    label=(
        False,
        "other",
        "SOOT",
        "windows-1250 thank-you; the emergency is only in the subject ('RE:') and in the "
        "Outlook '-----Wiadomość oryginalna-----' quote",
    ),
)

add(
    slug="kadry-komunikat-przy-zamykaniu-nie-pilne",
    when="2026-11-02 15:30",
    sender=JABLONSKA,
    client="outlook",
    subject="Komunikat przy zamykaniu Kadr-Płac (nie jest pilne)",
    body="""\
Dzień dobry,

sprawa nie jest pilna: od ostatniej aktualizacji przy zamykaniu Kadr-Płac na wszystkich naszych komputerach pojawia się komunikat „Nie zapisano ustawień okna”. Po kliknięciu OK program się zamyka i wszystko jest w porządku, dane są zapisane. Czy można to wyłączyć?

Pozdrawiam
Zofia Jabłońska
Biuro Rachunkowe Bilans-Plus s.c.
""",
    label=(
        False,
        "consultation",
        "Kadry-Płace",
        "'na wszystkich naszych komputerach' but the program works; 'nie jest pilne'",
    ),
)

add(
    slug="fk-wczoraj-nikt-nie-mogl-dzis-ok",
    when="2026-10-28 08:45",
    sender=PIETRZAK,
    client="thunderbird",
    subject="Wczorajsza przerwa w działaniu F-K – przyczyna?",
    body="""\
Dzień dobry,

wczoraj między 13:00 a 14:00 nikt w urzędzie nie mógł się zalogować do F-K. Po restarcie serwera wszystko wróciło i dziś pracujemy bez problemów. Chciałbym jednak wiedzieć, co mogło być przyczyną, żeby się nie powtórzyło – logi z wczoraj mogę udostępnić. Nic pilnego.

Wiesław Pietrzak
informatyk
Urząd Gminy Stare Rybitwy
""",
    label=(
        False,
        "other",
        "F-K",
        "past outage ('wczoraj nikt nie mógł'), resolved today; asks for root cause",
    ),
)

add(
    slug="co-uznajecie-za-awarie-krytyczna",
    when="2026-11-03 12:10",
    sender=WOJCIK,
    client="outlook",
    subject="Pytanie o definicję awarii krytycznej",
    body="""\
Dzień dobry,

analizujemy Państwa ofertę opieki autorskiej. Co dokładnie uznajecie za awarię krytyczną z 2-godzinnym czasem reakcji? Np. jeśli nie działa tylko wysyłka do KSeF albo tylko drukowanie, a reszta programu chodzi – czy to jest awaria? A jeśli program nie działa na 2 z 3 stanowisk? A jeśli cała firma nie może pracować, bo padł serwer?

Z poważaniem
Krzysztof Wójcik
Prezes Zarządu
Drukarnia Format Sp. z o.o.
""",
    label=(
        False,
        "other",
        "other",
        "question about what counts as an emergency; contains 'cała firma nie może pracować' "
        "as a hypothetical",
    ),
)

add(
    slug="re-awaria-kadry-potwierdzenie-thunderbird",
    when="2026-11-24 12:05",
    sender=JABLONSKA,
    client="thunderbird",
    subject="Re: " + JAN_1124_SUBJ,
    reply_to="<jan-1124>",
    cc=("Jan Kowalski <jan.kowalski@bilansplus-biuro.pl>",),
    body="""\
Dzień dobry,

w imieniu Jana (jest u klienta) potwierdzam, że po Państwa interwencji Kadry-Płace działają na wszystkich stanowiskach. Dziękujemy za szybką reakcję!

Zofia Jabłońska
Biuro Rachunkowe Bilans-Plus s.c.
""",
    quote=Quote("thunderbird", KOWALSKI, "2026-11-24 10:15", JAN_1124_SUBJ, JAN_1124_BODY),
    label=(
        False,
        "other",
        "Kadry-Płace",
        "confirmation; the emergency is in the Thunderbird '>' quote and the 'Re:' subject; "
        "the new text even says 'na wszystkich stanowiskach' positively",
    ),
)

add(
    slug="fwd-zgloszenie-sprzed-tygodnia-rozliczenie",
    when="2026-11-25 10:30",
    sender=OSTROWSKI,
    client="gmail",
    subject="Fwd: " + E20_SUBJ,
    refs=("kadry-cala-firma-stoi",),
    body="""\
Dzień dobry,
przesyłam jeszcze raz nasze zgłoszenie z 16 listopada. Księgowa pyta czy za tamtą interwencję będzie osobna faktura i ile godzin zeszło z pakietu, bo to było rano w poniedziałek. Teraz wszystko działa bez problemu.

Jarek Ostrowski
""",
    quote=Quote("fwd_gmail", OSTROWSKI, "2026-11-16 08:40", E20_SUBJ, E20_BODY),
    label=(
        False,
        "other",
        "Kadry-Płace",
        "forward of an old emergency ('---------- Wiadomość przekazana ----------'); the new "
        "text is a billing question",
    ),
)

add(
    slug="re-awaria-system-stoi-dziekujemy",
    when="2026-10-09 11:30",
    sender=TOMASZ,
    client="gmail",
    subject="Re: " + E02_SUBJ,
    reply_to="<kjm-tp3>",
    refs=("soot-system-stoi", "<kjm-e02>", "re-awaria-system-stoi-znowu"),
    body="""\
Dziękujemy, wszystko działa.
Dysk zamówimy.

Tomasz Rybicki
""",
    quote=Quote(
        "gmail",
        KJM,
        "2026-10-09 09:40",
        "Re: " + E02_SUBJ,
        KJM_TP3,
        to=TOMASZ.addr,
        inner=Quote(
            "gmail",
            TOMASZ,
            "2026-10-09 07:05",
            "Re: " + E02_SUBJ,
            TP3_BODY,
            inner=Quote(
                "gmail", KJM, "2026-10-08 10:05", "Re: " + E02_SUBJ, KJM_E02, to=TOMASZ.addr
            ),
        ),
    ),
    label=(
        False,
        "other",
        "SOOT",
        "'Re: AWARIA – system stoi' with new text 'Dziękujemy, wszystko działa'; nested "
        "quotes hold two emergency reports",
    ),
)

add(
    slug="soot-co-gdyby-przestal-dzialac-w-sobote",
    when="2026-10-01 20:10",
    sender=SZYMANSKA,
    client="gmail",
    subject="Co zrobić gdyby system przestał działać w sobotę?",
    body="""\
Dzień dobry,

sklep jest otwarty w soboty 9–15. Co mamy zrobić, gdyby w sobotę SOOT przestał działać na wszystkich kasach? Dzwonić na numer stacjonarny czy pisać maila? I czy taka interwencja w sobotę jest płatna dodatkowo?

Na szczęście na razie nic takiego się nie stało.

Pozdrawiam
Iwona Szymańska
Domowy Zakątek – kierownik sklepu
""",
    label=(
        False,
        "other",
        "SOOT",
        "hypothetical ('gdyby ... przestał działać na wszystkich kasach'); procedure question",
    ),
)

add(
    slug="fk-nie-ma-awarii-tylko-pytanie",
    when="2026-11-25 09:40",
    sender=RENATA,
    client="outlook",
    subject="Pytanie – nie awaria",
    body="""\
Dzień dobry,

nie ma żadnej awarii, tylko pytanie: jak w F-K ustawić, żeby przy księgowaniu wyciągu program sam podpowiadał rozrachunki po numerze faktury z tytułu przelewu? Koleżanka z poprzedniej pracy mówiła, że jej program tak robił.

Pozdrawiam
Renata Górska
Dział księgowości
Transbet Sp. z o.o.
""",
    label=(False, "consultation", "F-K", "negation: 'nie ma żadnej awarii, tylko pytanie'"),
)

add(
    slug="awaria-drukarki-w-ksiegowosci",
    when="2026-10-29 07:50",
    sender=PIATEK,
    client="outlook",
    subject="AWARIA drukarki w księgowości",
    body="""\
Dzień dobry,

mamy awarię drukarki Kyocera w księgowości – zacina papier i wyświetla błąd C6000. Programy działają, tylko nie możemy drukować. Czy Państwa dział sprzętowy może przyjechać?

Pozdrawiam
Agnieszka Piątek
Księgowa
Zakład Usług Komunalnych Sp. z o.o. w Jezioranach Małych
""",
    label=(
        False,
        "hardware",
        "other",
        "'AWARIA' in the subject but it is a printer; programs work; asks hardware dept to come",
    ),
)

add(
    slug="awaria-soot-na-portierni-jeden-komputer",
    when="2026-11-12 07:35",
    sender=NOWICKI,
    client="thunderbird",
    charset="iso-8859-2",
    subject="AWARIA - komputer na portierni nie uruchamia SOOT",
    body="""\
Dzień dobry,

na komputerze na portierni (rejestracja wjazdów i wydań) od rana SOOT nie startuje - komunikat, że plik konfiguracyjny zniknął albo jest nieczytelny. Sprawdziłem, że ścieżka do serwera jest dostępna. Na wszystkich pozostałych stanowiskach program działa normalnie. Portier na razie zapisuje wjazdy w zeszycie.

Proszę o zdalne sprawdzenie dziś, jeśli to możliwe.

Adam Nowicki
Dział IT
Okmar S.A.
""",
    label=(
        False,
        "other",
        "SOOT",
        "ISO-8859-2; 'AWARIA' in the subject but ONE workstation; 'na wszystkich pozostałych "
        "stanowiskach program działa'",
    ),
)

add(
    slug="fk-wolno-na-wszystkich-komputerach",
    when="2026-11-18 11:10",
    sender=BIELECKI,
    client="outlook",
    subject="Bardzo wolne działanie F-K na wszystkich komputerach",
    body="""\
Dzień dobry,

od poniedziałku F-K działa bardzo wolno na wszystkich komputerach w księgowości – zaksięgowanie jednego dokumentu trwa ok. pół minuty, raporty liczą się po kilka minut. Da się pracować, ale idzie to bardzo opornie, a zbliża się zamknięcie miesiąca. Prosimy o sprawdzenie w wolnej chwili, najlepiej po 15:00.

Z poważaniem
Henryk Bielecki
Główny Księgowy
SM „Narew-Mlek”
""",
    label=(
        False,
        "other",
        "F-K",
        "'na wszystkich komputerach' but slow, not impossible ('da się pracować')",
    ),
)

add(
    slug="fk-aktualizacja-na-wszystkich-komputerach",
    when="2026-10-24 10:30",
    sender=SOBCZAK,
    client="webmail",
    subject="aktualizacja",
    body="""\
Dzien dobry,
dostałem maila o nowej wersji F-K. Czy aktualizację trzeba instalować na wszystkich komputerach, czy wystarczy na serwerze? Mam 2 komputery. I czy mogę to zrobić w weekend sam, czy lepiej z Wami?
Łukasz Sobczak
Eko-Term
""",
    label=(
        False,
        "consultation",
        "F-K",
        "'na wszystkich komputerach' in a question about installing an update; Saturday",
    ),
)

add(
    slug="kadry-nikt-nie-wie-jak-korekta",
    when="2026-11-04 12:40",
    sender=DUDEK,
    client="outlook",
    subject="Korekta listy płac – nikt u nas nie wie jak",
    body="""\
Dzień dobry,

nikt u nas nie wie, jak zrobić korektę listy płac za wrzesień – pielęgniarce nie naliczyliśmy dodatku za pracę w porze nocnej (3 dyżury). Poprzednia kadrowa robiła to jakoś przez listę dodatkową, ale nie zostawiła instrukcji. Czy możecie podpowiedzieć krok po kroku?

Pozdrawiam
Katarzyna Dudek
Specjalista ds. kadr i płac
Przychodnia „Zdrowie na Mazurach”
""",
    label=(False, "consultation", "Kadry-Płace", "'nikt u nas nie wie' is about know-how"),
)

add(
    slug="planowane-wylaczenie-pradu-w-urzedzie",
    when="2026-11-17 13:00",
    sender=PIETRZAK,
    client="thunderbird",
    charset="iso-8859-2",
    cte="quoted-printable",
    subject="Planowane wyłączenie prądu w sobotę",
    body="""\
Dzień dobry,

w sobotę 21.11 w budynku urzędu będzie wyłączony prąd (prace energetyczne od 7 do 15). Serwer i wszystkie komputery będą wyłączone, więc F-K i Kadry-Płace nie będą działać. Czy przed wyłączeniem trzeba coś zrobić z bazami (np. zatrzymać usługi w określonej kolejności, zrobić kopię), żeby w poniedziałek wszystko wstało bez problemu?

Z poważaniem
Wiesław Pietrzak
informatyk
Urząd Gminy Stare Rybitwy
""",
    label=(
        False,
        "consultation",
        "other",
        "ISO-8859-2 quoted-printable; planned future outage, 'nie będą działać' is future; "
        "two products, so product other",
    ),
)

add(
    slug="fk-dwa-z-trzech-komputerow",
    when="2026-11-23 08:30",
    sender=ZAJAC,
    client="gmail",
    subject="FK nie chodzi na dwóch komputerach",
    body="""\
Dzień dobry,
od rana F-K nie chodzi na dwóch komputerach z trzech – wyskakuje błąd sieci. Na trzecim (u mnie) działa normalnie, więc faktury księgujemy u mnie po kolei. Chyba coś po przeprowadzce biura, przełożyli nam kable. Prosze zadzwonić jak będzie chwila.
Marek Zając
PPHU Lesbud
601 772 015
""",
    label=(
        False,
        "other",
        "F-K",
        "2 of 3 workstations down, one works; cause probably network but not established",
    ),
)

add(
    slug="fk-dziala-tylko-na-jednym-komputerze",
    when="2026-11-26 08:20",
    sender=KAMINSKA,
    client="outlook",
    subject="F-K działa tylko na jednym komputerze",
    body="""\
Dzień dobry,

od rana F-K działa tylko na jednym komputerze (u mnie), na pozostałych siedmiu w księgowości pojawia się „Nie można zlokalizować serwera licencji”. Na tym jednym stanowisku pracujemy na zmianę, ale to bardzo spowalnia pracę przy zamknięciu miesiąca. Proszę o możliwie szybką pomoc.

Elżbieta Kamińska
Księgowa
Farmex Agro Sp. z o.o.
""",
    label=(
        False,
        "other",
        "F-K",
        "borderline on purpose: 7 of 8 down but one workstation still works, so under the "
        "strict R-HRS-3 wording ('every workstation') it is not an emergency",
    ),
)

add(
    slug="soot-licencja-wygasa-za-5-dni",
    when="2026-11-24 14:15",
    sender=TOMASZ,
    client="gmail",
    subject="Komunikat o wygasającej licencji",
    body="""\
Witam,
od dziś przy logowaniu do SOOT wyświetla się komunikat, że licencja wygasa za 5 dni. Czy po tym terminie nikt nie będzie mógł pracować? Fakturę za opiekę opłaciliśmy w zeszłym tygodniu. Proszę o przedłużenie klucza, żebyśmy nie mieli przestoju.

Tomasz Rybicki
Kierownik magazynu
Hydromet-Serwis Sp. z o.o.
""",
    label=(
        False,
        "other",
        "SOOT",
        "future ('nikt nie będzie mógł pracować?'); the program works today",
    ),
)

add(
    slug="automatyczna-odpowiedz-urlop",
    when="2026-10-22 07:56",
    sender=GRAZYNA,
    client="outlook",
    subject="Automatyczna odpowiedź: RE: " + E12_SUBJ,
    reply_to="<kjm-e12>",
    refs=("kadry-dzial-kadr-access-violation",),
    extra_headers=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
    body="""\
Dzień dobry,

jestem na urlopie do 30.10.2026 r. W sprawach pilnych proszę o kontakt z p. Moniką Zielińską, m.zielinska@narewmlek.pl, tel. 86 271 30 47.

Grażyna Olszewska
""",
    label=(
        False,
        "other",
        "Kadry-Płace",
        "out-of-office auto-reply (Auto-Submitted); emergency words only in the inherited "
        "subject; 'W sprawach pilnych'",
    ),
)

add(
    slug="skarga-na-czas-reakcji-w-sobote",
    when="2026-10-12 08:30",
    sender=NOWICKI,
    client="thunderbird",
    subject="Czas reakcji w sobotę 10.10",
    refs=("soot-po-aktualizacji-sobota",),
    body=f"""\
Dzień dobry,

w sobotę 10.10 zgłosiłem mailem o 10:12 awarię SOOT po aktualizacji – program nie startował na żadnym stanowisku. Pierwszy kontakt od Państwa był dopiero o 14:40, a produkcja stała przez cały ten czas. Z tego, co rozumiem, mamy w umowie 2 godziny na reakcję przy awarii krytycznej.

Proszę o wyjaśnienie i informację, czy interwencja sobotnia będzie dodatkowo płatna.

Z poważaniem
Adam Nowicki
Dział IT
Okmar S.A.

{DISCLAIMER_OKMAR}
""",
    label=(
        False,
        "other",
        "SOOT",
        "complaint about a past emergency, told in the past tense ('nie startował na żadnym')",
    ),
)

add(
    slug="re-system-lezy-prosba-o-raport",
    when="2026-11-16 09:30",
    sender=SZYMANSKA,
    client="gmail",
    subject="Re: " + E21_SUBJ,
    reply_to="<kjm-e21>",
    refs=("soot-system-lezy-sobota",),
    body="""\
Dzień dobry,

dziękujemy za sobotnią pomoc. Czy możemy prosić o krótki raport z interwencji dla właściciela (co się stało i jak długo to trwało)?

Pozdrawiam
Iwona Szymańska
Domowy Zakątek – kierownik sklepu
""",
    quote=Quote(
        "gmail",
        KJM,
        "2026-11-14 12:45",
        "Re: " + E21_SUBJ,
        KJM_E21,
        to=SZYMANSKA.addr,
        inner=Quote("gmail", SZYMANSKA, "2026-11-14 11:30", E21_SUBJ, E21_BODY),
    ),
    label=(
        False,
        "other",
        "SOOT",
        "asks for an incident report; Gmail quote ('napisał(a):') holds the old emergency",
    ),
)

add(
    slug="fk-jpk-blad-walidacji-wszystkie-stanowiska",
    when="2026-11-20 10:05",
    sender=PIATEK,
    client="outlook",
    subject="Nie generuje się JPK_V7M",
    body="""\
Dzień dobry,

przy generowaniu JPK_V7M za październik pojawia się błąd walidacji „Element P_15: niepoprawna wartość”. Próbowałyśmy na wszystkich stanowiskach i wszędzie to samo. Poza tym program działa normalnie, księgujemy bez problemu. Termin wysyłki mamy do 25.

Pozdrawiam
Agnieszka Piątek
Księgowa
Zakład Usług Komunalnych Sp. z o.o. w Jezioranach Małych
""",
    label=(
        False,
        "other",
        "F-K",
        "one function fails on all stations, the rest of the program works; cause unknown",
    ),
)

add(
    slug="pilne-korekta-listy-przed-wyplata",
    when="2026-10-30 14:20",
    sender=MONIKA,
    client="outlook",
    importance_high=True,
    subject="PILNE!!! korekta listy płac przed wypłatą",
    body="""\
Dzień dobry,

PILNE – na liście płac za październik dwóm kierowcom naliczył się podwójny ryczałt za noclegi (lista zamknięta, przelewy idą w poniedziałek rano). Sama nie mogę już otworzyć listy. Bardzo prosimy o poprawienie jeszcze dziś albo w poniedziałek przed 8:00.

Monika Zielińska
Referent ds. płac
SM „Narew-Mlek”
""",
    label=(
        False,
        "document_fix",
        "Kadry-Płace",
        "urgent wording and Importance: High, but a document fix, not a failure",
    ),
)

add(
    slug="fk-czesc-osob-nie-moze-sie-zalogowac",
    when="2026-11-30 07:50",
    sender=ANNA_W,
    client="outlook",
    subject="Część osób nie może się zalogować do F-K",
    body="""\
Dzień dobry,

od rana trzy z sześciu osób w księgowości nie mogą się zalogować do F-K – program odrzuca hasło, choć nikt go nie zmieniał. Pozostałe trzy pracują normalnie. Czy to coś z wymuszoną zmianą haseł na koniec miesiąca?

Pozdrawiam
Anna Wiśniewska
Główna Księgowa
Transbet Sp. z o.o.
""",
    label=(False, "other", "F-K", "half of the users cannot log in; the other half works"),
)

add(
    slug="co-w-przypadku-awarii-serwera",
    when="2026-11-04 21:15",
    sender=PAWLAK,
    client="webmail",
    ascii_body=True,
    subject="Co w przypadku awarii serwera?",
    body="""\
dzien dobry,
kupujemy nowy serwer i informatyk pyta co jesli stary padnie zanim przeniesiemy bazy - czy mozna wtedy dzwonic do Was w nocy i ile to kosztuje? na razie wszystko dziala.
Ewa Pawlak
Stolarnia Pawlak
""",
    label=(
        False,
        "other",
        "other",
        "hypothetical ('co jesli stary padnie'); 'awarii' only in the subject question",
    ),
)

add(
    slug="re-program-zamowien-dziala-dziekuje",
    when="2026-10-26 09:20",
    sender=LEWANDOWSKI,
    client="outlook",
    subject="RE: " + E16_SUBJ,
    reply_to="<kjm-e16>",
    refs=("program-zamowien-nie-dziala-u-nikogo",),
    body="""\
Dzień dobry,

potwierdzam – program do zamówień działa, dealerzy składają zamówienia. Dziękuję za szybką reakcję.

Michał Lewandowski
""",
    quote=Quote(
        "outlook",
        KJM,
        "2026-10-26 08:55",
        "RE: " + E16_SUBJ,
        KJM_E16,
        to=LEWANDOWSKI.addr,
        inner=Quote("outlook", LEWANDOWSKI, "2026-10-26 07:40", E16_SUBJ, E16_BODY),
    ),
    label=(
        False,
        "other",
        "other",
        "thank-you; subject 'RE: ... nie działa u nikogo'; Outlook 'Od:/Wysłano:' quote",
    ),
)

add(
    slug="re-awaria-fk-dziala-iphone",
    when="2026-11-07 11:20",
    sender=KAMINSKA,
    client="iphone",
    subject="Re: " + E05_SUBJ,
    reply_to="<kjm-e05>",
    refs=("fk-awaria-tylko-w-temacie",),
    body="""\
Działa! Dziękuję bardzo

Elżbieta

Wysłane z iPhone'a
""",
    quote=Quote(
        "iphone",
        KJM,
        "2026-11-07 11:02",
        "Re: " + E05_SUBJ,
        KJM_E05,
        to=KAMINSKA.addr,
        inner=Quote("iphone", KAMINSKA, "2026-11-07 09:41", E05_SUBJ, E05_BODY),
    ),
    label=(
        False,
        "other",
        "F-K",
        "two-word thanks from a phone; subject 'Re: AWARIA F-K – cała firma nie może pracować'",
    ),
)


# ------------------------------------------------------------ added in a second pass

KJM_E13 = f"""\
Dzień dobry,

po zdalnym połączeniu okazało się, że w nocy zmieniła się konfiguracja zapory na serwerze i stanowiska traciły połączenie z bazą. Przywróciliśmy ustawienia – SOOT działa na wszystkich komputerach.

{SIG_KJM_MG}
"""

add(
    slug="re-awaria-dziala-juz-webmail",
    when="2026-10-23 18:02",
    sender=GRABOWSKI,
    client="webmail",
    ascii_body=True,
    subject="Re: AWARIA!!!!",
    reply_to="<kjm-e13>",
    refs=("soot-awaria-wielkimi-literami",),
    body="""\
dziala juz, dzieki za szybka pomoc
Grabowski
""",
    quote=Quote(
        "webmail",
        KJM,
        "2026-10-23 17:41",
        "Re: AWARIA!!!!",
        KJM_E13,
        to=GRABOWSKI.addr,
        inner=Quote(
            "webmail",
            GRABOWSKI,
            "2026-10-23 16:35",
            "AWARIA!!!!",
            """\
WSZYSTKIE KOMPUTERY WYRZUCA Z SOOT ZARAZ PO ZALOGOWANIU. NIE MOZEMY SPRZEDAWAC. PILNIE PROSZE DZWONIC 607 255 190

GRABOWSKI AUTO-CZESCI
""",
        ),
    ),
    label=(
        False,
        "other",
        "SOOT",
        "thanks without diacritics; webmail quote ('Dnia ... napisał(a):') holds the emergency",
    ),
)

KJM_KRUK = f"""\
Dzień dobry,

prosimy spróbować uruchomić F-K prawym przyciskiem myszy „Uruchom jako administrator”. Jeśli to nie pomoże, prosimy o odpowiedź – połączymy się zdalnie.

{SIG_KJM_LB}
"""

add(
    slug="re-fk-jedyny-komputer-nadal-nic",
    when="2026-11-16 09:25",
    sender=KRUK,
    client="webmail",
    subject="Re: Program F-K nie uruchamia się",
    reply_to="<kjm-kruk>",
    refs=("fk-jedyny-komputer-nie-startuje",),
    body="""\
Dzień dobry,

jako administrator też się nie uruchamia. Nadal nie mam jak pracować, to mój jedyny komputer z programem. Proszę o połączenie zdalne jak najszybciej, AnyDesk: 812 334 905.

Anna Kruk
""",
    quote=Quote(
        "webmail",
        KJM,
        "2026-11-16 09:10",
        "Re: Program F-K nie uruchamia się",
        KJM_KRUK,
        to=KRUK.addr,
    ),
    label=(
        True,
        "other",
        "F-K",
        "tricky positive: follow-up; the only workstation with F-K still does not start",
    ),
)

KJM_NORDVIK = f"""\
Dobry wieczór,

prosimy o ponowne uruchomienie usługi „SOOT Database Service” na serwerze SRV-WMS (Usługi → SOOT Database Service → Uruchom ponownie) i informację, czy to pomogło. Dyżurny łączy się zdalnie.

{SIG_KJM_MG}
"""

add(
    slug="re-zmiana-nocna-restart-dalej-to-samo",
    when="2026-11-12 23:52",
    sender=ADAMCZYK,
    client="outlook",
    subject="RE: Brak połączenia z SOOT – zmiana nocna",
    reply_to="<kjm-nordvik>",
    refs=("soot-zmiana-nocna-magazyn",),
    body="""\
Restart zrobiony, dalej to samo. Czekamy na telefon.

G. Adamczyk
""",
    quote=Quote(
        "outlook",
        KJM,
        "2026-11-12 23:40",
        "RE: Brak połączenia z SOOT – zmiana nocna",
        KJM_NORDVIK,
        to=ADAMCZYK.addr,
    ),
    label=(
        True,
        "database_repair",
        "SOOT",
        "tricky positive: 'dalej to samo' only makes sense with the thread: the company-wide "
        "failure from the original report persists; needs thread context",
    ),
)

add(
    slug="kadry-bledny-zus-na-zamknietej-liscie",
    when="2026-10-20 13:35",
    sender=JABLONSKA,
    client="outlook",
    subject="Błędna składka ZUS na zamkniętej liście – klient Auto-Mar",
    body="""\
Dzień dobry,

u klienta Auto-Mar na wrześniowej liście płac jednemu zleceniobiorcy (student do 26 lat) program naliczył składki ZUS, bo w kartotece nie było zaznaczonego statusu studenta. Lista jest zamknięta i rozliczona w deklaracji. Status już poprawiłam, ale listy nie mogę otworzyć ponownie. Czy możecie poprawić listę, żebym mogła przygotować korektę deklaracji?

Pozdrawiam
Zofia Jabłońska
Biuro Rachunkowe Bilans-Plus s.c.
tel. 89 535 61 20
""",
    label=(
        False,
        "document_fix",
        "Kadry-Płace",
        "operator error on a closed payroll list the user cannot reopen",
    ),
)

add(
    slug="soot-cofniecie-zatwierdzonej-inwentaryzacji",
    when="2026-11-09 14:05",
    sender=TOMASZ,
    client="gmail",
    subject="Cofnięcie zatwierdzonej inwentaryzacji",
    body="""\
Witam,
w piątek zatwierdziliśmy arkusz inwentaryzacji częściowej INW/11/2026/03, a okazało się, że magazynier wpisał ilości dla dwóch regałów w złych jednostkach (metry zamiast sztuk). Program nie pozwala anulować zatwierdzonego arkusza, bo są już do niego wygenerowane dokumenty różnic. Czy możecie to cofnąć?

Tomasz Rybicki
Kierownik magazynu
Hydromet-Serwis Sp. z o.o.
""",
    label=(
        False,
        "document_fix",
        "SOOT",
        "operator error on an approved document the user cannot cancel",
    ),
)

add(
    slug="przyjazd-przeglad-konfiguracji-w-urzedzie",
    when="2026-11-27 09:50",
    sender=BORKOWSKA,
    client="outlook",
    subject="Prośba o przyjazd konsultanta",
    body="""\
Dzień dobry,

od stycznia zmienia się u nas skład księgowości (dwie nowe osoby, nowa struktura budżetu). Prosimy o przyjazd Państwa konsultanta do urzędu na jeden dzień w pierwszej połowie stycznia – chcielibyśmy na miejscu przejść przez plan kont, uprawnienia i wzorce dekretów w F-K. Proszę o informację o kosztach dojazdu.

Z poważaniem
Jolanta Borkowska
Skarbnik Gminy Stare Rybitwy
tel. 87 429 11 60
""",
    label=(False, "visit", "F-K", "asks for an on-site consultant (travel is out of scope)"),
)

add(
    slug="fk-rozdzielenie-roku-obrachunkowego",
    when="2026-11-19 15:10",
    sender=ANNA_W,
    client="outlook",
    subject="Rozdzielenie roku obrachunkowego",
    body="""\
Dzień dobry,

jak co roku prosimy o rozdzielenie roku obrachunkowego w F-K. Bilans zamykamy zwykle w marcu, więc do tego czasu musimy pracować równolegle na 2026 i 2027. Czy rozdzielenie może być zrobione 4 stycznia rano, zanim zaczniemy księgować styczniowe dokumenty?

Pozdrawiam
Anna Wiśniewska
Główna Księgowa
Transbet Sp. z o.o.
""",
    label=(False, "year_split", "F-K", "year split phrased as 'rozdzielenie roku obrachunkowego'"),
)


# ================================================================== write out

SYNTHETIC = {
    "<kjm-e02>": "e02",
    "<kjm-tp3>": "tp3",
    "<kjm-o04>": "o04",
    "<kjm-o28>": "o28",
    "<kjm-p04>": "p04",
    "<kjm-e18>": "e18",
    "<kjm-e16>": "e16",
    "<kjm-e05>": "e05",
    "<kjm-e21>": "e21",
    "<kjm-e12>": "e12",
    "<kjm-e13>": "e13",
    "<kjm-kruk>": "kruk",
    "<kjm-nordvik>": "nordvik",
}


def ordered() -> list[tuple[str, Case]]:
    """(file name, case) in mailbox order (by Date)."""
    cases = sorted(CASES, key=lambda c: (local(c.when), c.slug))
    return [(f"{i:03d}-{c.slug}.eml", c) for i, c in enumerate(cases, 1)]


def message_ids() -> dict[str, str]:
    ids = {c.slug: message_id(c) for c in CASES}
    for token, key in SYNTHETIC.items():
        ids[token] = kjm_id(key)
    ids["<jan-1124>"] = f"<{h('jan-1124')[:8]}-{h('jan-1124')[8:12]}@bilansplus-biuro.pl>"
    return ids


def render_all() -> dict[str, bytes]:
    ids = message_ids()
    return {name: build(c, ids) for name, c in ordered()}


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def labels_toml() -> str:
    out = [
        "# Labels for tests/data/labelled/*.eml -- generated by _make.py, do not edit by hand.",
        "# emergency: work in the program impossible on EVERY workstation (R-HRS-3, R-SLA-1),",
        "#            judged on what the sender reports now (not quotes, not an inherited",
        "#            'Re:' subject; the thread only resolves 'still the same').",
        "# scope:     " + ", ".join(SCOPES),
        "# product:   " + ", ".join(PRODUCTS),
        "",
    ]
    for name, c in ordered():
        emergency, scope, product, why = c.label
        out += [
            "[[case]]",
            f"file = {toml_str(name)}",
            f"emergency = {'true' if emergency else 'false'}",
            f"scope = {toml_str(scope)}",
            f"product = {toml_str(product)}",
            f"why = {toml_str(why)}",
            "",
        ]
    return "\n".join(out)


def auto_replied(c: Case) -> bool:
    return any(k == "Auto-Submitted" for k, _ in c.extra_headers)


def counts_block() -> str:
    labels = [c.label for c in CASES]
    em = Counter(lab[0] for lab in labels)
    sc = Counter(lab[1] for lab in labels)
    pr = Counter(lab[2] for lab in labels)
    charsets = Counter(c.charset for c in CASES)
    lines = [
        f"Total messages: **{len(CASES)}**",
        "",
        "| emergency | count |",
        "|---|---|",
        f"| true | {em[True]} |",
        f"| false | {em[False]} |",
        "",
        "| scope | count |",
        "|---|---|",
    ]
    lines += [f"| {s} | {sc[s]} |" for s in SCOPES]
    lines += ["", "| product | count |", "|---|---|"]
    lines += [f"| {p} | {pr[p]} |" for p in PRODUCTS]
    lines += ["", "| body charset | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(charsets.items())]
    clients = Counter(c.client for c in CASES)
    lines += ["", "| sending client (format style) | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(clients.items())]
    styles: Counter[str] = Counter()
    for c in CASES:
        q = c.quote
        while q:
            styles[q.style] += 1
            q = q.inner
    lines += ["", "| quote / forward style (incl. nested) | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(styles.items())]
    lines += [
        "",
        f"HTML-only messages: {sum(c.html_only for c in CASES)}; "
        f"with attachments: {sum(bool(c.attachments) for c in CASES)}; "
        f"replies/forwards (quoted history): {sum(bool(c.quote) for c in CASES)}; "
        f"written without Polish letters: {sum(c.ascii_body for c in CASES)}; "
        f"auto-replies: {sum(auto_replied(c) for c in CASES)}.",
    ]
    return "\n".join(lines)


def write_readme_counts() -> None:
    path = HERE / "README.md"
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    begin, end = "<!-- counts:begin -->", "<!-- counts:end -->"
    if begin not in text or end not in text:
        return
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{counts_block()}\n{end}{tail}", encoding="utf-8")


def validate_cases() -> None:
    slugs = [c.slug for c in CASES]
    assert len(slugs) == len(set(slugs)), "duplicate slug"
    for c in CASES:
        emergency, scope, product, why = c.label
        assert isinstance(emergency, bool), c.slug
        assert scope in SCOPES, (c.slug, scope)
        assert product in PRODUCTS, (c.slug, product)
        assert why and "\n" not in why, c.slug
        d = local(c.when)
        assert d.year == 2026 and d.month in (10, 11), c.slug


def main() -> None:
    validate_cases()
    for old in HERE.glob("*.eml"):
        old.unlink()
    files = render_all()
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    (HERE / "labels.toml").write_text(labels_toml(), encoding="utf-8", newline="\n")
    write_readme_counts()
    print(f"wrote {len(files)} messages to {HERE}")
    print(counts_block())


if __name__ == "__main__":
    main()
