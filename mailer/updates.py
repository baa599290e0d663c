"""What changed in a session since the version a member was sent, in the member's words.

An update mail shows each changed field as before -> now, and its subject carries the one
change a skimming reader must not miss (a new date, a new time). Pure: the earlier version
comes in as the JSON that `Session.content` made when it was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from mailer import german
from mailer.conference import link_label
from mailer.plan import Session

NOT_YET = "noch offen"


@dataclass(frozen=True)
class Change:
    field: str  # date, time, topic, guests, link, description
    label: str  # Datum, Uhrzeit, Thema, Gäste, Link, Beschreibung
    before: str
    after: str


def changes(told: str | None, session: Session) -> list[Change]:
    """Each field that differs between the version `told` (Session.content JSON) and now;
    empty when the earlier version is not known."""
    if not told:
        return []
    try:
        before = json.loads(told)
        start = datetime.fromisoformat(before["start"]).astimezone(session.start.tzinfo)
        end = datetime.fromisoformat(before["end"]).astimezone(session.start.tzinfo)
    except (ValueError, KeyError, TypeError):
        return []
    found: list[Change] = []

    def note(field: str, label: str, old: str, new: str) -> None:
        if old != new:
            found.append(Change(field, label, old, new))

    note("date", "Datum", german.long_date(start.date()), german.long_date(session.date))
    note(
        "time",
        "Uhrzeit",
        german.time_span(start, end),
        german.time_span(session.start, session.end),
    )
    note("topic", "Thema", before.get("topic") or NOT_YET, session.topic or NOT_YET)
    note(
        "guests",
        "Gäste" if len(session.guests) != 1 else "Gast",
        _guests([name for name, _role in before.get("guests") or []]),
        _guests([guest.name for guest in session.guests]),
    )
    note("link", link_label(session.join_url), before.get("join_url") or "", session.join_url)
    if (before.get("description") or "") != (session.description or ""):
        found.append(Change("description", "Beschreibung", "", "neu gefasst, siehe unten"))
    return found


def update_subject(series_name: str, session: Session, found: list[Change]) -> str:
    """The subject of an update: the change that matters most, in a few words."""
    fields = {change.field: change for change in found}
    date_words = german.short_date(session.date)
    if "date" in fields:
        when = german.short_date(session.date)
        weekday = german.weekday(session.date)
        return (
            f"Neuer Termin: {series_name} jetzt am {weekday}, {when}, {german.clock(session.start)}"
        )
    if "time" in fields:
        return f"Geändert: {series_name} am {date_words} jetzt um {german.clock(session.start)}"
    if "topic" in fields and session.topic:
        return f"Geändert: {series_name} am {date_words} – neues Thema: {session.topic}"
    if "guests" in fields and session.guests:
        return f"Geändert: {series_name} am {date_words} – zu Gast: {fields['guests'].after}"
    if "link" in fields:
        return f"Geändert: {series_name} am {date_words} – neuer Link zur Konferenz"
    topic = f": {session.topic}" if session.topic else ""
    return f"Geändert: {series_name} am {date_words}{topic}"


def _guests(names: list[str]) -> str:
    return ", ".join(names) if names else NOT_YET
