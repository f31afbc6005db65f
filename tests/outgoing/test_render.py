"""templates/ + mailbot/outgoing/render.py: every reply renders, mistakes are caught at start-up
(check_all), client input cannot break HTML or mail headers, SMS fit one GSM-7 message."""

from __future__ import annotations

import itertools
import re
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from mailbot.core import decide
from mailbot.outgoing.render import (
    ALERT_MAIL,
    MORE_MAIL,
    MORE_SMS,
    REPLY_NAMES,
    SMS,
    SMS_LIMIT,
    TemplateProblem,
    TemplateSet,
    czas_pl,
    data_pl,
    godzina,
    godziny,
    gsm7,
    gsm7_length,
    produkt,
    tel,
    telefon,
    temat,
    translit,
)
from mailbot.outgoing.template_check import EXPECTED, check_all, sample_contexts
from tests.paths import ROOT

SAMPLES = sample_contexts()
TICKET = "KJM-2026-000042"
POLISH = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
RULE_ID = re.compile(r"\bR-[A-Z]{3}-\d")


@pytest.fixture(scope="module")
def templates() -> TemplateSet:
    return TemplateSet.load(ROOT / "templates")


@pytest.fixture
def tmp_templates(tmp_path: Path) -> Path:
    """A private copy of templates/ to break."""
    return Path(shutil.copytree(ROOT / "templates", tmp_path / "templates"))


def _all_samples(names: tuple[str, ...]) -> list[tuple[str, dict]]:
    return [(n, ctx) for n in names for ctx in SAMPLES[n]]


# --- every template renders -----------------------------------------------------------------


def test_shipped_templates_pass_check_all(templates: TemplateSet) -> None:
    assert check_all(templates) == []


@pytest.mark.parametrize(("name", "ctx"), _all_samples((*REPLY_NAMES, ALERT_MAIL)))
def test_every_mail_template_renders_with_sample_data(
    templates: TemplateSet, name: str, ctx: dict
) -> None:
    r = templates.render_reply(name, ctx)
    assert f"[{TICKET}]" in r.subject
    assert "\n" not in r.subject and "\r" not in r.subject
    for part in (r.text, r.html):
        assert TICKET in part
        assert "None" not in part  # no Python value leaks into a client's mail
        assert "{{" not in part and "{%" not in part
    assert r.html.lstrip().startswith("<!DOCTYPE html>")
    if name in REPLY_NAMES:
        assert r.subject.startswith("Re: ")
        assert r.text.startswith("Dzień dobry,")
        for part in (r.text, r.html):
            assert "Z poważaniem" in part and "Zespół Wsparcia KJM" in part
            assert "pomoc@kjmssoft.pl" in part and "89 527 38 69" in part
            assert " 895273869" not in part  # the landline as people write it (not tel:)
            assert not RULE_ID.search(part)  # rule ids are for the code, not for clients
            assert "firmy Piekarnia" not in part  # no "firmy Urząd Gminy": neutral form
            assert "Błąd przy zamykaniu miesiąca w F-K" in part  # the client's subject, quoted


@pytest.mark.parametrize("ctx", SAMPLES[SMS])
def test_sms_sample_renders(templates: TemplateSet, ctx: dict) -> None:
    sms = templates.render_sms(ctx)
    assert TICKET in sms and gsm7_length(sms) <= SMS_LIMIT


def test_every_reply_the_decision_can_choose_has_templates() -> None:
    chosen = {
        decide._reply(state, trust, contract, emergency, covered)
        for state, trust, contract, emergency, covered in itertools.product(
            ("new", "on_hold", "needs_identification", "out_of_scope"),
            ("registered", "unregistered", "unknown", "unverified"),
            ("opieka", "pakiet", "brak", None),
            (True, False),
            (True, False),
        )
    }
    chosen.add("follow_up")
    assert chosen | {"ticket_closed", "ticket_released"} == set(REPLY_NAMES)
    for name in REPLY_NAMES:
        for part in ("subject", "txt", "html"):
            assert (ROOT / "templates" / f"{name}.{part}.j2").is_file()


