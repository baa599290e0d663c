"""The daemon: APScheduler 3.x runs the tick every minute and the poll every few minutes.

The jobs are plain callables handed in, so the daemon knows nothing about SMTP or IMAP.
SIGTERM and Ctrl-C set a flag that the tick checks between two mails, then the scheduler
shuts down after the mail in hand.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from mailer.errors import MailerError

log = logging.getLogger("mailer")


class StopFlag:
    """Set by a signal; read by the tick between two mails."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def __call__(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()


def run_daemon(
    tick: Callable[[], None],
    poll: Callable[[], None],
    poll_minutes: int,
    stop: StopFlag,
    *,
    timezone: str,
) -> None:
    scheduler = BlockingScheduler(
        timezone=timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50},
    )
    scheduler.add_job(
        _guarded(tick, "tick"), IntervalTrigger(minutes=1), id="tick", next_run_time=None
    )
    scheduler.add_job(
        _guarded(poll, "poll"), IntervalTrigger(minutes=poll_minutes), id="poll", next_run_time=None
    )

    def shutdown(signum: int, frame: object) -> None:
        log.info("stopping after the mail in hand (signal %s)", signum)
        stop.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    # First run right away, then on the interval.
    for job in scheduler.get_jobs():
        job.modify(next_run_time=_now(scheduler))
    scheduler.start()


def _now(scheduler: BlockingScheduler):
    from datetime import datetime

    return datetime.now(scheduler.timezone)


def _guarded(job: Callable[[], None], name: str) -> Callable[[], None]:
    """A failing pass is logged and tried again at the next interval: a problem the
    organizer can fix (a MailerError) in its one sentence, a bug with its traceback."""

    def run() -> None:
        try:
            job()
        except MailerError as problem:
            log.error("%s failed: %s", name, problem)
        except Exception:  # the daemon must outlive a bad minute, and the bug must be found
            log.exception("%s failed with an unexpected error", name)

    run.__name__ = run.__qualname__ = name
    return run
