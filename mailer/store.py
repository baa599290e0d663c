"""subscribers.db: the schema, its migrations, and the queries on subscribers and consent.

All state lives here. WAL mode and a busy timeout let the daemon and a command the
organizer types work on it at the same time. Moments are stored as UTC ISO strings,
which sort like the moments they name.
"""

from __future__ import annotations

import functools
import hmac
import json
import math
import os
import re
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mailer.consent import (  # the statuses, defined with the rule that moves between them
    ACTIVE,
    BOUNCED,
    PENDING,
    STATUSES,
    UNSUBSCRIBED,
    Act,
    Decision,
    Refusal,
    Standing,
    Withdrawal,
    decide,
    is_complaint,
    refusal_sentence,
)
from mailer.errors import MailerError
from mailer.salutation import Person

if TYPE_CHECKING:
    from sqlite_utils import Database

__all__ = ["ACTIVE", "BOUNCED", "PENDING", "STATUSES", "UNSUBSCRIBED"]

# Reports that name a member but carry no mail of ours could be forged by anyone, so they
# only add to a score, as Mailman does (hard 1, soft 0.5, at most once a day; mailman-admin
# 2.8 "The Bounce Processing Category"). Mailman forgets a score after 7 days and acts
# above 5; we mail a few times a month, so a score lives 30 days and acts at 3: reports on
# three separate days, about three separate mails.
BOUNCE_SCORE_THRESHOLD = 3.0
BOUNCE_SCORE_STALE_DAYS = 30

