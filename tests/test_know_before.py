"""Knowing before it goes: `mailer plan` counts the notices an edit will send, and
`mailer tick --dry-run` lists the mails of the next tick, the same set the tick sends."""

from __future__ import annotations

import pytest

from tests.conftest import STARTER, Mailer
from tests.smtpserver import RecordingHandler

MOVED = STARTER.replace("  - date: 2023-09-07\n", '  - date: 2023-09-07\n    time: "16:30"\n', 1)


@pytest.fixture
def smtp(smtp_pipelining: RecordingHandler) -> RecordingHandler:
    return smtp_pipelining


@pytest.fixture
def club(mailer: Mailer, smtp: RecordingHandler) -> Mailer:
    mailer.env["MAILER_SMTP_URL"] = smtp.url  # type: ignore[attr-defined]
    mailer.env["COLUMNS"] = "250"  # tables on one line each, to read them here
    mailer.add("anna@example.org", "ben@example.org", "cem@example.org")
    return mailer


def sent(smtp: RecordingHandler) -> set[tuple[str, str]]:
    return {(m.rcpt_tos[0], m.message["Message-ID"]) for m in smtp.messages}


def planned(club: Mailer, now: str) -> list[dict]:
    return club.json("tick", "--dry-run", "--now", now)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("moment", "edit"),
    [
        ("2023-08-24T16:00", None),  # the announcement
        ("2023-09-06T16:00", None),  # a reminder
        ("2023-08-25T09:00", MOVED),  # updates
    ],
)
def test_the_dry_run_lists_exactly_what_the_tick_then_sends(
    club: Mailer, smtp: RecordingHandler, moment: str, edit: str | None
) -> None:
    if edit or moment > "2023-08-24T16:00":
        club("tick", "--now", "2023-08-24T16:00")
        smtp.messages.clear()
    if edit:
        club.write_plan(edit)
    mails = planned(club, moment)
    assert smtp.messages == []  # nothing left
    assert planned(club, moment) == mails  # and nothing changed: the same again
    club("tick", "--now", moment)
    assert {(m["to"], m["message_id"]) for m in mails} == sent(smtp)
    assert len(mails) == 3
    if edit:
        assert {m["why"] for m in mails} == {
            "the session changed since this member's invitation: Uhrzeit"
        }
    # After the tick, a dry run at the same moment has nothing left to send.
    assert planned(club, moment) == []


def test_the_dry_run_names_the_reason_of_each_mail(club: Mailer) -> None:
    club("subscribers", "unsubscribe", "cem@example.org")
    text = club("tick", "--dry-run", "--now", "2023-08-24T16:00").stdout
    assert "would send 2 mails (dry run: nothing was sent)" in text
    assert "anna@example.org" in text and "cem@example.org" not in text
    assert "the announcement is due (14d before the start)" in " ".join(text.split())


def test_plan_says_when_an_edit_will_send_updates_and_a_silent_edit_will_not(
    club: Mailer,
) -> None:
    club("tick", "--now", "2023-08-24T16:00")
    club.write_plan(MOVED)
    entry = club.json("plan", "--now", "2023-08-25T09:00")[0]  # type: ignore[index]
    assert entry["date"] == "2023-09-07"
    assert entry["notice"] == {"kind": "update", "members": 3}
    table = club("plan", "--now", "2023-08-25T09:00").stdout
    assert "update due for 3 members at the next tick" in " ".join(table.split())
    club.write_plan(
        MOVED.replace('    time: "16:30"\n', '    time: "16:30"\n    notify: false\n', 1)
    )
    assert club.json("plan", "--now", "2023-08-25T09:00")[0]["notice"] is None  # type: ignore[index]
    club("subscribers", "unsubscribe", "ben@example.org")
    club.write_plan(
        MOVED.replace('    time: "16:30"\n', '    time: "16:30"\n    cancelled: true\n', 1)
    )
    assert club.json("plan", "--now", "2023-08-25T09:00")[0]["notice"] == {  # type: ignore[index]
        "kind": "cancellation",
        "members": 2,
    }
