"""The decision as the stable JSON document of `mailbot explain --json` (EXPLAIN.md).

Keys and meanings are fixed there: add keys, never rename. Times are ISO 8601 with the
Europe/Warsaw offset, hours decimal strings, unknown or not applicable is null.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.core.decide import IntakeDecision
from mailbot.core.threads import ThreadMatch
from mailbot.model import InboundMail


def _iso(dt: datetime | None, tz: ZoneInfo) -> str | None:
    return dt.astimezone(tz).isoformat() if dt else None


def explain_document(
    mail: InboundMail,
    received_at: datetime,
    decision: IntakeDecision,
    thread: ThreadMatch,
    *,
    client_name: str | None,
    tz: ZoneInfo,
) -> dict[str, Any]:
    d = decision
    package = None
    if d.package is not None:
        package = {
            "hours_left": str(d.package.hours_left),
            "valid_until": d.package.valid_until.isoformat() if d.package.valid_until else None,
            "valid": d.package.valid,
        }
    client = None
    if d.client_id is not None:
        client = {
            "id": d.client_id,
            "name": client_name,
            "contract": d.contract,
            "addons": list(d.addons),
        }
    return {
        "message": {
            "message_id": mail.message_id,
            "from": {
                "name": mail.sender.name if mail.sender else None,
                "address": mail.sender.address if mail.sender else None,
            },
            "subject": mail.subject,
            "date": _iso(mail.date, tz),
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in mail.attachments
            ],
            "automatic": d.automatic,
            # additions: the From header as received, and why the parsed sender is doubtful
            "from_raw": mail.from_raw,
            "sender_doubt": mail.sender_doubt,
        },
        "received_at": _iso(received_at, tz),
        "client": client,
        "trust": d.trust,
        "product": d.product,
        "scope": d.scope,
        "emergency": d.emergency,
        "urgency": {"score": round(d.score, 3), "reasons": list(d.urgency_reasons)},
        # addition: close to an emergency (the "possible" band of rules/classify.toml)
        "possible_emergency": d.possible,
        "covered": d.covered,
        "state": d.state,
        "priority": d.priority,
        "deadline": _iso(d.deadline, tz),
        "reply": d.reply,
        "alerts": [
            {
                "to": a.to,
                "role": a.role,
                "channels": list(a.channels),
                "at": _iso(a.at, tz),
                "possible": a.possible,
            }
            for a in d.alerts
        ],
        "billing": d.billing,
        "package": package,
        "thread": {
            "ticket": thread.ticket,
            "reason": thread.reason,
            # additions: who wrote relative to that ticket, and a ticket named but not joined
            "author": thread.author,
            "third_party": thread.third_party,
            "named_ticket": thread.named,
        },
        "rules": list(d.rules),
        # addition: every check the decision ran, in order, hit or miss, and why; `rules`
        # are the rule ids of its hits
        "trace": [{"rule": s.rule, "hit": s.hit, "reason": s.reason} for s in d.trace],
        # additions (EXPLAIN.md allows new keys)
        "contract": d.contract,
        "reasons": list(d.reasons),
        "trust_reasons": list(d.trust_reasons),
    }
