"""Replies and alerts from the Jinja2 templates in templates/.

Templates, not f-strings, because the support team edits the wording without a release.
StrictUndefined, because a forgotten variable must stop `mailbot rules check` at start-up
instead of leaving a blank in a client's mail. Only *.html.j2 is autoescaped: HTML parts
quote the client's own subject, while text parts and subjects are not HTML. Subjects are
made one line here, whatever a template does, because a CR/LF taken from a client's
subject would otherwise let the client write mail headers. Templates are read once
(auto_reload off): what runs is what `check_all` checked at start-up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import phonenumbers
from jinja2 import meta

from mailbot.core.threads import TICKET_NUMBER, strip_prefixes
from mailbot.errors import ConfigError
from mailbot.model import one_line
from mailbot.settings.shipped import shipped

WARSAW = ZoneInfo("Europe/Warsaw")
Context = dict[str, Any]  # plain values: str, None, Decimal, date, datetime, dicts
REPLY_NAMES = (
    "ack_opieka", "ack_opieka_emergency", "ack_pakiet", "no_package", "unknown_sender",
    "unregistered_sender", "out_of_scope", "outside_hours", "outside_hours_emergency",
    "follow_up", "ticket_closed", "ticket_released",
)  # fmt: skip
ALERT_MAIL = "alert_oncall"  # staff e-mail; takes the same context as SMS
SMS = "alert_sms"
MORE_MAIL = "alert_more"  # one page for the pages held back in a page window (core.pages)
MORE_SMS = "alert_more_sms"
SMS_LIMIT = 160  # one GSM-7 SMS; longer texts are cut (see render_sms)
# The staff console's pages that mails link to ([web] base_url + path; mailbot/web).
TICKET_PATH = "/tickets/{number}"
QUEUE_PATH = "/queue"
PARTS = ("subject", "txt", "html")  # <name>.subject.j2, <name>.txt.j2, <name>.html.j2
# checked by digest_mail.check_digest_templates, which every caller of check_all runs too
DIGEST_FILES = frozenset(f"digest.{p}.j2" for p in PARTS)
# every template file mailbot needs -> the kind it belongs to
EXPECTED = {f"{n}.{p}.j2": n for n in (*REPLY_NAMES, ALERT_MAIL, MORE_MAIL) for p in PARTS}
EXPECTED |= {f"{n}.txt.j2": n for n in (SMS, MORE_SMS)}
_WEEKDAYS = ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela")
_CONTRACTS = {"opieka": "opieka autorska", "pakiet": "pakiet godzin", "brak": "brak umowy"}
# GSM 03.38: the basic set costs 1 septet, the extension set 2 (escape + character).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXT = frozenset("^{}\\[~]|€\f")
_GSM = _GSM_BASIC | _GSM_EXT
_TRANSLIT = str.maketrans("łŁ„”“«»‚’‘–—−\t", 'lL"""""\'\'\'--- ')  # NFKD does the rest


class TemplateProblem(ConfigError):
    """A template cannot be rendered (syntax, missing variable, no ticket in the subject):
    the support team must fix templates/, so it stops start-up like any config error."""


@dataclass(frozen=True)
class Rendered:
    subject: str  # one line, no CR/LF
    text: str
    html: str


def godziny(value: Decimal | int | float | str) -> str:
    """Polish has three forms: '1 godzina', '2 godziny', '5 godzin'; a fraction takes the
    genitive singular: '1,5 godziny', '0,5 godziny' (packages count in half hours, R-PAK-2)."""
    d = Decimal(str(value))
    if d != d.to_integral_value():
        return f"{format(d.normalize(), 'f').replace('.', ',')} godziny"
    n = int(d)
    few = abs(n) % 10 in (2, 3, 4) and abs(n) % 100 not in (12, 13, 14)
    return f"{n} {'godzina' if abs(n) == 1 else 'godziny' if few else 'godzin'}"


