"""May we auto-reply to this message? (pure; RFC 3834 and the habits of real mailers)

Answers with the reason a message counts as machine-sent, or None for a person's mail.
The labels are the `message.automatic` values of `mailbot explain --json` (EXPLAIN.md).
Checked before any auto-reply, so mailbot never answers a robot and never loops.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailbot.model import InboundMail

_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)
_NOREPLY = re.compile(r"^(no-?reply|do-?not-?reply|noreply-\S*|bounce[s]?(\+\S*)?)@", re.I)
# Out-of-office subjects in Polish and the usual English/German forms (Outlook, Gmail,
# Thunderbird, Zimbra); Auto-Submitted is not always set by them.
_OOO_SUBJECT = re.compile(
    r"^\s*(automatyczna odpowied[zź]|odpowied[zź] automatyczna|autoodpowied[zź]|"
    r"nieobecno[sś][cć]|jestem poza biurem|poza biurem|urlop\b|"
    r"out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoreply|"
    r"abwesenheitsnotiz|vacation)",
    re.I,
)
_AUTO_SUPPRESS = re.compile(r"\b(all|autoreply|oof)\b", re.I)
# Delivery-failure subjects of MTAs that send plain-text bounces (no multipart/report,
# Return-Path not null), Exchange's Polish "Niedostarczalne:" included. Anchored: a
# person forwarding a bounce ("Fwd: Returned mail") is a person.
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(mail delivery failed|undeliver(ed|able)|delivery (status notification|failure)|"
    r"returned mail|failure notice|delivery notification|niedostarczaln|"
    r"nie (można|mo[zż]na) dostarczy[cć]|warning: could not send)",
    re.I,
)


def automatic_reason(mail: InboundMail, own_addresses: Iterable[str] = ()) -> str | None:
    sender = mail.sender.address if mail.sender else ""
    return_path = (mail.return_path or "").strip()
    null_return_path = mail.return_path is not None and return_path in ("<>", "")
    daemon = mail.sender is not None and (
        _BOUNCE_SENDERS.match(sender) or mail.sender.name.lower() == "mailer-daemon"
    )
    if (
        mail.content_type == "multipart/report"
        or null_return_path
        or daemon
        or _BOUNCE_SUBJECT.match(mail.subject or "")
    ):
        return "bounce"  # delivery reports, null Return-Path (RFC 3834 §2)
    if sender and sender in {a.lower() for a in own_addresses}:
        return "own-address"
    auto = (mail.auto_submitted or "").strip().lower()
    if mail.x_autoreply or mail.x_autorespond or _OOO_SUBJECT.match(mail.subject or ""):
        return "out-of-office"
    if auto.startswith("auto-replied"):
        return "out-of-office"
    if auto and auto != "no":
        return "auto-submitted"  # auto-generated, auto-notified (RFC 3834 §5)
    if mail.list_id or mail.list_unsubscribe:
        return "list"
    precedence = (mail.precedence or "").strip().lower()
    if precedence == "list":
        return "list"
    if precedence in ("bulk", "junk"):
        return "bulk"
    if mail.x_auto_response_suppress and _AUTO_SUPPRESS.search(mail.x_auto_response_suppress):
        return "auto-submitted"  # Exchange marks its own robots' mail this way
    if _NOREPLY.match(sender):
        return "noreply"
    return None
