"""`mailer subscribers import` of a large list in each encoding Excel saves a CSV in.

    python bench/import_encodings.py [--members 100000] [--runs 3]

A list with German letters in every row (so a code page file has to be told from the
others: mailer/csvfiles.py) is written in UTF-8, "CSV UTF-8" (with BOM, semicolons),
Windows-1252, Mac Roman and "Unicode-Text" (UTF-16 LE with BOM, tabs), and imported into
a fresh directory, --runs times each (the whole process, under /usr/bin/time: Debian
package `time`). It prints the median seconds and the peak memory of each.
"""

from __future__ import annotations

import argparse
import codecs
import os
import statistics
import sys
import tempfile
from pathlib import Path

from benchtools import timed

FORMS = {
    "UTF-8, commas": ("utf-8", ","),
    "CSV UTF-8 (BOM, ;)": ("utf-8-sig", ";"),
    "Windows-1252 (;)": ("cp1252", ";"),
    "Mac Roman (;)": ("mac_roman", ";"),
    "Unicode-Text (UTF-16, tabs)": ("utf-16-le", "\t"),
}
FIRST = ("Jürgen", "Anna", "Björn", "Käthe", "Sören", "Lea", "Günter", "Maria")
LAST = ("Krüger", "Weiß", "Öztürk", "Schäfer", "Müller", "Groß", "Lange", "Böhm")


def members_text(count: int, delimiter: str) -> str:
    lines = [delimiter.join(("E-Mail", "Vorname", "Nachname", "Kommune"))]
    for n in range(count):
        lines.append(
            delimiter.join((
                f"mitglied{n}@gemeinde{n % 997}.example", FIRST[n % 8], LAST[n // 8 % 8],
                f"Gemeinde Übersee {n % 997}",
            ))
        )  # fmt: skip
    return "\r\n".join(lines) + "\r\n"


def encoded(text: str, codec: str) -> bytes:
    return (codecs.BOM_UTF16_LE if codec == "utf-16-le" else b"") + text.encode(codec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    env = {**os.environ, "MAILER_SMTP_URL": "", "MAILER_IMAP_URL": ""}
    print(f"import of {options.members} members, median of {options.runs} runs")
    with tempfile.TemporaryDirectory(prefix="mailer-import-") as tmp:
        for label, (codec, delimiter) in FORMS.items():
            data = encoded(members_text(options.members, delimiter), codec)
            seconds, peaks = [], []
            for run in range(options.runs):
                work = Path(tmp) / f"{codec}-{run}"
                work.mkdir()
                timed([sys.executable, "-m", "mailer", "init"], work, env)
                (work / "members.csv").write_bytes(data)
                elapsed, peak, out = timed(
                    [sys.executable, "-m", "mailer", "subscribers", "import", "members.csv"],
                    work, env,
                )  # fmt: skip
                assert out.startswith(f"imported {options.members},"), out
                seconds.append(elapsed)
                peaks.append(peak)
            print(
                f"{label:30} {statistics.median(seconds):6.2f} s   peak {max(peaks)} MB"
                f"   ({len(data) / 1e6:.1f} MB file)"
            )


if __name__ == "__main__":
    main()
