"""The outbox table, and its one owner: every statement on it, its status words, the
format of its keys and Message-IDs. Nothing else in mailer writes this table.

A row is one mail to one recipient. Its key says which mail and to whom, and is unique,
so queueing the same mail twice finds the row and adds nothing. The Message-ID is made
from the key: the same (mail, member) always carries the same Message-ID, and a reply,
a bounce or a complaint that quotes it leads back to the row (`OutboxKey.parse`).

    key                                        Message-ID (right side: the list id)
    2023-09-07/announcement/12                 <2023-09-07.announcement.12.MAC@...>
    2023-09-07/reminder-1d/20230907T1600/12    a reminder belongs to the start it reminds of
    2023-09-07/update/3/12                     the update for SEQUENCE 3
    2023-09-07/cancellation/12
    2023-09-07/recap/12                        the recap after the session
    2023-09-07/refresh/3f9a0c1d2e4b/12         the invitation again, asked for by a member's
                                               calendar (iTIP REFRESH): one per request
    newsletter/3/12                            newsletter 3 (outbound/newsletters.py)
    thanks/2023-08-25/12                       the thank-you for a topic idea, once a day
    confirm/2023-08-25/12                      the sign-up confirmation (double opt-in), once a day
    digest/2023-09-04                          the organizer's digest: no member

MAC, the last part of every Message-ID, is 16 hex digits of HMAC-SHA256 over the key,
with a secret kept in subscribers.db: without it nobody can make a Message-ID of ours, so
a bounce, a complaint or a reply can only speak for a member if it carries a mail we
really sent them (`parse` checks the MAC; sequential ids alone are no longer enough).

The table's columns: `mail_key` (the key above), `session_key` (the session's key, or
empty), `stage` (announcement, reminder-1d, update, ...), `kind` (announcement,
reminder, update, cancellation, thanks, digest), `sequence` (the invitation's SEQUENCE),
`subscriber_id`, `message_id`, `status`, `attempts`, `next_attempt_at`, `last_answer`,
`queued_at`, `sent_at`; for mail that answers a member's mail, `in_reply_to`; for mail
to an address that is no member, `to_address`; for the digest, the period it covers,
`period_start` and `period_end`. Moments are stored as store.stamp() writes them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from mailer import rsvps
from mailer.mailkinds import ANNOUNCEMENT, CANCELLATION, NEWSLETTER, REMINDER, UPDATE
from mailer.store import ACTIVE

# -- the status of a row ---------------------------------------------------------------

QUEUED = "queued"  # waiting for its first attempt, or to be sent again (fate unknown)
DEFERRED = "deferred"  # the server answered 4xx; waiting for next_attempt_at
SENT = "sent"
FAILED = "failed"  # the server answered 5xx: final
SUPERSEDED = "superseded"  # a later mail of the session was due first, or the session changed
EXPIRED = "expired"  # the session started, or left the plan, before the mail went out
SKIPPED = "skipped"  # the member left before the mail went out
CANCELLED = "cancelled"  # the organizer cancelled the newsletter before this copy went out
STATUSES = (QUEUED, DEFERRED, SENT, FAILED, SUPERSEDED, EXPIRED, SKIPPED, CANCELLED)
WAITING = (QUEUED, DEFERRED)

# -- keys and Message-IDs ---------------------------------------------------------------

_PART = re.compile(r"[A-Za-z0-9-]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MESSAGE_ID = re.compile(r"<([A-Za-z0-9.-]+)@([^<>@\s]+)>")
THANKS = "thanks"
DIGEST = "digest"
GOODBYE = "goodbye"  # the confirmation of an unsubscribe asked for by mail: the last mail
CONFIRM = "confirm"  # the double opt-in mail to someone who signed up on the web
REFRESH = "refresh"  # the stage of an announcement sent again on a calendar's REFRESH
TEST = "test"
PREVIEW = "preview"


@dataclass(frozen=True)
class OutboxKey:
    """Which mail (`mail`: its parts), and to which member (`subscriber_id`, or None)."""

    mail: tuple[str, ...]
    subscriber_id: int | None = None

    def __post_init__(self) -> None:
        if not self.mail or not all(_PART.fullmatch(part) for part in self.mail):
            raise ValueError(f"an outbox key's parts are letters, digits and '-': {self.mail}")

    @classmethod
    def scheduled(cls, session_key: str, label: str, start: str | None = None) -> OutboxKey:
        """An announcement or reminder; a reminder names the start (%Y%m%dT%H%M) it reminds of."""
        return cls((session_key, label) if start is None else (session_key, label, start))

    @classmethod
    def notice(cls, session_key: str, kind: str, sequence: int) -> OutboxKey:
        """An update (one per SEQUENCE) or the cancellation (one per session)."""
        parts = (session_key, kind, str(sequence)) if kind == UPDATE else (session_key, kind)
        return cls(parts)

    @classmethod
    def refresh(cls, session_key: str, request: str) -> OutboxKey:
        """The current invitation again, for one REFRESH (`request`: hex digits that
        name the received message)."""
        return cls((session_key, REFRESH, request))

    @classmethod
    def newsletter(cls, newsletter_id: int) -> OutboxKey:
        return cls((NEWSLETTER, str(newsletter_id)))

    @classmethod
    def thanks(cls, day: str, subscriber_id: int) -> OutboxKey:
        return cls((THANKS, day), subscriber_id)

    @classmethod
    def goodbye(cls, day: str, subscriber_id: int) -> OutboxKey:
        return cls((GOODBYE, day), subscriber_id)

    @classmethod
    def confirm(cls, day: str, subscriber_id: int) -> OutboxKey:
        return cls((CONFIRM, day), subscriber_id)

    @classmethod
    def digest(cls, day: str) -> OutboxKey:
        return cls((DIGEST, day))

    @classmethod
    def test(cls, moment: int, session_key: str, kind: str) -> OutboxKey:
        """A test mail sent outside the outbox: a Message-ID of ours that names no member."""
        return cls((TEST, str(moment), session_key, kind))

    @classmethod
    def preview(cls, session_key: str, kind: str) -> OutboxKey:
        """The sample mail of `mailer preview`."""
        return cls((PREVIEW, session_key, kind))

    def to(self, subscriber_id: int) -> OutboxKey:
        return replace(self, subscriber_id=subscriber_id)

    @property
    def session_key(self) -> str | None:
        return self.mail[0] if _DATE.fullmatch(self.mail[0]) else None

    @property
    def prefix(self) -> str:
        """The key of this mail without its member: the key of every row is this + the id."""
        return "/".join(self.mail) + "/"

    def __str__(self) -> str:
        if self.subscriber_id is None:
            return "/".join(self.mail)
        return f"{self.prefix}{self.subscriber_id}"

    def message_id(self, domain: str, secret: bytes) -> str:
        if self.subscriber_id is None and self.mail[-1].isdigit():
            # parse() would read the number as a member: such a mail goes to members only.
            raise ValueError(f"{self} needs a member before it has a Message-ID")
        return f"<{str(self).replace('/', '.')}.{mac(secret, str(self))}@{domain}>"

    @classmethod
    def parse(cls, message_id: str, domain: str, secret: bytes) -> OutboxKey | None:
        """The key a Message-ID of ours was made from; None for anyone else's, and for one
        whose MAC does not match (made up, or changed)."""
        found = _MESSAGE_ID.fullmatch(message_id.strip())
        if found is None or found.group(2).lower() != domain.lower():
            return None
        *parts, signature = found.group(1).split(".")
        try:
            if len(parts) > 1 and parts[-1].isdigit():
                key = cls(tuple(parts[:-1]), int(parts[-1]))
            else:
                key = cls(tuple(parts))
        except ValueError:
            return None
        if not hmac.compare_digest(signature, mac(secret, str(key))):
            return None
        return key

    @classmethod
    def find_all(cls, text: str, domain: str, secret: bytes) -> list[OutboxKey]:
        """Every key of ours quoted in a text (In-Reply-To, References, a returned original)."""
        keys = (cls.parse(found.group(0), domain, secret) for found in _MESSAGE_ID.finditer(text))
        return [key for key in keys if key is not None]


def mac(secret: bytes, key_text: str) -> str:
    """16 hex digits (64 bits) of HMAC-SHA256 over an outbox key (RFC 2104)."""
    return hmac.new(secret, key_text.encode("ascii"), hashlib.sha256).hexdigest()[:16]


def _member_key_sql(
    conn: sqlite3.Connection, mail: OutboxKey, domain: str, secret: bytes, id_column: str
) -> tuple[str, str, dict[str, str]]:
    """SQL for the key and for the Message-ID of `mail` to the member in `id_column`, and
    their parameters: made by OutboxKey's own methods, the SQL only puts the id and the
    MAC (mac(), registered on the connection) in."""
    conn.create_function("mailer_mac", 1, lambda text: mac(secret, text), deterministic=True)
    sample = mail.to(0)
    left = f"<{str(sample).replace('/', '.')}"[: -len("0")]
    assert sample.message_id(domain, secret).startswith(left + "0.")
    params = {"key_prefix": mail.prefix, "id_left": left, "id_right": "@" + domain + ">"}
    key_sql = f":key_prefix || {id_column}"
    return (
        key_sql,
        f":id_left || {id_column} || '.' || mailer_mac({key_sql}) || :id_right",
        params,
    )


# -- queueing ---------------------------------------------------------------------------


def queue_for_members(
    conn: sqlite3.Connection,
    mail: OutboxKey,
    *,
    session_key: str,
    stage: str,
    kind: str,
    sequence: int,
    domain: str,
    secret: bytes,
    now: str,
    changed_after: int | None = None,
    without_declined: bool = False,
) -> int:
    """One row of `mail` for every active member (or only those whose consent log moved
    past `changed_after`, or all but those who declined the session); a member who has
    the row already gets nothing, and a reminder goes only to those who want reminders.
    How many rows."""
    members = _members_sql(kind, without_declined)
    if changed_after is not None:
        members += " AND id IN (SELECT subscriber_id FROM consent_log WHERE id > :changed_after)"
    key_sql, message_id_sql, keys = _member_key_sql(conn, mail, domain, secret, "id")
    return conn.execute(
        "INSERT OR IGNORE INTO outbox (mail_key, session_key, stage, kind, sequence,"
        " subscriber_id, message_id, status, next_attempt_at, queued_at)"
        f" SELECT {key_sql}, :session_key, :stage, :kind, :sequence, id,"
        f" {message_id_sql}, :queued, :now, :now FROM ({members})",
        {**keys, "session_key": session_key, "stage": stage, "kind": kind, "sequence": sequence,
         "queued": QUEUED, "now": now, "active": ACTIVE, "changed_after": changed_after},
    ).rowcount  # fmt: skip


def _members_sql(kind: str, without_declined: bool) -> str:
    """The members a mail of `kind` goes to: active, and for a reminder only those who
    want reminders; with `without_declined`, not those who declined the session."""
    members = "SELECT id FROM subscribers WHERE status = :active"
    if kind == REMINDER:
        members += " AND reminders = 1"
    if without_declined:
        members += f" AND id NOT IN ({rsvps.DECLINED_MEMBERS})"
    return members


def member_audience(
    conn: sqlite3.Connection, kind: str, *, session_key: str = "", without_declined: bool = False
) -> int:
    """How many members `queue_for_members` would queue a new mail of `kind` for now."""
    return conn.execute(
        f"SELECT count(*) FROM ({_members_sql(kind, without_declined)})",
        {"active": ACTIVE, "session_key": session_key},
    ).fetchone()[0]


def queue_notice(
    conn: sqlite3.Connection,
    notice: OutboxKey,
    *,
    kind: str,
    sequence: int,
    domain: str,
    secret: bytes,
    now: str,
) -> int:
    """An update or cancellation of a session for each active member who was sent an older
    version of it (an update) or anything of it but the cancellation (a cancellation)."""
    session_key = notice.session_key
    key_sql, message_id_sql, keys = _member_key_sql(conn, notice, domain, secret, "o.subscriber_id")
    # told_sequence: the newest version the member was sent, so that the update can name
    # what changed since then (see updates.py).
    return conn.execute(
        "INSERT OR IGNORE INTO outbox (mail_key, session_key, stage, kind, sequence,"
        " subscriber_id, message_id, status, next_attempt_at, queued_at, told_sequence)"
        f" SELECT {key_sql}, :session_key, :kind, :kind, :sequence,"
        f" o.subscriber_id, {message_id_sql}, :queued, :now, :now,"
        " max(CASE WHEN o.kind IN (:announcement, :reminder, :update) THEN o.sequence END)"
        f" {_notice_audience(kind)}",
        {**keys, "session_key": session_key, "kind": kind, "sequence": sequence,
         "queued": QUEUED, "now": now, "active": ACTIVE, "sent": SENT,
         "cancellation": CANCELLATION, "announcement": ANNOUNCEMENT, "reminder": REMINDER,
         "update": UPDATE},
    ).rowcount  # fmt: skip


def notice_audience(conn: sqlite3.Connection, session_key: str, kind: str, sequence: int) -> int:
    """How many members `queue_notice` would queue this notice for now (for `mailer plan`)."""
    return conn.execute(
        f"SELECT count(*) FROM (SELECT o.subscriber_id {_notice_audience(kind)})",
        {"session_key": session_key, "sequence": sequence, "active": ACTIVE, "sent": SENT,
         "cancellation": CANCELLATION},
    ).fetchone()[0]  # fmt: skip


def _notice_audience(kind: str) -> str:
    """FROM ... HAVING of the members owed a notice: active, sent an older version of the
    session (an update) or anything of it but the cancellation (a cancellation)."""
    cancel = kind == CANCELLATION
    informed = "o.kind != :cancellation" if cancel else "1"
    newer = "1" if cancel else "max(o.sequence) < :sequence"
    return (
        "FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id AND s.status = :active"
        f" WHERE o.session_key = :session_key AND o.status = :sent AND {informed}"
        f" GROUP BY o.subscriber_id HAVING {newer}"
    )


def queue_one(
    conn: sqlite3.Connection,
    key: OutboxKey,
    *,
    kind: str,
    domain: str,
    secret: bytes,
    now: str,
    session_key: str = "",
    to_address: str | None = None,
    in_reply_to: str | None = None,
    period: tuple[str, str] | None = None,
    stage: str | None = None,
) -> int:
    """One mail on its own: a thank-you (to a member; `session_key` the session the idea
    answered, if any), a digest (to an address), or a session's announcement sent again
    to one member (`stage` REFRESH)."""
    start, end = period or (None, None)
    return conn.execute(
        "INSERT OR IGNORE INTO outbox (mail_key, session_key, stage, kind, sequence,"
        " subscriber_id, message_id, status, next_attempt_at, queued_at, to_address,"
        " in_reply_to, period_start, period_end)"
        " VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (str(key), session_key, stage or kind, kind, key.subscriber_id or 0,
         key.message_id(domain, secret), QUEUED,
         now, now, to_address, in_reply_to, start, end),
    ).rowcount  # fmt: skip


def queued_through(conn: sqlite3.Connection, mail: OutboxKey) -> int | None:
    """The consent-log id up to which `mail` was queued for everyone; None if never."""
    row = conn.execute(
        "SELECT consent_mark FROM queue_marks WHERE prefix = ?", (mail.prefix,)
    ).fetchone()
    return row[0] if row else None


def mark_queued_through(conn: sqlite3.Connection, mail: OutboxKey, consent_mark: int) -> None:
    conn.execute(
        "INSERT INTO queue_marks (prefix, consent_mark) VALUES (?, ?)"
        " ON CONFLICT (prefix) DO UPDATE SET consent_mark = excluded.consent_mark",
        (mail.prefix, consent_mark),
    )


def cancel_waiting(conn: sqlite3.Connection, stage: str) -> set[int]:
    """Every copy of a mail (by its stage) that the outbox shows as not gone out yet:
    cancelled; their row ids. While a tick sends, some of them may be on the ledger as
    sent already (see ledger.unfolded): its fold records them as sent."""
    return {
        row_id
        for (row_id,) in conn.execute(
            "UPDATE outbox SET status = ?, last_answer = 'the organizer cancelled it'"
            " WHERE stage = ? AND status IN (?, ?) RETURNING id",
            (CANCELLED, stage, *WAITING),
        ).fetchall()
    }


def status_totals(conn: sqlite3.Connection, *only: str) -> dict[str, int]:
    """How many rows of the whole outbox are in each status (or in each of `only`: found
    through the index on status, without reading the other rows)."""
    if not only:
        return dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    marks = ", ".join("?" * len(only))
    return dict(
        conn.execute(
            f"SELECT status, count(*) FROM outbox WHERE status IN ({marks}) GROUP BY status", only
        ).fetchall()
    )


@dataclass(frozen=True)
class Unfolded:
    """A row as a running tick's ledger has it and the outbox does not show yet (see
    ledger.unfolded): the mails of the tick's current batch."""

    status: str | None  # None: marked `sending`, no answer yet (in hand, or in doubt)
    last_answer: str | None
    sent_at: str | None


