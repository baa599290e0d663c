"""Delivery: the due rows of the outbox, one mail at a time, through a transport.

Before a mail's bytes go out, the ledger has its `sending` mark on record, and its
answer is on record before the next mail's bytes go out; a tick that dies in between
leaves a mark without an answer, and the next tick sends that mail again with the same
Message-ID (its fate is unknown, so it is never dropped).
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mailer.mailkinds import ANNOUNCEMENT, CANCELLATION, NEWSLETTER, RECAP, REMINDER, UPDATE
from mailer.outbound import newsletters, outbox
from mailer.outbound.ledger import Ledger
from mailer.outbound.outbox import (
    CANCELLED,
    CONFIRM,
    DEFERRED,
    DIGEST,
    EXPIRED,
    FAILED,
    GOODBYE,
    QUEUED,
    SENT,
    SKIPPED,
    SUPERSEDED,
    THANKS,
    DueRow,
    OutboxKey,
)
from mailer.outbound.queueing import Sessions
from mailer.outbound.replies import reply_bytes
from mailer.outbound.smtp import (
    HANG_UP,
    Deferred,
    DeliveryProblem,
    Rejected,
    ServerUnavailable,
    Transport,
)
from mailer.plan import Plan, Session
from mailer.render import Letter, Recipient, Renderer
from mailer.store import ACTIVE, PENDING, UNSUBSCRIBED, Store, stamp
from mailer.wallclock import instant

BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
BOUNCE_LIMIT = 3
# A mail the server hangs up on, or whose fate stays unknown, is tried this often in all
# and then given up as failed: never a bounce (it says nothing about the mailbox), and
# never a wall in front of the members after it.
ATTEMPT_LIMIT = 3
CHANGE_CHECK_SECONDS = 0.01
# A change committed elsewhere (a cancel, an unsubscribe) is honoured by a sending tick
# within CHANGE_CHECK_SECONDS of its clock; after this long (room for a busy machine) the
# mails it still handed over are all on its ledger.
HONOURED_WITHIN = 20 * CHANGE_CHECK_SECONDS
# This many refusals in a row with the same answer, and no mail taken in between: that is
# the server refusing us (a relay that does not know us, a quota), not dead mailboxes.
REFUSAL_RUN_LIMIT = 10
# Refusals that say something about us, not about the mailbox: authentication required or
# failed (530, 535; RFC 4954 6), the security and policy class 5.7.x (RFC 3463 3.8), and
# the words relays use when they will not relay for us.
_POLICY = re.compile(
    r"\b5\.7\.\d{1,3}\b|relay(ing)?\s+(access\s+)?(denied|not\s+permitted|prohibited)|"
    r"authentication\s+required",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"<[^<>]*>|\S+@\S+")


def counts_toward_bounce(problem: Rejected) -> bool:
    """A refusal about the mailbox, not about us: not an authentication or policy answer
    (530, 535, 5.7.x, "relaying denied"), and not mailer's own limit (an address that
    needs SMTPUTF8 from a server that lacks it)."""
    if problem.stage == "SMTPUTF8" or problem.code in (530, 535):
        return False
    return _POLICY.search(problem.answer) is None


def refusal_signature(problem: Rejected) -> str:
    """The answer without the addresses in it: the same for every member when the server
    refuses us, different when mailboxes are refused one by one."""
    return " ".join(_ADDRESS.sub("", problem.answer).split())


@dataclass
class DeliveryReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    expired: int = 0
    skipped: int = 0
    unknown: int = 0
    cancelled: int = 0

    def summary(self) -> str:
        parts = [f"sent {self.sent}", f"deferred {self.deferred}", f"failed {self.failed}"]
        for name in ("expired", "skipped", "cancelled", "unknown"):
            if value := getattr(self, name):
                parts.append(f"{name} {value}")
        return ", ".join(parts)


def deliver(
    store: Store,
    plan: Plan,
    renderer: Renderer,
    transport: Transport,
    now: datetime,
    sessions: Sessions,
    *,
    on_progress: Callable[[], None] = lambda: None,
    should_stop: Callable[[], bool] = lambda: False,
    batch_size: int = 500,
    monotonic: Callable[[], float] = time.monotonic,
    more_transports: Sequence[Transport] = (),
) -> DeliveryReport:
    """Sends every row that is due, one at a time per connection (`transport`, and
    `more_transports` beside it); stops early on a server problem."""
    now = plan.local(now)
    report = DeliveryReport()
    at = stamp(now)
    if not outbox.pending_count(store.conn, at):
        return report
    ledger = Ledger(store)
    sender = _Sender(
        ledger, plan, renderer, transport, sessions, at, now, report, on_progress, monotonic(),
        store.message_id_key(), monotonic=monotonic,
    )  # fmt: skip
    rows = _due_rows(store, ledger, at, batch_size)
    try:
        if more_transports:
            sender.deliver_parallel(rows, should_stop, [transport, *more_transports])
        else:
            transport.open()
            sender.deliver(rows, should_stop)
    except BaseException:
        # The first problem is the one to tell; if folding fails too (a full disk), the
        # lines stay in the ledger and the next tick folds them.
        with contextlib.suppress(Exception):
            ledger.fold(at)
        raise
    else:
        ledger.fold(at)
    finally:
        ledger.close()
        transport.close()
    return report


def _due_rows(store: Store, ledger: Ledger, at: str, size: int) -> Iterator[DueRow]:
    """The rows due at `at`, read in batches; the ledger is folded after each batch."""
    last_id = 0
    while rows := outbox.due_batch(store.conn, at, last_id, size):
        yield from rows
        last_id = rows[-1].id
        ledger.fold(at)


@dataclass
class _Mail:
    """A row that goes out: where to, and how to make its bytes when they are needed."""

    row: DueRow
    recipient: str
    sequence: int
    make: Callable[[], bytes]
    deadline: float | None = None  # the session's start, on the tick's monotonic clock


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
    sessions: Sessions
    at: str  # `now` as stored
    now: datetime
    report: DeliveryReport
    on_progress: Callable[[], None]
    started: float  # the monotonic clock when the tick's `now` was read
    secret: bytes  # signs Message-IDs (outbox.mac)
    # What this tick read of the members is current until another connection commits;
    # from then on each member's status is read again before their mail leaves.
    _data_version: int | None = None
    _recheck: bool = False
    _hang_ups: int = 0
    _last_look: float = float("-inf")
    _deadlines: dict[str, float] = field(default_factory=dict)
    _told_versions: dict[tuple[str, int], tuple[int, str | None]] = field(default_factory=dict)
    _held: dict[str, Session | None] = field(default_factory=dict)  # sessions that began
    _newsletters: dict[int, Letter | None] = field(default_factory=dict)
    _busy: int = 0  # parallel delivery: mails handed to a connection and not answered yet
    _opening: int = 0  # parallel delivery: connections not open yet
    monotonic: Callable[[], float] = time.monotonic
    # The refusals since the server last took a mail, all with the same signature; their
    # bounces wait until the run ends, so that a server refusing us marks nobody.
    _run: list[tuple[DueRow, Rejected]] = field(default_factory=list)

    def deliver(self, rows: Iterator[DueRow], should_stop: Callable[[], bool]) -> None:
        self._data_version = self.ledger.store.changed_elsewhere()
        mails = (mail for row in rows if (mail := self._mail(row)) is not None)
        current = next(mails, None)
        payload = current.make() if current else b""
        upcoming = next(mails, None)
        while current is not None:
            if should_stop():
                break
            if not self._still_due(current):
                current, upcoming = upcoming, next(mails, None)
                payload = current.make() if current else b""
                continue
            refused = self._start(current, payload, upcoming)
            # While the server reads this mail: make the next one and look one further.
            payload = upcoming.make() if upcoming else b""
            after = next(mails, None)
            self._record(current.row, refused if refused is not None else self._answer())
            self.on_progress()
            current, upcoming = upcoming, after
        self._end_run()

    def deliver_parallel(
        self, rows: Iterator[DueRow], should_stop: Callable[[], bool], transports: list[Transport]
    ) -> None:
        """The same, over several connections at once, each in a thread of its own (_Lane).

        Only this thread reads the database, renders, and writes the ledger: a mail is
        marked `sending` before it is handed to an idle connection, and its answer is
        recorded before that connection gets its next mail, so at most one mail per
        connection is in doubt after a crash. Each connection's next mail is chosen when
        it gets this one, so that its envelope goes out with this one's body (one round
        trip a mail, as with one connection); it is marked and handed over, and its body
        sent, only after this one's answer is on record. A connection the server refuses
        (421 when it allows fewer) is left out; one that fails later gives its mail back
        unsent, for another connection. Without any connection the tick stops as with one.
        """
        self._data_version = self.ledger.store.changed_elsewhere()
        results: queue.SimpleQueue = queue.SimpleQueue()
        lanes = [
            _Lane(transport, self.plan.sender.envelope_from, results) for transport in transports
        ]
        for lane in lanes:
            lane.thread.start()
        feed = _Feed(mail for row in rows if (mail := self._mail(row)) is not None)
        idle: list[_Lane] = []
        self._busy, self._opening = 0, len(lanes)
        lost: list[ServerUnavailable] = []
        try:
            while True:
                if not should_stop():
                    idle = [lane for lane in idle if not self._hand_over(lane, feed)]
                if self._busy == 0 and self._opening == 0:
                    if idle or feed.empty():
                        break  # stopped, or nothing left to send
                    raise lost[0]
                lane, mail, outcome = results.get()
                if mail is None:  # a connection opened, or could not
                    self._opening -= 1
                    if isinstance(outcome, ServerUnavailable):
                        lost.append(outcome)
                    elif outcome is not None:
                        raise outcome
                    else:
                        idle.append(lane)
                    continue
                self._busy -= 1
                if isinstance(outcome, ServerUnavailable):
                    self.ledger.withdraw(mail.row.id)  # nothing was handed over
                    feed.give_back(lane, mail)  # to another connection, if one is left
                    lost.append(outcome)
                    continue
                if outcome is not None and not isinstance(outcome, DeliveryProblem):
                    raise outcome
                self._record(mail.row, outcome)
                self.on_progress()
                idle.append(lane)
            self._end_run()
        finally:
            for lane in lanes:
                lane.inbox.put(None)
            self._drain(results)
            for lane in lanes:
                lane.thread.join()

    def _hand_over(self, lane: _Lane, feed: _Feed) -> bool:
        """Gives an idle connection its next mail, if one is still due; whether it got one."""
        mail = feed.next_for(lane)
        while mail is not None and not self._still_due(mail):
            mail = feed.next_for(lane)
        if mail is None:
            return False
        upcoming = feed.reserve(lane)
        payload = mail.make()
        self.ledger.sending(mail.row.id, mail.sequence, mail.row.attempts + 1)
        lane.inbox.put((mail, payload, upcoming.recipient if upcoming else None))
        self._busy += 1
        return True

    def _drain(self, results: queue.SimpleQueue) -> None:
        """After a stop: the answers of the mails still on their way, recorded."""
        while self._busy or self._opening:
            _, mail, outcome = results.get()
            if mail is None:
                self._opening -= 1
                continue
            self._busy -= 1
            if isinstance(outcome, ServerUnavailable):
                self.ledger.withdraw(mail.row.id)
                continue
            if outcome is not None and not isinstance(outcome, DeliveryProblem):
                continue  # a bug in a connection: its mail's fate is unknown, sent again
            if isinstance(outcome, Rejected):
                # Refused while the tick stops (on a run of refusals, most likely): held
                # back for a later tick like the run, never failed or counted as a bounce.
                self._finish(mail.row, DEFERRED, "held back: the tick stopped",
                             retry_at=stamp(self.now + BACKOFF_FIRST))  # fmt: skip
                self.report.deferred += 1
                continue
            with contextlib.suppress(ServerUnavailable):  # the tick is stopping already
                self._record(mail.row, outcome)

    def _mail(self, row: DueRow) -> _Mail | None:
        """What to send for this row; None (and its fate recorded) when nothing goes out."""
        plan = self.plan
        if row.kind != DIGEST and (row.subscriber_status != _wanted(row) or row.email is None):
            return self._skip(row, SKIPPED, f"subscriber is {row.subscriber_status or 'removed'}")
        if row.kind == REMINDER and not row.reminders:
            return self._skip(row, SKIPPED, "the member wants no reminders")
        if row.kind == CONFIRM and plan.web.base_url is None:
            return self._skip(row, SKIPPED, "web.base_url is no longer set: no link to confirm")
        if row.kind in (THANKS, DIGEST, GOODBYE, CONFIRM):
            conn, renderer = self.ledger.store.conn, self.renderer
            recipient = row.to_address if row.kind == DIGEST else row.email
            assert recipient is not None
            recipient = _wire_address(recipient)
            return _Mail(
                row,
                recipient,
                0,
                lambda: reply_bytes(conn, plan, renderer, row, recipient, self.now),
            )
        if row.kind == NEWSLETTER:
            letter = self._newsletter(newsletters.id_of_stage(row.stage))
            if letter is None:
                return self._skip(row, CANCELLED, "the organizer cancelled it")
            return self._member_mail(row, letter, 0, None, None)
        if row.kind == RECAP:
            held = self._held_session(row.session_key)
            if held is None or not held.recap or held.cancelled:
                return self._skip(row, SKIPPED, "the recap is no longer in the plan")
            return self._member_mail(row, self.renderer.letter(held, RECAP, 0), 0, None, None)
        found = self.sessions.get(row.session_key)
        if found is None:
            return self._skip(row, EXPIRED, "the session has started or is no longer in the plan")
        session, sequence = found
        if session.cancelled and row.kind != CANCELLATION:
            return self._skip(row, SUPERSEDED, "the session is cancelled")
        told = self._told(row) if row.kind == UPDATE else None
        letter = self.renderer.letter(session, row.kind, sequence, told)
        references = None
        if row.kind in (UPDATE, CANCELLATION):
            announcement = OutboxKey.scheduled(session.key, ANNOUNCEMENT).to(row.subscriber_id)
            references = announcement.message_id(plan.sender.list_id, self.secret)
        return self._member_mail(row, letter, sequence, references, self._deadline(session))

    def _member_mail(
        self,
        row: DueRow,
        letter: Letter,
        sequence: int,
        references: str | None,
        deadline: float | None,
    ) -> _Mail:
        """A letter to a member, through its wire template (made once per letter)."""
        assert row.email is not None
        template = self.renderer.wire(letter, replies=references is not None)
        address = _wire_address(row.email)
        recipient = Recipient(
            address, row.name, row.token or "", row.first_name, row.last_name, row.salutation,
            row.subscriber_id,
        )  # fmt: skip
        return _Mail(
            row,
            address,
            sequence,
            lambda: template.fill(recipient, row.message_id, references),
            deadline=deadline,
        )

    def _newsletter(self, newsletter_id: int) -> Letter | None:
        """The newsletter's frozen letter; None once it is cancelled."""
        if newsletter_id not in self._newsletters:
            conn = self.ledger.store.conn
            frozen = newsletters.content(conn, newsletter_id)
            self._newsletters[newsletter_id] = (
                None
                if frozen is None or newsletters.is_cancelled(conn, newsletter_id)
                else Letter(NEWSLETTER, "", 0, frozen.subject, frozen.html, frozen.text, None, None)
            )
        return self._newsletters[newsletter_id]

    def _held_session(self, key: str) -> Session | None:
        """A session that may have begun (a recap's), as the plan says now."""
        if key not in self._held:
            self._held[key] = self.plan.session(key)
        return self._held[key]

    def _told(self, row: DueRow) -> tuple[int, str | None] | None:
        """The version of the session this member was sent before, for the update's words."""
        if row.told_sequence is None:
            return None
        key = (row.session_key, row.told_sequence)
        if key not in self._told_versions:
            content = self.ledger.store.version_content(*key)
            self._told_versions[key] = (row.told_sequence, content)
        return self._told_versions[key]

    def _still_due(self, mail: _Mail) -> bool:
        """Checked right before the mail leaves, not when its row was read: the session
        has not started on the tick's clock, and the member has not left meanwhile."""
        if mail.deadline is not None and self.monotonic() >= mail.deadline:
            self._skip(mail.row, EXPIRED, "the session started before the mail could go out")
            return False
        if mail.row.kind == DIGEST:
            return True
        store = self.ledger.store
        if not self._recheck and self._look_again():
            self._recheck = store.changed_elsewhere() != self._data_version
        if self._recheck:
            status = store.status_of(mail.row.subscriber_id)
            if status != _wanted(mail.row):
                self._skip(mail.row, SKIPPED, f"subscriber is {status or 'removed'}")
                return False
            if (
                mail.row.kind == NEWSLETTER
                and outbox.row_status(store.conn, mail.row.id) == CANCELLED
            ):
                self._skip(mail.row, CANCELLED, "the organizer cancelled it")
                return False
        return True

    def _deadline(self, session: Session) -> float:
        """The session's start on the monotonic clock: `now` moves on as the tick runs, so
        `tick --now T` stops at the start exactly as the daemon at T would."""
        if session.key not in self._deadlines:
            ahead = (instant(session.start) - instant(self.now)).total_seconds()
            self._deadlines[session.key] = self.started + ahead
        return self._deadlines[session.key]

    def _look_again(self) -> bool:
        """Whether to ask SQLite again if anyone else committed: every CHANGE_CHECK_SECONDS
        of the tick, so a change is honoured within that time, at a few µs per check."""
        moment = self.monotonic()
        if moment - self._last_look < CHANGE_CHECK_SECONDS:
            return False
        self._last_look = moment
        return True

    def _skip(self, row: DueRow, status: str, reason: str) -> None:
        self._finish(row, status, reason)
        if status == SKIPPED:
            self.report.skipped += 1
        elif status == EXPIRED:
            self.report.expired += 1
        elif status == CANCELLED:
            self.report.cancelled += 1
        self.on_progress()

    def _start(self, mail: _Mail, payload: bytes, upcoming: _Mail | None) -> DeliveryProblem | None:
        """Mark `sending`, then hand the bytes over; the server's refusal of the envelope, if any."""
        # On record before the bytes go out:
        self.ledger.sending(mail.row.id, mail.sequence, mail.row.attempts + 1)
        try:
            self.transport.start(
                self.plan.sender.envelope_from,
                mail.recipient,
                payload,
                next_recipient=upcoming.recipient if upcoming else None,
            )
        except DeliveryProblem as refused:
            return refused
        except ServerUnavailable:
            # Nothing was handed over: the row stays queued as it was, and the tick stops.
            self.ledger.withdraw(mail.row.id)
            raise
        return None

    def _answer(self) -> DeliveryProblem | None:
        """The server's answer to the mail handed over: None when it took it."""
        try:
            self.transport.finish()
        except DeliveryProblem as answer:
            return answer
        return None

    def _record(self, row: DueRow, problem: DeliveryProblem | None) -> None:
        report = self.report
        if problem is None:
            self._end_run()
            self._hang_ups = 0
            self._finish(row, SENT, self.transport.recorded_as, sent=True)
            report.sent += 1
        elif isinstance(problem, Deferred) and problem.stage == HANG_UP:
            self._count_hang_up()
            if row.attempts + 1 >= ATTEMPT_LIMIT:
                self._finish(row, FAILED, f"{problem.answer}; given up after {ATTEMPT_LIMIT} tries")
                report.failed += 1
            else:
                self._finish(row, DEFERRED, problem.answer, retry_at=self._backoff(row))
                report.deferred += 1
        elif isinstance(problem, Deferred):
            self._finish(row, DEFERRED, problem.answer, retry_at=self._backoff(row))
            report.deferred += 1
        elif isinstance(problem, Rejected):
            self._finish(row, FAILED, problem.answer)
            report.failed += 1
            self._refused(row, problem)
        elif row.attempts + 1 >= ATTEMPT_LIMIT:
            self._finish(
                row,
                FAILED,
                f"fate unknown {ATTEMPT_LIMIT} times ({problem.answer}); not sent again",
            )
            report.unknown += 1
        else:
            # Sent again with the same Message-ID, after a pause, not at the very next tick.
            self._finish(
                row,
                QUEUED,
                f"fate unknown ({problem.answer}); will be sent again",
                retry_at=self._backoff(row),
            )
            report.unknown += 1

    def _backoff(self, row: DueRow) -> str:
        """5 minutes after the first try, doubling, at most 6 hours, on the tick's clock."""
        return stamp(self.now + min(BACKOFF_FIRST * (2**row.attempts), BACKOFF_MAX))

    def _count_hang_up(self) -> None:
        """Hang-ups in a row with no mail taken: the server, not the members."""
        self._hang_ups += 1
        if self._hang_ups >= REFUSAL_RUN_LIMIT:
            raise ServerUnavailable(
                f"{self.transport.where} hung up on {self._hang_ups} mails in a row and took"
                " none; they wait for a later tick"
            )

    def _refused(self, row: DueRow, problem: Rejected) -> None:
        """A 5xx: part of a run of the same answer, or the end of the run before it."""
        if self._run and refusal_signature(self._run[0][1]) != refusal_signature(problem):
            self._end_run()
        self._run.append((row, problem))
        if len(self._run) >= REFUSAL_RUN_LIMIT:
            self._stop_run()

    def _end_run(self) -> None:
        """The run is over (a mail was taken, another answer came, the tick ends): its
        refusals were about the mailboxes, and count toward their bounces."""
        run, self._run = self._run, []
        for row, problem in run:
            if row.kind == DIGEST or not counts_toward_bounce(problem):
                continue  # the organizer's own address, or a refusal about us
            limit = 1 if problem.stage == "RCPT TO" else BOUNCE_LIMIT
            self.ledger.flush()
            self.ledger.store.count_bounce(
                row.subscriber_id, f"SMTP {problem.answer}", self.now, limit
            )

    def _stop_run(self) -> None:
        """The server refuses us: the run's mails wait for a later tick, nobody is marked,
        and the tick stops with the server's answer."""
        run, self._run = self._run, []
        for row, _ in run:
            self._finish(row, DEFERRED, "held back: the server refused every mail in a row",
                         retry_at=stamp(self.now + BACKOFF_FIRST))  # fmt: skip
        self.report.failed -= len(run)
        self.report.deferred += len(run)
        answer = run[-1][1].answer
        raise ServerUnavailable(
            f"{self.transport.where} refused {len(run)} mails in a row with '{answer}' and took none;"
            " nobody was marked bounced"
        )

    def _finish(
        self,
        row: DueRow,
        status: str,
        answer: str,
        *,
        retry_at: str | None = None,
        sent: bool = False,
    ) -> None:
        at = self.at
        self.ledger.answered(row.id, status, answer[:500], retry_at or at, at if sent else None)


