"""SMS channels against a local HTTP server speaking the SMSAPI and webhook formats.

The server records every request and answers what the test queued, so each test reads
exactly what went over the wire (path, headers, form fields, UTF-8 text)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mailbot.edges.sms import (
    SmsapiChannel,
    SmsError,
    SmsRejected,
    WebhookChannel,
    normalise_phone,
)
from mailbot.errors import SmtpError, SmtpRejected, TransientError
from mailbot.outgoing.sms_mail import EmailToSmsChannel

TOKEN = "tajny-token-0123456789abcdef"
PL_TEXT = "Awaria: Zakład Łódź, zgłoszenie KJM-2026-000042 żółć"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode("ascii"), strict_parsing=True))


@dataclass
class Gateway:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)

    def answer(self, status: int, payload: object) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.answers.append((status, body))


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """A ThreadingHTTPServer on a free loopback port; 200 {} unless a test queued more."""
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append(Recorded("POST", self.path, dict(self.headers), body))
            status, answer = state.answers.pop(0) if state.answers else (200, b"{}")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:  # keep pytest output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- SMSAPI.pl ------------------------------------------------------------------------------
def test_smsapi_success_sends_the_documented_request(gateway: Gateway) -> None:
    gateway.answer(200, {"count": 1, "list": [{"id": "5F1A2B", "points": 0.16}]})
    channel = SmsapiChannel(TOKEN, sender_name="KJM", base_url=gateway.url)
    assert channel.send("+48601234567", PL_TEXT) == "5F1A2B"
    (req,) = gateway.requests
    assert req.path == "/sms.do"
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert req.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert req.form() == {
        "to": "48601234567",
        "message": PL_TEXT,
        "from": "KJM",
        "format": "json",
        "encoding": "utf-8",
    }
    assert TOKEN not in repr(channel)


def test_smsapi_without_sender_name_sends_no_from(gateway: Gateway) -> None:
    gateway.answer(200, {"count": 1, "list": [{"id": 7}]})
    assert SmsapiChannel(TOKEN, base_url=gateway.url + "/").send("+48601234567", "x") == "7"
    assert "from" not in gateway.requests[0].form()
    assert gateway.requests[0].path == "/sms.do"


@pytest.mark.parametrize("status", [200, 400])
def test_smsapi_invalid_number_is_rejected(gateway: Gateway, status: int) -> None:
    gateway.answer(status, {"error": 13, "message": "No correct phone numbers"})
    with pytest.raises(SmsRejected) as info:
        SmsapiChannel(TOKEN, base_url=gateway.url).send("+48601234567", "x")
    assert info.value.code == 13
    assert "No correct phone numbers" in str(info.value)


@pytest.mark.parametrize("code", [8, 11, 12, "13"])
def test_smsapi_content_errors_are_rejected(gateway: Gateway, code: int | str) -> None:
    gateway.answer(200, {"error": code, "message": "bad"})
    with pytest.raises(SmsRejected):
        SmsapiChannel(TOKEN, base_url=gateway.url).send("+48601234567", "x")


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (200, {"error": 101, "message": "Authorization failed"}),
        (401, {"error": 102, "message": f"Invalid token {TOKEN}"}),
        (401, {"error": "invalid_grant", "message": "Authorization failed"}),
        (401, b"Unauthorized"),
    ],
)
def test_smsapi_auth_error_is_transient_and_names_the_token(
    gateway: Gateway, status: int, payload: object
) -> None:
    gateway.answer(status, payload)
    with pytest.raises(SmsError) as info:
        SmsapiChannel(TOKEN, base_url=gateway.url).send("+48601234567", "x")
    assert not isinstance(info.value, SmsRejected)
    assert isinstance(info.value, TransientError)
    assert "token" in str(info.value)
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize("code", [14, 103, 105, 201, 203, 999])
def test_smsapi_account_and_server_errors_are_transient(gateway: Gateway, code: int) -> None:
    gateway.answer(200, {"error": code, "message": "problem"})
    with pytest.raises(SmsError) as info:
        SmsapiChannel(TOKEN, base_url=gateway.url).send("+48601234567", "x")
    assert not isinstance(info.value, SmsRejected)
    assert info.value.code == code


def test_smsapi_http_500_is_transient(gateway: Gateway) -> None:
    gateway.answer(500, b"<html>Internal Server Error</html>")
    with pytest.raises(SmsError) as info:
        SmsapiChannel(TOKEN, base_url=gateway.url).send("+48601234567", "x")
    assert not isinstance(info.value, SmsRejected)
    assert info.value.code == 500


def test_smsapi_unexpected_success_answer_may_have_been_delivered(gateway: Gateway) -> None:
    gateway.answer(200, {"count": 0})
    with pytest.raises(SmsError) as info:
        SmsapiChannel(TOKEN, base_url=gateway.url).send("+48601234567", "x")
    assert info.value.maybe_delivered and not isinstance(info.value, SmsRejected)


def test_smsapi_redirect_is_not_followed(gateway: Gateway) -> None:
    gateway.answer(302, b"")
    with pytest.raises(SmsError):
        SmsapiChannel(TOKEN, base_url=gateway.url).send("+48601234567", "x")
    assert len(gateway.requests) == 1


def test_server_down_is_transient_and_quick() -> None:
    channel = SmsapiChannel(TOKEN, base_url=f"http://127.0.0.1:{free_port()}", timeout=5)
    start = time.monotonic()
    with pytest.raises(SmsError) as info:
        channel.send("+48601234567", "x")
    assert time.monotonic() - start < 3
    assert not isinstance(info.value, SmsRejected) and not info.value.maybe_delivered
    assert TOKEN not in str(info.value)


def test_a_number_that_is_not_e164_is_a_callers_bug(gateway: Gateway) -> None:
    with pytest.raises(ValueError):
        SmsapiChannel(TOKEN, base_url=gateway.url).send("601234567", "x")
    assert gateway.requests == []


# -- webhook --------------------------------------------------------------------------------
def test_webhook_success_posts_json(gateway: Gateway) -> None:
    gateway.answer(202, {"id": "abc-1"})
    channel = WebhookChannel(gateway.url + "/hook?key=sekret", token=TOKEN)
    assert channel.send("+48601234567", PL_TEXT) == "abc-1"
    (req,) = gateway.requests
    assert req.path == "/hook?key=sekret"
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert req.headers["Content-Type"].startswith("application/json")
    assert json.loads(req.body.decode("utf-8")) == {"to": "+48601234567", "text": PL_TEXT}
    assert "sekret" not in repr(channel) and TOKEN not in repr(channel)


def test_webhook_without_token_or_id(gateway: Gateway) -> None:
    gateway.answer(200, b"OK")
    assert WebhookChannel(gateway.url).send("+48601234567", "x") == ""
    assert "Authorization" not in gateway.requests[0].headers


def test_webhook_400_is_rejected(gateway: Gateway) -> None:
    gateway.answer(400, {"error": "invalid number"})
    with pytest.raises(SmsRejected) as info:
        WebhookChannel(gateway.url + "/hook?key=sekret").send("+48601234567", "x")
    assert info.value.code == 400 and "sekret" not in str(info.value)


@pytest.mark.parametrize("status", [401, 403, 404, 408, 429, 500, 503])
def test_webhook_retryable_statuses(gateway: Gateway, status: int) -> None:
    gateway.answer(status, b"try later")
    with pytest.raises(SmsError) as info:
        WebhookChannel(gateway.url, token=TOKEN).send("+48601234567", "x")
    assert not isinstance(info.value, SmsRejected)
    assert info.value.code == status


# -- email-to-SMS ---------------------------------------------------------------------------
class FakeMailer:
    """Records Mailer.send calls; raises `error` when set."""

    def __init__(self, error: Exception | None = None):
        self.calls: list[tuple[str, list[str], bytes]] = []
        self.error = error

    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> None:
        self.calls.append((envelope_from, recipients, raw))
        if self.error:
            raise self.error


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{number}@sms.operator.pl", "48601234567@sms.operator.pl"),
        ("{e164}@sms.operator.pl", "+48601234567@sms.operator.pl"),
    ],
)
def test_email_to_sms_builds_address_and_body(template: str, expected: str) -> None:
    mailer = FakeMailer()
    channel = EmailToSmsChannel(mailer, template, "pomoc@kjmssoft.pl")
    msg_id = channel.send("+48601234567", PL_TEXT)
    ((envelope_from, recipients, raw),) = mailer.calls
    assert envelope_from == "pomoc@kjmssoft.pl" and recipients == [expected]
    assert b"\r\n" in raw and all(b < 128 for b in raw)
    msg = message_from_bytes(raw, policy=default)
    assert msg["To"] == expected and msg["From"] == "pomoc@kjmssoft.pl"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"] == msg_id and msg["Date"]
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().strip() == PL_TEXT


def test_email_to_sms_maps_smtp_errors() -> None:
    rejected = EmailToSmsChannel(FakeMailer(SmtpRejected("550 no such user", code=550)),
                                 "{number}@sms.operator.pl", "pomoc@kjmssoft.pl")  # fmt: skip
    with pytest.raises(SmsRejected) as info:
        rejected.send("+48601234567", "x")
    assert info.value.code == 550
    down = EmailToSmsChannel(FakeMailer(SmtpError("connection refused", maybe_delivered=True)),
                             "{number}@sms.operator.pl", "pomoc@kjmssoft.pl")  # fmt: skip
    with pytest.raises(SmsError) as info:
        down.send("+48601234567", "x")
    assert not isinstance(info.value, SmsRejected) and info.value.maybe_delivered


# -- phone numbers --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw", ["601 234 567", "+48 601-234-567", "0048601234567", "(+48) 601234567", "601234567"]
)
def test_normalise_phone(raw: str) -> None:
    assert normalise_phone(raw) == "+48601234567"


@pytest.mark.parametrize("raw", ["123", "", "abc", "+48 123", "601 234 567 890 123"])
def test_normalise_phone_rejects_invalid(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(raw)


def test_normalise_phone_other_region() -> None:
    assert normalise_phone("030 1234567", region="DE") == "+49301234567"