SENDING = "sending"  # shown for a mail in hand: marked on the ledger, no answer yet


def status_counts(
    conn: sqlite3.Connection, stage: str, unfolded: Mapping[int, Unfolded] | None = None
) -> dict[str, int]:
    """How many copies of a mail (by its stage) are in each status. `unfolded`: what a
    running tick has on its ledger and not yet here, counted as the ledger says (a mail
    in hand still counts as waiting)."""
    counts = dict(
        conn.execute(
            "SELECT status, count(*) FROM outbox WHERE stage = ? GROUP BY status", (stage,)
        )
    )
    answered = {row_id: line.status for row_id, line in (unfolded or {}).items() if line.status}
    if answered:
        rows = conn.execute(
            "SELECT id, status FROM outbox WHERE stage = ? AND id IN"
            " (SELECT value FROM json_each(?))",
            (stage, json.dumps(list(answered))),
        )
        for row_id, status in rows:
            counts[status] -= 1
            counts[answered[row_id]] = counts.get(answered[row_id], 0) + 1
    return {status: count for status, count in counts.items() if count}


def row_statuses(
    conn: sqlite3.Connection, row_ids: Iterable[int], unfolded: Mapping[int, Unfolded]
) -> dict[int, str]:
    """Each row's status as the record has it: a running tick's ledger (`unfolded`) over
    the outbox; `sending` for a mail in hand."""
    found = dict(
        conn.execute(
            "SELECT id, status FROM outbox WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(row_ids)),),
        )
    )
    for row_id, line in unfolded.items():
        if row_id in found:
            found[row_id] = line.status or SENDING
    return found