class _Feed:
    """The mails of a parallel delivery, and each connection's reserved next mail: the
    one whose envelope went out with the body of the mail before it."""

    def __init__(self, mails: Iterator[_Mail]):
        self._mails = mails
        self._reserved: dict[_Lane, _Mail] = {}
        self._spare: list[_Mail] = []  # the mails of connections that were lost
        self._exhausted = False

    def next_for(self, lane: _Lane) -> _Mail | None:
        """The connection's reserved mail, else the next one; None when there are none."""
        return self._reserved.pop(lane, None) or self._next()

    def reserve(self, lane: _Lane) -> _Mail | None:
        mail = self._next()
        if mail is not None:
            self._reserved[lane] = mail
        return mail

    def give_back(self, lane: _Lane, mail: _Mail) -> None:
        """A lost connection's mail, unsent, and its reserved one go to another one."""
        if (reserved := self._reserved.pop(lane, None)) is not None:
            self._spare.append(reserved)
        self._spare.append(mail)  # the next to go

    def empty(self) -> bool:
        return self._exhausted and not self._spare and not self._reserved

    def _next(self) -> _Mail | None:
        if self._spare:
            return self._spare.pop()
        mail = None if self._exhausted else next(self._mails, None)
        self._exhausted = mail is None
        return mail


