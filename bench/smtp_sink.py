"""A local SMTP server that accepts everything and reports each message, for benchmarks.

    python bench/smtp_sink.py PORT

aiosmtpd in a process of its own (in the benchmark's process it would compete with
mailbot for the GIL). Prints "ready" once listening, then one "." per accepted message
on stdout, so the benchmark knows how many arrived and when the last one did.
"""

from __future__ import annotations

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope) -> str:
        sys.stdout.buffer.write(b".")
        sys.stdout.buffer.flush()
        return "250 2.0.0 OK"


def main() -> int:
    port = int(sys.argv[1])
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    sys.stdout.buffer.write(b"ready\n")
    sys.stdout.buffer.flush()
    done.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
