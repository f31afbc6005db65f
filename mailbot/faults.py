"""Named crash points for the fault-injection suite.

`crash_point("intake.committed")` marks a step boundary of intake, the outbox or the
escalation job. It exists for `tests/integration/test_faults.py` only and is inert in
production: unless the environment variable MAILBOT_CRASH_AT names the point, it is one
`os.environ.get` returning None (measured 1.3 µs, once per message and once per batch
step; intake spends ~2 ms per message, so < 0.1 %).

    MAILBOT_CRASH_AT=intake.committed         SIGKILL at the first hit
    MAILBOT_CRASH_AT=intake.committed:3       SIGKILL at the third hit (mid-run)
    MAILBOT_CRASH_AT=intake.committed:3:stop  SIGSTOP instead: the test takes a server
                                              away, then sends SIGCONT (an outage that
                                              starts at an exact step)

SIGKILL, not an exception: nothing may run after it (no `finally`, no rollback, no
flush), exactly as when the kernel's OOM killer or a power cut ends the process. The
hit count lives in the environment variable itself (decremented in place), so there is
no state in the module; child processes started later inherit the remaining count.
The README's "Fault injection" section lists every point and what a crash there means.
"""

from __future__ import annotations

import os
import signal

ENV = "MAILBOT_CRASH_AT"


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL when MAILBOT_CRASH_AT names `name` (see above)."""
    armed = os.environ.get(ENV)
    if armed is None or not armed.startswith(name):
        return
    point, _, rest = armed.partition(":")
    if point != name:
        return
    count, _, action = rest.partition(":")
    remaining = int(count or "1")
    if remaining > 1:
        os.environ[ENV] = f"{name}:{remaining - 1}" + (f":{action}" if action else "")
        return
    if action == "stop":
        del os.environ[ENV]  # after SIGCONT the run goes on unarmed
        os.write(2, f"mailbot: crash point {name} reached: SIGSTOP\n".encode())
        os.kill(os.getpid(), signal.SIGSTOP)
        return
    os.write(2, f"mailbot: crash point {name} reached: SIGKILL\n".encode())
    os.kill(os.getpid(), signal.SIGKILL)
