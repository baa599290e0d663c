"""Delivery across a slow link: mailer against Postfix's smtp-source through the same delay.

    python bench/slow_link.py [--members 1000] [--one-way-ms 25] [--connections 20] [--runs 3]

Needs Postfix's smtp-sink and smtp-source (Debian package `postfix`). On 127.0.0.1:
smtp-sink, and in front of it bench/delayproxy.py, which delays every chunk by the one-way
time (a round trip of twice that; the kernel here has no netem). Through the proxy, in
turns, --runs times each:

- smtp-source -s N -d: N parallel sessions, each reusing its connection, messages the
  size of our announcement (Postfix's own default concurrency per destination is 20);
- smtp-source -s 1 -d: one session, the limit of one connection;
- mailer tick with `smtp.connections: N`, sending the announcement to --members members
  (each run on a fresh copy of the list).

Prints the medians in mails per second and the ratio mailer / smtp-source -s N.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtools import free_port, start_sink, wait_for
from throughput import SEND_AT, fresh_directory, mailer, message_size, restore

HERE = Path(__file__).resolve().parent


def smtp_source(port: int, count: int, size: int, sessions: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["smtp-source", "-d", "-s", str(sessions), "-m", str(count), "-l", str(size),
         "-f", "themen@example.org", "-t", "sink@example.org", f"127.0.0.1:{port}"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--one-way-ms", type=float, default=25.0)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    for tool in ("smtp-sink", "smtp-source"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install postfix")

    root = Path(tempfile.mkdtemp(prefix="mailer-slow-link-"))
    sink_port, proxy_port = free_port(), free_port()
    sink = start_sink(sink_port)
    proxy = subprocess.Popen(
        [sys.executable, str(HERE / "delayproxy.py"), str(proxy_port), str(sink_port),
         "--one-way-ms", str(options.one_way_ms)],
    )  # fmt: skip
    env = {**os.environ, "MAILER_SMTP_URL": f"smtp://127.0.0.1:{proxy_port}", "MAILER_IMAP_URL": ""}
    try:
        wait_for(proxy_port, proxy)
        work, _ = fresh_directory(root, "list", options.members, env)
        plan = work / "schedule.yaml"
        plan.write_text(
            plan.read_text("utf-8") + f"\nsmtp:\n  connections: {options.connections}\n", "utf-8"
        )
        size = message_size(work, env)
        pristine = (work / "subscribers.db").read_bytes()
        parallel, single, ticks = [], [], []
        for _ in range(options.runs):
            parallel.append(smtp_source(proxy_port, options.members, size, options.connections))
            single.append(smtp_source(proxy_port, min(options.members, 200), size, 1))
            restore(work, pristine)
            seconds, peak, out = mailer(work, "tick", "--now", SEND_AT, env=env)
            sent = int(re.search(r"sent (\d+)", out).group(1))
            assert sent == options.members, out
            ticks.append(sent / seconds)
        ceiling = statistics.median(parallel)
        rate = statistics.median(ticks)
        print(
            f"members: {options.members}, message size: {size} bytes, one way: "
            f"{options.one_way_ms:g} ms (round trip {2 * options.one_way_ms:g} ms),"
            f" machine: {os.cpu_count()} cores, medians of {options.runs} runs"
        )
        print(
            f"smtp-source -s 1 -d:                 {statistics.median(single):8.1f} mails/s"
            f"  (runs: {', '.join(f'{r:.1f}' for r in single)})"
        )
        print(
            f"smtp-source -s {options.connections} -d:                {ceiling:8.1f} mails/s"
            f"  (runs: {', '.join(f'{r:.1f}' for r in parallel)})"
        )
        print(
            f"mailer tick, connections: {options.connections}:      {rate:8.1f} mails/s"
            f"  ({rate / ceiling:.2f} of smtp-source -s {options.connections}; whole process;"
            f" runs: {', '.join(f'{r:.1f}' for r in ticks)}; peak {peak} MB)"
        )
    finally:
        for process in (proxy, sink):
            process.send_signal(signal.SIGTERM)
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
