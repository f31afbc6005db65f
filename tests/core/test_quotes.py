"""new_text / split_quoted: what the client wrote now, in every quote style clients use.

Why it matters (R-HRS-3): a thank-you quoting "AWARIA – nikt nie może pracować" must not
be read as an emergency, so the quote has to go whatever client wrote it.
"""

import pytest

from mailbot.core.quotes import new_text, split_quoted

NEW = "Dziękujemy, wszystko działa."
OLD = "AWARIA – nikt nie może pracować w F-K."


@pytest.mark.parametrize(
    "quote",
    [
        pytest.param(
            f"-----Wiadomość oryginalna-----\nOd: Pomoc KJM [mailto:pomoc@kjmssoft.pl]\n"
            f"Wysłano: piątek, 20 listopada 2026 17:05\nDo: a@b.pl\nTemat: RE: x\n\n{OLD}",
            id="outlook-pl-separator",
        ),
        pytest.param(
            f"-----Original Message-----\nFrom: Jan <jan@x.pl>\nSent: Friday\nTo: a@b.pl\n"
            f"Subject: x\n\n{OLD}",
            id="outlook-en-separator",
        ),
        pytest.param(
            f"Od: Pomoc KJM <pomoc@kjmssoft.pl> \nWysłano: poniedziałek, 26 października 2026"
            f" 08:55\nDo: m@okmar.com.pl\nTemat: RE: Program\n\n{OLD}",
            id="outlook-header-block-without-separator",
        ),
        pytest.param(
            f"From: Jan Kowalski <jan@x.pl>\nSent: Monday, 16 November 2026 08:40\n"
            f"To: pomoc@kjmssoft.pl\nSubject: Awaria\n\n{OLD}",
            id="outlook-en-header-block",
        ),
        pytest.param(
            f"________________________________\nOd: Pomoc KJM <pomoc@kjmssoft.pl>\n"
            f"Wysłane: czwartek, 29 października 2026 13:40\nDo: x@y.pl\nTemat: x\n\n{OLD}",
            id="outlook-web-rule",
        ),
        pytest.param(
            f"W dniu 24.11.2026 o 10:15, Jan Kowalski pisze:\n> {OLD}\n>\n> Jan",
            id="thunderbird-pisze",
        ),
        pytest.param(
            f"W dniu 24.11.2026 10:15, Jan Kowalski napisał(a):\n> {OLD}",
            id="w-dniu-napisal",
        ),
        pytest.param(
            f"pon., 16 lis 2026 o 08:40 Jan Kowalski <jan@x.pl> napisał(a):\n\n> {OLD}\n",
            id="gmail",
        ),
        pytest.param(
            f"pon., 16 lis 2026 o 08:40 Jarosław Ostrowski-Wielkopolski <\n"
            f"jaroslaw.ostrowski@example.pl> napisał(a):\n\n> {OLD}",
            id="gmail-wrapped-attribution",
        ),
        pytest.param(
            f"Dnia 23 października 2026 17:41 Pomoc KJM <pomoc@kjmssoft.pl> napisał(a):\n\n> {OLD}",
            id="webmail-dnia",
        ),
        pytest.param(
            f"> Wiadomość napisana przez Pomoc KJM <pomoc@kjmssoft.pl> w dniu 07.11.2026, "
            f"o godz. 11:02:\n>\n> {OLD}",
            id="ios-quoted-attribution",
        ),
        pytest.param(
            f"Wiadomość napisana przez Jan <jan@x.pl> w dniu 07.11.2026, o godz. 11:02:\n\n{OLD}",
            id="ios-unquoted-attribution",
        ),
        pytest.param(
            f"On Mon, 16 Nov 2026 at 08:40, Jan Kowalski <jan@x.pl> wrote:\n> {OLD}",
            id="english-on-wrote",
        ),
        pytest.param(
            f"---------- Wiadomość przekazana ----------\nOd: Jarek <j@gmail.com>\n"
            f"Date: pon., 16 lis 2026 o 08:40\nSubject: cala firma stoi\n\n{OLD}",
            id="gmail-forward-pl",
        ),
        pytest.param(
            f"---------- Forwarded message ---------\nFrom: Jarek <j@gmail.com>\n\n{OLD}",
            id="gmail-forward-en",
        ),
        pytest.param(
            f"Początek przekazywanej wiadomości:\n\nOd: Jan <jan@x.pl>\nTemat: x\n\n{OLD}",
            id="apple-forward",
        ),
        pytest.param(f"> {OLD}\n>> older\n", id="bare-quote-marks"),
    ],
)
def test_quote_styles_leave_only_the_new_text(quote):
    body = f"{NEW}\n\nTomasz\n\n{quote}"
    assert new_text(body) == f"{NEW}\n\nTomasz"
    assert "nikt nie może" in split_quoted(body)[1]


def test_nested_quotes_three_deep_are_all_history():
    body = (
        "Działa! Dziękuję\n\n"
        "> Wiadomość napisana przez Pomoc KJM <p@k.pl> w dniu 07.11.2026, o godz. 11:02:\n"
        "> naprawione\n"
        ">> Wiadomość napisana przez Ela <e@f.pl> w dniu 07.11.2026, o godz. 09:41:\n"
        ">> AWARIA\n>>> jeszcze starsze\n"
    )
    new, old = split_quoted(body)
    assert new == "Działa! Dziękuję"
    assert "AWARIA" in old and "jeszcze starsze" in old
    assert not any(line.startswith(">") for line in old.splitlines())  # marks removed


def test_bottom_posting_and_interleaved_replies_are_kept():
    body = (
        "W dniu 24.11.2026 o 10:15, Pomoc KJM pisze:\n"
        "> Czy program działa na innych stanowiskach?\n"
        "Nie, na żadnym.\n"
        "> Czy restart pomógł?\n"
        "Też nie.\n"
    )
    assert new_text(body) == "Nie, na żadnym.\nTeż nie."


def test_bare_forward_has_no_new_text():
    body = "---------- Forwarded message ---------\nFrom: a@b.pl\n\nAWARIA"
    assert new_text(body) == ""


def test_signature_stays_and_crlf_is_normalised():
    body = "Proszę o kontakt.\r\n\r\n-- \r\nJan Kowalski\r\ntel. 600 000 000\r\n"
    assert new_text(body) == "Proszę o kontakt.\n\n-- \nJan Kowalski\ntel. 600 000 000"


@pytest.mark.parametrize(
    "body",
    [
        "Klient pisze:\nprogram działa.",  # no date or address: not an attribution
        "Od: 8:00 nic nie działa.\nProszę o telefon.",  # "Od:" without a header block
        "Podkreślenie\n__________\nto tylko linia",  # a rule not followed by "Od:/From:"
        "Zwykły tekst bez cytatu.",
    ],
)
def test_ordinary_text_is_not_mistaken_for_a_quote(body):
    assert new_text(body) == body
    assert split_quoted(body)[1] == ""
