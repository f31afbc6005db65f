"""SMS through an operator's email-to-SMS gateway: a plain-text mail to an address made
from the number, sent by the SMTP edge. It composes a mail, so it lives with the other
mail we write rather than in edges/, whose channels only move bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from mailbot.edges.mailer import Mailer
from mailbot.edges.sms import SmsError, SmsRejected, e164_digits
from mailbot.errors import ConfigError, SmtpError, SmtpRejected
from mailbot.model import address


class EmailToSmsChannel:
    """An operator's email-to-SMS gateway: a plain-text mail to an address built from
    `address_template` ({number} = digits without '+', {e164} = with '+'). Returns the
    mail's Message-ID as the id (the gateway gives none). SMTP's split carries over:
    SmtpRejected -> SmsRejected, SmtpError -> SmsError."""

    def __init__(self, mailer: Mailer, address_template: str, from_addr: str, subject: str = ""):
        if "{number}" not in address_template and "{e164}" not in address_template:
            raise ConfigError("SMS address template needs {number} or {e164}", key="address")
        try:
            address(address_template.format(number="48601234567", e164="+48601234567"))
            self.from_addr = address(from_addr).addr_spec
        except (ValueError, KeyError, IndexError) as exc:
            raise ConfigError(f"SMS email gateway: {exc}", key="address") from None
        self.mailer, self.address_template, self.subject = mailer, address_template, subject

    def __repr__(self) -> str:
        return f"EmailToSmsChannel({self.address_template!r}, via {self.mailer!r})"

    def send(self, phone_e164: str, text: str) -> str:
        to = self.address_template.format(number=e164_digits(phone_e164), e164=phone_e164)
        msg = EmailMessage(policy=SMTP)
        msg["From"] = address(self.from_addr)
        msg["To"] = address(to)
        if self.subject:
            msg["Subject"] = " ".join(self.subject.split())
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = msg_id = make_msgid(domain=self.from_addr.rsplit("@", 1)[1])
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(" ".join(text.split()) + "\n", charset="utf-8", cte="quoted-printable")
        try:
            self.mailer.send(self.from_addr, [to], msg.as_bytes(policy=SMTP))
        except SmtpRejected as exc:
            raise SmsRejected(f"SMS via e-mail to {to} refused: {exc}", code=exc.code) from exc
        except SmtpError as exc:
            raise SmsError(
                f"SMS via e-mail to {to} not sent: {exc}",
                code=exc.code,
                maybe_delivered=exc.maybe_delivered,
            ) from exc
        return msg_id
