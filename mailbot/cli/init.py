"""`mailbot init DIR`: a starter configuration for KJM to edit.

A wheel install has no rules/ or config of its own next to it; this writes the shipped
ones into DIR (e.g. /etc/mailbot): config.toml (the documented example), rules/ and,
with --templates, templates/. It never overwrites: a file already there is kept and
named, so running it again later (say with --templates) adds only what is missing.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from mailbot.cli.common import fail, out, read_config
from mailbot.settings.shipped import Shipped, shipped

CONFIG = "config.toml"
_DATA_DIR_LINE = re.compile(r'^data_dir = "data"$', re.MULTILINE)


@dataclass
class InitReport:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def starter_config(data_dir: Path | None) -> str:
    """The shipped config example, headed for the new install, with `data_dir` set."""
    text = shipped("config.example.toml").read_text(encoding="utf-8")
    if data_dir is not None:
        text, n = _DATA_DIR_LINE.subn(f"data_dir = {json.dumps(str(data_dir))}", text)
        if n != 1:  # the example lost its line: say so rather than write a wrong config
            raise RuntimeError('config.example.toml has no line data_dir = "data"')
    return "# written by `mailbot init`; edit it (every key is explained below)\n" + text


def init_dir(target: Path, *, templates: bool, data_dir: Path | None) -> InitReport:
    """Write config.toml, rules/ and (templates=True) templates/ into `target`."""
    report = InitReport()
    files: list[tuple[Path, Path | str]] = [(target / CONFIG, starter_config(data_dir))]
    folders: tuple[Shipped, ...] = ("rules", "templates") if templates else ("rules",)
    for name in folders:
        source = shipped(name)
        files += [(target / name / f.name, f) for f in sorted(source.iterdir()) if f.is_file()]
    for dest, content in files:
        if dest.exists():
            report.kept.append(dest)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, dest)
        else:
            dest.write_text(content, encoding="utf-8")
        report.written.append(dest)
    return report


def init(
    directory: Annotated[Path, typer.Argument(help="Where to write, e.g. /etc/mailbot.")],
    templates: Annotated[
        bool,
        typer.Option(
            "--templates",
            help="Also copy the mail templates to edit them (without: the shipped ones).",
        ),
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="storage.data_dir to write into the config, e.g. /var/lib/mailbot under "
            "systemd (default: data/ beside the config)."
        ),
    ] = None,
) -> None:
    """Write a starter config.toml and rules/ (and templates/) for KJM to edit; never
    overwrites a file that is already there."""
    target = directory.expanduser().resolve()
    try:
        report = init_dir(
            target, templates=templates, data_dir=data_dir.resolve() if data_dir else None
        )
    except OSError as exc:
        raise fail(f"cannot write in {target}: {exc.strerror} ({exc.filename})", 1) from None
    for path in report.written:
        out.print(f"written  {path}", highlight=False, soft_wrap=True)
    for path in report.kept:
        out.print(f"kept     {path} (already there, not changed)", highlight=False, soft_wrap=True)
    cfg = read_config(target / CONFIG)
    config = f"--config {cfg.path}"
    if cfg.templates_dir == shipped("templates"):
        where = "the ones shipped with mailbot (--templates copies them to edit)"
    else:
        where = f"{cfg.templates_dir} (a file missing there: the shipped one)"
    out.print(
        f"\ndata:      {cfg.data_dir}\nrules:     {cfg.rules_dir}\ntemplates: {where}\n\n"
        "Next:\n"
        f"  1. edit {cfg.path}:\n"
        "     [imap] host and user, [smtp], [sms]; passwords go in environment\n"
        "     variables, never in the file (the comments there say which)\n"
        f"  2. edit the example staff, clients and rota in {cfg.rules_dir}\n"
        f"  3. mailbot rules check {config}\n"
        f"  4. mailbot db upgrade {config}\n"
        f"  5. mailbot doctor {config}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
