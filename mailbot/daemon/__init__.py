"""The composition root: config -> store, rules, edges, intake, outbox -> the jobs.

parts.py builds the parts of one process; app.py says which job does what and runs the
daemon (start, run until a stop, shut down). `from mailbot.daemon import App`.
"""

from mailbot.daemon.app import STOP_GRACE, App, DeliveryFailed, OnceReport
from mailbot.daemon.parts import utc_now

__all__ = ["STOP_GRACE", "App", "DeliveryFailed", "OnceReport", "utc_now"]
