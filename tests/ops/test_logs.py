"""Log output: JSON lines on request, secrets never in any line."""

from __future__ import annotations

import json
import logging

from mailbot.ops.logs import JsonFormatter, Redact


def record(msg: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("mailbot.poller", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_json_lines_carry_time_level_logger_and_the_message():
    line = JsonFormatter().format(record("ticket %s created for %s", "KJM-2026-000001", "Łódź"))
    doc = json.loads(line)
    assert doc["level"] == "ERROR" and doc["logger"] == "mailbot.poller"
    assert doc["message"] == "ticket KJM-2026-000001 created for Łódź"
    assert doc["time"].endswith("+00:00") and "\n" not in line


def test_secrets_are_scrubbed_from_messages_arguments_and_tracebacks():
    redact = Redact(["hunter2-imap", "smsapi-token-123", ""])
    r = record("login as %s with %s refused", "pomoc", "hunter2-imap")
    assert redact.filter(r) and r.getMessage() == "login as pomoc with *** refused"
    try:
        raise RuntimeError("Bearer smsapi-token-123 rejected")
    except RuntimeError:
        import sys

        r = record("sms failed", exc_info=sys.exc_info())
    redact.filter(r)
    text = logging.Formatter().format(r)
    assert "smsapi-token-123" not in text and "Bearer *** rejected" in text
    doc = json.loads(JsonFormatter().format(r))
    assert "smsapi-token-123" not in json.dumps(doc)


def test_short_strings_are_not_treated_as_secrets():
    """A 1–3 character 'secret' would blank out half the log."""
    r = record("poll done: 0 fetched")
    Redact(["0", "do"]).filter(r)
    assert r.getMessage() == "poll done: 0 fetched"


def test_the_secrets_a_config_points_at_are_one_list_for_logs_and_doctor(tmp_path):
    from mailbot.settings.config import load_config
    from mailbot.settings.secrets import config_secrets

    path = tmp_path / "config.toml"
    path.write_text(
        '[imap]\nhost = "imap.example.pl"\nuser = "pomoc"\npassword_env = "T_IMAP"\n'
        '[storage]\ndatabase_url = "postgresql+psycopg://mailbot:db-secret-1@db/mailbot"\n'
        '[smtp]\nmode = "smtp"\nhost = "smtp.example.pl"\nuser = "pomoc"\n'
        'password_env = "T_SMTP"\n',
        encoding="utf-8",
    )
    cfg = load_config(path)
    env = {"T_IMAP": "imap-secret-12", "T_SMTP": "smtp-secret-123"}
    assert config_secrets(cfg, env) == ["smtp-secret-123", "imap-secret-12", "db-secret-1"]
    assert config_secrets(cfg, {}) == ["db-secret-1"]  # unreadable ones are skipped
