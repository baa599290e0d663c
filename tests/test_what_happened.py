"""Every sentence that says what was sent or done counts it from the record (the outbox,
the ledger a running tick writes beside it, the inbound records), never from a guess:
not "nothing was changed" after mails went out, not "0 members had it" while a tick is
halfway through them. What really arrived is what the real SMTP server recorded, and
what was really filed is what Dovecot holds.

The kind: a message about work that stopped midway or that another process is doing.
The rows: a newsletter cancelled while a tick sends it (and the list and outbox seen
meanwhile), a disk that fills up during a tick (early, and near a batch's fold), a poll
that stops after filing a batch (a full disk, a dropped connection: test_poller.py).
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from mailer.store import Store
from tests.conftest import STARTER, Mailer, person_mail
from tests.imapserver import Dovecot
from tests.smtpserver import RecordingHandler

SEND_AT = "2023-08-24T16:00"  # the announcement of 7 September is due
LETTER = "---\nsubject: Rückblick\n---\nHallo zusammen, hier die Folien.\n"


def members(app: Mailer, count: int) -> list[str]:
    addresses = [f"m{n:04d}@example.org" for n in range(count)]
    path = app.root / "members.csv"
    path.write_text("email\n" + "\n".join(addresses) + "\n", "utf-8")
    app("subscribers", "import", str(path))
    path.unlink()
    return addresses


def copies(handler: RecordingHandler) -> Counter:
    return Counter(r for m in handler.messages for r in m.rcpt_tos)


@pytest.fixture
def server(smtp_pipelining: RecordingHandler) -> RecordingHandler:
    return smtp_pipelining


# -- a newsletter cancelled while a tick sends it ------------------------------------------


def test_a_cancel_while_a_tick_sends_counts_what_the_server_had_from_the_record(
    mailer: Mailer, server: RecordingHandler, tmp_path: Path
) -> None:
    mailer.env["MAILER_SMTP_URL"] = server.url  # type: ignore[attr-defined]
    members(mailer, 600)
    letter = tmp_path / "herbst.md"
    letter.write_text(LETTER, "utf-8")
    mailer("newsletter", "schedule", str(letter), "--now", "2023-09-10T10:00")
    server.delay = 0.01  # a few seconds of sending: the cancel comes in the middle
    tick = subprocess.Popen(
        [*mailer.command(), "tick", "--now", "2023-09-20T10:00"],
        env=mailer.process_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(server.messages) < 135 and time.monotonic() < deadline:
        time.sleep(0.005)

    # Seen meanwhile: the list and the outbox count what the ledger has, not only what a
    # fold has put in the outbox (every 500 mails).
    had_before = len(server.messages)
    [listed] = mailer.json("newsletter", "list")
    sent_rows = Counter(row["status"] for row in mailer.json("outbox"))["sent"]
    had_after = len(server.messages)
    assert had_before <= listed["sent"] <= had_after
    assert had_before <= sent_rows <= len(server.messages)

    said = mailer("newsletter", "cancel", "1").stdout.strip()
    tick.communicate(timeout=60)
    found = re.fullmatch(
        r"newsletter 1 cancelled: (\d+) copies stopped, (\d+) members had it already"
        r"(?:, (\d+) being handed to the server right now .*)?",
        said,
    )
    assert found, said
    stopped, had, on_its_way = (int(n or 0) for n in found.groups())
    arrived = copies(server)
    assert set(arrived.values()) == {1}
    assert had >= 135  # what the server had before the cancel, and more
    assert had + on_its_way == len(arrived)  # the rest never left
    assert stopped + had + on_its_way == 600
    [listed] = mailer.json("newsletter", "list")
    assert (listed["status"], listed["sent"], listed["cancelled"]) == (
        "cancelled", len(arrived), stopped,
    )  # fmt: skip


# -- a disk that fills up during a tick ---------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real file system of 24 MB of its own (tmpfs), that a test can fill up."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)],
        capture_output=True, text=True,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"a small file system needs `mount -t tmpfs` (root): {mounted.stderr}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path) -> Path:
    """Writes a file until the file system has no page left; returns it."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for chunk in (1 << 20, 4096, 1):
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC
    return filler