def data_pl(value: date | datetime, weekday: bool = False) -> str:
    """'26.11.2026' or 'czwartek, 26.11.2026' in Warsaw time, as the terms are written.
    A naive datetime is refused, not guessed (it would silently shift a deadline)."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware one")
        value = value.astimezone(WARSAW)
    return f"{_WEEKDAYS[value.weekday()]}, {value:%d.%m.%Y}" if weekday else f"{value:%d.%m.%Y}"


def czas_pl(value: datetime, weekday: bool = False, short: bool = False) -> str:
    """'26.11.2026, godz. 08:30' (with weekday: 'czwartek, 26.11.2026, godz. 08:30');
    short, for SMS: '26.11 08:30'."""
    if not isinstance(value, datetime):
        raise TypeError(f"czas_pl needs a datetime, got {type(value).__name__}")
    day, local = data_pl(value, weekday), value.astimezone(WARSAW)
    return f"{local:%d.%m %H:%M}" if short else f"{day}, godz. {local:%H:%M}"


def godzina(value: datetime) -> str:
    """'08:30': the Warsaw clock time alone, for 'termin minął o 08:30'."""
    if not isinstance(value, datetime):
        raise TypeError(f"godzina needs a datetime, got {type(value).__name__}")
    return czas_pl(value, short=True).rsplit(" ", 1)[1]


def produkt(name: str | None) -> str:
    """The product as staff name it; the classifier's 'other' is not a product's name."""
    return "produkt nierozpoznany" if not name or name == "other" else name


def telefon(number: str) -> str:
    """E.164 (as the rulebook stores it) -> as a person in Poland reads and dials it:
    '601 234 567', the landline '89 527 38 69' (area code apart, as printed in Poland);
    a foreign number keeps its country code ('+420 601 234 567')."""
    parsed = _phone(number)
    if parsed is None:
        return number
    fmt = phonenumbers.PhoneNumberFormat
    form = fmt.NATIONAL if parsed.country_code == 48 else fmt.INTERNATIONAL
    return phonenumbers.format_number(parsed, form)


def tel(number: str) -> str:
    """'tel:+48895273869' (RFC 3966): a number a phone dials with one tap."""
    parsed = _phone(number)
    if parsed is None:
        return "tel:" + re.sub(r"[^\d+]", "", number)
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _phone(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, "PL")
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def ticket_url(base_url: str, number: str) -> str:
    """The ticket's page in the staff console, '' when `[web] base_url` is not set
    (then mails name the CLI command instead of a link)."""
    return f"{base_url.rstrip('/')}{TICKET_PATH.format(number=number)}" if base_url else ""


def queue_url(base_url: str) -> str:
    """The console's queue of open tickets, '' without `[web] base_url`."""
    return f"{base_url.rstrip('/')}{QUEUE_PATH}" if base_url else ""


def temat(subject: str) -> str:
    """The client's subject without Re:/Odp: prefixes and our [KJM-...] tag, on one line,
    so a reply is 'Re: <subject> [KJM-...]' once, not 'Re: Re: [KJM-...] ... [KJM-...]'."""
    s = strip_prefixes(TICKET_NUMBER.sub(" ", strip_prefixes(subject)))
    return one_line(s) or "(bez tematu)"


def translit(text: str) -> str:
    """Polish letters, typographic quotes, dashes and '…' -> ASCII; other accents dropped.
    GSM-7-only gateways show '?' for 'ą', and a single 'ó' would otherwise make the SMS
    UCS-2, with 70 characters per part instead of 160."""
    folded = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    return "".join(c for c in folded if not unicodedata.combining(c))


def gsm7(text: str) -> str:
    """Only GSM-7 characters: kept where possible, else transliterated, else '?'. Works per
    character, so gsm7(a + b) == gsm7(a) + gsm7(b) (what _cut relies on)."""
    return "".join(
        c if c in _GSM else "".join(x if x in _GSM else "?" for x in translit(c)) for c in text
    )


def gsm7_length(text: str) -> int:
    """Septets the text takes in a GSM-7 SMS after gsm7() (extension characters count 2)."""
    return sum(2 if c in _GSM_EXT else 1 for c in gsm7(text))


def _cut(text: str, limit: int) -> str:
    """At most `limit` septets, '...' marking a cut; the subject is last in the template,
    so it is what gets cut."""
    if gsm7_length(text) <= limit:
        return text
    used = accumulate(gsm7_length(c) for c in text)
    end = next(i for i, n in enumerate(used) if n > limit - 3)
    return text[:end].rstrip() + "..."


