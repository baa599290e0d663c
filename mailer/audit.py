"""Who changed what in /admin: the `admin_log` table's one owner.

Every POST in /admin that changes something records one row: when, which organizer (the
account name of the login), what (an action word such as `member.edit`), about whom or
what (`subject`: a member's address, a message's id, a newsletter's number), and a
detail line in the organizer's words. Changes of schedule.yaml are kept with the same
facts in `plan_changes` (planstore.py), which also holds the versions to undo them.

A member's rows are erased with the member (erasure.py): the log is about the
organizers' work, and after an erasure it keeps no trace of the person.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from mailer.store import stamp
from mailer.text import one_line


@dataclass(frozen=True)
class Entry:
    at: str
    organizer: str
    action: str
    subject: str | None
    detail: str | None


def record(
    conn: sqlite3.Connection,
    now: datetime,
    organizer: str,
    action: str,
    subject: str | None = None,
    detail: str | None = None,
) -> None:
    """One change made by `organizer` at `now`; call it inside the change's transaction."""
    conn.execute(
        "INSERT INTO admin_log (at, organizer, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (stamp(now), organizer, action, subject, one_line(detail) if detail else None),
    )


_ABOUT = "subject = ? COLLATE NOCASE"


def recent(conn: sqlite3.Connection, limit: int = 100, subject: str | None = None) -> list[Entry]:
    """The newest entries first, all of them or only those about `subject`."""
    where, values = (f"WHERE {_ABOUT}", (subject,)) if subject is not None else ("", ())
    rows = conn.execute(
        f"SELECT at, organizer, action, subject, detail FROM admin_log {where}"
        " ORDER BY id DESC LIMIT ?",
        (*values, limit),
    ).fetchall()
    return [Entry(*row) for row in rows]


def forget_subject(conn: sqlite3.Connection, subject: str) -> None:
    """Erase every entry about `subject` (a removed member's address)."""
    conn.execute(f"DELETE FROM admin_log WHERE {_ABOUT}", (subject,))


def count_subject(conn: sqlite3.Connection, subject: str) -> int:
    """How many entries forget_subject would erase."""
    return conn.execute(f"SELECT count(*) FROM admin_log WHERE {_ABOUT}", (subject,)).fetchone()[0]
