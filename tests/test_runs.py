"""The daemon leaves a mark: each tick and poll, by `mailer run` or by a command,
records when it ran and how it ended; the health line reads it."""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime

import pytest

from mailer import runs
from mailer.store import Store
from tests.conftest import STARTER, Mailer
from tests.daemontools import run_daemon_once
from tests.imapserver import unused_port


def marks(mailer: Mailer) -> dict:
    with Store(mailer.db) as store:
        return runs.latest(store.conn)


def test_a_tick_and_a_poll_by_command_leave_their_marks(mailer: Mailer) -> None:
    mailer.add("anna@example.org")
    before = datetime.now(UTC).isoformat(timespec="seconds")
    mailer("tick", "--now", "2023-08-24T16:00")
    mailer("poll")
    found = marks(mailer)
    tick, poll = found[("tick", "command")], found[("poll", "command")]
    assert tick.outcome == "ok"
    assert tick.summary.startswith("queued 1; sent 1, deferred 0, failed 0 (into the Maildir ")
    assert poll.outcome == "ok" and poll.summary.startswith("no new mail")
    for run in (tick, poll):
        assert before <= run.started_at <= run.finished_at  # the real clock, not --now
        assert run.last_ok_at == run.finished_at
    with Store(mailer.db) as store:
        health = runs.health(store.conn)
    assert health.tick == tick and health.daemon_tick is None  # a command hides no daemon
    assert (health.waiting, health.failed) == (0, 0)


@pytest.mark.parametrize(
    ("make_it_fail", "args", "outcome", "words"),
    [
        pytest.param(
            lambda m: m.env.update(MAILER_SMTP_URL=f"smtp://127.0.0.1:{unused_port()}"),
            ["--now", "2023-08-24T16:00"],
            "failed",
            "127.0.0.1:",
            id="server-unreachable",
        ),
        pytest.param(
            lambda m: m.write_plan(STARTER.replace("timezone:", "timezon:")),
            [],  # the real clock: --now needs the plan's time zone
            "failed",
            "schedule.yaml:5: unknown key 'timezon'",
            id="plan-broken",
        ),
    ],
)
def test_a_failed_tick_leaves_its_sentence(
    mailer: Mailer, make_it_fail, args: list[str], outcome: str, words: str
) -> None:
    mailer.add("anna@example.org")
    mailer("tick", "--now", "2023-08-20T10:00")
    good = marks(mailer)[("tick", "command")]
    make_it_fail(mailer)
    mailer("tick", *args, ok=False)
    tick = marks(mailer)[("tick", "command")]
    assert tick.outcome == outcome and words in (tick.summary or "")
    assert tick.last_ok_at == good.last_ok_at  # the last good run stays known


def test_a_tick_that_found_another_running_says_so(mailer: Mailer) -> None:
    mailer.add("anna@example.org")
    handle = os.open(mailer.db, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        mailer("tick", "--now", "2023-08-24T16:00")
    finally:
        os.close(handle)
    tick = marks(mailer)[("tick", "command")]
    assert tick.outcome == "busy" and "another tick is running" in (tick.summary or "")


def test_mailer_run_marks_its_ticks_and_polls_as_the_daemons(mailer: Mailer) -> None:
    mailer.add("anna@example.org")
    with Store(mailer.db) as store:
        store.conn.execute("INSERT INTO outbox (mail_key, session_key, stage, kind, sequence,"
                           " subscriber_id, message_id, status, next_attempt_at, queued_at)"
                           " VALUES ('k', '', 'x', 'x', 0, 1, '<m@x>', 'failed', '', '')")  # fmt: skip
    log = run_daemon_once(mailer)
    found = marks(mailer)
    assert found[("tick", "daemon")].outcome == "ok", log
    assert found[("poll", "daemon")].outcome == "ok"
    with Store(mailer.db) as store:
        health = runs.health(store.conn)
    assert health.daemon_tick == found[("tick", "daemon")]
    assert health.daemon_poll == found[("poll", "daemon")]
    assert health.failed == 1
