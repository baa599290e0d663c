"""Times that do not exist and times that happen twice (issue 23, item 7).

A session time in the gap when the clocks go forward is refused by `check` with its line;
one in the hour they go back is read as RFC 5545 3.3.5 reads it, the first time. Mail due
times count days on the wall clock and hours in time that passes (RFC 5545 3.3.6), so a
reminder never lands in the gap or an hour early in the overlap. The mails here crossed a
real SMTP socket."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from mailer.planfile import parse_plan, plan_warnings
from tests.conftest import STARTER, Mailer
from tests.smtpserver import RecordingHandler
from tests.test_planfile import BASE, error_of

BERLIN = ZoneInfo("Europe/Berlin")
SPRING = "the clocks go from 02:00 straight to 03:00 that night"


def with_series(text: str, **values: str) -> str:
    for key, value in values.items():
        lines = text.split("\n")
        index = next(n for n, line in enumerate(lines) if line.startswith(f"  {key}:"))
        lines[index] = f"  {key}: {value}"
        text = "\n".join(lines)
    return text


def line_of(text: str, piece: str) -> int:
    return text[: text.index(piece)].count("\n") + 1


# (the plan, the piece of it on the line named, the sentence)
GAP_SESSION = BASE + '  - date: 2024-03-31\n    time: "02:30"\n    topic: Nachtschicht\n'
SERIES_GAP_LISTED = with_series(BASE, time='"02:30"') + "  - date: 2024-03-31\n"
MOVED_INTO_GAP = BASE + '  - date: 2024-03-31\n    moved_from: 2024-04-04\n    time: "02:15"\n'
WEEKLY_SUNDAY = with_series(
    BASE, time='"02:30"', recurrence="FREQ=WEEKLY;BYDAY=SU", duration="1h"
).replace("  - date: 2023-09-07\n", "  - date: 2023-09-03\n")
NEW_YORK = with_series(
    BASE, timezone="America/New_York", time='"02:30"', recurrence="FREQ=MONTHLY;BYDAY=2SU"
).replace("  - date: 2023-09-07\n", "  - date: 2023-09-10\n")
SANTIAGO = (
    with_series(BASE, timezone="America/Santiago") + '  - date: 2024-09-08\n    time: "00:30"\n'
)
DAILY_DIGEST = BASE.replace(
    "sessions:\n", 'suggestions:\n  digest: daily\n  digest_at: "02:30"\nsessions:\n'
)
REFUSED = {
    "a session's own time in the gap": (
        GAP_SESSION, '    time: "02:30"',
        f'02:30 on 2024-03-31 does not exist in Europe/Berlin: {SPRING}; write a time before'
        ' 02:00 or from 03:00 on, like time: "03:30"',
    ),
    "series.time in the gap on a listed date": (
        SERIES_GAP_LISTED, "  - date: 2024-03-31",
        f'series.time 02:30 does not exist on 2024-03-31 in Europe/Berlin: {SPRING}; give this'
        ' session a time of its own, like time: "03:30"',
    ),
    "a session moved into the gap": (
        MOVED_INTO_GAP, '    time: "02:15"',
        f'02:15 on 2024-03-31 does not exist in Europe/Berlin: {SPRING}; write a time before'
        ' 02:00 or from 03:00 on, like time: "03:15"',
    ),
    "a date of the rule at the gap": (
        WEEKLY_SUNDAY, '  time: "02:30"',
        f"series.time 02:30 does not exist on 2024-03-31, a date of the recurrence, in"
        f' Europe/Berlin: {SPRING}; list that session with a time of its own (- date:'
        ' 2024-03-31 with time: "03:30"), or choose another series.time',
    ),
    "a date of the rule at New York's gap": (
        NEW_YORK, '  time: "02:30"',
        "series.time 02:30 does not exist on 2024-03-10, a date of the recurrence, in"
        f" America/New_York: {SPRING}; list that session with a time of its own (- date:"
        ' 2024-03-10 with time: "03:30"), or choose another series.time',
    ),
    "a gap at midnight (Santiago)": (
        SANTIAGO, '    time: "00:30"',
        "00:30 on 2024-09-08 does not exist in America/Santiago: the clocks go from 00:00"
        ' straight to 01:00 that night; write a time before 00:00 or from 01:00 on, like'
        ' time: "01:30"',
    ),
    "a daily digest in the gap": (
        DAILY_DIGEST, '  digest_at: "02:30"',
        "suggestions.digest_at 02:30 does not exist on 2024-03-31 in Europe/Berlin:"
        f" {SPRING}; choose a time before 02:00 or from 03:00 on",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", REFUSED)
def test_a_time_that_does_not_exist_is_refused_with_its_line(name: str) -> None:
    text, piece, sentence = REFUSED[name]
    error = error_of(text)
    assert str(error) == f"schedule.yaml:{line_of(text, piece)}: {sentence}"


def test_check_refuses_a_time_in_the_gap_in_one_line(mailer: Mailer) -> None:
    mailer.write_plan(GAP_SESSION)
    result = mailer("check", ok=False)
    sentence = REFUSED["a session's own time in the gap"][2]
    assert result.stderr.splitlines() == [f"schedule.yaml:21: {sentence}"]


ACCEPTED = {
    "a weekly digest in the gap hour (Mondays have none)": (
        DAILY_DIGEST.replace("digest: daily", "digest: weekly")
    ),
    "a session just before the gap": BASE + '  - date: 2024-03-31\n    time: "01:59"\n',
    "a session just after the gap": BASE + '  - date: 2024-03-31\n    time: "03:00"\n',
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_times_beside_the_gap_are_accepted(name: str) -> None:
    parse_plan(ACCEPTED[name])


@pytest.mark.parametrize(
    ("time", "duration", "start", "end"),
    [
        # The hour that happens twice: the first time, CEST (RFC 5545 3.3.5).
        ("02:30", "90m", "2024-10-27T02:30:00+02:00", "2024-10-27T03:00:00+01:00"),
        # Ending in that hour: 90 minutes that pass, the second 02:15.
        ("01:45", "90m", "2024-10-27T01:45:00+02:00", "2024-10-27T02:15:00+01:00"),
        # Across the gap: 90 minutes that pass end at 04:00 CEST, not at 03:00.
        ("01:30", "90m", "2024-03-31T01:30:00+01:00", "2024-03-31T04:00:00+02:00"),
    ],
    ids=["starts in the hour that happens twice", "ends in it", "lasts across the gap"],
)
def test_a_session_at_a_change_of_the_clocks(time: str, duration: str, start: str, end: str):
    day = start[:10]
    plan = parse_plan(BASE + f'  - date: {day}\n    time: "{time}"\n    duration: {duration}\n')
    session = plan.session(day)
    assert session is not None
    assert (session.start.isoformat(), session.end.isoformat()) == (start, end)
    assert session.end.timestamp() - session.start.timestamp() == 90 * 60  # time that passes
    twice = [w.message for w in plan_warnings(plan, session.date - timedelta(days=30))]
    if time == "02:30":
        assert (
            "02:30 on 2024-10-27 happens twice in Europe/Berlin (the clocks go back that night);"
            " it is read as the first time, 02:30 CEST, as calendars read it (RFC 5545)"
        ) in twice


# -- mails due at a change of the clocks, through a real SMTP server ---------------------------


@pytest.fixture
def night(mailer: Mailer, smtp_pipelining: RecordingHandler) -> Mailer:
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    mailer.add("anna@example.org")
    return mailer


def sent(handler: RecordingHandler) -> list[str]:
    return [m.message["Subject"] for m in handler.messages]


# (the session listed, its topic, ticks: (moment, the starts of the subjects of the mails
# about it that the tick sends)). The first tick sends what was due before.
DUE = {
    "the 1h reminder of a session just after the gap goes out at 01:30": (
        '  - date: 2024-03-31\n    time: "03:30"\n    topic: Frühschicht\n', "Frühschicht",
        [("2024-03-30T04:00", ["Erinnerung: Digital-Impuls morgen um 03:30 Uhr"]),
         ("2024-03-31T01:29", []),
         ("2024-03-31T01:30", ["Erinnerung: Digital-Impuls heute um 03:30 Uhr"])],
    ),
    "an announcement due in the gap goes out at 03:30, as RFC 5545 reads 02:30": (
        '  - date: 2024-04-14\n    time: "02:30"\n    topic: Nachtschicht\n', "Nachtschicht",
        [("2024-03-31T01:59", []), ("2024-03-31T03:00", []),
         ("2024-03-31T03:30", ["Digital-Impuls am 14. April"])],
    ),
    "the 1h reminder in the hour that happens twice waits for the second 02:15": (
        '  - date: 2024-10-27\n    time: "03:15"\n    topic: Zeitumstellung\n', "Zeitumstellung",
        [("2024-10-26T03:30", ["Erinnerung: Digital-Impuls morgen um 03:15 Uhr"]),
         ("2024-10-27T02:20+02:00", []),
         ("2024-10-27T02:20+01:00", ["Erinnerung: Digital-Impuls heute um 03:15 Uhr"])],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", DUE)
def test_mail_due_at_a_change_of_the_clocks_goes_out_at_the_right_moment(
    night: Mailer, smtp_pipelining: RecordingHandler, name: str
) -> None:
    entry, topic, ticks = DUE[name]
    night.write_plan(STARTER + entry)
    for moment, subjects in ticks:
        before = len(smtp_pipelining.messages)
        night("tick", "--now", moment)
        new = [s for s in sent(smtp_pipelining)[before:] if topic in s]
        assert len(new) == len(subjects), (moment, new)
        for subject, expected in zip(new, subjects, strict=True):
            assert subject.startswith(expected), (moment, subject)
    last = smtp_pipelining.messages[-1].message
    if last["Subject"].startswith("Erinnerung: Digital-Impuls heute"):
        assert "in einer Stunde" in last.get_body(("plain",)).get_content()


def test_a_session_across_the_gap_says_its_real_end_and_an_end_in_the_overlap_is_utc(
    night: Mailer, smtp_pipelining: RecordingHandler
) -> None:
    night.write_plan(
        STARTER
        + '  - date: 2024-03-31\n    time: "01:30"\n    topic: Quer\n'
        + '  - date: 2024-10-27\n    time: "01:45"\n    topic: Doppelt\n'
    )
    night("tick", "--now", "2024-03-17T01:30")
    night("tick", "--now", "2024-10-13T01:45")
    across, twice = (m.message for m in smtp_pipelining.messages)
    text = across.get_body(("plain",)).get_content()
    assert "Sonntag, 31. März 2024, 01:30 Uhr bis 04:00 Uhr" in text
    event = Calendar.from_ical(
        next(p for p in twice.walk() if p.get_content_type() == "text/calendar").get_payload(
            decode=True
        )
    ).walk("VEVENT")[0]
    assert event["DTEND"].to_ical() == b"20241027T011500Z"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    assert event.decoded("DTSTART") == datetime(2024, 10, 27, 1, 45, tzinfo=BERLIN)
