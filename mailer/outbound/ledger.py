"""The delivery ledger: each mail's fate on record before the next mail goes out.

At most one mail may be in doubt after a crash, so the answer to each mail has to be on
record before the next mail's bytes leave. A commit to subscribers.db per mail costs
eight system calls (SQLite's file locks and its WAL), and at thousands of mails a minute
it was the largest single cost of sending. The ledger instead appends one line per mail
to a file beside the database, `subscribers.db.ledger`, with one write(2): the answer
to the mail before and the `sending` mark of the next. A written line survives the
process being killed, like a commit in WAL mode with synchronous=NORMAL, which is how
subscribers.db is opened; neither is meant to survive a power cut.

Every few hundred mails, and at the end of a tick, `fold` applies the lines to the
outbox in one transaction and empties the file. The lines carry absolute values (the
attempt count, not "+1"), so folding the same lines twice, after a crash between the
commit and the emptying, changes nothing.

After a crash the file holds at most one mark without an answer per connection (see
`smtp.connections`): the mails in hand, whose fate is unknown. `fold` queues it again, to be sent with the same Message-ID; it never
drops it. Until a fold, `mailer outbox` shows the mails of the running batch as queued.

Each line is tab-separated UTF-8:

    sending    <row id>  <sequence>  <attempts>
    withdrawn  <row id>
    <status>   <row id>  <next attempt at>  <sent at, or empty>  <answer>
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from mailer.errors import MailerError
from mailer.outbound import outbox
from mailer.outbound.outbox import QUEUED, Outcome, Unfolded
from mailer.store import Store
from mailer.text import one_line

# The first word of a line: one of these two, or the row status of an answer (outbox.py).
SENDING = "sending"
WITHDRAWN = "withdrawn"  # a mark taken back: nothing was handed over

FATE_UNKNOWN = "fate unknown after an interrupted tick, sent again with the same Message-ID"

log = logging.getLogger(__name__)


def ledger_path(db_path: Path) -> Path:
    """Beside the database's real file: a symlink to it finds the same ledger."""
    real = db_path.resolve()
    return real.with_name(real.name + ".ledger")


class Ledger:
    """Writes each mail's mark and answer to the ledger file; `fold` moves them to the outbox.

    Hold it only under the tick lock: one tick at a time appends to the file.
    """

    def __init__(self, store: Store):
        assert store.path is not None
        self.store = store
        self.path = ledger_path(store.path)
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            # Kept here, not asked for: one write(2) per mail stays one system call.
            self._size = os.fstat(self._fd).st_size
        except OSError as error:
            raise MailerError(f"cannot open {self.path}: {error.strerror}") from None
        self._answer = ""  # the last answer's line, written with the next mark
        # The rows marked and not answered yet: one per connection at most.
        self._in_hand: dict[int, str] = {}

    def sending(self, row_id: int, sequence: int, attempts: int) -> None:
        """On record when this returns: the mail may go out now."""
        mark = f"{SENDING}\t{row_id}\t{sequence}\t{attempts}\n"
        self._write(self._answer + mark)
        self._answer = ""
        self._in_hand[row_id] = mark

    def answered(
        self, row_id: int, status: str, answer: str, next_at: str, sent_at: str | None
    ) -> None:
        """Held until the next mark (one write for both), or written by `flush`."""
        self.flush()
        self._answer = f"{status}\t{row_id}\t{next_at}\t{sent_at or ''}\t{one_line(answer)}\n"
        self._in_hand.pop(row_id, None)

    def withdraw(self, row_id: int) -> None:
        """Nothing was handed over after all (the server could not be reached)."""
        self.flush()
        self._write(f"{WITHDRAWN}\t{row_id}\n")
        self._in_hand.pop(row_id, None)

    def flush(self) -> None:
        if self._answer:
            self._write(self._answer)
            self._answer = ""

    def fold(self, now: str) -> int:
        """Folds everything but the mails in hand, which may be on the wire right now."""
        self.flush()
        unanswered = _fold(self.store, self.path, now, keep=set(self._in_hand))
        try:
            os.ftruncate(self._fd, 0)
        except OSError as error:
            raise MailerError(f"cannot empty {self.path}: {error.strerror}") from None
        self._size = 0
        if self._in_hand:
            self._write("".join(self._in_hand.values()))
        return unanswered

    def close(self) -> None:
        os.close(self._fd)

    def _write(self, text: str) -> None:
        data = text.encode("utf-8")
        try:
            written = os.write(self._fd, data)
        except OSError as error:
            raise MailerError(f"cannot write {self.path}: {error.strerror}") from None
        if written != len(data):  # a regular file writes short only when the disk is full
            # The piece that was written goes again: a torn line would run into the next.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            raise MailerError(f"cannot write {self.path}: the disk is full")
        self._size += written


