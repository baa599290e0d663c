"""How a member is named and greeted. Pure: no I/O, no imports beyond the standard library.

A series chooses one of three forms in `schedule.yaml` (`series.salutation`):

| form      | greeting                                      | the mail says |
| --------- | --------------------------------------------- | ------------- |
| `du`      | Hallo Anna,                                   | du            |
| `sie`     | Sehr geehrte Frau Bürgermeisterin Schmidt,    | Sie           |
| `neutral` | Guten Tag Anna Schmidt,                       | Sie           |

Each form falls back to what is known of the member, and never guesses a gender or a first
name from a full name: "Sehr geehrte" is written only when the salutation starts with Frau.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailer.text import one_line

DU, SIE, NEUTRAL = "du", "sie", "neutral"
FORMS = (DU, SIE, NEUTRAL)


@dataclass(frozen=True)
class Person:
    """What a member told us about themselves; every field may be missing."""

    name: str | None = None  # the full name, as shown in the To header
    org: str | None = None  # the municipality
    first_name: str | None = None
    last_name: str | None = None
    salutation: str | None = None  # Frau, Herr, Frau Bürgermeisterin, Herr Dr., ...

    @property
    def full_name(self) -> str | None:
        if self.name:
            return self.name
        joined = " ".join(part for part in (self.first_name, self.last_name) if part)
        return joined or None

    def columns(self) -> dict[str, str | None]:
        """The subscribers table's columns for this person."""
        return {
            "name": self.full_name,
            "org": self.org,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "salutation": self.salutation,
        }


def formal(form: str) -> bool:
    """Whether mails of this form say Sie (and never du)."""
    return form != DU


def greeting(form: str, person: Person) -> str:
    """The first line of a mail to this person, ending in a comma."""
    first = _clean(person.first_name)
    last = _clean(person.last_name)
    full = _clean(person.full_name)
    if form == DU:
        return f"Hallo {first or full}," if first or full else "Hallo,"
    if form == SIE:
        salutation = _clean(person.salutation)
        if salutation and last:
            word = salutation.split(" ", 1)[0].lower()
            opening = {"frau": "Sehr geehrte", "herr": "Sehr geehrter"}.get(word, "Guten Tag")
            return f"{opening} {salutation} {last},"
        return f"Guten Tag {full}," if full else "Sehr geehrte Damen und Herren,"
    return f"Guten Tag {full}," if full else "Guten Tag,"


def _clean(value: str | None) -> str:
    return one_line(value or "")
