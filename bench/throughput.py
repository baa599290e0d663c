"""Throughput of the delivery path against the physical limit, in one run.

    python bench/throughput.py [--members 10000] [--big 100000] [--skip-big] [--runs 3]

Needs Postfix's smtp-sink and smtp-source (Debian package `postfix`) and runs as any
user (as root, smtp-sink is started with `-u nobody`). Everything happens on 127.0.0.1
in a temporary directory. It reports:

- smtp-source: the ceiling, one reused connection (-d), messages the size of ours;
- mailer: import of N members, and one `mailer tick` sending the announcement to all of
  them through smtp-sink: mails per second, ratio to smtp-source, peak memory (from
  /usr/bin/time, Debian package `time`); smtp-source and the tick take turns, --runs
  times each (the tick on a fresh copy of the list), and the medians are compared;
- a newsletter (Markdown, `mailer newsletter schedule`) to the same N members, one tick,
  at a moment when no session mail is due: the same wire path, measured on its own;
- naive: the mail-merge way (per recipient: Jinja2, Premailer, EmailMessage, and a new
  smtplib connection), on a sample, as mails per second;
- the big list: peak memory of a tick to --big members, and a tick with nothing due;
- `mailer --help`: the median of 10 starts.
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

from benchtools import autumn_2023_plan, free_port, start_sink, timed

SEND_AT = "2023-08-24T16:00"  # the announcement of 7 September 2023 is due
NOTHING_DUE = "2023-08-25T10:00"  # everything sent; nothing new is due
NEWSLETTER_AT = "2023-09-08T10:00"  # the day after a session: no session mail is due
NEWSLETTER = """---
subject: Rückblick und Ausblick
---
Wir blicken zurück auf **drei** Termine und voraus auf den *Herbst*.

## Was war

