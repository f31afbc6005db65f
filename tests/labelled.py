"""The labelled Polish support mails as raw messages, for the classifier's tests and training.

Three parts, each written apart from the classifier's rules:
  tests/data/labelled/        the 109-mail regression set (its own generator, .eml on disk);
  tests/data/labelled-dev/    the development part: rules and the model are tuned on it;
  tests/data/labelled-test/   the test part: written by helpers who never saw the rules and
                              not read while tuning; only its aggregate figures are printed.
The dev and test parts are TOML (one ``[[mail]]`` per message: sender, subject, body as the
client wrote it, mail program habits, labels). ``build_raw`` turns one into the RFC 5322
bytes a mailbox would hold (deterministic: ids and dates come from the mail's id), so the
measurement runs the real parser: charsets, HTML-only bodies, quoted history.
"""

from __future__ import annotations

import hashlib
import html
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
PARTS = {
    "regression": DATA / "labelled",
    "dev": DATA / "labelled-dev",
    "test": DATA / "labelled-test",
}
_MAILERS = {
    "outlook": "Microsoft Outlook 16.0",
    "thunderbird": "Mozilla Thunderbird",
    "gmail": None,
    "webmail": "Poczta WP",
    "iphone": "iPhone Mail (20H240)",
    "android": "Android Mail",
    "other": None,
}


@dataclass(frozen=True)
class Labelled:
    """One labelled mail: where it comes from, its raw bytes and the hand labels."""

    part: str  # regression | dev | test
    name: str  # file name or id
    raw: bytes
    emergency: bool
    scope: str
    product: str
    why: str


def load(part: str) -> list[Labelled]:
    """Every mail of one part, in a fixed order."""
    folder = PARTS[part]
    if part == "regression":
        labels = tomllib.loads((folder / "labels.toml").read_text("utf-8"))["case"]
        return [
            Labelled(part, c["file"], (folder / c["file"]).read_bytes(), c["emergency"],
                     c["scope"], c["product"], c["why"])
            for c in labels
        ]  # fmt: skip
    out = []
    for path in sorted(folder.glob("*.toml")):
        for m in tomllib.loads(path.read_text("utf-8"))["mail"]:
            out.append(
                Labelled(part, m["id"], build_raw(m), m["emergency"], m["scope"],
                         m["product"], m["why"])
            )  # fmt: skip
    return out


def build_raw(m: dict) -> bytes:
    """The mail as its sender's program would have sent it (see the module docstring)."""
    seed = hashlib.sha256(m["id"].encode()).digest()
    when = datetime(2026, 10, 1, 7, 0, tzinfo=timezone(timedelta(hours=1)))
    when += timedelta(minutes=int.from_bytes(seed[:4]) % (60 * 24 * 60))
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"{m['from_name']} <{m['from_addr']}>" if m["from_name"] else m["from_addr"]
    msg["To"] = "pomoc@kjmssoft.pl"
    msg["Subject"] = m["subject"]
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{seed.hex()[:24]}@{m['from_addr'].rpartition('@')[2]}>"
    if mailer := _MAILERS.get(m.get("style", "other")):
        msg["X-Mailer"] = mailer
    body = m["body"].strip("\n") + "\n"
    charset = m.get("charset", "utf-8")
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    if m.get("html"):
        page = _html(body)
        if seed[4] % 2:  # half of the HTML mails have no text/plain part at all
            msg.set_content(page, subtype="html", charset=charset)
        else:
            msg.set_content(body, charset=charset)
            msg.add_alternative(page, subtype="html", charset=charset)
    else:
        msg.set_content(body, charset=charset)
    return msg.as_bytes()


def _html(text: str) -> str:
    """Paragraphs, with '>' quoted lines in a blockquote, as mail programs write them."""
    out, quote = [], []
    for line in text.split("\n"):
        if line.startswith(">"):
            quote.append(html.escape(line.lstrip("> ")))
            continue
        if quote:
            out.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
            quote = []
        out.append(f"<p>{html.escape(line)}</p>" if line.strip() else "<p>&nbsp;</p>")
    if quote:
        out.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
    return "<html><body>" + "\n".join(out) + "</body></html>"
