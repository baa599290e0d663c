"""Calendar replies: "Zusagen"/"Absagen" clicked in Outlook, Gmail or Apple Calendar.

A reply is an iTIP REPLY (RFC 5546 3.2.3) carried by mail as iMIP (RFC 6047): a
`text/calendar; method=REPLY` part (Outlook puts it in the multipart/alternative, Gmail
there and again as an `invite.ics` attachment, Apple as an `.ics` attachment). Its VEVENT
names the event by UID (and RECURRENCE-ID for one instance of a recurring one), the one
ATTENDEE who answers with PARTSTAT, and DTSTAMP and SEQUENCE, which say which of two
answers is the later. outlook.com replies may lack ORGANIZER; nothing here needs it.

Pure: a parsed message in, a CalendarReply (or None) out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import Message

from mailer.inbound.mailparts import walk

ANSWERS = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentative"}
MAX_CALENDAR_BYTES = 256 * 1024


@dataclass(frozen=True)
class CalendarReply:
    uid: str
    attendee: str  # the answering address, lower case
    answer: str  # accepted, declined, tentative
    stamp: str  # DTSTAMP as UTC ISO (stored form), or "" when missing
    sequence: int
    recurrence: date | None


def calendar_reply(message: Message) -> CalendarReply | None:
    """The calendar reply this mail carries, if it carries one we can read."""
    for part in walk(message):
        if not _is_calendar(part):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or len(payload) > MAX_CALENDAR_BYTES:
            continue
        if b"METHOD:REPLY" not in payload.upper().replace(b"\r\n ", b""):
            continue
        reply = _parse(payload)
        if reply is not None:
            return reply
    return None


def _is_calendar(part: Message) -> bool:
    # A look at the raw headers first: parsing every part's parameters was a tenth of
    # the time it takes to classify a mail, and almost no part is a calendar.
    raw = f"{part.get('Content-Type', '')} {part.get('Content-Disposition', '')}".lower()
    if "calendar" not in raw and "ics" not in raw:
        return False
    kind = part.get_content_type()
    name = (part.get_filename() or "").lower()
    return kind in ("text/calendar", "application/ics") or name.endswith(".ics")


def _parse(payload: bytes) -> CalendarReply | None:
    from icalendar import Calendar  # imported when a calendar reply arrives

    try:
        calendar = Calendar.from_ical(payload)
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if str(calendar.get("METHOD", "")).upper() != "REPLY":
        return None
    for event in calendar.walk("VEVENT"):
        attendee = event.get("ATTENDEE")
        if isinstance(attendee, list):  # RFC 5546 3.2.3: exactly one; take none if more
            if len(attendee) != 1:
                continue
            attendee = attendee[0]
        answer = ANSWERS.get(str(getattr(attendee, "params", {}).get("PARTSTAT", "")).upper())
        address = str(attendee or "").strip()
        if not answer or not address.lower().startswith("mailto:") or not event.get("UID"):
            continue
        return CalendarReply(
            uid=str(event["UID"]).strip(),
            attendee=address[len("mailto:") :].strip().lower(),
            answer=answer,
            stamp=_stamp(event.get("DTSTAMP")),
            sequence=_int(event.get("SEQUENCE")),
            recurrence=_day(event.get("RECURRENCE-ID")),
        )
    return None


def _stamp(value) -> str:
    moment = getattr(value, "dt", None)
    if not isinstance(moment, datetime):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


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
