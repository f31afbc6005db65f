"""mailbot.edges.smtp against a real aiosmtpd server: TLS modes, AUTH, refusals, outages."""

from __future__ import annotations

import email
import time
from datetime import UTC, datetime
from email.policy import default
from pathlib import Path

import pytest

from mailbot.edges.mailer import CaptureMailer
from mailbot.edges.smtp import SmtpError, SmtpMailer, SmtpRejected
from mailbot.outgoing.compose import compose_reply, make_message_id
from mailbot.outgoing.render import Rendered
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    RecordingHandler,
    SmtpServer,
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)
from tests.servers import free_port

pytestmark = pytest.mark.integration

USER, PASSWORD = "mailbot", "tajne-hasło-Ż9"
FROM, CLIENT = "pomoc@kjmssoft.pl", "jan.kowalski@example.pl"


def message() -> bytes:
    return compose_reply(
        Rendered(
            "Re: Drukarka nie działa [KJM-2026-000042]",
            "Dzień dobry,\nzgłoszenie przyjęte. Zażółć gęślą jaźń.\n.linia z kropką\n",
            "<p>Dzień dobry, zażółć gęślą jaźń</p>\n",
        ),
        from_addr=FROM,
        from_name="Pomoc KJM",
        to_addr=CLIENT,
        to_name="Jan Kowalski",
        in_reply_to="<c1@example.pl>",
        references=(),
        thread_index=None,
        message_id=make_message_id("KJM-2026-000042"),
        date=datetime.now(UTC),
    )


def mailer(server: SmtpServer, **kw) -> SmtpMailer:
    args = dict(host=server.host, port=server.port, tls=server.tls, cafile=server.cafile)
    return SmtpMailer(**(args | {"timeout": 5.0, "local_hostname": "localhost"} | kw))


def assert_arrived(server: SmtpServer, raw: bytes) -> None:
    [got] = server.handler.messages
    assert got.mail_from == FROM and got.rcpt_tos == [CLIENT]
    assert got.raw == raw  # byte for byte, dot-stuffing undone
    msg = email.message_from_bytes(got.raw, policy=default)
    assert msg["Subject"] == "Re: Drukarka nie działa [KJM-2026-000042]"
    assert msg["In-Reply-To"] == "<c1@example.pl>"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # CRLF kept by QP
    assert "Zażółć gęślą jaźń.\n.linia z kropką" in text
    assert "zażółć gęślą jaźń" in msg.get_body(("html",)).get_content()


@pytest.mark.parametrize(
    "tls,auth", [("none", False), ("none", True), ("starttls", True), ("ssl", True)]
)
def test_delivers_byte_for_byte(smtp_server, tls: str, auth: bool) -> None:
    creds = {"user": USER, "password": PASSWORD} if auth else {}
    server = smtp_server(tls=tls, **creds)
    raw = message()
    mailer(server, **creds).send(FROM, [CLIENT], raw)
    assert_arrived(server, raw)


def test_dot_stuffing_of_raw_lines(smtp_server) -> None:
    server = smtp_server()
    raw = b"From: pomoc@kjmssoft.pl\r\nSubject: x\r\n\r\n.one\r\n..two\r\n.\r\nend"
    mailer(server).send(FROM, [CLIENT], raw)
    assert server.handler.messages[0].raw == raw + b"\r\n"


def test_wrong_password_is_smtp_error_without_the_secret(smtp_server) -> None:
    server = smtp_server(tls="starttls", user=USER, password=PASSWORD)
    m = mailer(server, user=USER, password="zle-haslo-123")
    with pytest.raises(SmtpError) as info:
        m.send(FROM, [CLIENT], message())
    assert not isinstance(info.value, SmtpRejected)
    assert "authentication failed" in str(info.value)
    assert "zle-haslo-123" not in str(info.value) and "zle-haslo-123" not in repr(m)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert server.handler.messages == []


