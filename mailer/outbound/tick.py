"""One tick, as the daemon makes it every minute: recover, queue what is due, deliver.

A lock on the database file keeps two ticks from delivering at once, whatever path
names the file; the second one leaves at once with TickBusy.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailer.outbound import outbox
from mailer.outbound.delivery import DeliveryReport, deliver
from mailer.outbound.ledger import recover
from mailer.outbound.queueing import QueueReport, queue_due, record_versions
from mailer.outbound.smtp import Transport
from mailer.plan import Plan
from mailer.render import Renderer
from mailer.store import Store, stamp


class TickBusy(Exception):
    """Another tick holds the lock."""


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
    """One pass. Raises TickBusy when another tick holds the lock, ServerUnavailable when
    the server cannot be reached (nothing is marked; the next tick delivers everything once).
    """
    assert store.path is not None
    now = plan.local(now)
    with tick_lock(store.path):
        # Mails a dead tick had in hand: their fate is unknown, so they go out again.
        recovered = recover(store, stamp(now))
        sessions = record_versions(store, plan, now)
        queued = queue_due(store, plan, now, sessions)
        on_start(outbox.pending_count(store.conn, stamp(now)))
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
    return TickReport(recovered, queued, delivery)