def row_status(conn: sqlite3.Connection, row_id: int) -> str | None:
    found = conn.execute("SELECT status FROM outbox WHERE id = ?", (row_id,)).fetchone()
    return found[0] if found else None


def supersede_earlier(conn: sqlite3.Connection, mail: OutboxKey) -> int:
    """A later scheduled mail of the session is due: what still waits of the others is
    dropped (not an invitation a member asked for again: it answers them)."""
    return conn.execute(
        "UPDATE outbox SET status = ?, last_answer = 'a later mail of the session is due'"
        " WHERE session_key = ? AND kind IN (?, ?) AND status IN (?, ?)"
        " AND substr(mail_key, 1, ?) != ? AND stage != ?",
        (SUPERSEDED, mail.session_key, ANNOUNCEMENT, REMINDER, *WAITING,
         len(mail.prefix), mail.prefix, REFRESH),
    ).rowcount  # fmt: skip


def supersede_for_notice(conn: sqlite3.Connection, notice: OutboxKey, kind: str) -> int:
    """Whatever of the session still waits would now say something out of date: earlier
    notices always, and everything else too when the session is cancelled."""
    return conn.execute(
        "UPDATE outbox SET status = ?, last_answer = 'the session changed'"
        " WHERE session_key = ? AND status IN (?, ?) AND substr(mail_key, 1, ?) != ?"
        " AND (kind IN (?, ?) OR ?)",
        (SUPERSEDED, notice.session_key, *WAITING, len(notice.prefix), notice.prefix,
         UPDATE, CANCELLATION, kind == CANCELLATION),
    ).rowcount  # fmt: skip


