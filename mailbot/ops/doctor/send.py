"""`mailbot doctor`, the way out: SMTP up to AUTH (no MAIL FROM, nothing sent) and
the SMS gateway: SMSAPI's authenticated GET /profile; a webhook only answers HEAD, so its
token is honestly reported as not checked; e-mail-to-SMS rides on the SMTP checks."""

from __future__ import annotations

from mailbot.edges.sms import SmsapiChannel, SmsError, WebhookChannel
from mailbot.edges.smtp import SmtpCheckError, SmtpMailer
from mailbot.errors import ConfigError
from mailbot.ops.doctor.base import (
    FAIL,
    OK,
    SECRETS_FILE,
    SKIP,
    WARN,
    Check,
    Env,
    loopback,
    network_fix,
    tls_fix,
)
from mailbot.settings.config import Config

LOW_POINTS = 10.0  # SMSAPI credit below which doctor says "top up soon" (a margin, not a rule)


_SMTP_STEPS = {
    "connect": "smtp connect",
    "ehlo": "smtp connect",
    "tls": "smtp tls",
    "auth": "smtp login",
}


def check_smtp(cfg: Config, env: Env, timeout: float) -> list[Check]:
    s = cfg.smtp
    if s is None or s.mode != "smtp":
        return [
            Check(
                "smtp",
                SKIP,
                f"smtp.mode = capture: replies and alerts are written to "
                f"{cfg.data_dir / 'sent'}, nothing is sent",
            )
        ]
    where = f"{s.host}:{s.port}"
    secret_hint = (
        f"check smtp.user and the password in {s.password_env} (the service reads "
        f"it from {SECRETS_FILE})" + (f" or {s.password_file}" if s.password_file else "")
    )
    try:
        password, missing = s.password(dict(env)), None
    except ConfigError as exc:
        password, missing = None, exc
    if missing is None and s.user and not password:
        missing = ConfigError("the password is empty", key="smtp.password_file")
    user = s.user if missing is None else None  # still check the way there without AUTH
    mailer = SmtpMailer(s.host, s.port, s.tls, user, password, s.cafile, timeout)  # type: ignore[arg-type]
    names = ["smtp connect", "smtp tls", "smtp login"]
    try:
        result = mailer.check()
    except SmtpCheckError as exc:
        failed = _SMTP_STEPS.get(exc.step, "smtp connect")
        fix = {
            "smtp connect": network_fix(exc, "smtp", timeout),
            "smtp tls": tls_fix(exc, "smtp", '"ssl" (port 465) or "starttls" (port 587)'),
            "smtp login": secret_hint,
        }[failed]
        done, passed = (
            names.index(failed),
            {
                "smtp connect": f"{where} answered EHLO",
                "smtp tls": f"TLS ({s.tls}) set up" if s.tls != "none" else "smtp.tls = none",
            },
        )
        return (
            [Check(n, OK, passed[n]) for n in names[:done]]
            + [Check(failed, FAIL, str(exc), fix)]
            + [Check(n, SKIP, f"{failed} failed") for n in names[done + 1 :]]
        )
    checks = [Check("smtp connect", OK, f"{where} answered EHLO")]
    if result.tls:
        checks.append(Check("smtp tls", OK, f"{result.tls} ({s.tls}), certificate verified"))
    elif loopback(s.host):
        checks.append(Check("smtp tls", SKIP, "smtp.tls = none (loopback)"))
    else:
        checks.append(
            Check(
                "smtp tls",
                WARN,
                "smtp.tls = none: mail and password travel in clear",
                'set smtp.tls = "ssl" (port 465) or "starttls" (port 587)',
            )
        )
    if missing is not None:
        checks.append(
            Check("smtp login", FAIL, f"no password for {s.user}: {missing}", secret_hint)
        )
    elif s.user:
        methods = " ".join(result.auth_methods) or "?"
        checks.append(
            Check("smtp login", OK, f"logged in as {s.user} (AUTH {methods}); no mail sent")
        )
    else:
        checks.append(
            Check(
                "smtp login",
                SKIP,
                "smtp.user not set: the server must accept mail from this host without AUTH",
            )
        )
    return checks


# -- SMS
def check_sms(cfg: Config, env: Env, timeout: float) -> list[Check]:
    sms = cfg.sms
    if sms is None or sms.channel == "none":
        return [Check("sms", SKIP, "sms.channel = none: alerts go by e-mail only")]
    if sms.channel == "email":
        if cfg.smtp is None or cfg.smtp.mode != "smtp":
            return [
                Check(
                    "sms",
                    WARN,
                    "sms.channel = email but smtp.mode = capture: SMS "
                    "alerts are written to files and reach nobody",
                    'set smtp.mode = "smtp" or another sms.channel',
                )
            ]
        return [
            Check(
                "sms",
                SKIP,
                f"e-mail to {sms.address_template} goes through SMTP: the smtp checks cover it",
            )
        ]
    token_hint = f"set {sms.token_env} (the service reads it from {SECRETS_FILE})"
    try:
        token = sms.token(dict(env))
    except ConfigError as exc:
        return [Check("sms gateway", FAIL, str(exc), token_hint)]
    if sms.channel == "smsapi":
        return [
            _smsapi(SmsapiChannel(token or "", sms.sender_name, sms.base_url, timeout), token_hint)
        ]
    channel = WebhookChannel(sms.url, token, timeout)
    return _webhook(channel, bool(token), token_hint)


def _smsapi(channel: SmsapiChannel, token_hint: str) -> Check:
    try:
        profile = channel.check()
    except SmsError as exc:
        fix = (
            f"{token_hint}; the token (SMSAPI panel, API tokens) needs the sms scope, and "
            "the profile scope for this check"
            if exc.code not in (None, 500, 502, 503, 504)
            else "the SMSAPI API did not answer: check sms.base_url and the network"
        )
        return Check("sms gateway", FAIL, str(exc), fix)
    points = profile.get("points")
    detail = (
        f"SMSAPI accepts the token (account {profile.get('username') or '?'}, "
        f"{profile.get('payment_type') or '?'}, points {points if points is not None else '?'});"
        " no SMS sent"
    )
    low = isinstance(points, (int, float)) and profile.get("payment_type") != "postpaid"
    if low and points < LOW_POINTS:
        return Check(
            "sms gateway",
            WARN,
            detail,
            "top up the SMSAPI account: with no points left every alert SMS fails (error 103)",
        )
    return Check("sms gateway", OK, detail)


def _webhook(channel: WebhookChannel, has_token: bool, token_hint: str) -> list[Check]:
    auth = Check(
        "sms gateway auth",
        SKIP,
        "a webhook has no call that proves the token "
        "without sending an SMS: `mailbot outbox list` shows the first alert's result",
    )
    try:
        status = channel.check()
    except SmsError as exc:
        return [
            Check(
                "sms gateway",
                FAIL,
                str(exc),
                "check sms.url and the network (the gateway must be reachable from this host)",
            ),
            auth,
        ]
    what = f"{channel!r} answers HEAD with HTTP {status}"
    if status in (401, 403):
        fix = token_hint if has_token else "the gateway wants a token: set sms.token_env"
        return [
            Check(
                "sms gateway",
                WARN,
                f"{what}: refused",
                fix + " (or it refuses HEAD whatever the token)",
            ),
            auth,
        ]
    if status == 404 or status >= 500:
        return [
            Check(
                "sms gateway",
                WARN,
                what,
                "check sms.url (a gateway that routes only POST may answer HEAD so)",
            ),
            auth,
        ]
    return [Check("sms gateway", OK, f"{what}: reachable"), auth]
