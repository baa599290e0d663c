"""Calendar invitations (RFC 5545) through icalendar."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from icalendar.prop import vDuration

from mailer.plan import Plan, Session
from mailer.vtimezone import vtimezone
from mailer.wallclock import happens_twice

PRODID = "-//mailer//Digital-Impuls//DE"


def session_uid(plan: Plan, session: Session) -> str:
    """Stable for the life of a session: its key is the date it was first planned on."""
    return f"{session.key}@{plan.sender.list_id}"


def session_key_of_uid(uid: str, list_id: str) -> str | None:
    """The session key a UID of ours names (see session_uid); None for anyone else's."""
    key, _, domain = uid.strip().rpartition("@")
    if domain.lower() != list_id.lower() or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
        return None
    return key


def invitation(
    plan: Plan,
    session: Session,
    sequence: int,
    stamp: datetime,
    *,
    cancel: bool = False,
    attendee: str | None = None,
) -> bytes:
    """One session as a METHOD:REQUEST (or CANCEL) calendar object. `attendee` is the
    ATTENDEE content line (see attendee_line), or a marker filled in per member."""
    calendar = _calendar("CANCEL" if cancel else "REQUEST")
    calendar.add_component(_event(plan, session, sequence, stamp, cancelled=cancel))
    _add_timezone(calendar, [session])
    data = calendar.to_ical()
    if attendee is not None:
        # After ORGANIZER, inside the one VEVENT: the member this invitation is for.
        data = data.replace(b"END:VEVENT", attendee.encode("utf-8") + b"\r\nEND:VEVENT", 1)
    return data


def attendee_line(name: str | None, email: str) -> str:
    """The member as the one ATTENDEE of their invitation, asked to answer (RSVP=TRUE),
    so that calendars show Accept and Decline, and the answer comes back to ORGANIZER
    (RFC 5545 3.8.4.1, RFC 5546 3.2.2). Never the other members: they stay private.
    Folded at 75 octets (RFC 5545 3.1); the name quoted, without DQUOTE or controls."""
    params = "ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
    cleaned = "".join(c for c in " ".join((name or "").split()) if c != '"' and c.isprintable())
    if cleaned:
        params = f'CN="{cleaned}";{params}'
    return _folded(f"ATTENDEE;{params}:mailto:{email}")


def _folded(line: str) -> str:
    """RFC 5545 3.1: lines of at most 75 octets, continued after CRLF and one space,
    never inside a UTF-8 character."""
    pieces, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n".join(pieces)


# How often a subscribed calendar should fetch the feed again: RFC 7986 5.7
# REFRESH-INTERVAL, and X-PUBLISHED-TTL, which Outlook reads instead. A moved session then
# shows within the hour, not a day later.
REFRESH = timedelta(hours=1)


def feed(
    plan: Plan,
    sessions: Iterable[tuple[Session, int, datetime]],
    stamp: datetime,
    public_url: str | None = None,
) -> bytes:
    """The whole series as one subscribable calendar (METHOD:PUBLISH): each session with
    its SEQUENCE and LAST-MODIFIED (see queueing.published_versions). With `public_url`
    (the web door's feed, which anyone may read) the events point there instead of to the
    meeting: the join link stays among the members."""
    calendar = _calendar("PUBLISH")
    calendar.add("X-WR-CALNAME", plan.series.name)
    calendar.add("X-WR-TIMEZONE", plan.series.timezone.key)
    calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    listed = list(sessions)
    for session, sequence, modified in listed:
        # An example's placeholders (`example: true`) are nobody's business but the organizer's.
        shown = session.public
        event = _event(
            plan, shown, sequence, stamp, cancelled=shown.cancelled, public_url=public_url
        )
        event.add("LAST-MODIFIED", modified.astimezone(UTC))
        calendar.add_component(event)
    _add_timezone(calendar, [session for session, _, _ in listed])
    return calendar.to_ical()


def _add_timezone(calendar: Calendar, sessions: list[Session]) -> None:
    """The series' VTIMEZONE, right from the year before the first session on for good
    (see vtimezone.py): a calendar that keeps the first one it saw stays right."""
    if sessions:
        zone = sessions[0].start.tzinfo
        assert isinstance(zone, ZoneInfo)
        # Before the events that name it, where every reader looks for it.
        calendar.subcomponents.insert(0, vtimezone(zone, min(s.date for s in sessions)))


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    return calendar


def _event(
    plan: Plan,
    session: Session,
    sequence: int,
    stamp: datetime,
    *,
    cancelled: bool,
    public_url: str | None = None,
) -> Event:
    event = Event()
    event.add("UID", session_uid(plan, session))
    event.add("SEQUENCE", sequence)
    event.add("DTSTAMP", stamp)
    event.add("DTSTART", session.start)
    event.add("DTEND", _as_read(session.end))
    title = plan.series.name + (f": {session.topic}" if session.topic else "")
    event.add("SUMMARY", title)
    event.add("DESCRIPTION", _description(plan, session, public_url))
    event.add("LOCATION", public_url or session.join_url)
    event.add("URL", public_url or session.join_url)
    event.add("ORGANIZER", f"mailto:{plan.sender.reply_to}", parameters={"CN": plan.series.name})
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("TRANSP", "OPAQUE")
    return event


def _as_read(moment: datetime) -> datetime:
    """`moment` as a calendar will read it back: a local time that happens twice means the
    first of the two (RFC 5545 3.3.5), so the second one is written in UTC."""
    zone = moment.tzinfo
    second = moment.fold and isinstance(zone, ZoneInfo)
    if second and happens_twice(moment.replace(tzinfo=None), zone):  # type: ignore[arg-type]
        return moment.astimezone(UTC)
    return moment


def _description(plan: Plan, session: Session, public_url: str | None = None) -> str:
    lines = []
    if session.topic:
        lines.append(f"Thema: {session.topic}")
    for guest in session.guests:
        lines.append(f"Zu Gast: {guest.name}" + (f", {guest.role}" if guest.role else ""))
    if session.description:
        lines.append(session.description)
    if public_url:
        lines.append(f"Den Zugangslink gibt es mit der Einladung per Mail: {public_url}")
    else:
        lines.append(f"Zoom: {session.join_url}")
    lines.append(f"Themenvorschläge an: {plan.sender.reply_to}")
    return "\n".join(lines)
