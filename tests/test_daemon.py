"""`mailer run` and `mailer demo` as an organizer runs them: separate processes."""

from __future__ import annotations

import email
import logging
import mailbox
import re
import signal
import subprocess
import threading
import time
from email import policy
from pathlib import Path

import pytest

from tests.conftest import Mailer


def test_run_ticks_at_once_and_stops_cleanly_on_sigterm(mailer: Mailer) -> None:
    mailer.add("anna@example.org")
    daemon = subprocess.Popen(
        [*mailer.command(), "run"],
        env=mailer.process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(daemon.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 30

    def seen(word: str) -> bool:
        return any(word in line for line in lines)

    while not (seen("tick:") and seen("poll:")) and time.monotonic() < deadline:
        time.sleep(0.1)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=30)
    reader.join(timeout=5)
    output = "".join(lines)
    assert daemon.returncode == 0, output
    daemon.stdout.close()
    # Today's date decides whether anything is due; the line is there either way.
    assert re.search(r"INFO tick: (queued \d+; )?sent \d+, deferred 0, failed 0", output), output
    assert "INFO poll: no new mail" in output
    assert output.rstrip().endswith("stopped")
    assert "Traceback" not in output


def test_demo_finishes_in_seconds_with_mail_in_a_maildir(tmp_path: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [*Mailer(tmp_path).command(), "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert time.monotonic() - started < 60
    box = mailbox.Maildir(tmp_path / "demo" / "outbox", create=False)
    subjects = [
        email.message_from_bytes(box.get_bytes(key), policy=policy.default)["Subject"]
        for key in box.iterkeys()
    ]
    assert len(subjects) >= 20
    assert any(s.startswith("Digital-Impuls am 7. September") for s in subjects)
    assert any("Erinnerung" in s for s in subjects)
    assert any(s.startswith("Rückblick: Digital-Impuls am 7. September") for s in subjects)
    assert subjects.count("Rückblick und Ausblick") == 5  # the newsletter, once to each member
    assert str(tmp_path / "demo" / "outbox") in result.stdout


def test_a_failing_pass_is_one_sentence_for_the_organizer_and_a_traceback_for_a_bug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from mailer.errors import MailerError
    from mailer.scheduler import _guarded

    def unreachable_server() -> None:
        raise MailerError("cannot reach the SMTP server 127.0.0.1:1: Connection refused")

    def bug() -> None:
        raise KeyError("kind")

    with caplog.at_level(logging.ERROR, logger="mailer"):
        _guarded(unreachable_server, "tick")()
        _guarded(bug, "poll")()
    sentence, crash = caplog.records
    assert sentence.getMessage() == (
        "tick failed: cannot reach the SMTP server 127.0.0.1:1: Connection refused"
    )
    assert sentence.exc_info is None
    assert crash.getMessage() == "poll failed with an unexpected error"
    assert crash.exc_info is not None and crash.exc_info[0] is KeyError
