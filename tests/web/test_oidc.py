"""Signing in with Microsoft (OpenID Connect), end to end without the internet: the
console under Starlette's TestClient, a small provider laid out like Entra ID on a
loopback port (tests/web/oidc_provider.py), the browser's hop to the provider done with
httpx. On SQLite and PostgreSQL, like the other console tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from mailbot.store.tables import WebLogin
from mailbot.web.app import create_app
from mailbot.web.auth import record_login, set_password
from mailbot.web.oidc import PENDING
from tests.web.conftest import NOW, login
from tests.web.oidc_provider import FakeProvider, _key, serving

CLIENT_ID = "5e1c0a3d-console"
SECRET = "Qx8~kjm-console-client-secret-2026"
BASE = "http://testserver"  # the TestClient's host: the redirect URI is {BASE}/login/oidc/callback


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with serving(FakeProvider(CLIENT_ID, SECRET, NOW)) as p:
        yield p


@pytest.fixture
def oidc_console(make_console, provider, monkeypatch):
    monkeypatch.setenv("MAILBOT_OIDC_CLIENT_SECRET", SECRET)
    extra = f'oidc_issuer = "{provider.issuer}"\noidc_client_id = "{CLIENT_ID}"\n'
    return make_console(base_url=BASE, extra=extra)


@pytest.fixture
def oidc_client(oidc_console) -> Iterator[TestClient]:
    with TestClient(create_app(oidc_console[0]), follow_redirects=False) as c:
        yield c


def leave_for_provider(client: TestClient, target: str = "/") -> str:
    """The console's "Zaloguj przez Microsoft": the provider's address it sends to."""
    r = client.get("/login/oidc", params={"next": target})
    assert r.status_code == 303, r.text
    return r.headers["location"]


def at_provider(location: str, email: str) -> str:
    """The person signs in at the provider as `email`; the address it sends them back to."""
    r = httpx.get(location + "&" + urlencode({"login_hint": email}), follow_redirects=False)
    assert r.status_code == 302, r.text
    return r.headers["location"]


def sign_in(client: TestClient, email: str, target: str = "/"):
    return client.get(at_provider(leave_for_provider(client, target), email))


def audit(console) -> list[tuple[str, bool, str]]:
    with console.sessions() as s:
        rows = s.scalars(select(WebLogin).order_by(WebLogin.id)).all()
    return [(w.staff_id, w.ok, w.detail) for w in rows]


def assert_signed_out(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# ------------------------------------------------------------------ the login page


def test_the_microsoft_button_only_when_configured(make_console, client, oidc_client):
    assert "Zaloguj przez Microsoft" not in client.get("/login").text
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
    page = oidc_client.get("/login?next=/t/KJM-2026-000101").text
    assert "Zaloguj przez Microsoft" in page
    assert 'href="/login/oidc?next=/t/KJM-2026-000101"' in page
    assert "Identyfikator" in page  # the password form stays


def test_the_console_asks_for_a_code_with_pkce_state_and_nonce(oidc_client, provider):
    location = leave_for_provider(oidc_client)
    assert location.startswith(provider.issuer.removesuffix("/v2.0") + "/oauth2/v2.0/authorize?")
    q = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert q["client_id"] == CLIENT_ID and q["response_type"] == "code"
    assert q["redirect_uri"] == f"{BASE}/login/oidc/callback"
    assert set(q["scope"].split()) == {"openid", "profile", "email"}
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 32 and len(q["nonce"]) >= 32
    assert oidc_client.cookies.get(PENDING)  # the pending sign-in is kept in the browser
    assert "client_secret" not in location and SECRET not in location


# ------------------------------------------------------------------ who gets in


def test_a_staff_member_signs_in_with_microsoft(oidc_client, oidc_console, provider, caplog):
    caplog.set_level(logging.DEBUG)
    console, _ = oidc_console
    # any letter case: the address in staff.toml is jan.wisniewski@kjmssoft.pl
    r = sign_in(oidc_client, "Jan.Wisniewski@KJMSSOFT.pl", "/t/KJM-2026-000101")
    assert r.status_code == 303 and r.headers["location"] == "/t/KJM-2026-000101"
    assert PENDING not in oidc_client.cookies  # used up
    page = oidc_client.get("/t/KJM-2026-000101")
    assert page.status_code == 200 and "Jan Wiśniewski" in page.text
    assert oidc_client.get("/reports/sla").status_code == 403  # the role of staff.toml
    assert audit(console) == [("jan.wisniewski", True, "oidc: Jan.Wisniewski@KJMSSOFT.pl")]
    (sent,) = provider.token_requests  # the code redeemed once, with the verifier
    assert sent["client_secret"] == SECRET and sent["code_verifier"]
    # the secret went to the provider and nowhere else
    assert SECRET not in caplog.text
    assert SECRET not in r.text + str(r.headers) + page.text + str(page.headers)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_after_signing_in_never_to_another_site(oidc_client, target):
    r = sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl", target)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_preferred_username_is_enough_without_an_email_claim(oidc_client, oidc_console, provider):
    provider.claims = {"email": None}  # Entra ID leaves `email` out for many accounts
    r = sign_in(oidc_client, "rafal.dabrowski@kjmssoft.pl", "/admin/logins")
    assert r.status_code == 303 and r.headers["location"] == "/admin/logins"
    assert oidc_client.get("/admin/logins").status_code == 200  # an admin in staff.toml


def test_an_unknown_account_is_refused_with_a_page_and_an_audit_line(
    oidc_client, oidc_console, provider
):
    r = sign_in(oidc_client, "ktos.obcy@kjmssoft.pl")
    assert r.status_code == 403
    assert "Brak dostępu do konsoli" in r.text and "ktos.obcy@kjmssoft.pl" in r.text
    assert "rules/staff.toml" in r.text and 'href="/login"' in r.text
    assert_signed_out(oidc_client)
    assert audit(oidc_console[0]) == [("ktos.obcy@kjmssoft.pl", False, "oidc: not in staff.toml")]


# ------------------------------------------------------------------ what is refused


def refused(client: TestClient, console, r, needle: str) -> None:
    """The Polish refusal page, no session, and the reason in the audit."""
    assert r.status_code == 400, r.text
    assert "Nie udało się potwierdzić logowania przez Microsoft" in r.text
    assert "Traceback" not in r.text
    assert_signed_out(client)
    ((who, ok, detail),) = audit(console)
    assert (who, ok) == ("-", False) and needle in detail, detail


def test_a_tampered_state_is_refused_before_the_code_is_redeemed(
    oidc_client, oidc_console, provider
):
    back = at_provider(leave_for_provider(oidc_client), "jan.wisniewski@kjmssoft.pl")
    q = parse_qs(urlsplit(back).query)
    forged = f"{BASE}/login/oidc/callback?" + urlencode(
        {"code": q["code"][0], "state": q["state"][0][:-1] + "x"}
    )
    refused(oidc_client, oidc_console[0], oidc_client.get(forged), "state")
    assert provider.token_requests == []


def test_an_answer_for_another_browser_is_refused(oidc_client, oidc_console, provider):
    back = at_provider(leave_for_provider(oidc_client), "jan.wisniewski@kjmssoft.pl")
    oidc_client.cookies.clear()  # the answer arrives where no sign-in was started
    refused(oidc_client, oidc_console[0], oidc_client.get(back), "no sign-in was started")
    assert provider.token_requests == []


@pytest.mark.parametrize(
    ("claims", "needle"),
    [
        ({"nonce": "some-other-sign-in"}, "nonce"),
        ({"aud": "another-app"}, "aud"),
        ({"iss": "https://login.microsoftonline.com/other-tenant/v2.0"}, "iss"),
        ({"exp": int((NOW - timedelta(minutes=10)).timestamp())}, "expired"),
        ({"nonce": None}, "nonce"),
    ],
    ids=["wrong-nonce", "wrong-audience", "wrong-issuer", "expired", "no-nonce"],
)
def test_an_id_token_not_for_this_sign_in_is_refused(
    oidc_client, oidc_console, provider, claims, needle
):
    provider.claims = claims
    r = sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl")
    refused(oidc_client, oidc_console[0], r, needle)


def test_an_id_token_signed_with_an_unpublished_key_is_refused(oidc_client, oidc_console, provider):
    provider.foreign_key = _key("k1")  # the published key's id, another key
    r = sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl")
    refused(oidc_client, oidc_console[0], r, "signature")


def test_a_clock_two_minutes_apart_is_tolerated(oidc_client, provider):
    provider.claims = {"exp": int((NOW - timedelta(seconds=60)).timestamp())}
    assert sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl").status_code == 303


def test_new_signing_keys_are_fetched_when_a_token_names_one(oidc_client, provider):
    assert sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl").status_code == 303
    provider.rotate()
    oidc_client.cookies.clear()
    assert sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl").status_code == 303
    assert provider.key_fetches == 2


def test_a_cancelled_sign_in_says_so(oidc_client, oidc_console):
    location = leave_for_provider(oidc_client)
    state = parse_qs(urlsplit(location).query)["state"][0]
    answer = {"error": "access_denied", "error_description": "AADSTS65004: User declined"}
    r = oidc_client.get("/login/oidc/callback?" + urlencode(answer | {"state": state}))
    assert r.status_code == 400 and "przerwano je albo odmówiono zgody" in r.text
    assert "access_denied" in audit(oidc_console[0])[0][2]


def test_failed_microsoft_sign_ins_count_toward_the_address_limit(
    oidc_client, oidc_console, provider
):
    console, _ = oidc_console
    with console.sessions.begin() as s:
        for _ in range(20):  # TestClient's requests come from "testclient"
            record_login(s, "-", "testclient", False, "oidc: state", NOW)
    r = sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl")
    assert r.status_code == 429 and "Spróbuj ponownie za" in r.text
    assert_signed_out(oidc_client)
    assert provider.token_requests == []


# ------------------------------------------------------------------ the provider fails


def test_a_refused_client_secret_is_an_administrators_matter_and_never_shown(
    oidc_client, oidc_console, provider, caplog
):
    caplog.set_level(logging.DEBUG)
    # Entra ID's answer to a wrong or expired secret; this provider even repeats it
    provider.token_error = {
        "error": "invalid_client",
        "error_description": f"AADSTS7000215: Invalid client secret provided: {SECRET}",
    }
    r = sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl")
    assert r.status_code == 502 and "chwilowo niedostępne" in r.text
    assert "invalid_client" in caplog.text and "AADSTS7000215" in caplog.text
    assert SECRET not in caplog.text and SECRET not in r.text + str(r.headers)
    assert audit(oidc_console[0]) == []  # not the person's failure: no lockout for it
    assert_signed_out(oidc_client)


def test_an_unreachable_provider_gets_a_page_not_a_traceback(make_console, monkeypatch, caplog):
    monkeypatch.setenv("MAILBOT_OIDC_CLIENT_SECRET", SECRET)
    dead = "http://127.0.0.1:9/tenant/v2.0"  # the discard port: nothing listens there
    console, _ = make_console(
        base_url=BASE, extra=f'oidc_issuer = "{dead}"\noidc_client_id = "{CLIENT_ID}"\n'
    )
    with TestClient(create_app(console), follow_redirects=False) as c:
        r = c.get("/login/oidc")
    assert r.status_code == 502 and "chwilowo niedostępne" in r.text
    assert "cannot read the discovery document" in caplog.text


def test_without_the_secret_the_console_says_so_and_passwords_still_work(
    make_console, provider, monkeypatch, caplog
):
    from mailbot.web.serve import server

    monkeypatch.delenv("MAILBOT_OIDC_CLIENT_SECRET", raising=False)
    extra = f'oidc_issuer = "{provider.issuer}"\noidc_client_id = "{CLIENT_ID}"\n'
    console, _ = make_console(base_url=BASE, extra=extra)  # set-password needs no secret
    server(console)  # what `mailbot web` runs: the problem is logged at the start
    assert "will not work" in caplog.text and "MAILBOT_OIDC_CLIENT_SECRET" in caplog.text
    with TestClient(create_app(console), follow_redirects=False) as c:
        r = c.get("/login/oidc")
        assert r.status_code == 502 and "zaloguj się hasłem" in r.text
        assert login(c, "jan.wisniewski").status_code == 303


# ------------------------------------------------------------------ the session


def test_a_new_password_ends_a_microsoft_session_too(oidc_client, oidc_console):
    console, _ = oidc_console
    assert sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl").status_code == 303
    assert oidc_client.get("/").status_code == 200
    with console.sessions.begin() as s:
        set_password(s, "jan.wisniewski", "zupelnie-nowe-haslo", "test", NOW)
    assert_signed_out(oidc_client)


def test_a_microsoft_session_ends_when_the_sign_in_is_switched_off(
    make_console, oidc_client, oidc_console
):
    assert sign_in(oidc_client, "jan.wisniewski@kjmssoft.pl").status_code == 303
    plain, _ = make_console(base_url=BASE)  # the same database and key, no [web] oidc_*
    with TestClient(create_app(plain), follow_redirects=False) as c:
        c.cookies.update(oidc_client.cookies)
        assert_signed_out(c)
        assert login(c, "jan.wisniewski").status_code == 303  # passwords still work
        assert c.get("/").status_code == 200
