"""`mailbot doctor` against the real servers: Dovecot, aiosmtpd with AUTH, SQLite and
PostgreSQL, and a local HTTP server speaking SMSAPI's /profile. Each test breaks one thing
and reads the CLI's own output: the line that fails, its fix, the exit code, and that no
secret is printed. Nothing may be sent or created by a doctor run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from alembic import command
from typer.testing import CliRunner

from mailbot.cli.main import app
from mailbot.store.db import _alembic_config, make_engine, upgrade
from tests.integration.conftest import PASSWORD_ENV, write_config
from tests.integration.smtp_server import (  # noqa: F401 - fixtures are used by name
    smtp_cert_dir_fixture,
    smtp_server_fixture,
)
from tests.servers import free_port

pytestmark = pytest.mark.integration

SMTP_ENV, SMS_ENV = "MAILBOT_TEST_SMTP_PASSWORD", "MAILBOT_TEST_SMS_TOKEN"
SMTP_USER, SMTP_PASSWORD = "pomoc@kjmssoft.pl", "smtp-Haslo-7731"
TOKEN = "smsapi-token-5f1e0c9a77"


@dataclass
class Run:
    code: int
    output: str
    checks: dict[str, dict[str, str]] = field(default_factory=dict)

    def line(self, name: str) -> dict[str, str]:
        return self.checks[name]


def doctor(config: Path, env: dict[str, str]) -> Run:
    """The CLI twice, as text and as --json; both must agree on the exit code."""
    runner = CliRunner(env={"COLUMNS": "200", **env})
    text = runner.invoke(app, ["doctor", "--config", str(config), "--timeout", "5"])
    as_json = runner.invoke(app, ["doctor", "--config", str(config), "--json", "--timeout", "5"])
    assert text.exception is None or isinstance(text.exception, SystemExit), text.output
    assert "configuration error" not in text.output, text.output  # a test's own mistake
    assert text.exit_code == as_json.exit_code, (text.output, as_json.output)
    doc = json.loads(as_json.stdout)
    assert doc["exit_code"] == text.exit_code
    checks = {c["name"]: c for c in doc["checks"]}
    return Run(text.exit_code, text.output + as_json.output, checks)


@pytest.fixture
def smtp(smtp_server):
    return smtp_server(tls="starttls", user=SMTP_USER, password=SMTP_PASSWORD)


@pytest.fixture
def setup(tmp_path, mailbox, db_url, smtp):
    """A working installation: schema at head, IMAP with a Sent folder, SMTP with AUTH."""
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    mailbox.create_folder("Sent")
    env = {PASSWORD_ENV: mailbox.password, SMTP_ENV: SMTP_PASSWORD}

    def configure(**extra) -> Path:
        smtp_section = {
            "mode": "smtp", "host": smtp.host, "port": smtp.port, "tls": "starttls",
            "user": SMTP_USER, "password_env": SMTP_ENV, "cafile": str(smtp.cafile),
        } | extra.pop("smtp", {})  # fmt: skip
        db = extra.pop("db_url", db_url)
        return write_config(
            tmp_path, mailbox, db, smtp=smtp_section, **({"sent_folder": "Sent"} | extra)
        )

    return configure, env


def assert_no_secret(run: Run, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in run.output


def test_all_ok_exit_0_and_nothing_sent_or_created(setup, mailbox, smtp):
    configure, env = setup
    run = doctor(configure(), env)
    assert run.code == 0, run.output
    statuses = {name: c["status"] for name, c in run.checks.items()}
    assert set(statuses.values()) <= {"OK", "SKIP"}, statuses
    for name in ("config", "rules", "templates", "database", "database schema", "imap connect",
                 "imap login", "imap folder", "imap sent folder", "smtp connect", "smtp tls",
                 "smtp login"):  # fmt: skip
        assert statuses[name] == "OK", (name, run.output)
    assert "STARTTLS" in run.line("smtp tls")["detail"] or "TLS" in run.line("smtp tls")["detail"]
    assert "IDLE yes" in run.line("imap capabilities")["detail"]
    assert "creates it" in run.line("imap processed folder")["detail"]
    assert "mailbot doctor: " in run.output and " 0 FAIL" in run.output
    assert smtp.handler.messages == []  # EHLO + AUTH only: no MAIL FROM, nothing delivered
    assert not mailbox.folder_exists("Processed")  # reported, not created
    assert_no_secret(run, mailbox.password, SMTP_PASSWORD)


def test_wrong_imap_password_fails_with_fix_and_no_secret(setup, mailbox):
    configure, env = setup
    wrong = "zle-haslo-Qx81"
    run = doctor(configure(), env | {PASSWORD_ENV: wrong})
    assert run.code == 2
    login = run.line("imap login")
    assert login["status"] == "FAIL"
    assert (
        f"IMAP login as {mailbox.user} refused by {mailbox.host}:{mailbox.port}" in login["detail"]
    )
    assert "AUTHENTICATIONFAILED" in login["detail"]  # the server's own words
    assert PASSWORD_ENV in login["fix"] and "secrets.env" in login["fix"]
    assert run.line("imap connect")["status"] == "OK"
    assert run.line("imap folder")["status"] == "SKIP"
    assert run.line("smtp login")["status"] == "OK"  # independent of the IMAP failure
    assert "Traceback" not in run.output
    assert_no_secret(run, wrong, mailbox.password, SMTP_PASSWORD)


def test_missing_imap_password_variable(setup):
    configure, env = setup
    run = doctor(configure(), {k: v for k, v in env.items() if k != PASSWORD_ENV})
    assert run.code == 2
    login = run.line("imap login")
    assert login["status"] == "FAIL" and f"{PASSWORD_ENV} is not set" in login["detail"]
    assert run.line("imap connect")["status"] == "OK"  # the way there is still checked


def test_missing_folders_fail_and_list_what_exists(setup):
    configure, env = setup
    run = doctor(configure(folder="Eingang", sent_folder="Wyslane"), env)
    assert run.code == 2
    folder = run.line("imap folder")
    assert folder["status"] == "FAIL" and "'Eingang' does not exist" in folder["detail"]
    assert "imap.folder" in folder["fix"] and "INBOX" in folder["fix"] and "Sent" in folder["fix"]
    sent = run.line("imap sent folder")
    assert sent["status"] == "FAIL" and "imap.sent_folder" in sent["fix"]
    assert run.line("imap login")["status"] == "OK"


def test_smtp_refused_auth(setup, smtp):
    configure, env = setup
    wrong = "niepoprawne-Zz90"
    run = doctor(configure(), env | {SMTP_ENV: wrong})
    assert run.code == 2
    assert run.line("smtp connect")["status"] == "OK"
    assert run.line("smtp tls")["status"] == "OK"
    login = run.line("smtp login")
    assert login["status"] == "FAIL" and "535" in login["detail"]
    assert SMTP_ENV in login["fix"]
    assert run.line("imap login")["status"] == "OK"
    assert smtp.handler.messages == []
    assert_no_secret(run, wrong, SMTP_PASSWORD)


def test_smtp_tls_mode_mismatch(setup, smtp):
    """Implicit TLS configured against a STARTTLS port: the TLS line fails, with the modes."""
    configure, env = setup
    run = doctor(configure(smtp={"tls": "ssl"}), env)
    tls = run.line("smtp tls")
    assert run.code == 2 and tls["status"] == "FAIL"
    assert '"starttls" (port 587)' in tls["fix"] or '"starttls" (587)' in tls["fix"]
    assert run.line("smtp login")["status"] == "SKIP"


def test_database_not_upgraded(tmp_path, mailbox, db_url, smtp, setup, request):
    configure, env = setup
    if request.node.callspec.params["db_url"] == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh' / 'none.sqlite3'}"
        run = doctor(configure(db_url=url), env)
        line = run.line("database")
        assert line["status"] == "FAIL" and "does not exist" in line["detail"]
        assert not (tmp_path / "fresh").exists()  # doctor creates nothing
        empty = tmp_path / "empty.sqlite3"
        make_engine(f"sqlite:///{empty}").connect().close()  # a file without tables
        url = f"sqlite:///{empty}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"doctor_empty_{free_port()}")
    run = doctor(configure(db_url=url), env)
    assert run.code == 2
    schema = run.line("database schema")
    assert schema["status"] == "FAIL" and "empty" in schema["detail"]
    assert "`mailbot db upgrade`" in schema["fix"]
    assert run.line("database")["status"] == "OK"


def test_database_behind_head(setup, db_url):
    configure, env = setup
    engine = make_engine(db_url)
    command.downgrade(_alembic_config(engine), "-1")
    engine.dispose()
    run = doctor(configure(), env)
    schema = run.line("database schema")
    assert run.code == 2 and schema["status"] == "FAIL"
    assert "(1 behind)" in schema["detail"] and "`mailbot db upgrade`" in schema["fix"]


def test_unreachable_ports_fail_without_traceback(setup, mailbox):
    configure, env = setup
    dead = free_port()
    pg_url = f"postgresql+psycopg://postgres:pg-Sekret-41@127.0.0.1:{free_port()}/nothing"
    path = configure(smtp={"port": free_port()}, db_url=pg_url)
    path.write_text(path.read_text().replace(f"port = {mailbox.port}\n", f"port = {dead}\n", 1))
    run = doctor(path, env)
    assert run.code == 2
    for name in ("imap connect", "smtp connect", "database"):
        line = run.line(name)
        assert line["status"] == "FAIL", (name, run.output)
    assert "refused" in run.line("imap connect")["detail"].lower()
    assert "nothing accepts connections" in run.line("imap connect")["fix"]
    assert "nothing accepts connections" in run.line("smtp connect")["fix"]
    assert "storage.database_url" in run.line("database")["fix"]
    assert run.line("imap login")["status"] == "SKIP"
    assert "Traceback" not in run.output and "pg-Sekret-41" not in run.output


def test_imap_implicit_tls_and_untrusted_certificate(tmp_path, mailbox, setup):
    configure, env = setup
    run = doctor(configure(tls="ssl"), env)
    assert run.code == 0, run.output
    assert "implicit TLS, TLSv1" in run.line("imap connect")["detail"]
    run = doctor(configure(tls="starttls"), env)
    assert run.code == 0 and "STARTTLS, TLSv1" in run.line("imap connect")["detail"]
    path = configure(tls="ssl")
    text = path.read_text().replace(f'cafile = "{mailbox.cafile}"\n', "", 1)
    path.write_text(text)
    run = doctor(path, env)
    line = run.line("imap connect")
    assert line["status"] == "FAIL" and "imap.cafile" in line["fix"]


def test_config_that_does_not_load_stops_with_exit_2(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[imap]\nhost = "x"\nuser = "u"\ntls = "tls"\n')
    result = CliRunner().invoke(app, ["doctor", "--config", str(path)])
    assert result.exit_code == 2
    assert "configuration error" in result.output and "imap.tls" in result.output


# -- SMS: SMSAPI's /profile and a webhook, on a local HTTP server ------------------------------
@dataclass
class Gateway:
    url: str = ""
    points: float = 120.0
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, auth


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            auth = self.headers.get("Authorization", "")
            state.seen.append(("GET", self.path, auth))
            if auth != f"Bearer {TOKEN}":
                self._answer(401, {"message": "Authorization failed", "error": "invalid_token"})
                return
            self._answer(200, {"name": "KJM", "username": "kjm-api", "email": "x@kjmssoft.pl",
                               "phone_number": "48601234567", "payment_type": "prepaid",
                               "user_type": "native", "points": state.points})  # fmt: skip

        def do_HEAD(self) -> None:  # noqa: N802
            state.seen.append(("HEAD", self.path, self.headers.get("Authorization", "")))
            self._answer(405, {})

        def do_POST(self) -> None:  # noqa: N802 - a POST would send an SMS: never expected
            state.seen.append(("POST", self.path, ""))
            self._answer(500, {})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms_setup(tmp_path, mailbox):
    """IMAP and SQLite working, SMTP in capture mode: only the SMS line varies."""
    url = f"sqlite:///{tmp_path / 'mailbot.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()

    def configure(sms: dict) -> Path:
        return write_config(tmp_path, mailbox, url, sms=sms)

    return configure, {PASSWORD_ENV: mailbox.password, SMS_ENV: TOKEN}


def test_smsapi_profile_ok_low_points_and_bad_token(sms_setup, gateway):
    configure, env = sms_setup
    path = configure({"channel": "smsapi", "token_env": SMS_ENV, "base_url": gateway.url})
    run = doctor(path, env)
    line = run.line("sms gateway")
    assert run.code == 0 and line["status"] == "OK", run.output
    assert "kjm-api" in line["detail"] and "points 120" in line["detail"]
    assert gateway.seen[0] == ("GET", "/profile", f"Bearer {TOKEN}")
    assert {m for m, _, _ in gateway.seen} == {"GET"}  # no POST: nothing sent

    gateway.points = 2.5
    run = doctor(path, env)
    assert run.code == 1 and run.line("sms gateway")["status"] == "WARN"  # warnings only: 1
    assert "top up" in run.line("sms gateway")["fix"]

    bad = "zly-token-000"
    run = doctor(path, env | {SMS_ENV: bad})
    line = run.line("sms gateway")
    assert run.code == 2 and line["status"] == "FAIL"
    assert "check the SMSAPI token" in line["detail"] and SMS_ENV in line["fix"]
    assert_no_secret(run, bad, TOKEN)

    run = doctor(path, {PASSWORD_ENV: env[PASSWORD_ENV]})
    assert run.line("sms gateway")["status"] == "FAIL"
    assert f"{SMS_ENV} (the SMSAPI token) is not set" in run.line("sms gateway")["detail"]


def test_webhook_head_only_and_auth_skipped(sms_setup, gateway):
    configure, env = sms_setup
    url = f"{gateway.url}/send?key=query-Secret-991"
    run = doctor(configure({"channel": "webhook", "url": url, "token_env": SMS_ENV}), env)
    assert run.code == 0, run.output
    assert run.line("sms gateway")["status"] == "OK"
    assert "HTTP 405" in run.line("sms gateway")["detail"]
    assert run.line("sms gateway auth")["status"] == "SKIP"
    assert [m for m, _, _ in gateway.seen] == ["HEAD", "HEAD"]  # text run and --json run
    assert_no_secret(run, "query-Secret-991", TOKEN)


def test_email_sms_with_capture_smtp_warns(sms_setup):
    configure, env = sms_setup
    run = doctor(configure({"channel": "email", "address_template": "{number}@sms.pl"}), env)
    assert run.code == 1 and run.line("sms")["status"] == "WARN"
    assert 'smtp.mode = "smtp"' in run.line("sms")["fix"]


def test_xoauth2_expired_secret_and_server_without_xoauth2(tmp_path, mailbox):
    """XOAUTH2 against a Dovecot that offers only passwords: the login line names the
    missing AUTH=XOAUTH2 (before any token is fetched) and the expired Azure secret fails."""
    url = f"sqlite:///{tmp_path / 'mailbot.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    path = write_config(tmp_path, mailbox, url, auth="xoauth2")
    secret = "azure-Client-Secret-8812"
    oauth = (
        '\n[oauth]\ntenant = "kjmssoft.pl"\nclient_id = "00000000-1111-2222-3333-444444444444"\n'
    )
    path.write_text(path.read_text() + oauth + 'secret_expires = "2026-01-31"\n')
    run = doctor(path, {"MAILBOT_OAUTH_CLIENT_SECRET": secret})
    assert run.code == 2
    assert run.line("oauth secret")["status"] == "FAIL"
    assert "expired on 2026-01-31" in run.line("oauth secret")["detail"]
    login = run.line("imap login")
    assert login["status"] == "FAIL" and "(XOAUTH2)" in login["detail"]
    assert "does not offer AUTH=XOAUTH2" in login["detail"] and "[oauth]" in login["fix"]
    assert_no_secret(run, secret)


def test_smtp_implicit_tls_ok(setup, smtp_server):
    configure, env = setup
    server = smtp_server(tls="ssl", user=SMTP_USER, password=SMTP_PASSWORD)
    run = doctor(configure(smtp={"port": server.port, "tls": "ssl"}), env)
    assert run.code == 0, run.output
    assert run.line("smtp tls")["detail"].startswith("TLSv1")
    assert "(ssl)" in run.line("smtp tls")["detail"]
    assert run.line("smtp login")["status"] == "OK" and server.handler.messages == []
