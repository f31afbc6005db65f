"""What the console says, in Polish: labels for stored codes, times in Europe/Warsaw,
time left to a deadline, and the stored intake decision explained in sentences.

Pure functions over plain values (the decision is the EXPLAIN.md document), so they are
tested without a server.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")

STATES = {
    "new": "nowe",
    "on_hold": "wstrzymane (brak pakietu)",
    "needs_identification": "do identyfikacji",
    "out_of_scope": "poza zakresem",
    "closed": "zamknięte",
    "not_a_ticket": "nie jest zgłoszeniem",
    "merged": "połączone z innym",
}
CONTRACTS = {"opieka": "opieka autorska", "pakiet": "pakiet godzin", "brak": "bez umowy"}
SCOPES = {
    "consultation": "konsultacja",
    "document_fix": "poprawa dokumentów",
    "database_repair": "naprawa bazy danych",
    "year_split": "rozdzielenie lat",
    "programming": "zmiany programistyczne (poza zakresem)",
    "hardware": "sprzęt (poza zakresem)",
    "visit": "wizyta u klienta (poza zakresem)",
    "other": "inne",
}
TRUST = {
    "registered": "adres zarejestrowany przez klienta",
    "unregistered": "domena klienta, ale adres niezarejestrowany",
    "unknown": "nieznany nadawca",
    "unverified": "nadawca niepotwierdzony (DMARC/DKIM/SPF nie przeszły)",
    "staff": "pracownik KJM",
}
BILLING = {
    "none": "bez dodatkowej opłaty",
    "billable": "płatne według cennika (interwencja poza godzinami opieki)",
    "double": "czas liczony podwójnie z pakietu (awaria po godzinach)",
}
ROLES = {"oncall": "dyżurny", "opiekun": "opiekun", "manager": "kierownik", "admin": "admin"}
CHANNELS = {"sms": "SMS", "email": "e-mail"}
ADDONS = {
    "extended-hours": "dłuższe godziny",
    "saturdays": "soboty",
    "night": "obsługa nocna",
    "nonstop": "obsługa non-stop",
    "data-warehouse": "opieka nad hurtownią danych",
    "dedicated-software": "opieka nad oprogramowaniem dedykowanym",
}
REPLIES = {
    "ack_opieka": "potwierdzenie przyjęcia (opieka)",
    "ack_opieka_emergency": "potwierdzenie przyjęcia awarii (opieka)",
    "ack_pakiet": "potwierdzenie przyjęcia (pakiet)",
    "no_package": "prośba o zakup pakietu",
    "out_of_scope": "informacja, że sprawa jest poza zakresem wsparcia",
    "outside_hours": "informacja o pracy poza godzinami",
    "outside_hours_emergency": "potwierdzenie awarii poza godzinami",
    "unknown_sender": "prośba o nazwę firmy i NIP",
    "unregistered_sender": "prośba o rejestrację adresu",
    "follow_up": "potwierdzenie dopisania do zgłoszenia",
    "ticket_closed": "zamknięcie zgłoszenia",
    "ticket_released": "zwolnienie wstrzymanego zgłoszenia",
    "staff_reply": "odpowiedź pracownika",
    "alert_more": "zbiorczy alarm",
    "alert_more_sms": "zbiorczy alarm SMS",
}
EVENTS = {
    "created": "utworzone",
    "follow_up": "dopisana wiadomość",
    "reopened": "wznowione",
    "third_party": "wiadomość od osoby trzeciej",
    "acknowledged": "reakcja potwierdzona",
    "assigned": "przydzielone",
    "closed": "zamknięte",
    "released": "zwolnione z wstrzymania",
    "time_logged": "zapisany czas pracy",
    "reply_uncertain": "niepewne wysłanie odpowiedzi",
    "note": "notatka",
    "reply": "odpowiedź do klienta",
    "linked": "przypisane do klienta",
    "corrected": "poprawiona ocena",
    "not_ticket": "to nie zgłoszenie",
    "merged": "połączone",
    "merged_in": "dołączone inne zgłoszenie",
    "opened": "założone przez pracownika",
}
OUTBOX_KINDS = {
    "reply": "Odpowiedź do klienta",
    "alert_email": "Alert e-mail",
    "alert_sms": "Alert SMS",
}
OUTBOX_STATES = {
    "pending": "czeka na wysłanie",
    "sending": "wysyłane",
    "sent": "wysłane",
    "failed": "NIEWYSŁANE (błąd)",
    "uncertain": "niepewne (przerwane wysyłanie)",
    "suppressed": "wstrzymane (limit odpowiedzi)",
    "folded": "wstrzymane (zbiorczy alert)",
    "coalesced": "wysłane zbiorczo",
}


_ACK_LINK = re.compile(r"(/ack/)[A-Za-z0-9._-]+")


def masked(text: str) -> str:
    """An alert's text as the ticket page shows it: without the paged person's one-tap
    link, which is theirs to use, not any colleague's who reads the ticket."""
    return _ACK_LINK.sub(r"\1[link]", text or "")


def label(table: dict[str, str], code: str | None, empty: str = "—") -> str:
    """The Polish word for a stored code; an unknown code is shown as it is."""
    if code is None or code == "":
        return empty
    return table.get(code, code)


def when(at: datetime | None, tz: ZoneInfo = WARSAW) -> str:
    """'27.11.2026 09:10' in Warsaw time, or a dash."""
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M") if at else "—"


