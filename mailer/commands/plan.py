"""Commands on the plan: init, check, plan, preview, ics."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mailer.app import App
from mailer.commands.common import Cell, Piece, UserError, pass_app, print_json, print_table
from mailer.mailkinds import SESSION_MAIL_KINDS

if TYPE_CHECKING:
    from mailer.plan import Plan

# -- the plan ------------------------------------------------------------------


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing schedule.yaml and privacy text.")
@pass_app
def init(app: App, force: bool) -> None:
    """Write a starter schedule.yaml (the Digital-Impuls plan) and datenschutz.md (the
    privacy text for /datenschutz: what mailer stores, to review); an existing file is kept."""
    from importlib.resources import files

    from mailer.plan import DEFAULT_PRIVACY_FILE
    from mailer.privacy import starter_text
    from mailer.store import schema_columns

    target = app.workspace.config
    privacy = target.parent / DEFAULT_PRIVACY_FILE
    if target.exists() and privacy.exists() and not force:
        raise UserError(
            f"{target.name} and {privacy.name} already exist here; use --force to overwrite them"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    starter = files("mailer").joinpath("starter/schedule.yaml").read_text("utf-8")
    if force or not target.exists():
        target.write_text(starter, "utf-8")
        click.echo(f"wrote {target}")
    if force or not privacy.exists():
        privacy.write_text(starter_text(app.plan(), schema_columns()) + "\n", "utf-8")
        click.echo(f"wrote {privacy} (the privacy text for /datenschutz: review and complete it)")
    click.echo("next: edit them, then `mailer check` and `mailer plan`")


@click.command()
@click.option("--now", "now_text", metavar="T", help="Check as of this moment (ISO 8601).")
@pass_app
def check(app: App, now_text: str | None) -> None:
    """Validate the plan and the templates."""
    import os

    from mailer.planfile import plan_warnings, web_warnings
    from mailer.render import check_templates
    from mailer.workspace import login_warnings

    plan = app.plan()
    now = app.now(now_text)
    upcoming = plan.sessions_from(now, 400) or list(plan.listed) or []
    sample = upcoming[0] if upcoming else plan.occurrence(now.date())
    check_templates(app.renderer(now), sample)
    for warning in [*plan_warnings(plan, now.date()), *web_warnings(plan, app.workspace.root)]:
        where = (
            f"{app.workspace.config.name}:{warning.line}"
            if warning.line
            else app.workspace.config.name
        )
        click.echo(f"{where}: warning: {warning.message}", err=True)
    for warning in login_warnings(plan, os.environ):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{app.workspace.config.name}: ok ({len(plan.listed)} sessions listed)")


@click.group("plan", invoke_without_command=True)
@click.option("--now", "now_text", metavar="T", help="Look from this moment (ISO 8601).")
@click.option("--months", default=6, show_default=True, help="How far ahead to look.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plan_command(ctx: click.Context, now_text: str | None, months: int, as_json: bool) -> None:
    """Upcoming sessions and when each mail will go out (`mailer plan undo`, `mailer plan
    history`: the changes made with `mailer session`, `mailer series` and /admin)."""
    if ctx.invoked_subcommand is None:
        show_plan(ctx.find_object(App), now_text, months, as_json)


def show_plan(app: App, now_text: str | None, months: int, as_json: bool) -> None:
    from mailer import german
    from mailer.app import newsletter_listing, notices_owed, rsvp_counts
    from mailer.outbound.consequences import notice_line
    from mailer.outbound.newsletters import SCHEDULED
    from mailer.timing import recap_due_at, schedule

    plan = app.plan()
    now = app.now(now_text)
    answers = rsvp_counts(app)
    sessions = plan.sessions_from(now, months * 31)
    owed = notices_owed(app, sessions)
    entries = []
    for session in sessions:
        mails = [
            {
                "kind": entry.stage.label,
                "due_at": entry.due_at.isoformat(),
                "state": "due" if entry.due_at <= now else "upcoming",
            }
            for entry in schedule(plan, session)
            if not session.cancelled
        ]
        if session.recap and not session.cancelled:
            mails.append(
                {"kind": "recap", "due_at": recap_due_at(plan, session).isoformat(),
                 "state": "upcoming"}
            )  # fmt: skip
        entries.append(
            {
                "date": session.date.isoformat(),
                "start": session.start.isoformat(),
                "end": session.end.isoformat(),
                "topic": session.topic,
                "guests": [{"name": g.name, "role": g.role} for g in session.guests],
                "join_url": session.join_url,
                "cancelled": session.cancelled,
                "listed": session.line is not None,
                "mails": mails,
                "rsvps": answers.get(session.key, answers.get("*")),
                "notice": (
                    {"kind": owed[session.key][0], "members": owed[session.key][1]}
                    if session.key in owed
                    else None
                ),
            }
        )
    if as_json:
        print_json(entries)
        return
    rows = []
    for entry, session in zip(entries, sessions, strict=True):
        topic: Cell = session.topic or ("open", "dim")
        if session.cancelled:
            topic = ("cancelled", "red")
        mails: list[Piece] = []
        for index, mail in enumerate(entry["mails"]):
            due_at = datetime.fromisoformat(mail["due_at"])
            mails.append(("\n" if index else "") + f"{mail['kind']}: {due_at:%Y-%m-%d %H:%M}")
            if mail["state"] == "due":
                mails.append((" (due)", "yellow"))
        if notice := entry["notice"]:
            if mails:
                mails.append("\n")
            text = notice_line(notice["kind"], notice["members"])
            mails.append((text, "bold yellow"))
        counted = entry["rsvps"]
        replies = (
            f"{counted['accepted']} zugesagt, {counted['declined']} abgesagt,\n"
            f"{counted['tentative']} vielleicht, {counted['open']} offen"
            if counted
            else ""
        )
        rows.append([german.long_datetime(session.start), topic, mails, replies])
    moments = [session.start for session in sessions]
    for letter in reversed(newsletter_listing(app)):
        if letter.status != SCHEDULED:
            continue
        moment = plan.local(datetime.fromisoformat(letter.send_at))
        due = [(" (due)", "yellow")] if moment <= now else []
        moments.append(moment)
        rows.append(
            [german.long_datetime(moment), f"newsletter {letter.id}: {letter.subject}",
             [f"newsletter: {moment:%Y-%m-%d %H:%M}", *due], ""]
        )  # fmt: skip
    rows = [row for _, row in sorted(zip(moments, rows, strict=True), key=lambda pair: pair[0])]
    columns = ["session", "topic", "mails (local time)", "answers"]
    if not any(key != "*" for key in answers):  # no answers yet: no column for them
        columns.pop()
        rows = [row[:-1] for row in rows]
    print_table(f"{plan.series.name} – from {german.long_datetime(now)}", columns, rows)


@click.command()
@click.argument("session_date")
@click.argument("kind", type=click.Choice(SESSION_MAIL_KINDS))
@click.option("--now", "now_text", metavar="T", help="Render as of this moment.")
@pass_app
def preview(app: App, session_date: str, kind: str, now_text: str | None) -> None:
    """Render one mail to an HTML file and an .eml file, and say where."""
    from mailer.outbound.outbox import OutboxKey
    from mailer.render import Recipient, personalize

    plan = app.plan()
    session = find_session(plan, session_date)
    now = app.now(now_text)
    letter = sample_letter(app, session, kind, now)
    recipient = Recipient(**SAMPLE_RECIPIENT)
    # Signed with a throw-away secret: a sample is no mail of ours to anyone.
    message_id = OutboxKey.preview(session.key, kind).message_id(plan.sender.list_id, b"preview")
    message = personalize(plan, letter, recipient, message_id, now)
    write_preview(app, message, f"{session.key}-{kind}", letter.subject)


def write_preview(app: App, message, stem: str, subject: str) -> None:
    """The mail's HTML part and the whole .eml into preview/, and where they are."""
    from email import policy

    folder = app.workspace.previews
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{stem}.html"
    eml_path = folder / f"{stem}.eml"
    body = message.get_body(("html",))
    assert body is not None
    html_path.write_text(body.get_content(), "utf-8")
    eml_path.write_bytes(message.as_bytes(policy=policy.default))
    click.echo(f"Subject: {subject}")
    click.echo(f"html: {html_path}")
    click.echo(f"eml:  {eml_path}")


