"""`mailbot init`, the shipped rules and templates, and where a config's relative paths
lead: what a wheel install starts from (the wheel itself: test_wheel.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailbot.cli.init import init_dir, starter_config
from mailbot.cli.main import app
from mailbot.errors import ConfigError
from mailbot.outgoing.render import TemplateSet
from mailbot.outgoing.template_check import check_all
from mailbot.settings.config import load_config
from mailbot.settings.shipped import shipped
from tests.paths import ROOT

RULE_FILES = sorted(p.name for p in (ROOT / "rules").iterdir())


def test_in_a_checkout_the_shipped_files_are_the_top_level_ones():
    assert shipped("rules") == ROOT / "rules"
    assert shipped("templates") == ROOT / "templates"
    assert shipped("config.example.toml") == ROOT / "config.example.toml"


def test_init_writes_config_and_rules_and_the_config_uses_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths must not depend on where mailbot runs
    result = CliRunner().invoke(app, ["init", str(tmp_path / "etc")])
    assert result.exit_code == 0, result.output
    etc = tmp_path / "etc"
    assert sorted(p.name for p in (etc / "rules").iterdir()) == RULE_FILES
    assert not (etc / "templates").exists()
    for name in RULE_FILES:
        assert (etc / "rules" / name).read_bytes() == (ROOT / "rules" / name).read_bytes()
    cfg = load_config(etc / "config.toml")
    assert cfg.rules_dir == etc / "rules"
    assert cfg.data_dir == etc / "data"  # beside the config, not in the working directory
    assert cfg.database_url == f"sqlite:///{etc / 'data' / 'mailbot.sqlite3'}"
    assert cfg.templates_dir == ROOT / "templates"  # none beside it: the shipped ones
    assert "mailbot rules check --config" in result.output
    assert "templates: the ones shipped with mailbot" in result.output


def test_init_again_with_templates_keeps_what_is_there(tmp_path):
    etc = tmp_path / "etc"
    init_dir(etc, templates=False, data_dir=None)
    (etc / "rules" / "staff.toml").write_text("# KJM's own staff\n", encoding="utf-8")
    (etc / "config.toml").write_text(
        (etc / "config.toml")
        .read_text(encoding="utf-8")
        .replace('poll_interval = "3m"', 'poll_interval = "5m"'),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["init", str(etc), "--templates"])
    assert result.exit_code == 0, result.output
    assert (etc / "rules" / "staff.toml").read_text(encoding="utf-8") == "# KJM's own staff\n"
    assert f"kept     {etc / 'config.toml'}" in result.output
    assert f"kept     {etc / 'rules' / 'staff.toml'}" in result.output
    shipped_templates = sorted(p.name for p in (ROOT / "templates").iterdir())
    assert sorted(p.name for p in (etc / "templates").iterdir()) == shipped_templates
    cfg = load_config(etc / "config.toml")
    assert cfg.poll_interval == 300
    assert cfg.templates_dir == etc / "templates"  # there now: used


def test_data_dir_option_is_written_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "etc", "--data-dir", "state"])
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path / "etc" / "config.toml").data_dir == tmp_path / "state"
    text = starter_config(Path("/var/lib/mailbot"))
    assert '\ndata_dir = "/var/lib/mailbot"\n' in text and '\ndata_dir = "data"\n' not in text


def test_init_into_a_place_it_cannot_write_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(app, ["init", str(blocker / "etc")])
    assert result.exit_code == 1
    assert "cannot write in" in result.output and "Traceback" not in result.output


def test_a_templates_dir_named_in_the_config_is_never_replaced(tmp_path):
    """A typo in general.templates_dir must fail, not quietly use the shipped templates."""
    etc = tmp_path / "etc"
    init_dir(etc, templates=False, data_dir=None)
    config = etc / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            '# templates_dir = "templates"', 'templates_dir = "templatse"'
        ),
        encoding="utf-8",
    )
    assert load_config(config).templates_dir == etc / "templatse"
    with pytest.raises(ConfigError, match="templates directory not found"):
        TemplateSet.load(etc / "templatse")


def test_a_template_kjm_changed_wins_and_the_others_come_from_the_shipped_set(tmp_path):
    own = tmp_path / "templates"
    own.mkdir()
    changed = (ROOT / "templates" / "follow_up.txt.j2").read_text(encoding="utf-8")
    (own / "follow_up.txt.j2").write_text("Zmienione przez KJM.\n" + changed, encoding="utf-8")
    templates = TemplateSet.load(own)
    assert check_all(templates) == []  # nothing missing: the rest is shipped
    context = {"ticket": "KJM-2026-000042", "subject": "Re: Faktura"}
    assert templates.render("follow_up.txt.j2", context).startswith("Zmienione przez KJM.")
    shipped_text = TemplateSet.load(ROOT / "templates").render("ack_pakiet.subject.j2", context)
    assert templates.render("ack_pakiet.subject.j2", context) == shipped_text
    assert templates.names() == TemplateSet.load(ROOT / "templates").names()


def test_relative_paths_resolve_beside_the_config_wherever_mailbot_runs(tmp_path, monkeypatch):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "config.toml").write_text(
        '[imap]\nhost = "imap.example.pl"\nuser = "pomoc"\n\n[storage]\ndata_dir = "var/data"\n'
        '\n[general]\nrules_dir = "../rules"\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(os.path.relpath(etc / "config.toml"))
    assert cfg.data_dir == etc / "var" / "data"
    assert cfg.rules_dir == tmp_path / "rules"
