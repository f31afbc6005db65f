"""The OAuth2 token provider against a local identity server over HTTPS.

msal runs for real: OpenID discovery, the token request, its error handling. Only the
server is ours (tests/oauth_fakes.py), and the clock, so expiry needs no waiting.
"""

from __future__ import annotations

import stat
import threading

import pytest

from mailbot.edges.oauth import OAuthError, OAuthSettings, TokenProvider
from mailbot.errors import ImapError
from tests.oauth_fakes import CLIENT_ID, CLIENT_SECRET, identity_server

SCOPE = "https://outlook.office365.com/.default"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def idp_module(tmp_path_factory):
    with identity_server(tmp_path_factory.mktemp("idp")) as idp:
        yield idp


@pytest.fixture
def idp(idp_module):
    """The shared server, reset to its defaults for each test."""
    idp_module.token_requests.clear()
    idp_module.error = None
    idp_module.expires_in = 3600
    idp_module.client_secret = CLIENT_SECRET
    idp_module.refresh_token = "rt-1"
    idp_module.rotate = True
    return idp_module


def provider(idp, clock=None, **overrides) -> TokenProvider:
    settings = OAuthSettings(
        flow=overrides.pop("flow", "client_credentials"),
        authority=idp.authority,
        client_id=CLIENT_ID,
        scopes=overrides.pop("scopes", (SCOPE,)),
        client_secret=overrides.pop("client_secret", CLIENT_SECRET),
        verify=str(idp.cafile),
        timeout=10,
        **overrides,
    )
    return TokenProvider(settings, clock=clock or FakeClock())


def test_client_credentials_request_carries_id_secret_grant_and_scope(idp):
    token = provider(idp)()
    assert token == idp.issued[-1]
    [form] = idp.token_requests
    assert form["grant_type"] == "client_credentials"
    assert form["client_id"] == CLIENT_ID
    assert form["client_secret"] == CLIENT_SECRET
    assert form["scope"].split() == [SCOPE]


def test_cached_token_is_reused_until_shortly_before_expiry(idp):
    clock = FakeClock()
    p = provider(idp, clock)
    first = p()
    clock.now += 3600 - 301  # 5 min 1 s before expiry: still good
    assert p() == first
    assert len(idp.token_requests) == 1 and p.fetches == 1
    clock.now += 2  # now within the 5-minute margin: a new one, before the old expires
    second = p()
    assert second != first and second == idp.issued[-1]
    assert len(idp.token_requests) == 2


def test_short_lived_token_is_refreshed_at_half_its_life(idp):
    idp.expires_in = 120  # shorter than the margin: never hand out every call anew
    clock = FakeClock()
    p = provider(idp, clock)
    first = p()
    clock.now += 59
    assert p() == first
    clock.now += 2
    assert p() != first


def test_invalidate_forces_a_new_token(idp):
    p = provider(idp)
    first = p()
    p.invalidate()
    assert p() != first and len(idp.token_requests) == 2


def test_discovery_happens_once_and_only_when_a_token_is_needed(idp):
    before = idp.discovery_hits
    p = provider(idp)
    assert idp.discovery_hits == before  # building the provider talks to nobody
    p()
    p.invalidate()
    p()
    assert idp.discovery_hits == before + 1


def test_wrong_secret_is_a_clear_error_without_the_secret(idp):
    wrong = "Wr0ng~Secret.Value.123"
    with pytest.raises(OAuthError) as info:
        provider(idp, client_secret=wrong)()
    msg = str(info.value)
    assert isinstance(info.value, ImapError)  # the poll retries; the alarm sees a failure
    assert "invalid_client" in msg and "AADSTS7000215" in msg
    assert "oauth.client_secret_env" in msg and "oauth.secret_expires" in msg
    assert CLIENT_ID in msg
    assert wrong not in msg and CLIENT_SECRET not in msg  # the server echoed it; we do not
    assert "***" in msg
    assert "Trace ID" not in msg  # one line, not the server's whole description


def test_permission_error_names_the_permission(idp):
    idp.error = (400, {"error": "invalid_scope", "error_description": "AADSTS1002012: no"})
    with pytest.raises(OAuthError, match=r"IMAP\.AccessAsApp"):
        provider(idp)()


def test_unreachable_identity_server_is_a_clear_error():
    settings = OAuthSettings(
        flow="client_credentials",
        authority="https://127.0.0.1:9/tenant",  # discard port: connection refused
        client_id=CLIENT_ID,
        scopes=(SCOPE,),
        client_secret=CLIENT_SECRET,
        timeout=3,
    )
    with pytest.raises(OAuthError) as info:
        TokenProvider(settings)()
    msg = str(info.value)
    assert "127.0.0.1:9/tenant" in msg and "reach" in msg
    assert CLIENT_SECRET not in msg


def test_untrusted_certificate_is_refused(idp):
    p = provider(idp)
    p.settings = OAuthSettings(**{**p.settings.__dict__, "verify": True})  # system CAs only
    with pytest.raises(OAuthError, match="SSL|certificate"):
        p()


def test_refresh_token_flow_rotates_and_saves_the_new_token(idp, tmp_path):
    file = tmp_path / "refresh-token"
    file.write_text("rt-1\n")
    clock = FakeClock()
    scope = "https://outlook.office365.com/IMAP.AccessAsUser.All"
    p = provider(idp, clock, flow="refresh_token", refresh_token_file=file, scopes=(scope,))
    first = p()
    form = idp.token_requests[-1]
    assert form["grant_type"] == "refresh_token" and form["refresh_token"] == "rt-1"
    assert form["client_secret"] == CLIENT_SECRET and form["client_id"] == CLIENT_ID
    assert scope in form["scope"].split()
    saved = file.read_text().strip()
    assert saved == idp.refresh_token and saved != "rt-1"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert [f.name for f in tmp_path.iterdir()] == ["refresh-token"]  # no temp file left
    clock.now += 3600
    assert p() != first  # the rotated token from the file worked
    assert idp.token_requests[-1]["refresh_token"] == saved


def test_public_client_refresh_token_sends_no_secret(idp, tmp_path):
    file = tmp_path / "rt"
    file.write_text("rt-1")
    p = provider(idp, flow="refresh_token", refresh_token_file=file, client_secret=None)
    p()
    assert "client_secret" not in idp.token_requests[-1]


def test_expired_refresh_token_says_sign_in_again(idp, tmp_path):
    file = tmp_path / "rt"
    file.write_text("rt-old")
    with pytest.raises(OAuthError) as info:
        provider(idp, flow="refresh_token", refresh_token_file=file)()
    msg = str(info.value)
    assert "invalid_grant" in msg and "oauth.refresh_token_file" in msg
    assert "rt-old" not in msg
    assert file.read_text() == "rt-old"  # untouched


def test_missing_refresh_token_file_names_the_key(idp, tmp_path):
    with pytest.raises(OAuthError, match="oauth.refresh_token_file"):
        provider(idp, flow="refresh_token", refresh_token_file=tmp_path / "nope")()
    assert idp.token_requests == []


def test_concurrent_callers_share_one_request(idp):
    p = provider(idp)
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(p())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(tokens)) == 1 and len(idp.token_requests) == 1


def test_repr_hides_secrets(idp, tmp_path):
    p = provider(idp)
    p()
    assert CLIENT_SECRET not in repr(p) and CLIENT_SECRET not in repr(p.settings)
    assert idp.issued[-1] not in repr(p)
