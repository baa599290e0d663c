"""The organizer's first commands: init, check, plan, preview, ics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
