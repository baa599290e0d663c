"""One-click unsubscribes under load while a tick sends, measured with wrk.

    python bench/web_load.py [--members 10000] [--connections 50] [--seconds 30]

Needs wrk (Debian package `wrk`) and Postfix's smtp-sink (Debian package `postfix`).
Everything happens on 127.0.0.1 in a temporary directory:

1. a list of --members members; `mailer tick` starts sending them the announcement
   through smtp-sink, paced by smtp.rate_per_minute so that it sends for the whole run;
2. `mailer serve` answers, at the same time, wrk's --connections concurrent RFC 8058
   one-click POSTs for --seconds, each to another member's unsubscribe link (wrk's
   timeout raised from 2 s to 10 s, so that a slow answer is counted as slow, not lost);
3. afterwards: wrk's latency percentiles, its errors and non-2xx answers, and the
   count of unsubscribed members against the requests wrk completed (none may be lost:
   SQLite's busy handling must hold while the tick writes).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtools import autumn_2023_plan, free_port, start_sink, wait_for

SEND_AT = "2023-08-24T16:00"  # the announcement of 7 September 2023 is due

LUA = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local counter = 0
local threads = %(threads)d
local thread_number = 0

function setup(thread)
  thread:set("number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  counter = tonumber(wrk.thread:get("number")) or 0
end

request = function()
  local path = paths[(counter %% #paths) + 1]
  counter = counter + threads
  return wrk.format("POST", path,
    {["Content-Type"] = "application/x-www-form-urlencoded"}, "List-Unsubscribe=One-Click")
end
"""


def run(work: Path, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "mailer", *args], cwd=work, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"mailer {' '.join(args)} failed: {result.stderr}")
    return result.stdout + result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    options = parser.parse_args()
    for tool in ("wrk", "smtp-sink"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install -y wrk postfix")

    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        web_port, smtp_port = free_port(), free_port()
        env = {**os.environ, "MAILER_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
               "MAILER_IMAP_URL": ""}  # fmt: skip
        autumn_2023_plan(work)
        # The tick sends for about as long as wrk runs: the two overlap all the way.
        rate = max(60, options.members * 60 // options.seconds)
        with (work / "schedule.yaml").open("a", encoding="utf-8") as plan:
            plan.write(f"\nweb:\n  base_url: http://127.0.0.1:{web_port}\n")
            plan.write(f"smtp:\n  rate_per_minute: {rate}\n")
        with (work / "members.csv").open("w", encoding="utf-8") as out:
            out.write("email,name\n")
            for n in range(options.members):
                out.write(f"mitglied{n}@gemeinde{n % 997}.example,Mitglied {n}\n")
        run(work, "subscribers", "import", "members.csv", env=env)
        with sqlite3.connect(work / "subscribers.db") as db:
            rows = db.execute("SELECT id, token FROM subscribers ORDER BY random()").fetchall()
        (work / "paths.txt").write_text("".join(f"/abmelden/{i}-{t}\n" for i, t in rows))
        (work / "post.lua").write_text(
            LUA % {"paths": work / "paths.txt", "threads": options.threads}
        )

        sink = start_sink(smtp_port)
        server = subprocess.Popen(
            [sys.executable, "-m", "mailer", "serve", "--listen", f"127.0.0.1:{web_port}"],
            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(web_port, server)
            tick = subprocess.Popen(
                [sys.executable, "-m", "mailer", "tick", "--now", SEND_AT], cwd=work, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            time.sleep(1.0)  # the tick has queued and is sending
            load = subprocess.run(
                ["wrk", f"-t{options.threads}", f"-c{options.connections}",
                 f"-d{options.seconds}s", "--timeout", "10s", "--latency",
                 "-s", str(work / "post.lua"),
                 f"http://127.0.0.1:{web_port}"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            tick_output, _ = tick.communicate(timeout=600)
        finally:
            server.terminate()
            sink.terminate()
            server.wait(10)
            sink.wait(10)

        report = load.stdout
        completed = int(re.search(r"(\d+) requests in", report).group(1))
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
        errors = re.search(r"Socket errors: (.*)", report)
        latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", report, re.MULTILINE))
        slowest = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", report)
        with sqlite3.connect(work / "subscribers.db") as db:
            unsubscribed = db.execute(
                "SELECT count(*) FROM subscribers WHERE status = 'unsubscribed'"
            ).fetchone()[0]
        expected = min(completed, options.members)
        print(f"tick: {tick_output.strip()}")
        print(f"wrk: {options.connections} connections, {options.seconds} s:"
              f" {completed} requests, {completed / options.seconds:.0f}/s")  # fmt: skip
        print(f"latency: p50 {latency.get('50')}, p75 {latency.get('75')},"
              f" p90 {latency.get('90')}, p99 {latency.get('99')},"
              f" max {slowest.group(1) if slowest else '?'}")  # fmt: skip
        print(f"errors: non-2xx {non_2xx.group(1) if non_2xx else 0},"
              f" socket {errors.group(1) if errors else 'none'}")  # fmt: skip
        print(f"unsubscribed: {unsubscribed} of {expected} requested members"
              f" ({'none lost' if unsubscribed >= expected else 'LOST SOME'})")  # fmt: skip


if __name__ == "__main__":
    main()
