"""A session moved twice stays the session it was: `moved_from:` followed through the record.

`moved_from:` names the date a session was first planned on, its key: the key is part of
the invitation's UID, and each member's last version is kept under it. A session moved
twice is often written with the date in between instead (first planned on 5 October,
moved to the 12th, now to the 19th: `moved_from: 2023-10-12`). Read as a key, that date
names no session: the session of 5 October would lose its entry (members would get
"Geändert: ... am 5. Oktober" with topic and guests gone) and the 19th would be a new
session. `follow_moves` follows the chain through what the store recorded of each
session: the session held on the 12th was the one first planned on the 5th, so the entry
is that session, and its update names the date members last got. A `moved_from:` the
record cannot place is refused with its line and the date to write.

Pure: the record comes in as `Recorded` values (see `recorded`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from mailer.errors import PlanError
from mailer.plan import Plan, Session

# How far a session's dates may lie apart for a chain to be followed (as MOST_MOVED_DAYS
# in planfile.py): a date held a year earlier belongs to another year's session.
CHAIN_DAYS = 366


@dataclass(frozen=True)
class Recorded:
    """What the store keeps of one session: its key, every date a recorded version held
    it on (oldest first), and the latest content (Session.content) with its topic."""

    key: str
    held: tuple[date, ...]
    latest: str | None
    topic: str | None = None


def recorded(history: Iterable[tuple[str, str | None]]) -> list[Recorded]:
    """Store.session_history() rows, (key, content) oldest first, per session."""
    by_key: dict[str, list[str | None]] = {}
    for key, content in history:
        by_key.setdefault(key, []).append(content)
    result = []
    for key, contents in by_key.items():
        told = [Session.told(content) for content in contents]
        held = [found[0] if found else date.fromisoformat(key) for found in told]
        topic = told[-1][1] if told[-1] else None
        result.append(Recorded(key, tuple(dict.fromkeys(held)), contents[-1], topic))
    return result


def follow_moves(plan: Plan, record: Iterable[Recorded], source: str) -> Plan:
    """The plan with each moved session under the key it was first planned on.

    A `moved_from:` date that is a key (a date of the recurrence, or one a session was
    recorded under) stays as it is. One that is no key but the date a recorded session was
    held on after a move names that session. One that is neither is refused (PlanError
    `source:LINE: ...`) once anything was recorded, with the date to write; before that,
    nothing was sent, and the entry is a session of its own as written.
    """
    sessions = {r.key: r for r in record}
    resolved = [_resolved(plan, session, sessions, source) for session in plan.listed]
    first: dict[str, tuple[Session, Session]] = {}
    for session, written in zip(resolved, plan.listed, strict=True):
        if session.key in first:
            pair = [first[session.key], (session, written)]
            (_, followed), (other, _) = sorted(pair, key=lambda p: p[0].key == p[1].key)
            raise PlanError(
                source,
                max(followed.line or 0, other.line or 0),
                f"moved_from: {followed.key} on line {followed.line} is where the session"
                f" first planned on {session.key} was held after a move, and the entry on"
                f" line {other.line} is that session too; write one entry per session",
            )
        first[session.key] = (session, written)
    return dataclasses.replace(plan, listed=tuple(resolved))


def _resolved(plan: Plan, session: Session, sessions: dict[str, Recorded], source: str) -> Session:
    named = date.fromisoformat(session.key)
    if named == session.date or session.key in sessions or _rule_date(plan, named):
        return session
    holders = [r.key for r in sessions.values() if named in r.held and _near(r, session)]
    if len(holders) == 1:
        return dataclasses.replace(session, key=holders[0])
    if holders:
        raise PlanError(
            source,
            session.line,
            f"moved_from: {named} was the date of several sessions after their moves (first"
            f" planned on {', '.join(sorted(holders))}); write the date this one was first"
            " planned on",
        )
    if not sessions:
        return session  # nothing recorded, nothing sent: a session of its own
    raise PlanError(source, session.line, _unplaced(plan, session, named, sessions))


def _unplaced(plan: Plan, session: Session, named: date, sessions: dict[str, Recorded]) -> str:
    sentence = (
        f"moved_from: {named} is no date a session of this series was first planned on or"
        " held on; moved_from names the date the session was first planned on (for a"
        " session moved twice, still that first date)"
    )
    listed = {s.key for s in plan.listed}
    lost = [
        r
        for r in sessions.values()
        if r.key not in listed and _near(r, session) and r.latest != _as_planned(plan, r.key)
    ]
    if not lost:
        return f"{sentence}; for a new session, remove moved_from"
    lost.sort(key=lambda r: abs(r.held[-1] - named))
    if len(lost) == 1:
        return (
            f"{sentence}: write moved_from: {lost[0].key}, the session members last got for"
            f" {_told(lost[0])}, which this plan no longer lists"
        )
    known = ", ".join(f"{r.key} (last for {_told(r)})" for r in lost[:3])
    return (
        f"{sentence}: write the first date of the session this one is; of those members"
        f" know, this plan no longer lists {known}"
    )


def _near(record: Recorded, session: Session) -> bool:
    return abs(date.fromisoformat(record.key) - session.date) <= timedelta(days=CHAIN_DAYS)


def _rule_date(plan: Plan, day: date) -> bool:
    return bool(plan.series.recurrence) and day in plan.occurrences(day, day)


def _as_planned(plan: Plan, key: str) -> str | None:
    """The content the plan now gives the session first planned on `key`, if any."""
    day = date.fromisoformat(key)
    return plan.occurrence(day).content if _rule_date(plan, day) else None


def _told(record: Recorded) -> str:
    return f"{record.held[-1]}" + (f", „{record.topic}“" if record.topic else "")