def unfolded(db_path: Path) -> dict[int, Unfolded]:
    """What the ledger holds that the outbox does not show yet, by row id: the mails of a
    tick's current batch (or a dead tick's). Read by other processes while a tick
    appends; the ledger's lines are whole or skipped, so a read is a consistent prefix.
    Empty when there is no ledger."""
    path = ledger_path(db_path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise MailerError(f"cannot read {path}: {error.strerror}") from None
    return {
        row_id: Unfolded(change[_STATUS], change[_ANSWER], change[_SENT_AT])
        for row_id, change in _changes(text, path, keep=set()).items()
    }


def recover(store: Store, now: str) -> int:
    """What a dead tick left in the ledger, folded; how many mails were in hand (sent again)."""
    assert store.path is not None
    if not ledger_path(store.path).exists():
        return 0
    ledger = Ledger(store)
    try:
        return ledger.fold(now)
    finally:
        ledger.close()


def _fold(store: Store, path: Path, now: str, keep: set[int]) -> int:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise MailerError(f"cannot read {path}: {error.strerror}") from None
    changes = _changes(text, path, keep)
    unanswered = 0
    for change in changes.values():
        if change[_STATUS] is None:  # marked, never answered: in hand when a tick died
            change[_STATUS : _SENT_AT + 1] = QUEUED, FATE_UNKNOWN, now, None
            unanswered += 1
    if changes:
        with store.transaction() as conn:
            outbox.record(conn, changes.values())
    return unanswered


# Each change is built as a list in outbox.Outcome's order, filled in place by position.
_FIELDS = Outcome._fields
_ATTEMPTS, _SEQUENCE, _STATUS = (_FIELDS.index(f) for f in ("attempts", "sequence", "status"))
_ANSWER, _NEXT_AT, _SENT_AT = (
    _FIELDS.index(f) for f in ("last_answer", "next_attempt_at", "sent_at")
)
_ROW_ID = _FIELDS.index("row_id")


def _changes(text: str, path: Path, keep: set[int]) -> dict[int, list]:
    """row id -> its outbox.Outcome, as the lines leave it (a list in Outcome's order)."""
    changes: dict[int, list] = {}
    # Every line ends with a line break; a last piece without one was cut off mid-write.
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        kind, _, rest = line.partition("\t")
        fields = rest.split("\t", 3)
        try:
            row_id = int(fields[0])
            if kind == SENDING:
                update = ((_SEQUENCE, int(fields[1])), (_ATTEMPTS, int(fields[2])))
            elif kind != WITHDRAWN:
                next_at, sent_at, answer = fields[1:]
                update = ((_STATUS, kind), (_ANSWER, answer), (_NEXT_AT, next_at),
                          (_SENT_AT, sent_at or None))  # fmt: skip
        except (ValueError, IndexError):
            # Not written by us; skipping it can only send a mail again, never lose one.
            log.warning("%s:%d: unreadable line skipped: %r", path.name, number, line[:80])
            continue
        if row_id in keep:
            continue
        if kind == WITHDRAWN:
            changes.pop(row_id, None)
            continue
        change = changes.get(row_id)
        if change is None:
            change = changes[row_id] = [None] * len(_FIELDS)
            change[_ROW_ID] = row_id
        for index, value in update:
            change[index] = value
    return changes
