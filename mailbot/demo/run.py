"""`mailbot demo`: the real pipeline on an embedded default.

A pure-Python IMAP server (pymap, in-process) holds a demo mailbox pre-filled with
Polish support mail; mailbot polls it over real IMAP into SQLite. Nothing leaves the
machine: no mail is sent (replies are captured locally once the outbox exists).
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mailbot.settings.shipped import shipped  # the checkout's rules/templates, or the wheel's

MARKER = ".mailbot-demo"
PASSWORD_ENV = "MAILBOT_DEMO_PASSWORD"


def demo_messages() -> list[bytes]:
    folder = resources.files("mailbot") / "demo" / "mail"
    return [
        f.read_bytes()
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith(".eml")
    ]


def _fresh_dir(data_dir: Path) -> Path:
    """The demo mailbox lives in memory, so the demo database starts fresh too."""
    data_dir = data_dir.resolve()
    if data_dir.exists():
        if not (data_dir / MARKER).exists() and any(data_dir.iterdir()):
            raise SystemExit(
                f"{data_dir} exists and is not a demo directory: choose another --data-dir"
            )
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    (data_dir / MARKER).write_text("created by `mailbot demo`; safe to delete\n")
    return data_dir


def write_config(data_dir: Path, host: str, port: int, user: str) -> Path:
    path = data_dir / "config.toml"
    path.write_text(
        "# written by `mailbot demo`\n"
        f'[imap]\nhost = "{host}"\nport = {port}\ntls = "none"\nuser = "{user}"\n'
        f'password_env = "{PASSWORD_ENV}"\nprocessed = "move"\n\n'
        '[intake]\npoll_interval = "30s"\nparse_workers = 0\n\n'
        f'[storage]\ndata_dir = "{data_dir}"\n\n'
        f'[general]\nrules_dir = "{shipped("rules")}"\n'
        f'templates_dir = "{shipped("templates")}"\n',
        encoding="utf-8",
    )
    return path


def run_demo(data_dir: Path, *, keep_running: bool, console: Console) -> int:
    from mailbot.daemon import App
    from mailbot.demo.server import append_messages, start_demo_imap
    from mailbot.ops.logs import counts_text
    from mailbot.settings.config import load_config
    from mailbot.store import repo
    from mailbot.store.db import upgrade

    data_dir = _fresh_dir(data_dir)
    with start_demo_imap(user="pomoc", password="pomoc") as server:
        os.environ[PASSWORD_ENV] = server.password
        config = load_config(write_config(data_dir, server.host, server.port, server.user))
        console.print(
            f"Demo IMAP server (pymap) on {server.host}:{server.port}, "
            f"user {server.user}; data in {data_dir}",
            highlight=False,
        )
        application = App(config)
        try:
            upgrade(application.engine)
            application.poll_once()  # empty mailbox: sets the checkpoint, no backlog
            raws = demo_messages()
            append_messages(server, raws)
            console.print(f"Delivered {len(raws)} demo messages to INBOX; polling…")
            report = application.poll_once()
            console.print(report.summary(), highlight=False)
            sent = application.deliver()
            console.print(
                f"Replies and alerts captured in {config.data_dir / 'sent'}: "
                + counts_text(sent, "none"),
                highlight=False,
            )
            with application.sessions() as session:
                rows = repo.list_tickets(session)
            table = Table(title="Tickets recorded")
            for col in ("Number", "State", "From", "Subject", "Msgs"):
                table.add_column(col, overflow="fold")
            for t, n in reversed(rows):
                table.add_row(t.number, t.state, t.requester, t.subject[:60], str(n))
            console.print(table)
            console.print(
                f"Look closer: mailbot tickets show {rows[-1][0].number} --config {config.path}"
                if rows
                else "No tickets recorded.",
                highlight=False,
            )
            if keep_running:
                console.print(
                    "Daemon running; append mail to the demo server with any IMAP "
                    f"client at {server.host}:{server.port} (pomoc/pomoc). Ctrl-C stops."
                )
                return application.run()
        finally:
            application.close()
    return 0
