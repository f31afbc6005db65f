"""The SMS edge: one-method channels (SMSAPI.pl, an HTTP webhook; the email-to-SMS
gateway is outgoing/sms_mail.py, since it composes a mail).

As for SMTP, failures are converted here, once, into two reactions for the outbox:
SmsError (TransientError) = retry later with backoff; SmsRejected = this message can never
go (invalid number, content refused, a 4xx that says "your request is wrong"), mark it
failed. Configuration problems (a wrong token, no credit left, an unregistered sender
name, a webhook URL that answers 404) are SmsError, not SmsRejected: they apply to every
message, and once fixed the queued alerts must still go out; an alert is never lost.

Only the stdlib: a few requests an hour need no client library. Secrets (tokens, a webhook
URL's query string) never appear in messages or reprs. Redirects are refused: urllib would
resend the Authorization header to wherever they point.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol

import phonenumbers

from mailbot.errors import ConfigError, TransientError
from mailbot.scrub import Scrubber

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class SmsError(TransientError):
    """Not sent (or we cannot tell): keep the SMS and try again later.

    `maybe_delivered` is True when the request went out whole but the answer never came
    (a timeout or a dropped connection while waiting): the gateway may have sent it. For
    an alert, sending again is right (two SMS beat none); the flag is for the record."""

    def __init__(
        self, message: str, *, code: int | str | None = None, maybe_delivered: bool = False
    ):
        super().__init__(message)
        self.code, self.maybe_delivered = code, maybe_delivered


class SmsRejected(SmsError):
    """Refused for good (invalid number, content refused, a 4xx naming the request as
    wrong): retrying cannot help and must not happen; mark the message failed."""


class SmsChannel(Protocol):
    def send(self, phone_e164: str, text: str) -> str:
        """Send `text` to `phone_e164` ("+48601234567"); return the provider's message id
        ("" when it gives none), or raise SmsError / SmsRejected. ValueError when the
        number is not E.164 (a caller's bug: numbers are normalised when loaded)."""
        ...


def normalise_phone(raw: str, region: str = "PL") -> str:
    """E.164 ("+48601234567") from how people write numbers ("601 234 567",
    "0048 601-234-567"); ValueError for anything that is not a valid number, so
    `mailbot rules check` reports it instead of an alert failing at 3 a.m."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r} ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_digits(phone_e164: str) -> str:
    """The number without "+"; ValueError when it is not E.164 (see SmsChannel.send)."""
    if not _E164.fullmatch(phone_e164):
        raise ValueError(f"not an E.164 phone number: {phone_e164!r}")
    return phone_e164[1:]


def _safe_url(url: str) -> str:
    """The URL without user info, query or fragment: where a gateway puts its key."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _check_url(url: str, key: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"SMS {key} must be an http(s) URL, not {_safe_url(url)!r}", key=key)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None  # urlopen then raises HTTPError with the 3xx code


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """(HTTP status, body) of one POST; SmsError when no answer came. A failure while
    sending (URLError) means the gateway has nothing; one while waiting for or reading the
    answer means it may have sent the SMS (maybe_delivered)."""
    return _request("POST", url, body, headers, timeout)


def _ask(method: str, url: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """(HTTP status, body) of a request without a body (GET, HEAD): nothing is sent, so
    every failure is a plain SmsError (`mailbot doctor`)."""
    return _request(method, url, None, headers, timeout)


def _request(
    method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[int, bytes]:
    request, where = urllib.request.Request(url, body, headers, method=method), _safe_url(url)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            try:
                return exc.code, exc.read()
            except (OSError, http.client.HTTPException):
                return exc.code, b""
    except urllib.error.URLError as exc:
        raise SmsError(f"SMS gateway {where} unreachable: {exc.reason}") from None
    except (OSError, http.client.HTTPException) as exc:  # timeouts are OSError
        reason = str(exc) or type(exc).__name__
        if body is None:
            raise SmsError(f"SMS gateway {where}: {reason}") from None
        what = f"no answer after the request was sent ({reason})"
        raise SmsError(f"SMS gateway {where}: {what}", maybe_delivered=True) from None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _short(text: object, secret: str | None) -> str:
    """A gateway's answer on one line, scrubbed of the token (scrub.py), then cut."""
    return Scrubber.of([secret])(" ".join(str(text).split()))[:200]


# 4xx that say "not now" or "not configured right", not "this message is wrong".
_RETRY_4XX = frozenset({401, 403, 404, 405, 408, 425, 429})


def _by_status(status: int, where: str, detail: str) -> SmsError:
    """The error for a non-2xx answer that carries no better explanation."""
    if status in (401, 403):
        return SmsError(f"{where}: HTTP {status} {detail}; check the token", code=status)
    if 400 <= status < 500 and status not in _RETRY_4XX:
        return SmsRejected(f"{where}: HTTP {status} {detail}", code=status)
    return SmsError(f"{where}: HTTP {status} {detail}", code=status)


# SMSAPI.pl error codes (answer {"error": code, "message": ...}, HTTP 200 or 4xx).
_SMSAPI_REJECTED = {
    8: "error in the request",
    11: "message empty or too long",
    12: "message has more parts than allowed",
    13: "no valid phone number",
}
_SMSAPI_CONFIG = {
    14: "sender name not accepted; check sender_name (registered in the SMSAPI panel?)",
    101: "authorisation failed; check the SMSAPI token",
    102: "authorisation failed; check the SMSAPI token",
    103: "no points left on the SMSAPI account (or a token without rights); top it up",
    105: "this IP address is not allowed by the SMSAPI account's IP filter",
}


class SmsapiChannel:
    """SMSAPI.pl REST: POST {base_url}/sms.do, OAuth token as Bearer, form fields.

    Assumed from SMSAPI's docs and its client libraries: `to` without '+', `from` only
    when set (else the account's default sender), `format=json`, `encoding=utf-8`;
    success {"count": 1, "list": [{"id": ...}]}, error {"error": 13, "message": ...}
    with HTTP 200 or 4xx. Code 14 (sender name) is treated as configuration, not as a
    bad number: it would refuse every alert until fixed. `normalize=True` asks SMSAPI to
    transliterate Polish letters itself (render_sms(transliterate=False))."""

    def __init__(
        self,
        token: str,
        sender_name: str | None = None,
        base_url: str = "https://api.smsapi.pl",
        timeout: float = 15,
        normalize: bool = False,
    ):
        if not token or not token.strip():
            raise ConfigError("SMSAPI token is empty", key="token")
        _check_url(base_url, "base_url")
        self._token = token.strip()
        self.sender_name, self.timeout, self.normalize = sender_name or None, timeout, normalize
        self.url = base_url.rstrip("/") + "/sms.do"
        self.profile_url = base_url.rstrip("/") + "/profile"

    def __repr__(self) -> str:  # never print the token
        return f"SmsapiChannel({_safe_url(self.url)}, from={self.sender_name!r})"

    def send(self, phone_e164: str, text: str) -> str:
        fields = {"to": e164_digits(phone_e164), "message": text}
        fields |= {"format": "json", "encoding": "utf-8"}
        if self.sender_name:
            fields["from"] = self.sender_name
        if self.normalize:
            fields["normalize"] = "1"
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        body = urllib.parse.urlencode(fields, encoding="utf-8").encode("ascii")
        status, answer = _post(self.url, body, headers, self.timeout)
        payload, where = _json(answer), f"SMSAPI {_safe_url(self.url)}"
        if isinstance(payload, dict) and payload.get("error") is not None:
            raise self._error(payload, where, status)
        if not 200 <= status < 300:
            raise _by_status(status, where, _short(answer.decode("utf-8", "replace"), self._token))
        try:
            return str(payload["list"][0]["id"])
        except (TypeError, KeyError, IndexError):
            raise SmsError(
                f"{where}: unexpected answer {_short(payload, self._token)!r}",
                maybe_delivered=True,
            ) from None

    def check(self) -> dict[str, Any]:
        """GET {base_url}/profile with the token: authenticated, sends nothing (`mailbot
        doctor`). Returns the account's username, payment_type and points (points is
        absent for some accounts); SmsError when the token is refused."""
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        status, answer = _ask("GET", self.profile_url, headers, self.timeout)
        payload, where = _json(answer), f"SMSAPI {_safe_url(self.profile_url)}"
        if isinstance(payload, dict) and payload.get("error") is not None:
            raise self._error(payload, where, status)
        if not 200 <= status < 300:
            raise _by_status(status, where, _short(answer.decode("utf-8", "replace"), self._token))
        if not isinstance(payload, dict):
            raise SmsError(f"{where}: unexpected answer {_short(answer, self._token)!r}")
        return {k: payload.get(k) for k in ("username", "payment_type", "points")}

    def _error(self, payload: dict[str, Any], where: str, status: int) -> SmsError:
        raw = str(payload.get("error")).strip()
        code: int | str = int(raw) if raw.isdigit() else raw  # SMSAPI sends 13 or "13"
        said = _short(payload.get("message", ""), self._token)
        if isinstance(code, int) and code in _SMSAPI_REJECTED:
            return SmsRejected(f"{where}: {_SMSAPI_REJECTED[code]} ({code}: {said})", code=code)
        default = "check the SMSAPI token" if status in (401, 403) else "not sent"  # OAuth errors
        hint = _SMSAPI_CONFIG.get(code, default) if isinstance(code, int) else default
        return SmsError(f"{where}: {hint} ({code}: {said})", code=code)


class WebhookChannel:
    """Any gateway behind a JSON POST {"to": "+48…", "text": "…"}, optional Bearer token.
    2xx = accepted (id from the answer's "id" when there is one). 4xx = rejected for
    good, except those that mean "not now" or "not configured right" (401, 403, 404, 405,
    408, 425, 429), which are retried with 5xx, 3xx and network failures."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 15):
        _check_url(url, "url")
        self.url, self._token, self.timeout = url, token or None, timeout

    def __repr__(self) -> str:  # the query string may hold a key; the token is secret
        return f"WebhookChannel({_safe_url(self.url)}, token={'***' if self._token else None})"

    def check(self) -> int:
        """HEAD on the URL (a safe method, RFC 9110 9.2.1): the HTTP status it answers,
        SmsError when nothing answers. A generic webhook has no call that proves the token
        without sending an SMS, so this shows reachability and TLS only."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        return _ask("HEAD", self.url, headers, self.timeout)[0]

    def send(self, phone_e164: str, text: str) -> str:
        e164_digits(phone_e164)
        body = json.dumps({"to": phone_e164, "text": text}, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        status, answer = _post(self.url, body, headers, self.timeout)
        if not 200 <= status < 300:
            detail = _short(answer.decode("utf-8", "replace"), self._token)
            raise _by_status(status, f"SMS webhook {_safe_url(self.url)}", detail)
        payload = _json(answer)
        found = payload.get("id") if isinstance(payload, dict) else None
        return "" if found is None else str(found)