FILTERS = {
    "godziny": godziny, "data_pl": data_pl, "czas_pl": czas_pl, "telefon": telefon,
    "tel": tel, "temat": temat, "godzina": godzina, "produkt": produkt, "translit": translit,
    "gsm7": gsm7,
    "umowa": lambda c: _CONTRACTS.get(c or "", "nieznany nadawca"),  # contract in words
}  # fmt: skip


SHIPPED = shipped("templates")  # the fallback for a file KJM's templates/ does not have


@dataclass(frozen=True)
class TemplateSet:
    directory: Path
    env: jinja2.Environment

    @classmethod
    def load(cls, templates_dir: Path, fallback: Path | None = SHIPPED) -> TemplateSet:
        """Only the directory is checked here; check_all finds the template mistakes.

        A file templates_dir lacks comes from `fallback`, the templates shipped with mailbot:
        KJM keeps only the ones they changed, and a template a new version adds is there
        without copying it."""
        d = Path(templates_dir).expanduser().resolve()
        if not d.is_dir():
            raise ConfigError("templates directory not found", file=str(d))
        search = [d, *([fallback.resolve()] if fallback and fallback.resolve() != d else [])]
        auto = jinja2.select_autoescape(("html.j2",), (), default_for_string=False, default=False)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(search), autoescape=auto,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True,
                                 lstrip_blocks=True, keep_trailing_newline=True,
                                 auto_reload=False)  # fmt: skip
        env.filters.update(FILTERS)
        return cls(d, env)

    def names(self) -> set[str]:
        """Every template file, from templates_dir and the fallback."""
        return {n for n in self.env.list_templates() if n.endswith(".j2")}

    def source(self, file: str) -> str:
        """A template's text (jinja2.TemplateNotFound when neither place has it)."""
        assert self.env.loader is not None
        return self.env.loader.get_source(self.env, file)[0]

    def render(self, file: str, context: Context) -> str:
        """One template file as text, template mistakes as TemplateProblem. The digest
        renders through this too: it has no [ticket] for render_reply to insist on."""
        try:
            return self.env.get_template(file).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(f"line {exc.lineno}: {exc.message}", file=file) from exc
        except (jinja2.TemplateError, ValueError, TypeError) as exc:
            raise TemplateProblem(str(exc) or type(exc).__name__, file=file) from exc

    def render_reply(self, name: str, context: Context) -> Rendered:
        """Subject, text and HTML part of a client reply or of the staff alert mail.

        The subject is made one line here (header injection) and must carry `[ticket]`:
        a reply without it would not thread back to its ticket."""
        subject = one_line(self.render(f"{name}.subject.j2", context))
        if (tag := f"[{context.get('ticket')}]") not in subject:
            raise TemplateProblem(f"subject lacks {tag}", file=f"{name}.subject.j2")
        text = re.sub(r"[ \t]+\n", "\n", self.render(f"{name}.txt.j2", context))
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        return Rendered(subject, text, self.render(f"{name}.html.j2", context))

    def render_sms(
        self, context: Context, *, transliterate: bool = True, cut: bool = True, name: str = SMS
    ) -> str:
        """The SMS alert (or `name`, e.g. MORE_SMS) on one line, at most SMS_LIMIT septets.

        Cut, not refused: an alert must never be lost because a client has a long name
        (check_all reports sample texts that need cutting). The length counts the GSM-7
        form, so the text fits one SMS also when transliterate=False leaves Polish letters
        for a gateway that transliterates itself (SMSAPI `normalize`)."""
        text = one_line(self.render(f"{name}.txt.j2", context))
        text = _cut(text, SMS_LIMIT) if cut else text
        return gsm7(text) if transliterate else text


