"""The rsvps table, and its one owner: who said yes, no or maybe to which session.

One row per (session, member): the latest answer wins, by SEQUENCE and then by the
moment it was given (RFC 5546 2.1.5: a higher SEQUENCE is newer; among equal ones, the
later DTSTAMP). `via` says where it came from: `calendar` (an iTIP REPLY the poller
read) or `web` (the links in the announcement).
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from mailer.store import ACTIVE

ACCEPTED, DECLINED, TENTATIVE = "accepted", "declined", "tentative"
ANSWERS = (ACCEPTED, DECLINED, TENTATIVE)
CALENDAR, WEB = "calendar", "web"
# The members who declined the session named :session_key (for a query's WHERE ... IN).
DECLINED_MEMBERS = (
    f"SELECT subscriber_id FROM rsvps WHERE session_key = :session_key AND answer = '{DECLINED}'"
)


def record(
    conn: sqlite3.Connection,
    *,
    session_key: str,
    subscriber_id: int,
    answer: str,
    answered_at: str,
    sequence: int,
    via: str,
    now: str,
) -> bool:
    """Keeps this answer unless a later one is on record; True if it is now the answer."""
    return (
        conn.execute(
            "INSERT INTO rsvps (session_key, subscriber_id, answer, answered_at, sequence, via,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (session_key, subscriber_id) DO UPDATE SET answer = excluded.answer,"
            " answered_at = excluded.answered_at, sequence = excluded.sequence,"
            " via = excluded.via, recorded_at = excluded.recorded_at"
            " WHERE (excluded.sequence, excluded.answered_at) >= (rsvps.sequence, rsvps.answered_at)",
            (session_key, subscriber_id, answer, answered_at, sequence, via, now),
        ).rowcount
        > 0
    )


def listing(
    conn: sqlite3.Connection, session_key: str | None = None, subscriber_id: int | None = None
) -> list[dict]:
    """The answers, by session and address, as `mailer rsvps` shows them: all, or those
    to one session, or one member's."""
    sql = (
        "SELECT r.session_key, s.email, s.name, r.answer, r.answered_at, r.via FROM rsvps r"
        " JOIN subscribers s ON s.id = r.subscriber_id"
    )
    filters = {"r.session_key": session_key, "r.subscriber_id": subscriber_id}
    given = {column: value for column, value in filters.items() if value is not None}
    if given:
        sql += " WHERE " + " AND ".join(f"{column} = ?" for column in given)
    args = tuple(given.values())
    rows = conn.execute(sql + " ORDER BY r.session_key, s.email", args)
    keys = ("session", "email", "name", "answer", "at", "via")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def counts(conn: sqlite3.Connection) -> dict[str, Counter]:
    """Per session: how many accepted, declined, tentative (of active members)."""
    result: dict[str, Counter] = {}
    for session_key, answer, number in conn.execute(
        "SELECT r.session_key, r.answer, count(*) FROM rsvps r"
        " JOIN subscribers s ON s.id = r.subscriber_id AND s.status = ?"
        " GROUP BY r.session_key, r.answer",
        (ACTIVE,),
    ):
        result.setdefault(session_key, Counter())[answer] = number
    return result


def forget_member(conn: sqlite3.Connection, subscriber_id: int) -> None:
    conn.execute("DELETE FROM rsvps WHERE subscriber_id = ?", (subscriber_id,))
