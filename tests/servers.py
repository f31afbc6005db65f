"""Private, throwaway Dovecot and PostgreSQL servers for tests and benchmarks.

Plain importable code (no pytest): ``tests/conftest.py`` wraps it in fixtures, and the
benchmarks in ``bench/`` use it directly::

    from tests.servers import Dovecot, Postgres

    with Dovecot.start(tmp / "dovecot") as imap:
        imap.append("INBOX", b"Subject: hi\\r\\n\\r\\nbody\\r\\n")

    with Postgres.start(tmp / "pg") as pg:
        pg.create_database("mailbot")
        url = pg.url("mailbot")

Both need root on Debian (``dovecot-imapd``; PostgreSQL binaries in
``/usr/lib/postgresql/*/bin``), as ``scripts/test.sh`` sets up; see
``shared/docs/INFRA.md`` for where the settings come from.

Dovecot and PostgreSQL drop privileges (to ``mail``/``dovecot``/``postgres``), so the
directory they run in must be reachable by those users. pytest's ``/tmp/pytest-of-root``
is ``0700`` (and pytest resets it at every start), so when ``base_dir`` is not reachable
the instance is placed in a fresh ``mailbot-<kind>-<pid>-*`` directory instead (in
``/dev/shm`` when possible, see ``_runtime_parent``), linked from ``base_dir/instance`` and
removed by ``close()`` (or leaving the ``with`` block); ones left by killed runs are swept.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import glob
import grp
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Dovecot", "ImapAccount", "Postgres", "ServerError", "free_port"]


class ServerError(RuntimeError):
    """A test server could not be started or driven."""


# --------------------------------------------------------------------------- helpers


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now (the OS's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _session_names(sid: int) -> set[str]:
    """Command names of the live processes in session ``sid``, the leader left out."""
    names = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == sid:
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as f:
                head, _, rest = f.read().rpartition(")")
        except OSError:
            continue
        fields = rest.split()
        if len(fields) > 3 and fields[0] != "Z" and int(fields[3]) == sid:
            names.add(head.partition("(")[2])
    return names


def _reachable_by(path: Path, username: str) -> bool:
    """Whether ``username`` may traverse every directory from / down to ``path``."""
    pw = pwd.getpwnam(username)
    gids = {pw.pw_gid} | {g.gr_gid for g in grp.getgrall() if username in g.gr_mem}
    for p in [path, *path.parents]:
        st = p.stat()
        if st.st_uid == pw.pw_uid:
            ok = st.st_mode & 0o100
        elif st.st_gid in gids:
            ok = st.st_mode & 0o010
        else:
            ok = st.st_mode & 0o001
        if not ok:
            return False
    return True


def _is_root() -> bool:
    return os.geteuid() == 0


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _run(cmd: Sequence[str | os.PathLike[str]], **kw: Any) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw
    )
    if res.returncode != 0:
        raise ServerError(
            f"{' '.join(map(str, cmd))} exited {res.returncode}\n{res.stdout}\n{res.stderr}"
        )
    return res


def _runtime_parent() -> Path:
    """Where instance directories go when base_dir is unusable: $MAILBOT_TEST_RUNTIME_DIR,
    else /dev/shm when it has room (tmpfs: on a busy disk, creating a database or storing
    mail is ~10x faster there), else the temp dir."""
    env = os.environ.get("MAILBOT_TEST_RUNTIME_DIR")
    if env:
        Path(env).mkdir(parents=True, exist_ok=True)
        return Path(env)
    shm = Path("/dev/shm")
    with contextlib.suppress(OSError):
        st = os.statvfs(shm)
        if os.access(shm, os.W_OK | os.X_OK) and st.f_bavail * st.f_frsize > 2 << 30:
            return shm
    return Path(tempfile.gettempdir())


def _sweep_stale(parent: Path) -> None:
    """Remove instance directories left by test runs that were killed (their pid is gone)."""
    for d in parent.glob("mailbot-*-*-*"):
        m = re.fullmatch(r"mailbot-(?:dovecot|postgres)-(\d+)-\w+", d.name)
        if m and not Path(f"/proc/{m.group(1)}").exists() and d.is_dir():
            shutil.rmtree(d, ignore_errors=True)


_RUNNING: set[Any] = set()  # started and not stopped yet


@atexit.register
def _stop_leftovers() -> None:  # a safety net: a crashed test run must not leak servers
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop()


class _Server:
    """Shared life cycle: a root directory (maybe outside ``base_dir``), stop/close."""

    kind = "server"

    def __init__(self, base_dir: Path, service_users: Sequence[str]) -> None:
        base_dir = Path(base_dir).absolute()
        base_dir.mkdir(parents=True, exist_ok=True)
        self.base_dir = base_dir
        self._own_root = False
        if all(_reachable_by(base_dir, u) for u in service_users):
            self.root = base_dir
        else:
            parent = _runtime_parent()
            _sweep_stale(parent)
            prefix = f"mailbot-{self.kind}-{os.getpid()}-"
            self.root = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
            self._own_root = True
            link = base_dir / "instance"
            with contextlib.suppress(OSError):
                link.unlink()
            with contextlib.suppress(OSError):
                link.symlink_to(self.root)
            self.root.chmod(0o755)

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        """Stop, and delete the instance directory when it was made outside base_dir."""
        self.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)
            with contextlib.suppress(OSError):
                (self.base_dir / "instance").unlink()
            self._own_root = False

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- Dovecot


def find_dovecot() -> str | None:
    """Path of the ``dovecot`` binary, or None when Dovecot is not installed."""
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None,
    )


_DOVECOT_CONF = """\
# Private test instance (tests/servers.py); Dovecot 2.3 syntax.
instance_name = {instance_name}
base_dir  = {root}/run
state_dir = {root}/state
log_path  = {root}/dovecot.log
protocols = imap
listen    = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {mail_uid}
mail_location = maildir:{root}/mail/%u/Maildir
mail_fsync = never
passdb {{
  driver = passwd-file
  # one file per user: Dovecot re-reads a changed passwd-file at most once a second,
  # but opens a file it has not seen at once, so add_user() works without a wait
  args = scheme=PLAIN username_format=%u {root}/passwd.d/%u
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key  = <{root}/key.pem
service imap-login {{
  # one long-lived login process: a new connection + LOGIN takes ~7 ms instead of ~15
  service_count = 0
  process_min_avail = 1
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
protocol imap {{
  mail_max_userip_connections = 1000
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) ([\d:,]+)\]", re.I)


def _uid_set(text: bytes) -> list[int]:
    out: list[int] = []
    for part in text.split(b","):
        lo, _, hi = part.partition(b":")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def _make_cert(root: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ServerError("openssl is not installed (apt-get install openssl)")
    _run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "3650", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", root / "key.pem", "-out", root / "cert.pem",
        ]
    )  # fmt: skip
    (root / "key.pem").chmod(0o600)


class ImapAccount:
    """One user of a :class:`Dovecot` instance, with helpers that talk IMAP as that user."""

    def __init__(self, server: Dovecot, user: str, password: str) -> None:
        self.server = server
        self.user = user
        self.password = password

    def __repr__(self) -> str:
        return f"<ImapAccount {self.user}@{self.host}:{self.port}>"

    # connection data, as the daemon under test needs it
    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def tls_port(self) -> int:
        return self.server.tls_port

    @property
    def cafile(self) -> Path:
        return self.server.cafile

    @property
    def maildir(self) -> Path:
        """The user's Maildir (INBOX); other folders are ``maildir / ".Name"``."""
        return self.server.root / "mail" / self.user / "Maildir"

    def ssl_context(self) -> ssl.SSLContext:
        return self.server.ssl_context()

    def connect(self, *, tls: bool = False, timeout: float = 10.0):
        """A logged-in ``imapclient.IMAPClient``; use it as a context manager (logs out)."""
        return self.server.connect(self.user, self.password, tls=tls, timeout=timeout)

    # folders
    def folder_exists(self, name: str) -> bool:
        with self.connect() as c:
            return bool(c.folder_exists(name))

    def create_folder(self, name: str) -> None:
        with self.connect() as c:
            self._ensure_folder(c, name)

    @staticmethod
    def _ensure_folder(client: Any, folder: str) -> None:
        if folder.upper() != "INBOX" and not client.folder_exists(folder):
            client.create_folder(folder)
            client.subscribe_folder(folder)

    # writing
    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Iterable[bytes | str] = (),
        date: dt.datetime | None = None,
    ) -> int:
        """APPEND one message (bytes kept exactly); creates the folder; returns its UID."""
        with self.connect() as c:
            self._ensure_folder(c, folder)
            resp = c.append(folder, raw, flags=tuple(flags), msg_time=date)
        m = _APPENDUID.search(resp if isinstance(resp, bytes) else str(resp).encode())
        if not m:
            raise ServerError(f"no APPENDUID in {resp!r}")
        return _uid_set(m.group(2))[-1]

    def append_many(
        self,
        folder: str,
        raws: Iterable[bytes],
        flags: Iterable[bytes | str] = (),
        batch: int = 500,
        batch_bytes: int = 32 << 20,
    ) -> list[int]:
        """APPEND many messages on one connection, ``batch`` (or ``batch_bytes``) per
        MULTIAPPEND command; creates the folder; returns the UIDs in the order given.

        Measured: ~12,000 msg/s for 2 KB messages, ~600 msg/s (120 MB/s) for 200 KB ones,
        against ~60/s for :meth:`append` (a connection each) and ~500/s for APPEND one by
        one on one connection; writing files into Maildir/new was no faster (~10,000/s)."""
        flags = tuple(flags)
        uids: list[int] = []

        def send(client: Any, chunk: list[bytes]) -> None:
            msgs = [{"msg": r, "flags": flags} if flags else r for r in chunk]
            resp = client.multiappend(folder, msgs)
            m = _APPENDUID.search(resp if isinstance(resp, bytes) else str(resp).encode())
            if not m:
                raise ServerError(f"no APPENDUID in {resp!r}")
            got = _uid_set(m.group(2))
            if len(got) != len(chunk):
                raise ServerError(f"APPENDUID names {len(got)} UIDs for {len(chunk)} msgs")
            uids.extend(got)

        with self.connect() as c:
            self._ensure_folder(c, folder)
            chunk: list[bytes] = []
            size = 0
            for raw in raws:
                chunk.append(raw)
                size += len(raw)
                if len(chunk) >= batch or size >= batch_bytes:
                    send(c, chunk)
                    chunk, size = [], 0
            if chunk:
                send(c, chunk)
        return uids

    def delete_folder(self, name: str) -> None:
        with self.connect() as c:
            if c.folder_exists(name):
                c.delete_folder(name)

    # reading
    def uids(self, folder: str = "INBOX") -> list[int]:
        """All UIDs in ``folder`` (ascending); [] when the folder does not exist."""
        with self.connect() as c:
            if not c.folder_exists(folder):
                return []
            c.select_folder(folder, readonly=True)
            return sorted(c.search("ALL"))

    def fetch_flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        """``{uid: flags}`` for every message in ``folder`` (``\\Recent`` left out)."""
        return {
            uid: tuple(f for f in data[b"FLAGS"] if f != b"\\Recent")
            for uid, data in self._fetch_all(folder, [b"FLAGS"]).items()
        }

    def fetch_raw(self, folder: str = "INBOX") -> dict[int, bytes]:
        """``{uid: exact bytes}`` (BODY.PEEK[], so \\Seen is not set)."""
        return {
            uid: data[b"BODY[]"] for uid, data in self._fetch_all(folder, [b"BODY.PEEK[]"]).items()
        }

    def _fetch_all(self, folder: str, items: list[bytes]) -> dict[int, dict[bytes, Any]]:
        with self.connect() as c:
            if not c.folder_exists(folder):
                return {}
            c.select_folder(folder, readonly=True)
            uids = sorted(c.search("ALL"))
            out: dict[int, dict[bytes, Any]] = {}
            for i in range(0, len(uids), 500):  # explicit UID lists: imapclient 4.1 and "n:*"
                out.update(c.fetch(uids[i : i + 500], items))
            return dict(sorted(out.items()))

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.connect() as c:
            return int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def reset(self) -> None:
        """Delete this user's whole mailbox (see :meth:`Dovecot.reset_mailbox`)."""
        self.server.reset_mailbox(self.user)


class Dovecot(_Server):
    """A private Dovecot 2.3 on loopback: plain IMAP on ``port``, implicit TLS on ``tls_port``.

    ``Dovecot.start(base_dir)``; the default user's helpers (append, uids, ...) are
    forwarded from :class:`ImapAccount`; ``add_user`` makes more users on the fly."""

    kind = "dovecot"
    host = "127.0.0.1"
    _names = itertools.count(1)
    _lock = threading.Lock()

    def __init__(self, base_dir: Path, user: str, password: str) -> None:
        binary = find_dovecot()
        if binary is None:
            raise ServerError("Dovecot is not installed (apt-get install dovecot-imapd)")
        if not _is_root():
            raise ServerError("the private Dovecot instance needs root (it switches to 'mail')")
        super().__init__(base_dir, ["mail", "dovecot", "dovenull"])
        self.binary = binary
        self.mail_uid = pwd.getpwnam("mail").pw_uid
        self.mail_gid = grp.getgrnam("mail").gr_gid
        self.user = user
        self.password = password
        self.port = 0
        self.tls_port = 0
        with Dovecot._lock:  # names the processes in ps: dovecot-<instance_name>/imap
            self.instance_name = f"mailbot-test-{os.getpid()}-{next(Dovecot._names)}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._users: dict[str, str] = {}
        self.cafile = self.root / "cert.pem"
        self.config = self.root / "dovecot.conf"
        self.log = self.root / "dovecot.log"

    @classmethod
    def start(
        cls,
        base_dir: Path | str,
        *,
        user: str = "pomoc",
        password: str = "pomoc",
        port: int | None = None,
        tls_port: int | None = None,
        timeout: float = 30.0,
    ) -> Dovecot:
        """Make the instance in ``base_dir`` (config, cert, users) and start it."""
        self = cls(Path(base_dir), user, password)
        try:
            self._create(port, tls_port, timeout)
        except BaseException:
            self.close()  # the error carries the log's tail
            raise
        return self

    def _create(self, port: int | None, tls_port: int | None, timeout: float) -> None:
        for d in ("run", "state"):
            (self.root / d).mkdir(exist_ok=True)
        mail = self.root / "mail"
        mail.mkdir(exist_ok=True)
        os.chown(mail, self.mail_uid, self.mail_gid)
        _make_cert(self.root)
        self._write_user(self.user, self.password)
        for attempt in itertools.count():
            # another process may grab a "free" port before Dovecot binds it: retry
            self.port = port or free_port()
            self.tls_port = tls_port or free_port()
            try:
                self._launch(timeout)
                return
            except ServerError as e:
                if attempt >= 4 or (port and tls_port) or "Address already in use" not in str(e):
                    raise

    # life cycle
    def _write_config(self) -> None:
        self.config.write_text(
            _DOVECOT_CONF.format(
                instance_name=self.instance_name,
                root=self.root,
                port=self.port,
                tls_port=self.tls_port,
                mail_uid=self.mail_uid,
                mail_gid=self.mail_gid,
            )
        )

    def _launch(self, timeout: float) -> None:
        if self.running:
            raise ServerError("already running")
        self._write_config()
        with contextlib.suppress(FileNotFoundError):  # a stale one costs +5 s (INFRA.md)
            (self.root / "run" / "anvil-auth-penalty").unlink()
        with contextlib.suppress(FileNotFoundError):
            self.log.unlink()
        out = open(self.root / "dovecot.out", "ab")  # noqa: SIM115 - kept by Popen
        try:
            self.proc = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C on the test run is not sent to it
            )
        finally:
            out.close()
        _RUNNING.add(self)
        deadline = time.monotonic() + timeout
        try:
            self._wait_ready(deadline)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, deadline: float) -> None:
        import imapclient  # noqa: F401 - fail early with a clear ImportError

        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise ServerError(
                    f"dovecot exited {self.proc.returncode}:\n"
                    f"{_tail(self.root / 'dovecot.out')}\n{_tail(self.log)}"
                )
            if _port_open(self.host, self.port) and _port_open(self.host, self.tls_port):
                try:
                    with self.connect(self.user, self.password, timeout=5):
                        return
                except Exception as e:  # auth process still starting
                    last = e
            time.sleep(0.02)
        raise ServerError(f"dovecot not ready on {self.port}: {last!r}\n{_tail(self.log)}")

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the master and every process it started; wait until all are gone.

        SIGTERM first (the master closes its listeners), then SIGKILL to the whole process
        group: after SIGTERM the master lingers ~1 s for its log process, and imap
        processes serving open connections (and stats) outlive it otherwise."""
        proc, self.proc = self.proc, None
        _RUNNING.discard(self)
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the master leads its own group and session
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        # proc is not reaped until proc.wait() below, so its pid (= pgid) cannot be reused.
        # The master ends auth, login, config and anvil at once (~50 ms); what is left then
        # would only linger (the listeners close when the master exits).
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and _session_names(pgid) - {"log", "stats", "imap"}:
            time.sleep(0.01)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        proc.wait(timeout)
        deadline = time.monotonic() + timeout
        while _session_names(pgid) and time.monotonic() < deadline:
            time.sleep(0.01)
        with contextlib.suppress(FileNotFoundError):
            (self.root / "run" / "master.pid").unlink()

    def restart(self, timeout: float = 30.0) -> None:
        """Stop and start again on the same ports (open connections are cut)."""
        self.stop()
        self._launch(timeout)

    # users
    def _write_user(self, name: str, password: str) -> None:
        for s in (name, password):
            if not s or any(ch in s for ch in ":\n\r\0/\\ %") or s.startswith("."):
                raise ValueError(f"unusable IMAP user or password: {s!r}")
        d = self.root / "passwd.d"
        d.mkdir(exist_ok=True)
        d.chmod(0o755)
        tmp = d / f".{name}.tmp"
        tmp.write_text(f"{name}:{{PLAIN}}{password}\n")
        tmp.chmod(0o644)
        os.replace(tmp, d / name)
        self._users[name] = password

    def add_user(self, name: str, password: str) -> ImapAccount:
        """Add a login, usable at once (no restart; its Maildir is made at first use).

        Add each name once: a changed password may take a second to be noticed."""
        with Dovecot._lock:
            self._write_user(name, password)
        return ImapAccount(self, name, password)

    def account(self, user: str | None = None) -> ImapAccount:
        user = user or self.user
        return ImapAccount(self, user, self._users[user])

    def reset_mailbox(self, user: str | None = None) -> None:
        """Stop, delete the user's Maildir, start: every folder gets a new UIDVALIDITY."""
        acct = self.account(user)
        old = acct.uidvalidity() if acct.maildir.exists() else None
        self.stop()
        home = self.root / "mail" / acct.user
        last = old or 0  # the highest UIDVALIDITY handed out in any folder of this user
        with contextlib.suppress(OSError, ValueError):
            last = max(last, int((acct.maildir / "dovecot-uidvalidity").read_text(), 16))
        shutil.rmtree(home, ignore_errors=True)
        if old is not None:
            # Dovecot makes a new UIDVALIDITY from the clock (seconds) once the old state
            # is gone: within the same second it would repeat, so seed it past the old one.
            maildir = home / "Maildir"
            maildir.mkdir(parents=True)
            seed = f"{max(last + 1, int(time.time())):08x}"
            (maildir / "dovecot-uidvalidity").write_text(seed)
            (maildir / f"dovecot-uidvalidity.{seed}").touch()
            for p in (home, maildir, *maildir.iterdir()):
                os.chown(p, self.mail_uid, self.mail_gid)
        self._launch(30.0)
        if old is not None and acct.uidvalidity() == old:
            raise ServerError(f"UIDVALIDITY of {acct.user} did not change ({old})")

    # IMAP access
    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))

    def connect(
        self,
        user: str | None = None,
        password: str | None = None,
        *,
        tls: bool = False,
        timeout: float = 10.0,
    ):
        """A logged-in ``imapclient.IMAPClient`` (plain, or implicit TLS when ``tls``)."""
        import imapclient

        user = user or self.user
        if password is None:
            password = self._users[user]
        client = imapclient.IMAPClient(
            self.host,
            port=self.tls_port if tls else self.port,
            ssl=tls,
            ssl_context=self.ssl_context() if tls else None,
            timeout=timeout,
        )
        try:
            client.login(user, password)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    # the default user's helpers
    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Iterable[bytes | str] = (),
        date: dt.datetime | None = None,
    ) -> int:
        return self.account().append(folder, raw, flags, date)

    def append_many(self, folder: str, raws: Iterable[bytes], **kw: Any) -> list[int]:
        return self.account().append_many(folder, raws, **kw)

    def uids(self, folder: str = "INBOX") -> list[int]:
        return self.account().uids(folder)

    def fetch_flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        return self.account().fetch_flags(folder)

    def fetch_raw(self, folder: str = "INBOX") -> dict[int, bytes]:
        return self.account().fetch_raw(folder)

    def folder_exists(self, name: str) -> bool:
        return self.account().folder_exists(name)

    def create_folder(self, name: str) -> None:
        self.account().create_folder(name)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        return self.account().uidvalidity(folder)

    @property
    def maildir(self) -> Path:
        return self.account().maildir

    def __repr__(self) -> str:
        return f"<Dovecot {self.host}:{self.port}/{self.tls_port} root={self.root}>"


