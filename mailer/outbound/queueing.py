"""What is due at a moment becomes outbox rows: the scheduled mails, the notices of a
changed or cancelled session, the recaps after sessions, the newsletters, and the
replies. Each is queued once (see outbox.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mailer.mailkinds import ANNOUNCEMENT, CANCELLATION, NEWSLETTER, RECAP, UPDATE
from mailer.outbound import newsletters, outbox
from mailer.outbound.outbox import OutboxKey
from mailer.outbound.replies import queue_replies
from mailer.plan import Plan, Session
from mailer.store import Store, stamp
from mailer.timing import due, recaps_due

VERSION_HORIZON_DAYS = 400

# Session key -> the session as planned now, with the SEQUENCE of that content.
Sessions = dict[str, tuple[Session, int]]


@dataclass
class QueueReport:
    queued: int = 0
    superseded: int = 0


def record_versions(store: Store, plan: Plan, now: datetime) -> Sessions:
    """Every session that has not started, with the SEQUENCE of its current content."""
    with store.transaction():
        return {
            session.key: (
                session,
                store.record_version(session.key, session.version, now, session.content),
            )
            for session in plan.sessions_from(now, VERSION_HORIZON_DAYS)
        }


def published_versions(
    store: Store, sessions: Iterable[Session], now: datetime
) -> list[tuple[Session, int, datetime]]:
    """Each session as the calendar feed publishes it: with the SEQUENCE of its content and
    the moment that content was first recorded (LAST-MODIFIED). The content is recorded
    now if it is new, as the tick does before it mails: a calendar that fetched it must
    see the next change with a higher SEQUENCE, also when two edits come between ticks."""
    published = []
    with store.transaction():
        for session in sessions:
            sequence = store.record_version(session.key, session.version, now, session.content)
            first = store.recorded_at(session.key, sequence)
            published.append((session, sequence, datetime.fromisoformat(first or stamp(now))))
    return published


def scheduled_key(session: Session, label: str, kind: str) -> OutboxKey:
    if kind == ANNOUNCEMENT:
        return OutboxKey.scheduled(session.key, label)
    # A reminder belongs to the start it reminds of: a moved session is reminded again.
    return OutboxKey.scheduled(session.key, label, session.start.strftime("%Y%m%dT%H%M"))


def queue_due(store: Store, plan: Plan, now: datetime, sessions: Sessions) -> QueueReport:
    """Queues, for every active subscriber, what is due at `now`, once."""
    report = QueueReport()
    now = plan.local(now)
    at = stamp(now)
    domain = plan.sender.list_id
    secret = store.message_id_key()
    with store.transaction() as conn:
        # Every change of a member's status appends to the consent log (AUTOINCREMENT ids):
        # once a mail was queued for everyone, only members changed since need a look.
        latest_change = store.latest_consent_change()
        for entry in due(plan, now):
            session, sequence = sessions[entry.session.key]
            mail = scheduled_key(session, entry.stage.label, entry.stage.kind)
            through = outbox.queued_through(conn, mail)
            if through is not None and through >= latest_change:
                continue
            if through is None:
                report.superseded += outbox.supersede_earlier(conn, mail)
            report.queued += outbox.queue_for_members(
                conn,
                mail,
                session_key=session.key,
                stage=entry.stage.label,
                kind=entry.stage.kind,
                sequence=sequence,
                domain=domain,
                secret=secret,
                now=at,
                changed_after=through,
            )
            outbox.mark_queued_through(conn, mail, latest_change)
        # Notices are owed once per new version: whoever is told later hears the new one.
        for key, sequence in store.versions_owing_notices():
            if (
                key in sessions
                and sessions[key][1] == sequence
                and notice_wanted(store, sessions[key][0])
            ):
                session = sessions[key][0]
                kind = notice_kind(session)
                notice = OutboxKey.notice(session.key, kind, sequence)
                outbox.supersede_for_notice(conn, notice, kind)
                report.queued += outbox.queue_notice(
                    conn, notice, kind=kind, sequence=sequence, domain=domain, secret=secret, now=at
                )
            store.notices_done(key, sequence)
        report.queued += _queue_recaps(conn, plan, now, secret, latest_change)
        report.queued += _queue_newsletters(conn, plan, at, secret)
        report.queued += queue_replies(conn, plan, now, secret)
    return report


def notice_wanted(store: Store, session: Session) -> bool:
    """Whether a change of the session is told by mail. Not when it is marked `notify:
    false` in the plan, nor when the organizer saved this content as not worth a mail
    (Store.mark_quiet): the new version stands (the next invitation carries it), but
    nobody is told of this change. Nor for an example (`example: true`): it was never
    sent, so no change of it is news to anyone."""
    if session.example or not session.notify:
        return False
    return not store.is_quiet(session.key, session.version)


def notice_kind(session: Session) -> str:
    return CANCELLATION if session.cancelled else UPDATE


def notices_owed(store: Store, sessions: list[Session]) -> dict[str, tuple[str, int]]:
    """Per session key whose content changed since members were told: the notice the next
    tick will send (update or cancellation) and to how many members."""
    owed = {}
    for session in sessions:
        sequence = store.owed_sequence(session.key, session.version)
        if sequence is None or not notice_wanted(store, session):
            continue
        kind = notice_kind(session)
        members = outbox.notice_audience(store.conn, session.key, kind, sequence)
        if members:
            owed[session.key] = (kind, members)
    return owed


def _queue_recaps(conn, plan: Plan, now: datetime, secret: bytes, latest_change: int) -> int:
    """Each recap once, to the members active when it is due (all of them, or all but
    those who declined): whoever joins later, or edits the recap afterwards, sends nothing."""
    queued = 0
    for session in recaps_due(plan, now):
        mail = OutboxKey.scheduled(session.key, RECAP)
        if outbox.queued_through(conn, mail) is not None:
            continue
        queued += outbox.queue_for_members(
            conn,
            mail,
            session_key=session.key,
            stage=RECAP,
            kind=RECAP,
            sequence=0,
            domain=plan.sender.list_id,
            secret=secret,
            now=stamp(now),
            without_declined=(session.recap_to or plan.mail_times.recap_to) == "attended",
        )
        outbox.mark_queued_through(conn, mail, latest_change)
    return queued


def _queue_newsletters(conn, plan: Plan, at: str, secret: bytes) -> int:
    """Each newsletter whose moment has come, once, to every member active now."""
    queued = 0
    for newsletter_id in newsletters.due(conn, at):
        queued += outbox.queue_for_members(
            conn,
            OutboxKey.newsletter(newsletter_id),
            session_key="",
            stage=newsletters.stage(newsletter_id),
            kind=NEWSLETTER,
            sequence=0,
            domain=plan.sender.list_id,
            secret=secret,
            now=at,
        )
        newsletters.mark_queued(conn, newsletter_id, at)
    return queued
