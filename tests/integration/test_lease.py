"""The lease that keeps two instances from both acting, on both databases."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from mailbot.ops.lease import Lease, current, holder_name
from tests.clock import Clock

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_one_holder_renews_and_the_other_waits_for_the_expiry(sessions):
    clock = Clock(NOW)
    a = Lease(sessions, "host-a", 60, clock)
    b = Lease(sessions, "host-b", 60, clock)
    assert a.acquire() and a.held()
    assert not b.acquire() and not b.held()
    clock.now += timedelta(seconds=40)
    assert a.acquire()  # renewed: expires 60 s from now
    clock.now += timedelta(seconds=40)
    assert not b.acquire()  # a's renewal still runs
    with sessions() as s:
        info = current(s)
    assert info is not None and info.holder == a.holder
    assert info.expires_at == clock.now + timedelta(seconds=20)
    clock.now += timedelta(seconds=21)  # a died: no renewal; the lease expires
    assert not a.held()
    assert b.acquire() and b.held()
    assert not a.acquire() and not a.held()  # a comes back: it lost the lease


def test_held_keeps_a_margin_before_the_expiry(sessions):
    clock = Clock(NOW)
    a = Lease(sessions, "host-a", 60, clock)
    assert a.acquire()
    clock.now += timedelta(seconds=53)
    assert a.held()
    clock.now += timedelta(seconds=2)  # within the last tenth: act no more
    assert not a.held()


def test_release_hands_over_at_once(sessions):
    clock = Clock(NOW)
    a = Lease(sessions, "host-a", 60, clock)
    b = Lease(sessions, "host-b", 60, clock)
    assert a.acquire()
    a.release()
    assert not a.held()
    assert b.acquire()


def test_a_dead_process_of_the_same_instance_is_taken_over_at_once(sessions):
    """A crash and a restart on the same host (systemd) must not wait for the expiry."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    clock = Clock(NOW)
    ghost = Lease(sessions, "host-a", 60, clock)
    ghost.holder = holder_name("host-a", pid)  # the lease a killed process left
    assert ghost.acquire()
    other_host = Lease(sessions, "host-b", 60, clock)
    assert not other_host.acquire()  # another host cannot see our processes: waits
    restarted = Lease(sessions, "host-a", 60, clock)
    assert restarted.acquire()
    with sessions() as s:
        assert current(s).holder == holder_name("host-a")


def test_a_live_process_of_the_same_instance_keeps_it(sessions):
    clock = Clock(NOW)
    live = Lease(sessions, "host-a", 60, clock)
    live.holder = holder_name("host-a", 1)  # pid 1 always runs
    assert live.acquire()
    assert not Lease(sessions, "host-a", 60, clock).acquire()
