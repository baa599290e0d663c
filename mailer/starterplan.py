"""The starter plan `mailer init` writes: the Digital-Impuls from its next session on. Pure.

Its three sessions carry example topics and guests, each marked `example: true`: nobody
gets mail about an example session (see Session.example) until the organizer writes the
real topic and deletes the line, and `check` says so for each of them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from importlib.resources import files
from string import Template

from dateutil.rrule import rrulestr

# The rule and zone of the starter plan, as written in it (series.recurrence, .timezone).
RULE = "FREQ=MONTHLY;BYDAY=+1TH"
ZONE = "Europe/Berlin"
EXAMPLE_LINE = "    example: true\n"
EXAMPLES_NOTE = (
    "  # Three examples to start from. Nobody gets mail about a session marked `example: true`:\n"
    "  # write its real topic and guests, then delete that line.\n"
)


def next_sessions(after: date, count: int = 3) -> list[date]:
    """The first `count` dates of the starter's rule after the day `after`."""
    rule = rrulestr(RULE, dtstart=datetime.combine(after + timedelta(days=1), time()))
    return [moment.date() for moment in rule[:count]]


def starter_plan(today: date, *, examples: bool = True) -> str:
    """schedule.yaml as `mailer init` writes it on `today` (in the series' zone): the rule
    starts with the first session after today, and three sessions are listed with example
    topics. `examples=False` leaves out the example marks, as an organizer who filled in
    the topics would (the demo's plan)."""
    template = files("mailer").joinpath("starter/schedule.yaml").read_text("utf-8")
    first, second, third = (day.isoformat() for day in next_sessions(today))
    text = Template(template).substitute(first=first, second=second, third=third)
    if not examples:
        text = text.replace(EXAMPLE_LINE, "").replace(EXAMPLES_NOTE, "")
    return text
