"""The outbox: queue what is due, deliver it, record what happened.

Every mail is one row, keyed by (session, mail, subscriber): a second tick finds the row
and queues nothing. The ledger commits a `sending` mark before a mail's bytes go out, and
its answer right after; a tick that dies in between leaves a mark without an answer, and
the next tick sends that mail again with the same Message-ID (its fate is unknown, so it
is never dropped). A lock file keeps two ticks from delivering at once.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from mailer.ledger import (
    DEFERRED,
    EXPIRED,
    FAILED,
    QUEUED,
    SENT,
    SKIPPED,
    SUPERSEDED,
    Ledger,
    recover,
)
from mailer.plan import ANNOUNCEMENT, CANCELLATION, REMINDER, UPDATE, Plan, Session
from mailer.render import Recipient, Renderer, message_id
from mailer.replies import DIGEST, THANKS, queue_replies, reply_bytes
from mailer.smtp import Deferred, DeliveryProblem, Rejected, ServerUnavailable, Transport
from mailer.store import ACTIVE, Store, stamp
from mailer.timing import due, stages

BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
BOUNCE_LIMIT = 3
VERSION_HORIZON_DAYS = 400


class TickBusy(Exception):
    """Another tick holds the lock."""


@dataclass
class QueueReport:
    queued: int = 0
    superseded: int = 0


@dataclass
class DeliveryReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    expired: int = 0
    skipped: int = 0
    unknown: int = 0
    stopped: bool = False
    problem: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"sent {self.sent}", f"deferred {self.deferred}", f"failed {self.failed}"]
        for name in ("expired", "skipped", "unknown"):
            if value := getattr(self, name):
                parts.append(f"{name} {value}")
        return ", ".join(parts)


@contextmanager
def tick_lock(db_path: Path) -> Iterator[None]:
    """An exclusive lock beside the database; TickBusy if another tick holds it."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TickBusy() from None
        yield
    finally:
        os.close(handle)


# -- queueing ----------------------------------------------------------------


def record_versions(store: Store, plan: Plan, now: datetime) -> dict[str, tuple[Session, int]]:
    """Every session that has not started, with the SEQUENCE of its current content."""
    with store.transaction():
        return {
            session.key: (session, store.record_version(session.key, session.version, now))
            for session in plan.sessions_from(now, VERSION_HORIZON_DAYS)
        }


def queue_due(
    store: Store, plan: Plan, now: datetime, sessions: dict[str, tuple[Session, int]] | None = None
) -> QueueReport:
    """Queues, for every active subscriber, what is due at `now`, once."""
    report = QueueReport()
    now = plan.local(now)
    sessions = sessions or record_versions(store, plan, now)
    domain = plan.sender.list_id
    with store.transaction() as conn:
        # Every change of a member's status appends to the consent log (AUTOINCREMENT ids):
        # once a mail was queued for everyone, only members changed since need a look.
        latest_change = conn.execute("SELECT coalesce(max(id), 0) FROM consent_log").fetchone()[0]
        for entry in due(plan, now):
            session, sequence = sessions[entry.session.key]
            prefix = _scheduled_prefix(session, entry.stage.label, entry.stage.kind)
            mark = conn.execute(
                "SELECT consent_mark FROM queue_marks WHERE prefix = ?", (prefix,)
            ).fetchone()
            if mark is not None and mark[0] >= latest_change:
                continue
            if mark is None:
                report.superseded += _supersede_earlier(conn, session, prefix)
                members = "SELECT id FROM subscribers WHERE status = ?"
                args: tuple = (ACTIVE,)
            else:
                members = (
                    "SELECT id FROM subscribers WHERE status = ? AND id IN"
                    " (SELECT subscriber_id FROM consent_log WHERE id > ?)"
                )
                args = (ACTIVE, mark[0])
            report.queued += conn.execute(
                "INSERT OR IGNORE INTO outbox (dedupe_key, session_key, stage, kind, sequence,"
                " subscriber_id, message_id, status, next_attempt_at, queued_at)"
                f" SELECT ? || id, ?, ?, ?, ?, id, '<' || ? || id || '@' || ? || '>', ?, ?, ? FROM ({members})",
                (prefix, session.key, entry.stage.label, entry.stage.kind, sequence,
                 prefix.replace("/", "."), domain, QUEUED, stamp(now), stamp(now), *args),
            ).rowcount  # fmt: skip
            conn.execute(
                "INSERT INTO queue_marks (prefix, consent_mark) VALUES (?, ?)"
                " ON CONFLICT (prefix) DO UPDATE SET consent_mark = excluded.consent_mark",
                (prefix, latest_change),
            )
        # Notices are owed once per new version: whoever is told later hears the new one.
        for key, sequence in conn.execute(
            "SELECT session_key, sequence FROM session_versions WHERE notices_done = 0"
        ).fetchall():
            if key in sessions and sessions[key][1] == sequence:
                session = sessions[key][0]
                kind = CANCELLATION if session.cancelled else UPDATE
                report.queued += _queue_notice(conn, session, kind, sequence, now, domain)
            conn.execute(
                "UPDATE session_versions SET notices_done = 1 WHERE session_key = ? AND sequence = ?",
                (key, sequence),
            )
        report.queued += queue_replies(conn, plan, now)
    return report


