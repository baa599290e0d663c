"""The organizer's first commands: init, check, plan, preview, ics."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from mailer.cli import cli
from tests.conftest import STARTER, Mailer
from tests.smtpserver import RecordingHandler


def test_init_writes_the_starter_plan_and_refuses_to_overwrite(tmp_path: Path) -> None:
    app = Mailer(tmp_path / "fresh")
    (tmp_path / "fresh").mkdir()
    result = app("init")
    assert "wrote" in result.stdout
    assert "Kommunale Wärmeplanung" in app.config.read_text("utf-8")
    again = app("init", ok=False)
    assert again.exit_code == 1 and "already exist here" in again.stderr


def test_check_accepts_the_starter_plan(mailer: Mailer) -> None:
    result = mailer("check", "--now", "2023-08-20T10:00")
    assert "ok" in result.stdout


def test_check_reports_a_bad_plan_in_one_line_without_traceback(mailer: Mailer) -> None:
    mailer.write_plan(
        mailer.config.read_text("utf-8").replace(
            "timezone: Europe/Berlin", "timezone: Mars/Olympus"
        )
    )
    result = mailer("check", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "schedule.yaml:5: 'Mars/Olympus' is not a time zone (write it like Europe/Berlin)"
    )
    assert "Traceback" not in result.output


def test_check_reports_a_broken_template(mailer: Mailer) -> None:
    own = mailer.root / "templates" / "email"
    own.mkdir(parents=True)
    (own / "reminder.html").write_text(
        "{% extends 'base.html' %}\n{% block content %}{{ oops }\n", "utf-8"
    )
    result = mailer("check", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("templates/email/reminder.html:2: ")


def test_check_warns_about_the_new_year_holiday(mailer: Mailer) -> None:
    text = mailer.config.read_text("utf-8").replace("    cancelled: true\n", "")
    mailer.write_plan(text)
    result = mailer("check", "--now", "2025-12-01T10:00")
    assert "2026-01-01 is a public holiday in Germany (Neujahr)" in result.stderr


def test_plan_json_lists_sessions_and_mail_times(mailer: Mailer) -> None:
    entries = mailer.json("plan", "--now", "2023-08-20T10:00")
    assert [e["date"] for e in entries[:3]] == ["2023-09-07", "2023-10-05", "2023-11-02"]
    first = entries[0]
    assert first["topic"] == "Kommunale Wärmeplanung"
    assert first["start"] == "2023-09-07T16:00:00+02:00"
    assert [(m["kind"], m["due_at"]) for m in first["mails"]] == [
        ("announcement", "2023-08-24T16:00:00+02:00"),
        ("reminder-1d", "2023-09-06T16:00:00+02:00"),
        ("reminder-1h", "2023-09-07T15:00:00+02:00"),
    ]
    assert entries[3]["date"] == "2023-12-07" and entries[3]["topic"] is None


def test_plan_table_for_people(mailer: Mailer) -> None:
    result = mailer("plan", "--now", "2023-08-20T10:00")
    assert "Kommunale Wärmeplanung" in result.stdout


def test_a_bad_now_is_one_sentence(mailer: Mailer) -> None:
    result = mailer("plan", "--now", "tomorrow", ok=False)
    assert result.exit_code == 1
    assert "--now: 'tomorrow' is not an ISO 8601 moment" in result.stderr


def test_preview_writes_html_and_eml(mailer: Mailer) -> None:
    result = mailer("preview", "2023-09-07", "announcement")
    html = mailer.root / "preview" / "2023-09-07-announcement.html"
    eml = mailer.root / "preview" / "2023-09-07-announcement.eml"
    assert str(html) in result.stdout and str(eml) in result.stdout
    assert "Kommunale Wärmeplanung" in html.read_text("utf-8")
    assert b"Content-Type: text/calendar" in eml.read_bytes()
    missing = mailer("preview", "2023-09-08", "announcement", ok=False)
    assert missing.exit_code == 1 and "there is no session on 2023-09-08" in missing.stderr


def test_ics_feed_holds_the_series(mailer: Mailer, tmp_path: Path) -> None:
    target = tmp_path / "feed.ics"
    mailer("ics", "--now", "2023-08-20T10:00", "--months", "6", "-o", str(target))
    calendar = Calendar.from_ical(target.read_bytes())
    events = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH"
    days = [e.decoded("DTSTART").date().isoformat() for e in events]
    assert days[:3] == ["2023-09-07", "2023-10-05", "2023-11-02"]
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_every_command_has_help_text() -> None:
    def walk(group, path=()):
        for name, command in group.commands.items():
            yield (*path, name), command
            if hasattr(command, "commands"):
                yield from walk(command, (*path, name))

    for path, command in walk(cli):
        assert command.help, f"mailer {' '.join(path)} has no help text"


def test_python_dash_m_mailer_runs(mailer: Mailer) -> None:
    result = subprocess.run(
        [*mailer.command(), "plan", "--now", "2023-08-20T10:00", "--json"],
        capture_output=True,
        text=True,
        env=mailer.process_env(),
        check=True,
    )
    assert json.loads(result.stdout)[0]["date"] == "2023-09-07"


def test_a_missing_plan_is_one_sentence(tmp_path: Path) -> None:
    app = Mailer(tmp_path)
    result = app("check", ok=False)
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "schedule.yaml: no such file; `mailer init` writes a starter plan here"
    )


def test_config_and_db_work_after_the_command_too(tmp_path: Path) -> None:
    app = Mailer(tmp_path)
    app.write_plan()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "mailer", "plan", "--now", "2023-08-20T10:00", "--json",
         "--config", str(app.config), "--db", str(tmp_path / "other.db")],
        cwd=elsewhere, capture_output=True, text=True, env=app.process_env(), check=True,
    )  # fmt: skip
    assert json.loads(result.stdout)[0]["date"] == "2023-09-07"
    subprocess.run(
        [sys.executable, "-m", "mailer", "subscribers", "add", "anna@example.org", "--db", str(tmp_path / "other.db"),
         "--config", str(app.config)],
        cwd=elsewhere, env=app.process_env(), check=True, capture_output=True,
    )  # fmt: skip
    assert (tmp_path / "other.db").exists() and not (elsewhere / "subscribers.db").exists()


def test_text_from_users_and_servers_is_never_rich_markup(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    app = smtp_mailer
    app.write_plan(STARTER.replace("topic: Kommunale Wärmeplanung", 'topic: "Wärme [/Strom]"'))
    app("subscribers", "add", "anna@example.org", "--name", "[/x] Müller", "--org", "[bold]Rat")
    smtp.rcpt_answers["anna@example.org"] = "451 4.7.1 [/red] try [bold]later"
    app("tick", "--now", "2023-08-24T16:00")
    app.env["COLUMNS"] = "250"
    plan = app("plan", "--now", "2023-08-20T10:00").stdout
    people = app("subscribers", "list").stdout
    rows = app("outbox").stdout
    assert "Wärme [/Strom]" in plan
    assert "[/x] Müller" in people and "[bold]Rat" in people
    assert "451 4.7.1 [/red] try [bold]later" in rows


# -- the starter plan begins after today, with examples nobody gets mail about (item 6) -------

# (the moment of `mailer init --now`, the three sessions it lists)
INIT_DAYS = {
    "mid-month": ("2025-06-15T10:00", ["2025-07-03", "2025-08-07", "2025-09-04"]),
    "the day before a first Thursday": (
        "2025-07-02T23:30", ["2025-07-03", "2025-08-07", "2025-09-04"]),
    "on a first Thursday": ("2025-07-03T09:00", ["2025-08-07", "2025-09-04", "2025-10-02"]),
    "in UTC, already tomorrow in Berlin": (
        "2025-07-02T23:30+00:00", ["2025-08-07", "2025-09-04", "2025-10-02"]),
    "in December": ("2025-12-10T12:00", ["2026-01-01", "2026-02-05", "2026-03-05"]),
    "on a leap day": ("2028-02-29T12:00", ["2028-03-02", "2028-04-06", "2028-05-04"]),
}  # fmt: skip


@pytest.mark.parametrize("name", INIT_DAYS)
def test_init_writes_the_sessions_after_today_as_examples(tmp_path: Path, name: str) -> None:
    now, days = INIT_DAYS[name]
    app = Mailer(tmp_path)
    result = app("init", "--now", now)
    assert (
        result.stdout.splitlines()[0] == f"wrote {app.config}: the Digital-Impuls from {days[0]} on"
    )
    text = app.config.read_text("utf-8")
    assert f"  start: {days[0]} " in text
    for day in days:
        assert f"  - date: {day}\n    example: true\n" in text
    check = app("check", "--now", now)
    assert "ok (3 sessions listed)" in check.stdout
    for day in days:
        assert (
            f"warning: the session on {day} is an example from `mailer init`: nobody gets mail"
            " about it until you write its real topic and guests and delete the line"
            " `example: true`"
        ) in check.stderr
    planned = app.json("plan", "--now", now, "--months", "4")
    assert [e["date"] for e in planned[:3]] == days
    assert all(e["example"] and e["mails"] == [] for e in planned[:3])


def test_a_starter_plan_sends_nothing_about_its_examples(
    mailer: Mailer, smtp_pipelining: RecordingHandler, tmp_path: Path
) -> None:
    mailer.config.unlink()
    mailer("init", "--now", "2025-06-15T10:00")
    mailer.env["MAILER_SMTP_URL"] = smtp_pipelining.url  # type: ignore[attr-defined]
    mailer.add("anna@example.org", "ben@example.org")
    # Every moment a mail of the three examples would be due, and the first tick today.
    moments = ["2025-06-15T10:01"]
    for day in ("2025-07-03", "2025-08-07", "2025-09-04"):
        moments += [
            (datetime.fromisoformat(day) - timedelta(days=14)).strftime("%Y-%m-%dT16:00"),
            (datetime.fromisoformat(day) - timedelta(days=1)).strftime("%Y-%m-%dT16:00"),
            f"{day}T15:00",
        ]
    for moment in moments:
        mailer("tick", "--now", moment)
    assert smtp_pipelining.messages == []
    feed = mailer("ics", "--now", "2025-06-15T10:00").stdout
    assert "Kommunalfinanzen" not in feed and "Wärmeplanung" not in feed
    # The organizer fills in the second example: its mails go out, and no example's
    # placeholder appears among "the sessions already planned".
    text = mailer.config.read_text("utf-8").replace(
        "  - date: 2025-08-07\n    example: true\n"
        "    topic: Kommunalfinanzen – für die Würde unserer Städte\n",
        "  - date: 2025-08-07\n    topic: Glasfaser im ländlichen Raum\n",
    )
    mailer.write_plan(text)
    mailer("tick", "--now", "2025-07-24T16:00")
    announcements = [m.message for m in smtp_pipelining.messages]
    assert len(announcements) == 2
    assert "Glasfaser im ländlichen Raum" in announcements[0]["Subject"]
    body = announcements[0].get_body(("plain",)).get_content()
    assert "Künstliche Intelligenz" not in body  # the third example, still an example


def test_the_web_pages_show_an_examples_date_without_its_topic(mailer: Mailer) -> None:
    from datetime import UTC

    from tests.webtools import BASE_URL, Clock, client

    mailer.config.unlink()
    mailer("init", "--now", "2025-06-15T10:00")
    mailer.write_plan(mailer.config.read_text("utf-8") + f"\nweb:\n  base_url: {BASE_URL}\n")
    clock = Clock(datetime(2025, 6, 15, 8, 0, tzinfo=UTC))
    web = client(mailer, clock)
    front = web.get("/").get_data(as_text=True)
    assert "3. Juli 2025" in front and "Wärmeplanung" not in front
    clock.moment = datetime(2025, 7, 10, 8, 0, tzinfo=UTC)  # the first example is past
    archive = web.get("/archiv").get_data(as_text=True)
    assert "3. Juli 2025" in archive
    assert "Wärmeplanung" not in archive and "Julia Stolzenberger" not in archive
