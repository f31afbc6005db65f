"""The staff commands on the services' SQLite fixtures (no servers)."""

from tests.services.conftest import config, desk, migrated, receive, rules_dir, sessions

__all__ = ["config", "desk", "migrated", "receive", "rules_dir", "sessions"]