# -- claiming what is due ---------------------------------------------------------------


class DueRow(NamedTuple):
    """A row that is due, with its member as they are now (None where removed)."""

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
    in_reply_to: str | None
    period_start: str | None
    period_end: str | None
    first_name: str | None
    last_name: str | None
    salutation: str | None
    told_sequence: int | None  # an update: the version the member was sent before
    reminders: int | None  # whether the member wants reminders (None: removed)


def sent_at(conn: sqlite3.Connection, at: str) -> set[int]:
    """The rows recorded as sent at the moment `at` (a tick's `now`, as stored)."""
    return {
        row_id
        for (row_id,) in conn.execute(
            "SELECT id FROM outbox WHERE status = ? AND sent_at = ?", (SENT, at)
        )
    }


def pending_count(conn: sqlite3.Connection, at: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM outbox WHERE status IN (?, ?) AND next_attempt_at <= ?",
        (*WAITING, at),
    ).fetchone()[0]


def due_batch(conn: sqlite3.Connection, at: str, after_id: int, size: int) -> list[DueRow]:
    """The next `size` rows due at `at`, in the order they were queued."""
    cursor = conn.execute(
        "SELECT o.id, o.session_key, o.stage, o.kind, o.subscriber_id, o.message_id, o.attempts,"
        " s.email, s.name, s.token, s.status, o.to_address, o.in_reply_to, o.period_start,"
        " o.period_end, s.first_name, s.last_name, s.salutation, o.told_sequence, s.reminders"
        " FROM outbox o LEFT JOIN subscribers s ON s.id = o.subscriber_id"
        " WHERE o.status IN (?, ?) AND o.next_attempt_at <= ? AND o.id > ?"
        " ORDER BY o.id LIMIT ?",
        (*WAITING, at, after_id, size),
    )
    return [DueRow(*values) for values in cursor]


