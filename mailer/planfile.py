"""schedule.yaml -> Plan, with every mistake reported as `schedule.yaml:LINE: what is wrong`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr
from email_validator import EmailNotValidError, validate_email

from mailer.errors import PlanError
from mailer.inbound.kinds import DEFAULT_FOLDERS
from mailer.mailkinds import RECAP_TO
from mailer.moments import YEARS
from mailer.plan import (
    Guest,
    MailTimes,
    Plan,
    PlanWarning,
    Sender,
    Series,
    ServerSettings,
    Session,
    SuggestionSettings,
    WebSettings,
    first_occurrence,
)
from mailer.salutation import DU, FORMS
from mailer.wallclock import gap_at, gap_days, happens_twice, resolve, shift
from mailer.yamlsource import Mapping, Node, Reader, Scalar, Sequence, read_source

SECTIONS = {"series", "sender", "emails", "sessions", "smtp", "imap", "suggestions", "web"}
WEB_KEYS = {"base_url", "imprint", "privacy"}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
PRIVACY_FILE = re.compile(r"\.(md|markdown|txt)$", re.IGNORECASE)  # else web.privacy is the text
SUGGESTION_KEYS = {"digest", "digest_to", "digest_at", "thank_you"}
DIGEST_CHOICES = ("off", "daily", "weekly")
SERIES_KEYS = {
    "name",
    "timezone",
    "time",
    "duration",
    "join_url",
    "recurrence",
    "start",
    "description",
    "salutation",
    "genitive",
}
SENDER_KEYS = {"from", "reply_to", "imprint", "list_id", "envelope_from"}
EMAILS_KEYS = {"announcement", "reminders", "recap", "recap_to"}
SESSION_KEYS = {
    "date",
    "time",
    "duration",
    "topic",
    "guests",
    "description",
    "cancelled",
    "join_url",
    "moved_from",
    "reason",
    "notify",
    "recap",
    "recap_to",
    "example",
}
GUEST_KEYS = {"name", "role"}
SMTP_KEYS = {"url", "rate_per_minute", "connections"}
MOST_CONNECTIONS = 50
LONGEST_POLL_MINUTES = 24 * 60
IMAP_KEYS = {"url", "poll_minutes", "folders"}
SECRET_WORDS = ("password", "passwort", "passwd", "secret", "token")

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

DEFAULT_DURATION = timedelta(minutes=90)
MOST_MOVED_DAYS = 366
# How far ahead of a rule's start `check` looks for its dates at a time that does not
# exist: the Gregorian weekdays repeat every 28 years.
RULE_YEARS = 30
LONGEST_DURATION = timedelta(days=366)
DEFAULT_ANNOUNCEMENT = timedelta(days=14)
DEFAULT_REMINDERS = (timedelta(days=1), timedelta(hours=1))
DEFAULT_RECAP = timedelta(hours=2)


def load_plan(path: Path) -> Plan:
    text = read_source(path, "no such file; `mailer init` writes a starter plan here")
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise PlanError(path.name, line, "this line holds a NUL character; remove it")
    return parse_plan(text, path.name)


def parse_plan(text: str, source: str = "schedule.yaml") -> Plan:
    return _PlanReader(source).read(text)


class _PlanReader(Reader):
    known_keys = frozenset(
        SECTIONS | SERIES_KEYS | SENDER_KEYS | EMAILS_KEYS | SESSION_KEYS | GUEST_KEYS
        | SMTP_KEYS | IMAP_KEYS | SUGGESTION_KEYS | WEB_KEYS
    )  # fmt: skip

    def read(self, text: str) -> Plan:
        root = self.parse(text)
        self._refuse_secrets(root)
        self.mapping(root, "the plan", SECTIONS)
        for required in ("series", "sender"):
            if required not in root:
                raise self.fail(None, f"the section '{required}:' is missing")
        series = self._series(root.get("series"))
        sender = self._sender(root.get("sender"), series)
        mail_times = self._mail_times(root.get("emails"))
        listed = self._sessions(root.get("sessions"), series)
        smtp = self._server(root.get("smtp"), "smtp", SMTP_KEYS, {"smtp", "smtp+starttls", "smtps"})
        imap = self._server(root.get("imap"), "imap", IMAP_KEYS, {"imap", "imap+starttls", "imaps"})
        if series.recurrence and not series.start and not listed:
            line = root.entries["series"][0]
            raise self.fail(line, "a recurrence needs series.start or at least one listed session")
        if series.recurrence:
            self._check_occurs(series, listed, root)
        suggestions = self._suggestions(root.get("suggestions"))
        web = self._web(root.get("web"), sender)
        noticed = tuple(PlanWarning(line, sentence) for line, sentence in self.warnings)
        plan = Plan(series, sender, mail_times, listed, smtp, imap, suggestions, web, noticed)
        if series.recurrence:
            self._check_rule_times(plan, root)
        self._check_digest_time(plan, root)
        return plan

    # -- sections ------------------------------------------------------------

    def _series(self, node: Node | None) -> Series:
        series = self.mapping(node, "series", SERIES_KEYS)
        timezone = self._timezone(self._required(series, "timezone", "series"))
        recurrence = None
        if (rule := series.get("recurrence")) is not None and not self.scalar(rule, "").is_null:
            recurrence = self._recurrence(rule, timezone)
        start = self._date(series.get("start"), "series.start") if "start" in series else None
        return Series(
            name=self.text(self._required(series, "name", "series"), "series.name", prose=True),
            timezone=timezone,
            time=self._time(self._required(series, "time", "series"), "series.time"),
            duration=self._optional_duration(series.get("duration"), "series.duration"),
            join_url=self._join_url(
                self._required(series, "join_url", "series"), "series.join_url"
            ),
            recurrence=recurrence,
            start=start,
            description=self._optional_text(
                series.get("description"), "series.description", multiline=True, prose=True
            ),
            salutation=self._choice(series.get("salutation"), "series.salutation", FORMS, DU),
            genitive=self._optional_text(series.get("genitive"), "series.genitive", prose=True),
        )

    def _sender(self, node: Node | None, series: Series) -> Sender:
        sender = self.mapping(node, "sender", SENDER_KEYS)
        from_node = self._required(sender, "from", "sender")
        from_text = self.text(from_node, "sender.from")
        name, _, address = from_text.rpartition("<")
        from_ascii = self._own_address(from_node, address.rstrip(">").strip(), "sender.from")
        from_address = f"{name.strip()} <{from_ascii}>" if name.strip() else from_ascii
        reply_node = self._required(sender, "reply_to", "sender")
        reply_to = self._own_address(
            reply_node, self.text(reply_node, "sender.reply_to"), "sender.reply_to"
        )
        imprint = self._optional_text(
            sender.get("imprint"), "sender.imprint", multiline=True, prose=True
        )
        slug = re.sub(r"[^a-z0-9]+", "-", series.name.lower()).strip("-") or "mailer"
        list_id = self._optional_text(sender.get("list_id"), "sender.list_id")
        if list_id and not re.fullmatch(r"[A-Za-z0-9.-]+", list_id):
            raise self.fail(
                sender.entries["list_id"][0],
                f"sender.list_id '{list_id}' may hold only ASCII letters, digits, '.' and '-'"
                " (write an international domain in its xn-- form)",
            )
        envelope_from = reply_to
        if (envelope_node := sender.get("envelope_from")) is not None:
            envelope_from = self._own_address(
                envelope_node,
                self.text(envelope_node, "sender.envelope_from"),
                "sender.envelope_from",
            )
        return Sender(
            envelope_from=envelope_from,
            from_address=from_address,
            reply_to=reply_to,
            imprint=imprint or f"{series.name} · Kontakt: {reply_to}",
            list_id=list_id or f"{slug}.{reply_to.rpartition('@')[2]}",
        )

    def _mail_times(self, node: Node | None) -> MailTimes:
        if node is None:
            return MailTimes(DEFAULT_ANNOUNCEMENT, DEFAULT_REMINDERS)
        emails = self.mapping(node, "emails", EMAILS_KEYS)
        announcement = DEFAULT_ANNOUNCEMENT
        if (value := emails.get("announcement")) is not None:
            announcement = self._duration(value, "emails.announcement")
        reminders = DEFAULT_REMINDERS
        if (value := emails.get("reminders")) is not None:
            items = (value,) if isinstance(value, Scalar) and not value.is_null else None
            items = items or self.sequence(value, "emails.reminders")
            reminders = tuple(self._duration(item, "a reminder") for item in items)
            for item, offset in zip(items, reminders, strict=True):
                if offset >= announcement:
                    raise self.fail(
                        item.line,
                        f"the reminder '{self.scalar(item, '').text}' must be shorter than the "
                        "announcement's time before the start",
                    )
            if len(set(reminders)) != len(reminders):
                raise self.fail(value.line, "emails.reminders lists the same time twice")
        recap = DEFAULT_RECAP
        if (value := emails.get("recap")) is not None:
            recap = self._duration(value, "emails.recap")
        recap_to = self._choice(emails.get("recap_to"), "emails.recap_to", RECAP_TO, "all")
        return MailTimes(announcement, tuple(sorted(reminders, reverse=True)), recap, recap_to)

    def _sessions(self, node: Node | None, series: Series) -> tuple[Session, ...]:
        if node is None:
            return ()
        sessions: list[Session] = []
        seen: dict[date, int] = {}
        keys: dict[str, Session] = {}
        for item in self.sequence(node, "sessions"):
            session = self._session(item, series)
            if session.date in seen:
                raise self.fail(
                    session.line,
                    f"two sessions on {session.date} (the other is on line {seen[session.date]})",
                )
            if session.key in keys:
                raise self.fail(session.line, same_key_message(keys[session.key], session))
            seen[session.date] = session.line or 0
            keys[session.key] = session
            sessions.append(session)
        return tuple(sorted(sessions, key=lambda s: s.start))

    def _session(self, node: Node, series: Series) -> Session:
        entry = self.mapping(node, "a session", SESSION_KEYS)
        day = self._date(self._required(entry, "date", "a session"), "date")
        key = day
        if "moved_from" in entry:
            key = self._date(entry.get("moved_from"), "moved_from")
            self._check_move(entry, day, key)
        at = self._time(entry.get("time"), "time") if "time" in entry else series.time
        start = self._start(entry, day, at, series)
        duration = series.duration
        if "duration" in entry:
            duration = self._optional_duration(entry.get("duration"), "duration")
        join_url = series.join_url
        if "join_url" in entry:
            join_url = self._join_url(entry.get("join_url"), "join_url")
        guests: tuple[Guest, ...] = ()
        if (guest_nodes := entry.get("guests")) is not None:
            guests = tuple(self._guest(g) for g in self.sequence(guest_nodes, "guests"))
        cancelled = False
        if (flag := entry.get("cancelled")) is not None:
            cancelled = self.boolean(flag, "cancelled")
        notify = True
        if (flag := entry.get("notify")) is not None:
            notify = self.boolean(flag, "notify")
        example = False
        if (flag := entry.get("example")) is not None:
            example = self.boolean(flag, "example")
        recap_to = None
        if entry.get("recap_to") is not None:
            recap_to = self._choice(entry.get("recap_to"), "recap_to", RECAP_TO, "all")
        return Session(
            key=key.isoformat(),
            date=day,
            start=start,
            end=shift(start, duration),
            topic=self._optional_text(entry.get("topic"), "topic", prose=True),
            guests=guests,
            description=self._optional_text(
                entry.get("description"), "description", multiline=True, prose=True
            ),
            join_url=join_url,
            cancelled=cancelled,
            line=entry.line,
            reason=self._optional_text(entry.get("reason"), "reason", multiline=True, prose=True),
            notify=notify,
            recap=self._optional_text(entry.get("recap"), "recap", multiline=True, prose=True),
            recap_to=recap_to,
            example=example,
        )

    def _start(self, entry: Mapping, day: date, at: time, series: Series) -> datetime:
        """When the session starts: `at` on `day` in the series' zone, which must exist
        there (02:30 on the night the clocks go forward does not); one that happens twice
        is the first (RFC 5545 3.3.5)."""
        zone = series.timezone
        wall = datetime.combine(day, at)
        gap = gap_at(wall, zone)
        if gap is None:
            return resolve(wall, zone)
        later = resolve(wall, zone)
        if "time" in entry:
            raise self.fail(
                entry.entries["time"][0],
                f"{at:%H:%M} on {day} does not exist in {zone.key}: {gap.words()}; write a"
                f" time before {gap.start:%H:%M} or from {gap.end:%H:%M} on, like"
                f' time: "{later:%H:%M}"',
            )
        raise self.fail(
            entry.line,
            f"series.time {at:%H:%M} does not exist on {day} in {zone.key}: {gap.words()};"
            f' give this session a time of its own, like time: "{later:%H:%M}"',
        )

    def _check_rule_times(self, plan: Plan, root: Mapping) -> None:
        """No date of the rule, within RULE_YEARS of its start, at a series.time that does
        not exist on it (02:30 on a Sunday when the clocks go forward). Later ones are
        read as RFC 5545 reads them: 02:30 is 03:30."""
        series = plan.series
        first = plan.recurrence_start()
        last = date(min(first.year + RULE_YEARS, YEARS[1]), 12, 31)
        missing = gap_days(series.timezone, first, last, series.time)
        if not missing:
            return
        listed = {s.key for s in plan.listed}
        held = set(plan.occurrences(missing[0][0], missing[-1][0]))
        for day, gap in missing:
            if day in held and day.isoformat() not in listed:
                later = resolve(datetime.combine(day, series.time), series.timezone)
                raise self.fail(
                    root.entries["series"][1].entries["time"][0],  # type: ignore[union-attr]
                    f"series.time {series.time:%H:%M} does not exist on {day}, a date of the"
                    f" recurrence, in {series.timezone.key}: {gap.words()}; list that session"
                    f' with a time of its own (- date: {day} with time: "{later:%H:%M}"),'
                    " or choose another series.time",
                )

    def _check_digest_time(self, plan: Plan, root: Mapping) -> None:
        """suggestions.digest_at must exist on every day a digest goes out (daily: any day;
        weekly: Mondays) in the years of the plan."""
        settings = plan.suggestions
        if settings.digest == "off" or "digest_at" not in root.get("suggestions"):  # type: ignore[operator]
            return
        first = plan.recurrence_start() if plan.series.recurrence else None
        first = first or min((s.date for s in plan.listed), default=date(2020, 1, 1))
        last = date(min(first.year + RULE_YEARS, YEARS[1]), 12, 31)
        for day, gap in gap_days(plan.timezone, first, last, settings.digest_at):
            if settings.digest == "daily" or day.weekday() == 0:
                raise self.fail(
                    root.get("suggestions").entries["digest_at"][0],  # type: ignore[union-attr]
                    f"suggestions.digest_at {settings.digest_at:%H:%M} does not exist on"
                    f" {day} in {plan.timezone.key}: {gap.words()}; choose a time before"
                    f" {gap.start:%H:%M} or from {gap.end:%H:%M} on",
                )

    def _check_move(self, entry: Mapping, day: date, first: date) -> None:
        """`moved_from:` names the date the session was first planned on: never its own
        date, and not a date a year or more away (an entry copied from last year's plan)."""
        line = entry.entries["moved_from"][0]
        if first == day:
            raise self.fail(
                line,
                f"moved_from: {first} is this session's own date; moved_from names the date"
                " the session was first planned on: write that date, or remove moved_from",
            )
        if abs((day - first).days) > MOST_MOVED_DAYS:
            raise self.fail(
                line,
                f"moved_from: {first} is more than a year from {day}; moved_from names the"
                " date this session was first planned on (was the entry copied from an"
                " earlier plan?)",
            )

    def _guest(self, node: Node) -> Guest:
        if isinstance(node, Scalar):
            name = self.text(node, "a guest", prose=True)
            role = None
        else:
            guest = self.mapping(node, "a guest", GUEST_KEYS)
            name = self.text(self._required(guest, "name", "a guest"), "a guest's name", prose=True)
            role = self._optional_text(guest.get("role"), "a guest's role", prose=True)
        if not name:  # `name: ''`: quoted, so not missing, but nobody to announce
            raise self.fail(node.line, "a guest needs 'name:'")
        return Guest(name=name, role=role)

    def _server(
        self, node: Node | None, section: str, known: set[str], schemes: set[str]
    ) -> ServerSettings:
        if node is None:
            return ServerSettings()
        settings = self.mapping(node, section, known)
        url = None
        if (url_node := settings.get("url")) is not None and not self.scalar(url_node, "").is_null:
            url = self.text(url_node, f"{section}.url")
            parts = split_link(url)
            if parts is None or parts.scheme not in schemes:
                raise self.fail(
                    url_node.line,
                    f"{section}.url must start with {' or '.join(s + '://' for s in sorted(schemes))}",
                )
        rate = None
        if (rate_node := settings.get("rate_per_minute")) is not None:
            rate = self.integer(rate_node, f"{section}.rate_per_minute", minimum=1)
        connections = 3
        if (node := settings.get("connections")) is not None:
            connections = self.integer(node, f"{section}.connections", minimum=1)
            if connections > MOST_CONNECTIONS:
                raise self.fail(
                    node.line,
                    f"{section}.connections: at most {MOST_CONNECTIONS}, not {connections}",
                )
        poll = 5
        if (poll_node := settings.get("poll_minutes")) is not None:
            poll = self.integer(poll_node, f"{section}.poll_minutes", minimum=1)
            if poll > LONGEST_POLL_MINUTES:  # the daemon's interval: a timedelta overflows
                raise self.fail(
                    poll_node.line,
                    f"{section}.poll_minutes: at most {LONGEST_POLL_MINUTES} (a day), not {poll}",
                )
        folders: dict[str, str] = {}
        if (folder_node := settings.get("folders")) is not None:
            mapping = self.mapping(folder_node, f"{section}.folders", set(DEFAULT_FOLDERS))
            folders = {k: self.text(v, f"the folder for {k}") for k, _, v in mapping.items()}
        return ServerSettings(
            url=url, rate_per_minute=rate, connections=connections, poll_minutes=poll,
            folders=folders,
        )  # fmt: skip

    def _suggestions(self, node: Node | None) -> SuggestionSettings:
        if node is None:
            return SuggestionSettings()
        settings = self.mapping(node, "suggestions", SUGGESTION_KEYS)
        digest = self._choice(settings.get("digest"), "suggestions.digest", DIGEST_CHOICES, "off")
        digest_to = None
        if (value := settings.get("digest_to")) is not None:
            digest_to = self._address(
                value, self.text(value, "suggestions.digest_to"), "suggestions.digest_to"
            )
        digest_at = (
            self._time(settings.get("digest_at"), "suggestions.digest_at")
            if "digest_at" in settings
            else time(8, 0)
        )
        thank_you = False
        if (value := settings.get("thank_you")) is not None:
            thank_you = self.boolean(value, "suggestions.thank_you")
        return SuggestionSettings(digest, digest_to, digest_at, thank_you)

    def _web(self, node: Node | None, sender: Sender) -> WebSettings:
        if node is None:
            return WebSettings(imprint=sender.imprint)
        settings = self.mapping(node, "web", WEB_KEYS)
        imprint = self._optional_text(settings.get("imprint"), "web.imprint", multiline=True)
        privacy = self._privacy(settings.get("privacy"))
        value = settings.get("base_url")
        if value is None or (isinstance(value, Scalar) and value.is_null):
            return replace(privacy, imprint=imprint or sender.imprint)
        url = self.text(value, "web.base_url").rstrip("/")
        parts = split_link(url)
        local = parts is not None and parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
        if parts is None or (parts.scheme != "https" and not local) or not parts.netloc:
            raise self.fail(
                value.line,
                f"web.base_url must be an https:// address (http:// only for 127.0.0.1 or"
                f" localhost), not '{url}'",
            )
        if parts.query or parts.fragment:
            raise self.fail(value.line, f"web.base_url: '{url}' must not carry a ? or a #")
        return replace(privacy, base_url=url, imprint=imprint or sender.imprint)

    def _privacy(self, node: Node | None) -> WebSettings:
        """web.privacy: the name of a Markdown file beside schedule.yaml (one line ending in
        .md, .markdown or .txt), or else the Markdown itself (`privacy: |`); default
        DEFAULT_PRIVACY_FILE."""
        text = self._optional_text(node, "web.privacy", multiline=True)
        if node is None or text is None:
            return WebSettings()
        if "\n" in text or not PRIVACY_FILE.search(text):
            return WebSettings(privacy_text=text, privacy_file=None, privacy_line=node.line)
        path = PurePosixPath(text.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise self.fail(
                node.line,
                f"web.privacy: '{text}' must name a file beside schedule.yaml (or in a folder"
                " below it), or be the text itself, written as a block: privacy: |",
            )
        return WebSettings(privacy_file=str(path), privacy_line=node.line)

    # -- values --------------------------------------------------------------

    def _choice(self, node: Node | None, what: str, choices: tuple[str, ...], default: str) -> str:
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return default
        value = self.text(node, what).lower()
        if value not in choices:
            raise self.fail(node.line, f"{what} must be one of {', '.join(choices)}, not '{value}'")
        return value

    def _required(self, mapping: Mapping, key: str, where: str) -> Node:
        node = mapping.get(key)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            raise self.fail(mapping.line, f"{where} needs '{key}:'")
        return node

    def _optional_text(
        self, node: Node | None, what: str, *, multiline: bool = False, prose: bool = False
    ) -> str | None:
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return None
        return self.text(node, what, multiline=multiline, prose=prose) or None

    def _date(self, node: Node | None, what: str) -> date:
        scalar = self.scalar(node, what) if node is not None else None
        if scalar is None or scalar.is_null:
            raise self.fail(node.line if node else None, f"{what} needs a date like 2023-09-07")
        try:
            day = date.fromisoformat(scalar.text)
        except ValueError:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", scalar.text):
                raise self.fail(scalar.line, f"{scalar.text} is not a date that exists") from None
            raise self.fail(
                scalar.line, f"{what} must be a date like 2023-09-07, not '{scalar.text}'"
            ) from None
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise self.fail(
                scalar.line, f"{what}: {day} is not between the years {YEARS[0]} and {YEARS[1]}"
            )
        return day

    def _time(self, node: Node | None, what: str) -> time:
        scalar = self.scalar(node, what) if node is not None else None
        match = _TIME.match(scalar.text) if scalar else None
        if scalar is None or not match:
            raise self.fail(node.line if node else None, f'{what} must be a time like "16:00"')
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            raise self.fail(scalar.line, f"{scalar.text} is not a time of day")
        return time(hour, minute)

    def _duration(self, node: Node, what: str) -> timedelta:
        scalar = self.scalar(node, what)
        match = _DURATION.match(scalar.text.strip())
        if not scalar.text.strip() or not match:
            raise self.fail(
                scalar.line,
                f"{what} must be a duration like 30m, 1h, 2d or 14d, not '{scalar.text}'",
            )
        weeks, days, hours, minutes = (int(part or 0) for part in match.groups())
        if max(weeks, days, hours, minutes) > LONGEST_DURATION.total_seconds() / 60:
            raise self.fail(scalar.line, f"{what} '{scalar.text}' is longer than a year")
        offset = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
        if not offset:
            raise self.fail(scalar.line, f"{what} must be longer than zero")
        if offset > LONGEST_DURATION:
            raise self.fail(scalar.line, f"{what} '{scalar.text}' is longer than a year")
        return offset

    def _optional_duration(self, node: Node | None, what: str) -> timedelta:
        return DEFAULT_DURATION if node is None else self._duration(node, what)

    def _timezone(self, node: Node) -> ZoneInfo:
        name = self.text(node, "series.timezone")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                node.line, f"'{name}' is not a time zone (write it like Europe/Berlin)"
            ) from None

    def _join_url(self, node: Node, what: str) -> str:
        url = self.text(node, what)
        parts = split_link(url)
        if parts is None or parts.scheme != "https" or not parts.netloc:
            raise self.fail(node.line, f"{what} must be an https:// link, not '{url}'")
        return url

    def _address(self, node: Node, address: str, what: str) -> str:
        try:
            return validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise self.fail(
                node.line, f"{what}: '{address}' is not a mail address ({error})"
            ) from None

    def _own_address(self, node: Node, address: str, what: str) -> str:
        """One of our own addresses, in the form every mail server takes: an international
        domain in its xn-- form (IDNA), which needs no SMTPUTF8 on the way."""
        try:
            checked = validate_email(address, check_deliverability=False)
        except EmailNotValidError as error:
            raise self.fail(
                node.line, f"{what}: '{address}' is not a mail address ({error})"
            ) from None
        if checked.ascii_email is None:
            raise self.fail(
                node.line,
                f"{what}: '{address}' needs plain ASCII before the @, so that every mail"
                " server can take mail from it and replies to it",
            )
        return checked.ascii_email

    def _recurrence(self, node: Node, zone: ZoneInfo) -> str:
        """The rule, limited to what a series of sessions can be: at most one a day, on
        dates a rule can reach. UNTIL in RFC 5545's UTC form is read in the series' zone."""
        text = self.text(node, "series.recurrence")
        if text.upper().startswith("RRULE:"):
            text = text[len("RRULE:") :]
        parts: dict[str, str] = {}
        for piece in filter(None, text.split(";")):
            name, separator, value = piece.partition("=")
            if not separator or not value:
                raise self.fail(node.line, f"series.recurrence: '{piece}' is not NAME=VALUE")
            parts[name.strip().upper()] = value.strip()
        frequency = parts.get("FREQ", "").upper()
        if not frequency:
            raise self.fail(
                node.line, "series.recurrence needs FREQ=..., like FREQ=MONTHLY;BYDAY=+1TH"
            )
        if frequency in ("HOURLY", "MINUTELY", "SECONDLY"):
            raise self.fail(
                node.line,
                f"series.recurrence: FREQ={frequency} would make several sessions a day; a"
                " series meets at most once a day (DAILY, WEEKLY, MONTHLY or YEARLY)",
            )
        for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            if name in parts:
                raise self.fail(
                    node.line,
                    f"series.recurrence: {name} is not needed; every session starts at series.time",
                )
        interval = parts.get("INTERVAL", "1")
        if not interval.isdigit() or not 1 <= int(interval) <= 1000:
            raise self.fail(
                node.line,
                f"series.recurrence: INTERVAL must be a whole number from 1, not '{interval}'",
            )
        if parts.get("UNTIL", "").upper().endswith("Z"):
            parts["UNTIL"] = self._local_until(parts["UNTIL"], zone, node.line)
        rule = ";".join(f"{name}={value}" for name, value in parts.items())
        try:
            rrulestr(rule, dtstart=datetime(2000, 1, 1))
        except (ValueError, TypeError, OverflowError) as error:
            raise self.fail(
                node.line, f"series.recurrence is not an RFC 5545 rule: {error}"
            ) from None
        return rule

    def _local_until(self, value: str, zone: ZoneInfo, line: int) -> str:
        """UNTIL=20231231T000000Z (UTC, as RFC 5545 writes it when DTSTART has a zone)
        as the series' local wall-clock time, which is how the plan counts."""
        try:
            moment = datetime.strptime(value.upper(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")
        except (ValueError, OverflowError):
            raise self.fail(
                line, f"series.recurrence: UNTIL={value} is not a moment like 20231231T000000Z"
            ) from None

    def _check_occurs(self, series: Series, listed: list, root: Mapping) -> None:
        """A rule that can never fall on a date (BYMONTH=2;BYMONTHDAY=30) makes dateutil
        search until the year 9999, every time the plan is read: found here, in bounded time."""
        line = root.entries["series"][1].entries["recurrence"][0]  # type: ignore[union-attr]
        start = series.start or min(date.fromisoformat(s.key) for s in listed)
        found = first_occurrence(series.recurrence or "", start)
        if found is None:
            raise self.fail(
                line,
                f"series.recurrence never falls on a date from {start} on; check BYMONTH,"
                " BYMONTHDAY and BYDAY against each other",
            )

    def _refuse_secrets(self, node: Node) -> None:
        if isinstance(node, Mapping):
            for key, line, value in node.items():
                if any(word in key.lower() for word in SECRET_WORDS):
                    raise self.fail(
                        line,
                        f"'{key}' looks like a password; passwords are never read from this file "
                        "(set MAILER_SMTP_PASSWORD or MAILER_IMAP_PASSWORD in the environment)",
                    )
                self._refuse_secrets(value)
        elif isinstance(node, Scalar) and "://" in node.text:
            parts = split_link(node.text.strip())
            if parts is not None and parts.password:
                raise self.fail(
                    node.line,
                    "this link carries a password; passwords are never read from this file "
                    "(set MAILER_SMTP_PASSWORD or MAILER_IMAP_PASSWORD in the environment)",
                )
        elif isinstance(node, Sequence):
            for item in node.items:
                self._refuse_secrets(item)


def same_key_message(other: Session, session: Session) -> str:
    """Two entries that would be one session (both first planned on one date)."""
    key = session.key
    if other.key == other.date.isoformat() or session.key == session.date.isoformat():
        listed, moved = (other, session) if other.date.isoformat() == key else (session, other)
        if listed.cancelled:
            return (
                f"moved_from: {key} on line {moved.line} names the session on line"
                f" {listed.line}, which is cancelled; a session is either cancelled or moved:"
                f" to move it, remove the entry on line {listed.line} (members get one"
                f" update with the new date); to cancel it and plan another session, remove"
                f" moved_from on line {moved.line}"
            )
        return (
            f"moved_from: {key} on line {moved.line} names the session on line"
            f" {listed.line}, which is still listed on {key}: to move that session, change"
            f" its date and write moved_from there; for another session on"
            f" {moved.date}, remove moved_from on line {moved.line}"
        )
    return (
        f"two sessions say moved_from: {key} (lines {other.line} and {session.line}); a"
        f" session moves from its date only once: keep moved_from on the one that takes the"
        f" place of the session of {key}, and remove it from the other (a new session)"
    )


def split_link(text: str) -> SplitResult | None:
    """A link's parts (urllib.parse.urlsplit), or None for text urlsplit refuses with a
    ValueError: an IPv6 host whose '[' is never closed, a host that NFKC normalization
    changes (`ex＃ample.org`). Such text is no link anybody can follow."""
    try:
        return urlsplit(text)
    except ValueError:
        return None


def plan_warnings(plan: Plan, today: date) -> list[PlanWarning]:
    """What `mailer check` points out without refusing the plan."""
    import holidays

    warnings: list[PlanWarning] = list(plan.source_warnings)
    for session in plan.listed:
        moved = session.key != session.date.isoformat()
        if (
            plan.series.recurrence
            and not moved
            and session.date not in plan.occurrences(session.date, session.date)
        ):
            warnings.append(
                PlanWarning(
                    session.line,
                    f"{session.date} is not a date of the recurrence: a moved session? "
                    "Write `moved_from: ORIGINAL-DATE` so members get an update, not a new session",
                )
            )
    for session in plan.listed:
        if session.example and session.date >= today:
            warnings.append(
                PlanWarning(
                    session.line,
                    f"the session on {session.date} is an example from `mailer init`: nobody"
                    " gets mail about it until you write its real topic and guests and delete"
                    " the line `example: true`",
                )
            )
    for session in plan.sessions_between(today, today + timedelta(days=366)):
        wall = session.start.replace(tzinfo=None)
        if happens_twice(wall, plan.timezone):
            warnings.append(
                PlanWarning(
                    session.line,
                    f"{wall:%H:%M} on {session.date} happens twice in {plan.timezone.key} (the"
                    f" clocks go back that night); it is read as the first time, {wall:%H:%M}"
                    f" {session.start:%Z}, as calendars read it (RFC 5545)",
                )
            )
    last_listed = max((s.date for s in plan.listed), default=today)
    horizon = max(last_listed, today) + timedelta(days=366)
    german = holidays.country_holidays(
        "DE", language="de", years=range(today.year, horizon.year + 1)
    )
    for session in plan.sessions_between(today, horizon):
        if not session.cancelled and session.date in german:
            warnings.append(
                PlanWarning(
                    session.line,
                    f"{session.date} is a public holiday in Germany ({german[session.date]}); "
                    "mark it `cancelled: true` or move it",
                )
            )
    return warnings


def web_warnings(plan: Plan, root: Path) -> list[PlanWarning]:
    """What `mailer check` points out about the web pages: a privacy statement whose file
    is not beside schedule.yaml (in `root`). Never an error: the mails do not depend on it."""
    web = plan.web
    if web.base_url is None or web.privacy_file is None or (root / web.privacy_file).is_file():
        return []
    if web.privacy_line is None:
        return [
            PlanWarning(
                None,
                f"web.privacy: there is no {web.privacy_file} beside schedule.yaml, so"
                " /datenschutz shows the privacy text mailer writes from what it stores;"
                " `mailer init` writes it to that file for you to review and complete",
            )
        ]
    return [
        PlanWarning(
            web.privacy_line,
            f"web.privacy: there is no file {web.privacy_file} beside schedule.yaml;"
            " /datenschutz answers 503 until it is there",
        )
    ]
