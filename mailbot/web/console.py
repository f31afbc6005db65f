"""What the console needs at hand, built from the config: the database, the staff
actions' Desk (rules, templates, outbox, decider), the raw store, the signing key, the
clock. No daemon, no mailbox, no workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mailbot.edges.oidc import OidcClient, OidcSettings
from mailbot.errors import ConfigError
from mailbot.outgoing.links import AckLinks, load_secret
from mailbot.outgoing.render import TemplateSet
from mailbot.outgoing.template_check import checked
from mailbot.services.base import Desk
from mailbot.services.desk import build_desk
from mailbot.settings.config import Config, WebConfig
from mailbot.settings.rules import Rules, Stamp, rules_stamp, templates_stamp
from mailbot.store.db import make_engine, session_factory
from mailbot.store.rawstore import RawStore
from mailbot.web.auth import CookieSessions

log = logging.getLogger("mailbot.web")


def _stamps(config: Config) -> tuple[Stamp, Stamp]:
    return rules_stamp(config.rules_dir), templates_stamp(config.templates_dir)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Console:
    config: Config
    web: WebConfig
    desk: Desk
    engine: Engine
    sessions: sessionmaker[Session]
    raw_store: RawStore
    cookies: CookieSessions
    links: AckLinks
    clock: Callable[[], datetime] = utc_now
    oidc: OidcClient | None = None  # "Zaloguj przez Microsoft" ([web] oidc_issuer)
    rules_seen: tuple[Stamp, Stamp] = ((), ())  # rules/ and templates/ (_stamps)

    @classmethod
    def from_config(cls, config: Config, *, clock: Callable[[], datetime] = utc_now) -> Console:
        """ConfigError for broken rules or templates; ValueError for an unusable key file."""
        web = config.web
        assert web is not None  # load_config always reads [web]
        secret = load_secret(web.secret_key_file)
        seen = _stamps(config)
        desk = build_desk(config, mail=True, decide=True)
        engine = make_engine(config.database_url)
        return cls(
            config=config,
            web=web,
            desk=desk,
            engine=engine,
            sessions=session_factory(engine),
            raw_store=RawStore(config.raw_dir),
            cookies=CookieSessions(secret, web.session_lifetime),
            links=AckLinks(secret, web.ack_link_lifetime, web.base_url),
            clock=clock,
            oidc=_oidc(web),
            rules_seen=seen,
        )

    @property
    def rules(self) -> Rules:
        return self.desk.rules

    def refresh_rules(self) -> None:
        """Read rules/ and templates/ again when a file there changed (an address this
        console or another registered, a person added to staff.toml, a template's
        wording), checked before every page (a few stat calls). A broken edit keeps what
        is in use and is logged once; templates must pass `mailbot rules check`."""
        seen = _stamps(self.config)
        if seen == self.rules_seen:
            return
        changed_templates = seen[1] != self.rules_seen[1]
        self.rules_seen = seen
        outbox = self.desk.outbox
        templates = outbox.templates if outbox is not None else None
        try:
            if changed_templates or templates is None:
                templates = checked(TemplateSet.load(self.config.templates_dir))
            # the set just checked (or the one in use), not another read of the folder
            self.desk = build_desk(self.config, mail=True, decide=True, templates=templates)
        except ConfigError as exc:
            log.error("rules/ or templates/ changed but cannot be used; what was read before "
                      "stays in use until it is fixed: %s", exc)  # fmt: skip
            return
        log.info("rules/ and templates/ read again after a change")

    def ack_url(self, ticket: str, staff_id: str) -> str:
        """The one-tap link for an on-call alert (relative without [web] base_url)."""
        return self.links.url(ticket, staff_id)

    def close(self) -> None:
        self.raw_store.close()
        self.engine.dispose()


def _oidc(web: WebConfig) -> OidcClient | None:
    o = web.oidc
    if o is None:
        return None
    return OidcClient(OidcSettings(o.issuer, o.client_id, o.redirect_uri, o.client_secret))