def _supersede_earlier(conn, session: Session, prefix: str) -> int:
    """A later mail of the session is due: what still waits of the earlier ones is dropped."""
    return conn.execute(
        "UPDATE outbox SET status = ?, last_answer = 'a later mail of the session is due'"
        " WHERE session_key = ? AND kind IN (?, ?) AND status IN (?, ?)"
        " AND substr(dedupe_key, 1, ?) != ?",
        (SUPERSEDED, session.key, ANNOUNCEMENT, REMINDER, QUEUED, DEFERRED, len(prefix), prefix),
    ).rowcount


def _scheduled_prefix(session: Session, label: str, kind: str) -> str:
    if kind == ANNOUNCEMENT:
        return f"{session.key}/{label}/"
    # A reminder belongs to the start it reminds of: a moved session is reminded again.
    return f"{session.key}/{label}/{session.start.strftime('%Y%m%dT%H%M')}/"


def _queue_notice(
    conn, session: Session, kind: str, sequence: int, now: datetime, domain: str
) -> int:
    """An update (or cancellation) for each active member told an older version of the session."""
    prefix = f"{session.key}/{kind}/" + (f"{sequence}/" if kind == UPDATE else "")
    # Whatever of this session is still waiting would now say something out of date.
    conn.execute(
        "UPDATE outbox SET status = ?, last_answer = 'the session changed'"
        " WHERE session_key = ? AND status IN (?, ?) AND substr(dedupe_key, 1, ?) != ?"
        " AND (kind IN (?, ?) OR ?)",
        (
            SUPERSEDED,
            session.key,
            QUEUED,
            DEFERRED,
            len(prefix),
            prefix,
            UPDATE,
            CANCELLATION,
            kind == CANCELLATION,
        ),
    )
    cancel = kind == CANCELLATION
    informed = "o.kind != :cancellation" if cancel else "1"
    newer = "1" if cancel else "max(o.sequence) < :sequence"
    return conn.execute(
        "INSERT OR IGNORE INTO outbox (dedupe_key, session_key, stage, kind, sequence,"
        " subscriber_id, message_id, status, next_attempt_at, queued_at)"
        " SELECT :prefix || o.subscriber_id, :key, :kind, :kind, :sequence, o.subscriber_id,"
        " '<' || :id_prefix || o.subscriber_id || '@' || :domain || '>', :queued, :now, :now"
        " FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id AND s.status = :active"
        f" WHERE o.session_key = :key AND o.status = :sent AND {informed}"
        f" GROUP BY o.subscriber_id HAVING {newer}",
        {
            "prefix": prefix, "key": session.key, "kind": kind, "sequence": sequence,
            "id_prefix": prefix.replace("/", "."), "domain": domain, "queued": QUEUED,
            "now": stamp(now), "active": ACTIVE, "sent": SENT,
            "cancellation": CANCELLATION,
        },
    ).rowcount  # fmt: skip


# -- delivering --------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    id: int
    session_key: str
    stage: str
    kind: str
    subscriber_id: int
    message_id: str
    attempts: int
    email: str | None
    name: str | None
    token: str | None
    subscriber_status: str | None
    to_address: str | None
    reference: str | None


@dataclass
class TickReport:
    recovered: int
    queue: QueueReport
    delivery: DeliveryReport


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
) -> TickReport:
    """One pass, as the daemon makes it every minute: recover, queue what is due, deliver.

    Raises TickBusy when another tick holds the lock, ServerUnavailable when the server
    cannot be reached (nothing is marked; the next tick delivers everything once).
    """
    assert store.path is not None
    with tick_lock(store.path):
        recovered = recover_interrupted(store, now)
        sessions = record_versions(store, plan, plan.local(now))
        queued = queue_due(store, plan, now, sessions)
        on_start(pending_count(store, now))
        delivery = deliver(
            store,
            plan,
            renderer,
            transport,
            now,
            on_progress=on_progress,
            should_stop=should_stop,
            sessions=sessions,
        )
    return TickReport(recovered, queued, delivery)


