"""The package ledger in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mailbot.cli.main import app as cli
from mailbot.store import ledger as ledger_store
from mailbot.store import repo
from mailbot.store.tables import PackageDeduction, PackagePurchase, TimeEntry
from tests.integration.test_pipeline import mail, prime

pytestmark = pytest.mark.integration


def run(application, *args, input=None):
    return CliRunner(env={"COLUMNS": "200", "MAILBOT_STAFF": "jan.wisniewski"}).invoke(
        cli, [*args, "--config", str(application.config.path)], input=input
    )


@pytest.fixture
def pakiet_client(make_app):
    application = make_app()
    client = next(c for c in application.rules.book.clients if c.contract == "pakiet")
    application.sync_clients()
    return application, client


def test_package_request_on_hold_until_bought_then_released(pakiet_client, mailbox):
    application, client = pakiet_client
    prime(application)
    mailbox.append(
        "INBOX",
        mail(
            "Pytanie o raport", "Jak zrobić raport?", sender=client.addresses[0], msgid="<h1@x.pl>"
        ),
    )
    application.poll_once()
    (row,) = json.loads(run(application, "tickets", "list", "--json").output)
    assert row["state"] == "on_hold"  # R-PAK-3: no package on record
    result = run(
        application,
        "package",
        "add",
        client.id,
        "--purchased",
        datetime.now(UTC).date().isoformat(),
    )
    assert result.exit_code == 0, result.output
    assert row["number"] in result.output and "wracają do kolejki" in result.output
    (row,) = json.loads(run(application, "tickets", "list", "--json").output)
    assert row["state"] == "new"
    shown = run(application, "tickets", "show", row["number"])
    assert "released" in shown.output
    # the client is told (R-PAK-3): a reply in the same thread, after the no_package one
    from mailbot.store.tables import OutboxItem

    with application.sessions() as s:
        replies = [
            (o.template, o.recipient)
            for o in s.scalars(
                select(OutboxItem).where(OutboxItem.kind == "reply").order_by(OutboxItem.id)
            )
        ]
    assert replies == [
        ("no_package", client.addresses[0]),
        ("ticket_released", client.addresses[0]),
    ]
    assert application.deliver() == {"sent": 2}


def test_log_deducts_rounded_time_and_explain_shows_balance(pakiet_client, mailbox, tmp_path):
    application, client = pakiet_client
    prime(application)
    today = datetime.now(UTC).date().isoformat()
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()  # 10:00 is past then
    assert run(application, "package", "add", client.id, "--purchased", day).exit_code == 0
    mailbox.append(
        "INBOX",
        mail(
            "Korekta faktury",
            "Proszę o pomoc z korektą.",
            sender=client.addresses[0],
            msgid="<l1@x.pl>",
        ),
    )
    application.poll_once()
    (row,) = json.loads(run(application, "tickets", "list", "--json").output)
    assert row["state"] == "new"
    preview = run(application, "log", row["number"], "40m", "--at", f"{day}T10:00", "--preview")
    assert preview.exit_code == 0 and "zostanie 2 h" in preview.output  # nothing saved
    result = run(application, "log", row["number"], "40m", "--at", f"{day}T10:00")
    assert result.exit_code == 0, result.output
    assert "= 1 h z pakietu" in result.output and "zostanie 2 h" in result.output  # R-PAK-2
    long = run(application, "log", row["number"], "500h", input="n\n")
    assert long.exit_code == 1 and "na pewno?" in long.output  # asked, refused, not saved
    eml = tmp_path / "next.eml"
    eml.write_bytes(
        mail("Kolejne pytanie", "Pytanie.", sender=client.addresses[0], msgid="<l2@x.pl>")
    )
    doc = json.loads(
        run(application, "explain", str(eml), "--json", "--at", f"{today}T11:00").output
    )
    assert doc["package"]["hours_left"] in ("2.0", "2.00") and doc["package"]["valid"]
    assert doc["state"] == "new"
    assert run(application, "log", row["number"], "soon").exit_code == 2
    assert run(application, "log", "KJM-2026-999999", "10m").exit_code == 1


def package_and_ticket(s, client, number: str, now: datetime) -> repo.Ticket:
    """A 3-hour package bought today and one open ticket of the client's."""
    ledger_store.add_purchase(s, client.id, now.date(), Decimal(3), "test", now)
    ticket = repo.Ticket(
        number=number,
        state="new",
        subject="x",
        requester=client.addresses[0],
        created_at=now,
        updated_at=now,
        client_id=client.id,
        emergency=False,
    )
    s.add(ticket)
    s.flush()
    return ticket


def test_concurrent_logging_never_overdraws_silently(pakiet_client):
    """Two staff log at once against one package: every entry kept, balance exact."""
    application, client = pakiet_client
    now = datetime.now(UTC)
    with application.sessions.begin() as s:
        package_and_ticket(s, client, "KJM-2026-900001", now)
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(5):
                with application.sessions.begin() as s:
                    t = repo.ticket_by_number(s, "KJM-2026-900001")
                    ledger_store.log_time(
                        s, t, client, "pakiet", 25, now.replace(hour=10), "staff", "", now
                    )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with application.sessions() as s:
        entries = s.scalar(select(func.count(TimeEntry.id)))
        charged = s.scalar(select(func.sum(PackageDeduction.charged_hours)))
        overdraft = s.scalar(select(func.sum(PackageDeduction.overdraft_hours)))
        bought = s.scalar(select(func.sum(PackagePurchase.hours)))
        state = ledger_store.package_state(s, client, now)
    assert entries == 10  # none lost
    # 10 x 25 min -> 10 x 0.5 h = 5 h: 3 h from the package, 2 h overdraft, never silent
    # (charged_hours is what a package paid; the rest of the work is overdraft)
    assert Decimal(charged) == Decimal(bought) == Decimal(3)
    assert Decimal(overdraft) == Decimal(2)
    assert state.hours_left == 0 and not state.valid


def test_update_fee_and_expiring(pakiet_client):
    application, client = pakiet_client
    result = CliRunner().invoke(
        cli, ["update-fee", "--value", "2400", "--care-from", "2026-04-01", "--year", "2026"]
    )
    assert "600,00 zł" in result.output and "2026-03" in result.output  # R-CON-5
    assert (
        run(
            application,
            "package",
            "add",
            client.id,
            "--purchased",
            date.today().isoformat(),
            "--hours",
            "1",
        ).exit_code
        == 0
    )
    result = run(application, "package", "expiring", "--within", "14d")
    assert client.id in result.output


def test_billing_report(pakiet_client, tmp_path):
    application, client = pakiet_client
    now = datetime.now(UTC)
    with application.sessions.begin() as s:
        ticket = package_and_ticket(s, client, "KJM-2026-900002", now)
        ledger_store.log_time(s, ticket, client, "pakiet", 40, now, "staff", "", now)
    month = now.astimezone(application.config.tz).strftime("%Y-%m")
    out = tmp_path / "billing.csv"
    result = run(application, "billing", "report", "--month", month, "--csv", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Polish Excel reads it as UTF-8
    rows = data.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("klient;nazwa;NIP;") and len(rows) == 2
    assert rows[1].split(";")[:9] == [
        client.id,
        client.name,
        client.nip,
        "0",
        "0",
        "1,00",
        "0,00",
        "1",
        "3,00",
    ]  # columns by ';' and a decimal comma
    assert run(application, "billing", "report", "--month", "11/2026").exit_code == 2
