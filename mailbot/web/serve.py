"""Running the console with uvicorn: in the foreground (`mailbot web`) or on a thread
beside the daemon (`mailbot demo --keep-running`, tests)."""

from __future__ import annotations

import logging
import threading
import time

import uvicorn

from mailbot.web.app import create_app
from mailbot.web.console import Console

log = logging.getLogger("mailbot.web")


def server(console: Console, host: str | None = None, port: int | None = None) -> uvicorn.Server:
    """A uvicorn server for the console. X-Forwarded-For/-Proto are believed only from
    127.0.0.1 (uvicorn's default): the reverse proxy on the same host. A Microsoft
    sign-in that cannot work is said at once; the console serves on, with passwords."""
    if console.oidc is not None and (problem := console.oidc.problem()):
        log.error("'Zaloguj przez Microsoft' will not work: %s", problem)
    config = uvicorn.Config(
        create_app(console),
        host=host or console.web.listen_host,
        port=port or console.web.listen_port,
        access_log=False,  # the console writes its own (mailbot.web.access)
        log_config=None,  # mailbot's logging setup stays in charge
        proxy_headers=True,
        server_header=False,
    )
    return uvicorn.Server(config)


def start_in_thread(
    console: Console, host: str | None = None, port: int | None = None, timeout: float = 10.0
) -> tuple[uvicorn.Server, threading.Thread]:
    """Start serving on a daemon thread; returns once it listens (RuntimeError if not)."""
    srv = server(console, host, port)
    thread = threading.Thread(target=srv.run, name="mailbot-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the console did not start (is the port taken?)")
        time.sleep(0.05)
    return srv, thread


def stop(srv: uvicorn.Server, thread: threading.Thread) -> None:
    srv.should_exit = True
    thread.join(10)