# --------------------------------------------------------------------------- PostgreSQL


def find_pg_bin() -> Path | None:
    """Directory with initdb/pg_ctl: PATH first, else the newest /usr/lib/postgresql/*/bin."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    cands = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "pg_ctl").exists()]

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name)) or (0,)

    return max(cands, key=version) if cands else None


class Postgres(_Server):
    """A throwaway PostgreSQL cluster on 127.0.0.1:``port`` (trust auth, user postgres)."""

    kind = "postgres"
    host = "127.0.0.1"
    user = "postgres"

    def __init__(self, base_dir: Path) -> None:
        bindir = find_pg_bin()
        if bindir is None:
            raise ServerError("PostgreSQL server binaries not found (pg_ctl/initdb)")
        self.as_postgres = _is_root()  # initdb refuses root: run as the postgres user
        super().__init__(base_dir, ["postgres"] if self.as_postgres else [])
        self.bindir = bindir
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.log = self.root / "postgres.log"
        self.port = 0

    def _cmd(self, *args: str | os.PathLike[str]) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return prefix + [str(a) for a in args]

    @classmethod
    def start(cls, base_dir: Path | str, *, port: int | None = None) -> Postgres:
        """initdb a new cluster in ``base_dir`` and start it (~1 s, most of it initdb)."""
        self = cls(Path(base_dir))
        try:
            self._create(port)
        except BaseException:
            self.close()
            raise
        return self

    def _create(self, port: int | None) -> None:
        self.sockets.mkdir()
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            for p in (self.root, self.sockets):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        _run(
            self._cmd(
                self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                "--no-sync", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
            )
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as f:
            # durability is worthless for a throwaway cluster; speed is not
            f.write(
                "\n# tests/servers.py\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.sockets}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\n"
            )
        for attempt in itertools.count():
            self.port = port or free_port()
            try:
                self._launch()
                return
            except ServerError as e:
                if attempt >= 4 or port or "already in use" not in str(e):
                    raise

    def _launch(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.log.unlink()
        try:
            self._pg_ctl_start()
        except ServerError as e:
            raise ServerError(f"{e}\n{_tail(self.log)}") from None
        _RUNNING.add(self)

    def _pg_ctl_start(self) -> None:
        _run(
            self._cmd(
                self.bindir / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60",
                "-o", f"-p {self.port}", "start",
            )
        )  # fmt: skip

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop (``fast``: roll back open transactions, end connections, checkpoint;
        ``immediate``: no checkpoint, as close() does with data that is thrown away)."""
        _RUNNING.discard(self)
        if self.running:
            _run(self._cmd(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"))

    def close(self) -> None:
        if self._own_root:
            self.stop("immediate")
        super().close()

    def restart(self) -> None:
        """Stop (fast) and start on the same port; data is kept."""
        self.stop()
        self._launch()

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq connection string, for psycopg directly."""
        return f"host={self.host} port={self.port} user=postgres dbname={dbname}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql)

    @staticmethod
    def _ident(name: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
            raise ValueError(f"unusable database name: {name!r}")
        return f'"{name}"'

    def create_database(self, name: str) -> str:
        """CREATE DATABASE (autocommit); returns :meth:`url` of it."""
        self._admin(f"CREATE DATABASE {self._ident(name)}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE, ending any connections still open to it."""
        self._admin(f"DROP DATABASE IF EXISTS {self._ident(name)} WITH (FORCE)")

    def __repr__(self) -> str:
        return f"<Postgres {self.host}:{self.port} data={self.data}>"
