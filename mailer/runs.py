"""The daemon leaves a mark: when the tick and the poll last ran, and how they ended.

The `runs` table's one owner. One row per (job, via): the tick or the poll, run by the
daemon (`mailer run`) or by a command (`mailer tick`, `mailer poll`), so that a tick typed
by hand never hides a daemon that stopped. Moments are the real clock's, not `--now`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from mailer.store import stamp

TICK = "tick"
POLL = "poll"
DAEMON = "daemon"
COMMAND = "command"
OK = "ok"
FAILED = "failed"  # a MailerError: the server unreachable, the plan wrong, ...
ERROR = "error"  # a bug: an exception nobody expected
BUSY = "busy"  # another tick held the lock; this one sent nothing


@dataclass(frozen=True)
class Run:
    """The latest run of one job by one way: started (and finished, unless it is still
    running or was killed) at UTC ISO moments, its outcome and its one-line summary;
    `last_ok_at` is when it last ended well."""

    job: str
    via: str
    started_at: str
    finished_at: str | None
    outcome: str | None
    summary: str | None
    last_ok_at: str | None


def started(conn: sqlite3.Connection, job: str, via: str, now: datetime) -> None:
    conn.execute(
        "INSERT INTO runs (job, via, started_at) VALUES (?, ?, ?) ON CONFLICT (job, via)"
        " DO UPDATE SET started_at = excluded.started_at, finished_at = NULL, outcome = NULL,"
        " summary = NULL",
        (job, via, stamp(now)),
    )


def finished(
    conn: sqlite3.Connection, job: str, via: str, now: datetime, outcome: str, summary: str
) -> None:
    conn.execute(
        "UPDATE runs SET finished_at = ?, outcome = ?, summary = ?,"
        " last_ok_at = CASE WHEN ? IN (?, ?) THEN ? ELSE last_ok_at END"
        " WHERE job = ? AND via = ?",
        (stamp(now), outcome, summary, outcome, OK, BUSY, stamp(now), job, via),
    )


def latest(conn: sqlite3.Connection) -> dict[tuple[str, str], Run]:
    """Every job's latest run, by (job, via)."""
    rows = conn.execute(
        "SELECT job, via, started_at, finished_at, outcome, summary, last_ok_at FROM runs"
    ).fetchall()
    return {(row[0], row[1]): Run(*row) for row in rows}


@dataclass(frozen=True)
class Health:
    """What the health line says: the daemon's last tick and poll (and the latest by
    any way), and how many mails wait (queued or deferred) or failed."""

    tick: Run | None
    poll: Run | None
    daemon_tick: Run | None
    daemon_poll: Run | None
    waiting: int
    failed: int


def health(conn: sqlite3.Connection) -> Health:
    from mailer.outbound import outbox

    runs = latest(conn)

    def newest(job: str) -> Run | None:
        found = [run for (name, _), run in runs.items() if name == job]
        return max(found, key=lambda run: run.started_at, default=None)

    counts = outbox.status_totals(conn, outbox.QUEUED, outbox.DEFERRED, outbox.FAILED)
    return Health(
        tick=newest(TICK),
        poll=newest(POLL),
        daemon_tick=runs.get((TICK, DAEMON)),
        daemon_poll=runs.get((POLL, DAEMON)),
        waiting=counts.get(outbox.QUEUED, 0) + counts.get(outbox.DEFERRED, 0),
        failed=counts.get(outbox.FAILED, 0),
    )
