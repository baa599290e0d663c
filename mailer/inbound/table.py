"""The inbound table, and its one owner: every statement on what the poller recorded.

One row per message read, keyed by `message_key` (the Message-ID, or a digest of the
bytes), so a message seen twice is recorded once. Columns: `kind` (see kinds.py) and the
`folder` kind it was filed under, `sender` and `subscriber_id` (when the sender is on the
list), `subject`, `text` (a suggestion's new text), `received_at` (its Date), the
`session_key` it answers, `attachments` and `addresses` (JSON lists), the classifier's
`reason`, the `effect` it had on the list, and `recorded_at`; for a calendar's proposal
of another time (kind `counter`), `proposed_start` and `proposed_end` (UTC ISO) and the
member's comment in `text`.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from mailer.inbound.kinds import COUNTER, QUARANTINE, SUGGESTION, UNSURE, Verdict, unsure_note
from mailer.store import ACTIVE

if TYPE_CHECKING:
    from mailer.inbound.record import Record  # its module reads mail text: lxml, on demand


def known_kind(conn: sqlite3.Connection, message_key: str) -> str | None:
    """The kind a message was recorded as, or None if it is new."""
    row = conn.execute("SELECT kind FROM inbound WHERE message_key = ?", (message_key,)).fetchone()
    return row[0] if row else None


def insert(
    conn: sqlite3.Connection,
    entry: Record,
    verdict: Verdict,
    *,
    subscriber_id: int | None,
    effect: str | None,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO inbound (message_key, message_id, kind, folder, sender, subscriber_id,"
        " subject, text, received_at, session_key, attachments, addresses, reason, effect,"
        " recorded_at, proposed_start, proposed_end)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.key, entry.message_id, verdict.kind, verdict.kind, entry.sender, subscriber_id,
            entry.subject, entry.text, entry.received_at, entry.session_key,
            json.dumps(entry.attachments, ensure_ascii=False),
            json.dumps(verdict.addresses), verdict.reason, effect, now,
            entry.proposed_start, entry.proposed_end,
        ),
    )  # fmt: skip


def last_id(conn: sqlite3.Connection) -> int:
    """The newest record's id (0 for none): what a poll recorded is what lies past it."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM inbound").fetchone()[0]


def recorded_after(conn: sqlite3.Connection, record_id: int) -> int:
    return conn.execute("SELECT count(*) FROM inbound WHERE id > ?", (record_id,)).fetchone()[0]


def insert_quarantined(conn: sqlite3.Connection, message_key: str, problem: str, now: str) -> None:
    conn.execute(
        "INSERT INTO inbound (message_key, kind, folder, reason, recorded_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (message_key, QUARANTINE, QUARANTINE, problem, now),
    )


def by_message_id(conn: sqlite3.Connection, message_id: str) -> dict | None:
    """The record of one received message, found by its Message-ID (with or without <>)."""
    wanted = message_id.strip().strip("<>").lower()
    row = conn.execute(
        "SELECT id, message_id, kind, folder, sender, subscriber_id, effect, recorded_at"
        " FROM inbound WHERE lower(trim(message_id, '<> ')) = ?",
        (wanted,),
    ).fetchone()
    keys = ("id", "message_id", "kind", "folder", "sender", "subscriber_id", "effect",
            "recorded_at")  # fmt: skip
    return dict(zip(keys, row, strict=True)) if row else None


def refile(conn: sqlite3.Connection, record_id: int, kind: str, effect: str) -> None:
    conn.execute(
        "UPDATE inbound SET kind = ?, folder = ?, effect = ? WHERE id = ?",
        (kind, kind, effect, record_id),
    )


def suggestions(conn: sqlite3.Connection) -> list[dict]:
    """The topic ideas, newest first, as `mailer suggestions` shows them, with the mails
    that perhaps ask to leave (kind `unsure`) for the organizer to decide."""
    rows = conn.execute(
        "SELECT sender, subject, text, received_at, session_key, attachments, subscriber_id,"
        " kind, reason FROM inbound WHERE kind IN (?, ?) ORDER BY received_at DESC, id DESC",
        (SUGGESTION, UNSURE),
    )
    return [
        {
            "from": sender,
            "subject": subject,
            "text": text,
            "received_at": received_at,
            "session": session,
            "attachments": json.loads(attachments or "[]"),
            "subscriber": subscriber_id is not None,
            "kind": kind,
            "note": unsure_note(reason or "") if kind == UNSURE else "",
        }
        for sender, subject, text, received_at, session, attachments, subscriber_id, kind, reason in rows
    ]


