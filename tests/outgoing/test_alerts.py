"""What on-call staff and managers read: each escalation step says its own thing, the
alert quotes the client's first paragraph whole and every phone number as a tel: link,
the SMS keeps client, product and link, and the context builders fill all of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from mailbot.outgoing.compose import compose_alert_email
from mailbot.outgoing.excerpt import cut_at_word, first_paragraph, phone_numbers
from mailbot.outgoing.render import (
    ALERT_MAIL,
    SMS,
    TemplateSet,
    queue_url,
    ticket_url,
)
from mailbot.outgoing.template_check import sample_contexts
from tests.paths import ROOT

ALERT = sample_contexts()[ALERT_MAIL][0]
RULE_ID = re.compile(r"\bR-[A-Z]{3}-\d")
CLIENT_MAIL = """Dzień dobry,

Od rana żaden komputer w księgowości nie uruchamia F-K: po zalogowaniu pojawia się komunikat
o uszkodzonej bazie danych i program się zamyka. Dotyczy to wszystkich sześciu stanowisk,
także serwera. Nie możemy wystawić faktur ani przyjąć dostawy, a o 12:00 przyjeżdża kontrola
z urzędu skarbowego, więc sprawa jest naprawdę pilna. Proszę o pilny kontakt telefoniczny z
kierowniczką działu, panią Anną, która jest na miejscu i może udostępnić zdalny pulpit.

Proszę dzwonić: 601 234 567 albo stacjonarnie (89) 741-22-30.

Pozdrawiam
Anna Kowalska
tel. +48 512 345 678
NIP 526-104-08-28

