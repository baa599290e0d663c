"""The delivery ledger: what became of each mail, written down before and after its bytes go out.

Marking the outbox row itself, twice per mail, costs SQLite index updates that at
thousands of mails a minute are most of the time spent. So the ledger appends to
`delivery_log` instead: one autocommit INSERT per mail that holds both the answer to
the mail before and the `sending` mark of the next one, committed before the next
one's bytes go out. Every few hundred mails, and at the end of a tick, `fold` applies
the log to the outbox and empties it, in one transaction.

After a crash the log holds at most one `sending` entry without an answer: the mail
that was in hand, whose fate is unknown. `fold` puts it back in the queue, to be sent
again with the same Message-ID; it never drops it. Until a fold, `mailer outbox` shows
the mails of the running batch as still queued.
"""

from __future__ import annotations

from mailer.store import Store

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DEFERRED = "deferred"
FAILED = "failed"
SUPERSEDED = "superseded"
EXPIRED = "expired"
SKIPPED = "skipped"

FATE_UNKNOWN = "fate unknown after an interrupted tick, sent again with the same Message-ID"

_COLUMNS = "outbox_id, status, last_answer, next_attempt_at, sent_at, sequence"
_ONE = "(?, ?, ?, ?, ?, ?)"


class Ledger:
    """Appends each mail's `sending` mark and answer to the log; `fold` moves them to the outbox."""

    def __init__(self, store: Store):
        self.store = store
        self._answer: tuple | None = None  # the last answer, written with the next mark

    def sending(self, row_id: int, sequence: int) -> None:
        """Committed when this returns: the mail may go out now."""
        mark = (row_id, SENDING, None, None, None, sequence)
        if self._answer is None:
            self.store.conn.execute(f"INSERT INTO delivery_log ({_COLUMNS}) VALUES {_ONE}", mark)
            return
        answer, self._answer = self._answer, None
        self.store.conn.execute(
            f"INSERT INTO delivery_log ({_COLUMNS}) VALUES {_ONE}, {_ONE}", (*answer, *mark)
        )

    def answered(
        self, row_id: int, status: str, answer: str, next_at: str, sent_at: str | None
    ) -> None:
        """Held until the next mark (one commit for both), or written by `flush`."""
        self.flush()
        self._answer = (row_id, status, answer, next_at, sent_at, None)

    def withdraw(self, row_id: int) -> None:
        """Nothing was handed over after all (the server could not be reached)."""
        self.flush()
        self.store.conn.execute(
            "DELETE FROM delivery_log WHERE outbox_id = ? AND status = ?", (row_id, SENDING)
        )

    def flush(self) -> None:
        if self._answer is not None:
            answer, self._answer = self._answer, None
            self.store.conn.execute(f"INSERT INTO delivery_log ({_COLUMNS}) VALUES {_ONE}", answer)

    def fold(self, now: str) -> int:
        self.flush()
        return fold(self.store, now)


def fold(store: Store, now: str) -> int:
    """Applies the log to the outbox and empties it; returns how many mails had no answer.

    A mail with a `sending` mark and no answer was in hand when a tick died: it is queued
    again at `now`. Within a running tick every mark has its answer by the time of a fold.
    """
    with store.transaction() as conn:
        entries = conn.execute(f"SELECT {_COLUMNS} FROM delivery_log ORDER BY id").fetchall()
        if not entries:
            return 0
        started = [
            (sequence, row_id) for row_id, status, *_, sequence in entries if status == SENDING
        ]
        answers = {
            row_id: (status, answer, next_at, sent_at, row_id)
            for row_id, status, answer, next_at, sent_at, _ in entries
            if status != SENDING
        }
        conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1, sequence = ? WHERE id = ?", started
        )
        unanswered = [
            (QUEUED, FATE_UNKNOWN, now, None, row_id)
            for _, row_id in started
            if row_id not in answers
        ]
        conn.executemany(
            "UPDATE outbox SET status = ?, last_answer = ?, next_attempt_at = ?,"
            " sent_at = coalesce(?, sent_at) WHERE id = ?",
            [*answers.values(), *unanswered],
        )
        conn.execute("DELETE FROM delivery_log")
        return len(unanswered)
