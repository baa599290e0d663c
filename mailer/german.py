"""Dates and times written the German way, through Babel's CLDR data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime, format_time, format_timedelta

from mailer.wallclock import instant

LOCALE = "de_DE"


def long_datetime(moment: datetime) -> str:
    """Donnerstag, 7. September 2023, 16:00 Uhr"""
    return format_datetime(moment, "EEEE, d. MMMM y, HH:mm 'Uhr'", locale=LOCALE)


def medium_datetime(moment: datetime) -> str:
    """Do., 24. Aug. 2023, 16:00 Uhr"""
    return format_datetime(moment, "EE, d. MMM y, HH:mm 'Uhr'", locale=LOCALE)


def long_date(day: date) -> str:
    """Donnerstag, 7. September 2023"""
    return format_date(day, "EEEE, d. MMMM y", locale=LOCALE)


def short_date(day: date) -> str:
    """7. September"""
    return format_date(day, "d. MMMM", locale=LOCALE)


def clock(moment: datetime) -> str:
    """16:00 Uhr"""
    return format_time(moment, "HH:mm 'Uhr'", locale=LOCALE)


def time_span(start: datetime, end: datetime) -> str:
    """16:00–17:30 Uhr"""
    return f"{format_time(start, 'HH:mm', locale=LOCALE)}–{clock(end)}"


def day_words(sent: datetime, start: datetime) -> str:
    """How a mail sent at `sent` names the day of `start`: heute, morgen, übermorgen, or
    "am Donnerstag, 7. September". Both moments in the series' zone."""
    days = (start.date() - sent.date()).days
    if days == 0:
        return "heute"
    if days == 1:
        return "morgen"
    if days == 2:
        return "übermorgen"
    return f"am {format_date(start.date(), 'EEEE, d. MMMM', locale=LOCALE)}"


def soon_words(sent: datetime, start: datetime) -> str:
    """ "in einer Stunde", "in einer halben Stunde", "in 40 Minuten" when `start` is at most
    90 minutes after `sent`; otherwise empty. Rounded as people say it."""
    minutes = round((instant(start) - instant(sent)).total_seconds() / 60)  # time that passes
    if minutes <= 0 or minutes > 90:
        return ""
    if 55 <= minutes <= 65:
        return "in einer Stunde"
    if 28 <= minutes <= 32:
        return "in einer halben Stunde"
    if minutes == 1:
        return "in einer Minute"
    if minutes >= 15:
        minutes = 5 * round(minutes / 5)
    return f"in {minutes} Minuten"


def near_words(sent: datetime, start: datetime) -> str:
    """What to add to an absolute date when it is close: "heute, in 40 Minuten", "morgen"."""
    days = (start.date() - sent.date()).days
    soon = soon_words(sent, start)
    if days == 0:
        return f"heute, {soon}" if soon else "heute"
    if days == 1:
        return soon or "morgen"
    return ""


def offset_words(offset: timedelta) -> str:
    """14 Tage, 1 Stunde, 30 Minuten"""
    minutes = int(offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        n = minutes // (24 * 60)
        return f"{n} Tag" if n == 1 else f"{n} Tagen"
    if minutes % 60 == 0:
        n = minutes // 60
        return f"{n} Stunde" if n == 1 else f"{n} Stunden"
    return f"{minutes} Minuten"


def weekday(day: date) -> str:
    """Donnerstag"""
    return format_date(day, "EEEE", locale=LOCALE)


def ago_words(then: datetime, now: datetime) -> str:
    """How long ago `then` was, as people say it: "gerade eben", "vor 2 Minuten", "vor 3
    Stunden", "vor 1 Tag" (Babel's CLDR words, rounded to the largest unit)."""
    if now - then < timedelta(minutes=1):
        return "gerade eben"
    return format_timedelta(then - now, add_direction=True, granularity="minute", locale=LOCALE)
