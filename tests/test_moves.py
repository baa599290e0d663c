"""A session moved more than once (issue 23, item 4): the update names the date members
last got and keeps topic and guests, or `check` refuses with the line and what to write.
Never an update that keeps the old date or loses the topic. Every mail here crossed the
socket of a real SMTP server."""

from __future__ import annotations

from datetime import date, datetime, time
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.conftest import STARTER, Mailer
from tests.smtpserver import RecordingHandler

BERLIN = ZoneInfo("Europe/Berlin")
MEMBERS = ("anna@example.org", "ben@example.org", "cem@example.org")
OCTOBER = "  - date: 2023-10-05\n"
TOPIC = "Kommunalfinanzen – für die Würde unserer Städte"
ANNOUNCED = "2023-09-21T16:00"  # 14 days before 5 October


@pytest.fixture
def club(mailer: Mailer, smtp_pipelining: RecordingHandler) -> Mailer:
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    mailer.add(*MEMBERS)
    return mailer


def moved(*entries: str) -> str:
    """The starter plan with the 5 October entry's first line replaced by `entries`."""
    return STARTER.replace(OCTOBER, "".join(entries), 1)


def to(day: str, moved_from: str) -> str:
    return f"  - date: {day}\n    moved_from: {moved_from}\n"


def line_of(text: str, entry: str) -> int:
    return text[: text.index(entry)].count("\n") + 1


def calendar_event(message: EmailMessage):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return body.get_content()


