"""When each mail of a session is due. Pure: the moment is always passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mailer.mailkinds import ANNOUNCEMENT, REMINDER
from mailer.plan import Plan, Session, before, format_offset
from mailer.wallclock import instant


@dataclass(frozen=True)
class Stage:
    """One scheduled mail of a session: the announcement or one of the reminders."""

    kind: str
    offset: timedelta

    @property
    def label(self) -> str:
        """Stable name of the stage, part of every outbox key: announcement, reminder-1d."""
        return (
            self.kind if self.kind == ANNOUNCEMENT else f"{self.kind}-{format_offset(self.offset)}"
        )


@dataclass(frozen=True)
class Due:
    session: Session
    stage: Stage
    due_at: datetime


def stages(plan: Plan) -> list[Stage]:
    """The scheduled mails, earliest first."""
    times = plan.mail_times
    return [Stage(ANNOUNCEMENT, times.announcement)] + [
        Stage(REMINDER, offset) for offset in sorted(times.reminders, reverse=True)
    ]


def schedule(plan: Plan, session: Session) -> list[Due]:
    """Every scheduled mail of one session with its due moment, earliest first."""
    return [Due(session, stage, before(session.start, stage.offset)) for stage in stages(plan)]


def due(plan: Plan, now: datetime) -> list[Due]:
    """The mail that is due for each session at `now`.

    A mail is due from its moment until the session starts; of the mails of one session
    that are due, only the latest counts (a late tick sends the reminder, not both).
    Cancelled sessions and examples (`example: true`) have no scheduled mail.
    """
    now = plan.local(now)
    horizon_days = plan.mail_times.announcement.days + 2
    result = []
    for session in plan.sessions_from(now, horizon_days):
        if session.cancelled or session.example:
            continue
        current = [e for e in schedule(plan, session) if instant(e.due_at) <= instant(now)]
        if current:
            result.append(current[-1])
    return result


def next_due_moments(plan: Plan, start: datetime, end: datetime) -> list[datetime]:
    """Every moment in [start, end] at which some scheduled mail becomes due (for `demo`)."""
    start, end = plan.local(start), plan.local(end)
    days = (end - start).days + plan.mail_times.announcement.days + 2
    moments = {
        entry.due_at
        for session in plan.sessions_from(start, days)
        if not session.cancelled and not session.example
        for entry in schedule(plan, session)
        if instant(start) <= instant(entry.due_at) <= instant(end)
    }
    return sorted(moments)


# A recap written later than its time still goes out at the next tick, for this long;
# after that it is only shown in the web archive (a month-old "thanks for coming" is noise).
RECAP_WINDOW = timedelta(days=14)


def recap_due_at(plan: Plan, session: Session) -> datetime:
    """When the session's recap goes out: emails.recap after its end, in wall-clock time."""
    return before(session.end, -plan.mail_times.recap)


def recaps_due(plan: Plan, now: datetime) -> list[Session]:
    """The sessions whose recap is due at `now`: held (not cancelled), with a recap, and
    from their recap's moment for RECAP_WINDOW."""
    now = plan.local(now)
    reach = RECAP_WINDOW + plan.mail_times.recap + timedelta(days=2)
    return [
        session
        for session in plan.sessions_between(now.date() - reach, now.date())
        if session.recap
        and not session.cancelled
        and not session.example
        and instant(recap_due_at(plan, session))
        <= instant(now)
        < instant(recap_due_at(plan, session)) + RECAP_WINDOW
    ]
