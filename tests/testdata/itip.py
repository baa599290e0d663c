"""Calendar messages (iTIP, RFC 5546, carried by mail as iMIP, RFC 6047) in the shapes
Outlook, Google Calendar and Apple Calendar give them. What each shape follows:

- Outlook with Exchange: `text/calendar; method=...` as the last part of the
  multipart/alternative, base64, PRODID "Microsoft Exchange Server 2010", the Windows time
  zone "W. Europe Standard Time" with its VTIMEZONE, COMMENT;LANGUAGE=de-DE, the
  X-MICROSOFT-CDO-* properties; subjects "Zugesagt:", "Abgelehnt:", "Mit Vorbehalt
  angenommen:", "Neue Zeit vorgeschlagen:" (Outlook's "Propose New Time", which Exchange
  writes as METHOD:COUNTER with the proposed DTSTART/DTEND, MS-OXCICAL 2.1.3.1.1.20) and
  "WG:" for a forwarded invitation.
- Google Calendar: multipart/mixed of a multipart/alternative (text, HTML, the calendar)
  and the same calendar again as `invite.ics` (application/ics); PRODID "-//Google
  Inc//Google Calendar 70.9054//EN", times in UTC, ATTENDEE with CUTYPE, ROLE,
  X-NUM-GUESTS and the guest's note as X-RESPONSE-COMMENT. The COUNTER ("Propose a new
  time") follows a captured Google message in linagora/tmail-backend's calendar tests:
  PARTSTAT=TENTATIVE, X-RESPONSE-COMMENT, the proposed DTSTART/DTEND in UTC, SEQUENCE as
  sent.
- Apple Calendar (macOS, iOS): the calendar as an attachment `iCal-2023...ics` of a
  multipart/mixed with a short text; PRODID "-//Apple Inc.//macOS 13.5//EN", ATTENDEE
  with CN, CUTYPE, EMAIL; TZID=Europe/Berlin with its VTIMEZONE.

Delegation (PARTSTAT=DELEGATED with DELEGATED-TO, the delegate named as a second ATTENDEE
with DELEGATED-FROM) follows RFC 5546 4.2.5; REFRESH 3.2.6 (ATTENDEE, ORGANIZER, UID,
DTSTAMP only). A program that does not offer one of them (Google has no delegation,
Apple no "propose a new time") is still written in its own shape: the method decides,
not the program.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

UID = "2023-09-07@digital-impuls.example.org"
ORGANIZER = "themen@example.org"
SUBJECT = "Digital-Impuls: Kommunale Wärmeplanung"
OUTLOOK_WORDS = {
    "ACCEPTED": "Zugesagt", "DECLINED": "Abgelehnt", "TENTATIVE": "Mit Vorbehalt angenommen",
    "DELEGATED": "Delegiert", "NEEDS-ACTION": "Keine Antwort",
}  # fmt: skip
GOOGLE_WORDS = {
    "ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentatively Accepted",
    "DELEGATED": "Delegated", "NEEDS-ACTION": "Invitation",
}  # fmt: skip

WINDOWS_ZONE = [
    "BEGIN:VTIMEZONE", "TZID:W. Europe Standard Time",
    "BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT",
    "END:VTIMEZONE",
]  # fmt: skip
BERLIN_ZONE = [
    "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "DTSTART:19810329T020000", "TZNAME:MESZ", "TZOFFSETTO:+0200", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "DTSTART:19961027T030000", "TZNAME:MEZ", "TZOFFSETTO:+0100", "END:STANDARD",
    "END:VTIMEZONE",
]  # fmt: skip


@dataclass(frozen=True)
class Calendar:
    """One calendar message: who sends it, what it says."""

    method: str  # REPLY, COUNTER, REFRESH, REQUEST, PUBLISH, CANCEL, ADD, DECLINECOUNTER
    partstat: str = "ACCEPTED"
    attendee: str = "anna@example.org"
    sender: str = "Anna Schmidt <anna@example.org>"
    delegate: str = ""  # DELEGATED: the one it was delegated to
    delegate_partstat: str = "NEEDS-ACTION"  # what the delegate answered (in their reply)
    comment: str = ""
    start: str = "20230907T160000"  # local Berlin time; a COUNTER's is the proposal
    end: str = "20230907T173000"
    uid: str = UID
    stamp: str = "20230825T093000Z"
    message_id: str = ""


def _fold(lines: list[str]) -> str:
    """RFC 5545 3.1: lines of at most 75 octets, continued with a space."""
    out = []
    for line in lines:
        data = line.encode()
        while len(data) > 75:
            cut = 75
            while (data[cut] & 0xC0) == 0x80:  # not inside a UTF-8 character
                cut -= 1
            out.append(data[:cut].decode())
            data = b" " + data[cut:]
        out.append(data.decode())
    return "\r\n".join(out) + "\r\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(local: str) -> str:
    """Berlin summer time (CEST, +02:00) to UTC, for the dates of these fixtures."""
    hour = int(local[9:11]) - 2
    return f"{local[:9]}{hour:02d}{local[11:]}Z"


def _attendees(c: Calendar, shape: str) -> list[str]:
    params = {
        "outlook": f"PARTSTAT={c.partstat};CN=Anna Schmidt",
        "google": f"CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={c.partstat};CN=Anna Schmidt;"
        "X-NUM-GUESTS=0" + (f';X-RESPONSE-COMMENT="{c.comment}"' if c.comment else ""),
        "apple": f'CN="Anna Schmidt";CUTYPE=INDIVIDUAL;EMAIL="{c.attendee}";PARTSTAT={c.partstat}',
    }[shape]
    if c.method == "REFRESH":
        params = "CN=Anna Schmidt"
    if c.delegate:
        params += f';DELEGATED-TO="mailto:{c.delegate}"'
    lines = [f"ATTENDEE;{params}:mailto:{c.attendee}"]
    if c.delegate:  # RFC 5546 4.2.5: the delegate, named with whom it came from
        lines.append(
            f'ATTENDEE;PARTSTAT={c.delegate_partstat};DELEGATED-FROM="mailto:{c.attendee}";'
            f"CN=Bernd Vertreter:mailto:{c.delegate}"
        )
    return lines


def outlook_calendar(c: Calendar) -> str:
    times = (
        [] if c.method == "REFRESH" else
        [f"DTSTART;TZID=W. Europe Standard Time:{c.start}",
         f"DTEND;TZID=W. Europe Standard Time:{c.end}"]
    )  # fmt: skip
    counter = (
        ["X-MS-OLK-ORIGINALSTART;TZID=W. Europe Standard Time:20230907T160000",
         "X-MS-OLK-ORIGINALEND;TZID=W. Europe Standard Time:20230907T173000"]
        if c.method == "COUNTER" else []
    )  # fmt: skip
    lines = [
        "BEGIN:VCALENDAR", f"METHOD:{c.method}", "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0", *WINDOWS_ZONE, "BEGIN:VEVENT", *_attendees(c, "outlook"),
        *([f"COMMENT;LANGUAGE=de-DE:{_escape(c.comment)}"] if c.comment else []),
        f"SUMMARY;LANGUAGE=de-DE:{OUTLOOK_WORDS.get(c.partstat, c.method.title())}: {SUBJECT}",
        *times, f"UID:{c.uid}", "CLASS:PUBLIC", "PRIORITY:5", f"DTSTAMP:{c.stamp}",
        "TRANSP:OPAQUE", "STATUS:CONFIRMED", "SEQUENCE:0", "LOCATION;LANGUAGE=de-DE:Zoom",
        *counter, "X-MICROSOFT-CDO-APPT-SEQUENCE:0",
        "X-MICROSOFT-CDO-OWNERAPPTID:2121532137", "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE",
        "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY", "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE",
        "X-MICROSOFT-CDO-IMPORTANCE:1", "X-MICROSOFT-CDO-INSTTYPE:0",
        "X-MICROSOFT-DONOTFORWARDMEETING:FALSE", "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
        "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip
    return _fold(lines)


def google_calendar(c: Calendar) -> str:
    times = [] if c.method == "REFRESH" else [f"DTSTART:{_utc(c.start)}", f"DTEND:{_utc(c.end)}"]
    lines = [
        "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
        "CALSCALE:GREGORIAN", f"METHOD:{c.method}",
        *(BERLIN_ZONE if c.method == "COUNTER" else []), "BEGIN:VEVENT", *times,
        f"DTSTAMP:{c.stamp}", f"ORGANIZER;CN=Digital-Impuls:mailto:{ORGANIZER}", f"UID:{c.uid}",
        *_attendees(c, "google"), "CREATED:20230824T140000Z",
        "LAST-MODIFIED:20230825T093000Z", "LOCATION:https://zoom.us/j/00000000000",
        "SEQUENCE:0", "STATUS:CONFIRMED", f"SUMMARY:{SUBJECT}", "TRANSP:OPAQUE",
        "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip
    return _fold(lines)


def apple_calendar(c: Calendar) -> str:
    times = (
        [] if c.method == "REFRESH" else
        [f"DTEND;TZID=Europe/Berlin:{c.end}", f"DTSTART;TZID=Europe/Berlin:{c.start}"]
    )  # fmt: skip
    lines = [
        "BEGIN:VCALENDAR", "CALSCALE:GREGORIAN", "PRODID:-//Apple Inc.//macOS 13.5//EN",
        "VERSION:2.0", f"METHOD:{c.method}", *BERLIN_ZONE, "BEGIN:VEVENT",
        *_attendees(c, "apple"), *times, f"DTSTAMP:{c.stamp}",
        f'ORGANIZER;CN="Digital-Impuls";EMAIL="{ORGANIZER}":mailto:{ORGANIZER}',
        "SEQUENCE:0", f"SUMMARY:{SUBJECT}", f"UID:{c.uid}", "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip
    return _fold(lines)


def _b64(text: str) -> str:
    return base64.encodebytes(text.encode()).decode("ascii")


def _head(c: Calendar, subject: str, message_id: str, extra: list[str]) -> str:
    encoded = "=?utf-8?b?" + base64.b64encode(subject.encode()).decode() + "?="
    return "\r\n".join([
        f"From: {c.sender}", f"To: Digital-Impuls <{ORGANIZER}>", f"Subject: {encoded}",
        "Date: Fri, 25 Aug 2023 11:30:00 +0200", f"Message-ID: {c.message_id or message_id}",
        *extra, "MIME-Version: 1.0",
    ])  # fmt: skip


def outlook(c: Calendar) -> bytes:
    words = {"COUNTER": "Neue Zeit vorgeschlagen", "REQUEST": "WG", "REFRESH": "Aktualisieren"}
    subject = f"{words.get(c.method) or OUTLOOK_WORDS.get(c.partstat, c.method.title())}: {SUBJECT}"
    head = _head(c, subject, f"<{c.method}-{c.partstat}-{c.stamp}@AM0PR07MB1234.outlook.com>", [
        "Thread-Topic: Digital-Impuls", "Thread-Index: AQHZ1m3kXyZ8c2Fv0Uu4y9b3aVp6Qg==",
        "X-MS-Has-Attach:", "X-Auto-Response-Suppress: All", "X-MS-TNEF-Correlator:",
        "Content-Language: de-DE",
    ])  # fmt: skip
    text = c.comment or ""
    body = (
        'Content-Type: multipart/alternative; boundary="_000_outlook_"\r\n\r\n'
        "--_000_outlook_\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(text)}\r\n"
        "--_000_outlook_\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(f'<html><body><p>{text}</p></body></html>')}\r\n"
        f"--_000_outlook_\r\nContent-Type: text/calendar; charset=utf-8; method={c.method}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(outlook_calendar(c))}\r\n"
        "--_000_outlook_--\r\n"
    )
    return (head + "\r\n" + body).encode()


def google(c: Calendar) -> bytes:
    words = {"COUNTER": "New time proposed", "REFRESH": "Refresh", "PUBLISH": "Event"}
    subject = (
        f"{words.get(c.method) or GOOGLE_WORDS.get(c.partstat, c.method.title())}: {SUBJECT}"
        " @ Thu Sep 7, 2023 4pm - 5:30pm (CEST) (themen@example.org)"
    )
    head = _head(c, subject, f"<000000000000{c.method}{c.partstat}{c.stamp}@google.com>", [])
    calendar = google_calendar(c)
    text = f"Anna Schmidt has {c.partstat.lower()} this invitation." + (
        f"\r\n\r\n{c.comment}" if c.comment else ""
    )
    body = (
        'Content-Type: multipart/mixed; boundary="000000000000mixed"\r\n\r\n'
        '--000000000000mixed\r\nContent-Type: multipart/alternative; boundary="000000000000alt"\r\n\r\n'
        '--000000000000alt\r\nContent-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(text)}\r\n"
        '--000000000000alt\r\nContent-Type: text/html; charset="UTF-8"\r\n'
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>{text}</p>\r\n"
        f'--000000000000alt\r\nContent-Type: text/calendar; charset="UTF-8"; method={c.method}\r\n'
        f"Content-Transfer-Encoding: 7bit\r\n\r\n{calendar}\r\n"
        "--000000000000alt--\r\n"
        '--000000000000mixed\r\nContent-Type: application/ics; name="invite.ics"\r\n'
        'Content-Disposition: attachment; filename="invite.ics"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(calendar)}\r\n"
        "--000000000000mixed--\r\n"
    )
    return (head + "\r\n" + body).encode()


def apple(c: Calendar) -> bytes:
    words = {"ACCEPTED": "Angenommen", "DECLINED": "Abgelehnt", "TENTATIVE": "Vielleicht"}
    subject = f"{words.get(c.partstat, c.method.title())}: {SUBJECT}"
    head = _head(c, subject, f"<A1B2C3D4-{c.method}-{c.partstat}-{c.stamp}@example.org>", [
        "X-Mailer: Apple Mail (2.3731.700.6)",
    ])  # fmt: skip
    name = "iCal-20230825-093000.ics"
    body = (
        'Content-Type: multipart/mixed; boundary="Apple-Mail=_B1"\r\n\r\n'
        "--Apple-Mail=_B1\r\nContent-Type: text/plain; charset=us-ascii\r\n"
        "Content-Transfer-Encoding: 7bit\r\n\r\n\r\n"
        f'--Apple-Mail=_B1\r\nContent-Type: text/calendar; method={c.method}; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(apple_calendar(c))}\r\n"
        "--Apple-Mail=_B1--\r\n"
    )
    return (head + "\r\n" + body).encode()


CLIENTS = {"outlook": outlook, "google": google, "apple": apple}


def table() -> list[tuple[str, bytes, str]]:
    """(id, message, kind) for every client and method, and every PARTSTAT of a REPLY."""
    rows = []
    for client, build in CLIENTS.items():
        for partstat in ("ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION"):
            rows.append(
                (f"{client}-reply-{partstat.lower()}", build(Calendar("REPLY", partstat)), "rsvp")
            )
        rows.append((
            f"{client}-reply-delegated",
            build(Calendar("REPLY", "DELEGATED", delegate="bernd.vertreter@example.org")),
            "rsvp",
        ))  # fmt: skip
        rows.append((
            f"{client}-reply-from-the-delegate",
            build(Calendar("REPLY", "DELEGATED", attendee="anna@example.org",
                           sender="Bernd Vertreter <bernd.vertreter@example.org>",
                           delegate="bernd.vertreter@example.org", delegate_partstat="ACCEPTED",
                           message_id=f"<delegate-{client}@example.org>")),
            "rsvp",
        ))  # fmt: skip
        rows.append((
            f"{client}-counter",
            build(Calendar("COUNTER", "TENTATIVE", start="20230907T170000",
                           end="20230907T183000", comment="Um 17 Uhr passt es mir besser.")),
            "counter",
        ))  # fmt: skip
        rows.append((f"{client}-refresh", build(Calendar("REFRESH")), "refresh"))
        for method in ("REQUEST", "PUBLISH", "CANCEL", "ADD", "DECLINECOUNTER"):
            rows.append(
                (f"{client}-{method.lower()}", build(Calendar(method, "NEEDS-ACTION")), "notice")
            )
    return rows