def test_key_content_per_reply(templates: TemplateSet) -> None:
    def text(name: str, i: int = 0) -> str:
        return templates.render_reply(name, SAMPLES[name][i]).text

    assert "Jan Wiśniewski" in text("ack_opieka") and "601 234 567" in text("ack_opieka")
    assert "najpóźniej do 26.11.2026, godz. 08:30" in text("ack_opieka_emergency")
    assert "1,5 godziny do wykorzystania, ważny do 31.01.2027" in text("ack_pakiet")
    assert "pierwszeństwo mają klienci objęci opieką" in text("ack_pakiet")  # R-PAK-6
    assert "wstrzymane" in text("no_package") and "89 527 38 69" in text("no_package")  # R-PAK-3
    assert "NIP" in text("unknown_sender") and "NIP" in text("unregistered_sender")  # R-CON-6
    scopes = [text("out_of_scope", i) for i in range(3)]
    assert "osobnej wyceny" in scopes[0]
    assert "dział sprzętowy" in scopes[1]
    assert "zdaln" in scopes[2]
    assert "czwartek, 26.11.2026, godz. 07:00" in text("outside_hours")
    assert "płatna według aktualnego cennika" in text("outside_hours_emergency", 0)  # R-BIL-1
    assert "najpóźniej do 26.11.2026, godz. 09:00" in text("outside_hours_emergency", 1)  # R-HRS-2
    assert "podwójnie" in text("outside_hours_emergency", 2)  # R-PAK-5
    assert "zamknięte 26.11.2026, godz. 11:05" in text("ticket_closed")


# --- StrictUndefined ----------------------------------------------------------------------


def test_missing_variable_is_an_error_naming_it(templates: TemplateSet) -> None:
    ctx = dict(SAMPLES["ack_opieka"][0])
    del ctx["opiekun"]
    with pytest.raises(TemplateProblem, match=r"'opiekun' is undefined.*ack_opieka\.txt\.j2"):
        templates.render_reply("ack_opieka", ctx)


def test_missing_attribute_is_an_error_naming_it(templates: TemplateSet) -> None:
    ctx = {**SAMPLES["ack_pakiet"][0], "package": {"hours_left": Decimal(2)}}
    with pytest.raises(TemplateProblem, match="valid_until"):
        templates.render_reply("ack_pakiet", ctx)


def test_dataclasses_work_as_context_values(templates: TemplateSet) -> None:
    from mailbot.core.contracts import Staff
    from mailbot.core.decide import PackageState

    staff = Staff("jan", "Jan Wiśniewski", "jan@kjmssoft.pl", "+48601234567", ("opiekun",))
    pkg = PackageState(Decimal(2), date(2027, 1, 31), True)
    care = templates.render_reply("ack_opieka", {**SAMPLES["ack_opieka"][0], "opiekun": staff})
    hours = templates.render_reply("ack_pakiet", {**SAMPLES["ack_pakiet"][0], "package": pkg})
    assert "Jan Wiśniewski" in care.text
    assert "2 godziny do wykorzystania" in hours.text


# --- Polish plurals and dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (0, "0 godzin"),
        (1, "1 godzina"),
        (2, "2 godziny"),
        (3, "3 godziny"),
        (4, "4 godziny"),
        (5, "5 godzin"),
        (11, "11 godzin"),
        (12, "12 godzin"),
        (13, "13 godzin"),
        (14, "14 godzin"),
        (21, "21 godzin"),
        (22, "22 godziny"),
        (24, "24 godziny"),
        (25, "25 godzin"),
        (102, "102 godziny"),
        (112, "112 godzin"),
        (Decimal("0.5"), "0,5 godziny"),
        (Decimal("1.5"), "1,5 godziny"),
        (Decimal("2.5"), "2,5 godziny"),
        (Decimal("1.50"), "1,5 godziny"),
        (Decimal("3.0"), "3 godziny"),
        (Decimal("10"), "10 godzin"),
        ("1.5", "1,5 godziny"),
        (1.5, "1,5 godziny"),
        (-2, "-2 godziny"),
    ],
)
def test_godziny(hours: object, expected: str) -> None:
    assert godziny(hours) == expected  # type: ignore[arg-type]


