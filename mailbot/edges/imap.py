"""The IMAP edge: imapclient behind a small interface; its failures become ImapError.

State lives in mailbot's database (UIDVALIDITY + last UID), never in \\Seen: bodies are
fetched with BODY.PEEK[] so a person reading the same mailbox sees nothing change.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import imapclient
from imapclient.exceptions import IMAPClientError, LoginError

from mailbot.errors import ImapAuthError, ImapError
from mailbot.model import FetchedMessage
from mailbot.scrub import NOTHING, Scrubber

_META = re.compile(rb'\bUID (\d+)\b.*\bINTERNALDATE "([^"]+)"')
_META_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)\b")
_IMAPLIB_TRACE = logging.getLogger("imapclient.imaplib")  # where imapclient sends it
_BODY = re.compile(rb"\bUID (\d+)\b.*\bBODY\[\] \{\d+\}$")
TRUNCATED_BODY = 256 * 1024  # body bytes fetched of a message over imap.max_message_size


def _uid_set(uids: list[int]) -> str:
    return ",".join(map(str, uids))


def _quiet_fetch(imap: imaplib.IMAP4, uids: list[int], items: str) -> tuple[str, list]:
    """UID FETCH with imaplib's protocol trace off. imapclient sets imaplib's debug level
    to 5, and at that level imaplib formats every response - each 200 KB literal too -
    with %r for a logger that then drops it, a cost on every message of a backlog (the
    README's benchmarks). The trace stays when that logger is really on."""
    if _IMAPLIB_TRACE.isEnabledFor(logging.DEBUG):
        return imap.uid("FETCH", _uid_set(uids), items)
    level, imap.debug = imap.debug, 0
    try:
        return imap.uid("FETCH", _uid_set(uids), items)
    finally:
        imap.debug = level


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    tls: str  # ssl | starttls | none
    user: str
    password: str
    cafile: Path | None = None
    timeout: float = 60.0
    # XOAUTH2 (Microsoft 365): returns a current access token; password is unused then
    token: Callable[[], str] | None = None

    def __repr__(self) -> str:  # never print the password or the token
        auth = ", xoauth2" if self.token is not None else ""
        return f"ImapSettings({self.user}@{self.host}:{self.port}, tls={self.tls}{auth})"


@runtime_checkable
class Revocable(Protocol):
    """A token source that can drop a token the server refused (edges/oauth.TokenProvider)."""

    def invalidate(self) -> None: ...


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int
    exists: int
    permanent_flags: tuple[bytes, ...] = ()

    def keeps_keyword(self, keyword: str) -> bool:
        """Can we store our own keyword here? (pymap and some Exchange setups cannot.)"""
        return b"\\*" in self.permanent_flags or keyword.encode() in self.permanent_flags


@contextmanager
def converted(what: str, scrub: Scrubber = NOTHING) -> Iterator[None]:
    """Convert library and socket failures into ImapError, once, here. `scrub`: the
    secrets this connection sent; a server may quote them back (`NO ... LOGIN pomoc
    "<password>"`), so the error and the library's exception it chains are scrubbed in
    place: what status, stderr, the database and the self-alarm mail show is clean."""
    try:
        yield
    except ImapError as exc:
        scrub.exception(exc)  # built here from a server's answer (XOAUTH2): in place
        raise
    except LoginError as exc:
        raise ImapAuthError(scrub(f"IMAP {what} refused: {scrub.exception(exc)}")) from exc
    except (IMAPClientError, OSError, ssl.SSLError, EOFError) as exc:
        raise ImapError(scrub(f"IMAP {what} failed: {scrub.exception(exc)}")) from exc


def open_client(s: ImapSettings) -> imapclient.IMAPClient:
    """Connected, TLS set up as configured (implicit or STARTTLS), not logged in."""
    context = ssl.create_default_context(cafile=str(s.cafile) if s.cafile else None)
    with converted(f"connect to {s.host}:{s.port}"):
        client = imapclient.IMAPClient(
            s.host,
            port=s.port,
            ssl=s.tls == "ssl",
            ssl_context=context if s.tls == "ssl" else None,
            timeout=s.timeout,
        )
        sock = client.socket()
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if s.tls == "starttls":
            client.starttls(context)
    return client


class ImapMailbox:
    """One connection, one selected folder at a time."""

    FETCH_META = [b"RFC822.SIZE", b"INTERNALDATE"]

    def __init__(self, settings: ImapSettings):
        self.settings = settings
        self.scrub = Scrubber.of([settings.password])  # XOAUTH2 adds the token at login
        self.client: imapclient.IMAPClient | None = None
        self.selected: str | None = None

    # -- connection -------------------------------------------------------------
    def connect(self) -> None:
        client = open_client(self.settings)
        try:
            self.login(client)
        except BaseException:  # a refused login must not leave the socket open
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        self.client, self.selected = client, None

    def login(self, client: imapclient.IMAPClient) -> None:
        """Password LOGIN or XOAUTH2 on a client from open_client; ImapError when refused.
        Apart from connect so `mailbot doctor` can tell the two failures apart."""
        s = self.settings
        if s.token is not None:
            self._oauth2_login(client)
        else:
            with converted(f"login as {s.user}", self.scrub):
                client.login(s.user, s.password)

    def _oauth2_login(self, client: imapclient.IMAPClient) -> None:
        """AUTHENTICATE XOAUTH2 (SASL string user=..^Aauth=Bearer ..^A^A, built by imapclient).

        A refused token is dropped from the provider's cache, so the next attempt asks the
        identity platform again (a permission granted since, a revoked token)."""
        s = self.settings
        assert s.token is not None
        try:
            with converted(f"login (XOAUTH2) as {s.user}", self.scrub):
                if not client.has_capability("AUTH=XOAUTH2"):
                    raise ImapError(
                        f"IMAP server {s.host} does not offer AUTH=XOAUTH2: check imap.host "
                        '(outlook.office365.com for Microsoft 365) or set imap.auth = "password"'
                    )
                token = s.token()
                self.scrub = Scrubber.of([token])  # the secret this connection sends now
                try:
                    client.oauth2_login(s.user, token)
                except IMAPClientError as exc:
                    if isinstance(s.token, Revocable):
                        s.token.invalidate()
                    said = self.scrub(str(self.scrub.exception(exc)))
                    raise ImapError(
                        f"IMAP login (XOAUTH2) as {s.user} refused: {said}. Check that the "
                        "app has IMAP.AccessAsApp and an Exchange service principal with "
                        "FullAccess to this mailbox (README, Microsoft 365)"
                    ) from exc
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise

    @property
    def connected(self) -> bool:
        return self.client is not None

    def close(self) -> None:
        client, self.client, self.selected = self.client, None, None
        if client is not None:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - the connection may already be dead
                with contextlib.suppress(Exception):
                    client.shutdown()

    def _c(self) -> imapclient.IMAPClient:
        if self.client is None:
            self.connect()
        assert self.client is not None
        return self.client

    # -- folders -------------------------------------------------------------------
    def select(self, folder: str) -> FolderStatus:
        """SELECT (read-write: we move/flag later). One round trip, also when idle."""
        with converted(f"select {folder}", self.scrub):
            info = self._c().select_folder(folder)
        self.selected = folder
        return FolderStatus(
            uidvalidity=int(info[b"UIDVALIDITY"]),
            uidnext=int(info.get(b"UIDNEXT", 0)),
            exists=int(info.get(b"EXISTS", 0)),
            permanent_flags=tuple(info.get(b"PERMANENTFLAGS", ())),
        )

    def ensure_folder(self, folder: str) -> None:
        with converted(f"create {folder}", self.scrub):
            client = self._c()
            if not client.folder_exists(folder):
                client.create_folder(folder)

    # -- search and fetch ------------------------------------------------------------
    def uids_after(self, last_uid: int) -> list[int]:
        # NOOP first: a server need not show mail delivered meanwhile to a selected
        # session before it syncs (Dovecot does not, for SEARCH). `UID SEARCH UID n:*`
        # returns the highest UID even when nothing is newer (RFC 3501 `*`), so filter.
        with converted("search", self.scrub):
            client = self._c()
            client.noop()
            uids = client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(u for u in uids if u > last_uid)

    def uids_upto(self, last_uid: int, *, without_keyword: str | None = None) -> list[int]:
        """Messages at or below the checkpoint still here (left by a crash before the move)."""
        if last_uid < 1:
            return []
        criteria: list[str] = ["UID", f"1:{last_uid}"]
        if without_keyword:
            criteria += ["UNKEYWORD", without_keyword]
        with converted("search", self.scrub):
            uids = self._c().search(criteria)
        return sorted(u for u in uids if u <= last_uid)

    def fetch_meta(self, uids: list[int]) -> dict[int, tuple[int, datetime | None]]:
        if not uids:
            return {}
        with converted("fetch sizes", self.scrub):
            fast = self._raw_meta(uids)
            if fast is not None:
                return fast
            data = self._c().fetch(uids, self.FETCH_META)
        out = {}
        for uid, item in data.items():
            internal = item.get(b"INTERNALDATE")
            if isinstance(internal, datetime):
                internal = internal if internal.tzinfo else internal.replace(tzinfo=UTC)
            else:
                internal = None
            out[int(uid)] = (int(item.get(b"RFC822.SIZE", 0)), internal)
        return out

    def fetch_raw(self, uids: list[int]) -> dict[int, bytes]:
        if not uids:
            return {}
        with converted("fetch bodies", self.scrub):
            fast = self._raw_bodies(uids)
            if fast is not None:
                return fast
            data = self._c().fetch(uids, [b"BODY.PEEK[]"])
        return {int(uid): bytes(item[b"BODY[]"]) for uid, item in data.items() if b"BODY[]" in item}

    # imapclient's response lexer costs ~0.3 ms per message on a backlog (bench/ingest.py);
    # these two FETCHes have a fixed, simple shape, so they are read straight from imaplib
    # and fall back to imapclient whenever a response looks any different.
    def _raw_meta(self, uids: list[int]) -> dict[int, tuple[int, datetime | None]] | None:
        imap = self._c()._imap
        typ, lines = _quiet_fetch(imap, uids, "(UID RFC822.SIZE INTERNALDATE)")
        if typ != "OK":
            return None
        out = {}
        for line in lines:
            m = _META.search(line) if isinstance(line, bytes) else None
            if m is None:
                return None
            size = _META_SIZE.search(line)
            if size is None:
                return None
            try:
                internal = datetime.strptime(m.group(2).decode(), "%d-%b-%Y %H:%M:%S %z")
            except ValueError:
                internal = None
            out[int(m.group(1))] = (int(size.group(1)), internal)
        return out

    def _raw_bodies(self, uids: list[int]) -> dict[int, bytes] | None:
        imap = self._c()._imap
        typ, parts = _quiet_fetch(imap, uids, "(UID BODY.PEEK[])")
        if typ != "OK":
            return None
        out = {}
        for part in parts:
            if part == b")":
                continue
            if not isinstance(part, tuple) or len(part) != 2:
                return None
            m = _BODY.search(part[0])
            if m is None:
                return None
            out[int(m.group(1))] = part[1]
        return out

    def fetch_truncated(self, uid: int, body_limit: int) -> bytes:
        """Header plus the first `body_limit` bytes of the body: never the whole giant."""
        with converted("fetch partial", self.scrub):
            data = self._c().fetch(
                [uid], [b"BODY.PEEK[HEADER]", f"BODY.PEEK[TEXT]<0.{body_limit}>".encode()]
            )
        item = data.get(uid, {})
        header = bytes(item.get(b"BODY[HEADER]", b""))
        text = next((bytes(v) for k, v in item.items() if k.startswith(b"BODY[TEXT]")), b"")
        return header + text

    def fetch_messages(
        self,
        folder: str,
        uidvalidity: int,
        uids: list[int],
        max_size: int,
        meta: dict[int, tuple[int, datetime | None]] | None = None,
    ) -> list[FetchedMessage]:
        """Sizes first (unless the caller has them: ``fetch_meta``), then full bodies for
        ordinary mail and a bounded part for giants."""
        meta = self.fetch_meta(uids) if meta is None else meta
        small = [u for u in uids if u in meta and meta[u][0] <= max_size]
        raws = self.fetch_raw(small)
        out: list[FetchedMessage] = []
        for uid in uids:
            if uid not in meta:
                continue  # expunged meanwhile by someone else: nothing to record
            size, internal = meta[uid]
            if size > max_size:
                raw = self.fetch_truncated(uid, min(max_size, TRUNCATED_BODY))
                out.append(FetchedMessage(folder, uid, uidvalidity, raw, size, internal, True))
            elif uid in raws:
                out.append(FetchedMessage(folder, uid, uidvalidity, raws[uid], size, internal))
        return out

    # -- after commit ---------------------------------------------------------------------
    def move(self, uids: Iterable[int], target: str) -> None:
        uids = sorted(set(uids))
        if not uids:
            return
        with converted(f"move to {target}", self.scrub):
            client = self._c()
            if client.has_capability("MOVE"):
                client.move(uids, target)
            else:
                client.copy(uids, target)
                client.delete_messages(uids)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)
                else:
                    client.expunge()

    def flag(self, uids: Iterable[int], keyword: str) -> None:
        uids = sorted(set(uids))
        if uids:
            with converted("flag", self.scrub):
                self._c().add_flags(uids, [keyword], silent=True)
