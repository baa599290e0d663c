"""The inbound poller: read new mail, decide what it is, record it, file it. Exactly once.

Record first, then move: the record and its effect (a subscriber bounced, unsubscribed)
are one transaction keyed by the message (its Message-ID, or a digest of its bytes).
Messages come in batches; when every message of a batch is recorded, each folder's share
of it is moved with one command. A crash between recording and moving leaves messages in
the mailbox; the next poll finds their keys already recorded and only moves them. The
same message appended again, or seen again after a UIDVALIDITY change, is recognised the
same way.
"""

from __future__ import annotations

import email.parser
import hashlib
import mailbox
import sqlite3
import ssl
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from mailer import rsvps
from mailer.consent import ACTIVE, Act, complaint_cause
from mailer.errors import MailerError
from mailer.inbound import table
from mailer.inbound.classify import classify, parse
from mailer.inbound.itip import CalendarMessage
from mailer.inbound.kinds import (
    BOUNCE,
    COMPLAINT,
    COUNTER,
    DEFAULT_FOLDERS,
    MAX_MESSAGE_BYTES,
    QUARANTINE,
    REFRESH,
    RSVP,
    UNSUBSCRIBE,
    UNSURE,
    Unreadable,
    Verdict,
)
from mailer.inbound.record import Record, message_key, record
from mailer.mailkinds import ANNOUNCEMENT
from mailer.outbound import outbox
from mailer.outbound.outbox import GOODBYE, OutboxKey
from mailer.store import BOUNCE_SCORE_THRESHOLD, Store, Subscriber, stamp, stopped_sentence
from mailer.workspace import ServerAddress

SOFT_BOUNCE_LIMIT = 3
BATCH = 50


class MailboxUnavailable(MailerError):
    pass


@dataclass(frozen=True)
class Incoming:
    ref: object  # the source's handle: an IMAP UID, a Maildir key
    raw: bytes | None  # None when the message is too large to read


class Source(Protocol):
    moved: int  # messages the mailbox confirmed in their folders, since the source opened

    def batches(self) -> Iterator[list[Incoming]]: ...

    def file(self, filed: Mapping[str, list[Incoming]]) -> None:
        """Moves recorded messages into their folders: {folder: messages}."""

    def move_filed(self, message_id: str, from_folder: str, to_folder: str) -> bool: ...

    def done(self, batch: list[Incoming]) -> None:
        """Remembers that this batch is recorded and filed."""


@dataclass
class PollReport:
    counts: dict[str, int] = field(default_factory=dict)
    refiled: int = 0
    changes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.counts and not self.refiled:
            return "no new mail"
        parts = [f"{kind} {n}" for kind, n in sorted(self.counts.items())]
        if self.refiled:
            parts.append(f"filed again {self.refiled}")
        return ", ".join(parts)


class PollStopped(MailerError):
    """A poll that could not go on (the mailbox went away, the disk is full): its
    sentence says why, and what the poll had recorded and filed by then."""


def poll(
    store: Store, source: Source, list_id: str, folders: dict[str, str], now: datetime
) -> PollReport:
    """Records, applies and files every new message; PollStopped when it cannot go on."""
    report = PollReport()
    names = {**DEFAULT_FOLDERS, **folders}
    secret = store.message_id_key()
    first, moved = table.last_id(store.conn), source.moved
    try:
        for batch in source.batches():
            filed: dict[str, list[Incoming]] = {}
            for item in batch:
                kind, is_new, change = _record(store, item, list_id, secret, now)
                if is_new:
                    report.counts[kind] = report.counts.get(kind, 0) + 1
                    if change:
                        report.changes.append(change)
                else:
                    report.refiled += 1
                filed.setdefault(names[kind], []).append(item)
            source.file(filed)
            source.done(batch)
    except (MailerError, sqlite3.Error, OSError) as problem:
        recorded = table.recorded_after(store.conn, first)
        so_far = _so_far(recorded, source.moved - moved)
        raise PollStopped(stopped_sentence(problem, so_far)) from None
    return report


def _so_far(recorded: int, moved: int) -> str:
    """What a poll that stopped had done: the new records are counted in the database, the
    moves as the mailbox confirmed them."""
    if not recorded and not moved:
        return "nothing was recorded or filed, the next poll tries again"
    return (
        f"this poll had recorded {recorded} new messages (with their effect on the list)"
        f" and filed {moved} into their folders; the next poll files the rest, each message"
        " once"
    )