def proposals(
    conn: sqlite3.Connection, start: str = "", end: str = "~", limit: int = -1
) -> list[dict]:
    """The other times members' calendars proposed (kind `counter`), recorded in
    [start, end) (default: all), newest first, at most `limit` (-1: all), with the
    member's name and municipality."""
    keys = ("received_at", "sender", "name", "org", "subject", "text", "session_key",
            "proposed_start", "proposed_end")  # fmt: skip
    rows = conn.execute(
        "SELECT i.received_at, i.sender, s.name, s.org, i.subject, i.text, i.session_key,"
        " i.proposed_start, i.proposed_end FROM inbound i"
        " LEFT JOIN subscribers s ON s.id = i.subscriber_id"
        " WHERE i.kind = ? AND i.recorded_at >= ? AND i.recorded_at < ?"
        " ORDER BY i.received_at DESC, i.id DESC LIMIT ?",
        (COUNTER, start, end, limit),
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def suggestions_to_thank(conn: sqlite3.Connection, since: str) -> list[tuple[int, str, str, str]]:
    """(subscriber id, Message-ID, recorded at, session key or '') of the ideas that active
    members sent since `since`, oldest first."""
    return conn.execute(
        "SELECT i.subscriber_id, i.message_id, i.recorded_at, coalesce(i.session_key, '')"
        " FROM inbound i JOIN subscribers s ON s.id = i.subscriber_id AND s.status = ?"
        " WHERE i.kind = ? AND i.recorded_at >= ? ORDER BY i.id",
        (ACTIVE, SUGGESTION, since),
    ).fetchall()


def suggestions_recorded(conn: sqlite3.Connection, start: str, end: str) -> list[tuple]:
    """(sender, subject, text, received at, session key, attachments as JSON) of the ideas
    recorded in [start, end), oldest first."""
    return conn.execute(
        "SELECT sender, subject, text, received_at, session_key, attachments FROM inbound"
        " WHERE kind = ? AND recorded_at >= ? AND recorded_at < ? ORDER BY id",
        (SUGGESTION, start, end),
    ).fetchall()


def recent(conn: sqlite3.Connection, limit: int = 100) -> list[dict]:
    """The messages read last, newest first, for the organizer's page: what each was filed
    as, why, and what it did; topic ideas say whether they were marked done."""
    keys = ("id", "message_id", "kind", "sender", "subject", "text", "received_at", "reason",
            "effect", "done_at")  # fmt: skip
    rows = conn.execute(
        f"SELECT {', '.join(keys)} FROM inbound WHERE kind != ?"
        " ORDER BY recorded_at DESC, id DESC LIMIT ?",
        (QUARANTINE, limit),
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def mark_done(conn: sqlite3.Connection, record_id: int, done_at: str | None) -> bool:
    """A topic idea the organizer has dealt with (or, with None, not yet); True if found."""
    return (
        conn.execute(
            "UPDATE inbound SET done_at = ? WHERE id = ? AND kind IN (?, ?)",
            (done_at, record_id, SUGGESTION, UNSURE),
        ).rowcount
        > 0
    )


_MEMBERS_RECORDS = "subscriber_id = ? OR sender = ? COLLATE NOCASE"


def forget_member(conn: sqlite3.Connection, subscriber_id: int, email: str) -> None:
    """Everything received from or about one member, for the right to erasure."""
    conn.execute(f"DELETE FROM inbound WHERE {_MEMBERS_RECORDS}", (subscriber_id, email))


def count_member(conn: sqlite3.Connection, subscriber_id: int, email: str) -> int:
    """How many records forget_member would erase."""
    query = f"SELECT count(*) FROM inbound WHERE {_MEMBERS_RECORDS}"
    return conn.execute(query, (subscriber_id, email)).fetchone()[0]
