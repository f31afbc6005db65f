"""`mailbot doctor` on the console's key and its Microsoft sign-in, without servers."""

from __future__ import annotations

from pathlib import Path

from mailbot.ops.doctor.base import FAIL, OK, WARN
from mailbot.ops.doctor.web import check_console
from mailbot.settings.config import load_config

ENTRA = "https://login.microsoftonline.com/0b3f2e1a-7c2d-4c55-9e0d-1a2b3c4d5e6f/v2.0"


def _config(tmp_path: Path, web: str = ""):
    path = tmp_path / "config.toml"
    path.write_text(
        '[imap]\nhost = "mail.kjmssoft.pl"\nuser = "pomoc@kjmssoft.pl"\n'
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[web]\n'
        f'secret_key_file = "{tmp_path / "keys" / "web.key"}"\n{web}',
        encoding="utf-8",
    )
    return load_config(path)


def test_the_key_missing_unreadable_short_or_open_to_others(tmp_path: Path):
    cfg = _config(tmp_path)
    key = cfg.web.secret_key_file
    (check,) = check_console(cfg, {}, 1.0)
    assert check.status == OK and "made on first use" in check.detail
    key.parent.mkdir()
    key.write_text("k" * 64 + "\n", encoding="ascii")
    key.chmod(0o644)
    (check,) = check_console(cfg, {}, 1.0)
    assert check.status == WARN and "644" in check.detail and check.fix == f"chmod 600 {key}"
    assert "k" * 32 not in check.detail + check.fix  # the key itself is never printed
    key.chmod(0o600)
    assert check_console(cfg, {}, 1.0)[0].status == OK
    key.write_text("short\n", encoding="ascii")
    (check,) = check_console(cfg, {}, 1.0)
    assert check.status == FAIL and "too short" in check.detail and "short" not in check.fix
    key.write_bytes(b"\xff" * 40)
    assert check_console(cfg, {}, 1.0)[0].status == FAIL


def test_microsoft_sign_in_without_its_secret_is_a_warning(tmp_path: Path):
    cfg = _config(tmp_path, f'base_url = "https://pomoc.kjmssoft.pl"\noidc_issuer = "{ENTRA}"\n'
                  'oidc_client_id = "c1"\n')  # fmt: skip
    _, signin = check_console(cfg, {}, 1.0)
    assert signin.status == WARN and "MAILBOT_OIDC_CLIENT_SECRET" in signin.detail
    _, signin = check_console(cfg, {"MAILBOT_OIDC_CLIENT_SECRET": "Tajne-123"}, 1.0)
    assert signin.status == OK and "Tajne-123" not in signin.detail