def test_dates_are_warsaw_local() -> None:
    summer = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # CEST, UTC+2
    winter = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)  # CET, UTC+1
    assert czas_pl(summer) == "01.07.2026, godz. 08:30"
    assert czas_pl(winter) == "26.11.2026, godz. 08:30"
    assert czas_pl(winter, weekday=True) == "czwartek, 26.11.2026, godz. 08:30"
    assert czas_pl(winter, short=True) == "26.11 08:30"
    assert data_pl(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01.01.2027"  # next day
    assert data_pl(date(2026, 11, 30), weekday=True) == "poniedziałek, 30.11.2026"
    with pytest.raises(ValueError, match="naive"):
        czas_pl(datetime(2026, 11, 26, 8, 30))
    with pytest.raises(TypeError):
        czas_pl(date(2026, 11, 26))  # type: ignore[arg-type]


def test_naive_datetime_in_context_is_a_template_problem(templates: TemplateSet) -> None:
    ctx = {**SAMPLES["ack_opieka_emergency"][0], "deadline": datetime(2026, 11, 26, 8, 30)}
    with pytest.raises(TemplateProblem, match="naive"):
        templates.render_reply("ack_opieka_emergency", ctx)


def test_small_filters() -> None:
    assert telefon("+48601234567") == "601 234 567"
    assert telefon("+48895273869") == "89 527 38 69"  # a landline: area code apart
    assert telefon("+420601234567") == "+420 601 234 567"  # foreign: with its country code
    assert telefon("not a number") == "not a number"
    assert tel("+48895273869") == "tel:+48895273869"
    assert godzina(datetime(2026, 11, 26, 7, 30, tzinfo=UTC)) == "08:30"  # Warsaw time
    assert produkt("other") == "produkt nierozpoznany" and produkt("F-K") == "F-K"
    assert temat("RE: Odp: [KJM-2026-000042] Re: Faktura  nie\r\n drukuje") == "Faktura nie drukuje"
    assert temat("Re: ") == "(bez tematu)"
    assert translit("Zażółć gęślą jaźń „ŁÓDŹ” – …") == 'Zazolc gesla jazn "LODZ" - ...'
    assert gsm7("Ćma é € ☃") == "Cma é € ?"  # é and € are GSM-7 (€ costs 2)
    assert gsm7_length("€") == 2 and gsm7_length("ą") == 1


# --- HTML autoescaping and header safety ------------------------------------------------------


def test_client_input_is_escaped_in_html_only(templates: TemplateSet) -> None:
    evil = '<script>alert("x")</script> & <b>'
    ctx = {**SAMPLES["ack_opieka"][0], "subject": evil, "client_name": "Kowalski & <Syn>"}
    r = templates.render_reply("ack_opieka", ctx)
    assert "<script>" not in r.html and "<b>" not in r.html
    assert "&lt;script&gt;" in r.html and "Kowalski &amp; &lt;Syn&gt;" in r.html
    assert "<script>" in r.text  # the text part is not HTML: shown as written
    assert "<script>" in r.subject  # headers are not HTML either (but are one line)


def test_alert_excerpt_is_escaped(templates: TemplateSet) -> None:
    ctx = {**SAMPLES[ALERT_MAIL][0], "excerpt": "<img src=x onerror=alert(1)>"}
    html = templates.render_reply(ALERT_MAIL, ctx).html
    assert "<img" not in html and "&lt;img src=x" in html


@pytest.mark.parametrize(
    "subject",
    [
        "Faktura\r\nBcc: victim@example.com",
        "Faktura\nX-Injected: 1",
        "Faktura\rTo: a@b.c",
        "Faktura\u2028Bcc: x@y.z",
        "Faktura\x00\x0b\x0c\x85 nie drukuje",
    ],
)
@pytest.mark.parametrize("name", [*REPLY_NAMES, ALERT_MAIL])
def test_subject_is_one_line_with_ticket_number(
    templates: TemplateSet, name: str, subject: str
) -> None:
    ctx = {**SAMPLES[name][0], "subject": subject}
    rendered = templates.render_reply(name, ctx).subject
    assert not any(c in rendered for c in "\r\n\x00\x0b\x0c\x85\u2028")
    assert f"[{TICKET}]" in rendered
    assert rendered.count(TICKET) == 1


def test_reply_subject_does_not_repeat_prefixes_or_ticket(templates: TemplateSet) -> None:
    ctx = {**SAMPLES["follow_up"][0], "subject": f"RE: Odp: [{TICKET}] Re: Faktura"}
    assert templates.render_reply("follow_up", ctx).subject == f"Re: Faktura [{TICKET}]"


def test_subject_template_without_ticket_is_refused(tmp_templates: Path) -> None:
    (tmp_templates / "follow_up.subject.j2").write_text("Re: {{ subject }}\n")
    ts = TemplateSet.load(tmp_templates)
    with pytest.raises(TemplateProblem, match=r"lacks \[KJM-2026-000042\]"):
        ts.render_reply("follow_up", SAMPLES["follow_up"][0])
    assert any("follow_up (sample 1)" in p and "lacks" in p for p in check_all(ts))


def test_autoescape_is_for_html_only(tmp_templates: Path) -> None:
    ts = TemplateSet.load(tmp_templates)
    assert ts.env.get_template("ack_opieka.html.j2").render(SAMPLES["ack_opieka"][0])
    assert ts.env.autoescape("x.html.j2") is True  # type: ignore[operator]
    assert ts.env.autoescape("x.txt.j2") is False  # type: ignore[operator]
    assert ts.env.autoescape("x.subject.j2") is False  # type: ignore[operator]


# --- SMS --------------------------------------------------------------------------------------

LONG_NAMES = [
    "Przedsiębiorstwo Produkcyjno-Handlowo-Usługowe „Żółw” Spółka z ograniczoną "
    "odpowiedzialnością Spółka Komandytowo-Akcyjna",
    "Gminny Ośrodek Pomocy Społecznej w Brzozowie Małym",
    "Spółdzielnia Mleczarska „Łąkowa Dolina” – Oddział Księgowości",
]
LONG_SUBJECTS = [
    "PILNE!!! Żaden komputer w księgowości nie uruchamia F-K – komunikat o uszkodzonej bazie "
    "danych, nie możemy wystawić faktur ani zamknąć miesiąca, proszę o natychmiastowy kontakt",
    "Odp: Odp: RE: [KJM-2026-000042] " + "ąę€{}[] " * 40,
]


STARTS = {
    "receipt": "KJM AWARIA, reakcja do 26.11 08:30.",
    "reminder": "KJM PRZYPOMNIENIE, zostało 30 min.",
    "breach": "KJM PO TERMINIE, minął 08:30.",
}


@pytest.mark.parametrize("name", LONG_NAMES)
@pytest.mark.parametrize("subject", LONG_SUBJECTS)
@pytest.mark.parametrize("step", ["receipt", "reminder", "breach"])
@pytest.mark.parametrize("transliterate", [True, False])
def test_sms_fits_one_gsm7_message(
    templates: TemplateSet, name: str, subject: str, step: str, transliterate: bool
) -> None:
    """Client, product and link survive whatever the client's name and subject: only the
    subject (last) is cut."""
    ctx = {**SAMPLES[SMS][0], "client_name": name, "subject": subject, "step": step,
           "minutes_left": 30, "product": "Kadry-Płace"}  # fmt: skip
    sms = templates.render_sms(ctx, transliterate=transliterate)
    assert gsm7_length(sms) <= SMS_LIMIT
    start = STARTS[step] if not transliterate else translit(STARTS[step])
    assert sms.startswith(start)
    assert f" {ctx['ack_url']} " in sms  # the link, whole (the ticket number is in it)
    assert ("Kadry-Płace" if not transliterate else "Kadry-Place") in sms
    assert translit(name)[:20] in translit(sms)  # the client, shortened if need be
    assert sms.endswith("...")  # cut, and marked as cut
    assert "\n" not in sms
    if transliterate:
        assert sms == gsm7(sms) and not set(POLISH) & set(sms)
    else:
        assert set(POLISH) & set(sms)  # left for a gateway that transliterates itself


def test_short_sms_is_not_cut(templates: TemplateSet) -> None:
    ctx = {**SAMPLES[SMS][0], "subject": "F-K stoi"}
    assert templates.render_sms(ctx) == (
        "KJM AWARIA, reakcja do 26.11 08:30. Piekarnia Kowalski Sp. z o.o., F-K. "
        "https://pomoc.kjmssoft.pl/ack/KJM-2026-000042.eN4ioA.aw-QFg.NIcDtQ2rkEA F-K stoi"
    )
    assert templates.render_sms({**ctx, "ack_url": ""}) == (
        "KJM AWARIA, reakcja do 26.11 08:30. Piekarnia Kowalski Sp. z o.o., F-K. "
        "https://pomoc.kjmssoft.pl/tickets/KJM-2026-000042 F-K stoi"
    )
    no_link = {**ctx, "deadline": None, "client_name": None, "ticket_url": "", "ack_url": "",
               "product": "other"}  # fmt: skip
    assert templates.render_sms(no_link, transliterate=False) == (
        "KJM AWARIA KJM-2026-000042. biuro@piekarnia-kowalski.pl, produkt nierozpoznany. F-K stoi"
    )


def test_sms_cut_counts_extension_characters_double(templates: TemplateSet) -> None:
    ctx = {**SAMPLES[SMS][0], "subject": "{" * 200}
    sms = templates.render_sms(ctx)
    assert gsm7_length(sms) <= SMS_LIMIT < len(sms) * 2


# --- check_all on broken templates -------------------------------------------------------------


def test_check_all_reports_an_unknown_variable_in_an_untaken_branch(tmp_templates: Path) -> None:
    path = tmp_templates / "ack_pakiet.txt.j2"
    path.write_text(path.read_text() + "{% if false %}{{ pakiet_godziny }}{% endif %}\n")
    problems = check_all(TemplateSet.load(tmp_templates))
    assert problems == [
        "ack_pakiet.txt.j2: uses 'pakiet_godziny', which mailbot does not provide there"
    ]


def test_check_all_reports_missing_variable_when_rendering(tmp_templates: Path) -> None:
    path = tmp_templates / "_stopka.txt.j2"  # a partial: only variables every reply has
    path.write_text(path.read_text() + "{{ opiekun.name }}\n")
    problems = check_all(TemplateSet.load(tmp_templates))
    assert "_stopka.txt.j2: uses 'opiekun', which mailbot does not provide there" in problems
    assert any("unknown_sender (sample 1)" in p and "'opiekun' is undefined" in p for p in problems)


def test_check_all_reports_missing_unused_and_broken_files(tmp_templates: Path) -> None:
    (tmp_templates / "ticket_closed.html.j2").unlink()
    (tmp_templates / "no_package.txt.j2").rename(tmp_templates / "no_pakage.txt.j2")
    (tmp_templates / "follow_up.txt.j2").write_text("Dzień dobry {% if ticket %}\n")
    problems = check_all(TemplateSet.load(tmp_templates, fallback=None))
    assert "ticket_closed.html.j2: missing (needed for ticket_closed)" in problems
    assert "no_package.txt.j2: missing (needed for no_package)" in problems
    assert "no_pakage.txt.j2: not used by mailbot (a typo in the name?)" in problems
    assert any(p.startswith("follow_up.txt.j2: line 1:") for p in problems)
    assert any(p.startswith("follow_up (sample 1):") for p in problems)


def test_check_all_reports_an_sms_over_160(tmp_templates: Path) -> None:
    path = tmp_templates / "alert_sms.txt.j2"
    path.write_text(path.read_text() + "Prosimy o niezwłoczny kontakt z klientem. " * 2)
    problems = check_all(TemplateSet.load(tmp_templates))
    assert any(p.startswith("alert_sms (sample 1):") and "more than 160" in p for p in problems)


def test_check_all_reports_an_sms_whose_cut_loses_the_ticket(tmp_templates: Path) -> None:
    (tmp_templates / "alert_sms.txt.j2").write_text("{{ subject }} {{ ticket }}\n")
    problems = check_all(TemplateSet.load(tmp_templates))
    assert any("cuts off the ticket number" in p for p in problems)


def test_check_all_reports_reply_subject_without_re(tmp_templates: Path) -> None:
    (tmp_templates / "ack_opieka.subject.j2").write_text("[{{ ticket }}] {{ subject }}\n")
    problems = check_all(TemplateSet.load(tmp_templates))
    assert problems == [
        f"ack_opieka (sample {i}): a reply's subject must start with 'Re: '" for i in (1, 2)
    ]


def test_load_refuses_a_missing_directory(tmp_path: Path) -> None:
    from mailbot.errors import ConfigError

    with pytest.raises(ConfigError, match="templates directory not found"):
        TemplateSet.load(tmp_path / "nope")


def test_expected_files_cover_every_kind() -> None:
    kinds = set(EXPECTED.values())
    assert kinds == {*REPLY_NAMES, ALERT_MAIL, SMS, MORE_MAIL, MORE_SMS}
    assert set(SAMPLES) == kinds


VIEW = frozenset({"excerpt", "phones", "ticket_url"})


def test_which_mails_read_the_alerts_look_at_the_clients_mail(templates: TemplateSet) -> None:
    """Intake finds phone numbers only for a mail whose templates read them."""
    assert templates.reads("alert_oncall", VIEW) and templates.reads("alert_sms", VIEW)
    assert not templates.reads("ack_opieka", VIEW) and not templates.reads("unknown_sender", VIEW)


def test_a_reply_template_kjm_changed_to_read_them_gets_them(tmp_templates: Path) -> None:
    (tmp_templates / "ack_opieka.txt.j2").write_text("Oddzwonimy na {{ phones }}.\n")
    assert TemplateSet.load(tmp_templates).reads("ack_opieka", VIEW)
    # through a layout it includes, and when the included name is only known when rendering
    (tmp_templates / "_nasz_dopisek.txt.j2").write_text("{{ ticket_url }}\n")
    (tmp_templates / "follow_up.txt.j2").write_text('{% include "_nasz_dopisek.txt.j2" %}\n')
    (tmp_templates / "out_of_scope.txt.j2").write_text("{% include which %}\n")
    fresh = TemplateSet.load(tmp_templates)
    assert fresh.reads("follow_up", VIEW) and fresh.reads("out_of_scope", VIEW)
    assert not fresh.reads("no_package", VIEW)
