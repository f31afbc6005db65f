"""A Desk built from the config with only what an action needs: every action needs the
rules; closing, replying and linking also the outbox (templates); linking the decider.
The daemon builds its own from the same config (daemon.App), with the same policy."""

from __future__ import annotations

from datetime import timedelta

from mailbot.services.base import Desk
from mailbot.settings.config import Config
from mailbot.settings.rules import load_rules


def build_desk(config: Config, *, mail: bool = False, decide: bool = False) -> Desk:
    """ConfigError for a mistake in rules/ or templates/ (the CLI: one line, exit 2)."""
    rules = load_rules(config.rules_dir)
    outbox = decider = None
    if mail:
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
        outbox = Outbox(TemplateSet.load(config.templates_dir), rules, policy, make_message_id,
                        ack_links(config.web))  # fmt: skip
    if decide:
        from mailbot.intake.decider import Decider, rota_lookup
        from mailbot.store import ledger as ledger_store

        decider = Decider(
            rules,
            config.tz,
            own_addresses=config.own_addresses,
            trusted_authserv_ids=config.trusted_authserv_ids,
            oncall=rota_lookup(rules.oncall),
            package_state=ledger_store.package_state,
        )
    return Desk(rules, config.tz, outbox, decider, config.rules_dir)
