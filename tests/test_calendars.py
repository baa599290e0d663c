"""What calendars make of our invitations and the feed, read by two calendar libraries
(icalendar, and vobject, which keeps the first VTIMEZONE it saw for a TZID).

Issue 23, item 9: every VTIMEZONE holds the zone's rules, right from the session's date on
for good, so an old invitation read first never moves a later session. Item 14: the feed
says how often to refresh it, and each event carries LAST-MODIFIED and a SEQUENCE that
rises with each change, also for two edits between ticks."""

from __future__ import annotations

import urllib.request
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from mailer.invite import invitation
from mailer.planfile import parse_plan
from mailer.wallclock import exists, happens_twice, transitions
from tests.conftest import STARTER, Mailer
from tests.smtpserver import RecordingHandler
from tests.test_planfile import BASE
from tests.webtools import Clock, client, served, with_web

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def fresh_vobject():
    """vobject as a calendar program that has seen no VTIMEZONE yet (its registry of
    TZIDs is global: the first VTIMEZONE read for a TZID is kept)."""
    registry = vobject.icalendar.__dict__["__tzidMap"]
    saved = dict(registry)
    registry.clear()
    registry["UTC"] = saved["UTC"]
    yield
    registry.clear()
    registry.update(saved)


def calendar_part(message: EmailMessage) -> bytes:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part.get_payload(decode=True)


def zone_of(data: bytes, reader: str):
    """The VTIMEZONE of a calendar object as the reader turns it into a time zone."""
    if reader == "vobject":
        return vobject.readOne(data.decode("utf-8")).vtimezone.gettzinfo()
    # Built from the VTIMEZONE itself, not looked up by its TZID in the system's zones.
    return icalendar.Calendar.from_ical(data).walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)


# -- item 9: a VTIMEZONE that does not age ------------------------------------------------------


@pytest.mark.parametrize("reader", ["vobject", "icalendar"])
def test_an_old_invitation_read_first_leaves_a_later_session_at_its_time(
    mailer: Mailer, smtp_pipelining: RecordingHandler, fresh_vobject, reader: str
) -> None:
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    mailer.add("anna@example.org")
    mailer("tick", "--now", "2023-08-24T16:00")  # the invitation to 7 September 2023
    mailer("tick", "--now", "2026-01-22T16:00")  # the one to 5 February 2026 (winter time)
    old, new = (calendar_part(m.message) for m in smtp_pipelining.messages[-2:])
    assert b"DTSTART;TZID=Europe/Berlin:20260205T160000" in new
    if reader == "vobject":
        vobject.readOne(old.decode("utf-8"))  # the calendar keeps this VTIMEZONE
        start = vobject.readOne(new.decode("utf-8")).vevent.dtstart.value
    else:
        kept = zone_of(old, reader)  # a calendar that keeps the first one it saw
        start = datetime(2026, 2, 5, 16, 0, tzinfo=kept)
    assert start.astimezone(UTC) == datetime(2026, 2, 5, 15, 0, tzinfo=UTC)


# Zones with every shape of rule: last Sundays, nth Sundays, the southern hemisphere, none,
# a rule given up (2014, 2019), a day after a weekday (Jerusalem), the day before (Nuuk),
# one no RRULE can say (Cairo), Ramadan changes listed until 2087 (Casablanca), a 45-minute
# offset (Chatham). (zone, the first session's date)
ZONES = {
    "Europe/Berlin": date(2023, 9, 7),
    "America/New_York": date(2023, 9, 7),
    "Australia/Sydney": date(2023, 9, 7),
    "Asia/Tokyo": date(2023, 9, 7),
    "America/Sao_Paulo": date(2018, 9, 6),
    "Europe/Moscow": date(2013, 9, 5),
    "Asia/Jerusalem": date(2023, 9, 7),
    "America/Nuuk": date(2023, 9, 7),
    "Africa/Cairo": date(2023, 9, 7),
    "Africa/Casablanca": date(2023, 9, 7),
    "Pacific/Chatham": date(2023, 9, 7),
    "America/Santiago": date(2023, 9, 7),
}


def walls(key: str, first: date):
    """Wall-clock times, as a DTSTART names them, from the session's date to 2045: noon on
    the 15th of every month, and the local times an hour before and after each change of
    the zone's clocks (those that exist once)."""
    zone = ZoneInfo(key)
    for year in range(first.year, 2046):
        moments = [datetime(year, month, 15, 12, tzinfo=UTC) for month in range(1, 13)]
        for moment, _, _ in transitions(key, year):
            moments += [moment - timedelta(hours=1), moment + timedelta(hours=1)]
        for moment in moments:
            wall = moment.astimezone(zone).replace(tzinfo=None)
            if exists(wall, zone) and not happens_twice(wall, zone) and wall.date() >= first:
                yield wall


