"""Dates and times written the German way, through Babel's CLDR data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime, format_time

LOCALE = "de_DE"


def long_datetime(moment: datetime) -> str:
    """Donnerstag, 7. September 2023, 16:00 Uhr"""
    return format_datetime(moment, "EEEE, d. MMMM y, HH:mm 'Uhr'", locale=LOCALE)


def long_date(day: date) -> str:
    """Donnerstag, 7. September 2023"""
    return format_date(day, "EEEE, d. MMMM y", locale=LOCALE)


def short_date(day: date) -> str:
    """7. September"""
    return format_date(day, "d. MMMM", locale=LOCALE)


def clock(moment: datetime) -> str:
    """16:00 Uhr"""
    return format_time(moment, "HH:mm 'Uhr'", locale=LOCALE)


def relative_day(sent: datetime, start: datetime) -> str:
    """How a reminder sent at `sent` names the day of `start`: heute, morgen, or the date."""
    days = (start.date() - sent.date()).days
    if days == 0:
        return "heute"
    if days == 1:
        return "morgen"
    return f"am {long_date(start.date())}"


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
