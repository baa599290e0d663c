"""due(plan, now): the timing rules at their edges, in local time across DST."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailer.planfile import parse_plan
from mailer.timing import due, schedule
from tests.conftest import STARTER

BERLIN = ZoneInfo("Europe/Berlin")
PLAN = parse_plan(STARTER)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def due_labels(now: str) -> list[tuple[str, str]]:
    return [(d.session.key, d.stage.label) for d in due(PLAN, at(now))]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2023-08-24T15:59:59", []),
        ("2023-08-24T16:00:00", [("2023-09-07", "announcement")]),
        ("2023-09-06T15:59:00", [("2023-09-07", "announcement")]),
        # Several due at once: only the latest counts.
        ("2023-09-06T16:00:00", [("2023-09-07", "reminder-1d")]),
        ("2023-09-07T14:59:00", [("2023-09-07", "reminder-1d")]),
        ("2023-09-07T15:00:00", [("2023-09-07", "reminder-1h")]),
        ("2023-09-07T15:59:59", [("2023-09-07", "reminder-1h")]),
        # Never after the session has started.
        ("2023-09-07T16:00:00", []),
        ("2023-09-07T16:30:00", []),
        ("2023-09-21T16:00:00", [("2023-10-05", "announcement")]),
    ],
)
def test_due_at_the_edges(now: str, expected: list[tuple[str, str]]) -> None:
    assert due_labels(now) == expected


def test_a_cancelled_session_has_nothing_due() -> None:
    # 1 January 2026 is cancelled in the starter plan.
    assert due_labels("2025-12-31T16:00") == []
    assert due_labels("2025-12-20T12:00") == []


@pytest.mark.parametrize("session_day", ["2024-04-04", "2024-11-07"])
def test_offsets_are_wall_clock_across_daylight_saving(session_day: str) -> None:
    # 2024-03-31 and 2024-10-27 are the changes; both announcements reach across one.
    session = PLAN.session(session_day)
    assert session is not None
    times = {d.stage.label: d.due_at for d in schedule(PLAN, session)}
    assert times["announcement"].replace(tzinfo=None) == session.start.replace(
        tzinfo=None
    ) - timedelta(days=14)
    assert times["announcement"].hour == 16
    assert times["reminder-1h"].hour == 15 and times["reminder-1h"].date() == session.date
    # In absolute time the announcement is 14 days +- one hour before.
    # (Aware datetimes in one zone subtract as wall-clock; timestamps are absolute.)
    gap = session.start.timestamp() - times["announcement"].timestamp()
    assert gap in (14 * 86400 + 3600, 14 * 86400 - 3600)


def test_a_moment_with_another_offset_is_read_in_the_series_zone() -> None:
    utc = datetime(2023, 9, 7, 13, 0, tzinfo=ZoneInfo("UTC"))  # 15:00 in Berlin
    assert [(d.session.key, d.stage.label) for d in due(PLAN, utc)] == [
        ("2023-09-07", "reminder-1h")
    ]