class _Lane:
    """One connection of a parallel delivery, in a thread of its own: it opens its
    connection and reports that, then hands over each mail it is given and reports the
    server's answer. It touches nothing but its connection."""

    def __init__(self, transport: Transport, envelope_from: str, results: queue.SimpleQueue):
        self.transport = transport
        self.envelope_from = envelope_from
        self.results = results
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="smtp-connection", daemon=True)

    def _run(self) -> None:
        try:
            self.transport.open()
        except Exception as refused:
            self.results.put((self, None, refused))
            return
        self.results.put((self, None, None))
        try:
            while (job := self.inbox.get()) is not None:
                mail, payload, next_recipient = job
                try:
                    outcome = self._hand_over(mail, payload, next_recipient)
                except Exception as error:
                    self.results.put((self, mail, error))
                    return
                self.results.put((self, mail, outcome))
                if isinstance(outcome, ServerUnavailable):
                    return
        finally:
            with contextlib.suppress(Exception):  # closing a broken connection
                self.transport.close()

    def _hand_over(
        self, mail: _Mail, payload: bytes, next_recipient: str | None
    ) -> DeliveryProblem | ServerUnavailable | None:
        """Its body, with the envelope of the connection's next mail (see SmtpTransport)."""
        try:
            self.transport.start(
                self.envelope_from, mail.recipient, payload, next_recipient=next_recipient
            )
            self.transport.finish()
        except (DeliveryProblem, ServerUnavailable) as problem:
            return problem
        return None


def _wanted(row: DueRow) -> str:
    """The status a member must have for this mail: the confirmation of an unsubscribe
    goes to the one who just left, a sign-up's confirmation to the one who waits for it,
    everything else only to active members."""
    return {GOODBYE: UNSUBSCRIBED, CONFIRM: PENDING}.get(row.kind, ACTIVE)


def _wire_address(email: str) -> str:
    """An international domain travels as xn--, so no SMTPUTF8 is needed on the way."""
    if email.isascii():
        return email
    from mailer.members import ascii_form  # email-validator: only for the rare such address

    return ascii_form(email) or email
