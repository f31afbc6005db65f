"""The MIME building blocks of the demo inbox (_make.py): encoded words, parts, the
headers a real mail server adds. A script's helper, not imported by mailbot."""

from __future__ import annotations

import base64
import struct
import zlib
from email import quoprimime
from html import escape

_Q_SAFE = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")


def word(text: str, charset: str = "utf-8", enc: str = "Q") -> str:
    """RFC 2047 encoded-words (several, folded, when long); never splits a character."""
    words, chunk = [], b""
    prefix, limit = f"=?{charset}?{enc}?", 75 - len(charset) - 7

    def encoded(raw: bytes) -> str:
        if enc == "B":
            return base64.b64encode(raw).decode()
        return "".join("_" if b == 32 else chr(b) if b in _Q_SAFE else f"={b:02X}" for b in raw)

    for ch in text:
        raw = chunk + ch.encode(charset)
        if len(encoded(raw)) > limit:
            words.append(f"{prefix}{encoded(chunk)}?=")
            raw = ch.encode(charset)
        chunk = raw
    words.append(f"{prefix}{encoded(chunk)}?=")
    return "\r\n ".join(words)


def qp(text: str, charset: str) -> str:
    return quoprimime.body_encode(text.encode(charset).decode("latin-1"), 76, "\r\n")


def b64(data: bytes) -> str:
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i : i + 76] for i in range(0, len(s), 76))


def crlf(text: str) -> str:
    return "\r\n".join(text.strip("\n").split("\n"))


def part(
    text: str, subtype: str = "plain", charset: str = "utf-8", cte: str = "quoted-printable"
) -> tuple[str, str]:
    """(content header lines, body as a str of latin-1 chars standing for bytes)."""
    raw = crlf(text) + "\r\n"
    if cte == "quoted-printable":
        body = qp(raw, charset)
    elif cte == "base64":
        body = b64(raw.encode(charset))
    else:  # 8bit
        body = raw.encode(charset).decode("latin-1")
    head = f'Content-Type: text/{subtype}; charset="{charset}"\r\n'
    return head + f"Content-Transfer-Encoding: {cte}\r\n", body


def multipart(subtype: str, boundary: str, parts: list[tuple[str, str]]) -> tuple[str, str]:
    body = "".join(f"--{boundary}\r\n{h}\r\n{b}\r\n" for h, b in parts) + f"--{boundary}--\r\n"
    return f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n', body


def message(headers: list[tuple[str, str]], content: tuple[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers) + "MIME-Version: 1.0\r\n"
    head_bytes = head.encode("ascii")  # every header is ASCII (RFC 2047 where needed)
    ctype, body = content
    return head_bytes + ctype.encode("ascii") + b"\r\n" + body.encode("latin-1")


def tiny_png() -> bytes:
    """A real 48x16 PNG: a grey 'dialog' with a red title bar."""
    rows = b"".join(
        b"\x00" + (b"\xc8\x20\x20" if y < 4 else b"\xe6\xe6\xe6") * 48 for y in range(16)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 48, 16, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def to_html(text: str) -> str:
    paras = "".join(
        f"<p>{escape(p).replace(chr(10), '<br>')}</p>\n" for p in text.strip("\n").split("\n\n")
    )
    return f'<html><head><meta charset="utf-8"></head>\n<body>\n{paras}</body></html>\n'


def addr(name: str, address: str, charset: str = "utf-8") -> str:
    if not name.isascii():
        return f"{word(name, charset)} <{address}>"
    specials = set('.,()<>@;:"[]')
    return f'"{name}" <{address}>' if specials & set(name) else f"{name} <{address}>"


def received(helo: str, ip: str, qid: str, date: str) -> str:
    return (
        f"from {helo} ({helo} [{ip}])\r\n\tby mx.kjmssoft.pl (Postfix) with ESMTPS id {qid}\r\n"
        f"\tfor <pomoc@kjmssoft.pl>; {date} (CET)"
    )


def auth(domain: str) -> str:
    return f"mx.kjmssoft.pl;\r\n\tspf=pass smtp.mailfrom={domain};\r\n\tdkim=pass header.d={domain}"


def thread_index(seed: int, replies: int = 0) -> str:
    raw = bytes((seed * 37 + i * 11) % 256 for i in range(22 + 5 * replies))
    return base64.b64encode(raw).decode()
