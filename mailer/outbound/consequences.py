"""Before it goes: what an edit of the plan will send, said before it is saved.

Not a second account of the rules: the notice is `queueing.notices_owed` (what `mailer
plan` shows as `notice`), the scheduled mails are `timing.due` and `timing.recaps_due`
with the outbox keys the tick queues under, and the members counted are the ones the
tick's own queries would take (outbox.notice_audience, outbox.member_audience). It reads
the database and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailer.mailkinds import ANNOUNCEMENT, CANCELLATION, RECAP, REMINDER, UPDATE
from mailer.outbound import outbox
from mailer.outbound.queueing import VERSION_HORIZON_DAYS, notices_owed, scheduled_key
from mailer.plan import Plan, Session
from mailer.store import Store
from mailer.timing import RECAP_WINDOW, due, recaps_due

# The organizer's words for each kind of mail (German: /admin speaks German).
KIND_WORDS = {
    ANNOUNCEMENT: "Ankündigung",
    REMINDER: "Erinnerung",
    UPDATE: "Änderungsmitteilung",
    CANCELLATION: "Absage",
    RECAP: "Nachbericht",
}


def notice_line(kind: str, members: int) -> str:
    """`mailer plan`'s words for a mail the next tick sends: `update due for 23 members
    at the next tick`."""
    return f"{kind} due for {members} members at the next tick"


@dataclass(frozen=True)
class Sending:
    """One mail the next tick will send because of the plan as edited: its kind, the
    session (key and date) and how many members get it. `members` 0 with `stale` set: a
    session members were invited to leaves the plan, and nobody is told."""

    session_key: str
    date: str
    kind: str
    members: int
    stale: bool = False

    @property
    def english(self) -> str:
        if self.stale:
            return (
                f"the session on {self.date} leaves the plan without a cancellation:"
                f" {self.members} invited members keep it in their calendars; cancel it instead"
            )
        return f"{self.date}: {notice_line(self.kind, self.members)}"

    @property
    def german(self) -> str:
        if self.stale:
            return (
                f"Der Termin am {self.date} verschwindet ohne Absage aus dem Plan:"
                f" {_members_de(self.members)} behalten ihn im Kalender. Besser absagen."
            )
        return f"{KIND_WORDS[self.kind]} an {_members_de(self.members)} beim nächsten Durchlauf"


def _members_de(count: int) -> str:
    return "1 Mitglied" if count == 1 else f"{count} Mitglieder"


def what_it_sends(
    store: Store, current: Plan, candidate: Plan, now: datetime, *, quiet: bool = False
) -> list[Sending]:
    """The mails the next tick at `now` sends because of the sessions that differ between
    `current` and `candidate` (the plan as it is, and as the edit would leave it), in
    date order; empty when the edit sends nothing. With `quiet` (the edit is marked as
    not worth a mail) no update or cancellation is owed."""
    now = candidate.local(now)
    before, after = _by_key(current, now), _by_key(candidate, now)
    touched = _touched(before, after)
    if not touched:
        return []
    changed = [after[key] for key in touched if key in after]
    owed = {} if quiet else notices_owed(store, changed)
    due_now = {entry.session.key: entry for entry in due(candidate, now)}
    recaps = {session.key for session in recaps_due(candidate, now)}
    found: list[Sending] = []
    for key in touched:
        session = after.get(key)
        if session is None:
            invited = _invited(store, key)
            if invited:
                old = before[key]
                found.append(Sending(key, old.date.isoformat(), CANCELLATION, invited, True))
            continue
        day = session.date.isoformat()
        if key in due_now:
            entry = due_now[key]
            mail = scheduled_key(session, entry.stage.label, entry.stage.kind)
            if outbox.queued_through(store.conn, mail) is None:
                members = outbox.member_audience(store.conn, entry.stage.kind, session_key=key)
                if members:
                    found.append(Sending(key, day, entry.stage.kind, members))
        if key in owed:
            kind, members = owed[key]
            found.append(Sending(key, day, kind, members))
        if (
            key in recaps
            and outbox.queued_through(store.conn, outbox.OutboxKey.scheduled(key, RECAP)) is None
        ):
            attended = (session.recap_to or candidate.mail_times.recap_to) == "attended"
            members = outbox.member_audience(
                store.conn, RECAP, session_key=key, without_declined=attended
            )
            if members:
                found.append(Sending(key, day, RECAP, members))
    return found


def changed_sessions(current: Plan, candidate: Plan, now: datetime) -> list[Session]:
    """The sessions of `candidate` that the next tick sees differently from `current`."""
    now = candidate.local(now)
    before, after = _by_key(current, now), _by_key(candidate, now)
    return [after[key] for key in _touched(before, after) if key in after]


def _touched(before: dict[str, Session], after: dict[str, Session]) -> list[str]:
    keys = before.keys() | after.keys()
    return sorted(key for key in keys if _differs(before.get(key), after.get(key)))


def _by_key(plan: Plan, now: datetime) -> dict[str, Session]:
    """The sessions an edit can make the next tick write about: those ahead (as the tick
    records them), and those whose recap may still be due."""
    reach = RECAP_WINDOW + plan.mail_times.recap
    sessions = plan.sessions_between((now - reach).date(), now.date())
    sessions += plan.sessions_from(now, VERSION_HORIZON_DAYS)
    return {session.key: session for session in sessions}


def _differs(old: Session | None, new: Session | None) -> bool:
    if old is None or new is None:
        return old is not new
    return (old.version, old.notify, old.recap, old.recap_to) != (
        new.version, new.notify, new.recap, new.recap_to,
    )  # fmt: skip


def _invited(store: Store, key: str) -> int:
    """How many active members were sent anything of the session (and would be told of
    a cancellation)."""
    return outbox.notice_audience(store.conn, key, CANCELLATION, 0)