def test_untrusted_certificate_is_smtp_error(smtp_server) -> None:
    server = smtp_server(tls="ssl")
    with pytest.raises(SmtpError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
        mailer(server, cafile=None).send(FROM, [CLIENT], message())


def test_server_down_fails_quickly() -> None:
    m = SmtpMailer("127.0.0.1", free_port(), "none", None, None, None, 2.0, "localhost")
    started = time.monotonic()
    with pytest.raises(SmtpError) as info:
        m.send(FROM, [CLIENT], message())
    assert time.monotonic() - started < 2.0
    assert not isinstance(info.value, SmtpRejected)
    assert "connect to 127.0.0.1" in str(info.value)


def test_rcpt_550_is_rejected(smtp_server) -> None:
    handler = RecordingHandler(rcpt_codes={CLIENT: "550 5.1.1 No such user"})
    server = smtp_server(handler=handler)
    with pytest.raises(SmtpRejected) as info:
        mailer(server).send(FROM, [CLIENT], message())
    assert info.value.refused == {CLIENT: (550, "5.1.1 No such user")}
    assert info.value.delivered_to == ()
    assert handler.messages == []


def test_rcpt_450_is_transient(smtp_server) -> None:
    handler = RecordingHandler(rcpt_codes={CLIENT: "450 4.2.1 Try later"})
    server = smtp_server(handler=handler)
    with pytest.raises(SmtpError) as info:
        mailer(server).send(FROM, [CLIENT, "szef@kjmssoft.pl"], message())
    assert not isinstance(info.value, SmtpRejected) and info.value.code == 450
    assert handler.messages == []  # nobody got it: a retry doubles nothing


def test_partial_refusal_delivers_to_the_rest_and_says_so(smtp_server) -> None:
    handler = RecordingHandler(rcpt_codes={"nikt@kjmssoft.pl": "550 5.1.1 No such user"})
    server = smtp_server(handler=handler)
    with pytest.raises(SmtpRejected) as info:
        mailer(server).send(FROM, ["dyzur@kjmssoft.pl", "nikt@kjmssoft.pl"], message())
    assert info.value.delivered_to == ("dyzur@kjmssoft.pl",)
    assert handler.messages[0].rcpt_tos == ["dyzur@kjmssoft.pl"]


@pytest.mark.parametrize("reply,permanent", [("554 5.7.1 Spam", True), ("451 4.3.0 Later", False)])
def test_data_refusal(smtp_server, reply: str, permanent: bool) -> None:
    server = smtp_server(handler=RecordingHandler(data_reply=reply))
    with pytest.raises(SmtpError) as info:
        mailer(server).send(FROM, [CLIENT], message())
    assert isinstance(info.value, SmtpRejected) is permanent
    assert info.value.code == int(reply[:3])


def test_lost_answer_after_data_is_maybe_delivered(smtp_server) -> None:
    server = smtp_server(handler=RecordingHandler(data_delay=2.0))
    with pytest.raises(SmtpError) as info:
        mailer(server, timeout=0.5).send(FROM, [CLIENT], message())
    assert info.value.maybe_delivered


def test_null_reverse_path(smtp_server) -> None:
    server = smtp_server()
    mailer(server).send("", [CLIENT], message())
    assert server.handler.messages[0].mail_from == "<>"


def test_mailer_refuses_malformed_envelope(smtp_server) -> None:
    server = smtp_server()
    with pytest.raises(ValueError):
        mailer(server).send(FROM, ["x@y.pl\r\nRCPT TO:<evil@z.pl>"], message())
    assert server.handler.messages == []


def test_capture_mailer_writes_each_message(tmp_path: Path) -> None:
    out = tmp_path / "outbox"
    capture = CaptureMailer(out)
    raws = [message(), message()]
    for raw in raws:
        capture.send(FROM, [CLIENT], raw)
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temporary files left
    assert capture.last_path in files
    assert sorted(f.read_bytes() for f in files) == sorted(raws)
    msg = email.message_from_bytes(files[0].read_bytes(), policy=default)
    assert "Zażółć" in msg.get_body(("plain",)).get_content()


def test_capture_mailer_disk_error_is_smtp_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(SmtpError, match="cannot capture"):
        CaptureMailer(blocker).send(FROM, [CLIENT], b"x")
