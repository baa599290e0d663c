"""Each field of /admin/plan's forms checked in German for what `mailer check` checks
about it (planfile.py): a date that exists within the plan's years, a time of day written
16:00, an https link that carries no password, a duration like 14d, reminders shorter
than the announcement and none twice, text that a mail can carry (yamlsource's
control_character). Pure: text in, the value or a ValidationError with the sentence.
The plan's own patterns and limits are used, so the form accepts what the plan accepts
(tests/test_admin_plan.py holds each refused input against the core).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from wtforms import Form
from wtforms.validators import Length, ValidationError

from mailer.plan import format_offset
from mailer.planfile import _DURATION, _TIME, LONGEST_DURATION, YEARS, split_link
from mailer.yamlsource import control_character

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _quoted(text: str) -> str:
    return f"„{text if len(text) <= 40 else text[:39] + '…'}“"


def read_day(text: str) -> date:
    """A date written 2024-03-07 or 7.3.2024 that exists, in the plan's years."""
    text = text.strip()
    if not text:
        raise ValidationError("Bitte ein Datum angeben, z. B. 2024-03-07.")
    if found := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in found.groups())
    elif found := _GERMAN_DATE.match(text):
        day, month, year = (int(part) for part in found.groups())
    else:
        raise ValidationError(
            f"{_quoted(text)} ist kein Datum. Bitte so schreiben: 2024-03-07 oder 7.3.2024."
        )
    try:
        value = date(year, month, day)
    except ValueError:
        raise ValidationError(f"Den {_quoted(text)} gibt es nicht im Kalender.") from None
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValidationError(
            f"Das Datum muss zwischen den Jahren {YEARS[0]} und {YEARS[1]} liegen."
        )
    return value


def read_time(text: str, *, required: bool) -> str | None:
    """A time of day written 16:00 (as planfile reads it), as HH:MM; None when empty."""
    text = text.strip()
    if not text:
        if required:
            raise ValidationError("Bitte eine Uhrzeit angeben, z. B. 16:00.")
        return None
    found = _TIME.match(text)
    if not found or found.end() != len(text):
        raise ValidationError(f"{_quoted(text)} ist keine Uhrzeit. Bitte so schreiben: 16:00.")
    hour, minute = int(found[1]), int(found[2])
    if hour > 23 or minute > 59:
        raise ValidationError(f"{text} gibt es nicht als Uhrzeit (höchstens 23:59).")
    return f"{hour:02d}:{minute:02d}"


def read_link(text: str, *, required: bool) -> str | None:
    """An https:// link that carries no password; None when empty."""
    text = text.strip()
    if not text:
        if required:
            raise ValidationError("Bitte den Link zur Konferenz angeben (https://…).")
        return None
    parts = split_link(text)
    if parts is None or parts.scheme != "https" or not parts.netloc:
        raise ValidationError(
            f"{_quoted(text)} ist kein Link, der mit https:// beginnt"
            " (z. B. https://zoom.us/j/123)."
        )
    _refuse_password(text)
    return text


def _refuse_password(text: str) -> None:
    """The plan refuses a value that is a link with a password in it (planfile)."""
    if "://" in text and (parts := split_link(text)) is not None and parts.password:
        raise ValidationError(
            "Hier steht ein Link mit Passwort (https://name:passwort@…). Passwörter gehören"
            " nie in den Plan; bitte den Link ohne das Passwort angeben."
        )


def read_duration(text: str, *, what: str = "Die Dauer") -> timedelta:
    """A duration as planfile reads it: 30m, 1h, 2d, 14d, 1w, 1h30m; more than zero,
    at most a year."""
    text = text.strip().lower()
    if not text:
        raise ValidationError("Bitte eine Dauer angeben, z. B. 90m, 1h oder 14d.")
    found = _DURATION.match(text)
    if not found:
        raise ValidationError(
            f"{_quoted(text)} ist keine Dauer. Bitte so schreiben: 30m (Minuten), 1h"
            " (Stunden), 2d (Tage), 1w (Wochen) oder 1h30m."
        )
    weeks, days, hours, minutes = (int(part or 0) for part in found.groups())
    if max(weeks, days, hours, minutes) > LONGEST_DURATION.total_seconds() / 60:
        raise ValidationError(f"{what} darf höchstens ein Jahr sein.")
    value = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    if not value:
        raise ValidationError(f"{what} muss länger als null sein.")
    if value > LONGEST_DURATION:
        raise ValidationError(f"{what} darf höchstens ein Jahr sein.")
    return value


def read_reminders(text: str, announcement: timedelta | None) -> tuple[str, ...]:
    """Reminders written `1d, 1h`: each a duration, shorter than the announcement's time
    before the start, none twice; () for none."""
    items = [item for item in re.split(r"[,;\s]+", text.strip().lower()) if item]
    seen: dict[timedelta, str] = {}
    for item in items:
        offset = read_duration(item, what=f"Die Erinnerung {item}")
        if announcement is not None and offset >= announcement:
            raise ValidationError(
                f"Die Erinnerung {item} muss kürzer vor dem Beginn kommen als die Einladung"
                f" ({format_offset(announcement)})."
            )
        if offset in seen:
            raise ValidationError(f"{seen[offset]} und {item} sind dieselbe Erinnerung.")
        seen[offset] = item
    return tuple(items)


def check_text(form: Form, field: Any) -> None:
    """What the plan refuses in any text: a character no mail can carry, a link with a
    password."""
    text = field.data or ""
    if (control := control_character(text)) is not None:
        raise ValidationError(
            f"Hier steht ein unsichtbares Steuerzeichen (U+{ord(control):04X}), das keine Mail"
            " tragen kann. Bitte den Text neu tippen, statt ihn einzufügen."
        )
    _refuse_password(text.strip())


def limit(size: int) -> Length:
    return Length(max=size, message=f"Höchstens {size} Zeichen.")


def one_line_field(value: str | None) -> str:
    return value.strip() if value else ""


def text_field(value: str | None) -> str:
    """A textarea's text: the browser's CR LF as LF, without white space around it."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() if value else ""


def checked(read, **options) -> Any:
    """A field validator from a reader above (the reader's value is read again later)."""

    def validator(form: Form, field: Any) -> None:
        read(field.data or "", **options)

    return validator
