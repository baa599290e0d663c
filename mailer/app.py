"""The application: the organizer's working directory opened, and the passes that every
front end makes. The commands, the daemon and the demo call this; it knows nothing of
click. A problem a user can cause is raised as a MailerError with the sentence to show.

Heavy modules are imported where they are used, so `mailer --help` stays fast.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mailer.errors import MailerError

if TYPE_CHECKING:
    from mailer.inbound.poller import Source
    from mailer.outbound.smtp import Transport
    from mailer.plan import Plan
    from mailer.render import Renderer
    from mailer.store import Store
    from mailer.workspace import Workspace


class App:
    """Where the files are, and how to open them; the plan is read once per pass."""

    def __init__(self, config: Path, db: Path):
        from mailer.workspace import Workspace

        self.workspace: Workspace = Workspace(config, db)
        self._plan: Plan | None = None

    def use(self, config: Path | None = None, db: Path | None = None) -> None:
        """Point at another plan or database (a command's own --config / --db)."""
        from mailer.workspace import Workspace

        self.workspace = Workspace(config or self.workspace.config, db or self.workspace.db)
        self._plan = None

    def reload(self) -> None:
        """Read schedule.yaml again at the next use (the daemon does so every pass)."""
        self._plan = None

    def plan(self) -> Plan:
        """schedule.yaml as a Plan; each moved session under the key it was first planned
        on, following a session moved twice through what subscribers.db recorded of it
        (see moves.py)."""
        from mailer.moves import follow_moves, recorded
        from mailer.planfile import load_plan

        if self._plan is None:
            plan = load_plan(self.workspace.config)
            if self.workspace.db.exists():
                with self.store() as store:
                    history = recorded(store.session_history())
                plan = follow_moves(plan, history, self.workspace.config.name)
            self._plan = plan
        return self._plan

    def store(self) -> Store:
        """The database, opened and migrated: use it as `with app.store() as store:`."""
        from mailer.store import Store

        return Store(self.workspace.db)

    def now(self, value: datetime | str | None, what: str = "--now") -> datetime:
        """`value` (a moment, or ISO 8601 text read by mailer.moments, which keeps it
        between 1970 and 2999), in the series' time zone when it has no offset; or the
        clock. `what` names the value in the sentence about a wrong one."""
        from mailer.moments import parse_moment

        plan = self.plan()
        if value is None:
            return datetime.now(plan.timezone)
        moment = value if isinstance(value, datetime) else parse_moment(value, what)
        return plan.local(moment)

    def renderer(self, now: datetime) -> Renderer:
        from mailer.render import Renderer

        return Renderer(self.plan(), self.workspace.templates, now)

    def transports(self) -> list[Transport]:
        """The connections a tick delivers through: `smtp.connections` to an SMTP server
        (one when a rate is set: the cap is simplest kept on one), one Maildir otherwise."""
        from mailer.outbound.smtp import SmtpTransport

        first = self.transport()
        smtp = self.plan().smtp
        if not isinstance(first, SmtpTransport) or smtp.rate_per_minute:
            return [first]
        return [first, *(SmtpTransport(first.server) for _ in range(smtp.connections - 1))]

    def transport(self) -> Transport:
        from mailer.outbound.smtp import MaildirTransport, SmtpTransport
        from mailer.workspace import server_address

        plan = self.plan()
        server = server_address("smtp", plan, os.environ)
        if server is None:
            return MaildirTransport(self.workspace.outbox)
        if server.cleartext_login:
            logging.getLogger("mailer").warning("warning: %s", server.cleartext_login)
        return SmtpTransport(server, rate_per_minute=plan.smtp.rate_per_minute)


@contextmanager
def leaving_a_mark(
    app: App, job: str, via: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Iterator[Ending]:
    """Records in subscribers.db (runs.py) that `job` started, then how it ended: what
    the body sets on the Ending it is given, a MailerError's sentence, or the kind of an
    unexpected error. The error itself goes on up; the end's mark is only tried."""
    from mailer import runs

    with app.store() as store, store.transaction():
        runs.started(store.conn, job, via, clock())
    ending = Ending(runs.ERROR, "stopped")
    try:
        yield ending
    except MailerError as problem:
        ending.outcome, ending.summary = runs.FAILED, str(problem)
        raise
    except BaseException as error:
        ending.outcome, ending.summary = runs.ERROR, type(error).__name__
        raise
    finally:
        # The work's own sentence comes first: an end's mark that cannot be written (a
        # full disk) never takes its place, and is only said when the work went well.
        try:
            with app.store() as store, store.transaction():
                runs.finished(store.conn, job, via, clock(), ending.outcome, ending.summary)
        except (MailerError, sqlite3.Error, OSError) as problem:
            if ending.outcome in (runs.OK, runs.BUSY):
                logging.getLogger("mailer").warning(
                    "warning: the %s ran, but when it ended could not be recorded: %s",
                    job, problem,
                )  # fmt: skip


@dataclass
class Ending:
    outcome: str
    summary: str


def tick_once(
    app: App,
    now: datetime,
    *,
    on_start: Callable[[int], None] = lambda total: None,
    on_progress: Callable[[], None] = lambda: None,
    should_stop: Callable[[], bool] = lambda: False,
    via: str = "command",
) -> str:
    """One tick at `now`; the line that says what it did. A tick that cannot go on (a
    server that cannot be reached, a full disk) is a MailerError (TickStopped) whose
    sentence says why and what was sent before, counted from the record. The run is
    recorded (runs.py) as made by `via`: "daemon" or "command"."""
    from mailer import runs

    with leaving_a_mark(app, runs.TICK, via) as ending:
        summary, busy = _tick(app, now, on_start, on_progress, should_stop)
        ending.outcome, ending.summary = (runs.BUSY if busy else runs.OK), summary
    return summary


def _tick(app, now, on_start, on_progress, should_stop) -> tuple[str, bool]:
    from mailer.outbound.tick import TickBusy, run_tick

    plan = app.plan()
    first, *more = app.transports()
    with app.store() as store:
        try:
            report = run_tick(
                store,
                plan,
                app.renderer(now),
                first,
                now,
                on_start=on_start,
                on_progress=on_progress,
                should_stop=should_stop,
                more_transports=more,
            )
        except TickBusy:
            return "another tick is running; this one sends nothing", True
    summary = report.summary()
    if report.delivery.sent and not first.sends:
        # Wherever the organizer reads "sent", it says where to when no server took it.
        summary += f" (into the Maildir {shown_path(first.where)}/new/: no SMTP server is set)"
    return summary, False


def shown_path(path: Path | str) -> str:
    """A path as the organizer can type it: relative to the current folder when inside it."""
    absolute = Path(path).absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def dry_run(app: App, now: datetime) -> list:
    """What `tick_once(app, now)` would send (see outbound/dryrun.py); nothing is sent."""
    from mailer.outbound import dryrun

    return dryrun.dry_run(app.workspace.db, app.plan(), app.renderer(now), now)


@contextmanager
def _mailbox(app: App, store: Store) -> Iterator[Source]:
    """The mailbox members reply to: IMAP when configured, else the Maildir `inbox/`."""
    from mailer.inbound.poller import ImapSource, MaildirSource
    from mailer.workspace import server_address

    server = server_address("imap", app.plan(), os.environ)
    if server is None:
        yield MaildirSource(app.workspace.inbox)
        return
    with ImapSource(server, store) as imap:
        yield imap


def poll_once(app: App, now: datetime | None = None, *, via: str = "command") -> str:
    """One pass of the poller over the configured mailbox; the line that says what it did.
    The run is recorded (runs.py) as made by `via`: "daemon" or "command"."""
    from mailer import runs
    from mailer.inbound.poller import poll

    with leaving_a_mark(app, runs.POLL, via) as ending:
        plan = app.plan()
        now = now or datetime.now(UTC)
        with app.store() as store, _mailbox(app, store) as source:
            report = poll(store, source, plan.sender.list_id, plan.imap.folders, now)
        ending.outcome, ending.summary = runs.OK, "; ".join([report.summary(), *report.changes])
    return ending.summary


def health(app: App):
    """The health line's facts (runs.Health): the last tick and poll, mails waiting and
    failed."""
    from mailer import runs

    with app.store() as store:
        return runs.health(store.conn)


def rsvp_answers(app: App, session_key: str | None = None) -> list[dict]:
    """The answers members gave to the invitations, by session and address."""
    from mailer import rsvps

    with app.store() as store:
        return rsvps.listing(store.conn, session_key)


def rsvp_counts(app: App) -> dict[str, dict[str, int]]:
    """Per session key: accepted, declined, tentative and open (active members who have not
    answered); empty before the database exists."""
    from mailer import rsvps
    from mailer.store import ACTIVE

    if not app.workspace.db.exists():
        return {}
    with app.store() as store:
        active = sum(1 for _ in store.subscribers(ACTIVE))
        result = {}
        for key, counted in rsvps.counts(store.conn).items():
            answers = {answer: counted.get(answer, 0) for answer in rsvps.ANSWERS}
            result[key] = {**answers, "open": max(0, active - sum(answers.values()))}
        result["*"] = {**dict.fromkeys(rsvps.ANSWERS, 0), "open": active}
        return result


def organizer_report(app: App, start: datetime, end: datetime):
    """What happened in [start, end) (see mailer.report)."""
    from mailer import report

    with app.store() as store:
        return report.gather(store.conn, app.plan(), start, end)


def notices_owed(app: App, sessions: list) -> dict[str, tuple[str, int]]:
    """Per session key whose content changed since the last tick recorded it: the notice
    the next tick will send (update or cancellation) and to how many members (see
    outbound.queueing.notices_owed); empty before the database exists."""
    from mailer.outbound import queueing

    if not app.workspace.db.exists():
        return {}
    with app.store() as store:
        return queueing.notices_owed(store, sessions)


def refile_message(app: App, message_id: str, kind: str, now: datetime | None = None):
    """Refiles one received message as another kind (see mailer.inbound.refiling); the
    Refiled that says what changed."""
    from mailer.inbound.refiling import refile

    now = now or datetime.now(UTC)
    with app.store() as store, _mailbox(app, store) as source:
        return refile(store, source, message_id, kind, app.plan().imap.folders, now)


def suggestions(app: App) -> list[dict]:
    """The topic ideas members sent, newest first."""
    from mailer.inbound import table

    with app.store() as store:
        return table.suggestions(store.conn)


def schedule_newsletter(
    app: App, path: Path, at: datetime | None, now: datetime, *, again: bool = False
) -> tuple[int, datetime, bool]:
    """Freezes the newsletter in `path` for `at` (else its send_at, else `now`): its id,
    its moment, and whether it replaced an unsent version of the same file. A source
    that went out already (newsletters.went_out_before) is refused without `again`."""
    from mailer.newsletter import read_draft
    from mailer.outbound import newsletters
    from mailer.store import stamp

    plan = app.plan()
    draft = read_draft(path, plan)
    moment = plan.local(at or draft.send_at or now)
    source = str(path.resolve())
    renderer = app.renderer(now)
    with app.store() as store, store.transaction() as conn:
        replacing = newsletters.unsent_from(conn, source, draft.digest)
        if replacing is None and not again:
            earlier = newsletters.went_out_before(
                conn, source, draft.digest, lambda kept: _legacy_same(kept, draft)
            )
            if earlier is not None:
                from mailer import german

                queued = german.long_datetime(plan.local(datetime.fromisoformat(earlier.queued_at)))
                raise MailerError(
                    f"{path.name} went out unchanged as newsletter {earlier.id} on {queued};"
                    " to send it once more, add --again"
                )
        newsletter_id = replacing or newsletters.create(conn, source, stamp(moment), stamp(now))
        web = plan.web.base_url
        letter, public = renderer.newsletter(
            draft.subject,
            draft.body,
            preheader=draft.preheader,
            greeting=draft.greeting,
            browser_url=f"{web}/rundbrief/{newsletter_id}" if web else None,
        )
        content = newsletters.Frozen(letter.subject, letter.html, letter.text, public)
        newsletters.freeze(conn, newsletter_id, content, draft.digest, stamp(moment), stamp(now))
    return newsletter_id, moment, replacing is not None


def _legacy_same(kept, draft) -> bool:
    """Whether a newsletter frozen before its source was kept (migration 13) came from this
    draft: its subject, and the draft's text part inside its text, whatever the settings
    and templates around it were then."""
    from mailer import richtext
    from mailer.text import one_line

    return kept.subject == one_line(draft.subject) and richtext.to_text(draft.body) in kept.text


def cancel_newsletter(app: App, newsletter_id: int, now: datetime) -> str:
    """Cancels a newsletter that has not gone out (or the copies still waiting); what
    happened, counted from the record: the outbox and the ledger of a tick that may be
    sending it right now (whose current batch the outbox still shows as waiting)."""
    import time
    from collections import Counter

    from mailer.outbound import newsletters, outbox
    from mailer.outbound.delivery import HONOURED_WITHIN
    from mailer.outbound.outbox import SENT
    from mailer.store import stamp

    with app.store() as store:
        with store.transaction() as conn:
            found = newsletters.get(conn, newsletter_id, _ledger_answers(store))
            if found is None:
                raise MailerError(
                    f"there is no newsletter {newsletter_id} (see `mailer newsletter list`)"
                )
            if found.status == newsletters.CANCELLED:
                return f"newsletter {newsletter_id} was already cancelled"
            if found.status == newsletters.SENT:
                raise MailerError(
                    f"newsletter {newsletter_id} went out to {found.counts.get(SENT, 0)}"
                    " members already; a sent mail cannot be called back"
                )
            cancelled = newsletters.cancel(conn, newsletter_id, stamp(now))
        if found.status == newsletters.SCHEDULED:
            return f"newsletter {newsletter_id} cancelled; nothing of it went out"
        if _ledger_answers(store):  # a tick is sending: it sees the cancel within this
            time.sleep(HONOURED_WITHIN)
        lines = _ledger_answers(store)
        after = newsletters.get(store.conn, newsletter_id, lines)
        now_is = Counter(outbox.row_statuses(store.conn, cancelled, lines).values())
    assert after is not None
    stopped = sum(now_is[status] for status in (outbox.CANCELLED, *outbox.WAITING))
    on_its_way = now_is[outbox.SENDING]
    said = (
        f"newsletter {newsletter_id} cancelled: {stopped} copies stopped,"
        f" {after.counts.get(SENT, 0)} members had it already"
    )
    if on_its_way:
        said += (
            f", {on_its_way} being handed to the server right now (`mailer newsletter list`"
            " shows whether it arrived once the tick that sends it has its answer)"
        )
    return said


def _ledger_answers(store: Store) -> dict:
    """What a running (or a dead) tick has on its ledger and the outbox does not show yet:
    row id -> outbox.Unfolded."""
    from mailer.outbound.ledger import unfolded

    assert store.path is not None
    return unfolded(store.path)


def outbox_listing(app: App, limit: int | None) -> list[dict]:
    """The outbox, newest first, as the record has it (a running tick's ledger included)."""
    from mailer.outbound import outbox

    with app.store() as store:
        return outbox.listing(store.conn, limit, _ledger_answers(store))


def newsletter_listing(app: App) -> list:
    """Every newsletter, newest first, counted from the record (a running tick's ledger
    included)."""
    from mailer.outbound import newsletters

    if not app.workspace.db.exists():
        return []
    with app.store() as store:
        return newsletters.listing(store.conn, _ledger_answers(store))


# -- the plan written back (planedit.py, planstore.py) -----------------------------------


def edit_plan(
    app: App,
    edit,
    now: datetime,
    *,
    by: str,
    via: str,
    expected: str | None = None,
    dry_run: bool = False,
    recorded_at: datetime | None = None,
):
    """Applies one edit to schedule.yaml (planstore.save), or with `dry_run` only says
    what it would write and send (planstore.preview). Without `expected` the edit is
    made on the file as it is read now (the CLI); a form passes the version it showed.
    The change is recorded at `recorded_at` (default: the clock; `now` is the moment
    what it sends is told for, which `--now` moves)."""
    from mailer import planstore

    path = app.workspace.config
    with app.store() as store:
        if dry_run:
            return planstore.preview(path, store, edit, now, expected=expected)
        version = expected or planstore.read_plan_text(path).version
        saved = planstore.save(
            path, store, edit, expected=version, by=by, via=via, now=now,
            recorded_at=recorded_at or datetime.now(UTC),
        )  # fmt: skip
    app.reload()
    return saved


def undo_plan(
    app: App,
    now: datetime,
    *,
    by: str,
    via: str,
    expected: str | None = None,
    dry_run: bool = False,
    recorded_at: datetime | None = None,
):
    """Undoes the last change made through mailer (planstore.undo), or with `dry_run`
    only says what it would undo, write and send; recorded as edit_plan records."""
    from mailer import planstore

    with app.store() as store:
        undone = planstore.undo(
            app.workspace.config, store, by=by, via=via, now=now, expected=expected,
            recorded_at=recorded_at or datetime.now(UTC), dry_run=dry_run,
        )  # fmt: skip
    if not dry_run:
        app.reload()
    return undone


def plan_history(app: App, limit: int = 50) -> list:
    from mailer import planstore

    if not app.workspace.db.exists():
        return []
    with app.store() as store:
        return planstore.history(store, limit)
