"""XOAUTH2 against a real Dovecot that checks the SASL string.

Dovecot's `passdb oauth2` (tests/integration/oauth_dovecot.py) parses
base64("user=" + user + "\\x01auth=Bearer " + token + "\\x01\\x01") and asks a local
introspection endpoint about the token; the user must match the token's owner. The last
test runs the whole daemon path: msal gets a token from the local HTTPS identity server,
App.imap_settings() hands it to the poller, Dovecot asks whether that token was issued.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from mailbot.daemon import App
from mailbot.edges.imap import ImapMailbox, ImapSettings
from mailbot.errors import ImapError
from mailbot.settings.config import load_config
from mailbot.store.db import make_engine, upgrade
from tests.integration.oauth_dovecot import OAuthDovecot
from tests.oauth_fakes import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT,
    identity_server,
    introspection_server,
)
from tests.servers import find_dovecot

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
_users = itertools.count(1)


@pytest.fixture(scope="module")
def introspection():
    with introspection_server() as box:
        yield box


@pytest.fixture(scope="module")
def oauth_dovecot(tmp_path_factory, introspection):
    if find_dovecot() is None or os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Dovecot (as root) is not available", pytrace=False)
        pytest.skip("Dovecot is not installed or we are not root (scripts/test.sh)")
    server = OAuthDovecot.start_with(tmp_path_factory.mktemp("dovecot-oauth"), introspection.url)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def account(oauth_dovecot, introspection):
    """A fresh mailbox user; the introspection endpoint knows one good token for it."""
    acct = oauth_dovecot.add_user(f"m365user{next(_users)}", "unused-password")
    introspection.owner = {f"good-token-for-{acct.user}": acct.user}.get
    introspection.seen.clear()
    return acct


class CountingToken:
    """A token source that records invalidation (edges/oauth.TokenProvider's protocol)."""

    def __init__(self, token: str):
        self.token = token
        self.calls = 0
        self.invalidated = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.token

    def invalidate(self) -> None:
        self.invalidated += 1


def settings(acct, token, *, user: str | None = None) -> ImapSettings:
    return ImapSettings(
        acct.host, acct.port, "none", user or acct.user, "", acct.cafile, 10.0, token=token
    )


def test_right_token_logs_in_and_select_works(account, introspection):
    uid = account.append("INBOX", b"From: a@b.pl\r\nSubject: x\r\n\r\nhi\r\n")
    token = CountingToken(f"good-token-for-{account.user}")
    box = ImapMailbox(settings(account, token))
    try:
        status = box.select("INBOX")
        assert status.exists == 1 and box.uids_after(0) == [uid]
    finally:
        box.close()
    assert introspection.seen == [token.token]  # Dovecot took the token out of the SASL string
    assert token.calls == 1 and token.invalidated == 0


def test_wrong_token_is_a_clear_error_and_drops_the_cached_token(account, introspection):
    token = CountingToken("stolen-or-expired-token")
    box = ImapMailbox(settings(account, token))
    with pytest.raises(ImapError) as info:
        box.connect()
    msg = str(info.value)
    assert "XOAUTH2" in msg and account.user in msg and "AUTHENTICATIONFAILED" in msg
    assert "IMAP.AccessAsApp" in msg  # what to check
    assert token.token not in msg  # never the token
    assert token.invalidated == 1 and not box.connected
    assert introspection.seen == [token.token]


def test_token_of_another_user_is_refused(account, introspection):
    """The user half of the SASL string is checked too, not only the token."""
    token = CountingToken(f"good-token-for-{account.user}")
    with pytest.raises(ImapError, match="AUTHENTICATIONFAILED"):
        ImapMailbox(settings(account, token, user="someone-else")).connect()
    assert token.invalidated == 1


def test_server_without_xoauth2_says_so(mailbox):
    """The ordinary test Dovecot offers only PLAIN/LOGIN: no token is even asked for."""
    token = CountingToken("t")
    box = ImapMailbox(
        ImapSettings(mailbox.host, mailbox.port, "none", mailbox.user, "", None, 10.0, token=token)
    )
    with pytest.raises(ImapError, match=r"does not offer AUTH=XOAUTH2.*imap\.host"):
        box.connect()
    assert token.calls == 0


def test_repr_of_settings_hides_the_token():
    s = ImapSettings("h", 993, "ssl", "u", "pw", token=lambda: "secret-token")
    assert "secret-token" not in repr(s) and "pw" not in repr(s) and "xoauth2" in repr(s)


def test_daemon_polls_with_a_token_from_the_identity_server(
    account, introspection, tmp_path, monkeypatch
):
    """msal -> local HTTPS identity platform -> token -> XOAUTH2 -> Dovecot -> introspection.

    Two polls (two connections: poller and a restart) share one token request."""
    with identity_server(tmp_path / "idp") as idp:
        # the daemon trusts the test CA the way an operator behind a TLS proxy would
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(idp.cafile))
        monkeypatch.setenv("KJM_TEST_AZURE_SECRET", CLIENT_SECRET)
        introspection.owner = lambda t: account.user if t in idp.issued else None
        db = f"sqlite:///{tmp_path / 'mailbot.sqlite3'}"
        engine = make_engine(db)
        upgrade(engine)
        engine.dispose()
        config = tmp_path / "config.toml"
        config.write_text(
            f'[imap]\nhost = "{account.host}"\nport = {account.port}\ntls = "none"\n'
            f'user = "{account.user}"\nauth = "xoauth2"\n'
            f"\n[intake]\nparse_workers = 0\n"
            f'\n[storage]\ndata_dir = "{tmp_path / "data"}"\ndatabase_url = "{db}"\n'
            f'\n[general]\nrules_dir = "{ROOT / "rules"}"\ntemplates_dir = "{ROOT / "templates"}"\n'
            f'\n[oauth]\nclient_id = "{CLIENT_ID}"\nauthority = "{idp.base}/{{tenant}}"\n'
            f'tenant = "{TENANT}"\nclient_secret_env = "KJM_TEST_AZURE_SECRET"\n',
            encoding="utf-8",
        )
        app = App(load_config(config))
        try:
            assert app.poll_once().fetched == 0  # first poll: sets the checkpoint
            raw = (ROOT / "mailbot" / "demo" / "mail" / "01-awaria-fk.eml").read_bytes()
            account.append("INBOX", raw)
            app.poller().mailbox.close()  # a reconnect: the cached token is used again
            report = app.poll_once()
        finally:
            app.close()
    assert report.fetched == 1 and report.actions.get("created") == 1, report.summary()
    assert len(idp.token_requests) == 1
    assert idp.token_requests[0]["grant_type"] == "client_credentials"
    assert introspection.seen and set(introspection.seen) == {idp.issued[0]}
    assert len(introspection.seen) == 2  # two logins, one token
