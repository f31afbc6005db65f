"""The template check `mailbot rules check`, `mailbot doctor` and start-up run over
templates/: every template rendered against realistic sample contexts, and read for
variables mailbot never provides. Apart from render.py because it is a check of the
support team's files, not a part of sending mail; the sample contexts are also the
contract with the templates (templates/README.md) and the golden tests' inputs.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import jinja2
from jinja2 import meta

from mailbot.errors import ConfigError
from mailbot.outgoing.render import (
    ALERT_MAIL,
    MORE_MAIL,
    MORE_SMS,
    PARTS,
    REPLY_NAMES,
    SMS,
    SMS_LIMIT,
    WARSAW,
    Context,
    TemplateSet,
    gsm7_length,
)

# checked by digest_mail.check_digest_templates (all_problems runs both)
DIGEST_FILES = frozenset(f"digest.{p}.j2" for p in PARTS)
# every template file mailbot needs -> the kind it belongs to
EXPECTED = {f"{n}.{p}.j2": n for n in (*REPLY_NAMES, ALERT_MAIL, MORE_MAIL) for p in PARTS}
EXPECTED |= {f"{n}.txt.j2": n for n in (SMS, MORE_SMS)}


def checked(templates: TemplateSet) -> TemplateSet:
    """`templates`, or ConfigError naming every problem: what start-up refuses, and what a
    reread while running (daemon and console) refuses to use."""
    problems = all_problems(templates)
    if problems:
        raise ConfigError(
            f"{len(problems)} template problem(s): " + "; ".join(problems),
            file=str(templates.directory),
        )
    return templates


def all_problems(templates: TemplateSet) -> list[str]:
    """Every problem of templates/: the replies and alerts (check_all) and the digest's
    (digest_mail.check_digest_templates). What `rules check`, `doctor`, start-up and a
    reread while running all ask."""
    from mailbot.outgoing.digest_mail import check_digest_templates

    return check_all(templates) + check_digest_templates(templates)


def check_all(templates: TemplateSet) -> list[str]:
    """Problems with templates/ in words for the support team ([] when all is well).

    Renders every template against every sample context (one per branch worth trying),
    and reads each template for variables mailbot never provides, so a typo in an
    {% if %} branch that no sample takes is found too. The digest's templates are
    digest_mail.check_digest_templates' to check (this module knows nothing of them)."""
    samples, env = sample_contexts(), templates.env
    present = templates.names() - DIGEST_FILES
    problems = [f"{f}: missing (needed for {k})" for f, k in EXPECTED.items() if f not in present]
    problems += [f"{f}: not used by mailbot (a typo in the name?)"
                 for f in sorted(present - set(EXPECTED)) if not f.startswith("_")]  # fmt: skip
    shared = set.intersection(*(set(samples[n][0]) for n in REPLY_NAMES))  # for _partials
    for file in sorted(present):
        kind = EXPECTED.get(file)
        allowed = {k for ctx in samples[kind] for k in ctx} if kind else shared
        try:
            used = meta.find_undeclared_variables(env.parse(templates.source(file)))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{file}: line {exc.lineno}: {exc.message}")
            continue
        problems += [f"{file}: uses {v!r}, which mailbot does not provide there"
                     for v in sorted(used - allowed - set(env.globals))]  # fmt: skip
    for name, contexts in samples.items():
        if all(f in present for f, n in EXPECTED.items() if n == name):
            for i, ctx in enumerate(contexts, 1):
                try:
                    problems += _check_one(templates, name, ctx, f"{name} (sample {i})")
                except ConfigError as exc:
                    problems.append(f"{name} (sample {i}): {exc}")
    return list(dict.fromkeys(problems))


def _check_one(templates: TemplateSet, name: str, ctx: Context, where: str) -> list[str]:
    if name not in (SMS, MORE_SMS):
        subject = templates.render_reply(name, ctx).subject
        ok = name not in REPLY_NAMES or subject.startswith("Re: ")
        return [] if ok else [f"{where}: a reply's subject must start with 'Re: '"]
    problems = []
    # The client's subject is last and is what a cut takes: the rest must fit on its own.
    full = templates.render_sms({**ctx, "subject": "x"}, cut=False, name=name)
    if (n := gsm7_length(full)) > SMS_LIMIT:
        problems.append(f"{where}: {n} GSM-7 characters, more than {SMS_LIMIT}")
    cut = templates.render_sms({**ctx, "subject": "x " * SMS_LIMIT}, name=name)
    if ctx["ticket"] not in cut:
        problems.append(f"{where}: a long subject cuts off the ticket number (put it last)")
    if any(url not in cut for url in re.findall(r"https?://\S+", full)):
        problems.append(f"{where}: a long subject cuts off the link (put the subject last)")
    return problems


