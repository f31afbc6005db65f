"""`mailbot doctor`'s verdict and its secret scrubbing, without servers."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from mailbot.ops.doctor.base import FAIL, OK, SKIP, WARN, Check, loopback
from mailbot.ops.doctor.checks import _scrub, _secrets, exit_code, print_checks, to_json
from mailbot.settings.config import load_config


def test_exit_code_0_ok_1_warnings_only_2_any_failure():
    ok, skip = Check("a", OK, ""), Check("b", SKIP, "")
    warn, fail = Check("c", WARN, "", "fix"), Check("d", FAIL, "", "fix")
    assert exit_code([ok, skip]) == 0
    assert exit_code([ok, warn, skip]) == 1
    assert exit_code([warn, fail, ok]) == 2
    doc = json.loads(to_json([ok, warn]))
    assert doc["status"] == "WARN" and doc["exit_code"] == 1 and doc["checks"][1]["fix"] == "fix"


def test_every_configured_secret_is_scrubbed(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[imap]\nhost = "mail.kjmssoft.pl"\nuser = "pomoc@kjmssoft.pl"\n'
        '[storage]\ndatabase_url = "postgresql+psycopg://mailbot:Db-Haslo-55@db/mailbot"\n'
        '[smtp]\nmode = "smtp"\nhost = "smtp.kjmssoft.pl"\nuser = "pomoc@kjmssoft.pl"\n'
        '[sms]\nchannel = "webhook"\nurl = "https://gw.example.pl/send?key=Url-Klucz-77"\n',
        encoding="utf-8",
    )
    cfg = load_config(path)
    env = {"MAILBOT_IMAP_PASSWORD": "Imap-Haslo-11", "MAILBOT_SMTP_PASSWORD": "Smtp-Haslo-22",
           "MAILBOT_SMS_TOKEN": "Sms-Token-33"}  # fmt: skip
    secrets = _secrets(cfg, env)
    leaked = "login Imap-Haslo-11 Smtp-Haslo-22 Sms-Token-33 Db-Haslo-55 key=Url-Klucz-77"
    scrubbed = _scrub(Check("x", FAIL, leaked, f"fix {leaked}"), secrets)
    for secret in ("Imap-Haslo-11", "Smtp-Haslo-22", "Sms-Token-33", "Db-Haslo-55", "Url-Klucz-77"):
        assert secret not in scrubbed.detail and secret not in scrubbed.fix
    assert scrubbed.detail.startswith("login ***")


def test_server_text_in_brackets_is_printed_not_read_as_markup():
    console = Console(record=True, width=200)
    print_checks(
        [Check("imap login", FAIL, "refused: [AUTHENTICATIONFAILED] no", "fix it")], console
    )
    text = console.export_text()
    assert "[AUTHENTICATIONFAILED]" in text and "fix: fix it" in text
    assert "0 OK, 0 WARN, 1 FAIL, 0 SKIP" in text


def test_loopback_hosts():
    assert loopback("127.0.0.1") and loopback("::1") and loopback("localhost")
    assert not loopback("mail.kjmssoft.pl") and not loopback("10.0.0.5")
