"""What the console needs at hand, built from the config: the database, the staff
actions' Desk (rules, templates, outbox, decider), the raw store, the signing key, the
clock. No daemon, no mailbox, no workers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mailbot.edges.oidc import OidcClient, OidcSettings
from mailbot.outgoing.links import AckLinks, load_secret
from mailbot.services.base import Desk
from mailbot.services.desk import build_desk
from mailbot.settings.config import Config, WebConfig
from mailbot.settings.rules import Rules
from mailbot.store.db import make_engine, session_factory
from mailbot.store.rawstore import RawStore
from mailbot.web.auth import CookieSessions


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

    @classmethod
    def from_config(cls, config: Config, *, clock: Callable[[], datetime] = utc_now) -> Console:
        """ConfigError for broken rules or templates; ValueError for an unusable key file."""
        web = config.web
        assert web is not None  # load_config always reads [web]
        secret = load_secret(web.secret_key_file)
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
        )

    @property
    def rules(self) -> Rules:
        return self.desk.rules

    def reload_rules(self) -> None:
        """Read rules/ again after the console itself changed clients.toml (an address
        registered while linking a ticket), so this instance sees it at once; the daemon
        and other instances see it after a restart, as with any edit of rules/."""
        self.desk = build_desk(self.config, mail=True, decide=True)

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