# Each: the moves (plan text, tick time), then what the last update says. The session was
# first planned on 5 October and announced on 21 September.
CHAINS = {
    "moved_from names the date in between": (
        [(to("2023-10-12", "2023-10-05"), "2023-09-22T09:00"),
         (to("2023-10-19", "2023-10-12"), "2023-09-23T09:00")],
        "Donnerstag, 12. Oktober 2023", "Donnerstag, 19. Oktober", 2, date(2023, 10, 19),
    ),
    "moved_from names a later date (moved back before the first)": (
        [(to("2023-10-12", "2023-10-05"), "2023-09-22T09:00"),
         (to("2023-09-28", "2023-10-12"), "2023-09-23T09:00")],
        "Donnerstag, 12. Oktober 2023", "Donnerstag, 28. September", 2, date(2023, 9, 28),
    ),
    "three moves, each naming the date before": (
        [(to("2023-10-12", "2023-10-05"), "2023-09-22T09:00"),
         (to("2023-10-19", "2023-10-12"), "2023-09-23T09:00"),
         (to("2023-10-26", "2023-10-19"), "2023-09-24T09:00")],
        "Donnerstag, 19. Oktober 2023", "Donnerstag, 26. Oktober", 3, date(2023, 10, 26),
    ),
    "moved_from names the first date, as the README asks": (
        [(to("2023-10-12", "2023-10-05"), "2023-09-22T09:00"),
         (to("2023-10-19", "2023-10-05"), "2023-09-23T09:00")],
        "Donnerstag, 12. Oktober 2023", "Donnerstag, 19. Oktober", 2, date(2023, 10, 19),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", CHAINS)
def test_a_session_moved_again_is_one_update_from_the_date_members_last_got(
    club: Mailer, smtp_pipelining: RecordingHandler, name: str
) -> None:
    moves, before, after, sequence, day = CHAINS[name]
    club("tick", "--now", ANNOUNCED)
    announced = len(smtp_pipelining.messages)
    for entry, moment in moves:
        sent = len(smtp_pipelining.messages)
        club.write_plan(moved(entry))
        assert "ok" in club("check", "--now", moment).stdout
        club("tick", "--now", moment)
        mails = [m.message for m in smtp_pipelining.messages[sent:]]
        # One update per member, and nothing else: no new session, no word about 5 October.
        assert len(mails) == len(MEMBERS), [m["Subject"] for m in mails]
        assert all(m["Subject"].startswith("Neuer Termin:") for m in mails)
    assert announced == len(MEMBERS)
    last = next(
        m.message for m in reversed(smtp_pipelining.messages) if m.rcpt_tos == ["anna@example.org"]
    )
    assert last["Subject"] == f"Neuer Termin: Digital-Impuls jetzt am {after}, 16:00 Uhr"
    text = text_of(last)
    assert f"Datum: {before} -> jetzt: {after} 2023" in text
    changes = text.split("So sieht der Termin jetzt aus")[0]
    assert "Thema:" not in changes and "Gäste:" not in changes  # topic and guests kept
    assert TOPIC in text and "Aktionsbündnisses" in text
    event = calendar_event(last)
    assert str(event["UID"]).startswith("2023-10-05@")
    assert int(event["SEQUENCE"]) == sequence
    assert event.decoded("DTSTART") == datetime.combine(day, time(16), BERLIN)
    # The session is one in the plan, under the key it was first planned on.
    october = [s for s in club.json("plan", "--now", moves[-1][1]) if s["topic"] == TOPIC]
    assert len(october) == 1


FIRST_MOVE = to("2023-10-12", "2023-10-05")
UNPLACED = (
    "moved_from: {named} is no date a session of this series was first planned on or held on;"
    " moved_from names the date the session was first planned on (for a session moved twice,"
    " still that first date): write moved_from: 2023-10-05, the session members last got for"
    " {last}, „" + TOPIC + "“, which this plan no longer lists"
)
# Each: the plan ticked before (None: only the announcement), the plan then written, the
# entry whose line is named, and the sentence.
REFUSED = {
    "two moves before a tick saw the first": (
        None, moved(to("2023-10-19", "2023-10-12")), to("2023-10-19", "2023-10-12"),
        UNPLACED.format(named="2023-10-12", last="2023-10-05"),
    ),
    "a typo in the date in between": (
        moved(FIRST_MOVE), moved(to("2023-10-19", "2023-10-13")), to("2023-10-19", "2023-10-13"),
        UNPLACED.format(named="2023-10-13", last="2023-10-12"),
    ),
    "a cycle: two entries naming each other's dates": (
        moved(FIRST_MOVE),
        moved(to("2023-10-19", "2023-10-26"), to("2023-10-26", "2023-10-19")),
        to("2023-10-19", "2023-10-26"),
        UNPLACED.format(named="2023-10-26", last="2023-10-12"),
    ),
    "two entries of one session": (
        moved(FIRST_MOVE), moved(FIRST_MOVE, to("2023-10-19", "2023-10-12")),
        to("2023-10-19", "2023-10-12"),
        "moved_from: 2023-10-12 on line {line} is where the session first planned on"
        " 2023-10-05 was held after a move, and the entry on line {other} is that session"
        " too; write one entry per session",
    ),
    "its own date": (
        None, moved(to("2023-10-12", "2023-10-12")), "    moved_from: 2023-10-12\n",
        "moved_from: 2023-10-12 is this session's own date; moved_from names the date the"
        " session was first planned on: write that date, or remove moved_from",
    ),
    "a date a year away": (
        None, moved(to("2023-10-12", "2022-10-06")), "    moved_from: 2022-10-06\n",
        "moved_from: 2022-10-06 is more than a year from 2023-10-12; moved_from names the date"
        " this session was first planned on (was the entry copied from an earlier plan?)",
    ),
    "a date listed as cancelled": (
        None, moved("  - date: 2023-10-05\n    cancelled: true\n", FIRST_MOVE), FIRST_MOVE,
        "moved_from: 2023-10-05 on line {line} names the session on line {other}, which is"
        " cancelled; a session is either cancelled or moved: to move it, remove the entry on"
        " line {other} (members get one update with the new date); to cancel it and plan"
        " another session, remove moved_from on line {line}",
    ),
    "a date still listed": (
        None, STARTER + FIRST_MOVE + "    topic: Noch ein Termin\n", FIRST_MOVE,
        "moved_from: 2023-10-05 on line {line} names the session on line {other}, which is"
        " still listed on 2023-10-05: to move that session, change its date and write"
        " moved_from there; for another session on 2023-10-12, remove moved_from on line"
        " {line}",
    ),
    "two sessions moved from one date": (
        None, moved(FIRST_MOVE, to("2023-10-19", "2023-10-05")), to("2023-10-19", "2023-10-05"),
        "two sessions say moved_from: 2023-10-05 (lines {other} and {line}); a session moves"
        " from its date only once: keep moved_from on the one that takes the place of the"
        " session of 2023-10-05, and remove it from the other (a new session)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", REFUSED)
def test_a_move_that_cannot_be_placed_is_refused_with_the_line_and_what_to_write(
    club: Mailer, smtp_pipelining: RecordingHandler, name: str
) -> None:
    ticked, plan, entry, sentence = REFUSED[name]
    club("tick", "--now", ANNOUNCED)
    if ticked is not None:
        club.write_plan(ticked)
        club("tick", "--now", "2023-09-22T09:00")
    sent = len(smtp_pipelining.messages)
    club.write_plan(plan)
    line = line_of(plan, entry)
    others = [
        line_of(plan, e) for e in (OCTOBER, FIRST_MOVE) if e in plan and line_of(plan, e) != line
    ]
    expected = "schedule.yaml:{line}: " + sentence
    expected = expected.format(line=line, other=others[0] if others else None)
    for command in (("check",), ("tick", "--now", "2023-09-23T09:00")):
        result = club(*command, ok=False)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.splitlines() == [expected]
    assert len(smtp_pipelining.messages) == sent  # nothing half-sent