# -- recording what happened ------------------------------------------------------------


class Outcome(NamedTuple):
    """What became of one row; None leaves a column as it is."""

    attempts: int | None
    sequence: int | None
    status: str
    last_answer: str
    next_attempt_at: str
    sent_at: str | None
    row_id: int


def record(conn: sqlite3.Connection, outcomes: Iterable[Sequence]) -> None:
    """`outcomes`: each an Outcome, or a sequence in Outcome's order (the ledger's lists).

    Absolute values only, so recording the same outcomes twice changes nothing.
    """
    conn.executemany(
        "UPDATE outbox SET attempts = coalesce(?, attempts), sequence = coalesce(?, sequence),"
        " status = ?, last_answer = ?, next_attempt_at = ?, sent_at = coalesce(?, sent_at)"
        " WHERE id = ?",
        outcomes,
    )


def forget_member(conn: sqlite3.Connection, subscriber_id: int) -> None:
    """Every row of one member, for the right to erasure."""
    conn.execute("DELETE FROM outbox WHERE subscriber_id = ?", (subscriber_id,))


def count_member(conn: sqlite3.Connection, subscriber_id: int) -> int:
    """How many rows forget_member would erase."""
    query = "SELECT count(*) FROM outbox WHERE subscriber_id = ?"
    return conn.execute(query, (subscriber_id,)).fetchone()[0]


