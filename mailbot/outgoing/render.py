"""Replies and alerts from the Jinja2 templates in templates/.

Templates, not f-strings, because the support team edits the wording without a release.
StrictUndefined, because a forgotten variable must stop `mailbot rules check` at start-up
instead of leaving a blank in a client's mail. Only *.html.j2 is autoescaped: HTML parts
quote the client's own subject, while text parts and subjects are not HTML. Subjects are
made one line here, whatever a template does, because a CR/LF taken from a client's
subject would otherwise let the client write mail headers. A TemplateSet reads its
files once (auto_reload off): what runs is what template_check.check_all checked; a
changed folder becomes a new TemplateSet only after that check (daemon/parts.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import jinja2.meta
import phonenumbers

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
    _names_read: dict[str, frozenset[str] | None] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, templates_dir: Path, fallback: Path | None = SHIPPED) -> TemplateSet:
        """Only the directory is checked here; template_check finds the template mistakes.

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

    def reads(self, name: str, keys: frozenset[str]) -> bool:
        """Whether the mail `name` (its subject, text and HTML, and the layouts they
        extend or include) reads any of `keys`: what is costly to put into a context is
        left out when no template asks for it. True when it cannot be told (a template
        named by a variable, or one that does not parse: rendering will say why)."""
        if name not in self._names_read:
            self._names_read[name] = self._names(name)
        names = self._names_read[name]
        return names is None or not names.isdisjoint(keys)

    def _names(self, name: str) -> frozenset[str] | None:
        todo, seen, names = (
            [f"{name}.{part}.j2" for part in ("subject", "txt", "html")],
            set(),
            set(),
        )
        while todo:
            file = todo.pop()
            if file in seen:
                continue
            seen.add(file)
            try:
                ast = self.env.parse(self.source(file))
            except jinja2.TemplateError:
                return None
            names |= jinja2.meta.find_undeclared_variables(ast)
            referenced = list(jinja2.meta.find_referenced_templates(ast))
            if None in referenced:
                return None
            todo += [r for r in referenced if r is not None]
        return frozenset(names)

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
        (template_check reports sample texts that need cutting). The length counts the GSM-7
        form, so the text fits one SMS also when transliterate=False leaves Polish letters
        for a gateway that transliterates itself (SMSAPI `normalize`)."""
        text = one_line(self.render(f"{name}.txt.j2", context))
        text = _cut(text, SMS_LIMIT) if cut else text
        return gsm7(text) if transliterate else text
