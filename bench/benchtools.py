"""What the benchmarks share: a free loopback port, Postfix's smtp-sink, waiting for a
server to listen, a command timed with its peak memory, the plan they send from."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path


def autumn_2023_plan(work: Path) -> None:
    """schedule.yaml as `mailer init` wrote it on 20 August 2023, its example sessions
    filled in (the demo's plan): the announcement of 7 September is due on 24 August."""
    from datetime import date

    from mailer.starterplan import starter_plan

    plan = starter_plan(date(2023, 8, 20), examples=False)
    (work / "schedule.yaml").write_text(plan, "utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    """Returns once something listens on `port`; RuntimeError if `process` ends first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process for port {port} ended early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def start_sink(port: int) -> subprocess.Popen:
    """smtp-sink on 127.0.0.1:port, taking every mail (as root: run as nobody)."""
    command = ["smtp-sink"] + (["-u", "nobody"] if os.geteuid() == 0 else [])
    sink = subprocess.Popen([*command, f"127.0.0.1:{port}", "512"], stdout=subprocess.DEVNULL)
    wait_for(port, sink, seconds=10)
    return sink


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Runs `command` under /usr/bin/time (Debian package `time`); returns (seconds, peak
    RSS in MB, stdout). RuntimeError with its stderr if it fails."""
    report = cwd / ".time"
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-o", str(report), "-f", "%M", *command],
        cwd=cwd, env=env, capture_output=True, text=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr}")
    # %M is what `/usr/bin/time -v` calls "Maximum resident set size (kbytes)".
    return elapsed, int(report.read_text().split()[-1]) // 1024, result.stdout
