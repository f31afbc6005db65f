"""Self-alarm decisions: which problems are on now, what the admins are told.

Pure: the shell observes (database, last poll, outbox, login errors) and this module
says which incidents open and which end. One message when an incident opens and one
when it ends, never one per check: the help-desk systems mailbot replaces either
stayed silent or flooded the admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

NO_POLL = "no_poll"
OUTBOX = "outbox_stuck"
AUTH = "auth_failed"
DATABASE = "database_down"
SECRET = "secret_expiry"
DELIVERY = "delivery_failing"
ESCALATION = "escalation_failing"
DIGEST = "digest_failing"
JOB_KINDS = {"deliver": DELIVERY, "escalation": ESCALATION, "digest": DIGEST}

TITLES = {
    NO_POLL: "skrzynka nie jest odczytywana",
    OUTBOX: "poczta utknęła w kolejce wysyłki",
    AUTH: "logowanie do skrzynki odrzucone",
    DATABASE: "baza danych niedostępna",
    SECRET: "wygasa sekret logowania OAuth2",
    DELIVERY: "wysyłka poczty i SMS nie działa",
    ESCALATION: "pilnowanie terminów (eskalacje) nie działa",
    DIGEST: "raport dzienny nie wychodzi",
}
_CONSEQUENCE = {
    DELIVERY: "Odpowiedzi i powiadomienia czekają w kolejce (`mailbot outbox list`); sprawdź "
    "serwer SMTP i bramkę SMS.",
    ESCALATION: "Przypomnienia i powiadomienia o przekroczonych terminach nie wychodzą.",
    DIGEST: "Kierownicy nie dostali dzisiejszego raportu.",
}


@dataclass(frozen=True)
class Thresholds:
    no_poll: timedelta
    outbox: timedelta
    failing: timedelta = timedelta(minutes=5)  # a job failing run after run for this long


@dataclass(frozen=True)
class Failing:
    """A scheduled job (deliver, escalation, digest) failing run after run since `since`."""

    job: str
    since: datetime
    error: str


@dataclass(frozen=True)
class Observation:
    """What the shell saw at `now`; None = nothing wrong of that kind."""

    now: datetime
    running_since: datetime  # a fresh start is not "no poll for 15 minutes"
    folder: str
    last_poll_ok: datetime | None = None
    last_poll_error: str | None = None
    outbox_oldest: datetime | None = None
    outbox_waiting: int = 0
    auth_error: str | None = None
    database_error: str | None = None
    secret_warning: str | None = None
    failing: tuple[Failing, ...] = ()


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def problems(obs: Observation, limits: Thresholds, tz: ZoneInfo) -> dict[str, str]:
    """kind -> detail (Polish, for the admins) of every problem that is on now."""
    found: dict[str, str] = {}
    if obs.database_error is not None:
        found[DATABASE] = f"Baza danych nie odpowiada: {obs.database_error}"
        return found  # nothing else can be judged without it
    if obs.auth_error is not None:
        found[AUTH] = (
            f"Serwer odrzucił logowanie: {obs.auth_error}. Sprawdź hasło lub token "
            "(`mailbot doctor` pokaże szczegóły)."
        )
    since = obs.last_poll_ok or obs.running_since
    if obs.now - since >= limits.no_poll:
        last = (
            obs.last_poll_ok.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            if obs.last_poll_ok
            else "nigdy"
        )
        detail = (
            f"Od {_minutes(obs.now - since)} min brak udanego odczytu folderu {obs.folder} "
            f"(ostatni udany: {last})."
        )
        if obs.last_poll_error:
            detail += f" Ostatni błąd: {obs.last_poll_error}"
        found[NO_POLL] = detail
    if obs.outbox_oldest is not None and obs.now - obs.outbox_oldest >= limits.outbox:
        found[OUTBOX] = (
            f"{obs.outbox_waiting} wiadomość(i) czeka na wysłanie, najstarsza od "
            f"{_minutes(obs.now - obs.outbox_oldest)} min. Sprawdź serwer SMTP i bramkę SMS "
            "(`mailbot outbox list`)."
        )
    if obs.secret_warning is not None:
        found[SECRET] = obs.secret_warning
    for failing in obs.failing:
        kind = JOB_KINDS.get(failing.job)
        if kind is not None and obs.now - failing.since >= limits.failing:
            found[kind] = (
                f"Od {_minutes(obs.now - failing.since)} min każda próba kończy się błędem: "
                f"{failing.error}. {_CONSEQUENCE[kind]}"
            )
    return found


@dataclass(frozen=True)
class Changes:
    opened: dict[str, str]  # kind -> detail
    resolved: frozenset[str]


def changes(open_kinds: set[str], now_on: dict[str, str]) -> Changes:
    """Incidents to open (on now, not yet open) and to end (open, no longer on)."""
    opened = {k: v for k, v in now_on.items() if k not in open_kinds}
    return Changes(opened, frozenset(k for k in open_kinds if k not in now_on))


def alarm_message(kind: str, detail: str, instance: str) -> tuple[str, str, str]:
    """(subject, mail body, SMS text) when an incident opens."""
    title = TITLES.get(kind, kind)
    subject = f"[mailbot] ALARM: {title}"
    body = (
        f"mailbot ({instance}) zgłasza problem: {title}.\n\n{detail}\n\n"
        "Kolejna wiadomość przyjdzie, gdy problem ustąpi.\n"
        "Stan: `mailbot status`, diagnoza: `mailbot doctor`.\n"
    )
    return subject, body, f"mailbot ALARM: {title}. {detail}"[:300]


def recovery_message(kind: str, opened_at: datetime, now: datetime, instance: str
                     ) -> tuple[str, str, str]:  # fmt: skip
    """(subject, mail body, SMS text) when an incident ends."""
    title = TITLES.get(kind, kind)
    lasted = _minutes(now - opened_at)
    subject = f"[mailbot] OK: {title} — problem ustąpił"
    body = f"mailbot ({instance}): problem „{title}” ustąpił po {lasted} min.\n"
    return subject, body, f"mailbot OK: {title} - ustapil po {lasted} min."


def secret_expiry_warning(expires: date | None, today: date, warn_days: int) -> str | None:
    """The operator's warning when the Azure client secret runs out within `warn_days`
    (or already has), in Polish with the English below; None when all is well.

    The classic silent failure of help desks on Microsoft 365 is an expired secret that
    nobody noticed: the self-alarm and the digest both show this line."""
    if expires is None:
        return None
    days = (expires - today).days
    if days > warn_days:
        return None
    when = expires.isoformat()
    if days < 0:
        return (
            f"Sekret aplikacji OAuth2 (Azure) wygasł {when}: mailbot nie zaloguje się do "
            f"skrzynki. Utwórz nowy sekret i ustaw oauth.secret_expires. / The OAuth2 client "
            f"secret expired on {when}: mailbot cannot log in to the mailbox. Create a new "
            f"secret in Azure and update oauth.secret_expires."
        )
    if days == 0:
        left_pl, left_en = "dziś", "today"
    else:
        left_pl = f"za {days} {_dni(days)}"
        left_en = f"in {days} day{'s' if days != 1 else ''}"
    return (
        f"Sekret aplikacji OAuth2 (Azure) wygasa {left_pl} ({when}). Utwórz nowy sekret, "
        f"wpisz go do zmiennej środowiskowej i zmień oauth.secret_expires. / The OAuth2 "
        f"client secret expires {left_en} ({when}): create a new one in Azure, put it in the "
        f"environment variable and update oauth.secret_expires."
    )


def _dni(n: int) -> str:
    return "dzień" if n == 1 else "dni"