def sample_contexts() -> dict[str, list[Context]]:
    """Realistic contexts per template, one per branch worth rendering. Their keys are the
    contract with the templates (templates/README.md): the code must provide them all."""
    # fmt: off
    at = datetime(2026, 11, 25, 21, 30, tzinfo=WARSAW)  # a Wednesday evening
    d = datetime(2026, 11, 26, 8, 30, tzinfo=WARSAW)  # its R-SLA-1 deadline
    opiekun = {"name": "Jan Wiśniewski", "email": "jan.wisniewski@kjmssoft.pl",
               "phone": "+48601234567"}
    pkg = {"hours_left": Decimal("1.5"), "valid_until": date(2027, 1, 31)}
    t = {"ticket": "KJM-2026-000042", "subject": "Re: Błąd przy zamykaniu miesiąca w F-K <pilne>"}
    c = {**t, "client_name": "Piekarnia Kowalski Sp. z o.o."}
    em = {**c, "contract": "opieka", "hardware_suspected": False, "received_at": at,
          "checked_by": d.replace(hour=9, minute=0), "deadline": d, "oncall_alerted": True,
          "billing": "billable", "package": None}
    pak = {"contract": "pakiet", "deadline": None, "billing": "double", "package": pkg}
    who = {**t, "sender": "m.kowalski@piekarnia-kowalski.pl"}
    closed = {**t, "closed_at": d.replace(hour=11, minute=5), "resolution": None,
              "hours_charged": None, "package": None}
    url = "https://pomoc.kjmssoft.pl/tickets/KJM-2026-000042"
    alert = {**c, "contract": "opieka", "possible": False, "hardware_suspected": False,
             "sender": "biuro@piekarnia-kowalski.pl", "product": "F-K",
             "received_at": at, "deadline": d, "billing": "billable", "opiekun": opiekun,
             "role": "oncall", "step": "receipt", "minutes_left": None, "ticket_url": url,
             "ack_url": "https://pomoc.kjmssoft.pl/ack/KJM-2026-000042.eN4ioA.aw-QFg.NIcDtQ2rkEA",
             "rules": ["R-HRS-3", "R-SLA-1"], "phones": ["+48601234567", "+48895551234"],
             "reasons": ["awaria: nie uruchamia", "wszędzie: żaden komputer"],
             "excerpt": "Od rana żaden komputer nie uruchamia F-K.\nKomunikat: <Błąd 0x80004005>"}
    remind = {**alert, "step": "reminder", "minutes_left": 30}
    long = {"client_name": "Przedsiębiorstwo Handlowo-Usługowe „Źródło” Spółka z o.o. sp.k.",
            "subject": "Odp: PILNE!!! F-K nie działa na żadnym stanowisku"}
    expired = {**pkg, "valid_until": date(2026, 10, 1)}
    more = {"ticket": "KJM-2026-000061", "count": 19, "client_name": c["client_name"],
            "sender": "biuro@piekarnia-kowalski.pl", "step": "receipt", "window_minutes": 10,
            "queue_url": "https://pomoc.kjmssoft.pl/queue",
            "ticket_url": "https://pomoc.kjmssoft.pl/tickets/KJM-2026-000061",
            "tickets": [{"ticket": f"KJM-2026-0000{n}", "subject": "AWARIA F-K <pilne>",
                         "received_at": at} for n in range(43, 62)]}
    return {
        "ack_opieka": [{**c, "opiekun": opiekun}, {**c, "opiekun": {**opiekun, "phone": None}}],
        "ack_opieka_emergency": [{**c, "opiekun": o, "deadline": dl, "hardware_suspected": h}
                                 for o, dl, h in ((opiekun, d, False), (None, None, True))],
        "ack_pakiet": [{**c, "package": pkg, "hardware_suspected": False},
                       {**c, "package": {**pkg, "valid_until": None}, "hardware_suspected": True}],
        "no_package": [{**c, "contract": "pakiet", "package": {**pkg, "hours_left": Decimal(0)}},
                       {**c, "contract": "pakiet", "package": expired},
                       {**c, "contract": "brak", "package": None}],
        "unknown_sender": [who],
        "unregistered_sender": [who],
        "out_of_scope": [{**c, "scope": s} for s in ("programming", "hardware", "visit", "other")],
        "outside_hours": [{**c, "received_at": at, "handle_from": d.replace(hour=7, minute=0)}],
        "outside_hours_emergency": [em, {**em, "billing": "none", "oncall_alerted": False},
                                    {**em, **pak, "hardware_suspected": True}],
        "follow_up": [t],
        "ticket_released": [{**c, "package": pkg}],
        "ticket_closed": [closed, {**closed, "resolution": "Odbudowano indeks tabeli dokumentów.",
                                   "hours_charged": Decimal("0.5"), "package": pkg}],
        ALERT_MAIL: [alert, {**alert, "role": "opiekun"},
                     {**alert, **pak, "opiekun": None, "ticket_url": "", "ack_url": "",
                      "phones": []},
                     {**alert, "ack_url": ""},
                     remind, {**remind, "role": "manager", "product": "other"},
                     {**alert, "step": "breach", "role": "manager", "client_name": None,
                      "contract": None},
                     {**alert, "possible": True, "deadline": None, "billing": "none"},
                     {**alert, "hardware_suspected": True}],
        SMS: [alert, {**alert, **long}, {**remind, **long},
              {**alert, **pak, "step": "breach", "role": "manager", "client_name": None},
              {**alert, "ticket_url": "", "ack_url": ""}, {**alert, "ack_url": ""},
              {**alert, **long, "possible": True, "deadline": None}],
        MORE_MAIL: [more, {**more, "step": "breach", "client_name": None, "count": 1,
                           "queue_url": "", "ticket_url": ""}],
        MORE_SMS: [more, {**more, **long, "step": "reminder"}],
    }
    # fmt: on
