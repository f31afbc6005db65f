"""A private Dovecot that also accepts AUTHENTICATE XOAUTH2.

Dovecot 2.3's `passdb oauth2` parses the SASL string itself (user=...^Aauth=Bearer ...^A^A)
and asks an introspection URL whether the token is active and whose it is; the user in
the SASL string must match. A refused token gets Dovecot's real failure: a `+` continuation
carrying base64 JSON {"status":"401","schemes":"bearer",...}, then NO [AUTHENTICATIONFAILED].
Password LOGIN keeps working (passwd-file), so tests/servers.py's helpers (append, uids)
work unchanged.
"""

from __future__ import annotations

from pathlib import Path

from tests.servers import Dovecot

_PASSDB = "passdb {\n  driver = passwd-file"
_OAUTH_PASSDB = """passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {ext}
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login"""


class OAuthDovecot(Dovecot):
    kind = "dovecot-oauth"
    introspection_url = ""  # set on the subclass made by start_with()

    @classmethod
    def start_with(cls, base_dir: Path, introspection_url: str) -> OAuthDovecot:
        bound = type("BoundOAuthDovecot", (cls,), {"introspection_url": introspection_url})
        server = bound.start(base_dir)
        assert isinstance(server, OAuthDovecot)
        return server

    def _write_config(self) -> None:
        super()._write_config()
        ext = self.root / "oauth2.conf.ext"
        ext.write_text(
            "introspection_mode = post\n"
            f"introspection_url = {self.introspection_url}\n"
            "force_introspection = yes\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n"
        )
        text = self.config.read_text()
        for old, new in (
            ("auth_mechanisms = plain login", "auth_mechanisms = plain login xoauth2 oauthbearer"),
            (_PASSDB, _OAUTH_PASSDB.format(ext=ext)),
        ):
            if text.count(old) != 1:
                raise RuntimeError(f"tests/servers.py's Dovecot config changed: {old!r} not found")
            text = text.replace(old, new)
        self.config.write_text(text + "auth_verbose = yes\n")
