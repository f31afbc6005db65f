"""model.address: the one gate every outgoing address passes (compose, the SMTP
envelope). Its fast path for plain addresses must read them as the stdlib's parser does."""

from __future__ import annotations

from email.headerregistry import Address

import pytest

from mailbot.model import address

PLAIN = [
    "biuro@piekarnia-kowalski.pl",
    "Jan.Kowalski@Example.COM",
    "a+tag@sub.domain.example.pl",
    "o'brien@firma.pl",
    "x_y-z@a-b.c-d.pl",
    "{weird}|#!$%&*=?^`~@example.pl",
]
REFUSED = ["", "nobody", "a@b", "a@@b.pl", "a b@firma.pl", "a@firma.pl\r\nBcc: x@evil.pl",
           "zażółć@firma.pl", "a@fir\u00a0ma.pl", "a@firma.pl\x7f", ".a@firma.pl"]  # fmt: skip


@pytest.mark.parametrize("addr", PLAIN)
def test_plain_addresses_read_as_the_stdlib_reads_them(addr):
    got = address(addr, "Jan Kowalski-Świątek")
    expected = Address(addr_spec=addr)
    assert (got.username, got.domain) == (expected.username, expected.domain)
    assert got.addr_spec == addr and got.display_name == "Jan Kowalski-Świątek"


def test_others_go_through_the_parser():
    assert address('"jan..kowalski"@firma.pl').username == "jan..kowalski"
    assert address("user@żółw.pl").domain == "xn--w-uga1v8h.pl"


@pytest.mark.parametrize("addr", REFUSED)
def test_what_is_not_one_plain_address_is_refused(addr):
    with pytest.raises(ValueError, match="not an e-mail address|not a domain"):
        address(addr)


def test_a_name_cannot_write_a_header():
    assert address("a@firma.pl", "Jan\r\nBcc: x@evil.pl").display_name == "Jan Bcc: x@evil.pl"