@click.command()
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file."
)
@click.option("--now", "now_text", metavar="T", help="The feed as of this moment.")
@click.option("--months", default=12, show_default=True, help="How far ahead the feed reaches.")
@pass_app
def ics(app: App, output: Path | None, now_text: str | None, months: int) -> None:
    """The whole series as one subscribable calendar feed."""
    from datetime import timedelta

    from mailer.invite import feed

    plan = app.plan()
    now = app.now(now_text)
    sessions = plan.sessions_between(
        now.date() - timedelta(days=92), now.date() + timedelta(days=31 * months)
    )
    data = feed(plan, [(s, visible_sequence(app, s)) for s in sessions], now)
    if output:
        output.write_bytes(data)
        click.echo(f"wrote {len(sessions)} sessions to {output}")
    else:
        click.echo(data.decode("utf-8"), nl=False)


def find_session(plan: Plan, text: str):
    from datetime import date

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError(f"'{text}' is not a date like 2023-09-07") from None
    session = plan.session(day)
    if session is None:
        raise UserError(
            f"there is no session on {day} in {plan.series.name}'s plan (see `mailer plan`)"
        )
    return session


def visible_sequence(app: App, session) -> int:
    """The SEQUENCE members would see for this content; 0 before anything was sent."""
    if not app.workspace.db.exists():
        return 0
    with app.store() as store:
        return store.known_sequence(session.key, session.version)


def sample_letter(app: App, session, kind: str, now):
    """The letter as members would get it now: the SEQUENCE they would see (0 before
    anything was sent) and, for an update, the changes since the version recorded before."""
    from mailer.mailkinds import RECAP, UPDATE

    if kind == RECAP and not session.recap:
        raise UserError(
            f"the session on {session.date} has no recap yet: write `recap:` under it in"
            f" {app.workspace.config.name}"
        )

    sequence, told = visible_sequence(app, session), None
    if kind == UPDATE and app.workspace.db.exists():
        with app.store() as store:
            told = store.previous_version(session.key, session.version)
    return app.renderer(now).letter(session, kind, sequence, told)


SAMPLE_RECIPIENT = dict(
    email="erika.mustermann@example.org", name="Erika Mustermann", token="VORSCHAU",
    first_name="Erika", last_name="Mustermann", salutation="Frau Bürgermeisterin",
)  # fmt: skip
