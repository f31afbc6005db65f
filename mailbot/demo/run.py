"""`mailbot demo`: the real pipeline on an embedded default.

A pure-Python IMAP server (pymap, in-process) holds a demo mailbox pre-filled with
Polish support mail; mailbot polls it over real IMAP into SQLite. Nothing leaves the
machine: no mail is sent (replies are captured locally once the outbox exists).
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mailbot.core.states import STATE_NAMES
from mailbot.settings.shipped import shipped  # the checkout's rules/templates, or the wheel's

MARKER = ".mailbot-demo"
PASSWORD_ENV = "MAILBOT_DEMO_PASSWORD"
DEMO_STAFF = "jan.wisniewski"  # on call and opiekun in rules/: sees what a newcomer would
DEMO_STAFF_PASSWORD = "pomoc-demo-2026"


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


@contextmanager
def start_console(config, now: datetime, console: Console) -> Iterator[None]:
    """The staff console beside the daemon, on 127.0.0.1:8080 (or any free port), with a
    demo login."""
    from mailbot.web.auth import set_password
    from mailbot.web.console import Console as WebConsole
    from mailbot.web.serve import start_in_thread, stop

    web = WebConsole.from_config(config)
    with web.sessions.begin() as session:
        set_password(session, DEMO_STAFF, DEMO_STAFF_PASSWORD, "demo", now)
    port = 8080 if _free(8080) else 0
    srv, thread = start_in_thread(web, "127.0.0.1", port or _any_port())
    console.print(
        f"Konsola personelu: http://127.0.0.1:{srv.config.port}/ — login {DEMO_STAFF}, "
        f"hasło {DEMO_STAFF_PASSWORD}",
        highlight=False,
    )
    try:
        yield
    finally:
        stop(srv, thread)
        web.close()


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _any_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
            f"Serwer IMAP demo (pymap) na {server.host}:{server.port}, "
            f"użytkownik {server.user}; dane w {data_dir}",
            highlight=False,
        )
        application = App(config)
        try:
            upgrade(application.engine)
            application.poll_once()  # empty mailbox: sets the checkpoint, no backlog
            raws = demo_messages()
            append_messages(server, raws)
            console.print(f"Do skrzynki INBOX trafiło {len(raws)} wiadomości demo; odczyt…")
            report = application.poll_once()
            console.print(report.summary(), highlight=False)
            sent = application.deliver()
            console.print(
                f"Odpowiedzi i alarmy zapisane w {config.data_dir / 'sent'}: "
                + counts_text(sent, "none"),
                highlight=False,
            )
            with application.sessions() as session:
                rows = repo.list_tickets(session)
            # Readable at 80 columns: numbers and states never wrap, subjects are cut.
            table = Table(title="Zarejestrowane zgłoszenia")
            subject_width = max(20, console.width - 15 - 16 - 5 - 13)  # the rest: borders
            table.add_column("Zgłoszenie", no_wrap=True, width=15)
            table.add_column("Stan", no_wrap=True, width=16)
            table.add_column("Temat", no_wrap=True, width=subject_width)
            table.add_column("Wiad.", justify="right", no_wrap=True, width=5)
            for t, n in reversed(rows):
                state = STATE_NAMES.get(t.state, t.state)
                subject = t.subject or "(bez tematu)"
                if len(subject) > subject_width:
                    subject = subject[: subject_width - 1] + "…"
                state = state if len(state) <= 16 else state[:15] + "…"
                table.add_row(t.number, state, subject, str(n))
            console.print(table)
            console.print(
                f"Szczegóły: mailbot tickets show {rows[-1][0].number} --config {config.path}"
                if rows
                else "Nie zarejestrowano żadnego zgłoszenia.",
                highlight=False,
            )
            if keep_running:
                console.print(
                    "Demon działa; pocztę można dopisać do serwera demo dowolnym klientem "
                    f"IMAP na {server.host}:{server.port} (pomoc/pomoc). Ctrl-C kończy."
                )
                with start_console(config, application.clock(), console):
                    return application.run()
        finally:
            application.close()
    return 0
