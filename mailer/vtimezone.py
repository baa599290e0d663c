"""A time zone as an RFC 5545 VTIMEZONE that stays right for years: the zone's rules, as
Outlook and Google write them (STANDARD and DAYLIGHT with an RRULE), not two years of
transitions. Pure but for reading the zone's TZif file.

A calendar keeps the first VTIMEZONE it saw for a TZID (vobject does, and so do clients
built on it): an invitation that held only the transitions around its own session made a
session two years later show an hour early. The rule is the one the tz database writes at
the end of each zone's TZif file (RFC 8536 3.3, a POSIX TZ string such as
`CET-1CEST,M3.5.0,M10.5.0/3`): the zone's law for every year after its last listed
change. `vtimezone` checks that law against the zone's real changes (zoneinfo) from the
year before the first session on to 2100 and writes each change before the law holds on
its own, then the law as RRULEs from the year it holds; a law an RRULE cannot say
(Cairo's "the day after the last Thursday") is written as the changes through 2100.
"""

from __future__ import annotations

import calendar
import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from mailer.wallclock import transitions

LAST_YEAR = 2100  # the zone's changes are checked, and written if need be, up to here
WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX counts from Sunday = 0
DAY_SECONDS = 86400


@dataclass(frozen=True)
class Onset:
    """One yearly change of a POSIX rule: month, week (5 = last), weekday (0 = Sunday), and
    the local time of day in seconds (may be negative or past 24 h, RFC 8536 3.3.1)."""

    month: int
    week: int
    weekday: int
    seconds: int

    def local(self, year: int) -> datetime:
        """The local wall-clock moment of this change in `year` (in the time before it)."""
        first = date(year, self.month, 1)
        shift = (self.weekday - (first.isoweekday() % 7)) % 7
        day = first + timedelta(days=shift + 7 * (self.week - 1))
        if self.week == 5:
            following = date(year + (self.month == 12), self.month % 12 + 1, 1)
            while day >= following:
                day -= timedelta(days=7)
        return datetime.combine(day, datetime.min.time()) + timedelta(seconds=self.seconds)

    def rrule(self) -> dict | None:
        """The RRULE that gives `local` every year, or None where one cannot (the day
        moves into another month)."""
        days = self.seconds // DAY_SECONDS
        weekday = WEEKDAYS[(self.weekday + days) % 7]
        rule: dict = {"FREQ": "YEARLY", "BYMONTH": self.month}
        if days == 0:
            rule["BYDAY"] = f"{-1 if self.week == 5 else self.week}{weekday}"
            return rule
        first = -7 if self.week == 5 else 7 * (self.week - 1) + 1
        span = [first + days + n for n in range(7)]
        length = calendar.monthrange(2001, self.month)[1]  # February of a common year
        if not all(1 <= abs(d) <= length for d in span) or min(span) < 0 < max(span):
            return None
        return {**rule, "BYDAY": weekday, "BYMONTHDAY": span}


