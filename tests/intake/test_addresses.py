"""The author's address: the plain-form shortcut reads what the stdlib's parser reads
(intake/addresses.py). A sender is trusted by this address, so any difference fails."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.intake.addresses import _parsed, _protect, from_mailboxes
from mailbot.intake.textdecode import unfold
from tests.labelled import PARTS, load
from tests.paths import need_corpus

ROOT = Path(__file__).resolve().parents[2]


def _through_parser(value: str) -> object:
    text, marks = _protect(unfold(value, None))
    return ((), None) if not text.strip() else _parsed(text, marks)


def _author_fields(raw: bytes) -> list[str]:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [str(v) for name in ("From", "Sender", "Reply-To") for v in msg.get_all(name, [])]


def _generated() -> list[bytes]:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return list(module.generate(300, seed=5))


def _agree(raws: list[bytes]) -> int:
    values = [v for raw in raws for v in _author_fields(raw)]
    for value in values:
        assert from_mailboxes(value, None) == _through_parser(value), value
    return len(values)


def test_the_shortcut_agrees_with_the_parser_on_labelled_and_generated_mail():
    assert _agree([c.raw for part in PARTS for c in load(part)] + _generated()) > 1000


def test_the_shortcut_agrees_with_the_parser_on_third_party_mail():
    folder = need_corpus()
    assert _agree([p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()]) > 1000


TRICKY = [
    "Anna Nowak <anna.nowak@firma.pl>",
    "anna@firma.pl",
    "  Anna   Nowak   <Anna@Firma.PL>  ",
    "=?utf-8?q?Pawe=C5=82_Nowak?= <pawel@firma.pl>",
    "<=?utf-8?q?a?=@firma.pl>",
    "=?utf-8?q?a?=@firma.pl",
    "Nowak Anna anna@firma.pl",
    "anna@firma",
    "<anna@firma.pl> (Anna Nowak)",
    '"Nowak, Anna" <anna@firma.pl>',
    "Anna <anna@firma.pl>, Jan <jan@firma.pl>",
    "Anna <anna..x@firma.pl>",
    "Anna <.anna@firma.pl>",
    "Anna <anna@-firma.pl>",
    "Anna <o'brien@firma.pl>",
    "Anna <a{b}|c~d@firma.pl>",
    "=?x@firma.pl",
    "Anna <=?x?=@firma.pl>",
    "a!#$%&'*+/=?^_`{|}~-@firma.pl",
    "biuro@klient.pl <anna@evil.example>",
    "Anna\t<anna@firma.pl>",
    "Anna <anna@firma.pl> x",
    "ANNA <ANNA@FIRMA.PL>",
    "",
    "   ",
]


def test_the_shortcut_agrees_with_the_parser_on_awkward_forms():
    for value in TRICKY:
        assert from_mailboxes(value, None) == _through_parser(value), value


_TOKEN = st.sampled_from(
    ["Anna", "Nowak", "anna", "firma", "pl", "x1", "-", "_", "+", ".", "@", "<", ">", " ",
     "  ", "\t", '"', ",", "(", ")", ":", ";", "=?utf-8?q?=C5=81?=", "MbEw0Q", "[", "]",
     "'", "!", "#", "$", "%", "&", "*", "/", "=", "?", "^", "`", "{", "|", "}", "~"]
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(_TOKEN, max_size=14))
def test_the_shortcut_agrees_with_the_parser_on_generated_forms(tokens):
    value = "".join(tokens)
    assert from_mailboxes(value, None) == _through_parser(value), value
