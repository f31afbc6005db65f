"""The OAuth2 secret expiry warning in the managers' digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from mailbot.ops.self_alarm import oauth_notices
from mailbot.outgoing.digest_mail import check_digest_templates, render_digest, sample_digests
from mailbot.outgoing.render import TemplateSet
from mailbot.settings.config import load_config
from tests.paths import ROOT

TEMPLATES = TemplateSet.load(ROOT / "templates")


def _config(tmp_path: Path, expires: str):
    path = tmp_path / "config.toml"
    path.write_text(
        '[imap]\nhost = "outlook.office365.com"\nuser = "pomoc@kjmssoft.pl"\nauth = "xoauth2"\n'
        f'\n[oauth]\ntenant = "t"\nclient_id = "c"\nsecret_expires = {expires}\n'
        "secret_warn_days = 14\n",
        encoding="utf-8",
    )
    return load_config(path)


def test_notices_follow_the_configured_window(tmp_path):
    oauth = _config(tmp_path, "2026-12-07").oauth
    assert oauth_notices(oauth, date(2026, 11, 22)) == ()  # 15 days: not yet
    [notice] = oauth_notices(oauth, date(2026, 11, 23))  # 14 days
    assert "za 14 dni (2026-12-07)" in notice
    assert oauth_notices(None, date(2026, 11, 23)) == ()  # password login


def test_digest_shows_the_notice_first_in_text_and_html(tmp_path):
    oauth = _config(tmp_path, "2026-11-20").oauth  # already expired
    empty = sample_digests()[1]
    digest = replace(empty, notices=oauth_notices(oauth, empty.day))
    _, text, html = render_digest(digest, TEMPLATES)
    assert text.index("UWAGA – DO ZROBIENIA PRZEZ ADMINISTRATORA") < text.index("NOWE ZGŁOSZENIA")
    assert "wygasł 2026-11-20" in text
    assert "wygasł 2026-11-20" in html and html.index("Uwaga:") < html.index("<h2")
    _, plain, plain_html = render_digest(empty, TEMPLATES)
    assert "UWAGA" not in plain and "Uwaga:" not in plain_html  # nothing when all is well


def test_digest_templates_still_pass_their_check_with_a_notice_sample():
    assert sample_digests()[0].notices  # the check renders the notice branch
    assert check_digest_templates(TEMPLATES) == []


def test_the_app_puts_the_notice_into_the_digest_it_sends(tmp_path):
    """App.render_digest (the daily job and `mailbot digest`) adds the notice itself."""
    from mailbot.daemon import App

    cfg = _config(tmp_path, "2026-11-20")
    cfg = replace(cfg, rules_dir=ROOT / "rules", templates_dir=ROOT / "templates",
                  data_dir=tmp_path / "data",
                  database_url=f"sqlite:///{tmp_path / 'm.sqlite3'}")  # fmt: skip
    app = App(cfg)
    try:
        _, text, html, _png = app.render_digest(sample_digests()[1])
    finally:
        app.close()
    assert "wygasł 2026-11-20" in text and "wygasł 2026-11-20" in html
