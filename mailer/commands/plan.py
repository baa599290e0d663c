"""Commands on the plan: init, check, plan, preview, ics."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mailer.app import App
from mailer.commands.common import Cell, Piece, UserError, pass_app, print_json, print_table
from mailer.commands.values import DAY, MOMENT, MONTHS, write_file
from mailer.mailkinds import SESSION_MAIL_KINDS

if TYPE_CHECKING:
    from mailer.plan import Plan

# -- the plan ------------------------------------------------------------------


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing schedule.yaml and privacy text.")
@click.option(
    "--now", "now_text", metavar="T", type=MOMENT, help="Write the plan as of this moment."
)
@pass_app
def init(app: App, force: bool, now_text: datetime | None) -> None:
    """Write a starter schedule.yaml: the Digital-Impuls from its next session on, with
    three example sessions that nobody gets mail about until they are filled in; and
    datenschutz.md (the privacy text for /datenschutz: what mailer stores, to review). An
    existing file is kept unless --force."""
    from zoneinfo import ZoneInfo

    from mailer.plan import DEFAULT_PRIVACY_FILE
    from mailer.privacy import starter_text
    from mailer.starterplan import ZONE, next_sessions, starter_plan
    from mailer.store import schema_columns

    zone = ZoneInfo(ZONE)
    moment = now_text or datetime.now(zone)
    today = (moment.astimezone(zone) if moment.tzinfo else moment).date()
    target = app.workspace.config
    privacy = target.parent / DEFAULT_PRIVACY_FILE
    if target.exists() and privacy.exists() and not force:
        raise UserError(
            f"{target.name} and {privacy.name} already exist here; use --force to overwrite them"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if force or not target.exists():
        write_file(target, starter_plan(today).encode("utf-8"))
        first = next_sessions(today)
        click.echo(f"wrote {target}: the Digital-Impuls from {first[0]} on")
        click.echo(
            f"the sessions on {', '.join(str(day) for day in first)} are examples"
            " (`example: true`): nobody gets mail about them until you write their real"
            " topics and delete that line"
        )
    if force or not privacy.exists():
        text = starter_text(app.plan(), schema_columns()) + "\n"
        write_file(privacy, text.encode("utf-8"))
        click.echo(f"wrote {privacy} (the privacy text for /datenschutz: review and complete it)")
    click.echo("next: edit them, then `mailer check` and `mailer plan`")


@click.command()
@click.option(
    "--now", "now_text", metavar="T", type=MOMENT, help="Check as of this moment (ISO 8601)."
)
@pass_app
def check(app: App, now_text: datetime | None) -> None:
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
@click.option(
    "--now", "now_text", metavar="T", type=MOMENT, help="Look from this moment (ISO 8601)."
)
@click.option("--months", default=6, show_default=True, type=MONTHS, help="How far ahead to look.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plan_command(ctx: click.Context, now_text: datetime | None, months: int, as_json: bool) -> None:
    """Upcoming sessions and when each mail will go out (`mailer plan undo`, `mailer plan
    history`: the changes made with `mailer session`, `mailer series` and /admin)."""
    if ctx.invoked_subcommand is None:
        show_plan(ctx.find_object(App), now_text, months, as_json)


def show_plan(app: App, now_text: datetime | None, months: int, as_json: bool) -> None:
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
            if not session.cancelled and not session.example
        ]
        if session.recap and not session.cancelled and not session.example:
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
                "example": session.example,
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
        elif session.example:
            topic = (f"{session.topic} (example: no mail until filled in)", "dim")
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
@click.argument("session_date", type=DAY)
@click.argument("kind", type=click.Choice(SESSION_MAIL_KINDS))
@click.option("--now", "now_text", metavar="T", type=MOMENT, help="Render as of this moment.")
@pass_app
def preview(app: App, session_date: date, kind: str, now_text: datetime | None) -> None:
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
    from mailer.render import WIRE_POLICY

    folder = app.workspace.previews
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{stem}.html"
    eml_path = folder / f"{stem}.eml"
    body = message.get_body(("html",))
    assert body is not None
    write_file(html_path, body.get_content().encode("utf-8"))
    write_file(eml_path, message.as_bytes(policy=WIRE_POLICY))  # as it would go on the wire
    click.echo(f"Subject: {subject}")
    click.echo(f"html: {html_path}")
    click.echo(f"eml:  {eml_path}")


@click.command()
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file."
)
@click.option("--now", "now_text", metavar="T", type=MOMENT, help="The feed as of this moment.")
@click.option(
    "--months", default=12, show_default=True, type=MONTHS,
    help="How far ahead the feed reaches.",
)  # fmt: skip
@pass_app
def ics(app: App, output: Path | None, now_text: datetime | None, months: int) -> None:
    """The whole series as one subscribable calendar feed."""
    from datetime import timedelta

    from mailer.invite import feed

    plan = app.plan()
    now = app.now(now_text)
    sessions = plan.sessions_between(
        now.date() - timedelta(days=92), now.date() + timedelta(days=31 * months)
    )
    data = feed(plan, published(app, sessions, now), now)
    if output:
        write_file(output, data)
        click.echo(f"wrote {len(sessions)} sessions to {output}")
    else:
        click.echo(data.decode("utf-8"), nl=False)


def find_session(plan: Plan, day: date):
    session = plan.session(day)
    if session is None:
        raise UserError(
            f"there is no session on {day} in {plan.series.name}'s plan (see `mailer plan`)"
        )
    return session


def published(app: App, sessions: list, now: datetime) -> list:
    """The sessions with SEQUENCE and LAST-MODIFIED as the feed publishes them (see
    queueing.published_versions); before subscribers.db exists: 0, and the plan file's time."""
    from datetime import UTC

    from mailer.outbound.queueing import published_versions

    if not app.workspace.db.exists():
        edited = datetime.fromtimestamp(app.workspace.config.stat().st_mtime, UTC)
        return [(session, 0, min(edited, now)) for session in sessions]
    with app.store() as store:
        return published_versions(store, sessions, now)


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