def duration(minutes: int) -> str:
    """'2 h 05 min', '45 min', '3 d 4 h'."""
    minutes = abs(minutes)
    if minutes >= 48 * 60:
        return f"{minutes // 1440} d {minutes % 1440 // 60} h"
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min"


def time_left(
    deadline: datetime | None, reacted: bool, closed: bool, now: datetime
) -> tuple[str, str]:
    """(text, css class) for the reaction deadline (R-SLA-1) as of `now`."""
    if deadline is None:
        return "—", ""
    if reacted or closed:
        return "reakcja jest", "ok"
    minutes = int((deadline - now).total_seconds() // 60)
    if minutes < 0:
        return f"PO TERMINIE o {duration(minutes)}", "late"
    return f"zostało {duration(minutes)}", "soon" if minutes <= 30 else ""


def number(value: Any) -> Any:
    """A decimal number with a decimal comma; anything else as it is."""
    from decimal import Decimal

    return str(value).replace(".", ",") if isinstance(value, (Decimal, float)) else value


def hours(value: Any) -> str:
    """Hours as staff write them, the same on every page: '1,5 h', '0,5 h', '2 h' (a
    decimal comma, no trailing zeros: the ledger keeps 0.50 and 1.5 alike)."""
    from decimal import Decimal, InvalidOperation

    try:
        text = format(Decimal(str(value)).normalize(), "f")
    except (InvalidOperation, ValueError):
        text = str(value)
    return f"{text} h".replace(".", ",")


def explain(doc: dict[str, Any] | None, staff_names: dict[str, str]) -> list[str]:
    """The stored decision (EXPLAIN.md document) as sentences a staff member reads."""
    if not doc:
        return ["Brak zapisanej decyzji (zgłoszenie z historii skrzynki lub sprzed zmian)."]
    out: list[str] = []
    sender = (doc.get("message") or {}).get("from") or {}
    client = doc.get("client")
    who = sender.get("address") or "nieznany adres"
    trust = label(TRUST, doc.get("trust"))
    if client:
        contract = label(CONTRACTS, client.get("contract"), "bez umowy")
        addons = ", ".join(label(ADDONS, a) for a in client.get("addons") or [])
        out.append(
            f"Nadawca {who}: {trust}. Klient: {client.get('name') or client.get('id')} — "
            f"{contract}" + (f", dodatki: {addons}" if addons else "") + "."
        )
    else:
        out.append(f"Nadawca {who}: {trust}; nie przypisano klienta.")
    automatic = (doc.get("message") or {}).get("automatic")
    if automatic:
        out.append(f"Wiadomość wysłana automatycznie ({automatic}): bez odpowiedzi do nadawcy.")
    product = doc.get("product") or "nie rozpoznano"
    out.append(f"Produkt: {product}; rodzaj sprawy: {label(SCOPES, doc.get('scope'))}.")
    urgency = doc.get("urgency") or {}
    reasons = ", ".join(urgency.get("reasons") or [])
    score = str(urgency.get("score", "")).replace(".", ",")
    if doc.get("emergency"):
        out.append(
            f"Uznane za AWARIĘ: praca niemożliwa na wszystkich stanowiskach (pewność {score}"
            + (f"; sygnały: {reasons}" if reasons else "")
            + ")."
        )
    else:
        out.append(f"Nie uznane za awarię (pewność {score}).")
    covered = doc.get("covered")
    if covered is not None:
        out.append(
            "Otrzymane w godzinach objętych umową."
            if covered
            else "Otrzymane poza godzinami objętymi umową: bez awarii czeka na dzień roboczy."
        )
    out.append(f"Stan po przyjęciu: {label(STATES, doc.get('state'))}.")
    deadline = doc.get("deadline")
    out.append(
        f"Gwarantowany czas reakcji (2 godziny, noc się nie liczy): do "
        f"{when(datetime.fromisoformat(deadline))}."
        if deadline
        else "Bez gwarantowanego czasu reakcji."
    )
    reply = doc.get("reply")
    out.append(
        f"Klient dostał automatyczną odpowiedź: {label(REPLIES, reply)}."
        if reply
        else "Bez automatycznej odpowiedzi do klienta."
    )
    for alert in doc.get("alerts") or []:
        person = staff_names.get(alert.get("to") or "", alert.get("to") or "nikt (luka w grafiku)")
        channels = " i ".join(label(CHANNELS, c) for c in alert.get("channels") or [])
        out.append(f"Powiadomiony {label(ROLES, alert.get('role'))}: {person} ({channels}).")
    if doc.get("billing") and doc["billing"] != "none":
        out.append(f"Rozliczenie: {label(BILLING, doc['billing'])}.")
    package = doc.get("package")
    if package:
        until = package.get("valid_until")
        day = datetime.fromisoformat(until).strftime("%d.%m.%Y") if until else "—"
        out.append(
            f"Pakiet: zostało {hours(package.get('hours_left'))}, ważny do {day}"
            + ("." if package.get("valid") else " — NIEWAŻNY.")
        )
    thread = doc.get("thread") or {}
    if thread.get("ticket"):
        out.append(f"Dopisane do zgłoszenia {thread['ticket']} ({thread.get('reason', '')}).")
    if thread.get("third_party"):
        out.append("Napisała osoba trzecia: wiadomość niczego w zgłoszeniu nie zmieniła.")
    return out
