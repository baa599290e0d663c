"""The kinds of value a command line takes, each read in one place: a moment, a date, a
whole number within bounds, a file to write. A value that is not one is one sentence
naming the option (`--months: '100000' is not a number of months from 1 to 1200`) and
exit status 1, raised as a MailerError that MailerGroup turns into that sentence.

click's own INT would take any size of number, and each command would then meet the
overflow somewhere else (SQLite's 64 bits, datetime's year 9999).
"""

from __future__ import annotations

import os
import stat
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from mailer.errors import MailerError
from mailer.moments import parse_date, parse_moment

SQLITE_LARGEST = 2**63 - 1  # an INTEGER column holds no more (SQLite's datatype3.html)


def option_name(param: click.Parameter | None) -> str:
    """How the user wrote it: `--months`, or an argument's metavar (`ID`)."""
    if param is None:
        return "the value"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


class Moment(click.ParamType):
    """ISO 8601, between the years 1970 and 2999 (mailer.moments); a naive moment is read
    in the series' time zone later, by App.now."""

    name = "moment"

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        return parse_moment(str(value), option_name(param))


class Day(click.ParamType):
    """A date like 2023-09-07, between the years 1970 and 2999."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        return parse_date(str(value), option_name(param))


class Count(click.ParamType):
    """A whole number from `low` to `high`, written in ASCII digits ('²' is a digit to
    Python's isdigit, and int() refuses it)."""

    name = "integer"

    def __init__(self, low: int, high: int, what: str):
        self.low, self.high, self.what = low, high, what

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> int:
        if isinstance(value, int):
            number: int | None = value
        else:
            text = str(value).strip()
            digits = text.removeprefix("-")
            number = int(text) if digits.isascii() and digits.isdigit() else None
        if number is None or not self.low <= number <= self.high:
            raise MailerError(f"{option_name(param)}: '{value}' is not {self.what}")
        return number


MOMENT = Moment()
DAY = Day()
MONTHS = Count(1, 1200, "a number of months from 1 to 1200")


def read_file(path: Path, largest: int, what: str) -> bytes:
    """The bytes of an input file, with one sentence naming it when it cannot be read or
    is larger than `largest` (`/dev/zero` would never end); `what` says what it should be."""
    try:
        with path.open("rb") as handle:
            data = handle.read(largest + 1)
    except OSError as error:
        raise MailerError(f"{path}: cannot read it ({error.strerror})") from None
    if len(data) > largest:
        raise MailerError(
            f"{path}: larger than {largest // (1024 * 1024)} MB, too large for {what}"
        )
    return data


def write_file(path: Path, data: bytes, *, private: bool = False) -> None:
    """`data` into the file at `path`, whole or with one sentence naming the file: a full
    disk (/dev/full), a missing folder, a folder in the way. `private`: a regular file
    readable by this user only (0600), as personal data is, whatever the umask; a device
    or a pipe (`-o /dev/stdout`) keeps its mode."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o666)
        try:
            if private and stat.S_ISREG(os.fstat(handle).st_mode):
                os.fchmod(handle, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
    except OSError as error:
        raise MailerError(f"{path}: cannot write it ({error.strerror})") from None