@pytest.mark.parametrize("reader", ["vobject", "icalendar"])
@pytest.mark.parametrize("key", ZONES)
def test_the_vtimezone_of_an_invitation_holds_for_years(fresh_vobject, key: str, reader: str):
    first = ZONES[key]
    plan = parse_plan(
        BASE.replace("Europe/Berlin", key)
        .replace('time: "16:00"', 'time: "12:00"')
        .replace("2023-09-07", first.isoformat())
    )
    session = plan.session(first)
    assert session is not None
    data = invitation(plan, session, 0, session.start - timedelta(days=14))
    kept = zone_of(data, reader)
    real = ZoneInfo(key)
    wrong = [
        (wall, wall.replace(tzinfo=kept).utcoffset(), wall.replace(tzinfo=real).utcoffset())
        for wall in walls(key, first)
        if wall.replace(tzinfo=kept).utcoffset() != wall.replace(tzinfo=real).utcoffset()
    ]
    assert wrong == []


# -- items 9 and 14: the feed --------------------------------------------------------------------


def test_the_served_feed_says_how_often_to_refresh_and_its_zone_holds(
    mailer: Mailer, fresh_vobject
) -> None:
    with served(mailer) as base:
        body = urllib.request.urlopen(f"{base}/kalender.ics", timeout=10).read()
    feed = icalendar.Calendar.from_ical(body)
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    events = feed.walk("VEVENT")
    assert events and all("LAST-MODIFIED" in e and "SEQUENCE" in e for e in events)
    assert all(e.decoded("LAST-MODIFIED").tzinfo is not None for e in events)
    kept = vobject.readOne(body.decode("utf-8")).vtimezone.gettzinfo()
    winter = datetime(2031, 1, 2, 15, tzinfo=UTC)  # 16:00 in Berlin, years after the feed
    assert winter.astimezone(kept).utcoffset() == timedelta(hours=1)
    assert datetime(2031, 7, 3, 14, tzinfo=UTC).astimezone(kept).utcoffset() == timedelta(hours=2)


def feed_event(web, day: str):
    body = web.get("/kalender.ics").get_data()
    return next(
        e
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
        if e.decoded("DTSTART").date().isoformat() == day
    )


def test_each_change_raises_the_feeds_sequence_also_two_between_ticks(
    mailer: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    with_web(mailer)
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    mailer.add("anna@example.org")
    mailer("tick", "--now", "2023-08-24T16:00")  # the announcement: SEQUENCE 0
    clock = Clock(datetime(2023, 8, 25, 8, 0, tzinfo=UTC))
    web = client(mailer, clock)
    before = feed_event(web, "2023-09-07")
    assert int(before["SEQUENCE"]) == 0
    assert before.decoded("LAST-MODIFIED") == datetime(2023, 8, 24, 14, 0, tzinfo=UTC)
    sequences = []
    for minute, topic in ((10, "Wärmeplanung konkret"), (20, "Wärmeplanung ganz konkret")):
        clock.moment = datetime(2023, 8, 25, 8, minute, tzinfo=UTC)
        text = mailer.config.read_text("utf-8")
        mailer.write_plan(text.replace("topic: Kommunale Wärmeplanung", f"topic: {topic}"))
        mailer.write_plan(
            mailer.config.read_text("utf-8").replace(
                "topic: Wärmeplanung konkret", f"topic: {topic}"
            )
        )
        event = feed_event(web, "2023-09-07")  # no tick in between: the feed is not behind
        assert topic in str(event["SUMMARY"])
        assert event.decoded("LAST-MODIFIED") == clock.moment
        sequences.append(int(event["SEQUENCE"]))
    assert sequences == [1, 2]
    # The tick tells the member of the change since their invitation, under the same SEQUENCE.
    mailer("tick", "--now", "2023-08-25T10:30")
    update = smtp_pipelining.messages[-1].message
    assert update["Subject"].startswith("Geändert: Digital-Impuls am 7. September")
    event = icalendar.Calendar.from_ical(calendar_part(update)).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 2
    text = update.get_body(("plain",)).get_content()
    assert "Thema: Kommunale Wärmeplanung -> jetzt: Wärmeplanung ganz konkret" in text
    # Nothing changed since: the feed keeps SEQUENCE and LAST-MODIFIED.
    clock.moment = datetime(2023, 8, 26, 8, 0, tzinfo=UTC)
    again = feed_event(web, "2023-09-07")
    assert int(again["SEQUENCE"]) == 2
    assert again.decoded("LAST-MODIFIED") == datetime(2023, 8, 25, 8, 20, tzinfo=UTC)


def test_mailer_plan_still_sees_the_update_owed_after_the_feed_recorded_the_change(
    mailer: Mailer,
) -> None:
    with_web(mailer)
    mailer.add("anna@example.org")
    mailer("tick", "--now", "2023-08-24T16:00")
    mailer.write_plan(
        STARTER.replace('time: "16:00"', 'time: "16:30"')
        + "\nweb:\n  base_url: http://127.0.0.1:8080\n"
    )
    web = client(mailer, Clock(datetime(2023, 8, 25, 8, 0, tzinfo=UTC)))
    assert int(feed_event(web, "2023-09-07")["SEQUENCE"]) == 1
    [first] = [
        s for s in mailer.json("plan", "--now", "2023-08-25T10:00") if s["date"] == "2023-09-07"
    ]
    assert first["notice"] == {"kind": "update", "members": 1}