MIGRATIONS: list[str] = [
    # 1: subscribers, consent, session versions, outbox
    """
    CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT,
        org TEXT,
        status TEXT NOT NULL,
        token TEXT NOT NULL UNIQUE,
        consent_source TEXT,
        consent_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        bounce_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX subscribers_status ON subscribers(status);
    CREATE TABLE consent_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subscriber_id INTEGER NOT NULL,
        email TEXT NOT NULL,
        status TEXT NOT NULL,
        cause TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX consent_log_subscriber ON consent_log(subscriber_id);
    CREATE TABLE session_versions (
        session_key TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        notices_done INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (session_key, sequence)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        session_key TEXT NOT NULL,
        stage TEXT NOT NULL,
        kind TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        subscriber_id INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_answer TEXT,
        queued_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
    CREATE INDEX outbox_session ON outbox(session_key, subscriber_id);
    """,
    # 2: what the poller read, and where it stopped
    """
    CREATE TABLE inbound (
        id INTEGER PRIMARY KEY,
        message_key TEXT NOT NULL UNIQUE,
        message_id TEXT,
        kind TEXT NOT NULL,
        folder TEXT NOT NULL,
        sender TEXT,
        subscriber_id INTEGER,
        subject TEXT,
        text TEXT,
        received_at TEXT,
        session_key TEXT,
        attachments TEXT,
        addresses TEXT,
        reason TEXT,
        effect TEXT,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX inbound_kind ON inbound(kind, recorded_at);
    CREATE INDEX inbound_subscriber ON inbound(subscriber_id);
    CREATE TABLE poll_cursors (
        account TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (account, mailbox, uidvalidity)
    );
    """,
    # 3: mail that is not about a session: thank-yous and the organizer's digest
    """
    ALTER TABLE outbox ADD COLUMN to_address TEXT;
    ALTER TABLE outbox ADD COLUMN reference TEXT;
    """,
    # 4: how far each scheduled mail was queued, so a quiet tick does not touch every member
    """
    CREATE TABLE queue_marks (
        prefix TEXT PRIMARY KEY,
        consent_mark INTEGER NOT NULL
    );
    """,
    # 5: the outbox no longer marks rows `sending` (see ledger.py); rows an older mailer
    # left so are queued again
    """
    UPDATE outbox SET status = 'queued',
        last_answer = 'fate unknown after an interrupted tick, sent again with the same Message-ID'
        WHERE status = 'sending';
    """,
    # 6: outbox columns named for what they hold: the key, the Message-ID a thank-you
    # answers, and the period a digest covers (both were kept in `reference` before)
    """
    ALTER TABLE outbox RENAME COLUMN dedupe_key TO mail_key;
    ALTER TABLE outbox ADD COLUMN in_reply_to TEXT;
    ALTER TABLE outbox ADD COLUMN period_start TEXT;
    ALTER TABLE outbox ADD COLUMN period_end TEXT;
    UPDATE outbox SET in_reply_to = reference WHERE kind = 'thanks';
    UPDATE outbox SET period_start = json_extract(reference, '$[0]'),
        period_end = json_extract(reference, '$[1]') WHERE kind = 'digest';
    ALTER TABLE outbox DROP COLUMN reference;
    """,
    # 7: subscriber ids are never used again (AUTOINCREMENT): a removed member's
    # Message-IDs, still out in the world, must never name a newcomer. The sequence
    # starts past every id still on record anywhere.
    """
    CREATE TABLE subscribers_7 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT,
        org TEXT,
        status TEXT NOT NULL,
        token TEXT NOT NULL UNIQUE,
        consent_source TEXT,
        consent_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        bounce_count INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO subscribers_7 (id, email, name, org, status, token, consent_source,
        consent_at, created_at, updated_at, bounce_count)
        SELECT id, email, name, org, status, token, consent_source, consent_at, created_at,
        updated_at, bounce_count FROM subscribers;
    DROP TABLE subscribers;
    ALTER TABLE subscribers_7 RENAME TO subscribers;
    CREATE INDEX subscribers_status ON subscribers(status);
    DELETE FROM sqlite_sequence WHERE name = 'subscribers';
    INSERT INTO sqlite_sequence (name, seq) SELECT 'subscribers', max(
        (SELECT coalesce(max(id), 0) FROM subscribers),
        (SELECT coalesce(max(subscriber_id), 0) FROM outbox),
        (SELECT coalesce(max(subscriber_id), 0) FROM consent_log),
        (SELECT coalesce(max(subscriber_id), 0) FROM inbound));
    """,
    # 8: a secret for the part of every Message-ID that proves it is ours (see outbox.py),
    # and a bounce score for reports that name an address but carry no mail of ours
    """
    CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    ALTER TABLE subscribers ADD COLUMN bounce_score REAL NOT NULL DEFAULT 0;
    ALTER TABLE subscribers ADD COLUMN last_bounce_day TEXT;
    """,
    # 9: answers to the invitations (see rsvps.py)
    """
    CREATE TABLE rsvps (
        session_key TEXT NOT NULL,
        subscriber_id INTEGER NOT NULL,
        answer TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        sequence INTEGER NOT NULL DEFAULT 0,
        via TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (session_key, subscriber_id)
    );
    """,
    # 10: how a member is greeted (see salutation.py); what each version of a session said,
    # so that an update names what changed since the version the member was told
    """
    ALTER TABLE subscribers ADD COLUMN first_name TEXT;
    ALTER TABLE subscribers ADD COLUMN last_name TEXT;
    ALTER TABLE subscribers ADD COLUMN salutation TEXT;
    ALTER TABLE session_versions ADD COLUMN content TEXT;
    ALTER TABLE outbox ADD COLUMN told_sequence INTEGER;
    """,
    # 11: the web door (see mailer/web): whether a member wants reminders, the shortened
    # client address a consent came from, and topic ideas the organizer marked as done
    """
    ALTER TABLE subscribers ADD COLUMN reminders INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE consent_log ADD COLUMN ip TEXT;
    ALTER TABLE inbound ADD COLUMN done_at TEXT;
    """,
    # 12: one-off newsletters (see outbound/newsletters.py), their content frozen when
    # they are scheduled; ids are never used again, since Message-IDs name them
    """
    CREATE TABLE newsletters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        subject TEXT NOT NULL,
        html TEXT NOT NULL,
        text TEXT NOT NULL,
        public_html TEXT NOT NULL,
        send_at TEXT NOT NULL,
        scheduled_at TEXT NOT NULL,
        queued_at TEXT,
        cancelled_at TEXT
    );
    CREATE INDEX outbox_stage ON outbox(stage, status);
    """,
    # 13: the cockpit's core. Each change of schedule.yaml made through mailer, with who
    # made it (see planstore.py); the new content of a session the organizer marked as not
    # worth a mail (see quiet_version below); the organizers' accounts, Argon2 hashes only
    # (accounts.py); who changed what else in /admin (audit.py); and when the tick and the
    # poll last ran and how they ended (runs.py)
    """
    CREATE TABLE plan_changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        via TEXT NOT NULL,
        action TEXT NOT NULL,
        session_key TEXT,
        detail TEXT,
        quiet INTEGER NOT NULL DEFAULT 0,
        before_sha256 TEXT NOT NULL,
        after_sha256 TEXT NOT NULL,
        kept TEXT,
        undoes INTEGER,
        undone_by INTEGER
    );
    CREATE TABLE quiet_versions (
        session_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        marked_at TEXT NOT NULL,
        PRIMARY KEY (session_key, fingerprint)
    );
    CREATE TABLE organizers (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE admin_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        organizer TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT,
        detail TEXT
    );
    CREATE INDEX admin_log_subject ON admin_log(subject);
    CREATE TABLE runs (
        job TEXT NOT NULL,
        via TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT,
        summary TEXT,
        last_ok_at TEXT,
        PRIMARY KEY (job, via)
    );
    """,
    # 14: a newsletter's identity is what the organizer wrote (newsletter.Draft.digest),
    # not its rendering: a changed setting never makes a sent file a new newsletter
    """
    ALTER TABLE newsletters ADD COLUMN source_digest TEXT;
    CREATE INDEX newsletters_source_digest ON newsletters(source_digest);
    """,
    # 15: a calendar's proposal of another time (iTIP COUNTER, see inbound/itip.py): the
    # time a member proposed for a session, beside their comment in `text`
    """
    ALTER TABLE inbound ADD COLUMN proposed_start TEXT;
    ALTER TABLE inbound ADD COLUMN proposed_end TEXT;
    """,
]


