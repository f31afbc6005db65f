"""What every `mailbot doctor` check shares: the Check row, the four statuses, and
the advice for a connection that did not come up, read from the socket's own error."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

OK, WARN, FAIL, SKIP = "OK", "WARN", "FAIL", "SKIP"
SECRETS_FILE = "/etc/mailbot/secrets.env"  # deploy/mailbot.service's EnvironmentFile
Env = Mapping[str, str]


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK | WARN | FAIL | SKIP
    detail: str
    fix: str = ""


def network_fix(exc: BaseException, section: str, timeout: float) -> str:
    """What to do about a connection that did not come up, from the socket's own error."""
    cause = exc.__cause__ or exc
    if isinstance(cause, ssl.SSLError):
        ports = (
            '"ssl" (993) or "starttls" (143)'
            if section == "imap"
            else '"ssl" (465) or "starttls" (587)'
        )
        return tls_fix(exc, section, ports)
    if isinstance(cause, socket.gaierror):
        return f"the host name does not resolve: check {section}.host and DNS"
    if isinstance(cause, ConnectionRefusedError):
        return (
            f"nothing accepts connections there: check {section}.host, {section}.port "
            "and that the server runs"
        )
    if isinstance(cause, TimeoutError):
        return f"no answer within {timeout:g} s: a firewall, or a wrong {section}.host/port"
    return f"check {section}.host, {section}.port and {section}.tls"


def tls_fix(exc: BaseException, section: str, modes: str) -> str:
    cause = exc.__cause__ or exc
    if isinstance(cause, ssl.SSLCertVerificationError):
        return (
            f"the server's certificate is not trusted: set {section}.cafile to the CA "
            f"that signed it, or use the name in the certificate as {section}.host"
        )
    return f"TLS failed: {section}.tls must match what the port speaks: {modes}"


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_text(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith(("b'", 'b"')) and text.endswith(("'", '"')):
        text = text[2:-1]
    return one_line(text) or type(exc).__name__


def one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]
