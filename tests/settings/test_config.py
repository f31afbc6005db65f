"""Config loading: defaults, and one clear error naming file and key."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailbot.cli.main import app
from mailbot.errors import ConfigError
from mailbot.settings.config import load_config
from tests.paths import ROOT

MINIMAL = '[imap]\nhost = "imap.example.pl"\nuser = "pomoc"\n'


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL))
    assert cfg.imap.tls == "ssl" and cfg.imap.port == 993
    assert cfg.imap.folder == "INBOX"
    assert cfg.imap.processed == "move" and cfg.imap.processed_folder == "Processed"
    assert cfg.poll_interval == 180
    assert cfg.imap.max_message_size == 25 * 1024 * 1024
    assert cfg.timezone == "Europe/Warsaw"
    assert cfg.database_url == f"sqlite:///{tmp_path / 'data' / 'mailbot.sqlite3'}"
    assert cfg.rules_dir == tmp_path / "rules"
    assert cfg.history_cutoff is None
    assert (cfg.retry_after, cfg.retry_max) == (30, 1800)


def test_example_config_loads_and_documents_every_key():
    cfg = load_config(ROOT / "config.example.toml")
    assert cfg.imap.host == "imap.kjmssoft.pl"
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    from mailbot.settings.sections import MODELS, SECRET_KEYS

    for section, model in MODELS.items():
        assert f"[{section}]" in text
        for key in model.model_fields:
            if f"{section}.{key}" not in SECRET_KEYS:
                assert f"{key} =" in text, f"{section}.{key} not documented"


def test_starttls_default_port(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL + 'tls = "starttls"\n'))
    assert cfg.imap.port == 143


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ('tls = "tls"\n', "imap.tls", "one of ssl, starttls, none"),
        ("port = 99999\n", "imap.port", "between"),
        ('password = "secret"\n', "imap.password", "do not belong"),
        ('pol_interval = "3m"\n', "imap.pol_interval", "unknown setting"),
        ('\n[intake]\npoll_interval = "soon"\n', "intake.poll_interval", "duration"),
        ('\n[intake]\nhistory_cutoff = "24.11.2026"\n', "intake.history_cutoff", "YYYY-MM-DD"),
        ('\n[general]\ntimezone = "Europe/Warszawa"\n', "general.timezone", "unknown time zone"),
        ('\n[storage]\ndatabase_url = "mysql://x"\n', "storage.database_url", "sqlite"),
        ('max_message_size = "big"\n', "imap.max_message_size", "size"),
        ('\n[grafik]\nhost = "x"\n', "grafik", "unknown section"),
        ('\n[outbox]\nretry_after = "later"\n', "outbox.retry_after", "duration"),
        (
            '\n[outbox]\nretry_after = "5m"\nretry_max = "1m"\n',
            "outbox.retry_max",
            "not be shorter than outbox.retry_after",
        ),
    ],
)
def test_errors_name_file_and_key(tmp_path, extra, key, words):
    path = write(tmp_path, MINIMAL + extra)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert info.value.key == key
    assert str(path) in msg and key in msg and words in msg


def test_missing_required_key(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, '[imap]\nhost = "x"\n'))
    assert info.value.key == "imap.user"


def test_password_from_env_and_file(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL + 'password_env = "PW"\n'))
    assert cfg.imap_password({"PW": "s3cret"}) == "s3cret"
    with pytest.raises(ConfigError, match="PW is not set"):
        cfg.imap_password({})
    (tmp_path / "pw").write_text("from-file\n")
    cfg = load_config(write(tmp_path, MINIMAL + 'password_env = ""\npassword_file = "pw"\n'))
    assert cfg.imap_password({}) == "from-file"


def test_cli_exits_2_with_clear_message(tmp_path):
    path = write(tmp_path, MINIMAL + 'tls = "yes"\n')
    result = CliRunner().invoke(app, ["poll", "--once", "--config", str(path)])
    assert result.exit_code == 2
    assert "imap.tls" in result.output and str(path) in result.output


def test_cli_missing_config_file(tmp_path):
    result = CliRunner().invoke(app, ["db", "upgrade", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "config file not found" in result.output


def test_every_problem_of_the_file_at_once_with_did_you_mean(tmp_path):
    path = write(
        tmp_path,
        MINIMAL + 'tls = "yes"\nfoldr = "INBOX"\n\n[intake]\npoll_intervall = "3m"\n'
        "parse_workers = 99\n\n[digst]\nenabled = true\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 5 and all(str(path) in line for line in lines)
    assert (
        "imap.tls" in lines[1] and "imap.foldr" in lines[2] and "intake.parse_workers" in lines[3]
    )
    assert "did you mean 'folder'?" in lines[2]
    assert "did you mean 'poll_interval'?" in str(info.value)
    assert "unknown section [digst]; did you mean 'digest'?" in lines[0]
    assert info.value.key == "digst"  # the first problem, as the file reads
    result = CliRunner().invoke(app, ["db", "status", "--config", str(path)])
    assert result.exit_code == 2 and result.output.count(str(path)) == 5


def test_web_base_url_links_mails_to_the_console(tmp_path):
    assert load_config(write(tmp_path, MINIMAL)).web_base_url == ""  # default: no links
    cfg = load_config(
        write(tmp_path, MINIMAL + '\n[web]\nbase_url = "https://pomoc.kjmssoft.pl/"\n')
    )
    assert cfg.web_base_url == "https://pomoc.kjmssoft.pl"
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, MINIMAL + '\n[web]\nbase_url = "pomoc.kjmssoft.pl"\n'))
    assert "web.base_url" in str(err.value)


@pytest.mark.parametrize(
    "extra",
    [
        "",
        '\n[storage]\ndata_dir = "var/mb"\n',
        '\n[storage]\ndata_dir = ""\n',
        '\n[storage]\ndatabase_url = "postgresql://mb@db/mailbot"\n\n[general]\ntimezone = "UTC"\n',
    ],
)
def test_the_read_only_commands_read_the_database_and_zone_as_load_config(tmp_path, extra):
    from mailbot.settings.reading import ReadingConfig, load_reading_config

    path = write(tmp_path, MINIMAL + extra)
    light, full = load_reading_config(path), load_config(path)
    assert isinstance(light, ReadingConfig)
    assert (light.database_url, light.timezone, light.tz) == (
        full.database_url, full.timezone, full.tz)  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('\n[general]\ntimezone = "Europe/Warszawa"\n', "general.timezone"),
        ('\n[storage]\ndatabase_url = "mysql://x"\n', "storage.database_url"),
        ("\n[storage]\ndata_dir = 7\n", "storage.data_dir"),
    ],
)
def test_what_the_light_read_cannot_take_gets_load_configs_error(tmp_path, extra, key):
    from mailbot.settings.reading import load_reading_config

    with pytest.raises(ConfigError) as info:
        load_reading_config(write(tmp_path, MINIMAL + extra))
    assert info.value.key == key
    result = CliRunner().invoke(app, ["queue", "--config", str(tmp_path / "config.toml")])
    assert result.exit_code == 2 and key in result.output


ENTRA = "https://login.microsoftonline.com/0b3f6c2e-5d7a-4c1e-9a8b-2f4e6d8c0a1b/v2.0"
OIDC = f'base_url = "https://pomoc.kjmssoft.pl"\noidc_issuer = "{ENTRA}"\noidc_client_id = "c1"\n'


def test_microsoft_sign_in_is_off_by_default_and_on_with_issuer_and_client(tmp_path):
    assert load_config(write(tmp_path, MINIMAL)).web.oidc is None
    cfg = load_config(write(tmp_path, MINIMAL + "\n[web]\n" + OIDC))
    oidc = cfg.web.oidc
    assert (oidc.issuer, oidc.client_id, oidc.client_secret_env) == (
        ENTRA, "c1", "MAILBOT_OIDC_CLIENT_SECRET")  # fmt: skip
    assert oidc.redirect_uri == "https://pomoc.kjmssoft.pl/login/oidc/callback"
    assert oidc.client_secret({"MAILBOT_OIDC_CLIENT_SECRET": "s3cret-value"}) == "s3cret-value"
    with pytest.raises(ConfigError) as err:
        oidc.client_secret({})
    assert err.value.key == "web.oidc_client_secret_env"
    assert "MAILBOT_OIDC_CLIENT_SECRET" in str(err.value)


@pytest.mark.parametrize(
    ("web", "key", "words"),
    [
        (OIDC + 'oidc_client_secret = "abc"\n', "web.oidc_client_secret", "do not belong"),
        (OIDC.replace(ENTRA, "login.microsoftonline.com/x/v2.0"), "web.oidc_issuer", "https://"),
        (OIDC.replace(ENTRA, "http://idp.example.pl/x"), "web.oidc_issuer", "https://"),
        (
            OIDC.replace(ENTRA, "https://login.microsoftonline.com/common/v2.0"),
            "web.oidc_issuer",
            "tenant",
        ),
        (OIDC.replace('oidc_client_id = "c1"', 'oidc_client_id = ""'), "web.oidc_client_id", ""),
        (OIDC + 'oidc_client_secret_env = ""\n', "web.oidc_client_secret_env", ""),
        (OIDC.replace('base_url = "https://pomoc.kjmssoft.pl"', ""), "web.base_url", "callback"),
        ('oidc_client_id = "c1"\n', "web.oidc_issuer", "oidc_client_id is set"),
    ],
)
def test_a_half_filled_microsoft_sign_in_is_an_error_naming_the_key(tmp_path, web, key, words):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, MINIMAL + "\n[web]\n" + web))
    assert key in str(err.value) and words in str(err.value)
    assert "abc" not in str(err.value)  # a secret typed into the file is not repeated


def test_a_local_http_issuer_is_allowed_for_tests_and_trials(tmp_path):
    web = OIDC.replace(ENTRA, "http://127.0.0.1:8123/tenant/v2.0")
    assert load_config(write(tmp_path, MINIMAL + "\n[web]\n" + web)).web.oidc is not None


def test_the_console_client_secret_is_among_the_secrets_scrubbed(tmp_path):
    from mailbot.settings.secrets import config_secrets

    cfg = load_config(write(tmp_path, MINIMAL + "\n[web]\n" + OIDC))
    env = {"MAILBOT_OIDC_CLIENT_SECRET": "oidc-secret-42", "MAILBOT_IMAP_PASSWORD": "imap-pw-1"}
    assert config_secrets(cfg, env) == ["oidc-secret-42", "imap-pw-1"]
