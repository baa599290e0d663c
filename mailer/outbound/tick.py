"""One tick, as the daemon makes it every minute: recover, queue what is due, deliver.

A lock on the database file keeps two ticks from delivering at once, whatever path
names the file; the second one leaves at once with TickBusy.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailer.errors import MailerError
from mailer.outbound import outbox
from mailer.outbound.delivery import DeliveryReport, deliver
from mailer.outbound.ledger import recover, unfolded
from mailer.outbound.outbox import SENT
from mailer.outbound.queueing import QueueReport, queue_due, record_versions
from mailer.outbound.smtp import Transport
from mailer.plan import Plan
from mailer.render import Renderer
from mailer.store import Store, stamp, stopped_sentence


class TickBusy(Exception):
    """Another tick holds the lock."""


@dataclass(frozen=True)
class SentRecord:
    """What a tick that stopped had sent, counted from the record (the outbox and the
    ledger beside it), not from the tick's own counters: what is on record is what the
    next tick goes by."""

    sent: int  # recorded as taken by the server: never sent again
    in_doubt: int  # marked `sending` without an answer: sent again, same Message-ID

    def __str__(self) -> str:
        if not self.sent and not self.in_doubt:
            return "nothing more was sent, the next tick tries again"
        mails = "1 mail" if self.sent == 1 else f"{self.sent} mails"
        said = [f"this tick had sent {mails} (on record: they go out only once)"]
        if self.in_doubt:
            them = "it" if self.in_doubt == 1 else "them"
            said.append(
                f"{self.in_doubt} more may have reached the server without its answer on"
                f" record: the next tick sends {them} again with the same Message-ID"
            )
        return "; ".join([*said, "the next tick sends the rest"])


class TickStopped(MailerError):
    """A tick that could not go on: `problem` says why, `record` what it had sent."""

    def __init__(self, problem: Exception, record: SentRecord):
        self.problem, self.record = problem, record
        super().__init__(stopped_sentence(problem, str(record)))


def sent_on_record(store: Store, at: str, before: set[int]) -> SentRecord:
    """What a tick at `at` sent, from the outbox and the unfolded ledger, leaving out
    the rows in `before` (sent at the same moment by an earlier tick)."""
    assert store.path is not None
    lines = unfolded(store.path)
    sent = outbox.sent_at(store.conn, at) | {
        row_id for row_id, line in lines.items() if line.status == SENT and line.sent_at == at
    }
    in_doubt = {row_id for row_id, line in lines.items() if line.status is None} - sent
    return SentRecord(len(sent - before), len(in_doubt))


@dataclass
class TickReport:
    recovered: int
    queue: QueueReport
    delivery: DeliveryReport

    def summary(self) -> str:
        """One line for the organizer: `queued 25; sent 25, deferred 0, failed 0`."""
        line = self.delivery.summary()
        if self.queue.queued:
            line = f"queued {self.queue.queued}; {line}"
        if self.recovered:
            line += f"; {self.recovered} interrupted mails sent again"
        return line


@contextmanager
def tick_lock(db_path: Path) -> Iterator[None]:
    """An exclusive lock on the database file itself; TickBusy if another tick holds it.

    On the file, not on a name beside it: a symlink, a hard link or another spelling of
    the path opens the same file and meets the same lock. flock(2) locks are apart from
    the fcntl(2) locks SQLite takes on the same file, so the two never interfere.
    """
    handle = os.open(db_path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TickBusy() from None
        yield
    finally:
        os.close(handle)


def run_tick(
    store: Store,
    plan: Plan,
    renderer: Renderer,
    transport: Transport,
    now: datetime,
    *,
    on_start: Callable[[int], None] = lambda total: None,
    on_progress: Callable[[], None] = lambda: None,
    should_stop: Callable[[], bool] = lambda: False,
    more_transports: Sequence[Transport] = (),
) -> TickReport:
    """One pass. Raises TickBusy when another tick holds the lock, and TickStopped when it
    cannot go on (the server cannot be reached or refuses us: ServerUnavailable; the disk
    is full; the database fails), saying what it had sent by then. The next tick
    delivers everything else once.
    """
    assert store.path is not None
    now = plan.local(now)
    at = stamp(now)
    with tick_lock(store.path):
        # Mails a dead tick had in hand: their fate is unknown, so they go out again.
        recovered = recover(store, at)
        before = outbox.sent_at(store.conn, at)
        try:
            sessions = record_versions(store, plan, now)
            queued = queue_due(store, plan, now, sessions)
            on_start(outbox.pending_count(store.conn, at))
            delivery = deliver(
                store,
                plan,
                renderer,
                transport,
                now,
                sessions,
                on_progress=on_progress,
                should_stop=should_stop,
                more_transports=more_transports,
            )
        except (MailerError, sqlite3.Error, OSError) as problem:
            raise TickStopped(problem, sent_on_record(store, at, before)) from None
    return TickReport(recovered, queued, delivery)
