from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mailer.cli import cli
from mailer.starterplan import starter_plan
from tests.smtpserver import RecordingHandler, start_server


def person_mail(
    sender: str,
    subject: str,
    body: str,
    *,
    sent: datetime = datetime(2023, 8, 25, 9, 30, tzinfo=UTC),
    message_id: str | None = None,
    charset: str = "utf-8",
    **headers: str,
) -> EmailMessage:
    """A mail as a member's mail client writes it to the suggestions mailbox.

    Extra headers are given with underscores: In_Reply_To="<...>".
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "themen@example.org"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    digest = hashlib.sha1(f"{sender}|{subject}|{body}".encode()).hexdigest()[:16]
    message["Message-ID"] = message_id or f"<{digest}@mail.example.net>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body, charset=charset)
    return message


# The Digital-Impuls' plan of autumn 2023: `mailer init` on 20 August 2023, its example
# sessions filled in by the organizer, New Year's Day 2026 (a first Thursday) cancelled.
STARTER = (
    starter_plan(date(2023, 8, 20), examples=False)
    + "  - date: 2026-01-01                   # New Year's Day is a first Thursday: no meeting\n"
    + "    cancelled: true\n"
)
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "bounces"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"the real mail corpus is not beside the project: {CORPUS} (CI has ../shared)",
)


@dataclass
class Mailer:
    """The `mailer` command in a working directory of its own, run in-process."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.root / "schedule.yaml"

    @property
    def db(self) -> Path:
        return self.root / "subscribers.db"

    def write_plan(self, text: str = STARTER) -> None:
        self.config.write_text(text, "utf-8")

    def __call__(self, *args: str, ok: bool = True, input: str | None = None) -> Result:
        environment = {"MAILER_SMTP_URL": "", "MAILER_IMAP_URL": "", **self.env}
        result = CliRunner().invoke(
            cli,
            ["--config", str(self.config), "--db", str(self.db), *args],
            env=environment,
            catch_exceptions=False,
            input=input,
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)

    def add(self, *addresses: str) -> None:
        for address in addresses:
            self("subscribers", "add", address, "--name", address.split("@")[0].title())

    def command(self) -> list[str]:
        """The same, as a separate process (for signals and concurrency)."""
        return [sys.executable, "-m", "mailer", "--config", str(self.config), "--db", str(self.db)]

    def process_env(self) -> dict[str, str]:
        return {**os.environ, "MAILER_SMTP_URL": "", "MAILER_IMAP_URL": "", **self.env}


@pytest.fixture
def mailer(tmp_path: Path) -> Mailer:
    app = Mailer(tmp_path)
    app.write_plan()
    return app


@pytest.fixture(params=["pipelining", "one command at a time"])
def smtp(request):
    handler = RecordingHandler(pipelining=request.param == "pipelining")
    controller = start_server(handler)
    handler.url = f"smtp://{controller.hostname}:{controller.port}"  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture
def smtp_pipelining():
    """One recording SMTP server that offers PIPELINING, as Postfix does (no second run)."""
    handler = RecordingHandler(pipelining=True)
    controller = start_server(handler)
    handler.url = f"smtp://{controller.hostname}:{controller.port}"  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture
def smtp_mailer(mailer: Mailer, smtp: RecordingHandler) -> Mailer:
    mailer.env["MAILER_SMTP_URL"] = smtp.url  # type: ignore[attr-defined]
    return mailer


def database_at_schema(path: Path, version: int, rows_sql: str) -> None:
    """A subscribers.db as an older mailer left it: migrations 1..version, then `rows_sql`."""
    import sqlite3

    from mailer.store import MIGRATIONS

    old = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        old.executescript(script)
        old.execute(f"PRAGMA user_version = {number}")
    old.executescript(rows_sql)
    old.commit()
    old.close()


def killed_and_rerun(
    app: Mailer, handler: RecordingHandler, *args: str, members: int = 2000
) -> tuple[list[str], str]:
    """`mailer ARGS` as a process, killed with SIGKILL once 300 mails crossed the socket
    (the server slowed down so that it is mid-send), then run again to the end. Checks that
    every one of `members` got the mail, none more than twice, and that a second copy
    carried the first one's Message-ID; returns the addresses that got it twice, and
    what the second run printed."""
    import subprocess
    import time
    from collections import Counter

    handler.delay = 0.002
    command = [*app.command(), *args]
    victim = subprocess.Popen(command, env=app.process_env(), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(handler.messages) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    victim.kill()
    victim.wait()
    assert 300 <= len(handler.messages) < members
    handler.delay = 0
    second = subprocess.run(
        command, env=app.process_env(), capture_output=True, text=True, check=True
    )
    copies = Counter(r for m in handler.messages for r in m.rcpt_tos)
    assert len(copies) == members and max(copies.values()) <= 2
    twice = [address for address, n in copies.items() if n > 1]
    for address in twice:
        assert len({m.message["Message-ID"] for m in handler.to(address)}) == 1
    return twice, second.stdout
