"""The newsletters table, and its one owner: one-off mails made from a Markdown file.

Scheduling freezes the rendered mail here (subject, HTML and text with the per-member
markers, and the web version): editing the file afterwards changes nothing scheduled.
Scheduling the same file again before it went out replaces the content and keeps the id.
A newsletter is known by its source (`source_digest`: what the organizer wrote, see
newsletter.Draft.digest), never by its rendering: a file that went out unchanged is the
same newsletter whatever settings changed since, and wherever the file lies now.

At its `send_at` the tick queues it once for every member active then (outbox key
`newsletter/ID/MEMBER`, stage `newsletter-ID`), and from then on it is outbox rows like
every other mail: sent once, retried on 4xx, re-sent with the same Message-ID after a
crash. Members who join later do not get it. A status is never stored, it is read:

    scheduled   not queued yet
    sending     queued, some copies still waiting
    sent        queued, nothing waiting
    cancelled   cancelled before it was queued, or while copies were waiting
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mailer.mailkinds import NEWSLETTER
from mailer.outbound import outbox

SCHEDULED, SENDING, SENT, CANCELLED = "scheduled", "sending", "sent", "cancelled"
# A running tick's answers not yet in the outbox, by row id (see outbox.status_counts).
Unfolded = Mapping[int, outbox.Unfolded] | None


@dataclass(frozen=True)
class Frozen:
    """The rendered newsletter, as it is kept."""

    subject: str
    html: str
    text: str
    public_html: str


@dataclass(frozen=True)
class Newsletter:
    id: int
    source: str
    subject: str
    send_at: str
    scheduled_at: str
    queued_at: str | None
    cancelled_at: str | None
    counts: dict[str, int]

    @property
    def status(self) -> str:
        if self.cancelled_at:
            return CANCELLED
        if self.queued_at is None:
            return SCHEDULED
        return SENDING if any(self.counts.get(s, 0) for s in outbox.WAITING) else SENT

    @property
    def published(self) -> bool:
        """Whether it went out (queued, not cancelled): then it has a web version."""
        return self.queued_at is not None and self.cancelled_at is None

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "subject": self.subject,
            "file": self.source,
            "at": self.send_at,
            "status": self.status,
            "scheduled_at": self.scheduled_at,
            "queued_at": self.queued_at,
            "cancelled_at": self.cancelled_at,
            "members": sum(self.counts.values()),
            "sent": self.counts.get(outbox.SENT, 0),
            "waiting": sum(self.counts.get(s, 0) for s in outbox.WAITING),
            "failed": self.counts.get(outbox.FAILED, 0),
            "skipped": self.counts.get(outbox.SKIPPED, 0),
            "cancelled": self.counts.get(outbox.CANCELLED, 0),
        }


def stage(newsletter_id: int) -> str:
    """The outbox `stage` of a newsletter's rows: `newsletter-3`."""
    return f"{NEWSLETTER}-{newsletter_id}"


def id_of_stage(stage_text: str) -> int:
    return int(stage_text.removeprefix(f"{NEWSLETTER}-"))


def create(conn: sqlite3.Connection, source: str, send_at: str, now: str) -> int:
    """A new, empty newsletter (its content follows with `freeze`, in the same transaction)."""
    return conn.execute(
        "INSERT INTO newsletters (source, subject, html, text, public_html, send_at,"
        " scheduled_at) VALUES (?, '', '', '', '', ?, ?)",
        (source, send_at, now),
    ).lastrowid


def freeze(
    conn: sqlite3.Connection,
    newsletter_id: int,
    content: Frozen,
    source_digest: str,
    send_at: str,
    now: str,
) -> bool:
    """Keeps `content`, made from the source with `source_digest`, as the newsletter's, if
    it was not queued or cancelled meanwhile."""
    return bool(
        conn.execute(
            "UPDATE newsletters SET subject = ?, html = ?, text = ?, public_html = ?,"
            " source_digest = ?, send_at = ?, scheduled_at = ?"
            " WHERE id = ? AND queued_at IS NULL AND cancelled_at IS NULL",
            (content.subject, content.html, content.text, content.public_html, source_digest,
             send_at, now, newsletter_id),
        ).rowcount
    )  # fmt: skip


