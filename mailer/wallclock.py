"""Wall-clock times in a time zone as RFC 5545 reads them: which exist, which happen twice,
and arithmetic on them. Pure; the zone's transitions come from zoneinfo.

- A local time in the gap when the clocks go forward does not exist (02:30 on the last
  Sunday of March in Berlin). RFC 5545 3.3.5 reads such a DATE-TIME "using the UTC offset
  before the gap": 02:30 is 03:30 CEST. The plan refuses such a time where a person wrote
  it (planfile.py); where a rule makes one, it is read as the RFC says (`resolve`).
- A local time in the hour the clocks go back happens twice; RFC 5545 3.3.5: "the
  DATE-TIME value refers to the first occurrence of the referenced time" (fold=0).
- Durations, RFC 5545 3.3.6: weeks and days are nominal (the same wall-clock time so many
  days later), hours and minutes exact (time that passes): `shift`.
- Two moments of one zone are compared as instants (`instant`): Python compares datetimes
  that share a tzinfo by their wall-clock reading, fold ignored, which is an hour off for
  the hour that happens twice.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)


def resolve(naive: datetime, zone: ZoneInfo) -> datetime:
    """The moment a wall-clock time names (RFC 5545 3.3.5): the first of two, and for one
    that does not exist, the one its offset before the gap gives (02:30 -> 03:30)."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def exists(naive: datetime, zone: ZoneInfo) -> bool:
    """Whether the clocks of `zone` ever show this wall-clock time."""
    return resolve(naive, zone).replace(tzinfo=None) == naive


def happens_twice(naive: datetime, zone: ZoneInfo) -> bool:
    """Whether the clocks of `zone` show this time twice (the hour they go back)."""
    first = naive.replace(tzinfo=zone, fold=0)
    return (
        exists(naive, zone) and first.utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset()
    )


def shift(moment: datetime, offset: timedelta) -> datetime:
    """`moment` + `offset` in the moment's own zone, as RFC 5545 3.3.6 adds a duration:
    days and weeks on the wall clock (16:00 plus 14 days is 16:00, across a change of the
    clocks), hours and minutes in time that passes (03:30 minus 1h is 01:30 on the night
    the clocks go forward). Negative offsets count back the same way."""
    zone = moment.tzinfo
    assert isinstance(zone, ZoneInfo), "a moment in the series' zone"
    sign = -1 if offset < timedelta() else 1
    size = abs(offset)
    days = timedelta(days=size.days)
    exact = size - days
    if days:
        moment = resolve(moment.replace(tzinfo=None) + sign * days, zone)
    return (moment.astimezone(UTC) + sign * exact).astimezone(zone)


def instant(moment: datetime) -> datetime:
    """The moment in UTC, for comparing two moments of one zone as instants."""
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Gap:
    """Wall-clock times that do not exist: [start, end), e.g. 02:00 to 03:00."""

    start: datetime  # naive, local
    end: datetime  # naive, local

    def holds(self, naive: datetime) -> bool:
        return self.start <= naive < self.end

    def words(self) -> str:
        """ "the clocks go from 02:00 straight to 03:00 that night" """
        return (
            f"the clocks go from {self.start:%H:%M} straight to {self.end:%H:%M}"
            f" {'that night' if self.start.hour < 6 else 'that day'}"
        )


def gap_at(naive: datetime, zone: ZoneInfo) -> Gap | None:
    """The gap that holds this wall-clock time, if it does not exist."""
    if exists(naive, zone):
        return None
    return next((g for g in gaps(zone, naive.year, naive.year) if g.holds(naive)), None)


def gaps(zone: ZoneInfo, first_year: int, last_year: int) -> list[Gap]:
    """Every gap of `zone` in the years [first_year, last_year], earliest first."""
    found = []
    for year in range(first_year, last_year + 1):
        for moment, before, after in transitions(zone.key, year):
            if after > before:
                local = moment.replace(tzinfo=None)
                found.append(Gap(local + before, local + after))
    return found


@functools.lru_cache(maxsize=512)
def transitions(key: str, year: int) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """(UTC moment, offset before, offset after) of each change of the clocks in `year`:
    found from zoneinfo day by day, then to the second."""
    zone = ZoneInfo(key)

    def offset(moment: datetime) -> timedelta:
        return moment.astimezone(zone).utcoffset() or timedelta()

    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    current = offset(moment)
    while moment < end:
        following = offset(moment + DAY)
        if following != current:
            low, high = int(moment.timestamp()), int((moment + DAY).timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                at_middle = offset(datetime.fromtimestamp(middle, UTC))
                low, high = (middle, high) if at_middle == current else (low, middle)
            found.append((datetime.fromtimestamp(high, UTC), current, following))
            current = following
        moment += DAY
    return tuple(found)


def gap_days(zone: ZoneInfo, first: date, last: date, at: time) -> list[tuple[date, Gap]]:
    """The days in [first, last] on which the wall-clock time `at` does not exist."""
    result = []
    for gap in gaps(zone, first.year, last.year):
        # A gap may reach over midnight (23:30 to 00:30): both of its days.
        for day in sorted({gap.start.date(), (gap.end - timedelta(seconds=1)).date()}):
            if first <= day <= last and gap.holds(datetime.combine(day, at)):
                result.append((day, gap))
    return result
