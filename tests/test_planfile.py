"""schedule.yaml: every mistake named with its line, and the plan it describes."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailer.errors import PlanError
from mailer.planfile import parse_plan, plan_warnings
from tests.conftest import STARTER

BERLIN = ZoneInfo("Europe/Berlin")

BASE = """\
series:
  name: Digital-Impuls
  timezone: Europe/Berlin
  time: "16:00"
  duration: 90m
  join_url: https://zoom.us/j/123
  recurrence: FREQ=MONTHLY;BYDAY=+1TH
sender:
  from: Digital-Impuls <impuls@example.org>
  reply_to: themen@example.org
emails:
  announcement: 14d
  reminders: [1d, 1h]
sessions:
  - date: 2023-09-07
    topic: Kommunale Wärmeplanung
    guests:
      - name: Julia Stolzenberger
        role: Seniorexpertin
"""


def error_of(text: str) -> PlanError:
    with pytest.raises(PlanError) as caught:
        parse_plan(text)
    return caught.value


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ('  time: "16:00"\n', '  time: "16:00\n', 4, "a quote opened on this line is never closed"),
        (
            "    topic: Kommunale Wärmeplanung\n",
            "    topic: Wärmeplanung: was jetzt zu tun ist\n",
            16,
            "the text after 'topic:' holds a colon and a space, which YAML reads as a new key;"
            ' put the text in quotes: topic: "Wärmeplanung: was jetzt zu tun ist"',
        ),
        (
            "    topic: Kommunale Wärmeplanung\n",
            "\ttopic: Kommunale Wärmeplanung\n",
            16,
            "this line is indented with a tab; YAML needs spaces: replace the tab with spaces",
        ),
        (
            "      - name: Julia Stolzenberger\n",
            "      -name: Julia Stolzenberger\n",
            18,
            "a '-' that starts a list entry needs a space after it: write '- ' (dash, space)",
        ),
        (
            "  - date: 2023-09-07\n",
            "  -date: 2023-09-07\n",
            15,
            "a '-' that starts a list entry needs a space after it",
        ),
        ("  timezone: Europe/Berlin\n", "  timezon: Europe/Berlin\n", 3, "did you mean 'timezone'"),
        ("    topic: Kommunale", "    topik: Kommunale", 16, "did you mean 'topic'"),
        ("  reminders: [1d, 1h]\n", "  reminders: {a: 1}\n", 13, "must be a list"),
        (
            "    guests:\n      - name: Julia Stolzenberger\n        role: Seniorexpertin\n",
            "    guests: 5\n",
            17,
            "guests must be a list",
        ),
        (
            "  - date: 2023-09-07\n",
            "  - date: 2023-02-30\n",
            15,
            "2023-02-30 is not a date that exists",
        ),
        ("  - date: 2023-09-07\n", "  - date: next week\n", 15, "must be a date like"),
        ("  timezone: Europe/Berlin\n", "  timezone: Europe/Bärlin\n", 3, "is not a time zone"),
        (
            "  join_url: https://zoom.us/j/123\n",
            "  join_url: http://zoom.us/j/123\n",
            6,
            "must be an https:// link",
        ),
        ('  time: "16:00"\n', '  time: "25:00"\n', 4, "is not a time of day"),
        ("  duration: 90m\n", "  duration: ninety\n", 5, "must be a duration like"),
        (
            "  reminders: [1d, 1h]\n",
            "  reminders: [14d, 1h]\n",
            13,
            "must be shorter than the announcement",
        ),
        (
            "  reminders: [1d, 1h]\n",
            "  reminders: [15d]\n",
            13,
            "must be shorter than the announcement",
        ),
        ("  reply_to: themen@example.org\n", "  reply_to: themen@\n", 10, "is not a mail address"),
        (
            "  reply_to: themen@example.org\n",
            "  reply_to: themen@example.org\n  password: hunter2\n",
            11,
            "looks like a password",
        ),
        (
            "  recurrence: FREQ=MONTHLY;BYDAY=+1TH\n",
            "  recurrence: FREQ=SOMETIMES\n",
            7,
            "not an RFC 5545 rule",
        ),
        (
            "    topic: Kommunale Wärmeplanung\n",
            "    topic: Kommunale Wärmeplanung\n    cancelled: maybe\n",
            17,
            "true or false",
        ),
    ],
)
def test_every_mistake_names_its_line(old: str, new: str, line: int, words: str) -> None:
    assert old in BASE
    error = error_of(BASE.replace(old, new, 1))
    assert error.line == line, str(error)
    assert words in str(error)
    assert str(error).startswith(f"schedule.yaml:{line}: ")


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        pytest.param(
            "  join_url: https://zoom.us/j/123\n",
            "  join_url: https://[zoom.us/j/123\n",
            6,
            "series.join_url must be an https:// link, not 'https://[zoom.us/j/123'",
            id="join-url-ipv6-bracket-never-closed",
        ),
        pytest.param(
            "  join_url: https://zoom.us/j/123\n",
            "  join_url: https://zoom\uff03us/j/1\n",
            6,
            "series.join_url must be an https:// link",
            id="join-url-host-nfkc-changes",
        ),
        pytest.param(
            "sender:\n",
            "web:\n  base_url: https://[::1\nsender:\n",
            9,
            "web.base_url must be an https:// address",
            id="base-url-ipv6-bracket",
        ),
        pytest.param(
            "sender:\n",
            "smtp:\n  url: smtp://[mail.example.org:587\nsender:\n",
            9,
            "smtp.url must start with",
            id="smtp-url-ipv6-bracket",
        ),
        pytest.param(
            "    topic: Kommunale Wärmeplanung\n",
            '    topic: "Wärme\\aplanung"\n',
            16,
            "topic holds the character U+0007, which no mail can carry",
            id="topic-bell-escape",
        ),
        pytest.param(
            "    topic: Kommunale Wärmeplanung\n",
            '    topic: "Wärme\\x00planung"\n',
            16,
            "topic holds the character U+0000",
            id="topic-nul-escape",
        ),
        pytest.param(
            "    topic: Kommunale Wärmeplanung\n",
            '    topic: Kommunale Wärmeplanung\n    description: "a\\nb\\x7f"\n',
            17,
            "description holds the character U+007F",
            id="description-del-escape",
        ),
        pytest.param(
            "      - name: Julia Stolzenberger\n",
            '      - name: "Julia\\x9b"\n',
            18,
            "a guest's name holds the character U+009B",
            id="guest-c1-control-escape",
        ),
        pytest.param(
            "    topic: Kommunale Wärmeplanung\n",
            '    topic: "x\\uffff"\n',
            16,
            "topic holds the character U+FFFF",
            id="topic-noncharacter-escape",
        ),
        pytest.param(
            "      - name: Julia Stolzenberger\n",
            "      - name: ''\n",
            18,
            "a guest needs 'name:'",
            id="guest-name-quoted-empty",
        ),
        pytest.param(
            "      - name: Julia Stolzenberger\n        role: Seniorexpertin\n",
            '      - ""\n',
            18,
            "a guest needs 'name:'",
            id="guest-written-as-an-empty-text",
        ),
    ],
)
def test_text_no_mail_can_carry_and_links_urlsplit_refuses_are_mistakes(
    old: str, new: str, line: int, words: str
) -> None:
    """Two kinds that reached the reader's callers as a ValueError (a traceback) or as a
    character no header can carry: links urllib cannot split, and controls brought in by
    a double-quoted escape."""
    assert old in BASE
    error = error_of(BASE.replace(old, new, 1))
    assert (error.line, words in str(error)) == (line, True), str(error)


def test_a_text_that_is_a_broken_link_is_only_text() -> None:
    """Where the plan wants a text, a broken link is text (it carries no password)."""
    plan = parse_plan(BASE.replace(
        "    topic: Kommunale Wärmeplanung\n",
        "    topic: https://[alt\n    description: https://ex\uff03ample.org/folien\n",
    ))  # fmt: skip
    assert (plan.listed[0].topic, plan.listed[0].description) == (
        "https://[alt", "https://ex\uff03ample.org/folien",
    )  # fmt: skip


def test_two_sessions_on_one_date_name_both_lines() -> None:
    error = error_of(BASE + "  - date: 2023-09-07\n    topic: again\n")
    assert error.line == 20
    assert "two sessions on 2023-09-07" in str(error) and "line 15" in str(error)


def test_a_password_in_a_server_url_is_refused() -> None:
    error = error_of(BASE + "smtp:\n  url: smtp+starttls://user:secret@mail.example.org:587\n")
    assert error.line == 21 and "carries a password" in str(error)


def test_sessions_of_the_wrong_type() -> None:
    error = error_of(BASE.split("sessions:")[0] + "sessions: 5\n")
    assert (error.line, "sessions must be a list") == (14, str(error).split(": ", 1)[1])


def test_missing_section_and_empty_file() -> None:
    assert "'sender:' is missing" in str(error_of(BASE.split("sender:")[0]))
    assert "the file is empty" in str(error_of(""))


def test_a_time_written_without_quotes_is_still_a_time() -> None:
    # YAML 1.1 would read 16:00 as the number 960; the plan reads the text.
    plan = parse_plan(BASE.replace('time: "16:00"', "time: 16:00"))
    assert plan.series.time.hour == 16


def test_starter_plan_has_the_digital_impuls_sessions() -> None:
    plan = parse_plan(STARTER)
    sessions = plan.sessions_between(date(2023, 9, 1), date(2023, 11, 30))
    assert [s.date for s in sessions] == [date(2023, 9, 7), date(2023, 10, 5), date(2023, 11, 2)]
    assert sessions[0].topic == "Kommunale Wärmeplanung"
    assert sessions[0].guests[0].name == "Julia Stolzenberger"
    assert "Kompetenzzentrum Kommunale Wärmewende" in (sessions[0].guests[0].role or "")
    assert "Würde unserer Städte" in (sessions[1].topic or "")
    assert "Künstliche Intelligenz" in (sessions[2].topic or "")


def test_a_year_of_recurrence_across_daylight_saving_with_a_cancelled_occurrence() -> None:
    plan = parse_plan(STARTER)
    year = plan.sessions_between(date(2025, 7, 1), date(2026, 6, 30))
    assert len(year) == 12
    assert all(s.date.weekday() == 3 and s.date.day <= 7 for s in year)
    # 16:00 local on both sides of the change: +02:00 in summer, +01:00 in winter.
    assert all(s.start.hour == 16 and s.start.minute == 0 for s in year)
    offsets = {s.start.utcoffset() for s in year}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}
    assert [s.end - s.start for s in year] == [timedelta(minutes=90)] * 12
    january = next(s for s in year if s.date == date(2026, 1, 1))
    assert january.cancelled
    assert [s for s in year if s.cancelled] == [january]


def test_a_listed_session_with_its_own_time_and_a_moved_session() -> None:
    text = (
        BASE
        + '  - date: 2023-10-12\n    moved_from: 2023-10-05\n    time: "17:00"\n    topic: Finanzen\n'
    )
    plan = parse_plan(text)
    october = plan.sessions_between(date(2023, 10, 1), date(2023, 10, 31))
    assert [(s.date, s.key, s.start.hour) for s in october] == [
        (date(2023, 10, 12), "2023-10-05", 17)
    ]
    assert plan.session("2023-10-05") == october[0] == plan.session("2023-10-12")
    assert not [w for w in plan_warnings(plan, date(2023, 8, 1)) if "recurrence" in w.message]


def test_check_warns_about_an_unannounced_move_and_a_public_holiday() -> None:
    plan = parse_plan(BASE + "  - date: 2023-10-12\n    topic: Finanzen\n")
    messages = [w.message for w in plan_warnings(plan, date(2023, 8, 1))]
    assert any("2023-10-12 is not a date of the recurrence" in m for m in messages)
    assert not any("Neujahr" in m for m in messages)
    later = plan_warnings(plan, date(2025, 12, 1))
    assert any(
        "2026-01-01 is a public holiday" in w.message and "Neujahr" in w.message for w in later
    )


def test_line_breaks_in_a_name_never_survive_into_the_plan() -> None:
    text = BASE.replace(
        "      - name: Julia Stolzenberger\n", '      - name: "Julia\\r\\nBcc: evil@example.org"\n'
    )
    plan = parse_plan(text)
    name = plan.listed[0].guests[0].name
    assert "\n" not in name and "\r" not in name
    assert name == "Julia Bcc: evil@example.org"


def test_session_start_and_local_reading_of_naive_moments() -> None:
    plan = parse_plan(BASE)
    session = plan.listed[0]
    assert session.start == datetime(2023, 9, 7, 16, 0, tzinfo=BERLIN)
    assert plan.local(datetime(2023, 9, 7, 16, 0)) == session.start


# Plans that hung, ate memory or crashed before: each must be one line naming its line,
# within a second, through the real command.
ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)},"
              f" *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)},"
              f" *{chr(97 + n)}]\n" for n in range(8))
)  # fmt: skip
HOSTILE = {
    "alias bomb": (ALIAS_BOMB.encode() + BASE.encode(), 2, "repeats a value from elsewhere"),
    "recursive alias": (
        BASE.replace("  topic: Kommunale Wärmeplanung", "  topic: &t [*t]").encode(),
        None, "repeats a value from elsewhere",
    ),
    "interval 0": (BASE.replace("+1TH", "+1TH;INTERVAL=0").encode(), 7, "INTERVAL must be"),
    "minutely": (BASE.replace("FREQ=MONTHLY", "FREQ=MINUTELY").encode(), 7,
                 "several sessions a day"),
    "hourly": (BASE.replace("FREQ=MONTHLY", "FREQ=HOURLY").encode(), 7, "several sessions a day"),
    "byhour": (BASE.replace("+1TH", "+1TH;BYHOUR=9,16").encode(), 7, "BYHOUR is not needed"),
    "30 February": (
        BASE.replace("FREQ=MONTHLY;BYDAY=+1TH", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30").encode(),
        7, "never falls on a date",
    ),
    "31 April, daily": (
        BASE.replace("FREQ=MONTHLY;BYDAY=+1TH", "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31").encode(),
        7, "never falls on a date",
    ),
    "year 9999": (BASE.replace("2023-09-07", "9999-12-31").encode(), 15,
                  "not between the years 1970 and 2999"),
    "endless duration": (BASE.replace("announcement: 14d", "announcement: 99999999999d").encode(),
                         12, "longer than a year"),
    "not UTF-8": (BASE.replace("Wärmeplanung", "W\udce4rmeplanung").encode("utf-8", "surrogateescape"),
                  16, "not UTF-8"),
    "NUL": (BASE.replace("Wärmeplanung", "Wärme\0planung").encode(), 16, "NUL"),
}  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_plan_is_one_line_within_a_second(mailer, name: str) -> None:
    data, line, words = HOSTILE[name]
    mailer.config.write_bytes(data)
    started = time.monotonic()
    result = mailer("check", ok=False)
    assert time.monotonic() - started < 1.5
    assert result.exit_code == 1 and "Traceback" not in result.output
    (sentence,) = result.stderr.splitlines()
    prefix = f"schedule.yaml:{line}: " if line else "schedule.yaml:"
    assert sentence.startswith(prefix), sentence
    assert words in sentence


def test_until_in_rfc_5545_utc_form_is_read_in_the_series_zone() -> None:
    plan = parse_plan(BASE.replace("+1TH", "+1TH;UNTIL=20231102T150000Z"))
    days = [s.date for s in plan.sessions_between(date(2023, 9, 1), date(2024, 3, 1))]
    # 15:00 UTC is 16:00 in Berlin on 2 November: that session is still in.
    assert days == [date(2023, 9, 7), date(2023, 10, 5), date(2023, 11, 2)]


def test_the_salutation_form_is_one_of_three() -> None:
    plan = parse_plan(
        BASE.replace(
            "  timezone: Europe/Berlin\n", "  timezone: Europe/Berlin\n  salutation: Sie\n"
        )
    )
    assert plan.series.salutation == "sie"
    error = error_of(
        BASE.replace(
            "  timezone: Europe/Berlin\n", "  timezone: Europe/Berlin\n  salutation: ihr\n"
        )
    )
    assert (
        str(error)
        == "schedule.yaml:4: series.salutation must be one of du, sie, neutral, not 'ihr'"
    )


@pytest.mark.parametrize(
    ("name", "genitive", "expected"),
    [
        ("Digital-Impuls", None, "Digital-Impulses"),
        ("Stammtisch", None, "Stammtischs"),
        ("Kommunalforum", None, "Kommunalforums"),
        ("Netzwerk junger Bürgermeister", None, "Netzwerk junger Bürgermeister"),
        ("Werkstatt", "Werkstatt", "Werkstatt"),
        ("Impuls 2030", None, "Impuls 2030"),
    ],
)
def test_the_series_name_after_des(name: str, genitive: str | None, expected: str) -> None:
    text = BASE.replace("  name: Digital-Impuls\n", f"  name: {name}\n")
    if genitive:
        text = text.replace("  timezone:", f"  genitive: {genitive}\n  timezone:", 1)
    assert parse_plan(text).series.name_genitive == expected


# -- the slips people make editing YAML by hand (issue 23, item 20) --------------------------

TWO = BASE + "  - date: 2023-10-05\n    topic: Finanzen\n"  # lines 20 and 21
TOPIC = "    topic: Finanzen\n"
ROLE = "        role: Seniorexpertin\n"
SECOND = "  - date: 2023-10-05\n"
LINE_UP = "YAML counts the spaces, and keys that belong together start in the same column"
# (what is written instead, the line named, the whole sentence after "schedule.yaml:LINE: ")
SLIPS = {
    "key indented too far": (
        ("    topic: Kommunale Wärmeplanung\n", "      topic: Kommunale Wärmeplanung\n"), 16,
        f"'topic:' is indented by 6 spaces and 'date:' on line 15 by 4 spaces: {LINE_UP};"
        " indent 'topic:' by 4 spaces",
    ),
    "key one space too little": (
        ("    topic: Kommunale Wärmeplanung\n", "   topic: Kommunale Wärmeplanung\n"), 16,
        f"'topic:' is indented by 3 spaces and 'date:' on line 15 by 4 spaces: {LINE_UP};"
        " indent 'topic:' by 4 spaces",
    ),
    "key in the column of the dash": (
        ("    topic: Kommunale Wärmeplanung\n", "  topic: Kommunale Wärmeplanung\n"), 16,
        f"'topic:' is indented by 2 spaces and 'date:' on line 15 by 4 spaces: {LINE_UP};"
        " indent 'topic:' by 4 spaces (beside 'date:' on line 15), or write '- ' before it if"
        " a new entry starts here",
    ),
    "guest's key one space too little": (
        (ROLE, "       role: Seniorexpertin\n"), 19,
        f"'role:' is indented by 7 spaces and 'name:' on line 18 by 8 spaces: {LINE_UP};"
        " indent 'role:' by 8 spaces",
    ),
    "entry's dash too far left": (
        (SECOND, " - date: 2023-10-05\n"), 20,
        "this '-' is indented by 1 space and the '-' on line 15 by 2 spaces: YAML counts the"
        " spaces, and the entries of one list start in the same column; indent this '-' by 2"
        " spaces",
    ),
    "entry's dash too far right": (
        (SECOND, "   - date: 2023-10-05\n"), 20,
        "this '-' is indented by 3 spaces and the '-' on line 15 by 2 spaces: YAML counts the"
        " spaces, and the entries of one list start in the same column; indent this '-' by 2"
        " spaces",
    ),
    "section indented": (
        ("sessions:\n", " sessions:\n"), 14,
        f"'sessions:' is indented by 1 space and 'reminders:' on line 13 by 2 spaces: {LINE_UP};"
        " indent 'sessions:' by 2 spaces (beside 'reminders:' on line 13) or by 0 spaces"
        " (beside 'emails:' on line 11)",
    ),
    "forgotten dash": (
        (SECOND, "    date: 2023-10-05\n"), 20,
        "'date:' is given a second time in the entry that starts on line 15: a new list entry"
        " starts with '- ' (dash, space); write '- date: 2023-10-05', with the dash in the"
        " column of the dash on line 15",
    ),
    "forgotten dash of a guest": (
        (ROLE, ROLE + "        name: Ben Wagner\n"), 20,
        "'name:' is given a second time in the entry that starts on line 18: a new list entry"
        " starts with '- ' (dash, space); write '- name: Ben Wagner', with the dash in the"
        " column of the dash on line 18",
    ),
    "a key twice": (
        (TOPIC, TOPIC + "    topic: Haushalt\n"), 22,
        "'topic:' is given twice (first on line 21); keep one of them",
    ),
    "key without its space": (
        (TOPIC, "    topic:Finanzen\n"), 21, "a ':' after a key needs a space: write 'topic: Finanzen'",
    ),
    "key without its colon": (
        (TOPIC, "    topic Finanzen\n"), 21,
        "'topic' needs a colon and a space after it: write 'topic: Finanzen'",
    ),
    "key with '='": (
        (TOPIC, "    topic = Finanzen\n"), 21,
        "'topic' needs a colon and a space after it: write 'topic: Finanzen'",
    ),
    "text on the line below its key": (
        (TOPIC, "    topic:\n    Finanzen\n"), 22,
        "this line has no key (a word, a colon and a space) in front of its text; if it goes on"
        " with the text after 'topic:' on line 21, indent it further than 'topic:', or put all"
        " of the text in quotes on one line",
    ),
    "tab after the colon": (
        (TOPIC, "    topic:\tFinanzen\n"), 21,
        "a tab follows 'topic:'; YAML needs a space there: replace the tab with a space",
    ),
    "non-breaking space": (
        (TOPIC, "\u00a0   topic: Finanzen\n"), 21,
        "this line is indented with a non-breaking space (U+00A0, copied from a web page or a"
        " word processor); YAML needs plain spaces: retype the indentation",
    ),
    "quoted start, text after": (
        (TOPIC, '    topic: "Finanzen" im Blick\n'), 21,
        "the text after 'topic:' begins with a quote, so YAML reads only up to its end and not"
        " the rest; put all of the text in quotes: topic: '\"Finanzen\" im Blick'",
    ),
    "quotes inside quotes": (
        (TOPIC, '    topic: "Finanzen: "Neu""\n'), 21,
        "a text in quotes must not hold the same quote mark; write topic: 'Finanzen: \"Neu\"'",
    ),
    "bracket start": (
        (TOPIC, "    topic: [Teil 1] Finanzen\n"), 21,
        "the text after 'topic:' begins with '[', so YAML reads only up to its end and not the"
        ' rest; put all of the text in quotes: topic: "[Teil 1] Finanzen"',
    ),
    "@ start": (
        (TOPIC, "    topic: @Finanzen\n"), 21,
        "a text cannot begin with '@' in YAML (it is reserved); put the text in quotes:"
        ' topic: "@Finanzen"',
    ),
    "* start": (
        (TOPIC, "    topic: *Finanzen* im Blick\n"), 21,
        "a text cannot begin with '*' in YAML (it marks an alias, a value repeated from"
        ' elsewhere); put the text in quotes: topic: "*Finanzen* im Blick"',
    ),
    "& start": (
        (TOPIC, "    topic: &Co Finanzen\n"), 21,
        "a text cannot begin with '&' in YAML (it marks an anchor, a name for the value); put"
        ' the text in quotes: topic: "&Co Finanzen"',
    ),
    "! start": (
        (TOPIC, "    topic: !wichtig Finanzen\n"), 21,
        "a text cannot begin with '!' in YAML (it marks a tag, a type for the value); put the"
        ' text in quotes: topic: "!wichtig Finanzen"',
    ),
    "| start": (
        (TOPIC, "    topic: | Finanzen\n"), 21,
        "a text cannot begin with '|' in YAML (it announces a text on the lines below); put"
        ' the text in quotes: topic: "| Finanzen"',
    ),
    "'- ' start": (
        (TOPIC, "    topic: - Finanzen\n"), 21,
        "a text cannot begin with '-' in YAML (it starts a list); put the text in quotes:"
        ' topic: "- Finanzen"',
    ),
    "unclosed bracket": (
        ("  reminders: [1d, 1h]\n", "  reminders: [1d, 1h\n"), 13,
        "a '[' opened on this line is never closed; end the list with ']'",
    ),
    "a second document": (
        (TOPIC, TOPIC + "---\n"), 22,
        "a line '---' starts a second document here, and the file is one document: remove this"
        " line",
    ),
    "dash glued to a key": (
        (TOPIC, TOPIC + "    -guests:\n"), 22,
        "a '-' that starts a list entry needs a space after it: write '- ' (dash, space)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", SLIPS)
def test_a_slip_in_the_yaml_is_explained_with_what_to_write(name: str) -> None:
    (old, new), line, sentence = SLIPS[name]
    assert old in TWO
    error = error_of(TWO.replace(old, new, 1))
    assert str(error) == f"schedule.yaml:{line}: {sentence}"


def test_check_explains_a_slip_in_one_line(mailer) -> None:
    mailer.write_plan(TWO.replace(SECOND, "    date: 2023-10-05\n"))
    result = mailer("check", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines() == [f"schedule.yaml:20: {SLIPS['forgotten dash'][2]}"]


# -- a '#' that cuts a text short (issue 23, item 5) ------------------------------------------

KEEP = "(a comment that is meant goes two spaces after the text: '  # ...')"
# (what is written instead, the line, the text as read, the warning or None for a comment)
HASHES = {
    "topic '#2'": (
        (TOPIC, "    topic: Smart City #2 mit Gast\n"), 21, "Smart City",
        "topic ends at 'Smart City': YAML reads ' #' as the start of a comment, so '#2 mit Gast'"
        f' is left out; to keep it, put the text in quotes: topic: "Smart City #2 mit Gast" {KEEP}',
    ),
    "topic, one space before '# '": (
        (TOPIC, "    topic: Smart City # Teil 2\n"), 21, "Smart City",
        "topic ends at 'Smart City': YAML reads ' #' as the start of a comment, so '# Teil 2' is"
        f' left out; to keep it, put the text in quotes: topic: "Smart City # Teil 2" {KEEP}',
    ),
    "topic, two spaces before '#digital'": (
        (TOPIC, "    topic: Smart City  #digital\n"), 21, "Smart City",
        "topic ends at 'Smart City': YAML reads ' #' as the start of a comment, so '#digital' is"
        f' left out; to keep it, put the text in quotes: topic: "Smart City  #digital" {KEEP}',
    ),
    "guest's name": (
        ("      - name: Julia Stolzenberger\n", "      - name: Julia #1 Stolzenberger\n"), 18,
        "Julia",
        "a guest's name ends at 'Julia': YAML reads ' #' as the start of a comment, so"
        " '#1 Stolzenberger' is left out; to keep it, put the text in quotes: name: \"Julia #1"
        f' Stolzenberger" {KEEP}',
    ),
    "guest's role": (
        (ROLE, "        role: Expertin für #Wärme\n"), 19, "Expertin für",
        "a guest's role ends at 'Expertin für': YAML reads ' #' as the start of a comment, so"
        " '#Wärme' is left out; to keep it, put the text in quotes: role: \"Expertin für #Wärme\""
        f" {KEEP}",
    ),
    "a guest written as a name only": (
        ("      - name: Julia Stolzenberger\n        role: Seniorexpertin\n",
         "      - Julia #1\n"), 18, "Julia",
        "a guest ends at 'Julia': YAML reads ' #' as the start of a comment, so '#1' is left"
        f' out; to keep it, put the text in quotes: - "Julia #1" {KEEP}',
    ),
    "description": (
        (TOPIC, TOPIC + "    description: Die Folge #3 der Reihe\n"), 22, "Die Folge",
        "description ends at 'Die Folge': YAML reads ' #' as the start of a comment, so '#3 der"
        f' Reihe\' is left out; to keep it, put the text in quotes: description: "Die Folge #3 der'
        f' Reihe" {KEEP}',
    ),
    "reason": (
        (TOPIC, TOPIC + "    cancelled: true\n    reason: Streik #2\n"), 23, "Streik",
        "reason ends at 'Streik': YAML reads ' #' as the start of a comment, so '#2' is left"
        f' out; to keep it, put the text in quotes: reason: "Streik #2" {KEEP}',
    ),
    "series' name": (
        ("  name: Digital-Impuls\n", "  name: Impuls #digital\n"), 2, "Impuls",
        "series.name ends at 'Impuls': YAML reads ' #' as the start of a comment, so '#digital'"
        f' is left out; to keep it, put the text in quotes: name: "Impuls #digital" {KEEP}',
    ),
    "a comment as yamllint writes it": (
        (TOPIC, "    topic: Finanzen  # Julia fragen\n"), 21, "Finanzen", None,
    ),
    "a comment after a date": ((SECOND, "  - date: 2023-10-05 # verschoben?\n"), 20, None, None),
    "a comment after a quoted text": (
        (TOPIC, '    topic: "Smart City #2" # Teil 2\n'), 21, "Smart City #2", None,
    ),
    "a '#' without a space before it": (
        (TOPIC, "    topic: Smart-City-#2\n"), 21, "Smart-City-#2", None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", HASHES)
def test_a_hash_that_cuts_a_text_short_is_a_warning_with_the_fix(name: str) -> None:
    (old, new), line, read, warning = HASHES[name]
    assert old in TWO
    plan = parse_plan(TWO.replace(old, new, 1))
    if read is not None:
        texts = [plan.series.name]
        for session in plan.listed:
            texts += [session.topic, session.description, session.reason]
            texts += [part for guest in session.guests for part in (guest.name, guest.role)]
        assert read in texts
    found = [(w.line, w.message) for w in plan_warnings(plan, date(2023, 8, 1))]
    cut = [(n, m) for n, m in found if "YAML reads ' #'" in m]
    assert cut == ([(line, warning)] if warning else [])


def test_check_shows_the_cut_topic_and_says_ok(mailer) -> None:
    mailer.write_plan(TWO.replace(TOPIC, "    topic: Smart City #2 mit Gast\n"))
    result = mailer("check", "--now", "2023-08-20T10:00")
    warning = HASHES["topic '#2'"][3]
    assert f"schedule.yaml:21: warning: {warning}" in result.stderr.splitlines()
    assert "ok" in result.stdout
