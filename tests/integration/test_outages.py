"""Servers going away under a running mailbot: nothing lost, nothing doubled (the
backoff and the self-alarm build on this)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mailbot.errors import ImapError, TransientError
from mailbot.store.tables import Message
from tests.integration.test_pipeline import mail, prime

pytestmark = pytest.mark.integration


def stored(app) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count(Message.id)))


def test_imap_restart_mid_session_reconnects(make_app, mailbox, dovecot):
    app = make_app()
    prime(app)
    mailbox.append("INBOX", mail("Przed restartem", msgid="<r0@firma.pl>"))
    assert app.poll_once().fetched == 1
    dovecot.restart()  # cuts mailbot's open, selected connection
    mailbox.append("INBOX", mail("Po restarcie", msgid="<r1@firma.pl>"))
    with pytest.raises(ImapError):
        app.poll_once()  # the stale connection fails: logged by the daemon, retried
    assert app.poll_once().fetched == 1  # a new connection, from the checkpoint
    assert stored(app) == 2 and mailbox.uids("INBOX") == []


def test_imap_down_then_back(make_app, mailbox, dovecot):
    app = make_app()
    prime(app)
    app.poller().mailbox.close()
    dovecot.stop()
    try:
        with pytest.raises(ImapError, match="connect"):
            app.poll_once()
    finally:
        dovecot.restart()
    mailbox.append("INBOX", mail("Po awarii serwera", msgid="<d1@firma.pl>"))
    assert app.poll_once().fetched == 1
    assert stored(app) == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_restart_pauses_and_resumes(make_app, mailbox, postgres):
    app = make_app()
    prime(app)
    mailbox.append("INBOX", mail("Przed restartem bazy", msgid="<p0@firma.pl>"))
    postgres.stop()
    try:
        with pytest.raises(TransientError):
            app.poll_once()
    finally:
        postgres.restart()
    assert app.poll_once().fetched == 1  # the same message, recorded once
    mailbox.append("INBOX", mail("Po restarcie bazy", msgid="<p1@firma.pl>"))
    assert app.poll_once().fetched == 1
    assert stored(app) == 2 and mailbox.uids("INBOX") == []


def test_a_failed_poll_is_retried_with_a_growing_delay(make_app, dovecot):
    """After a failure the next attempt comes in 5 s, 10 s, 20 s, … (capped at
    the interval), not only at the next interval; a success resets the count."""
    from datetime import datetime

    app = make_app(intake={"poll_interval": "3m"})
    app.jobs.start(paused=True)  # jobs are stored, none runs: inspect them
    assert app.lease.acquire()
    app.poller()  # connect while the server is up
    app.poller().mailbox.close()
    dovecot.stop()
    try:
        delays = []
        for _ in range(3):
            before = datetime.now(app.config.tz)
            assert app.jobs.run("poll") is False
            job = app.jobs.scheduler.get_job("poll-retry")
            delays.append(round((job.trigger.run_date - before).total_seconds()))
        assert delays == [5, 10, 20]
        assert app.faults.last_poll_error and "connect" in app.faults.last_poll_error
    finally:
        dovecot.restart()
    assert app.jobs.run("poll") is True
    app.jobs.scheduler.shutdown(wait=False)
    assert app.jobs.streak("poll") is None and app.faults.last_poll_error is None
