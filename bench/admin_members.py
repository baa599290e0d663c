"""How fast /admin/mitglieder answers an organizer, for lists of 10,000 and 100,000.

    python bench/admin_members.py [--members 10000 100000] [--requests 200]

Everything happens on 127.0.0.1 in a temporary directory: a list of each size is
imported with `mailer subscribers import` (names, municipalities, a few statuses other
than active), the real `mailer serve` process answers, and one organizer (logged in
through the form, as a browser does) asks for each kind of page --requests times, one
after the other, over one keep-alive connection. Printed per kind: the median (p50)
and the 99th percentile (p99) of the time from sending the request to the last byte
of the answer, in milliseconds.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote, urlencode

from benchtools import free_port, wait_for

PASSWORD = "ein Passwort nur für diesen Benchmark"
TOWNS = ["Musterstadt", "Übach-Palenberg", "Beispielhausen", "Großdorf", "Neustadt",
         "Kleinkleckersdorf", "Bad Beispiel", "Oberunterdorf"]  # fmt: skip
# The kinds of page, as an organizer asks for them ({last}: the number of the last page).
KINDS = {
    "list, page 1": "/admin/mitglieder",
    "list, a middle page": "/admin/mitglieder?seite={middle}",
    "list, the last page": "/admin/mitglieder?seite={last}",
    "status filter (unzustellbar)": "/admin/mitglieder?status=unzustellbar",
    "status filter (aktiv), page 2": "/admin/mitglieder?status=aktiv&seite=2",
    "search: a name": "/admin/mitglieder?suche=nachname4711",
    "search: a town (ASCII)": "/admin/mitglieder?suche=musterstadt",
    "search: a town (umlaut)": "/admin/mitglieder?suche=" + quote("übach"),
    "search: two words + status": "/admin/mitglieder?suche=vorname1+gemeinde3&status=aktiv",
    "search: nobody": "/admin/mitglieder?suche=zzzz",
    "a member's page": "/admin/mitglieder/4711",
}


def members_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("E-Mail;Vorname;Nachname;Kommune\n")
        for n in range(count):
            out.write(f"person{n}@gemeinde{n % 997}.example;Vorname{n};Nachname{n};"
                      f"{TOWNS[n % len(TOWNS)]}\n")  # fmt: skip


def run(work: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "mailer", *args], cwd=work, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"mailer {' '.join(args)} failed: {result.stderr}")
    return result.stdout


class Organizer:
    """One browser: one keep-alive connection, the session cookie."""

    def __init__(self, port: int):
        self.connection = HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        answer = self.connection.getresponse()
        text = answer.read().decode("utf-8")
        if cookie := answer.getheader("Set-Cookie"):
            self.cookie = cookie.split(";")[0]
        return answer.status, text

    def log_in(self) -> None:
        _, page = self.request("GET", "/admin/login")
        token = html.unescape(
            re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        )
        form = urlencode({"csrf_token": token, "name": "admin", "password": PASSWORD})
        status, _ = self.request("POST", "/admin/login", form)
        if status != 302:
            raise RuntimeError(f"the login failed ({status})")


def measure(organizer: Organizer, path: str, times: int) -> list[float]:
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        status, _ = organizer.request("GET", path)
        taken.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return taken


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def bench(count: int, times: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        port = free_port()
        env = {**os.environ, "MAILER_SMTP_URL": "", "MAILER_IMAP_URL": "",
               "MAILER_ADMIN_PASSWORD": PASSWORD}  # fmt: skip
        run(work, env, "init")
        with (work / "schedule.yaml").open("a", encoding="utf-8") as plan:
            plan.write(f"\nweb:\n  base_url: http://127.0.0.1:{port}\n")
        members_csv(work / "members.csv", count)
        started = time.perf_counter()
        run(work, env, "subscribers", "import", "members.csv")
        imported = time.perf_counter() - started
        with sqlite3.connect(work / "subscribers.db") as db:  # a few who left or bounced
            db.execute("UPDATE subscribers SET status = 'bounced' WHERE id % 97 = 0")
            db.execute("UPDATE subscribers SET status = 'unsubscribed' WHERE id % 89 = 0")
        last = -(-count // 50)
        server = subprocess.Popen(
            [sys.executable, "-m", "mailer", "serve", "--listen", f"127.0.0.1:{port}"],
            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(port, server)
            organizer = Organizer(port)
            organizer.log_in()
            print(f"\n{count:,} members (imported in {imported:.1f} s),"
                  f" {times} requests per kind, times in ms:")  # fmt: skip
            print(f"  {'kind of page':34} {'p50':>7} {'p99':>7}")
            everything: list[float] = []
            for kind, path in KINDS.items():
                path = path.replace("{last}", str(last)).replace("{middle}", str(last // 2))
                measure(organizer, path, 3)  # warm: the first request of a kind
                taken = measure(organizer, path, times)
                everything += taken
                print(f"  {kind:34} {statistics.median(taken):7.1f} {p99(taken):7.1f}")
            print(f"  {'all of them':34} {statistics.median(everything):7.1f}"
                  f" {p99(everything):7.1f}")  # fmt: skip
        finally:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    for count in options.members:
        bench(count, options.requests)


if __name__ == "__main__":
    main()
