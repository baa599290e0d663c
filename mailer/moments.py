"""Moments and dates written by a person (an option, a front matter): ISO 8601, within the
years mailer works with. Pure.

Python's datetime reaches from year 1 to 9999, and a moment near either end overflows as
soon as it is moved into another time zone or a day is added to it. Nothing of a
meeting series lies there; the plan's dates lie between 1970 and 2999 (planfile.py), and
so does every moment read from outside: far enough from both ends that the arithmetic
on it (a zone, a horizon of a few years) never overflows.
"""

from __future__ import annotations

from datetime import date, datetime

from mailer.errors import MailerError

YEARS = (1970, 2999)  # dates outside are a slip of the keyboard, and near 9999 they overflow


def within_years(year: int) -> bool:
    return YEARS[0] <= year <= YEARS[1]


def parse_moment(text: str, what: str) -> datetime:
    """ISO 8601 (`2023-08-20T10:00`, with or without an offset) -> datetime, naive when
    written without an offset; MailerError naming `what` (the option) otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise MailerError(
            f"{what}: '{text}' is not an ISO 8601 moment like 2023-08-20T10:00"
        ) from None
    if not within_years(moment.year):
        raise MailerError(f"{what}: {text} is not between the years {YEARS[0]} and {YEARS[1]}")
    return moment


def parse_date(text: str, what: str) -> date:
    """`2023-09-07` -> date; MailerError naming `what` otherwise."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise MailerError(f"{what}: '{text}' is not a date like 2023-09-07") from None
    if not within_years(day.year):
        raise MailerError(f"{what}: {text} is not between the years {YEARS[0]} and {YEARS[1]}")
    return day