def check_all(templates: TemplateSet) -> list[str]:
    """Problems with templates/ in words for the support team ([] when all is well).

    Renders every template against every sample context (one per branch worth trying),
    and reads each template for variables mailbot never provides, so a typo in an
    {% if %} branch that no sample takes is found too. The digest's templates are
    digest_mail.check_digest_templates' to check (this module knows nothing of them)."""
    samples, env = sample_contexts(), templates.env
    present = templates.names() - DIGEST_FILES
    problems = [f"{f}: missing (needed for {k})" for f, k in EXPECTED.items() if f not in present]
    problems += [f"{f}: not used by mailbot (a typo in the name?)"
                 for f in sorted(present - set(EXPECTED)) if not f.startswith("_")]  # fmt: skip
    shared = set.intersection(*(set(samples[n][0]) for n in REPLY_NAMES))  # for _partials
    for file in sorted(present):
        kind = EXPECTED.get(file)
        allowed = {k for ctx in samples[kind] for k in ctx} if kind else shared
        try:
            used = meta.find_undeclared_variables(env.parse(templates.source(file)))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{file}: line {exc.lineno}: {exc.message}")
            continue
        problems += [f"{file}: uses {v!r}, which mailbot does not provide there"
                     for v in sorted(used - allowed - set(env.globals))]  # fmt: skip
    for name, contexts in samples.items():
        if all(f in present for f, n in EXPECTED.items() if n == name):
            for i, ctx in enumerate(contexts, 1):
                try:
                    problems += _check_one(templates, name, ctx, f"{name} (sample {i})")
                except ConfigError as exc:
                    problems.append(f"{name} (sample {i}): {exc}")
    return list(dict.fromkeys(problems))


def _check_one(templates: TemplateSet, name: str, ctx: Context, where: str) -> list[str]:
    if name not in (SMS, MORE_SMS):
        subject = templates.render_reply(name, ctx).subject
        ok = name not in REPLY_NAMES or subject.startswith("Re: ")
        return [] if ok else [f"{where}: a reply's subject must start with 'Re: '"]
    problems = []
    # The client's subject is last and is what a cut takes: the rest must fit on its own.
    full = templates.render_sms({**ctx, "subject": "x"}, cut=False, name=name)
    if (n := gsm7_length(full)) > SMS_LIMIT:
        problems.append(f"{where}: {n} GSM-7 characters, more than {SMS_LIMIT}")
    cut = templates.render_sms({**ctx, "subject": "x " * SMS_LIMIT}, name=name)
    if ctx["ticket"] not in cut:
        problems.append(f"{where}: a long subject cuts off the ticket number (put it last)")
    if any(url not in cut for url in re.findall(r"https?://\S+", full)):
        problems.append(f"{where}: a long subject cuts off the link (put the subject last)")
    return problems


