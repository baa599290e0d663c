"""Every value a command takes that is a number, a moment, a date or a path, with the values
that overflow or never end: one sentence naming the option, exit status 1, no traceback.

The kind: input that reaches int(), datetime arithmetic, SQLite's 64-bit integers or a
file without a bound. The table is checked against click's own command tree, so a new
option of these kinds without a row here fails `test_every_such_option_has_rows`.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from mailer.cli import cli
from mailer.commands.values import Count, Day, Moment
from tests.conftest import STARTER, Mailer

FAR = ["0001-01-01T00:00", "9999-12-31T23:59", "9999-12-31T23:59-12:00"]
FAR_DAYS = ["0001-01-01", "9999-12-31"]
LETTER = "---\nsubject: Rückblick\n---\nHallo zusammen.\n"


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]  # `{letter}` and `{tmp}` are filled in
    says: str  # how the one sentence starts


def moments(command: tuple[str, ...], option: str, after: tuple[str, ...] = ()) -> list[Case]:
    return [Case((*command, option, value, *after), f"{option}: {value} is not between")
            for value in FAR]  # fmt: skip


def numbers(command: tuple[str, ...], option: str | None, values: list[str], says: str) -> list:
    given = (option,) if option else ()
    return [Case((*command, *given, value), f"{says}: '{value}' is not") for value in values]


SEND_TEST = ("send-test", "--to", "ich@example.org", "2023-09-07", "announcement")
# (command path, parameter name) -> the hostile cases
TABLE: dict[tuple[str, str], list[Case]] = {
    ("check", "now_text"): moments(("check",), "--now"),
    ("plan", "now_text"): moments(("plan",), "--now"),
    ("plan", "months"): numbers(("plan",), "--months", ["100000", "0", "-1", "²"], "--months"),
    ("preview", "session_date"): [
        Case(("preview", day, "announcement"), f"SESSION_DATE: {day} is not between")
        for day in FAR_DAYS
    ],
    ("preview", "now_text"): moments(("preview", "2023-09-07", "announcement"), "--now"),
    ("ics", "output"): [
        Case(("ics", "-o", "/dev/full"), "/dev/full: cannot write it (No space left on device)"),
        Case(("ics", "-o", "{tmp}/missing/feed.ics"), "{tmp}/missing/feed.ics: cannot write it"),
    ],
    ("ics", "now_text"): moments(("ics",), "--now"),
    ("ics", "months"): numbers(("ics",), "--months", ["100000", "0", "²"], "--months"),
    ("subscribers add", "now_text"): moments(("subscribers", "add", "a@example.org"), "--now"),
    ("subscribers import", "file"): [
        Case(("subscribers", "import", "/dev/zero"), "/dev/zero: larger than 64 MB"),
    ],
    ("subscribers export", "output"): [
        Case(("subscribers", "export", "-o", "/dev/full"), "/dev/full: cannot write it (No space"),
        Case(("subscribers", "export", "-o", "{tmp}/missing/x.csv"), "{tmp}/missing/x.csv: cannot"),
    ],
    ("subscribers reactivate", "since"): moments(("subscribers", "reactivate"), "--bounced-since"),
    ("newsletter preview", "file"): [
        Case(("newsletter", "preview", "/dev/zero"), "zero: larger than 1024 KiB"),
    ],
    ("newsletter preview", "now_text"): moments(("newsletter", "preview", "{letter}"), "--now"),
    ("newsletter send-test", "file"): [
        Case(("newsletter", "send-test", "/dev/zero", "--to", "ich@example.org"), "zero: larger"),
    ],
    ("newsletter send-test", "now_text"): moments(
        ("newsletter", "send-test", "{letter}", "--to", "ich@example.org"), "--now"
    ),
    ("newsletter schedule", "file"): [
        Case(("newsletter", "schedule", "/dev/zero"), "zero: larger than 1024 KiB"),
    ],
    ("newsletter schedule", "at_text"): moments(("newsletter", "schedule", "{letter}"), "--at"),
    ("newsletter schedule", "now_text"): moments(("newsletter", "schedule", "{letter}"), "--now"),
    ("newsletter cancel", "newsletter_id"): numbers(
        ("newsletter", "cancel"), None, ["99999999999999999999999", "0", "²"], "ID"
    ),
    ("newsletter cancel", "now_text"): moments(("newsletter", "cancel", "1"), "--now"),
    ("tick", "now_text"): moments(("tick",), "--now") + moments(("tick", "--dry-run"), "--now"),
    ("outbox", "limit"): numbers(
        ("outbox",), "--limit", ["99999999999999999999", "0", "-1", "²"], "--limit"
    ),
    ("send-test", "session_date"): [
        Case((*SEND_TEST[:3], day, "announcement"), f"SESSION_DATE: {day} is not between")
        for day in FAR_DAYS
    ],
    ("send-test", "now_text"): moments(SEND_TEST, "--now"),
    ("demo", "directory"): [Case(("demo", "--dir", "/dev/full"), "/dev/full: File exists")],
    ("poll", "now_text"): moments(("poll",), "--now"),
    ("init", "now_text"): moments(("init", "--force"), "--now"),
    ("plan undo", "now_text"): moments(("plan", "undo"), "--now"),
    ("plan history", "limit"): numbers(
        ("plan", "history"), "--limit", ["99999999999999999999", "0", "²"], "--limit"
    ),
    ("series edit", "now_text"): moments(("series", "edit", "--name", "Impuls"), "--now"),
    ("session add", "now_text"): moments(("session", "add", "2023-12-14"), "--now"),
    ("session edit", "now_text"): moments(
        ("session", "edit", "2023-09-07", "--topic", "KI"), "--now"
    ),
    ("session move", "now_text"): moments(("session", "move", "2023-09-07", "2023-09-14"), "--now"),
    ("session cancel", "now_text"): moments(("session", "cancel", "2023-09-07"), "--now"),
    ("session reinstate", "now_text"): moments(("session", "reinstate", "2026-01-01"), "--now"),
    ("session remove", "now_text"): moments(("session", "remove", "2023-09-07"), "--now"),
    ("session recap", "now_text"): moments(("session", "recap", "2023-09-07", "{letter}"), "--now"),
    ("session recap", "source"): [
        Case(("session", "recap", "2023-09-07", "/dev/zero"), "/dev/zero: larger than 1 MB"),
    ],
    ("subscribers edit", "now_text"): moments(
        ("subscribers", "edit", "a@example.org", "--name", "Anna"), "--now"
    ),
    ("subscribers unsubscribe", "now_text"): moments(
        ("subscribers", "unsubscribe", "a@example.org"), "--now"
    ),
    ("report", "since"): moments(("report",), "--since"),
    ("report", "until_text"): moments(("report",), "--until"),
    ("rsvps", "session_date"): [
        Case(("rsvps", day), f"SESSION_DATE: {day} is not between") for day in FAR_DAYS
    ],
    ("inbox classify", "files"): [
        Case(("inbox", "classify", "/dev/zero"), "/dev/zero: larger than 25 MB"),
    ],
    ("inbox refile", "now_text"): moments(
        ("inbox", "refile", "<x@example.org>", "unsure"), "--now"
    ),
    ("", "config"): [
        Case(("--config", "/dev/zero", "check"), "zero: larger than 1024 KiB"),
    ],
    ("", "db"): [
        Case(("--db", "{tmp}/missing/subscribers.db", "subscribers", "list"), "{tmp}/missing/"),
    ],
}
# `serve` runs as a process of its own: a value it took would start the server.
SERVE = {
    ("serve", "threads"): numbers(
        ("serve", "--listen", "127.0.0.1:0"), "--threads", ["0", "100000", "²"], "--threads"
    ),
    ("serve", "listen"): [Case(("serve", "--listen", "127.0.0.1:²"), "--listen: '127.0.0.1:²'")],
}
WORKSPACE = {"config", "db"}  # each command's hidden copies of the two global options


def risky(param: click.Parameter) -> bool:
    """A number, a moment, a date or a path: what overflows, or what never ends."""
    kind = param.type
    if isinstance(kind, (Moment, Day, Count, click.Path, click.File)):
        return True
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return True
    # A moment or a date still read as plain text would be missed by the types above.
    return param.metavar in ("T", "DATE") or param.name.endswith(("_date", "_at", "since"))


def tree(command: click.Command, path: str = "") -> list[tuple[str, click.Parameter]]:
    found = [
        (path, param)
        for param in command.params
        if not (path and param.name in WORKSPACE and getattr(param, "hidden", False))
    ]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += tree(sub, f"{path} {name}".strip())
    return found


def test_every_such_option_has_rows() -> None:
    every = {(path, param.name): param for path, param in tree(cli)}
    covered = set(TABLE) | set(SERVE)
    assert {key for key, param in every.items() if risky(param)} - covered == set()
    assert covered - set(every) == set()  # and every row names a real option


def cases(table: dict) -> list:
    return [pytest.param(case, id=" ".join(case.args)) for rows in table.values() for case in rows]


def filled(case: Case, mailer: Mailer, tmp_path: Path) -> tuple[list[str], str]:
    letter = tmp_path / "herbst.md"
    letter.write_text(LETTER, "utf-8")
    values = {"letter": str(letter), "tmp": str(tmp_path)}
    return [arg.format(**values) for arg in case.args], case.says.format(**values)


def one_sentence(stderr: str, says: str) -> None:
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith(says), stderr


@pytest.mark.parametrize("case", cases(TABLE))
def test_a_hostile_value_is_one_sentence_and_exit_1(
    mailer: Mailer, tmp_path: Path, case: Case
) -> None:
    args, says = filled(case, mailer, tmp_path)
    result = mailer(*args, ok=False)
    assert result.exit_code == 1, result.output
    if args[:2] == ["inbox", "classify"]:  # a line per file it could not read, then the verdict
        assert result.stderr.splitlines()[-1] == "some files could not be read"
        result_stderr = result.stderr.splitlines()[0]
    else:
        result_stderr = result.stderr
    one_sentence(result_stderr, says)


@pytest.mark.parametrize("case", cases(SERVE))
def test_serve_refuses_a_hostile_value_before_it_serves(
    mailer: Mailer, tmp_path: Path, case: Case
) -> None:
    mailer.write_plan(STARTER + "web:\n  base_url: http://127.0.0.1:8080\n")
    args, says = filled(case, mailer, tmp_path)
    result = subprocess.run(
        [*mailer.command(), *args], env=mailer.process_env(), capture_output=True, text=True,
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    one_sentence(result.stderr, says)


def test_the_database_timeout_from_the_environment_is_one_sentence(mailer: Mailer) -> None:
    for value in ("inf", "1e400", "nan", "-1"):
        mailer.env["MAILER_DB_TIMEOUT"] = value
        result = mailer("subscribers", "list", ok=False)
        assert result.exit_code == 1
        one_sentence(result.stderr, f"MAILER_DB_TIMEOUT: '{value}' is not a number of seconds")


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        ("imap:\n  poll_minutes: 99999999999999999999\n", "imap.poll_minutes: at most 1440"),
        ("smtp:\n  connections: 99999999999999999999\n", "smtp.connections: at most 50"),
    ],
    ids=["poll_minutes", "connections"],
)
def test_a_number_in_the_plan_that_would_overflow_the_daemon_is_refused(
    mailer: Mailer, edit: str, says: str
) -> None:
    mailer.write_plan(STARTER + edit)
    result = mailer("check", ok=False)
    assert result.exit_code == 1
    line = len(STARTER.splitlines()) + 2
    one_sentence(result.stderr, f"schedule.yaml:{line}: {says}")


def test_a_moment_at_the_edge_of_the_years_still_works(mailer: Mailer) -> None:
    mailer.add("anna@example.org")
    for moment in ("1970-01-01T00:00", "2999-12-31T23:59"):
        mailer("tick", "--now", moment)
        mailer("plan", "--now", moment, "--months", "1200")
        mailer("ics", "--now", moment, "--months", "1200")
        mailer("report", "--until", moment)