# -- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionMail:
    """One mail of a session as the outbox holds it (`stage`: announcement, reminder-1d,
    update, cancellation, recap; every SEQUENCE of an update together): how many copies
    are in each status, and when the first and the last copy went out (stamps, or None)."""

    stage: str
    kind: str
    counts: dict[str, int]
    first_sent: str | None
    last_sent: str | None


def session_mails(conn: sqlite3.Connection, session_keys: Iterable[str]) -> dict[str, list]:
    """Per session key (of those given), its mails (SessionMail), in the order they were
    first queued; a session without any has no entry."""
    rows = conn.execute(
        "SELECT session_key, stage, kind, status, count(*), min(sent_at), max(sent_at),"
        " min(queued_at) FROM outbox WHERE session_key IN (SELECT value FROM json_each(?))"
        " GROUP BY session_key, stage, kind, status ORDER BY session_key, min(queued_at)",
        (json.dumps(list(session_keys)),),
    ).fetchall()
    found: dict[str, dict[tuple[str, str], SessionMail]] = {}
    for key, stage, kind, status, count, first, last, _ in rows:
        mails = found.setdefault(key, {})
        known = mails.get((stage, kind))
        if known is None:
            mails[(stage, kind)] = SessionMail(stage, kind, {status: count}, first, last)
            continue
        firsts = [s for s in (known.first_sent, first) if s]
        lasts = [s for s in (known.last_sent, last) if s]
        mails[(stage, kind)] = SessionMail(
            stage, kind, {**known.counts, status: count},
            min(firsts) if firsts else None, max(lasts) if lasts else None,
        )  # fmt: skip
    return {key: list(mails.values()) for key, mails in found.items()}


