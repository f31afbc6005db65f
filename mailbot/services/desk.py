"""A Desk built from the config with only what an action needs: every action needs the
rules; closing, replying and linking also the outbox (templates); linking the decider.
The daemon builds its outbox and decider with the same two functions."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from mailbot.services.base import Desk
from mailbot.settings.config import Config
from mailbot.settings.rules import Rules, load_rules

if TYPE_CHECKING:  # imported when used: read-only commands start without them
    from mailbot.intake.decider import Decider
    from mailbot.outgoing.outbox import Outbox
    from mailbot.outgoing.render import TemplateSet


def build_desk(
    config: Config,
    *,
    mail: bool = False,
    decide: bool = False,
    templates: TemplateSet | None = None,
) -> Desk:
    """ConfigError for a mistake in rules/ or templates/ (the CLI: one line, exit 2).
    `templates`: a set already loaded and checked (else templates/ is read)."""
    rules = load_rules(config.rules_dir)
    outbox = outbox_for(config, rules, templates) if mail else None
    decider = decider_for(config, rules) if decide else None
    return Desk(rules, config.tz, outbox, decider, config.rules_dir)


def outbox_for(config: Config, rules: Rules, templates: TemplateSet | None = None) -> Outbox:
    """The outbox with the config's policy: the daemon's and the staff actions' alike."""
    from mailbot.outgoing.compose import make_message_id
    from mailbot.outgoing.links import ack_links
    from mailbot.outgoing.outbox import Outbox, OutboxPolicy
    from mailbot.outgoing.render import TemplateSet

    sms = config.sms
    policy = OutboxPolicy(
        config.replies_per_sender_per_hour,
        config.max_attempts,
        sms=bool(sms and sms.channel != "none"),
        sms_transliterate=sms.transliterate if sms else True,
        page_window=timedelta(seconds=config.page_window),
        base_url=config.web_base_url,
    )
    templates = templates or TemplateSet.load(config.templates_dir)
    return Outbox(templates, rules, policy, make_message_id, ack_links(config.web))


def decider_for(config: Config, rules: Rules) -> Decider:
    """The intake decision with the config's own addresses, trusted servers and rota."""
    from mailbot.intake.decider import Decider, rota_lookup
    from mailbot.store import ledger as ledger_store

    return Decider(
        rules,
        config.tz,
        own_addresses=config.own_addresses,
        trusted_authserv_ids=config.trusted_authserv_ids,
        oncall=rota_lookup(rules.oncall),
        package_state=ledger_store.package_state,
    )
