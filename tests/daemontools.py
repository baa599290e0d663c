"""The real daemon in the tests: `mailer run` as a separate process, stopped as systemd
stops it (SIGTERM) once it has made its first tick and poll."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

from tests.conftest import Mailer


def run_daemon_once(mailer: Mailer) -> str:
    """`mailer run` until it has ticked and polled once (at most 30 s), then SIGTERM; its log."""
    daemon = subprocess.Popen(
        [*mailer.command(), "run"], env=mailer.process_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(daemon.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
        any("tick:" in line for line in lines) and any("poll:" in line for line in lines)
    ):
        time.sleep(0.1)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=30)
    reader.join(timeout=5)
    daemon.stdout.close()  # type: ignore[union-attr]
    return "".join(lines)