def database_problem(error: sqlite3.Error, happened: str = "nothing was changed") -> str:
    """What a failing database means for the organizer, in one sentence. `happened` says
    what came of the work: a failed transaction changes nothing, which is all a command
    of one transaction did; a tick or a poll says what it had done before (counted from
    the record), never that nothing was."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return (
            "the database is busy: another mailer kept it locked for longer than"
            f" MAILER_DB_TIMEOUT ({busy_seconds()} s); {happened}, try again"
        )
    if "readonly" in text or "read-only" in text:
        return f"the database is read-only for this user; {happened}"
    if "disk is full" in text or "disk I/O" in text:
        return f"the disk is full (or failing); {happened}, free some space"
    if "unable to open" in text:
        return "cannot be opened: does its folder exist, and may this user write there?"
    return f"the database failed ({text}); {happened}"


LONGEST_BUSY_SECONDS = 24 * 60 * 60


def stopped_sentence(problem: Exception, happened: str) -> str:
    """A piece of work that stopped midway (a tick, a poll), in one sentence: its
    problem's own words, with `happened` (what it had done, counted from the record) in
    place of any claim about it."""
    if isinstance(problem, sqlite3.Error):
        return database_problem(problem, happened)
    if isinstance(problem, OSError):
        where = f"{problem.filename}: " if problem.filename else ""
        return f"{where}{problem.strerror or problem}; {happened}"
    return f"{problem}; {happened}"


def busy_seconds() -> float:
    """How long to wait for a database another mailer holds: MAILER_DB_TIMEOUT, or 30;
    MailerError when it is not a number of seconds from 0 to a day (`inf` and `1e400`
    would overflow SQLite's busy_timeout, `nan` would mean nothing)."""
    text = os.environ.get("MAILER_DB_TIMEOUT", "30")
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= LONGEST_BUSY_SECONDS:  # also false for nan
        raise MailerError(
            f"MAILER_DB_TIMEOUT: '{text}' is not a number of seconds from 0 to"
            f" {LONGEST_BUSY_SECONDS}"
        )
    return seconds


def stamp(moment: datetime) -> str:
    """The stored form of a moment: UTC, seconds, sortable as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def new_token() -> str:
    """128 bits from the OS's CSPRNG: an unsubscribe link nobody can guess."""
    return secrets.token_urlsafe(16)


def member_ref(subscriber_id: int, token: str) -> str:
    """The member's part of a link in a mail (`12-TOKEN`): the id finds the row, the token
    proves the link came to them (compared in constant time, see Store.member_by_ref)."""
    return f"{subscriber_id}-{token}"


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    name: str | None
    org: str | None
    status: str
    token: str
    consent_source: str | None
    consent_at: str | None
    created_at: str
    first_name: str | None = None
    last_name: str | None = None
    salutation: str | None = None
    reminders: int = 1

    @property
    def ref(self) -> str:
        return member_ref(self.id, self.token)


@dataclass(frozen=True)
class MemberPage:
    """A page of Store.find: its members, and how many match in all."""

    members: list[Subscriber]
    total: int


# What a search of the members looks at (Store.find).
SEARCHED_COLUMNS = ("email", "name", "first_name", "last_name", "salutation", "org")


def _word_search(word: str, name: str) -> tuple[str, dict[str, str]]:
    """A search word's condition (one of SEARCHED_COLUMNS holds it, in any case) and its
    parameters, named after `name`. An ASCII word goes to LIKE, which folds ASCII letters;
    any other to GLOB, with both cases of each letter, behind a LIKE of its longest ASCII
    part: GLOB's classes are three times as slow, and a text GLOB finds holds that part
    in ASCII (the cases of an ASCII letter are ASCII), so LIKE passes all it may find."""
    like = "{column} LIKE :{name} ESCAPE '\\'"
    if word.isascii():
        tests, values = [like], {name: _like_pattern(word)}
    else:
        tests, values = ["{column} GLOB :{name}_glob"], {f"{name}_glob": _glob_pattern(word)}
        part = max(re.findall(r"[\x00-\x7f]+", word), key=len, default="")
        if part:
            tests.insert(0, like)
            values[name] = _like_pattern(part)
    each = " AND ".join(tests)
    terms = (f"({each.format(column=column, name=name)})" for column in SEARCHED_COLUMNS)
    return "(" + " OR ".join(terms) + ")", values


def _like_pattern(text: str) -> str:
    """`text` anywhere, for LIKE ... ESCAPE '\\': its own % and _ taken literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def _glob_pattern(word: str) -> str:
    """`word` anywhere, for GLOB, each letter in both cases (`*[Üü][Bb][Aa]...*`); its own
    *, ? and [ taken literally."""
    letters = []
    for letter in word:
        cases = {form for form in (letter, letter.lower(), letter.upper()) if len(form) == 1}
        if len(cases) == 1 and letter not in "*?[]":
            letters.append(letter)
        else:  # in a class every character is literal; a ] only first
            letters.append("[" + "".join(sorted(cases, key=lambda c: (c != "]", c))) + "]")
    return "*" + "".join(letters) + "*"


@dataclass(frozen=True)
class LeftOut:
    """An address an import leaves out, with the member's standing and the rule's why."""

    email: str
    standing: Standing
    why: Refusal

    def sentence(self) -> str:
        """The organizer's sentence (English), as for a refused `subscribers add`."""
        return refusal_sentence(self.email, self.standing, self.why)


@dataclass(frozen=True)
class ImportPlan:
    """What an import does (Store.plan_import), worked out before anything is written:
    the newcomers (address, person) to add, the addresses on the list already (they
    stay as they are), and those left out by the rule (a withdrawn consent)."""

    new: list[tuple[str, Person]]
    existing: list[str]
    left_out: list[LeftOut]


@dataclass(frozen=True)
class Change:
    """What Store.change did: the standing before, the rule's decision, the member after
    (None when refused for an address not on the list)."""

    before: Standing
    decision: Decision
    member: Subscriber | None

    @property
    def refused(self) -> bool:
        return self.decision.status is None

    @property
    def changed(self) -> bool:
        return not self.refused and self.decision.status != self.before.status

    def refusal(self, email: str) -> str:
        """The organizer's sentence for a refused change (English)."""
        return refusal_sentence(email, self.before, self.decision.refusal or Refusal.NOT_ON_LIST)


class Store:
    """The database, opened and migrated: `with Store(path) as store: ...` closes it."""

    def __init__(self, path: Path | str):
        self.path = Path(path) if path != ":memory:" else None
        if self.path is not None and not self.path.exists():
            # Personal data: readable by this user only. SQLite gives its -wal and -shm
            # files the database file's permissions.
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            except OSError as error:
                raise MailerError(f"{path}: cannot be created ({error.strerror})") from None
        seconds = busy_seconds()
        try:
            connection = sqlite3.connect(str(path), timeout=seconds, isolation_level=None)
            self.conn = connection
            connection.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
            if self.path is not None:
                connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.OperationalError as error:  # locked, read-only, disk full, no folder
            raise MailerError(f"{path}: {database_problem(error)}") from None
        except sqlite3.DatabaseError as error:
            raise MailerError(f"{path}: not a usable mailer database ({error})") from None

    @cached_property
    def db(self) -> Database:
        """sqlite-utils on the same connection; imported on first use (a tick needs none)."""
        from sqlite_utils import Database

        return Database(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise MailerError(
                f"{self.path}: made by a newer mailer (schema {version}); update mailer first"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in script.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")

    def transaction(self) -> _Transaction:
        """BEGIN IMMEDIATE ... COMMIT: writers queue up instead of failing halfway."""
        return _Transaction(self.conn)

    # -- subscribers ---------------------------------------------------------

    def subscriber(self, email: str) -> Subscriber | None:
        return self._one("email = ?", email)

    def subscriber_by_id(self, subscriber_id: int) -> Subscriber | None:
        return self._one("id = ?", subscriber_id)

    def subscriber_by_token(self, token: str) -> Subscriber | None:
        return self._one("token = ?", token)

    def member_by_ref(self, ref: str) -> Subscriber | None:
        """The member a link's `12-TOKEN` names; None unless the token is theirs. The row
        is found by its id, and the token compared in constant time, so that the time an
        answer takes says nothing about how much of a guessed token was right."""
        number, _, token = ref.partition("-")
        # ASCII digits only: str.isdigit() takes '²' (which int() refuses) and '١'.
        if not _ID.fullmatch(number) or not token:
            return None
        member = self._one("id = ?", int(number))
        if member is None or not hmac.compare_digest(member.token.encode(), token.encode()):
            return None
        return member

    def subscribers(self, status: str | None = None) -> Iterator[Subscriber]:
        where, args = ("status = ?", [status]) if status else (None, None)
        rows = self.db["subscribers"].rows_where(
            where, args, select=_SUBSCRIBER_COLUMNS, order_by="id"
        )
        for row in rows:
            yield Subscriber(**row)

    def find(
        self,
        text: str = "",
        status: str | None = None,
        *,
        limit: int | None = 50,
        offset: int = 0,
    ) -> MemberPage:
        """One page of the members (all from `offset` for limit None), in the order of
        their addresses: those with `status` (any, for None) with every word of `text`
        in their address, name, first or last name, salutation or municipality, in upper
        or lower case (`übach` finds Übach-Palenberg); with how many match in all."""
        words = text.split()
        conditions: list[str] = []
        args: dict[str, object] = {}
        for number, word in enumerate(words):
            condition, values = _word_search(word, f"word{number}")
            conditions.append(condition)
            args.update(values)
        if status:
            conditions.insert(0, "status = :status")
            args["status"] = status
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        if words:  # one pass over the table: the matching ids, in order
            query = f"SELECT id FROM subscribers{where} ORDER BY email"
            ids = [row[0] for row in self.conn.execute(query, args)]
            total, page = len(ids), ids[offset:][:limit]
        else:  # counted by the index on the status, paged by the one on the address
            query = f"SELECT count(*) FROM subscribers{where}"
            total = self.conn.execute(query, args).fetchone()[0]
            query = f"SELECT id FROM subscribers{where} ORDER BY email LIMIT :limit OFFSET :offset"
            paging = {"limit": -1 if limit is None else limit, "offset": offset}
            page = [row[0] for row in self.conn.execute(query, {**args, **paging})]
        rows = self.conn.execute(
            f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers"
            " WHERE id IN (SELECT value FROM json_each(?)) ORDER BY email",
            (json.dumps(page),),
        )
        names = [column[0] for column in rows.description]
        return MemberPage([Subscriber(**dict(zip(names, row, strict=True))) for row in rows], total)

    def status_counts(self) -> dict[str, int]:
        """How many members have each status (only the statuses someone has)."""
        return dict(self.conn.execute("SELECT status, count(*) FROM subscribers GROUP BY status"))

    def _one(self, where: str, value: str | int) -> Subscriber | None:
        rows = self.db["subscribers"].rows_where(where, [value], select=_SUBSCRIBER_COLUMNS)
        row = next(rows, None)
        return Subscriber(**row) if row else None

    def add_subscriber(
        self, email: str, person: Person, *, consent: str, now: datetime
    ) -> tuple[Subscriber, bool]:
        """The organizer adds one subscriber (Act.ADD); returns it and whether anything
        changed. Raises MailerError when the rule refuses (a withdrawn consent)."""
        done = self.change(email, Act.ADD, consent, now, person=person)
        if done.member is None or done.refused:
            raise MailerError(done.refusal(email))
        return done.member, done.changed

    def plan_import(self, rows: Iterable[tuple[str, Person]]) -> ImportPlan:
        """What importing `rows` would do (Act.IMPORT), without writing anything: who is
        new, who is on the list already, and who is left out by the rule. A repeated
        address counts once, as the first."""
        # UNIQUE ... COLLATE NOCASE folds ASCII letters only, and so does bytes.lower().
        known = {email.encode().lower(): (email, status) for email, status in
                 self.conn.execute("SELECT email, status FROM subscribers")}  # fmt: skip
        plan = ImportPlan([], [], [])
        for email, person in rows:
            key = email.encode().lower()
            if key not in known:
                known[key] = (email, None)
                plan.new.append((email, person))
                continue
            found, status = known[key]
            if status is None:  # a repeat of a newcomer
                continue
            # An active member's consent is not withdrawn: the log is read only for the
            # others (a list imported again is mostly active members).
            before = Standing(status) if status == ACTIVE else (
                self.standing(self.subscriber(found)))  # fmt: skip
            decision = decide(before, Act.IMPORT)
            if decision.status is None:
                plan.left_out.append(LeftOut(email, before, decision.refusal or Refusal.WITHDRAWN))
            else:
                plan.existing.append(email)
        return plan

    def add_many(
        self, rows: Iterable[tuple[str, Person]], *, consent: str, now: datetime
    ) -> ImportPlan:
        """Adds many in one transaction (Act.IMPORT): the newcomers of plan_import, with
        `consent` in the consent log; returns that plan. Nobody on the list is changed."""
        at = stamp(now)
        status = decide(Standing(None), Act.IMPORT).status
        with self.transaction():
            plan = self.plan_import(rows)
            first_id = self._next_subscriber_id()
            new = [
                {"id": first_id + number, "email": email, **person.columns(), "status": status,
                 "token": new_token(), "consent_source": consent, "consent_at": at,
                 "created_at": at, "updated_at": at}
                for number, (email, person) in enumerate(plan.new)
            ]  # fmt: skip
            self.db["subscribers"].insert_all(new, batch_size=1000)
            self.db["consent_log"].insert_all(
                ({"subscriber_id": row["id"], "email": row["email"], "status": row["status"],
                  "cause": consent, "at": at} for row in new),
                batch_size=1000,
            )  # fmt: skip
        return plan

    def edit_person(
        self, subscriber_id: int, person: Person, now: datetime
    ) -> tuple[Subscriber, Subscriber] | None:
        """Replaces what the member told us about themselves (names, salutation,
        municipality) with `person`, as Person.columns gives them (without a full name,
        first and last name make it); returns the member (before, after), or None when
        they are not on the list. The status stays: only the rule changes it (change)."""
        with self.transaction():
            before = self.subscriber_by_id(subscriber_id)
            if before is None:
                return None
            columns = person.columns()
            if any(getattr(before, column) != value for column, value in columns.items()):
                self.db["subscribers"].update(subscriber_id, {**columns, "updated_at": stamp(now)})
            after = self.subscriber_by_id(subscriber_id)
            assert after is not None
            return before, after

    def standing(self, member: Subscriber | None) -> Standing:
        """The member's status and whether their consent is withdrawn: the first
        withdrawal (an unsubscribed entry) after their latest consent (an active entry)
        in the consent log (see mailer.consent)."""
        if member is None:
            return Standing(None)
        row = self.conn.execute(
            "SELECT at, cause FROM consent_log WHERE subscriber_id = :id AND status = :left"
            " AND id > coalesce((SELECT max(id) FROM consent_log WHERE subscriber_id = :id"
            " AND status = :active), 0) ORDER BY id LIMIT 1",
            {"id": member.id, "left": UNSUBSCRIBED, "active": ACTIVE},
        ).fetchone()
        if row is not None:
            return Standing(member.status, Withdrawal(row[0], is_complaint(row[1])))
        if member.status == UNSUBSCRIBED:  # a row older than its log: withdrawn all the same
            return Standing(member.status, Withdrawal(None, complaint=False))
        return Standing(member.status)

    def change(
        self,
        email: str,
        act: Act,
        cause: str,
        now: datetime,
        *,
        person: Person | None = None,
        ip: str | None = None,
        undoing: tuple[str, str] | None = None,
    ) -> Change:
        """Asks the rule (mailer.consent.decide) whether `act` changes the status of
        `email`, and if so changes it and logs `cause` (and, from the web, the shortened
        client address). A newcomer's row is made with `person`; an organizer's act also
        fills in the names it gives. For Act.RESTORE, `undoing` is (when the poller
        applied the message, the cause a refile of it logs): see Store.undo_point."""
        with self.transaction():
            current = self.subscriber(email)
            before = self.standing(current)
            if act is Act.RESTORE and current is not None and undoing is not None:
                restore_to, changed_since = self.undo_point(current.id, *undoing)
                decision = decide(before, act, restore_to=restore_to, changed_since=changed_since)
            else:
                decision = decide(before, act)
            if decision.status is None:
                return Change(before, decision, current)
            at = stamp(now)
            if current is None:
                subscriber_id = self.db["subscribers"].insert(
                    {"email": email, **(person or Person()).columns(), "status": decision.status,
                     "token": new_token(), "consent_source": cause, "consent_at": at,
                     "created_at": at, "updated_at": at},
                ).last_pk  # fmt: skip
            elif decision.status != current.status or decision.log_unchanged:
                subscriber_id = current.id
                changes: dict = {"status": decision.status, "updated_at": at}
                if decision.consent:
                    changes.update(consent_source=cause, consent_at=at)
                if decision.status == ACTIVE and current.status != ACTIVE:
                    changes["bounce_count"] = 0
                if person is not None and act.organizers:
                    changes.update({k: v for k, v in person.columns().items() if v})
                self.db["subscribers"].update(current.id, changes)
            else:
                return Change(before, decision, current)
            self._log(subscriber_id, email if current is None else current.email,
                      decision.status, cause, at, ip)  # fmt: skip
            return Change(before, decision, self.subscriber_by_id(subscriber_id))

    def undo_point(
        self, subscriber_id: int, made_at: str, refile_cause: str
    ) -> tuple[str | None, bool]:
        """For a refile that undoes what a message did to a member: (the status before
        that change, whether anything changed since). The change is the member's latest
        change of status; it is the message's if the poller logged it when it filed the
        message (`made_at`), or a refile of this message logged it (`refile_cause`).
        Anything else since, and any withdrawal since (logged even when the status
        stayed: a second unsubscribe, a complaint), counts as a change since."""
        entries = self.conn.execute(
            "SELECT status, cause, at FROM consent_log WHERE subscriber_id = ? ORDER BY id",
            (subscriber_id,),
        ).fetchall()
        latest, before = None, None
        for number, (status, _cause, _at) in enumerate(entries):
            previous = entries[number - 1][0] if number else None
            if status != previous:
                latest, before = number, previous
        if latest is None:
            return None, True
        _, cause, at = entries[latest]
        ours = at == made_at or cause == refile_cause
        withdrawn_since = any(
            status == UNSUBSCRIBED and cause != refile_cause
            for status, cause, _ in entries[latest + 1 :]
        )
        return before, not ours or withdrawn_since

    def set_reminders(
        self, subscriber_id: int, wanted: bool, cause: str, now: datetime, ip: str | None = None
    ) -> bool:
        """Whether the member gets reminders; True if that changed. The change goes into
        the consent log too, so the next tick queues what they now want (see queueing)."""
        with self.transaction():
            member = self.subscriber_by_id(subscriber_id)
            if member is None or bool(member.reminders) == wanted:
                return False
            at = stamp(now)
            self.db["subscribers"].update(
                subscriber_id, {"reminders": int(wanted), "updated_at": at}
            )
            self._log(subscriber_id, member.email, member.status, cause, at, ip)
            return True

    def reactivate_bounced(self, since: datetime, cause: str, now: datetime) -> list[str]:
        """Every member marked bounced at or after `since` is active again (Act.REACTIVATE),
        with `cause` in the consent log: the undo for a mass bounce that was the server's
        fault. Returns the addresses made active."""
        with self.transaction():
            rows = self.conn.execute(
                "SELECT s.email FROM subscribers s WHERE s.status = ? AND"
                " (SELECT max(c.at) FROM consent_log c"
                "  WHERE c.subscriber_id = s.id AND c.status = ?) >= ? ORDER BY s.id",
                (BOUNCED, BOUNCED, stamp(since)),
            ).fetchall()
            done = [self.change(email, Act.REACTIVATE, cause, now) for (email,) in rows]
        return [change.member.email for change in done if change.changed and change.member]

    def count_bounce(self, subscriber_id: int, cause: str, now: datetime, limit: int) -> bool:
        """Counts one failed delivery; at `limit` the subscriber is bounced. True if so."""
        with self.transaction():
            self.conn.execute(
                "UPDATE subscribers SET bounce_count = bounce_count + 1 WHERE id = ?",
                (subscriber_id,),
            )
            row = self.conn.execute(
                "SELECT email, status, bounce_count FROM subscribers WHERE id = ?", (subscriber_id,)
            ).fetchone()
            if row is None or row[2] < limit:
                return False
            if decide(Standing(row[1]), Act.BOUNCE).status != BOUNCED:
                return False
            at = stamp(now)
            self.db["subscribers"].update(subscriber_id, {"status": BOUNCED, "updated_at": at})
            self._log(subscriber_id, row[0], BOUNCED, cause, at)
            return True

    def forget(self, subscriber_id: int) -> None:
        """The subscriber's row and consent log; see mailer.erasure for all of a person."""
        self.db["consent_log"].delete_where("subscriber_id = ?", [subscriber_id])
        self.db["subscribers"].delete(subscriber_id)

    def _next_subscriber_id(self) -> int:
        """The id AUTOINCREMENT would give next: past every id ever used (ids never return)."""
        return self.conn.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'subscribers'),"
            " 0), (SELECT coalesce(max(id), 0) FROM subscribers)) + 1"
        ).fetchone()[0]

    def message_id_key(self) -> bytes:
        """The secret that signs our Message-IDs: the same (mail, member) keeps its
        Message-ID across ticks and restarts."""
        return self.secret("message-id")

    def secret(self, name: str) -> bytes:
        return stored_secret(self.conn, name)

    def score_bounce_report(
        self, subscriber_id: int, points: float, cause: str, now: datetime
    ) -> float | None:
        """Scores a report that names the member but carries no mail of ours (Mailman's
        bounce score: once a day at most, forgotten when stale). Returns the new score, or
        None when nothing changed; at BOUNCE_SCORE_THRESHOLD the member is bounced."""
        today = now.astimezone(UTC).date()
        with self.transaction():
            row = self.conn.execute(
                "SELECT email, status, bounce_score, last_bounce_day FROM subscribers WHERE id = ?",
                (subscriber_id,),
            ).fetchone()
            if row is None or row[3] == today.isoformat():
                return None
            if decide(Standing(row[1]), Act.BOUNCE).status != BOUNCED:
                return None
            score = row[2]
            if (
                row[3] is None
                or (today - date.fromisoformat(row[3])).days > BOUNCE_SCORE_STALE_DAYS
            ):
                score = 0.0
            score += points
            changes = {"bounce_score": score, "last_bounce_day": today.isoformat()}
            if score >= BOUNCE_SCORE_THRESHOLD:
                changes.update(status=BOUNCED, updated_at=stamp(now))
                self._log(subscriber_id, row[0], BOUNCED, f"{cause}; bounce score {score:g}",
                          stamp(now))  # fmt: skip
            self.db["subscribers"].update(subscriber_id, changes)
            return score

    def status_of(self, subscriber_id: int) -> str | None:
        """The subscriber's status now; None once they were erased."""
        row = self.conn.execute(
            "SELECT status FROM subscribers WHERE id = ?", (subscriber_id,)
        ).fetchone()
        return row[0] if row else None

    def changed_elsewhere(self) -> int:
        """A number that changes whenever another connection commits (PRAGMA data_version):
        a few microseconds to learn whether what this connection read may be stale."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def latest_consent_change(self) -> int:
        """The id of the newest consent-log entry (ids only grow): 0 for none."""
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM consent_log").fetchone()[0]

    def consent_log(self, email: str) -> list[dict]:
        rows = self.db["consent_log"].rows_where(
            "email = ? COLLATE NOCASE", [email], select="status, cause, at, ip", order_by="id"
        )
        return list(rows)

    def _log(
        self,
        subscriber_id: int,
        email: str,
        status: str,
        cause: str,
        at: str,
        ip: str | None = None,
    ) -> None:
        self.db["consent_log"].insert(
            {"subscriber_id": subscriber_id, "email": email, "status": status, "cause": cause,
             "at": at, "ip": ip}
        )  # fmt: skip

    # -- session versions ----------------------------------------------------

    def record_version(
        self, session_key: str, fingerprint: str, now: datetime, content: str | None = None
    ) -> int:
        """The SEQUENCE of this content of the session: unchanged content keeps it, a change raises it."""
        latest = self._latest_version(session_key)
        if latest and latest[1] == fingerprint:
            return latest[0]
        sequence = latest[0] + 1 if latest else 0
        self.conn.execute(
            "INSERT INTO session_versions (session_key, sequence, fingerprint, recorded_at,"
            " content) VALUES (?, ?, ?, ?, ?)",
            (session_key, sequence, fingerprint, stamp(now), content),
        )
        return sequence

    def session_history(self) -> list[tuple[str, str | None]]:
        """Every recorded version of every session, oldest first: (session key, content)."""
        return self.conn.execute(
            "SELECT session_key, content FROM session_versions ORDER BY session_key, sequence"
        ).fetchall()

    def previous_version(self, session_key: str, fingerprint: str) -> tuple[int, str | None] | None:
        """The newest recorded version other than this content: (SEQUENCE, content)."""
        row = self.conn.execute(
            "SELECT sequence, content FROM session_versions WHERE session_key = ?"
            " AND fingerprint != ? ORDER BY sequence DESC LIMIT 1",
            (session_key, fingerprint),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def version_content(self, session_key: str, sequence: int) -> str | None:
        """What members saw of that version (Session.content); None if not kept (schema < 10)."""
        row = self.conn.execute(
            "SELECT content FROM session_versions WHERE session_key = ? AND sequence = ?",
            (session_key, sequence),
        ).fetchone()
        return row[0] if row else None

    def versions_owing_notices(self) -> list[tuple[str, int]]:
        """(session key, SEQUENCE) of each version whose update or cancellation is not queued."""
        return self.conn.execute(
            "SELECT session_key, sequence FROM session_versions WHERE notices_done = 0"
        ).fetchall()

    def notices_done(self, session_key: str, sequence: int) -> None:
        self.conn.execute(
            "UPDATE session_versions SET notices_done = 1 WHERE session_key = ? AND sequence = ?",
            (session_key, sequence),
        )

    def mark_quiet(self, session_key: str, fingerprint: str, now: datetime) -> None:
        """This content of the session owes nobody a notice when a tick first records it:
        the organizer marked the edit that made it as not worth a mail (the database's
        `notify: false`, which the file never has to keep; see planstore.save)."""
        self.conn.execute(
            "INSERT OR IGNORE INTO quiet_versions (session_key, fingerprint, marked_at)"
            " VALUES (?, ?, ?)",
            (session_key, fingerprint, stamp(now)),
        )

    def is_quiet(self, session_key: str, fingerprint: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM quiet_versions WHERE session_key = ? AND fingerprint = ?",
                (session_key, fingerprint),
            ).fetchone()
            is not None
        )

    def owed_sequence(self, session_key: str, fingerprint: str) -> int | None:
        """The SEQUENCE of this content if the next tick owes members a notice of it: a
        change not recorded yet, or one the calendar feed recorded and no tick has told;
        None before the session's first tick and when members were told of it."""
        row = self.conn.execute(
            "SELECT sequence, fingerprint, notices_done FROM session_versions"
            " WHERE session_key = ? ORDER BY sequence DESC LIMIT 1",
            (session_key,),
        ).fetchone()
        if row is None:
            return None
        if row[1] != fingerprint:
            return row[0] + 1
        return row[0] if row[0] > 0 and not row[2] else None

    def recorded_at(self, session_key: str, sequence: int) -> str | None:
        """When this version was first recorded (stamp() form): its LAST-MODIFIED."""
        row = self.conn.execute(
            "SELECT recorded_at FROM session_versions WHERE session_key = ? AND sequence = ?",
            (session_key, sequence),
        ).fetchone()
        return row[0] if row else None

    def known_sequence(self, session_key: str, fingerprint: str) -> int:
        """The sequence this content has or would get, without recording anything."""
        latest = self._latest_version(session_key)
        if latest is None:
            return 0
        return latest[0] if latest[1] == fingerprint else latest[0] + 1

    def _latest_version(self, session_key: str) -> tuple[int, str] | None:
        return self.conn.execute(
            "SELECT sequence, fingerprint FROM session_versions WHERE session_key = ?"
            " ORDER BY sequence DESC LIMIT 1",
            (session_key,),
        ).fetchone()


@functools.cache
def schema_columns() -> dict[str, tuple[str, ...]]:
    """Every table subscribers.db has after all MIGRATIONS, with its columns in order
    (SQLite's own tables left out): what mailer stores, read from the schema itself."""
    with Store(":memory:") as store:
        tables = [
            name
            for (name,) in store.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            )
        ]
        return {
            table: tuple(row[1] for row in store.conn.execute(f"PRAGMA table_info({table})"))
            for table in tables
        }


def stored_secret(conn: sqlite3.Connection, name: str) -> bytes:
    """A random 256-bit secret, made on first use and kept in the database: `message-id`
    signs Message-IDs, `web` the links, forms and sessions of the web door."""
    query = "SELECT value FROM secrets WHERE name = ?"
    row = conn.execute(query, (name,)).fetchone()
    if row is None:
        with _Transaction(conn):
            conn.execute(
                "INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)",
                (name, secrets.token_hex(32)),
            )
        row = conn.execute(query, (name,)).fetchone()
    return bytes.fromhex(row[0])


_ID = re.compile(r"[0-9]{1,18}")  # a row id as a link writes it (SQLite's INTEGER: 64 bits)
_SUBSCRIBER_COLUMNS = (
    "id, email, name, org, status, token, consent_source, consent_at, created_at,"
    " first_name, last_name, salutation, reminders"
)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        self.outer = not self.conn.in_transaction
        if self.outer:
            self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, value, traceback) -> None:
        if not self.outer:
            return
        if kind is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
