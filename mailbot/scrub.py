"""Secrets out of every text a server gave us: one scrubber for all of mailbot.

Servers echo what we sent them: an IMAP server that quotes the whole LOGIN command in
its refusal (`NO ... LOGIN pomoc "hunter2"`), an SMTP server repeating AUTH, a gateway
quoting its URL with the key. That text becomes an error message, and error messages end
up in `mailbot status`, on stderr, in the database (self-alarm incidents, outbox errors)
and in mail to the admins. So each edge (IMAP, SMTP, SMS, OAuth2) passes what it converts
into a MailbotError through a Scrubber of the secrets it sent, once, where the text enters
mailbot; the log handler and `mailbot doctor` use the same class with every secret the
config points at, as the last line.

A secret is echoed in the form it had on the wire or in a library's message, not only as
typed: IMAP quoting (`\\"`, `\\\\`), Python's repr of the bytes imaplib raises with, and
base64 (SMTP AUTH LOGIN). Each of those forms is replaced too. Written here rather than
taken from a library: the logging redaction packages scrub by pattern (card numbers,
tokens), not a given list of secrets in their escaped forms.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "***"
MIN_LENGTH = 4  # shorter "secrets" would blank out half of every line


def _imap_quoted(s: str) -> str:
    """The inside of an IMAP quoted string (RFC 3501), as imaplib writes it."""
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _repr_inside(chars: Iterable[int | str], quote: str) -> str:
    """The inside of a Python repr literal (str or bytes) delimited by `quote`."""
    out = []
    for c in chars:
        ch = chr(c) if isinstance(c, int) else c
        if ch in ("\\", quote):
            out.append("\\" + ch)
        elif ch in "\t\n\r":
            out.append({"\t": "\\t", "\n": "\\n", "\r": "\\r"}[ch])
        elif isinstance(c, int) and not 0x20 <= c < 0x7F:
            out.append(f"\\x{c:02x}")
        elif not ch.isprintable():
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def echoed_forms(secret: str) -> set[str]:
    """The secret and the forms a server's answer or a library's message may show it in."""
    forms = {secret, _imap_quoted(secret)}
    for form in list(forms):
        for quote in ("'", '"'):
            forms.add(_repr_inside(form, quote))
            forms.add(_repr_inside(form.encode("utf-8"), quote))
    forms.add(base64.b64encode(secret.encode("utf-8")).decode("ascii"))
    return forms


@dataclass(frozen=True)
class Scrubber:
    """Replaces every known secret, in every echoed form, by ***."""

    forms: tuple[str, ...] = ()  # longest first, so no part of one survives

    @classmethod
    def of(cls, secrets: Iterable[str | None], min_length: int = MIN_LENGTH) -> Scrubber:
        found = {f for s in secrets if s and len(s) >= min_length for f in echoed_forms(s)}
        return cls(tuple(sorted((f for f in found if len(f) >= min_length), key=len, reverse=True)))

    def __call__(self, text: str) -> str:
        for form in self.forms:
            text = text.replace(form, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self.forms)

    def exception(self, exc: BaseException) -> BaseException:
        """Scrub the text arguments of `exc` and of every exception chained to it, in
        place: a traceback printed or logged later shows the scrubbed text too."""
        seen: set[int] = set()
        current: BaseException | None = exc
        while self and current is not None and id(current) not in seen:
            seen.add(id(current))
            current.args = tuple(self._arg(a) for a in current.args)
            current = current.__cause__ or current.__context__
        return exc

    def _arg(self, value: object) -> object:
        if isinstance(value, str):
            return self(value)
        if isinstance(value, bytes):  # imaplib raises with the server's answer as bytes
            return self(value.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
        return value


NOTHING = Scrubber()