LISTING_FIELDS = (
    "session", "kind", "stage", "email", "status", "attempts", "next_attempt_at", "sent_at",
    "last_answer", "message_id",
)  # fmt: skip


def listing(
    conn: sqlite3.Connection,
    limit: int | None = None,
    unfolded: Mapping[int, Unfolded] | None = None,
    subscriber_id: int | None = None,
) -> list[dict]:
    """The rows, newest first, as `mailer outbox` shows them: all, or one member's; a row
    on a running tick's ledger (`unfolded`) as the ledger has it: sent, deferred, ..., or
    `sending` (in hand)."""
    sql = (
        "SELECT o.session_key, o.kind, o.stage, coalesce(s.email, o.to_address, ''), o.status,"
        " o.attempts, o.next_attempt_at, o.sent_at, o.last_answer, o.message_id, o.id"
        " FROM outbox o LEFT JOIN subscribers s ON s.id = o.subscriber_id"
    )
    args: tuple = ()
    if subscriber_id is not None:
        sql += " WHERE o.subscriber_id = ?"
        args = (subscriber_id,)
    sql += " ORDER BY o.id DESC"
    if limit:
        sql += " LIMIT ?"
        args = (*args, int(limit))
    rows = []
    for *values, row_id in conn.execute(sql, args):
        row = dict(zip(LISTING_FIELDS, values, strict=True))
        if (line := (unfolded or {}).get(row_id)) is not None:
            row["status"] = line.status or SENDING
            row["last_answer"] = line.last_answer if line.status else row["last_answer"]
            row["sent_at"] = line.sent_at or row["sent_at"]
        rows.append(row)
    return rows
