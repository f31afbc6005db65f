"""The parse worker processes: parsing dominates intake time, workers use the second core.

A pool is started through a forkserver that has imported intake's dependencies once, so
a new worker does not pay for them again; `wait_ready` lets `mailbot run` start them
before the first poll, so a backlog found by that poll does not wait for them. Workers
end with the process that started them whatever ends it (prepare.worker_init).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor

from mailbot.intake.prepare import tune_gc, worker_init

START_TIMEOUT = 120  # seconds for every worker to run its first task


def new_pool(workers: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    # Imported once by the forkserver, not again by every worker: a worker that imports
    # the daemon's main module and intake's dependencies (SQLAlchemy) spends ~1 s of CPU
    # on it. Takes effect when the forkserver starts.
    context.set_forkserver_preload(["__main__", "mailbot.intake.prepare"])
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=worker_init, initargs=(os.getpid(),)
    )


def wait_ready(pool: Executor, workers: int, stop: threading.Event) -> None:
    """Returns once each worker has run a task, or at a stop; TimeoutError after
    START_TIMEOUT seconds."""
    deadline = time.monotonic() + START_TIMEOUT
    for ready in [pool.submit(tune_gc) for _ in range(workers)]:
        while not stop.is_set():
            try:
                ready.result(timeout=0.2)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise
