"""An attachment's bytes, taken out of the kept raw message again.

Attachments are not stored on their own: the raw message is (store/rawstore), and the
attachment row keeps the sha256 of the decoded bytes, which is what is matched here.
"""

from __future__ import annotations

import hashlib
import re
from email import message_from_bytes, policy
from email.message import Message

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/]')


def find_attachment(raw: bytes, sha256: str, filename: str) -> bytes | None:
    """The decoded bytes whose sha256 is `sha256`; failing that (an attachment the
    parser hashed another way), the first part named `filename`; else None."""
    msg = message_from_bytes(raw, policy=policy.compat32)
    named = None
    for part in msg.walk():
        data = _payload(part)
        if data is None:
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            return data
        if named is None and filename and part.get_filename() == filename:
            named = data
    return named


def _payload(part: Message) -> bytes | None:
    if part.get_content_maintype() == "message":
        try:
            inner = part.get_payload()
            return inner[0].as_bytes() if isinstance(inner, list) and inner else None
        except Exception:  # noqa: BLE001 - an odd charset breaks the generator
            return None
    if part.is_multipart():
        return None
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else None


def content_disposition(filename: str) -> str:
    """attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded (RFC 6266)."""
    from urllib.parse import quote

    name = _UNSAFE.sub("_", filename).strip() or "zalacznik"
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
