"""The organizer's report: what happened in a period, from the database. Read only.

Topic ideas (newest first, with name, municipality and a reply link), the answers to the
sessions ahead, the other times members proposed (iTIP COUNTER), bounces with the
server's reason, unsubscribes with their cause, and what was filed as unsure (with why). `mailer report` prints it; the weekly report mail (`suggestions.digest`)
sends it. Every value is the members' own text and is escaped where it is shown.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from urllib.parse import quote

from mailer import german, rsvps
from mailer.inbound import table as inbound_table
from mailer.inbound.kinds import SUGGESTION, UNSURE, unsure_note
from mailer.plan import Plan
from mailer.store import BOUNCED, UNSUBSCRIBED, stamp


@dataclass(frozen=True)
class Idea:
    received_at: str
    sender: str
    name: str | None
    org: str | None
    subject: str
    text: str
    session: str | None
    attachments: list[str]
    reply_link: str
    unsure: bool = False
    note: str = ""  # for a mail to check: why (in the organizer's words)


@dataclass(frozen=True)
class Proposal:
    """Another time a member's calendar proposed for a session (iTIP COUNTER): never an
    idea, never an answer; for the organizer to take up or not."""

    received_at: str
    sender: str
    name: str | None
    org: str | None
    session: str | None  # the session's key (its date), None if not one of ours
    proposed_start: str | None  # UTC ISO
    proposed_end: str | None
    proposed: str  # the proposal in the series' time zone, the German way
    comment: str
    reply_link: str


@dataclass(frozen=True)
class StatusChange:
    at: str
    email: str
    name: str | None
    org: str | None
    cause: str


@dataclass(frozen=True)
class SessionAnswers:
    session: str
    topic: str | None
    accepted: int
    declined: int
    tentative: int


@dataclass
class Report:
    start: str
    end: str
    ideas: list[Idea] = field(default_factory=list)
    unsure: list[Idea] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    bounces: list[StatusChange] = field(default_factory=list)
    unsubscribes: list[StatusChange] = field(default_factory=list)
    answers: list[SessionAnswers] = field(default_factory=list)

    @property
    def has_news(self) -> bool:
        return bool(
            self.ideas or self.unsure or self.proposals or self.bounces or self.unsubscribes
        )


def gather(
    conn: sqlite3.Connection,
    plan: Plan | None,
    start: datetime,
    end: datetime,
    *,
    answers: bool = True,
) -> Report:
    """Everything recorded in [start, end), and with `answers` the answers for the sessions
    of `plan` after `end` (which the question "anything new?" does not need, nor a plan)."""
    since, until = stamp(start), stamp(end)
    report = Report(since, until)
    rows = conn.execute(
        "SELECT i.received_at, i.sender, s.name, s.org, i.subject, i.text, i.session_key,"
        " i.attachments, i.kind, i.reason FROM inbound i"
        " LEFT JOIN subscribers s ON s.id = i.subscriber_id"
        " WHERE i.kind IN (?, ?) AND i.recorded_at >= ? AND i.recorded_at < ?"
        " ORDER BY i.received_at DESC, i.id DESC",
        (SUGGESTION, UNSURE, since, until),
    )
    for received, sender, name, org, subject, text, session, attachments, kind, reason in rows:
        idea = Idea(
            received_at=received or "",
            sender=sender or "",
            name=name,
            org=org,
            subject=subject or "(ohne Betreff)",
            text=text or "",
            session=session,
            attachments=json.loads(attachments or "[]"),
            reply_link=_reply_link(sender or "", subject or ""),
            unsure=kind == UNSURE,
            note=unsure_note(reason or "") if kind == UNSURE else "",
        )
        (report.unsure if idea.unsure else report.ideas).append(idea)
    zone = plan.timezone if plan is not None else start.tzinfo or UTC
    report.proposals = [_proposal(zone, row) for row in inbound_table.proposals(conn, since, until)]
    # Only the entries that changed the status: a withdrawal said again is logged as
    # evidence (mailer.consent), and so is a change of reminders, with the status kept.
    for status, into in ((BOUNCED, report.bounces), (UNSUBSCRIBED, report.unsubscribes)):
        for at, email, name, org, cause in conn.execute(
            "SELECT c.at, c.email, s.name, s.org, c.cause FROM consent_log c"
            " LEFT JOIN subscribers s ON s.id = c.subscriber_id"
            " WHERE c.status = ? AND c.at >= ? AND c.at < ? AND c.status IS NOT"
            " (SELECT p.status FROM consent_log p WHERE p.subscriber_id = c.subscriber_id"
            "  AND p.id < c.id ORDER BY p.id DESC LIMIT 1)"
            " ORDER BY c.at DESC, c.id DESC",
            (status, since, until),
        ):
            into.append(StatusChange(at, email, name, org, cause))
    if not answers or plan is None:
        return report
    counted = rsvps.counts(conn)
    for session in plan.sessions_from(end, 92):
        if session.cancelled:
            continue
        given = counted.get(session.key, {})
        report.answers.append(
            SessionAnswers(
                session.key,
                session.topic,
                given.get(rsvps.ACCEPTED, 0),
                given.get(rsvps.DECLINED, 0),
                given.get(rsvps.TENTATIVE, 0),
            )
        )
    return report


def proposals(
    conn: sqlite3.Connection, zone: tzinfo, start: str = "", end: str = "~", limit: int = -1
) -> list[Proposal]:
    """The other times proposed, recorded in [start, end) (default: all), newest first;
    the times written in `zone` (the series' time zone)."""
    return [_proposal(zone, row) for row in inbound_table.proposals(conn, start, end, limit)]


def _proposal(zone: tzinfo, row: dict) -> Proposal:
    start, end = row["proposed_start"], row["proposed_end"]
    words = ""
    if start:
        local_start = datetime.fromisoformat(start).astimezone(zone)
        words = german.long_datetime(local_start)
        if end:
            local_end = datetime.fromisoformat(end).astimezone(zone)
            same_day = local_end.date() == local_start.date()
            words += (
                f" bis {german.clock(local_end) if same_day else german.long_datetime(local_end)}"
            )
    return Proposal(
        received_at=row["received_at"] or "",
        sender=row["sender"] or "",
        name=row["name"],
        org=row["org"],
        session=row["session_key"],
        proposed_start=start,
        proposed_end=end,
        proposed=words,
        comment=row["text"] or "",
        reply_link=_reply_link(row["sender"] or "", row["subject"] or ""),
    )


def _reply_link(sender: str, subject: str) -> str:
    """A mailto: link that opens an answer to the idea in the organizer's mail program."""
    answer = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    return f"mailto:{quote(sender, safe='@')}?subject={quote(answer)}"
