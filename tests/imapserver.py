"""A real Dovecot for the tests, from a throw-away configuration in a temp directory.

It listens on 127.0.0.1 and a free port, keeps users in a passwd-file and their mail in
Maildirs under the temp directory, runs as root with `default_login_user = nobody`, and is
stopped at the end. `.ci/run` installs Debian's dovecot-imapd.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient

USERS = 40
CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = mailer-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = nobody
default_internal_user = nobody
first_valid_uid = 1
mail_location = maildir:~/Maildir
{capability}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


class Dovecot:
    def __init__(self, capability: str | None = None):
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise RuntimeError(
                "Dovecot is not installed: run `apt-get install dovecot-imapd` (.ci/run does)"
            )
        self.binary = binary
        # Not under pytest's tmp_path: Dovecot's auth process runs as nobody and must reach it.
        root = Path(tempfile.mkdtemp(prefix="mailer-dovecot-"))
        self.root = root
        self.port = 0  # chosen by start()
        (root / "run").mkdir(parents=True)
        home = root / "home"
        home.mkdir()
        os.chmod(root, 0o755)
        os.chmod(home, 0o777)
        # All users up front: Dovecot may not notice a passwd-file changed within one second.
        (root / "passwd").write_text(
            "".join(f"themen{n}:{{PLAIN}}secret\n" for n in range(1, USERS + 1))
        )
        self.capability = f"imap_capability = {capability}" if capability else ""
        self.config = root / "dovecot.conf"
        self.users = 0

    def start(self) -> Dovecot:
        """Dovecot cannot listen on port 0 (that turns a listener off), so it gets a port
        that was free a moment ago, and another one if something took it meanwhile."""
        for _ in range(5):
            self.port = unused_port()
            self.config.write_text(
                CONFIG.format(root=self.root, port=self.port, capability=self.capability)
            )
            errors = self.root / "start.err"
            # Dovecot forks into the background: no pipes, or run() would wait for it.
            with errors.open("wb") as stderr:
                started = subprocess.run(
                    [self.binary, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=stderr
                )
            if started.returncode == 0:
                break
            if "in use" not in errors.read_text() + self._log():
                raise RuntimeError(f"Dovecot did not start: {errors.read_text()}{self._log()}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=2).shutdown()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not start: {self._log()}")

    def _log(self) -> str:
        log = self.root / "dovecot.log"
        return log.read_text() if log.exists() else ""

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self) -> str:
        """A fresh account with an empty mailbox (password: secret)."""
        self.users += 1
        assert self.users <= USERS, "raise USERS"
        return f"themen{self.users}"

    def client(self, user: str, password: str = "secret") -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, password)
        return client


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