def unsent_from(conn: sqlite3.Connection, source: str, source_digest: str) -> int | None:
    """The newsletter scheduled and not queued yet that this file (or the same text from
    another place) would replace, if any."""
    row = conn.execute(
        "SELECT max(id) FROM newsletters WHERE (source = ? OR source_digest = ?)"
        " AND queued_at IS NULL AND cancelled_at IS NULL",
        (source, source_digest),
    ).fetchone()
    return row[0]


def went_out_before(
    conn: sqlite3.Connection,
    source: str,
    source_digest: str,
    same_as_legacy: Callable[[Frozen], bool],
) -> Newsletter | None:
    """The newest newsletter that went (or goes) out with this source: the same
    `source_digest`, from whatever file. One kept before the digest was (migration 13)
    counts when it came from the same file and `same_as_legacy(its content)` holds."""
    row = conn.execute(
        "SELECT max(id) FROM newsletters WHERE source_digest = ? AND queued_at IS NOT NULL",
        (source_digest,),
    ).fetchone()
    if row[0] is not None:
        return get(conn, row[0])
    legacy = conn.execute(
        "SELECT id FROM newsletters WHERE source = ? AND source_digest IS NULL"
        " AND queued_at IS NOT NULL ORDER BY id DESC",
        (source,),
    ).fetchall()
    for (newsletter_id,) in legacy:
        kept = content(conn, newsletter_id)
        if kept is not None and same_as_legacy(kept):
            return get(conn, newsletter_id)
    return None


def get(
    conn: sqlite3.Connection, newsletter_id: int, unfolded: Unfolded = None
) -> Newsletter | None:
    """`unfolded`: a running tick's answers not yet in the outbox (outbox.status_counts)."""
    return next(_read(conn, "WHERE id = ?", (newsletter_id,), unfolded), None)


def listing(conn: sqlite3.Connection, unfolded: Unfolded = None) -> list[Newsletter]:
    """Every newsletter, newest first; `unfolded` as for `get`."""
    return list(_read(conn, "ORDER BY id DESC", (), unfolded))


def _read(conn: sqlite3.Connection, where: str, args: tuple, unfolded: Unfolded = None):
    rows = conn.execute(
        "SELECT id, source, subject, send_at, scheduled_at, queued_at, cancelled_at"
        f" FROM newsletters {where}",
        args,
    ).fetchall()
    for row in rows:
        counts = outbox.status_counts(conn, stage(row[0]), unfolded) if row[5] else {}
        yield Newsletter(*row, counts=counts)


def due(conn: sqlite3.Connection, at: str) -> list[int]:
    """The newsletters to queue at `at`: their moment has come and nobody queued them."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT id FROM newsletters WHERE queued_at IS NULL AND cancelled_at IS NULL"
            " AND send_at <= ? ORDER BY send_at, id",
            (at,),
        )
    ]


def mark_queued(conn: sqlite3.Connection, newsletter_id: int, at: str) -> None:
    conn.execute("UPDATE newsletters SET queued_at = ? WHERE id = ?", (at, newsletter_id))


def cancel(conn: sqlite3.Connection, newsletter_id: int, now: str) -> set[int]:
    """Cancels it, and every copy the outbox shows as waiting; their row ids."""
    conn.execute(
        "UPDATE newsletters SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
        (now, newsletter_id),
    )
    return outbox.cancel_waiting(conn, stage(newsletter_id))


def content(conn: sqlite3.Connection, newsletter_id: int) -> Frozen | None:
    row = conn.execute(
        "SELECT subject, html, text, public_html FROM newsletters WHERE id = ?", (newsletter_id,)
    ).fetchone()
    return Frozen(*row) if row else None


def is_cancelled(conn: sqlite3.Connection, newsletter_id: int) -> bool:
    row = conn.execute(
        "SELECT cancelled_at FROM newsletters WHERE id = ?", (newsletter_id,)
    ).fetchone()
    return row is None or row[0] is not None


def published(conn: sqlite3.Connection) -> list[Newsletter]:
    """The newsletters that went out (queued, not cancelled), newest first: the archive."""
    return list(
        _read(conn, "WHERE queued_at IS NOT NULL AND cancelled_at IS NULL ORDER BY id DESC", ())
    )