@dataclass(frozen=True)
class Law:
    """A zone's POSIX TZ string: its standard time, and its daylight time if it has one."""

    standard_name: str
    standard: timedelta  # UTC offset
    daylight_name: str | None = None
    daylight: timedelta | None = None
    starts: Onset | None = None  # daylight time begins (in standard local time)
    ends: Onset | None = None  # daylight time ends (in daylight local time)

    def changes(self, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
        """(UTC moment, offset before, offset after) of the law's changes in `year`."""
        if self.starts is None or self.ends is None or self.daylight is None:
            return []
        found = [
            (self.starts.local(year) - self.standard, self.standard, self.daylight),
            (self.ends.local(year) - self.daylight, self.daylight, self.standard),
        ]
        return sorted((moment.replace(tzinfo=UTC), a, b) for moment, a, b in found)


_NAME = r"(?:<[^>]*>|[A-Za-z]{3,})"
_OFFSET = r"[+-]?\d{1,3}(?::\d{2}){0,2}"
_RULE = re.compile(
    rf"^(?P<std>{_NAME})(?P<stdoff>{_OFFSET})"
    rf"(?:(?P<dst>{_NAME})(?P<dstoff>{_OFFSET})?"
    rf",(?P<start>[^,]+),(?P<end>[^,]+))?$"
)
_ONSET = re.compile(rf"^M(\d{{1,2}})\.([1-5])\.([0-6])(?:/({_OFFSET}))?$")


def _seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _onset(text: str) -> Onset | None:
    found = _ONSET.match(text)
    if found is None:
        return None  # the Julian-day forms (Jn, n): no zone uses them, and no RRULE says them
    time = _seconds(found[4]) if found[4] else 2 * 3600
    return Onset(int(found[1]), int(found[2]), int(found[3]), time)


def parse_law(text: str) -> Law | None:
    """A POSIX TZ string (RFC 8536 3.3) as a Law; None for one it cannot read."""
    found = _RULE.match(text.strip())
    if found is None:
        return None
    standard = -timedelta(seconds=_seconds(found["stdoff"]))  # POSIX counts west as positive
    names = {k: found[k].strip("<>") if found[k] else None for k in ("std", "dst")}
    if not found["dst"]:
        return Law(names["std"] or "", standard)
    daylight = (
        -timedelta(seconds=_seconds(found["dstoff"]))
        if found["dstoff"]
        else standard + timedelta(hours=1)
    )
    starts, ends = _onset(found["start"]), _onset(found["end"])
    if starts is None or ends is None:
        return None
    return Law(names["std"] or "", standard, names["dst"], daylight, starts, ends)


@functools.lru_cache(maxsize=64)
def zone_law(key: str) -> Law | None:
    """The rule at the end of the zone's TZif file, found where zoneinfo finds the file
    (zoneinfo.TZPATH, then the tzdata package); None without one."""
    data = None
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / key
        if path.is_file():
            data = path.read_bytes()
            break
    if data is None:
        try:
            data = resources.files("tzdata").joinpath("zoneinfo", *key.split("/")).read_bytes()
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            return None
    if not data.startswith(b"TZif") or data[4:5] not in (b"2", b"3", b"4"):
        return None
    try:
        return parse_law(data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii"))
    except UnicodeDecodeError:
        return None


def vtimezone(zone: ZoneInfo, first: date) -> Timezone:
    """VTIMEZONE for `zone`, right from the year before `first` on, for good: the zone's
    changes until its law holds on its own, then the law as RRULEs."""
    return _vtimezone(zone.key, first.year - 1)


@functools.lru_cache(maxsize=64)
def _vtimezone(key: str, year: int) -> Timezone:
    zone = ZoneInfo(key)
    law = zone_law(key)
    expressible = law is not None and (
        law.starts is None or (law.starts.rrule() is not None and law.ends.rrule() is not None)  # type: ignore[union-attr]
    )
    holds_from = LAST_YEAR + 1
    if expressible:
        holds_from = year
        for later in range(LAST_YEAR, year - 1, -1):
            if list(transitions(key, later)) != law.changes(later):  # type: ignore[union-attr]
                holds_from = later + 1
                break
    component = Timezone()
    component.add("TZID", key)
    component.add("X-LIC-LOCATION", key)
    if holds_from > year:
        _add_changes(component, zone, year, holds_from)
    if expressible and holds_from <= LAST_YEAR:
        _add_law(component, law, holds_from)  # type: ignore[arg-type]
    return component


def _add_changes(component: Timezone, zone: ZoneInfo, year: int, until: int) -> None:
    """The zone as it is at the start of `year`, then each change before `until`, each an
    observance of its own: dateutil's tzical, which vobject reads VTIMEZONEs with, skips
    RDATE, so changes are never gathered into one observance with RDATEs."""
    start = datetime(year, 1, 1)
    offset = start.replace(tzinfo=zone).utcoffset() or timedelta()
    component.add_component(_observance(start, offset, offset, start.replace(tzinfo=zone)))
    for each in range(year, min(until, LAST_YEAR + 1)):
        for moment, before, after in transitions(zone.key, each):
            wall = (moment + before).replace(tzinfo=None)  # in the time before the change
            component.add_component(_observance(wall, before, after, moment.astimezone(zone)))


def _observance(wall: datetime, before: timedelta, after: timedelta, local: datetime):
    # DAYLIGHT for a time ahead of standard time; the offsets say the rest.
    ahead = (local.dst() or timedelta()) > timedelta()
    observance = TimezoneDaylight() if ahead else TimezoneStandard()
    observance.add("DTSTART", wall)
    observance.add("TZOFFSETFROM", before)
    observance.add("TZOFFSETTO", after)
    if name := local.tzname():
        observance.add("TZNAME", name)
    return observance


def _add_law(component: Timezone, law: Law, year: int) -> None:
    if law.starts is None or law.ends is None or law.daylight is None:
        standard = TimezoneStandard()
        standard.add("DTSTART", datetime(year, 1, 1))
        standard.add("TZOFFSETFROM", law.standard)
        standard.add("TZOFFSETTO", law.standard)
        standard.add("TZNAME", law.standard_name)
        component.add_component(standard)
        return
    parts = (
        (TimezoneDaylight, law.starts, law.standard, law.daylight, law.daylight_name),
        (TimezoneStandard, law.ends, law.daylight, law.standard, law.standard_name),
    )
    for kind, onset, before, after, name in parts:
        observance = kind()
        observance.add("DTSTART", onset.local(year))
        observance.add("RRULE", onset.rrule())
        observance.add("TZOFFSETFROM", before)
        observance.add("TZOFFSETTO", after)
        if name:
            observance.add("TZNAME", name)
        component.add_component(observance)
