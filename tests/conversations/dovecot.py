"""A real IMAP server on loopback for the mailbox's tests: Debian's Dovecot (installed by ``make test``), started per
test session with its own configuration, mail folder and port, one mailbox ``shop@example.test``; mail is put in
by IMAP APPEND, as a delivery agent would."""

from __future__ import annotations

import imaplib
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

USER, PASSWORD = "shop@example.test", "imap-secret"


@dataclass(frozen=True)
class Dovecot:
    port: int
    root: Path

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with imaplib.IMAP4("127.0.0.1", self.port) as imap:
            imap.login(USER, PASSWORD)
            typ, _ = imap.append(folder, None, None, raw)
            assert typ == "OK"

    def count(self, folder: str = "INBOX", criteria: str = "ALL") -> int:
        with imaplib.IMAP4("127.0.0.1", self.port) as imap:
            imap.login(USER, PASSWORD)
            imap.select(folder, readonly=True)
            _, found = imap.search(None, criteria)
            return len(found[0].split())

    def folder(self) -> str:
        """A new folder: its UIDs start from 1, nobody else's mail in it."""
        name = f"t{next(_folders)}"
        with imaplib.IMAP4("127.0.0.1", self.port) as imap:
            imap.login(USER, PASSWORD)
            typ, _ = imap.create(name)
            assert typ == "OK"
        return name


_folders = itertools.count(1)


def _config(root: Path, port: int) -> str:
    if os.getuid() == 0:  # root: mail kept as Dovecot's own user (Dovecot refuses mail access as root)
        account = pwd.getpwnam("dovecot")
        ids, run_as = f"uid={account.pw_uid} gid={account.pw_gid}", ""
    else:  # anyone else: everything as themselves
        me = pwd.getpwuid(os.getuid()).pw_name
        ids = f"uid={os.getuid()} gid={os.getgid()}"
        run_as = f"default_login_user = {me}\ndefault_internal_user = {me}\n"
    return f"""{run_as}base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = {ids} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Dovecot started on a free loopback port with a folder of its own, stopped and removed after."""
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if binary is None:
        raise FileNotFoundError("dovecot is not installed: `make services` installs Debian's dovecot-imapd")
    # not under pytest's own temporary folder: it is private to its user, and Dovecot's processes run as Dovecot's
    root = Path(tempfile.mkdtemp(prefix="klientura-dovecot-"))
    root.chmod(0o755)
    port = free_port()
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    if os.getuid() == 0:
        account = pwd.getpwnam("dovecot")
        os.chown(root / "home", account.pw_uid, account.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "dovecot.conf").write_text(_config(root, port))
    subprocess.run([binary, "-c", str(root / "dovecot.conf")], check=True)
    try:
        for _ in range(100):
            try:
                with imaplib.IMAP4("127.0.0.1", port) as imap:
                    imap.login(USER, PASSWORD)
                break
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.05)
        else:
            raise RuntimeError(f"Dovecot did not start: {(root / 'dovecot.log').read_text()[-2000:]}")
        yield Dovecot(port=port, root=root)
    finally:
        pid = int((root / "run" / "master.pid").read_text().strip())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):  # its children go with it
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()):
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed: `make services` installs Debian's dovecot-imapd")
        pytest.skip("dovecot is not installed (make services installs it)")
    with running_dovecot() as server:
        yield server
