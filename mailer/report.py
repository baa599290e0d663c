"""The organizer's report: what happened in a period, from the database. Read only.

Topic ideas (newest first, with name, municipality and a reply link), the answers to the
sessions ahead, bounces with the server's reason, unsubscribes with their cause, and what
was filed as unsure. `mailer report` prints it; the weekly report mail (`suggestions.digest`)
sends it. Every value is the members' own text and is escaped where it is shown.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from mailer import rsvps
from mailer.inbound.kinds import SUGGESTION, UNSURE
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
    bounces: list[StatusChange] = field(default_factory=list)
    unsubscribes: list[StatusChange] = field(default_factory=list)
    answers: list[SessionAnswers] = field(default_factory=list)

    @property
    def has_news(self) -> bool:
        return bool(self.ideas or self.unsure or self.bounces or self.unsubscribes)


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
        " i.attachments, i.kind FROM inbound i LEFT JOIN subscribers s ON s.id = i.subscriber_id"
        " WHERE i.kind IN (?, ?) AND i.recorded_at >= ? AND i.recorded_at < ?"
        " ORDER BY i.received_at DESC, i.id DESC",
        (SUGGESTION, UNSURE, since, until),
    )
    for received, sender, name, org, subject, text, session, attachments, kind in rows:
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
        )
        (report.unsure if idea.unsure else report.ideas).append(idea)
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


def _reply_link(sender: str, subject: str) -> str:
    """A mailto: link that opens an answer to the idea in the organizer's mail program."""
    answer = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    return f"mailto:{quote(sender, safe='@')}?subject={quote(answer)}"
