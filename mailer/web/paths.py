"""What a path may hold: the converters of the web door's URL rules.

A value that does not fit is no match, so the visitor gets the 404 page; a view never
sees it. werkzeug's own `int` takes any Unicode decimal digit (its rule is `\\d+`) and
numbers of any size, which SQLite cannot bind (OverflowError, a 500); a date in a path
would be parsed by each view.
"""

from __future__ import annotations

from datetime import date

from werkzeug.routing import BaseConverter, ValidationError

from mailer.planfile import YEARS

ID_DIGITS = 18  # SQLite's INTEGER is 64-bit: 9,223,372,036,854,775,807 has 19 digits


class IdConverter(BaseConverter):
    """`<id:name>`: a row's id, 1 to 18 ASCII digits, as an int."""

    regex = rf"[0-9]{{1,{ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


class DayConverter(BaseConverter):
    """`<day:name>`: a session's key, a date written YYYY-MM-DD that exists, in the
    years a plan may hold (planfile.YEARS); the text as written (it is the key)."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValidationError() from None
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise ValidationError()
        return value


class YearConverter(BaseConverter):
    """`<year:name>`: a year written with four digits, in the years a plan may hold."""

    regex = r"[0-9]{4}"

    def to_python(self, value: str) -> int:
        if not YEARS[0] <= int(value) <= YEARS[1]:
            raise ValidationError()
        return int(value)

    def to_url(self, value: object) -> str:
        return f"{int(value):04d}"  # type: ignore[call-overload]


CONVERTERS = {"id": IdConverter, "day": DayConverter, "year": YearConverter}
