"""rules/*.toml -> Rulebook: the shipped rules load, and every mistake names file, entry, key."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime
from pathlib import Path

import pytest

from mailbot.core.contracts import ADDONS, identify_sender
from mailbot.errors import ConfigError
from mailbot.settings.rulebook import load_rulebook
from tests.paths import ROOT

DEMO = ROOT / "mailbot" / "demo" / "mail"

STAFF = """
[[staff]]
id = "jan.nowak"
name = "Jan Nowak"
email = "jan.nowak@kjmssoft.pl"
phone = "601 234 567"
roles = ["opiekun", "oncall"]

[[staff]]
id = "ewa.kos"
name = "Ewa Kos"
email = "ewa.kos@kjmssoft.pl"
roles = ["manager"]
"""

CLIENTS = """
[[client]]
id = "acme"
name = "Acme Sp. z o.o."
nip = "526-018-15-96"
contract = "opieka"
care_since = 2024-01-01
addresses = ["Biuro@Acme.pl"]
domains = ["acme.pl"]
opiekun = "jan.nowak"
products = ["F-K"]

[[client]]
id = "beta"
name = "Beta s.c."
nip = "1860913901"
contract = "pakiet"
addresses = ["beta@beta.pl"]
products = ["SOOT"]
"""


def write_rules(tmp_path: Path, staff: str = STAFF, clients: str = CLIENTS) -> Path:
    (tmp_path / "staff.toml").write_text(staff, encoding="utf-8")
    (tmp_path / "clients.toml").write_text(clients, encoding="utf-8")
    return tmp_path


# --- the shipped rules ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_rulebook(ROOT / "rules")


def test_shipped_rules_load(shipped):
    assert len(shipped.staff) >= 8 and len(shipped.clients) >= 12
    roles = {r for s in shipped.staff for r in s.roles}
    assert roles == {"opiekun", "oncall", "manager", "admin"}
    assert all(s.phone is None or s.phone.startswith("+48") for s in shipped.staff)


def test_shipped_rules_cover_every_contract_and_addon(shipped):
    assert {c.contract for c in shipped.clients} == {"opieka", "pakiet", "brak"}
    assert {a for c in shipped.clients for a in c.addons} == set(ADDONS)
    today = date(2026, 11, 25)  # the demo mailbox's week
    assert any(c.care_until and c.care_until >= today for c in shipped.clients), "notice period"
    assert any(c.care_until and c.care_until < today for c in shipped.clients), "care ended"
    assert any(c.care_since and c.care_since > today for c in shipped.clients), "not started"
    assert all(c.opiekun for c in shipped.clients if c.contract == "opieka")


def test_demo_senders_are_known_except_the_gmail_one(shipped):
    at = datetime(2026, 11, 25, 9, 0)
    trust = {}
    for path in sorted(DEMO.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        address = msg["From"].addresses[0].addr_spec
        headers = tuple(str(v) for v in msg.get_all("Authentication-Results") or ())
        trust[address] = identify_sender(address, headers, shipped, at).trust
    assert trust.pop("ewa.lewandowska1984@gmail.com") == "unknown"
    assert trust.pop("m.kowalski@piekarnia-kowalski.pl") == "unregistered"  # R-CON-6 demo
    assert set(trust.values()) == {"registered"}
    piekarnia = shipped.client_for_address("BIURO@piekarnia-kowalski.pl")
    assert piekarnia is not None and piekarnia.name == "Piekarnia Kowalski Sp. z o.o."
    assert piekarnia.contract == "opieka" and "F-K" in piekarnia.products


def test_summary(shipped):
    lines = shipped.summary(today=date(2026, 11, 25))
    text = "\n".join(lines)
    assert lines[0].startswith(f"staff: {len(shipped.staff)} (opiekun ")
    assert "manager 2" in lines[0] and "admin 1" in lines[0]
    assert f"clients: {len(shipped.clients)} (opieka " in text
    assert "contracts in force on 2026-11-25: " in text
    assert "add-ons: extended-hours " in text and "dedicated-software 1" in text
    assert not any("in force" in line for line in shipped.summary())


# --- values are normalised -------------------------------------------------------------------


def test_values_are_normalised(tmp_path):
    rb = load_rulebook(write_rules(tmp_path))
    acme = rb.client("acme")
    assert acme is not None
    assert acme.addresses == ("biuro@acme.pl",)
    assert acme.nip == "5260181596"
    assert acme.care_since == date(2024, 1, 1) and acme.care_until is None
    assert rb.staff_member("jan.nowak").phone == "+48601234567"  # E.164
    assert rb.staff_member("ewa.kos").phone is None  # optional for a manager
    assert rb.client_for_address("BIURO@acme.pl") is acme
    assert rb.client_for_domain("ACME.pl") is acme
    assert rb.staff_for_address("Jan.Nowak@kjmssoft.pl").id == "jan.nowak"


# --- each mistake names file, entry and key -------------------------------------------------

C1, C2, S1 = "client[1] (acme)", "client[2] (beta)", "staff[1] (jan.nowak)"
BETA_PRODUCTS = 'products = ["SOOT"]'

# (file, replace this, with this, expected key, part of the message)
BROKEN = [
    ("clients", '"526-018-15-96"', '"526-018-15-97"', f"{C1}.nip", "invalid NIP checksum"),
    ("clients", '"526-018-15-96"', '"526-018-15"', f"{C1}.nip", "not 10 digits"),
    ("clients", 'contract = "opieka"', 'contract = "care"', f"{C1}.contract", "one of opieka"),
    ("clients", "care_since = 2024-01-01\n", "", f"{C1}.care_since", "missing required key"),
    ("clients", "care_since = 2024-01-01", 'care_since = "2024-13-01"', f"{C1}.care_since", "date"),
    ("clients", "care_since = 2024-01-01", "care_since = 2024-01-01T08:00:00",
     f"{C1}.care_since", "date"),
    ("clients", "care_since = 2024-01-01", "care_since = 2024-01-01\ncare_until = 2023-12-31",
     f"{C1}.care_until", "before care_since"),
    ("clients", BETA_PRODUCTS, f"{BETA_PRODUCTS}\ncare_since = 2024-01-01",
     f"{C2}.care_since", "only allowed for contract opieka"),
    ("clients", BETA_PRODUCTS, f'{BETA_PRODUCTS}\nopiekun = "jan.nowak"',
     f"{C2}.opiekun", "only allowed"),
    ("clients", BETA_PRODUCTS, f'{BETA_PRODUCTS}\naddons = ["night"]',
     f"{C2}.addons", "only allowed"),
    ("clients", 'opiekun = "jan.nowak"\n', "", f"{C1}.opiekun", "missing required key"),
    ("clients", 'opiekun = "jan.nowak"', 'opiekun = "ghost"',
     f"{C1}.opiekun", "'ghost' is not a staff id"),
    ("clients", 'opiekun = "jan.nowak"', 'opiekun = "ewa.kos"', f"{C1}.opiekun", "role opiekun"),
    ("clients", '["Biuro@Acme.pl"]', '["biuro@@acme"]',
     f"{C1}.addresses", "not a valid e-mail address"),
    ("clients", '["Biuro@Acme.pl"]', '["biuro acme.pl"]',
     f"{C1}.addresses", "not a valid e-mail address"),
    ("clients", '["Biuro@Acme.pl"]', '"biuro@acme.pl"', f"{C1}.addresses", "must be a list"),
    ("clients", '["Biuro@Acme.pl"]', "[]", f"{C1}.addresses", "at least one"),
    ("clients", '["Biuro@Acme.pl"]', '["biuro@acme.pl", "BIURO@acme.pl"]',
     f"{C1}.addresses", "twice"),
    ("clients", '["Biuro@Acme.pl"]', '["pomoc@kjmssoft.pl"]', f"{C1}.addresses", "KJM's"),
    ("clients", '["beta@beta.pl"]', '["BIURO@acme.pl"]',
     f"{C2}.addresses", f"already used by {C1}"),
    ("clients", 'domains = ["acme.pl"]', 'domains = ["wp.pl"]', f"{C1}.domains", "free-mail"),
    ("clients", 'domains = ["acme.pl"]', 'domains = ["poczta.onet.pl"]',
     f"{C1}.domains", "free-mail"),
    ("clients", 'domains = ["acme.pl"]', 'domains = ["acme"]',
     f"{C1}.domains", "not a valid domain"),
    ("clients", BETA_PRODUCTS, f'{BETA_PRODUCTS}\ndomains = ["Acme.pl"]',
     f"{C2}.domains", f"already used by {C1}"),
    ("clients", 'products = ["F-K"]', 'products = ["f-k"]', f"{C1}.products", "did you mean 'F-K'"),
    ("clients", 'products = ["F-K"]', "products = []", f"{C1}.products", "at least one"),
    ("clients", 'products = ["F-K"]', 'products = ["F-K"]\naddons = ["turbo"]',
     f"{C1}.addons", "'turbo' is not one of"),
    ("clients", 'products = ["F-K"]', 'products = ["F-K"]\naddons = ["data-warehouse"]',
     f"{C1}.addons", "Hurtownia Danych"),
    ("clients", 'products = ["F-K"]', 'products = ["F-K"]\naddons = ["dedicated-software"]',
     f"{C1}.addons", "custom product"),
    ("clients", 'id = "beta"', 'id = "acme"', "client[2] (acme).id", f"already used by {C1}"),
    ("clients", 'id = "beta"', 'id = "Beta Firma"', "client[2] (Beta Firma).id", "lower-case"),
    ("clients", 'id = "beta"\n', "", "client[2].id", "missing required key"),
    ("clients", '"1860913901"', '"5260181596"', f"{C2}.nip", f"already used by {C1}"),
    ("clients", 'name = "Beta s.c."', 'name = "Beta s.c."\nadresses = ["x@beta.pl"]',
     f"{C2}.adresses", "unknown key"),
    ("clients", 'name = "Beta s.c."', 'name = ""', f"{C2}.name", "non-empty string"),
    ("staff", '"601 234 567"', '"123"', f"{S1}.phone", "not a valid phone number"),
    ("staff", '"601 234 567"', '"telefon"', f"{S1}.phone", "not a phone number"),
    ("staff", '"601 234 567"', '"22 123 45 67"', f"{S1}.phone", "not a mobile number"),
    ("staff", '"601 234 567"', "601234567", f"{S1}.phone", "non-empty string"),
    ("staff", 'phone = "601 234 567"\n', "",
     f"{S1}.phone", "required for roles opiekun and oncall"),
    ("staff", '"jan.nowak@kjmssoft.pl"', '"jan.nowak@gmail.com"', f"{S1}.email", "kjmssoft.pl"),
    ("staff", '"ewa.kos@kjmssoft.pl"', '"Jan.Nowak@kjmssoft.pl"',
     "staff[2] (ewa.kos).email", f"already used by {S1}"),
    ("staff", '["opiekun", "oncall"]', '["opiekun", "boss"]',
     f"{S1}.roles", "'boss' is not one of"),
    ("staff", '["opiekun", "oncall"]', "[]", f"{S1}.roles", "at least one"),
    ("staff", 'id = "ewa.kos"', 'id = "jan.nowak"',
     "staff[2] (jan.nowak).id", f"already used by {S1}"),
    ("staff", 'name = "Ewa Kos"', 'name = "Ewa Kos"\ntelefon = "1"',
     "staff[2] (ewa.kos).telefon", "unknown key"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("which", "old", "new", "key", "message"), BROKEN, ids=[b[3] for b in BROKEN]
)
def test_mistake_names_file_entry_and_key(tmp_path, which, old, new, key, message):
    texts = {"staff": STAFF, "clients": CLIENTS}
    assert old in texts[which], "the test must really change the file"
    texts[which] = texts[which].replace(old, new, 1)
    write_rules(tmp_path, **texts)
    with pytest.raises(ConfigError) as info:
        load_rulebook(tmp_path)
    err = info.value
    assert err.file == str(tmp_path / f"{which}.toml")
    assert err.key == key
    assert message in str(err)
    assert str(tmp_path / f"{which}.toml") in str(err) and key in str(err)


@pytest.mark.parametrize(
    ("which", "text", "key", "message"),
    [
        ("clients", CLIENTS + "\n[[client]\n", None, "not valid TOML"),
        ("clients", "version = 1\n" + CLIENTS, "version", "unknown key"),
        ("clients", '[client]\nid = "acme"\n', "client", "[[client]]"),
        ("clients", "# nothing yet\n", "client", "at least one [[client]]"),
        ("staff", "", "staff", "at least one [[staff]]"),
    ],
)
def test_file_level_mistakes(tmp_path, which, text, key, message):
    write_rules(tmp_path, **{which: text})
    with pytest.raises(ConfigError) as info:
        load_rulebook(tmp_path)
    assert info.value.file == str(tmp_path / f"{which}.toml")
    assert info.value.key == key
    assert message in str(info.value)


def test_file_not_utf8(tmp_path):
    write_rules(tmp_path)
    (tmp_path / "staff.toml").write_bytes(STAFF.encode("utf-8") + b"# \xff\xfe\n")
    with pytest.raises(ConfigError, match="not valid TOML") as info:
        load_rulebook(tmp_path)
    assert info.value.file == str(tmp_path / "staff.toml")


def test_missing_files(tmp_path):
    with pytest.raises(ConfigError, match="rules directory not found"):
        load_rulebook(tmp_path / "nope")
    (tmp_path / "staff.toml").write_text(STAFF, encoding="utf-8")
    with pytest.raises(ConfigError, match="rules file not found") as info:
        load_rulebook(tmp_path)
    assert info.value.file == str(tmp_path / "clients.toml")


def test_other_rule_files_are_left_alone(tmp_path):
    write_rules(tmp_path)
    (tmp_path / "classify.toml").write_text("anything = 'goes'\n", encoding="utf-8")
    assert len(load_rulebook(tmp_path).clients) == 2


def test_every_mistake_of_a_file_at_once_with_did_you_mean(tmp_path):
    clients = (
        CLIENTS.replace('"526-018-15-96"', '"526-018-15-97"')
        .replace('name = "Beta s.c."', 'name = "Beta s.c."\nadresses = ["x@beta.pl"]')
        .replace('products = ["F-K"]', 'products = ["f-k"]')
    )
    write_rules(tmp_path, clients=clients)
    with pytest.raises(ConfigError) as info:
        load_rulebook(tmp_path)
    lines = str(info.value).splitlines()
    assert len(lines) == 3 and all(str(tmp_path / "clients.toml") in line for line in lines)
    assert "client[1] (acme).nip" in lines[0] and "invalid NIP checksum" in lines[0]
    assert "did you mean 'F-K'" in lines[1]
    assert "client[2] (beta).adresses" in lines[2] and "did you mean 'addresses'?" in lines[2]
    assert info.value.key == "client[1] (acme).nip"
