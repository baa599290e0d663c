"""The poller against a real Dovecot: one poll of a full mailbox, beside a plain fetch.

    python bench/poller.py [--messages 1000] [--runs 3] [CORPUS_DIR]

Needs Debian's `dovecot-imapd` and `time`, and runs as root (Dovecot is started as in the
tests, from a throw-away configuration, see tests/imapserver.py). The mailbox is filled
with APPEND from the real bounces, auto-replies and complaints in ../shared/corpus/bounces,
taken in turn until there are --messages of them, each with a Message-ID of its own (so
that none is the same message again). Then, --runs times, each on a freshly filled account:

- the floor: a plain imapclient script that logs in, searches and fetches every message
  with BODY.PEEK[] in the poller's batches of 50, and does nothing with them;
- `mailer poll`: the whole process, which fetches the same messages, classifies each,
  records it in subscribers.db with its effect, and files it into its folder.

Both run as their own process under /usr/bin/time: messages per second (start of the
process to its end) and peak memory (maximum resident set size). The medians are printed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' Dovecot

from benchtools import timed  # noqa: E402
from throughput import mailer  # noqa: E402

from tests.imapserver import Dovecot  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "bounces"
BATCH = 50  # as mailer.inbound.poller.BATCH

PLAIN_FETCH = f"""
import sys
from imapclient import IMAPClient

port, user = int(sys.argv[1]), sys.argv[2]
client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=30)
client.login(user, "secret")
client.select_folder("INBOX", readonly=True)
uids = sorted(client.search(["ALL"]))
size = 0
for start in range(0, len(uids), {BATCH}):
    bodies = client.fetch(uids[start : start + {BATCH}], ["BODY.PEEK[]"])
    size += sum(len(item[b"BODY[]"]) for item in bodies.values())
client.logout()
print(len(uids), size)
"""

MESSAGE_ID = re.compile(rb"^Message-ID:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*", re.I | re.M)


def messages(corpus: Path, count: int) -> list[bytes]:
    """`count` messages from the corpus, in turn, each with a Message-ID of its own."""
    files = sorted(corpus.glob("*.eml"))
    if not files:
        raise SystemExit(f"{corpus}: no .eml files (the corpus is in ../shared/corpus/bounces)")
    originals = [path.read_bytes() for path in files]
    result = []
    for n in range(count):
        raw = originals[n % len(originals)]
        newline = b"\r\n" if b"\r\n" in raw[:4096] else b"\n"
        head, _, body = raw.partition(newline * 2)
        head = MESSAGE_ID.sub(b"", head + newline)  # ends with a newline
        own = b"Message-ID: <bench-%d@poller.example>" % n
        result.append(own + newline + head + newline + body)
    return result


def fill(server: Dovecot, raws: list[bytes]) -> str:
    user = server.add_user()
    client = server.client(user)
    for raw in raws:
        client.append("INBOX", raw)
    # Dovecot builds its index and cache on the first fetch; both measured runs find it warm.
    client.select_folder("INBOX", readonly=True)
    client.fetch(client.search(["ALL"]), ["RFC822.SIZE", "BODY.PEEK[]"])
    client.logout()
    return user


def inbox_count(server: Dovecot, user: str) -> int:
    client = server.client(user)
    count = client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"]
    client.logout()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    raws = messages(options.corpus, options.messages)
    print(f"{len(raws)} messages, {sum(map(len, raws)) / len(raws) / 1024:.1f} kB on average")
    server = Dovecot().start()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAILER_IMAP_PASSWORD": "secret"}
    floor, ours = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="mailer-bench-poller-") as temp:
            root = Path(temp)
            script = root / "plain_fetch.py"
            script.write_text(PLAIN_FETCH)
            for run in range(options.runs):
                user = fill(server, raws)
                seconds, peak, out = timed(
                    [sys.executable, str(script), str(server.port), user], root, env
                )
                assert int(out.split()[0]) == len(raws), out
                floor.append((len(raws) / seconds, peak))

                work = root / f"run{run}"
                work.mkdir()
                mailer(work, "init", env=env)
                url = f"imap://{user}@127.0.0.1:{server.port}/INBOX"
                seconds, peak, out = mailer(work, "poll", env={**env, "MAILER_IMAP_URL": url})
                left = inbox_count(server, user)
                assert left == 0, f"{left} messages left in INBOX after the poll"
                ours.append((len(raws) / seconds, peak))
                print(f"run {run + 1}: plain fetch {floor[-1][0]:,.0f}/s, mailer poll "
                      f"{ours[-1][0]:,.0f}/s ({out.strip()[:100]})")  # fmt: skip
    finally:
        server.stop()

    def median(pairs: list[tuple[float, int]], index: int) -> float:
        return statistics.median(pair[index] for pair in pairs)

    print()
    print(
        f"plain imapclient fetch: {median(floor, 0):,.0f} messages/s, peak {median(floor, 1):.0f} MB"
    )
    print(f"mailer poll:            {median(ours, 0):,.0f} messages/s, peak {median(ours, 1):.0f} MB"
          f" ({median(ours, 0) / median(floor, 0):.2f} x the plain fetch)")  # fmt: skip


if __name__ == "__main__":
    main()
