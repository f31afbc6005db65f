"""imap.auth and [oauth]: defaults, and errors naming file and key."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from mailbot.edges.oauth import provider_from_config
from mailbot.errors import ConfigError
from mailbot.settings.config import load_config
from tests.paths import ROOT

IMAP = '[imap]\nhost = "outlook.office365.com"\nuser = "pomoc@kjmssoft.pl"\n'
XOAUTH2 = IMAP + 'auth = "xoauth2"\n'
OAUTH = '\n[oauth]\ntenant = "kjmssoft.onmicrosoft.com"\nclient_id = "abc-123"\n'


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_password_login_stays_the_default(tmp_path):
    cfg = load_config(write(tmp_path, IMAP))
    assert cfg.imap.auth == "password" and cfg.oauth is None


def test_client_credentials_defaults(tmp_path):
    cfg = load_config(write(tmp_path, XOAUTH2 + OAUTH))
    o = cfg.oauth
    assert o is not None and cfg.imap.auth == "xoauth2"
    assert o.flow == "client_credentials"
    assert o.authority == "https://login.microsoftonline.com/kjmssoft.onmicrosoft.com"
    assert o.scopes == ("https://outlook.office365.com/.default",)
    assert o.client_secret_env == "MAILBOT_OAUTH_CLIENT_SECRET"
    assert o.secret_expires is None and o.secret_warn_days == 30
    assert o.client_secret({"MAILBOT_OAUTH_CLIENT_SECRET": "x"}) == "x"


def test_refresh_token_flow(tmp_path):
    text = (
        XOAUTH2
        + OAUTH
        + (
            'flow = "refresh_token"\nrefresh_token_file = "secrets/rt"\n'
            "secret_expires = 2027-05-31\nsecret_warn_days = 45\n"
            'authority = "https://login.microsoftonline.com/{tenant}/"\n'
        )
    )
    o = load_config(write(tmp_path, text)).oauth
    assert o is not None
    assert o.refresh_token_file == tmp_path / "secrets" / "rt"  # relative to the file
    assert o.scopes == ("https://outlook.office365.com/IMAP.AccessAsUser.All",)
    assert o.secret_expires == date(2027, 5, 31) and o.secret_warn_days == 45
    assert o.authority == "https://login.microsoftonline.com/kjmssoft.onmicrosoft.com"
    assert o.client_secret({}) is None  # a public client needs none


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (XOAUTH2 + '\n[oauth]\ntenant = "t"\n', "oauth.client_id", "missing required"),
        (XOAUTH2 + '\n[oauth]\nclient_id = "c"\n', "oauth.tenant", "missing required"),
        (XOAUTH2, "oauth.tenant", "missing required"),  # no [oauth] at all
        (XOAUTH2 + OAUTH + 'flow = "password"\n', "oauth.flow", "client_credentials"),
        (XOAUTH2 + OAUTH + 'flow = "refresh_token"\n', "oauth.refresh_token_file", "missing"),
        (XOAUTH2 + OAUTH + 'client_secret = "x"\n', "oauth.client_secret", "unknown setting"),
        (XOAUTH2 + OAUTH + 'clientid = "x"\n', "oauth.clientid", "unknown setting"),
        (XOAUTH2 + OAUTH + 'secret_expires = "31.05.2027"\n', "oauth.secret_expires", "YYYY"),
        (XOAUTH2 + OAUTH + "secret_warn_days = -1\n", "oauth.secret_warn_days", "between"),
        (XOAUTH2 + OAUTH + 'scopes = ["IMAP.AccessAsUser.All"]\n', "oauth.scopes", ".default"),
        (XOAUTH2 + OAUTH + 'scopes = ["offline_access"]\n', "oauth.scopes", "offline_access"),
        (XOAUTH2 + OAUTH + "scopes = []\n", "oauth.scopes", "non-empty"),
        (XOAUTH2 + OAUTH + 'authority = "http://idp/t"\n', "oauth.authority", "https"),
        (IMAP.replace("\n", '\nauth = "oauth"\n', 1), "imap.auth", "password, xoauth2"),
        (IMAP + OAUTH, "imap.auth", 'set auth = "xoauth2"'),
    ],
)
def test_errors_name_file_and_key(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert info.value.key == key, msg
    assert str(path) in msg and key in msg and words in msg


def test_missing_secret_variable_names_the_key(tmp_path):
    path = write(tmp_path, XOAUTH2 + OAUTH + 'client_secret_env = "KJM_AZURE_SECRET"\n')
    cfg = load_config(path)  # loading needs no secret: `mailbot tickets list` works anywhere
    assert cfg.oauth is not None
    with pytest.raises(ConfigError) as info:
        provider_from_config(cfg.oauth, {"KJM_AZURE_SECRET": ""})
    assert info.value.key == "oauth.client_secret_env"
    assert "KJM_AZURE_SECRET" in str(info.value) and str(path) in str(info.value)


def test_cli_exit_code_2_on_oauth_mistake(tmp_path):
    from typer.testing import CliRunner

    from mailbot.cli.main import app

    path = write(tmp_path, XOAUTH2 + OAUTH + 'flow = "device"\n')
    result = CliRunner().invoke(app, ["db", "status", "--config", str(path)])
    assert result.exit_code == 2
    assert "oauth.flow" in result.output


def test_example_oauth_section_loads_when_uncommented(tmp_path):
    """The commented [oauth] block in config.example.toml is a working configuration."""
    example = (ROOT / "config.example.toml").read_text("utf-8")
    head, _, block = example.partition("# [oauth]\n")
    assert block, "config.example.toml lost its [oauth] block"
    keys = [line[2:] for line in block.splitlines() if re.match(r"# [a-z_]+ = ", line)]
    text = head.replace('auth = "password"', 'auth = "xoauth2"') + "[oauth]\n" + "\n".join(keys)
    cfg = load_config(write(tmp_path, text + "\n"))
    assert cfg.oauth is not None and cfg.oauth.secret_expires == date(2027, 11, 25)
    assert cfg.oauth.client_secret_env == "MAILBOT_OAUTH_CLIENT_SECRET"