- Wärmeplanung mit [Julia Stolzenberger](https://example.org/kww)
- Kommunalfinanzen mit dem Aktionsbündnis „Für die Würde unserer Städte“

| Termin | Thema |
|---|---|
| 5. Oktober | Kommunalfinanzen |
| 2. November | Künstliche Intelligenz in der Kommune |
"""


def mailer(work: Path, *args: str, env: dict[str, str]) -> tuple[float, int, str]:
    """Runs `mailer` in `work` under /usr/bin/time; returns (seconds, peak RSS in MB, stdout)."""
    return timed([sys.executable, "-m", "mailer", *args], work, env)


def members_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("email,name,org\n")
        for n in range(count):
            out.write(
                f"mitglied{n}@gemeinde{n % 997}.example,Mitglied Nummer {n},Gemeinde {n % 997}\n"
            )


def fresh_directory(root: Path, name: str, count: int, env: dict[str, str]) -> tuple[Path, float]:
    work = root / name
    work.mkdir()
    autumn_2023_plan(work)
    members_csv(work / "members.csv", count)
    elapsed, _, _ = mailer(work, "subscribers", "import", "members.csv", env=env)
    return work, elapsed


def restore(work: Path, pristine: bytes) -> None:
    """The list as it was imported: the database back, its WAL and ledger gone."""
    for leftover in work.glob("subscribers.db?*"):
        leftover.unlink()
    (work / "subscribers.db").write_bytes(pristine)


def message_size(work: Path, env: dict[str, str]) -> int:
    mailer(work, "preview", "2023-09-07", "announcement", env=env)
    return (work / "preview" / "2023-09-07-announcement.eml").stat().st_size


def smtp_source(port: int, count: int, size: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["smtp-source", "-d", "-s", "1", "-m", str(count), "-l", str(size),
         "-f", "themen@example.org", "-t", "sink@example.org", f"127.0.0.1:{port}"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return count / (time.perf_counter() - started)


def naive(port: int, sample: int) -> float:
    """The mail-merge way: everything per recipient, a new connection for each mail."""
    import smtplib
    from datetime import date, datetime
    from email.message import EmailMessage

    from jinja2 import Environment, PackageLoader, select_autoescape
    from premailer import Premailer

    from mailer.planfile import parse_plan
    from mailer.render import Renderer
    from mailer.starterplan import starter_plan

    plan = parse_plan(starter_plan(date(2023, 8, 20), examples=False))
    session = plan.session("2023-09-07")
    context = Renderer(plan, None, datetime.now(plan.timezone))._context(
        session, "announcement", None
    )
    env = Environment(
        loader=PackageLoader("mailer", "templates/email"), autoescape=select_autoescape(["html"])
    )
    started = time.perf_counter()
    for n in range(sample):
        personal = {
            **context,
            "greeting": f"Hallo Mitglied {n},",
            "unsubscribe_url": f"mailto:x?subject=abmelden%20{n}",
        }
        page = Premailer(
            env.get_template("announcement.html").render(personal), allow_network=False
        ).transform()
        text = env.get_template("announcement.txt").render(personal)
        message = EmailMessage()
        message["From"] = plan.sender.from_address
        message["To"] = f"mitglied{n}@example.org"
        message["Subject"] = context["subject"]
        message.set_content(text)
        message.add_alternative(page, subtype="html")
        with smtplib.SMTP("127.0.0.1", port) as connection:
            connection.send_message(message)
    return sample / (time.perf_counter() - started)


def newsletter(work: Path, pristine: bytes, count: int, env: dict[str, str]) -> tuple[float, float]:
    """A newsletter to every member, in one tick on a fresh copy of the list: (mails/s, s)."""
    restore(work, pristine)
    (work / "newsletter.md").write_text(NEWSLETTER, "utf-8")
    mailer(work, "newsletter", "schedule", "newsletter.md", "--now", NEWSLETTER_AT, env=env)
    seconds, _, out = mailer(work, "tick", "--now", NEWSLETTER_AT, env=env)
    sent = int(re.search(r"sent (\d+)", out).group(1))
    assert sent == count, out
    return sent / seconds, seconds


def help_time(env: dict[str, str]) -> float:
    times = []
    for _ in range(10):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mailer", "--help"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="smtp-source and tick, alternating")
    options = parser.parse_args()
    for tool in ("smtp-sink", "smtp-source"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install postfix")

    root = Path(tempfile.mkdtemp(prefix="mailer-bench-"))
    port = free_port()
    sink = start_sink(port)
    env = {**os.environ, "MAILER_SMTP_URL": f"smtp://127.0.0.1:{port}", "MAILER_IMAP_URL": ""}
    try:
        work, import_seconds = fresh_directory(root, "list", options.members, env)
        size = message_size(work, env)
        pristine = (work / "subscribers.db").read_bytes()
        ceilings, ticks = [], []
        for _ in range(options.runs):
            # Alternating, so both meet the same state of the machine.
            ceilings.append(smtp_source(port, options.members, size))
            restore(work, pristine)
            seconds, peak, out = mailer(work, "tick", "--now", SEND_AT, env=env)
            sent = int(re.search(r"sent (\d+)", out).group(1))
            assert sent == options.members, out
            ticks.append((sent / seconds, seconds, peak))
        ceiling = statistics.median(ceilings)
        newsletter_rate, newsletter_seconds = newsletter(work, pristine, options.members, env)
        rate, seconds, peak = sorted(ticks)[len(ticks) // 2]
        naive_rate = naive(port, options.naive_sample)
        print(
            f"members: {options.members}, message size: {size} bytes,"
            f" machine: {os.cpu_count()} cores, medians of {options.runs} runs"
        )
        print(f"import of {options.members} members:        {import_seconds:6.2f} s")
        print(
            f"smtp-source (1 connection, -d):      {ceiling:8.0f} mails/s"
            f"  (runs: {', '.join(f'{c:.0f}' for c in ceilings)})"
        )
        print(
            f"mailer tick (announcement to all):   {rate:8.0f} mails/s  ({options.members} in"
            f" {seconds:.2f} s, {rate / ceiling:.2f} of smtp-source, peak {peak} MB;"
            f" runs: {', '.join(f'{r:.0f}' for r, _, _ in ticks)})"
        )
        print(
            f"mailer tick (a newsletter to all):   {newsletter_rate:8.0f} mails/s  ({options.members}"
            f" in {newsletter_seconds:.2f} s, {newsletter_rate / ceiling:.2f} of smtp-source)"
        )
        print(
            f"naive mail merge ({options.naive_sample} sample):       {naive_rate:8.0f} mails/s"
            f"  (mailer is {rate / naive_rate:.1f}x)"
        )
        if not options.skip_big:
            big, big_import = fresh_directory(root, "big", options.big, env)
            big_seconds, big_peak, big_out = mailer(big, "tick", "--now", SEND_AT, env=env)
            big_sent = int(re.search(r"sent (\d+)", big_out).group(1))
            idle_seconds, idle_peak, _ = mailer(big, "tick", "--now", NOTHING_DUE, env=env)
            print(f"import of {options.big} members:       {big_import:6.2f} s")
            print(
                f"tick to {options.big} members:          {big_sent / big_seconds:8.0f} mails/s"
                f"  ({big_seconds:.1f} s, peak {big_peak} MB)"
            )
            print(
                f"tick with nothing due ({options.big}):  {idle_seconds:6.2f} s  (peak {idle_peak} MB)"
            )
        print(f"mailer --help (median of 10):        {help_time(env):6.3f} s")
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