def recover_interrupted(store: Store, now: datetime) -> int:
    """Mails a dead tick had in hand: their fate is unknown, so they go out again."""
    return recover(store, stamp(now))


def pending_count(store: Store, now: datetime) -> int:
    return store.conn.execute(
        "SELECT count(*) FROM outbox WHERE status IN (?, ?) AND next_attempt_at <= ?",
        (QUEUED, DEFERRED, stamp(now)),
    ).fetchone()[0]


def deliver(
    store: Store,
    plan: Plan,
    renderer: Renderer,
    transport: Transport,
    now: datetime,
    *,
    on_progress: Callable[[], None] = lambda: None,
    should_stop: Callable[[], bool] = lambda: False,
    batch_size: int = 500,
    sessions: dict[str, tuple[Session, int]] | None = None,
) -> DeliveryReport:
    """Sends every row that is due, one at a time; stops early on a server problem."""
    now = plan.local(now)
    report = DeliveryReport()
    if not pending_count(store, now):
        return report
    sessions = sessions or record_versions(store, plan, now)
    at = stamp(now)
    ledger = Ledger(store)
    sender = _Sender(ledger, plan, renderer, transport, sessions, at, now, report, on_progress)
    try:
        transport.open()
        sender.deliver(_due_rows(store, ledger, at, batch_size), should_stop)
    finally:
        try:
            ledger.fold(at)
        finally:
            ledger.close()
            transport.close()
    return report


def _due_rows(store: Store, ledger: Ledger, at: str, size: int) -> Iterator[_Row]:
    """The rows due at `at`, read in batches; the ledger is folded after each batch."""
    last_id = 0
    while rows := _next_batch(store, at, last_id, size):
        yield from rows
        last_id = rows[-1].id
        ledger.fold(at)


def _next_batch(store: Store, at: str, after_id: int, size: int) -> list[_Row]:
    cursor = store.conn.execute(
        "SELECT o.id, o.session_key, o.stage, o.kind, o.subscriber_id, o.message_id, o.attempts,"
        " s.email, s.name, s.token, s.status, o.to_address, o.reference"
        " FROM outbox o LEFT JOIN subscribers s ON s.id = o.subscriber_id"
        " WHERE o.status IN (?, ?) AND o.next_attempt_at <= ? AND o.id > ?"
        " ORDER BY o.id LIMIT ?",
        (QUEUED, DEFERRED, at, after_id, size),
    )
    return [_Row(*values) for values in cursor]


@dataclass
class _Mail:
    """A row that goes out: where to, and how to make its bytes when they are needed."""

    row: _Row
    recipient: str
    sequence: int
    make: Callable[[], bytes]