def sample_contexts() -> dict[str, list[Context]]:
    """Realistic contexts per template, one per branch worth rendering. Their keys are the
    contract with the templates (templates/README.md): the code must provide them all."""
    # fmt: off
    at = datetime(2026, 11, 25, 21, 30, tzinfo=WARSAW)  # a Wednesday evening
    d = datetime(2026, 11, 26, 8, 30, tzinfo=WARSAW)  # its R-SLA-1 deadline
    opiekun = {"name": "Jan Wiśniewski", "email": "jan.wisniewski@kjmssoft.pl",
               "phone": "+48601234567"}
    pkg = {"hours_left": Decimal("1.5"), "valid_until": date(2027, 1, 31)}
    t = {"ticket": "KJM-2026-000042", "subject": "Re: Błąd przy zamykaniu miesiąca w F-K <pilne>"}
    c = {**t, "client_name": "Piekarnia Kowalski Sp. z o.o."}
    em = {**c, "contract": "opieka", "hardware_suspected": False, "received_at": at,
          "checked_by": d.replace(hour=9, minute=0), "deadline": d, "oncall_alerted": True,
          "billing": "billable", "package": None}
    pak = {"contract": "pakiet", "deadline": None, "billing": "double", "package": pkg}
    who = {**t, "sender": "m.kowalski@piekarnia-kowalski.pl"}
    closed = {**t, "closed_at": d.replace(hour=11, minute=5), "resolution": None,
              "hours_charged": None, "package": None}
    url = "https://pomoc.kjmssoft.pl/tickets/KJM-2026-000042"
    alert = {**c, "contract": "opieka", "possible": False, "hardware_suspected": False,
             "sender": "biuro@piekarnia-kowalski.pl", "product": "F-K",
             "received_at": at, "deadline": d, "billing": "billable", "opiekun": opiekun,
             "role": "oncall", "step": "receipt", "minutes_left": None, "ticket_url": url,
             "ack_url": "https://pomoc.kjmssoft.pl/ack/KJM-2026-000042.eN4ioA.aw-QFg.NIcDtQ2rkEA",
             "rules": ["R-HRS-3", "R-SLA-1"], "phones": ["+48601234567", "+48895551234"],
             "reasons": ["awaria: nie uruchamia", "wszędzie: żaden komputer"],
             "excerpt": "Od rana żaden komputer nie uruchamia F-K.\nKomunikat: <Błąd 0x80004005>"}
    remind = {**alert, "step": "reminder", "minutes_left": 30}
    long = {"client_name": "Przedsiębiorstwo Handlowo-Usługowe „Źródło” Spółka z o.o. sp.k.",
            "subject": "Odp: PILNE!!! F-K nie działa na żadnym stanowisku"}
    expired = {**pkg, "valid_until": date(2026, 10, 1)}
    more = {"ticket": "KJM-2026-000061", "count": 19, "client_name": c["client_name"],
            "sender": "biuro@piekarnia-kowalski.pl", "step": "receipt", "window_minutes": 10,
            "queue_url": "https://pomoc.kjmssoft.pl/queue",
            "ticket_url": "https://pomoc.kjmssoft.pl/tickets/KJM-2026-000061",
            "tickets": [{"ticket": f"KJM-2026-0000{n}", "subject": "AWARIA F-K <pilne>",
                         "received_at": at} for n in range(43, 62)]}
    return {
        "ack_opieka": [{**c, "opiekun": opiekun}, {**c, "opiekun": {**opiekun, "phone": None}}],
        "ack_opieka_emergency": [{**c, "opiekun": o, "deadline": dl, "hardware_suspected": h}
                                 for o, dl, h in ((opiekun, d, False), (None, None, True))],
        "ack_pakiet": [{**c, "package": pkg, "hardware_suspected": False},
                       {**c, "package": {**pkg, "valid_until": None}, "hardware_suspected": True}],
        "no_package": [{**c, "contract": "pakiet", "package": {**pkg, "hours_left": Decimal(0)}},
                       {**c, "contract": "pakiet", "package": expired},
                       {**c, "contract": "brak", "package": None}],
        "unknown_sender": [who],
        "unregistered_sender": [who],
        "out_of_scope": [{**c, "scope": s} for s in ("programming", "hardware", "visit", "other")],
        "outside_hours": [{**c, "received_at": at, "handle_from": d.replace(hour=7, minute=0)}],
        "outside_hours_emergency": [em, {**em, "billing": "none", "oncall_alerted": False},
                                    {**em, **pak, "hardware_suspected": True}],
        "follow_up": [t],
        "ticket_released": [{**c, "package": pkg}],
        "ticket_closed": [closed, {**closed, "resolution": "Odbudowano indeks tabeli dokumentów.",
                                   "hours_charged": Decimal("0.5"), "package": pkg}],
        ALERT_MAIL: [alert, {**alert, "role": "opiekun"},
                     {**alert, **pak, "opiekun": None, "ticket_url": "", "ack_url": "",
                      "phones": []},
                     {**alert, "ack_url": ""},
                     remind, {**remind, "role": "manager", "product": "other"},
                     {**alert, "step": "breach", "role": "manager", "client_name": None,
                      "contract": None},
                     {**alert, "possible": True, "deadline": None, "billing": "none"},
                     {**alert, "hardware_suspected": True}],
        SMS: [alert, {**alert, **long}, {**remind, **long},
              {**alert, **pak, "step": "breach", "role": "manager", "client_name": None},
              {**alert, "ticket_url": "", "ack_url": ""}, {**alert, "ack_url": ""},
              {**alert, **long, "possible": True, "deadline": None}],
        MORE_MAIL: [more, {**more, "step": "breach", "client_name": None, "count": 1,
                           "queue_url": "", "ticket_url": ""}],
        MORE_SMS: [more, {**more, **long, "step": "reminder"}],
    }
    # fmt: on