def _record(
    store: Store, item: Incoming, list_id: str, secret: bytes, now: datetime
) -> tuple[str, bool, str | None]:
    """Records one message and applies its effect, once; returns (kind, new?, what changed)."""
    message = None
    try:
        if item.raw is None:
            raise Unreadable(f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
        message = parse(item.raw)
        verdict = classify(message)
        entry = record(message, item.raw, verdict, list_id, secret, now)
    except Unreadable as problem:
        return _record_quarantine(store, item, message, str(problem), now)
    except (RecursionError, LookupError, ValueError, TypeError, AttributeError) as problem:
        # A message the parser or the classifier choked on: a bug of ours or a broken mail.
        # The rest of the batch goes on; the record keeps the traceback for the fix.
        detail = "".join(traceback.format_exception(problem)).strip()
        reason = f"cannot be read ({type(problem).__name__})\n{detail}"
        return _record_quarantine(store, item, message, reason, now)
    with store.transaction() as conn:
        known = table.known_kind(conn, entry.key)
        if known:
            return known, False, None
        subscriber_id = _subscriber_id(conn, entry.sender)
        change = _apply(store, verdict, entry, list_id, secret, now)
        table.insert(
            conn, entry, verdict, subscriber_id=subscriber_id, effect=change, now=stamp(now)
        )
    return verdict.kind, True, change


def _record_quarantine(
    store: Store, item: Incoming, message, problem: str, now: datetime
) -> tuple[str, bool, str | None]:
    key = message_key(message, item.raw or repr(item.ref).encode())
    with store.transaction() as conn:
        known = table.known_kind(conn, key)
        if known:
            return known, False, None
        table.insert_quarantined(conn, key, problem, stamp(now))
    return QUARANTINE, True, None


def _subscriber_id(conn, address: str) -> int | None:
    row = conn.execute("SELECT id FROM subscribers WHERE email = ?", (address,)).fetchone()
    return row[0] if row else None


def _apply(
    store: Store, verdict: Verdict, entry: Record, list_id: str, secret: bytes, now: datetime
) -> str | None:
    """The effect of a message on the list, inside the recording transaction.

    A bounce or a complaint changes a member's status only when it carries a mail we
    really sent that member (its Message-ID with a matching MAC, see outbox.py): anyone
    can write "Final-Recipient: anna@..." or "Feedback-Type: abuse" into a plain mail.
    A report that only names an address adds to that member's bounce score, once a day
    (Store.score_bounce_report); a complaint that only names one is recorded.
    """
    if verdict.kind in (RSVP, COUNTER, REFRESH):
        return _calendar(store, verdict, entry, list_id, secret, now)
    if verdict.kind == BOUNCE:
        return _bounce(store, verdict, entry, now)
    if verdict.kind == COMPLAINT:
        if verdict.details.get("feedback_type") == "auth-failure":
            return None  # a DMARC failure report, not a person complaining
        member = _member_of_our_mail(store, entry)
        if member is None:
            return (
                "carries no mail of ours: recorded, nobody unsubscribed"
                if _named(store, verdict, None)
                else None
            )
        cause = complaint_cause(verdict.reason)
        return _unsubscribe_all(store, [member.email], cause, now, act=Act.COMPLAINT)
    if verdict.kind == UNSUBSCRIBE:
        if verdict.token:
            subscriber = store.subscriber_by_token(verdict.token)
            if subscriber is None:
                return "unknown unsubscribe token: nothing changed"
            return _unsubscribe_all(store, [subscriber.email], "unsubscribe link (mail)", now)
        member = store.subscriber(entry.sender)
        if member is None:
            return "not on the list: nothing changed"
        change = _unsubscribe_all(store, [member.email], "asked by mail", now)
        if change:  # one short confirmation: the only mail a leaver gets after leaving
            outbox.queue_one(
                store.conn,
                OutboxKey.goodbye(stamp(now)[:10], member.id),
                kind=GOODBYE,
                domain=list_id,
                secret=secret,
                now=stamp(now),
                in_reply_to=entry.message_id,
            )
        return change
    if verdict.kind == UNSURE:
        return "for the organizer to decide: nothing changed"
    return None


def _calendar(
    store: Store, verdict: Verdict, entry: Record, list_id: str, secret: bytes, now: datetime
) -> str:
    """What a member's calendar sent, for one of our invitations, when it is theirs: the
    ATTENDEE who speaks is the sender, and a member. Anything else is only recorded."""
    from mailer.invite import session_key_of_uid  # icalendar: loaded when a reply came

    calendar: CalendarMessage = verdict.details["calendar"]
    if not calendar.uid:
        return "the calendar part cannot be read: recorded only"
    key = session_key_of_uid(calendar.uid, list_id)
    if key is None:
        return f"not one of our invitations ({calendar.uid}): recorded only"
    speaker = calendar.speaker(entry.sender)
    if speaker is None:
        return f"names no attendee for {key}: recorded only"
    member = store.subscriber(speaker.address)
    if member is None:
        return f"{speaker.address} is not on the list: recorded, no answer counted"
    if speaker.address != entry.sender:
        return (
            f"the answer names {speaker.address} but came from {entry.sender or 'nobody'}:"
            " recorded, no answer changed"
        )
    if verdict.kind == COUNTER:
        return (
            f"{member.email} proposes {calendar.start or '?'} to {calendar.end or '?'} for {key}:"
            " for the organizer, no answer counted"
        )
    if verdict.kind == REFRESH:
        return _send_invitation_again(store, member, key, entry, list_id, secret, now)
    return _rsvp(store, calendar, speaker.answer, member, key, entry, now)


def _rsvp(
    store: Store,
    calendar: CalendarMessage,
    answer: str | None,
    member: Subscriber,
    key: str,
    entry: Record,
    now: datetime,
) -> str:
    """A member's answer to one of our invitations; the latest one counts (rsvps.py)."""
    if answer is None:  # RFC 5546 3.2.3: a REPLY may say delegated, or undecided again
        speaker = calendar.speaker(entry.sender)
        state = speaker.partstat.lower() if speaker and speaker.partstat else "nothing"
        if speaker and speaker.delegated_to:
            state += f" to {speaker.delegated_to}"
        return f"{member.email} answered {state} for {key}: recorded, no answer counted"
    taken = rsvps.record(
        store.conn,
        session_key=key,
        subscriber_id=member.id,
        answer=answer,
        answered_at=calendar.stamp or entry.received_at,
        sequence=calendar.sequence,
        via=rsvps.CALENDAR,
        now=stamp(now),
    )
    if not taken:
        return f"{member.email}: a later answer for {key} is on record; this one is kept aside"
    return f"{member.email} {answer} for {key}"


def _send_invitation_again(
    store: Store,
    member: Subscriber,
    key: str,
    entry: Record,
    list_id: str,
    secret: bytes,
    now: datetime,
) -> str:
    """RFC 5546 3.2.6: the organizer answers a REFRESH with the current version of the
    event. It goes through the outbox like every mail, once per REFRESH message (the
    outbox key names the message), and when the session has started it expires there."""
    if member.status != ACTIVE:
        return f"{member.email} is {member.status}: nothing sent"
    request = hashlib.sha256(entry.key.encode()).hexdigest()[:12]
    outbox.queue_one(
        store.conn,
        OutboxKey.refresh(key, request).to(member.id),
        kind=ANNOUNCEMENT,
        stage=outbox.REFRESH,
        session_key=key,
        domain=list_id,
        secret=secret,
        now=stamp(now),
    )
    return f"{member.email}: the current invitation for {key} is sent again"


def _member_of_our_mail(store: Store, entry: Record) -> Subscriber | None:
    """The member whose mail of ours this message returns (a verified Message-ID)."""
    return store.subscriber_by_id(entry.answers.subscriber_id) if entry.answers else None


def _named(store: Store, verdict: Verdict, member: Subscriber | None) -> list[Subscriber]:
    """The members a report names by address only (not the one whose mail it carries)."""
    found = (store.subscriber(address) for address in verdict.addresses)
    return [s for s in found if s is not None and (member is None or s.id != member.id)]


def _bounce(store: Store, verdict: Verdict, entry: Record, now: datetime) -> str | None:
    changes = []
    cause = f"bounce {verdict.status or ''} ({verdict.reason})".replace("  ", " ")
    member = _member_of_our_mail(store, entry)
    if member is not None and member.status == ACTIVE:
        if verdict.hard:
            if store.change(member.email, Act.BOUNCE, cause, now).changed:
                changes.append(f"{member.email} bounced")
        elif store.count_bounce(member.id, f"soft {cause}", now, SOFT_BOUNCE_LIMIT):
            changes.append(f"{member.email} bounced after {SOFT_BOUNCE_LIMIT} soft bounces")
    for named in _named(store, verdict, member):
        points = 1.0 if verdict.hard else 0.5
        score = store.score_bounce_report(named.id, points, f"address-only {cause}", now)
        if score is None:
            changes.append(f"{named.email}: scored today already")
        elif score >= BOUNCE_SCORE_THRESHOLD:
            changes.append(f"{named.email} bounced (bounce score {score:g})")
        else:
            changes.append(f"{named.email}: bounce score {score:g} (no mail of ours in it)")
    return "; ".join(changes) or None


def _unsubscribe_all(
    store: Store, addresses: list[str], cause: str, now: datetime, act: Act = Act.UNSUBSCRIBE
) -> str | None:
    """Withdraws each member's consent; the effect names those whose status changed (a
    withdrawal said again is logged, so that no refile can undo it, and named nowhere)."""
    changes = []
    for address in addresses:
        if store.change(address, act, cause, now).changed:
            changes.append(f"{address} unsubscribed")
    return "; ".join(changes) or None


# -- sources -------------------------------------------------------------------------


class MaildirSource:
    """The embedded default: the Maildir `inbox/`; filed messages move into its subfolders."""

    def __init__(self, path: Path):
        for sub in ("new", "cur", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(path, create=False)
        self.moved = 0

    def batches(self) -> Iterator[list[Incoming]]:
        keys = sorted(self.box.keys())
        for start in range(0, len(keys), BATCH):
            yield [item for key in keys[start : start + BATCH] if (item := self._read(key))]

    def _read(self, key: str) -> Incoming | None:
        try:
            with self.box.get_file(key) as handle:
                raw = handle.read(MAX_MESSAGE_BYTES + 1)
        except (KeyError, FileNotFoundError):
            return None  # moved away by someone else meanwhile
        return Incoming(key, raw if len(raw) <= MAX_MESSAGE_BYTES else None)

    def file(self, filed: Mapping[str, list[Incoming]]) -> None:
        for folder, items in filed.items():
            known = folder in self.box.list_folders()
            target = self.box.get_folder(folder) if known else self.box.add_folder(folder)
            for item in items:
                target.add(self.box.get_bytes(item.ref))
                self.box.remove(item.ref)
                self.moved += 1

    def move_filed(self, message_id: str, from_folder: str, to_folder: str) -> bool:
        """Moves a filed message to another folder; False if it is not there (any more)."""
        if from_folder not in self.box.list_folders():
            return False
        source = self.box.get_folder(from_folder)
        for key in source.iterkeys():
            headers = email.parser.BytesHeaderParser().parsebytes(source.get_bytes(key))
            if (headers.get("Message-ID") or "").strip() == message_id.strip():
                known = to_folder in self.box.list_folders()
                target = self.box.get_folder(to_folder) if known else self.box.add_folder(to_folder)
                target.add(source.get_bytes(key))
                source.remove(key)
                return True
        return False

    def done(self, batch: list[Incoming]) -> None:
        pass


class ImapSource:
    """A real mailbox over IMAP: new UIDs past the cursor, fetched with BODY.PEEK in batches."""

    def __init__(
        self, server: ServerAddress, store: Store, tls_context: ssl.SSLContext | None = None
    ):
        self.server = server
        self.store = store
        self.mailbox = server.path or "INBOX"
        self.account = f"{server.user}@{server.host}:{server.port}"
        self.tls_context = tls_context
        self.client = None
        self.uidvalidity = 0
        self.moved = 0
        self._folders: set[str] = set()

    def __enter__(self) -> ImapSource:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        from imapclient import IMAPClient

        server = self.server
        context = self.tls_context or ssl.create_default_context()
        client = None
        try:
            client = IMAPClient(
                server.host,
                port=server.port,
                ssl=server.implicit_tls,
                ssl_context=context,
                timeout=30,
            )
            if server.starttls:
                client.starttls(context)
            if server.password is None:
                raise MailboxUnavailable(
                    f"{server.where}: set MAILER_IMAP_PASSWORD for user '{server.user}'"
                )
            client.login(server.user or "", server.password)
            selected = client.select_folder(self.mailbox)
        except BaseException as error:
            if client is not None:
                client.shutdown()
            raise _open_problem(server, error) from None
        self.client = client
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        self._folders = {name for _, _, name in client.list_folders()}

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except Exception:  # the connection may already be gone; nothing to save
                self.client.shutdown()
            finally:
                self.client = None

    def _cursor(self) -> int:
        row = self.store.conn.execute(
            "SELECT last_uid FROM poll_cursors WHERE account = ? AND mailbox = ? AND uidvalidity = ?",
            (self.account, self.mailbox, self.uidvalidity),
        ).fetchone()
        return row[0] if row else 0

    def batches(self) -> Iterator[list[Incoming]]:
        with self._translated():
            yield from self._batches()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """A connection lost mid-batch: one sentence; the next poll resumes where this stopped."""
        from imapclient.exceptions import IMAPClientError

        try:
            yield
        except (IMAPClientError, OSError) as error:
            self.client = None
            raise MailboxUnavailable(
                f"{self.server.where} closed the connection: {error}"
            ) from None

    def _batches(self) -> Iterator[list[Incoming]]:
        assert self.client is not None
        after = self._cursor()
        uids = sorted(uid for uid in self.client.search(["UID", f"{after + 1}:*"]) if uid > after)
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            sizes = self.client.fetch(batch, ["RFC822.SIZE"])
            small = [
                uid
                for uid in batch
                if sizes.get(uid, {}).get(b"RFC822.SIZE", 0) <= MAX_MESSAGE_BYTES
            ]
            bodies = self.client.fetch(small, ["BODY.PEEK[]"]) if small else {}
            yield [
                Incoming(uid, bodies.get(uid, {}).get(b"BODY[]"))
                for uid in batch
                if uid in sizes  # else expunged meanwhile
            ]

    def file(self, filed: Mapping[str, list[Incoming]]) -> None:
        with self._translated():
            for folder, items in filed.items():
                self._file_all([item.ref for item in items], folder)

    def _file_all(self, uids: list, folder: str) -> None:
        """One command for all of them; when another client removed one of them meanwhile
        (RFC 5530 EXPUNGEISSUED), one at a time, leaving out what is gone: it is on record
        already, there is nothing left to file, and the batch goes on."""
        from imapclient.exceptions import IMAPClientError

        try:
            self._move(uids, folder)
            return
        except IMAPClientError as error:
            if not _expunge_issued(error):
                raise
        for uid in uids:
            try:
                self._move([uid], folder)
            except IMAPClientError as error:
                if not _expunge_issued(error):
                    raise

    def _move(self, uids: list, folder: str) -> None:
        assert self.client is not None
        if folder not in self._folders:
            if not self.client.folder_exists(folder):
                self.client.create_folder(folder)
            self._folders.add(folder)
        if self.client.has_capability("MOVE"):
            self.client.move(uids, folder)
            self.moved += len(uids)
            return
        if not self.client.has_capability("UIDPLUS"):
            raise MailboxUnavailable(
                f"{self.server.where} offers neither MOVE nor UIDPLUS; mailer cannot file one message alone"
            )
        self.client.copy(uids, folder)
        self.client.add_flags(uids, [b"\\Deleted"])
        self.client.uid_expunge(uids)
        self.moved += len(uids)

    def move_filed(self, message_id: str, from_folder: str, to_folder: str) -> bool:
        """Moves a filed message to another folder; False if it is not there (any more)."""
        with self._translated():
            assert self.client is not None
            if not self.client.folder_exists(from_folder):
                return False
            self.client.select_folder(from_folder)
            uids = self.client.search(["HEADER", "Message-ID", message_id.strip()])
            if uids:
                self._move(uids, to_folder)
            self.client.select_folder(self.mailbox)
            return bool(uids)

    def done(self, batch: list[Incoming]) -> None:
        if not batch:
            return
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO poll_cursors (account, mailbox, uidvalidity, last_uid, updated_at)"
                " VALUES (?, ?, ?, ?, datetime('now'))"
                " ON CONFLICT (account, mailbox, uidvalidity) DO UPDATE SET"
                " last_uid = max(last_uid, excluded.last_uid), updated_at = excluded.updated_at",
                (self.account, self.mailbox, self.uidvalidity, max(item.ref for item in batch)),
            )


def _expunge_issued(error: Exception) -> bool:
    """The server's answer when a message named was removed by another client meanwhile."""
    return "EXPUNGEISSUED" in str(error).upper()


def _open_problem(server: ServerAddress, error: BaseException) -> BaseException:
    from imapclient.exceptions import IMAPClientError, LoginError

    if isinstance(error, MailboxUnavailable):
        return error
    if isinstance(error, LoginError):
        return MailboxUnavailable(f"{server.where} rejected the login for user '{server.user}'")
    if isinstance(error, ssl.SSLCertVerificationError):
        return MailboxUnavailable(
            f"{server.where}: the TLS certificate is not trusted ({error.verify_message})"
        )
    if isinstance(error, (IMAPClientError, OSError)):
        return MailboxUnavailable(f"cannot reach the IMAP server {server.where}: {error}")
    return error