@dataclass
class _Sender:
    """Delivers the due rows one mail at a time and records what became of each.

    While the server reads one mail, the next one is made: its envelope already went out
    with this one (see SmtpTransport), and its bytes are ready when its answer comes.
    """

    ledger: Ledger
    plan: Plan
    renderer: Renderer
    transport: Transport
    sessions: dict[str, tuple[Session, int]]
    at: str  # `now` as stored
    now: datetime
    report: DeliveryReport
    on_progress: Callable[[], None]

    def deliver(self, rows: Iterator[_Row], should_stop: Callable[[], bool]) -> None:
        mails = (mail for row in rows if (mail := self._mail(row)) is not None)
        current = next(mails, None)
        payload = current.make() if current else b""
        upcoming = next(mails, None)
        while current is not None:
            if should_stop():
                self.report.stopped = True
                return
            refused = self._start(current, payload, upcoming)
            # While the server reads this mail: make the next one and look one further.
            payload = upcoming.make() if upcoming else b""
            after = next(mails, None)
            self._record(current.row, refused if refused is not None else self._answer())
            self.on_progress()
            current, upcoming = upcoming, after

    def _mail(self, row: _Row) -> _Mail | None:
        """What to send for this row; None (and its fate recorded) when nothing goes out."""
        plan = self.plan
        if row.kind != DIGEST and (row.subscriber_status != ACTIVE or row.email is None):
            return self._skip(row, SKIPPED, f"subscriber is {row.subscriber_status or 'removed'}")
        if row.kind in (THANKS, DIGEST):
            conn, renderer = self.ledger.store.conn, self.renderer
            recipient = row.to_address if row.kind == DIGEST else row.email
            assert recipient is not None
            return _Mail(
                row, recipient, 0, lambda: reply_bytes(conn, plan, renderer, row, self.now)
            )
        found = self.sessions.get(row.session_key)
        if found is None:
            return self._skip(row, EXPIRED, "the session has started or is no longer in the plan")
        session, sequence = found
        if session.cancelled and row.kind != CANCELLATION:
            return self._skip(row, SUPERSEDED, "the session is cancelled")
        offset = _reminder_offset(plan, row.stage) if row.kind == REMINDER else None
        letter = self.renderer.letter(session, row.kind, sequence, offset)
        references = None
        if row.kind in (UPDATE, CANCELLATION):
            references = message_id(
                f"{session.key}/{ANNOUNCEMENT}/{row.subscriber_id}", plan.sender.list_id
            )
        template = self.renderer.wire(letter, replies=references is not None)
        recipient = Recipient(row.email, row.name, row.token or "")
        return _Mail(
            row, row.email, sequence, lambda: template.fill(recipient, row.message_id, references)
        )

    def _skip(self, row: _Row, status: str, reason: str) -> None:
        self._finish(row, status, reason)
        if status == SKIPPED:
            self.report.skipped += 1
        elif status == EXPIRED:
            self.report.expired += 1
        self.on_progress()

    def _start(self, mail: _Mail, payload: bytes, upcoming: _Mail | None) -> DeliveryProblem | None:
        """Mark `sending`, then hand the bytes over; the server's refusal of the envelope, if any."""
        # On record before the bytes go out:
        self.ledger.sending(mail.row.id, mail.sequence, mail.row.attempts + 1)
        try:
            self.transport.start(
                self.plan.sender.reply_to,
                mail.recipient,
                payload,
                next_recipient=upcoming.recipient if upcoming else None,
            )
        except DeliveryProblem as refused:
            return refused
        except ServerUnavailable as unavailable:
            # Nothing was handed over: the row stays queued as it was, and the tick stops.
            self.ledger.withdraw(mail.row.id)
            self.report.stopped = True
            self.report.problem = str(unavailable)
            raise
        return None

    def _answer(self) -> DeliveryProblem | None:
        """The server's answer to the mail handed over: None when it took it."""
        try:
            self.transport.finish()
        except DeliveryProblem as answer:
            return answer
        return None

    def _record(self, row: _Row, problem: DeliveryProblem | None) -> None:
        report = self.report
        if problem is None:
            self._finish(row, SENT, "250 accepted", sent=True)
            report.sent += 1
        elif isinstance(problem, Deferred):
            delay = min(BACKOFF_FIRST * (2**row.attempts), BACKOFF_MAX)
            self._finish(row, DEFERRED, problem.answer, retry_at=stamp(self.now + delay))
            report.deferred += 1
        elif isinstance(problem, Rejected):
            self._finish(row, FAILED, problem.answer)
            report.failed += 1
            if row.kind != DIGEST:
                limit = 1 if problem.stage == "RCPT TO" else BOUNCE_LIMIT
                self.ledger.flush()
                self.ledger.store.count_bounce(
                    row.subscriber_id, f"SMTP {problem.answer}", self.now, limit
                )
        else:
            self._finish(row, QUEUED, f"fate unknown ({problem.answer}); will be sent again")
            report.unknown += 1

    def _finish(
        self,
        row: _Row,
        status: str,
        answer: str,
        *,
        retry_at: str | None = None,
        sent: bool = False,
    ) -> None:
        at = self.at
        self.ledger.answered(row.id, status, answer[:500], retry_at or at, at if sent else None)


def _reminder_offset(plan: Plan, label: str) -> timedelta | None:
    for stage in stages(plan):
        if stage.label == label:
            return stage.offset
    return None


def outbox_rows(store: Store, limit: int | None = None) -> list[dict]:
    sql = (
        "SELECT o.session_key, o.kind, o.stage, coalesce(s.email, ''), o.status, o.attempts,"
        " o.next_attempt_at, o.sent_at, o.last_answer, o.message_id"
        " FROM outbox o LEFT JOIN subscribers s ON s.id = o.subscriber_id ORDER BY o.id DESC"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    keys = (
        "session",
        "kind",
        "stage",
        "email",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_answer",
        "message_id",
    )
    return [dict(zip(keys, row, strict=True)) for row in store.conn.execute(sql)]
