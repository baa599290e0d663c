"""Calendar messages: what a member's calendar program sends back to an invitation.

iTIP (RFC 5546) names the methods, carried by mail as iMIP (RFC 6047): a `text/calendar`
part whose METHOD says what it is (section 1.4, 3.2):

    REPLY           an attendee's answer: PARTSTAT accepted, declined, tentative, or
                    delegated (with DELEGATED-TO, the delegate then named as a second
                    ATTENDEE with DELEGATED-FROM), or needs-action (undecided again)
    COUNTER         an attendee proposes another time: DTSTART/DTEND are the proposal,
                    COMMENT (Outlook) or the ATTENDEE's X-RESPONSE-COMMENT (Google) why
    REFRESH         an attendee asks for the current version of the event
    REQUEST, PUBLISH, ADD, CANCEL, DECLINECOUNTER
                    what an organizer sends: from a member, an invitation forwarded or
                    published, or a calendar of their own

Outlook puts the part into the multipart/alternative beside its text, Google Calendar
there and again as an `invite.ics` attachment, Apple Calendar as an `.ics` attachment.
Only the message's own parts are read, not those of a mail it carries (a bounce returns
our invitation, METHOD:REQUEST, inside its message/rfc822 part).

Pure: a parsed message in, a CalendarMessage (or None) out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import Message

from mailer.inbound.mailparts import walk
from mailer.inbound.mailtext import content_type

REPLY = "REPLY"
COUNTER = "COUNTER"
REFRESH = "REFRESH"
METHODS = (REPLY, COUNTER, REFRESH, "REQUEST", "PUBLISH", "ADD", "CANCEL", "DECLINECOUNTER")
ANSWERS = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentative"}
MAX_CALENDAR_BYTES = 256 * 1024


@dataclass(frozen=True)
class Attendee:
    address: str  # lower case, without mailto:
    partstat: str  # RFC 5545 3.2.12, upper case; "" when missing
    delegated_to: str = ""  # the delegate's address (DELEGATED-TO)
    delegated_from: str = ""  # the delegator's address (DELEGATED-FROM)
    comment: str = ""  # Google Calendar's X-RESPONSE-COMMENT

    @property
    def answer(self) -> str | None:
        """accepted, declined or tentative; None for delegated, needs-action and the rest."""
        return ANSWERS.get(self.partstat)


@dataclass(frozen=True)
class CalendarMessage:
    method: str  # one of METHODS, or another token a program wrote
    uid: str  # "" when unreadable
    attendees: tuple[Attendee, ...] = ()
    stamp: str = ""  # DTSTAMP as UTC ISO (stored form), or ""
    sequence: int = 0
    recurrence: date | None = None  # RECURRENCE-ID: one instance of a recurring event
    start: str | None = None  # DTSTART as UTC ISO: for a COUNTER, the proposed start
    end: str | None = None  # DTEND (or DTSTART + DURATION) as UTC ISO
    comment: str = ""  # COMMENT, or the speaking attendee's X-RESPONSE-COMMENT

    def speaker(self, sender: str) -> Attendee | None:
        """The attendee this message speaks for: the one whose address is the sender's;
        else the only one; else the one who delegated (RFC 5546 4.2.5: a delegation
        reply names the delegator and the delegate)."""
        for attendee in self.attendees:
            if attendee.address == sender:
                return attendee
        if len(self.attendees) == 1:
            return self.attendees[0]
        return next((a for a in self.attendees if not a.delegated_from), None)

    def why(self, sender: str) -> str:
        """What the attendee wrote to it: COMMENT, or Google's X-RESPONSE-COMMENT."""
        speaker = self.speaker(sender)
        return self.comment or (speaker.comment if speaker else "")


def calendar_message(message: Message) -> CalendarMessage | None:
    """The iTIP message this mail carries in its own parts, if it carries one: the first
    calendar part with a METHOD. One that icalendar cannot read is still a message of
    its method, with nothing else known."""
    for part in walk(message, into_messages=False):
        if not _is_calendar(part):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or len(payload) > MAX_CALENDAR_BYTES:
            continue
        method = _raw_method(payload) or str(part.get_param("method") or "").upper()
        if not method:
            continue  # an .ics file someone attached, not an iTIP message
        return _parse(payload, method)
    return None


def _is_calendar(part: Message) -> bool:
    # A look at the raw headers first: parsing every part's parameters was a tenth of
    # the time it takes to classify a mail, and almost no part is a calendar.
    raw = f"{part.get('Content-Type', '')} {part.get('Content-Disposition', '')}".lower()
    if "calendar" not in raw and "ics" not in raw:
        return False
    kind = content_type(part)
    name = (part.get_filename() or "").lower()
    return kind in ("text/calendar", "application/ics") or name.endswith(".ics")


def _raw_method(payload: bytes) -> str:
    """The METHOD line's value, read from the bytes (unfolded): "" when there is none."""
    unfolded = b"\n" + payload.replace(b"\r\n ", b"").replace(b"\n ", b"").upper()
    at = unfolded.find(b"\nMETHOD:")
    if at < 0:
        return ""
    value = unfolded[at + len(b"\nMETHOD:") :].split(b"\n", 1)[0].strip()
    return value.decode("ascii", "replace")


def _parse(payload: bytes, method: str) -> CalendarMessage:
    from icalendar import Calendar  # imported when a calendar message arrives

    try:
        calendar = Calendar.from_ical(payload)
        method = str(calendar.get("METHOD", method)).strip().upper() or method
        events = [e for e in calendar.walk("VEVENT") if e.get("UID")]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return CalendarMessage(method, "")
    if not events:
        return CalendarMessage(method, "")
    event = events[0]
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    start = _moment(event.get("DTSTART"))
    end = _moment(event.get("DTEND"))
    duration = getattr(event.get("DURATION"), "dt", None)
    if end is None and start is not None and isinstance(duration, timedelta):
        end = start + duration
    return CalendarMessage(
        method=method,
        uid=str(event["UID"]).strip(),
        attendees=tuple(a for a in map(_attendee, attendees) if a is not None),
        stamp=_iso(_moment(event.get("DTSTAMP"))) or "",
        sequence=_int(event.get("SEQUENCE")),
        recurrence=_day(event.get("RECURRENCE-ID")),
        start=_iso(start),
        end=_iso(end),
        comment=_text(event.get("COMMENT")),
    )


def _attendee(value) -> Attendee | None:
    address = _address(value)
    if not address:
        return None
    params = getattr(value, "params", {})
    return Attendee(
        address=address,
        partstat=str(params.get("PARTSTAT", "")).strip().upper(),
        delegated_to=_address(params.get("DELEGATED-TO", "")),
        delegated_from=_address(params.get("DELEGATED-FROM", "")),
        comment=_text(params.get("X-RESPONSE-COMMENT")).strip('"'),
    )


def _address(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value or "").strip().strip('"')
    if text.lower().startswith("mailto:"):
        return text[len("mailto:") :].strip().lower()
    return ""


def _text(value) -> str:
    if isinstance(value, list):
        return " ".join(_text(item) for item in value).strip()
    return " ".join(str(value or "").split())


def _moment(value) -> datetime | None:
    moment = getattr(value, "dt", None)
    if isinstance(moment, datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if isinstance(moment, date):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _day(value) -> date | None:
    moment = getattr(value, "dt", None)
    if isinstance(moment, datetime):
        return moment.date()
    return moment if isinstance(moment, date) else None
