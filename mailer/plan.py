"""The session plan: series, sessions, mail times. Pure values, no I/O.

Every moment is computed in the series' time zone as RFC 5545 does (see wallclock.py): a
session at 16:00 starts at 16:00 local on both sides of a daylight-saving change, "14d
before" is 16:00 local fourteen days earlier, and "1h before" is one hour earlier.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from mailer.wallclock import instant, resolve, shift

# How long finding a rule's first date may take. A rule that can fall on a date does so
# within microseconds; one that cannot makes dateutil search until the year 9999.
RULE_SEARCH_SECONDS = 0.5


@functools.lru_cache(maxsize=32)
def first_occurrence(rule: str, start: date) -> date | None:
    """The rule's first date from `start` on; None if it has none, or none found within
    RULE_SEARCH_SECONDS (the search goes on in a daemon thread and is dropped)."""
    found: list[datetime | None] = []
    search = rrulestr(rule, dtstart=datetime.combine(start, time()))
    worker = threading.Thread(
        target=lambda: found.append(search.after(datetime.combine(start, time()), inc=True)),
        daemon=True,
    )
    worker.start()
    worker.join(RULE_SEARCH_SECONDS)
    moment = found[0] if found else None
    return moment.date() if moment else None


@dataclass(frozen=True)
class Guest:
    name: str
    role: str | None = None


@dataclass(frozen=True)
class Series:
    name: str
    timezone: ZoneInfo
    time: time
    duration: timedelta
    join_url: str
    recurrence: str | None = None
    start: date | None = None
    description: str | None = None
    salutation: str = "du"  # see salutation.py: du, sie or neutral
    genitive: str | None = None  # the name after "des", when the rule in `name_genitive` errs

    @property
    def name_genitive(self) -> str:
        """The series' name after "des": Digital-Impuls -> Digital-Impulses. A name of one
        word gets the German ending (-es after s, ß, x, z; else -s); a longer name, or one
        that ends in a vowel, stays as it is unless `series.genitive` says otherwise."""
        if self.genitive:
            return self.genitive
        name = self.name
        if " " in name or not name[-1:].isalpha() or name[-1].lower() in "aeiouäöüy":
            return name
        return name + ("es" if name[-1].lower() in "sßxz" else "s")


@dataclass(frozen=True)
class Sender:
    from_address: str
    reply_to: str
    imprint: str
    list_id: str
    # MAIL FROM: where servers send bounces (RFC 5321 4.5.5); schedule.yaml's default is
    # reply_to, the mailbox the poller reads, so bounces are read and acted on.
    envelope_from: str

    @property
    def domain(self) -> str:
        return self.reply_to.rpartition("@")[2]


@dataclass(frozen=True)
class MailTimes:
    announcement: timedelta
    reminders: tuple[timedelta, ...]
    recap: timedelta = timedelta(hours=2)  # after the session's end
    recap_to: str = "all"  # all, or attended: everyone but those who declined


@dataclass(frozen=True)
class Session:
    """One meeting. `key` is the date it was first planned on and never changes."""

    key: str
    date: date
    start: datetime
    end: datetime
    topic: str | None
    guests: tuple[Guest, ...]
    description: str | None
    join_url: str
    cancelled: bool = False
    line: int | None = None
    reason: str | None = None  # why it was cancelled, for the cancellation mail
    notify: bool = True  # False: a change that is not worth a mail (a typo fixed)
    # The follow-up after the session (Markdown). Not part of `content`: writing or
    # editing it is no change of the session, and owes nobody an update.
    recap: str | None = None
    recap_to: str | None = None  # this session's own choice; None: emails.recap_to
    # An example from `mailer init` (`example: true`): its topic, guests and description
    # are placeholders, so nobody gets mail about it and nothing public shows them.
    example: bool = False

    @cached_property
    def public(self) -> Session:
        """The session as members and the public may see it: an example without its
        placeholder topic, guests, description and recap."""
        if not self.example:
            return self
        return dataclasses.replace(self, topic=None, guests=(), description=None, recap=None)

    @cached_property
    def content(self) -> str:
        """Everything a member sees, as JSON: kept with each version (see updates.py)."""
        seen = self.public
        return json.dumps(
            {
                "start": seen.start.isoformat(),
                "end": seen.end.isoformat(),
                "topic": seen.topic,
                "guests": [[g.name, g.role] for g in seen.guests],
                "description": seen.description,
                "join_url": seen.join_url,
                "cancelled": seen.cancelled,
            },
            sort_keys=True,
            ensure_ascii=False,
        )

    @staticmethod
    def told(content: str | None) -> tuple[date, str | None] | None:
        """The date and topic of a version (`content`, as made above); None when the
        content is not known (versions kept before schema 10) or not readable."""
        try:
            told = json.loads(content or "")
            return datetime.fromisoformat(told["start"]).date(), told.get("topic")
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    @cached_property
    def version(self) -> str:
        """Digest of everything a member sees; it changes exactly when an update is owed."""
        return hashlib.sha256(self.content.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ServerSettings:
    url: str | None = None
    rate_per_minute: int | None = None
    # SMTP: how many connections deliver at once. 3 is what Microsoft 365 allows a mailbox
    # (SMTP AUTH client submission), the tightest of the common providers.
    connections: int = 3
    poll_minutes: int = 5
    folders: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SuggestionSettings:
    """What happens with topic ideas: a digest to the organizer, a thank-you to the sender."""

    digest: str = "off"  # off, daily, weekly (Mondays)
    digest_to: str | None = None  # default: the sender address
    digest_at: time = time(8, 0)
    thank_you: bool = False


DEFAULT_PRIVACY_FILE = "datenschutz.md"  # what `mailer init` writes beside schedule.yaml


@dataclass(frozen=True)
class WebSettings:
    """The web door (`mailer serve`): its public address, without a trailing slash; the
    imprint (`/impressum`, plain text; schedule.yaml's default is sender.imprint); and
    the privacy statement (`/datenschutz`, Markdown): the text itself, or the name of a
    file beside schedule.yaml (`privacy_file`; `privacy_line` is where the plan names it,
    None for the default file)."""

    base_url: str | None = None
    imprint: str | None = None
    privacy_text: str | None = None
    privacy_file: str | None = DEFAULT_PRIVACY_FILE
    privacy_line: int | None = None


@dataclass(frozen=True)
class PlanWarning:
    line: int | None
    message: str


@dataclass(frozen=True)
class Plan:
    series: Series
    sender: Sender
    mail_times: MailTimes
    listed: tuple[Session, ...]
    smtp: ServerSettings
    imap: ServerSettings
    suggestions: SuggestionSettings = field(default_factory=SuggestionSettings)
    web: WebSettings = field(default_factory=WebSettings)
    # What reading the file noticed without refusing it (a text that a '#' cut short).
    source_warnings: tuple[PlanWarning, ...] = ()

    @property
    def timezone(self) -> ZoneInfo:
        return self.series.timezone

    def local(self, moment: datetime) -> datetime:
        """An aware moment in the series' time zone; a naive one is read as local."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.timezone)
        return moment.astimezone(self.timezone)

    def sessions_between(self, first: date, last: date) -> list[Session]:
        """Every session whose date lies in [first, last], listed ones merged into the rule's."""
        by_key = {s.key: s for s in self.listed}
        sessions = [s for s in self.listed if first <= s.date <= last]
        for day in self.occurrences(first, last):
            if day.isoformat() not in by_key:
                sessions.append(self.occurrence(day))
        return sorted(sessions, key=lambda s: s.start)

    def sessions_from(self, moment: datetime, days: int) -> list[Session]:
        """Sessions that have not started at `moment`, up to `days` ahead."""
        moment = self.local(moment)
        last = moment.date() + timedelta(days=days)
        return [
            s
            for s in self.sessions_between(moment.date(), last)
            if instant(s.start) > instant(moment)
        ]

    def session(self, key: str | date) -> Session | None:
        """The session first planned on (or now held on) this date."""
        day = key if isinstance(key, date) else date.fromisoformat(key)
        for session in self.sessions_between(day - timedelta(days=366), day + timedelta(days=366)):
            if session.key == day.isoformat() or session.date == day:
                return session
        return None

    def occurrences(self, first: date, last: date) -> list[date]:
        if not self.series.recurrence:
            return []
        dtstart = datetime.combine(self.recurrence_start(), time())
        rule = rrulestr(self.series.recurrence, dtstart=dtstart)
        begin = datetime.combine(first, time())
        end = datetime.combine(last, time(23, 59))
        return [moment.date() for moment in rule.between(begin, end, inc=True)]

    def recurrence_start(self) -> date:
        if self.series.start:
            return self.series.start
        return min(date.fromisoformat(s.key) for s in self.listed)

    def occurrence(self, day: date) -> Session:
        start, end = self.times(day, self.series.time, self.series.duration)
        return Session(
            key=day.isoformat(),
            date=day,
            start=start,
            end=end,
            topic=None,
            guests=(),
            description=None,
            join_url=self.series.join_url,
        )

    def times(self, day: date, at: time, duration: timedelta) -> tuple[datetime, datetime]:
        """Start and end of a session: `at` on `day` as RFC 5545 reads it (see
        wallclock.resolve), and `duration` after it (wallclock.shift)."""
        start = resolve(datetime.combine(day, at), self.timezone)
        return start, shift(start, duration)

    def planned_after(self, session: Session, count: int = 3) -> list[Session]:
        """The next sessions after this one that already have a topic."""
        later = self.sessions_between(
            session.date + timedelta(days=1), session.date + timedelta(days=400)
        )
        return [s for s in later if s.topic and not s.cancelled and not s.example][:count]


def before(moment: datetime, offset: timedelta) -> datetime:
    """`offset` before `moment` in its own zone, as RFC 5545 3.3.6 counts: days on the wall
    clock (16:00 minus 14d is 16:00), hours in time that passes (see wallclock.shift)."""
    return shift(moment, -offset)


def format_offset(offset: timedelta) -> str:
    """The schedule.yaml spelling of an offset: 14d, 1h, 30m, 1h30m."""
    minutes = int(offset.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"
