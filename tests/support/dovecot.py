"""A real Dovecot IMAP server for the tests, started unprivileged on a high loopback port.

Dovecot runs in the foreground (``dovecot -F -c CONFIG``) with everything (config, base_dir,
state, logs, mail) in its own temporary folder. It refuses to run login and mail processes as
root, so under root the login processes run as ``dovenull``, internal ones as ``dovecot`` and
mail as ``nobody``, with ``chroot =`` emptied for imap-login and anvil; as another user
everything runs as that user. Any user name logs in with PASSWORD (a static passdb), so each
test takes a fresh user and so a fresh, empty mailbox. Plain IMAP, STARTTLS and IMAPS (with a
self-signed certificate in ``cert_file``) are all offered.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from tests.support.pki import write_server_certificate
from tests.support.settings import PARTY_MAILBOX, write_config

PASSWORD = "mat-khau-thu"
# A second official mailbox of the Party committee: the same message to both is one message.
PARTY_MAILBOX_2 = "tonghop@huyenuy.meovac.hagiang.dcs.vn"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_max_userip_connections = 200
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 1
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
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
service anvil {{
  chroot =
  # No login delay after a failed login from 127.0.0.1 (the tests fail some on purpose).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dovecot:
    """One private Dovecot: start, stop, restart, plus helpers to fill mailboxes."""

    def __init__(self) -> None:
        if shutil.which("dovecot") is None:
            pytest.skip("dovecot is not installed (bash .ci/setup --test installs it)")
        # Not under pytest's tmp (mode 0700): the unprivileged mail user must reach its home.
        self.root = Path(tempfile.mkdtemp(prefix="gateway-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.tls_port = free_port()
        self.cert_file = self.root / "cert.pem"
        self.process: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            internal, login, mail_user = "dovecot", "dovenull", "nobody"
        else:
            internal = login = mail_user = pwd.getpwuid(os.geteuid()).pw_name
        entry = pwd.getpwnam(mail_user)
        home = self.root / "home"
        home.mkdir()
        os.chown(home, entry.pw_uid, entry.pw_gid)
        for sub in ("run", "state"):
            (self.root / sub).mkdir()
        write_server_certificate(self.root)
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                tls_port=self.tls_port,
                password=PASSWORD,
                internal_user=internal,
                login_user=login,
                mail_uid=entry.pw_uid,
                mail_gid=grp.getgrgid(entry.pw_gid).gr_gid,
            )
        )

    # -- the server ----------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> None:
        log = open(self.root / "stderr.log", "ab")  # noqa: SIM115  (closed by the child's end)
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends every child too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start in {timeout} s: {self.log_tail()}")

    def stop(self) -> None:
        """Stop the master, then end the mail processes that would outlive it for a while."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self._kill_group()

    def crash(self) -> None:
        """Kill every process of the server at once, like a power cut (connections reset)."""
        if self.process is not None and self.process.poll() is None:
            self._kill_group()
            self.process.wait(5)

    def _kill_group(self) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        # Killed, not stopped: its files go next, and a graceful stop waits a second or two
        # for the mail processes.
        self.crash()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        text = ""
        for name in ("stderr.log", "dovecot.log"):
            path = self.root / name
            if path.exists():
                text += path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    # -- mailboxes -----------------------------------------------------------------------

    @staticmethod
    def new_user() -> str:
        return f"vanthu-{uuid.uuid4().hex[:10]}"

    def client(self, user: str) -> Any:
        client = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=30)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, messages: Sequence[bytes], folder: str = "INBOX") -> None:
        """APPEND the messages (MULTIAPPEND, in chunks), creating the folder if needed."""
        with self.client(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for start in range(0, len(messages), 200):
                client.multiappend(folder, list(messages[start : start + 200]))

    def uids(self, user: str, folder: str = "INBOX") -> list[int]:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["ALL"]))

    def message_ids(self, user: str, folder: str = "INBOX") -> list[str]:
        """Message-ID of every message of the folder (with repeats, in UID order)."""
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["ALL"]))
            out = []
            for start in range(0, len(uids), 500):
                data = client.fetch(
                    uids[start : start + 500], ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
                )
                for uid in sorted(data):
                    header = data[uid][b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode()
                    out.append(header.split(":", 1)[1].strip())
            return out

    def flags(self, user: str, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client(user) as client:
            client.select_folder(folder, readonly=True)
            return {
                uid: tuple(v[b"FLAGS"])
                for uid, v in client.fetch(client.search(["ALL"]) or [], ["FLAGS"]).items()
            }


def write_imap_config(
    folder: Path,
    database_url: str,
    server: Dovecot,
    accounts: Sequence[dict[str, Any]],
    **sections: dict[str, Any],
) -> Path:
    """gateway.toml with the two test organisations and one [[imap]] block per account.

    Each account dict needs ``username``; defaults: plain IMAP on the server, PARTY_MAILBOX,
    the password in a file, move to Processed, IDLE, batches of 50.
    """
    (folder / "imap.pass").write_text(PASSWORD + "\n")
    blocks = []
    for account in accounts:
        block: dict[str, Any] = {
            "organisation": "huyenuy-meovac",
            "mailbox": PARTY_MAILBOX,
            "host": "127.0.0.1",
            "port": server.port,
            "security": "none",
            "password_file": "imap.pass",
            "after": "move:Processed",
            "timeout": 10,
        }
        if {"password", "password_env", "oauth2_token_file"} & set(account):
            del block["password_file"]
        block.update(account)
        blocks.append(("imap", block))
    return write_config(
        folder, database_url, party_mailboxes=(PARTY_MAILBOX, PARTY_MAILBOX_2), tables=blocks,
        **sections,
    )  # fmt: skip


def dovecot_server() -> Iterator[Dovecot]:
    """A started Dovecot, always stopped and removed afterwards (for fixtures)."""
    server = Dovecot()
    try:
        server.start()
        yield server
    finally:
        server.close()