@pytest.mark.parametrize("fill_at", [30, 480], ids=["early in a batch", "near a batch's fold"])
def test_a_disk_that_fills_up_mid_tick_says_what_was_sent_and_the_next_tick_sends_the_rest(
    small_disk: Path, server: RecordingHandler, fill_at: int
) -> None:
    app = Mailer(small_disk)
    app.write_plan()
    app.env["MAILER_SMTP_URL"] = server.url  # type: ignore[attr-defined]
    addresses = members(app, 2000)
    filled: list[Path] = []
    seen = Counter()

    def fill_once(address: str) -> None:
        seen["rcpt"] += 1
        if seen["rcpt"] == fill_at:
            filled.append(fill(small_disk))

    server.on_rcpt = fill_once
    first = subprocess.run(
        [*app.command(), "tick", "--now", SEND_AT],
        env=app.process_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Traceback" not in first.stderr and "nothing was changed" not in first.stderr
    (sentence,) = first.stderr.strip().splitlines()
    assert re.search(r"(No space left on device|the disk is full)", sentence), sentence
    said = re.search(r"this tick had sent (\d+) mails? \(on record", sentence)
    assert said, sentence
    sent = int(said.group(1))
    doubt = re.search(r"; (\d+) more may have reached the server", sentence)
    in_doubt = int(doubt.group(1)) if doubt else 0
    arrived = len(copies(server))
    assert sent <= arrived <= sent + in_doubt and in_doubt <= 3  # one per connection

    server.on_rcpt = None
    filled[0].unlink()
    app("tick", "--now", SEND_AT)
    every = copies(server)
    assert set(every) == set(addresses)
    twice = [address for address, n in every.items() if n > 1]
    assert len(twice) <= in_doubt  # only a mail whose answer was not on record, with its ID
    for address in twice:
        assert len({m.message["Message-ID"] for m in server.to(address)}) == 1


# -- a poll that stops after filing a batch ----------------------------------------------


@pytest.fixture(scope="module")
def dovecot():
    imap = Dovecot().start()
    yield imap
    imap.stop()


def test_a_poll_stopped_by_a_full_disk_says_what_it_recorded_and_filed(
    small_disk: Path, dovecot: Dovecot
) -> None:
    app = Mailer(small_disk)
    app.write_plan(STARTER)
    user = dovecot.add_user()
    app.env["MAILER_IMAP_URL"] = f"imap://{user}@127.0.0.1:{dovecot.port}/INBOX"
    app.env["MAILER_IMAP_PASSWORD"] = "secret"
    client = dovecot.client(user)
    for n in range(400):
        idea = person_mail(f"idee{n}@example.net", f"Thema {n}", f"Ein Vorschlag, Nummer {n}.")
        client.append("INBOX", idea.as_bytes())
    app("subscribers", "list")  # the database exists before the poll

    filled: list[Path] = []

    def fill_after_the_first_batch() -> None:  # the poll files 50 at a time
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Store(app.db) as store:
                if store.conn.execute("SELECT count(*) FROM inbound").fetchone()[0] > 60:
                    filled.append(fill(small_disk))
                    return
            time.sleep(0.002)

    watcher = threading.Thread(target=fill_after_the_first_batch)
    watcher.start()
    result = subprocess.run(
        [*app.command(), "poll"], env=app.process_env(), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    watcher.join()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "nothing was changed" not in result.stderr
    (sentence,) = result.stderr.strip().splitlines()
    said = re.search(r"this poll had recorded (\d+) new messages .* and filed (\d+) into", sentence)
    assert said, sentence
    recorded, filed = int(said.group(1)), int(said.group(2))
    with Store(app.db) as store:
        assert store.conn.execute("SELECT count(*) FROM inbound").fetchone()[0] == recorded
    client.select_folder("INBOX")
    assert 400 - len(client.search("ALL")) == filed >= 50
    assert recorded >= filed

    filled[0].unlink()
    app("poll")
    with Store(app.db) as store:
        keys = [row[0] for row in store.conn.execute("SELECT message_key FROM inbound")]
    assert len(keys) == len(set(keys)) == 400
    client.select_folder("INBOX")
    assert client.search("ALL") == []
    client.logout()
    assert os.path.exists(app.db)
