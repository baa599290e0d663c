"""Commands that read: poll, suggestions, inbox classify."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click

from mailer.app import App, poll_once, rsvp_answers, suggestions
from mailer.commands.common import UserError, pass_app, print_json, print_table
from mailer.commands.values import DAY, MOMENT, read_file
from mailer.inbound.kinds import REFILE_TARGETS


@click.command("poll")
@click.option(
    "--now", "now_text", metavar="T", type=MOMENT, help="Record the mail as read at this moment."
)
@pass_app
def poll_command(app: App, now_text: datetime | None) -> None:
    """One pass of the inbound poller: file topic ideas, unsubscribes, bounces, auto-replies."""
    click.echo(poll_once(app, app.now(now_text) if now_text else None))


@click.command("suggestions")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def suggestions_command(app: App, as_json: bool) -> None:
    """The topic ideas members sent, newest first."""
    items = suggestions(app)
    if as_json:
        print_json(items)
        return
    if not items:
        click.echo("no suggestions yet")
    for item in items:
        session = f" (re: session {item['session']})" if item["session"] else ""
        unsure = f" [zu prüfen: {item['note']}]" if item["kind"] == "unsure" else ""
        click.echo(f"{item['received_at']}  {item['from']}{session}{unsure}\n  {item['subject']}")
        for line in item["text"].splitlines()[:8]:
            click.echo(f"    {line}")
        click.echo("")


@click.command("report")
@click.option(
    "--since", metavar="T", type=MOMENT, help="From this moment (ISO 8601); default: 7 days ago."
)
@click.option(
    "--until", "until_text", metavar="T", type=MOMENT, help="Up to this moment; default: now."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def report_command(
    app: App, since: datetime | None, until_text: datetime | None, as_json: bool
) -> None:
    """What happened: topic ideas, answers, bounces, unsubscribes, mails to check."""
    from dataclasses import asdict
    from datetime import timedelta

    from mailer.app import organizer_report

    until = app.now(until_text)
    start = app.now(since) if since else until - timedelta(days=7)
    found = organizer_report(app, start, until)
    if as_json:
        print_json(asdict(found))
        return
    click.echo(f"{app.plan().series.name}: from {start:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M}")
    for title, ideas in (
        (f"{len(found.ideas)} topic ideas, newest first", found.ideas),
        (f"{len(found.unsure)} to check", found.unsure),
    ):
        print_table(
            title,
            ("received", "from", "subject", "text"),
            ([i.received_at[:16], _who(i.sender, i.name, i.org), i.subject,
              f"[{i.note}] {i.text[:300]}" if i.note else i.text[:300]] for i in ideas),
        )  # fmt: skip
    print_table(
        f"{len(found.proposals)} other times proposed (calendar, not counted as answers)",
        ("received", "from", "session", "proposed", "comment"),
        ([p.received_at[:16], _who(p.sender, p.name, p.org), p.session or "-", p.proposed,
          p.comment[:300]] for p in found.proposals),
    )  # fmt: skip
    print_table(
        "answers for the sessions ahead",
        ("session", "topic", "accepted", "declined", "tentative"),
        ([a.session, a.topic or "", str(a.accepted), str(a.declined), str(a.tentative)]
         for a in found.answers),
    )  # fmt: skip
    for title, changes in (("unsubscribed", found.unsubscribes), ("bounced", found.bounces)):
        print_table(
            f"{len(changes)} {title}",
            ("when", "who", "why"),
            ([c.at[:16], _who(c.email, c.name, c.org), c.cause] for c in changes),
        )


def _who(address: str, name: str | None, org: str | None) -> str:
    details = ", ".join(part for part in (name, org) if part)
    return f"{address} ({details})" if details else address


@click.command("rsvps")
@click.argument("session_date", required=False, type=DAY)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def rsvps_command(app: App, session_date: date | None, as_json: bool) -> None:
    """The members' answers to the invitations (accepted, declined, tentative)."""
    from mailer.commands.plan import find_session

    key = find_session(app.plan(), session_date).key if session_date else None
    answers = rsvp_answers(app, key)
    if as_json:
        print_json(answers)
        return
    print_table(
        f"{len(answers)} answers",
        ("session", "email", "name", "answer", "at", "via"),
        ([a["session"], a["email"], a["name"] or "", a["answer"], a["at"], a["via"]]
         for a in answers),
    )  # fmt: skip


@click.group("inbox")
def inbox_group() -> None:
    """Look at inbound mail without a mailbox."""


@inbox_group.command("classify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
def inbox_classify(files: tuple[Path, ...]) -> None:
    """Say what each mail file is, as JSON lines: file, kind, addresses."""
    from mailer.errors import MailerError
    from mailer.inbound.classify import classify_bytes
    from mailer.inbound.kinds import MAX_MESSAGE_BYTES, QUARANTINE, Unreadable

    failed = False
    for path in files:
        try:
            verdict = classify_bytes(read_file(path, MAX_MESSAGE_BYTES, "a mail"))
            line = {
                "file": str(path),
                "kind": verdict.kind,
                "addresses": list(verdict.addresses),
                "hard": verdict.hard,
                "status": verdict.status,
                "reason": verdict.reason,
            }
        except Unreadable as problem:
            line = {
                "file": str(path),
                "kind": QUARANTINE,
                "addresses": [],
                "reason": str(problem),
            }
        except MailerError as error:
            failed = True
            click.echo(str(error), err=True)
            continue
        click.echo(json.dumps(line, ensure_ascii=False))
    if failed:
        raise UserError("some files could not be read")


@inbox_group.command("refile")
@click.argument("message_id")
@click.argument("kind", type=click.Choice(REFILE_TARGETS))
@click.option("--now", "now_text", metavar="T", type=MOMENT, hidden=True)
@pass_app
def inbox_refile(app: App, message_id: str, kind: str, now_text: datetime | None) -> None:
    """Put a misfiled message right: file it as KIND, and undo or apply what that changes."""
    from mailer.app import refile_message

    click.echo(refile_message(app, message_id, kind, app.now(now_text) if now_text else None).line)


COMMANDS = (poll_command, suggestions_command, report_command, rsvps_command, inbox_group)