-----Wiadomość oryginalna-----
Od: Zespół Wsparcia KJM <pomoc@kjmssoft.pl>
pomoc@kjmssoft.pl | tel. 89 527 38 69 | opiekun: 600 100 200
"""


@pytest.fixture(scope="module")
def templates() -> TemplateSet:
    return TemplateSet.load(ROOT / "templates")


def _step(step: str, role: str, **extra) -> dict:
    return {**ALERT, "step": step, "role": role, "minutes_left": 30, **extra}


# --- each step has its own wording ----------------------------------------------------------


def test_each_step_has_its_own_subject_and_opening(templates: TemplateSet) -> None:
    receipt = templates.render_reply(ALERT_MAIL, _step("receipt", "oncall", minutes_left=None))
    reminder = templates.render_reply(ALERT_MAIL, _step("reminder", "oncall"))
    manager = templates.render_reply(ALERT_MAIL, _step("reminder", "manager"))
    breach = templates.render_reply(ALERT_MAIL, _step("breach", "manager", minutes_left=None))
    assert receipt.subject.startswith("AWARIA [KJM-2026-000042] reakcja do 26.11 08:30 – ")
    assert reminder.subject.startswith("PRZYPOMNIENIE [KJM-2026-000042] zostało 30 min (do 08:30)")
    assert breach.subject.startswith("PO TERMINIE [KJM-2026-000042] termin minął o 08:30 – ")
    assert receipt.text.startswith("AWARIA: nowe zgłoszenie KJM-2026-000042 wymaga reakcji")
    assert reminder.text.startswith("PRZYPOMNIENIE: zostało 30 min do terminu reakcji")
    assert "Dyżurny i opiekun klienta dostali to samo przypomnienie." in manager.text
    assert breach.text.startswith("TERMIN REAKCJI MINĄŁ o 08:30 (26.11.2026)")
    assert "mija" not in breach.text  # the deadline has passed: not "mija"
    subjects = {r.subject for r in (receipt, reminder, breach)}
    texts = {r.text for r in (receipt, reminder, manager, breach)}
    assert len(subjects) == 3 and len(texts) == 4  # the manager never gets the same mail twice


@pytest.mark.parametrize("ctx", sample_contexts()[ALERT_MAIL])
def test_alert_subjects_have_no_double_spaces_even_on_the_wire(
    templates: TemplateSet, ctx: dict
) -> None:
    """Python's header folding can write an empty encoded word ('=?utf-8?q??='), which some
    clients show as a double space: the subject must come back exactly as rendered."""
    r = templates.render_reply(ALERT_MAIL, ctx)
    assert "  " not in r.subject and "  " not in r.text.splitlines()[0]
    raw = compose_alert_email(
        r, from_addr="pomoc@kjmssoft.pl", from_name="mailbot KJM", to_addrs=["a@kjmssoft.pl"],
        message_id="<KJM-2026-000042.x@kjmssoft.pl>", date=datetime(2026, 11, 26, tzinfo=UTC),
    )  # fmt: skip
    assert b"?q??=" not in raw and b"?b??=" not in raw
    assert message_from_bytes(raw, policy=default)["Subject"] == r.subject


def test_alert_shows_no_rule_ids_and_no_python_values(templates: TemplateSet) -> None:
    for ctx in sample_contexts()[ALERT_MAIL]:
        r = templates.render_reply(ALERT_MAIL, ctx)
        for part in (r.subject, r.text, r.html):
            assert not RULE_ID.search(part)
            assert "None" not in part and "other" not in part


def test_alert_links_the_ticket_and_makes_phones_tappable(templates: TemplateSet) -> None:
    r = templates.render_reply(ALERT_MAIL, ALERT)
    url = ALERT["ticket_url"]
    assert f'href="{url}"' in r.html and url in r.text
    assert '<a href="tel:+48601234567"' in r.html and ">601 234 567</a>" in r.html
    assert '<a href="tel:+48895551234"' in r.html and ">89 555 12 34</a>" in r.html
    assert "Telefon:        601 234 567, 89 555 12 34" in r.text
    assert "mailbot tickets show" not in r.text  # the link replaces the command
    no_link = templates.render_reply(
        ALERT_MAIL, {**ALERT, "ticket_url": "", "ack_url": "", "phones": []}
    )
    assert "mailbot tickets show KJM-2026-000042" in no_link.text
    assert "brak numeru w treści" in no_link.text and 'href="http' not in no_link.html


@pytest.mark.parametrize("step", ["receipt", "reminder", "breach"])
def test_sms_per_step_keeps_client_product_and_link(templates: TemplateSet, step: str) -> None:
    sms = templates.render_sms(_step(step, "oncall"), transliterate=False)
    assert sms.startswith(
        {"receipt": "KJM AWARIA, reakcja do 26.11 08:30.",
         "reminder": "KJM PRZYPOMNIENIE, zostało 30 min.",
         "breach": "KJM PO TERMINIE, minął 08:30."}[step]
    )  # fmt: skip
    assert "Piekarnia Kowalski Sp. z o.o., F-K." in sms and ALERT["ack_url"] in sms
    # one link fits: the one-tap "Przyjmuję" (its page links to the ticket), else the ticket
    assert ALERT["ticket_url"] not in sms
    without = templates.render_sms({**_step(step, "oncall"), "ack_url": ""})
    assert ALERT["ticket_url"] in without


def test_alert_mail_carries_the_one_tap_link_beside_the_ticket_link(
    templates: TemplateSet,
) -> None:
    r = templates.render_reply(ALERT_MAIL, ALERT)
    assert f'href="{ALERT["ack_url"]}"' in r.html and ">Przyjmuję</a>" in r.html
    assert f'href="{ALERT["ticket_url"]}"' in r.html
    assert f"Przyjmuję:  {ALERT['ack_url']}" in r.text and ALERT["ticket_url"] in r.text
    assert "mailbot ack" not in r.text  # the link replaces the command
    plain = templates.render_reply(ALERT_MAIL, {**ALERT, "ack_url": ""})
    assert "Przyjmuję" not in plain.text and "mailbot ack KJM-2026-000042" in plain.text


def test_sms_samples_all_carry_the_ticket(templates: TemplateSet) -> None:
    for ctx in sample_contexts()[SMS]:
        assert ctx["ticket"] in templates.render_sms(ctx)


# --- links --------------------------------------------------------------------------------


def test_links_only_with_a_base_url() -> None:
    assert ticket_url("", "KJM-2026-000042") == "" and queue_url("") == ""
    assert ticket_url("https://pomoc.kjmssoft.pl/", "KJM-2026-000042") == (
        "https://pomoc.kjmssoft.pl/tickets/KJM-2026-000042"
    )
    assert queue_url("https://x.pl/konsola") == "https://x.pl/konsola/queue"


# --- the client's first paragraph and phone numbers --------------------------------------


def test_first_paragraph_is_whole_and_skips_the_greeting() -> None:
    text = first_paragraph(CLIENT_MAIL)
    assert text.startswith("Od rana żaden komputer")
    assert text.endswith("może udostępnić zdalny pulpit.")  # whole: not "Proszę o pilny k"
    assert "Proszę dzwonić" not in text  # the next paragraph is not part of it
    assert "\n" not in text and "komunikat o uszkodzonej" in text  # unwrapped: one line


def test_a_long_paragraph_is_cut_at_a_word_boundary() -> None:
    words = "Komunikat o błędzie bazy danych pojawia się na każdym stanowisku " * 20
    text = first_paragraph("Dzień dobry,\n\n" + words)
    assert len(text) <= 600 and text.endswith("…")
    assert words.startswith(text[:-1]) and words[len(text) - 1] == " "  # a whole word
    assert cut_at_word("krótko", 600) == "krótko"
    assert cut_at_word("x" * 700, 600) == "x" * 599 + "…"  # one huge word: cut inside


def test_first_paragraph_of_a_reply_is_the_new_text() -> None:
    mail = "Nadal nie działa.\n\nW dniu 25.11.2026 o 10:00 KJM napisał(a):\n> Dzień dobry,\n> stare"
    assert first_paragraph(mail) == "Nadal nie działa."
    assert first_paragraph("") == "" and first_paragraph("Dzień dobry,") == "Dzień dobry,"


def test_every_phone_number_in_the_mail_but_ours() -> None:
    found = phone_numbers(CLIENT_MAIL, exclude=["+48600100200"])
    assert found == ("+48601234567", "+48897412230", "+48512345678")  # in order, no NIP
    assert "+48895273869" not in phone_numbers("tel. 89 527 38 69")  # KJM's own landline


def test_reply_context_carries_the_alert_view() -> None:
    """outbox.reply_context: the receipt step, the paragraph, phones (not staff), link."""
    from mailbot.core.classify import Classification
    from mailbot.core.contracts import SenderInfo
    from mailbot.core.decide import decide
    from mailbot.model import Address, InboundMail
    from mailbot.outgoing.outbox import reply_context
    from mailbot.settings.rules import load_rules

    rules = load_rules(ROOT / "rules")
    staff_phone = next(s.phone for s in rules.book.staff if s.phone)
    mail = InboundMail(
        message_id="<a@b>", message_id_synthetic=False, sender=Address("", "a@b.pl"), to=(),
        cc=(), subject="AWARIA", date=None, in_reply_to=None, references=(),
        text=CLIENT_MAIL + f"\nopiekun {staff_phone}\n", html=None, attachments=(),
        content_type="text/plain",
    )  # fmt: skip
    sender = SenderInfo("a@b.pl", None, None, "unknown", None, (), ())
    what = Classification(True, 1.0, ("awaria",), "other", (), "F-K", ())
    d = decide(sender, what, datetime(2026, 11, 26, 9, tzinfo=UTC))
    ctx = reply_context(mail, "KJM-2026-000042", d, rules, datetime(2026, 11, 26, 9, tzinfo=UTC),
                        base_url="https://pomoc.kjmssoft.pl")  # fmt: skip
    assert ctx["step"] == "receipt" and ctx["minutes_left"] is None
    assert ctx["excerpt"] == first_paragraph(CLIENT_MAIL)
    assert staff_phone not in ctx["phones"] and "+48897412230" in ctx["phones"]
    assert ctx["ticket_url"] == "https://pomoc.kjmssoft.pl/tickets/KJM-2026-000042"
