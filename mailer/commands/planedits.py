"""Commands that change the plan: `mailer session ...`, `mailer series edit`, and
`mailer plan undo|history`. They call the same core as /admin (planedit, planstore):
each says what it wrote and what the next tick will send because of it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from mailer.app import App
from mailer.commands.common import UserError, pass_app, print_json, print_table
from mailer.commands.values import MOMENT, Count, read_file

RECAP_LARGEST = 1024 * 1024  # a recap is a few paragraphs; /dev/zero would never end


def _by_default() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def edit_options(command: Callable) -> Callable:
    """The options every plan edit shares."""
    for option in reversed(
        [
            click.option(
                "--no-mail",
                is_flag=True,
                help="Not worth a mail (a typo): the invitation changes, nobody is told.",
            ),
            click.option("--by", metavar="NAME", help="Who made the change (default: your login)."),
            click.option(
                "--now", "now_text", metavar="T", type=MOMENT, help="Say what it sends as of T."
            ),
            click.option(
                "--dry-run", is_flag=True, help="Show the change and what it sends; write nothing."
            ),
        ]
    ):
        command = option(command)
    return command


def _apply(app: App, edit: Any, options: dict[str, Any]) -> None:
    from dataclasses import replace

    from mailer.app import edit_plan
    from mailer.planedit import EditError

    edit = replace(edit, notify=not options["no_mail"])
    now = app.now(options["now_text"])
    try:
        done = edit_plan(
            app, edit, now, by=options["by"] or _by_default(), via="cli",
            dry_run=options["dry_run"],
        )  # fmt: skip
    except EditError as error:
        where = f"--{error.field.replace('_', '-')}: " if error.field else ""
        raise UserError(f"{where}{error}") from None
    name = app.workspace.config.name
    if options["dry_run"]:
        shown = done
        click.echo(f"{name} would change (dry run: nothing was written):")
    else:
        shown = done.preview
        click.echo(f"{name}: {done.change.english}")
    for line in shown.diff:
        click.echo(f"  {line}")
    _say_sends(shown.sends)


def _say_sends(sends: list) -> None:
    if not sends:
        click.echo("will send: nothing")
    for sending in sends:
        click.echo(f"will send: {sending.english}")


def _guests(values: tuple[str, ...], none: bool):
    from mailer.planedit import KEEP, Guest

    if none:
        return ()
    if not values:
        return KEEP
    guests = []
    for value in values:
        name, _, role = value.partition("|")
        guests.append(Guest(name.strip(), role.strip() or None))
    return tuple(guests)


def _given(value: str | None):
    """An option's value for an edit: not given leaves the plan as it is; "" removes."""
    from mailer.planedit import KEEP

    return KEEP if value is None else value


def session_options(command: Callable) -> Callable:
    for option in reversed(
        [
            click.option("--topic", help='The topic ("" removes it).'),
            click.option(
                "--guest",
                "guests",
                multiple=True,
                metavar="'NAME|ROLE'",
                help="A guest, with the role after a '|'; repeat for each (replaces the list).",
            ),
            click.option("--no-guests", is_flag=True, help="Remove every guest."),
            click.option("--description", help='The description ("" removes it).'),
            click.option("--time", help='The start, like 17:00 ("" : the series\' time).'),
            click.option("--join-url", help='A link of its own ("" : the series\' link).'),
        ]
    ):
        command = option(command)
    return command


@click.group()
def session() -> None:
    """Change the plan's sessions: add, edit, move, cancel, recap, remove.

    A session is named by the date it was first planned on (as `mailer plan` lists it).
    """


@session.command("add")
@click.argument("date")
@session_options
@edit_options
@pass_app
def add(app: App, date: str, **options: Any) -> None:
    """Add a session on DATE (on a date of the rule: fill in that session)."""
    from mailer.planedit import AddSession

    guests = _guests(options.pop("guests"), options.pop("no_guests"))
    edit = AddSession(
        date=date,
        topic=options.pop("topic"),
        guests=guests or (),
        description=options.pop("description"),
        time=options.pop("time"),
        join_url=options.pop("join_url"),
    )
    _apply(app, edit, options)


@session.command("edit")
@click.argument("session_key", metavar="SESSION")
@session_options
@edit_options
@pass_app
def edit(app: App, session_key: str, **options: Any) -> None:
    """Change a session's topic, guests, description, time or link."""
    from mailer.planedit import EditSession

    change = EditSession(
        session=session_key,
        topic=_given(options.pop("topic")),
        guests=_guests(options.pop("guests"), options.pop("no_guests")),
        description=_given(options.pop("description")),
        time=_given(options.pop("time")),
        join_url=_given(options.pop("join_url")),
    )
    if not change.changed_fields():
        raise UserError("say what to change: --topic, --guest, --description, --time, --join-url")
    _apply(app, change, options)


@session.command("move")
@click.argument("session_key", metavar="SESSION")
@click.argument("date")
@click.option("--time", help="The new start time too, like 17:00.")
@edit_options
@pass_app
def move(app: App, session_key: str, date: str, time: str | None, **options: Any) -> None:
    """Move a session to another DATE (writes `moved_from:`; members get an update)."""
    from mailer.planedit import MoveSession

    _apply(app, MoveSession(session=session_key, date=date, time=_given(time)), options)


@session.command("cancel")
@click.argument("session_key", metavar="SESSION")
@click.option("--reason", help="Why; shown in the cancellation mail.")
@edit_options
@pass_app
def cancel(app: App, session_key: str, reason: str | None, **options: Any) -> None:
    """Cancel a session (members who were invited get a cancellation)."""
    from mailer.planedit import CancelSession

    _apply(app, CancelSession(session=session_key, reason=reason), options)


@session.command("reinstate")
@click.argument("session_key", metavar="SESSION")
@edit_options
@pass_app
def reinstate(app: App, session_key: str, **options: Any) -> None:
    """Take a cancellation back: the session takes place."""
    from mailer.planedit import ReinstateSession

    _apply(app, ReinstateSession(session=session_key), options)


@session.command("recap")
@click.argument("session_key", metavar="SESSION")
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE.md|-")
@edit_options
@pass_app
def recap(app: App, session_key: str, source: str, **options: Any) -> None:
    """Write the session's recap (Markdown) from a file, or from standard input with -.
    An empty file removes it."""
    from mailer.planedit import WriteRecap

    if source == "-":
        data = sys.stdin.buffer.read(RECAP_LARGEST + 1)
        if len(data) > RECAP_LARGEST:
            raise UserError("standard input: larger than 1 MB, too large for a recap")
    else:
        data = read_file(Path(source), RECAP_LARGEST, "a recap")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{source}: is not UTF-8 text; save the recap as UTF-8") from None
    _apply(app, WriteRecap(session=session_key, recap=text), options)


@session.command("remove")
@click.argument("session_key", metavar="SESSION")
@edit_options
@pass_app
def remove(app: App, session_key: str, **options: Any) -> None:
    """Remove a session's entry from the plan (to call a session off, cancel it)."""
    from mailer.planedit import RemoveSession

    _apply(app, RemoveSession(session=session_key), options)


@click.group()
def series() -> None:
    """Change the series' settings in schedule.yaml."""


@series.command("edit")
@click.option("--name", help="The series' name.")
@click.option("--description", help='Shown in every announcement ("" removes it).')
@click.option("--time", help="When every session starts, like 16:00.")
@click.option("--duration", help="How long a session lasts, like 90m.")
@click.option("--join-url", help="The link of every session.")
@click.option("--announcement", help="How long before the start the announcement goes, like 14d.")
@click.option(
    "--reminder", "reminders", multiple=True, help="A reminder before the start, like 1h; repeat."
)
@click.option("--salutation", type=click.Choice(["du", "sie", "neutral"]), help="The register.")
@click.option("--imprint", help="The footer of every mail.")
@edit_options
@pass_app
def series_edit(app: App, **options: Any) -> None:
    """Change the series' name, description, time, duration, link, mail times,
    salutation or imprint."""
    from mailer.planedit import KEEP, EditSeries

    reminders = options.pop("reminders")
    texts = ("name", "description", "time", "duration", "join_url", "announcement")
    change = EditSeries(
        **{name: _given(options.pop(name)) for name in (*texts, "salutation", "imprint")},
        reminders=tuple(reminders) if reminders else KEEP,
    )
    if not change.changed_fields():
        raise UserError("say what to change (see `mailer series edit --help`)")
    _apply(app, change, options)


@click.command("undo")
@click.option("--by", metavar="NAME", help="Who undoes it (default: your login).")
@click.option("--now", "now_text", metavar="T", type=MOMENT, help="Say what it sends as of T.")
@click.option(
    "--dry-run", is_flag=True, help="Show what it would undo, change and send; write nothing."
)
@pass_app
def undo(app: App, by: str | None, now_text: datetime | None, dry_run: bool) -> None:
    """Undo the last change made through mailer (if the file was not changed since)."""
    from mailer.app import undo_plan

    done = undo_plan(app, app.now(now_text), by=by or _by_default(), via="cli", dry_run=dry_run)
    undone = done.undone
    did = "would undo (dry run: nothing was written)" if dry_run else "undid"
    click.echo(
        f"{app.workspace.config.name}: {did} change {undone.id} ({undone.english};"
        f" by {undone.by}, {undone.at})"
    )
    for line in done.diff:
        click.echo(f"  {line}")
    _say_sends(done.sends)


@click.command("history")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=Count(1, 10_000, "a number of changes from 1 to 10000"),
    help="How many of the newest changes.",
)
@pass_app
def history(app: App, as_json: bool, limit: int) -> None:
    """The changes made to the plan through mailer, newest first: when, by whom, what."""
    from dataclasses import asdict

    from mailer.app import plan_history

    changes = plan_history(app, limit)
    if as_json:
        print_json([{**asdict(c), "summary": c.english} for c in changes])
        return
    print_table(
        f"{app.workspace.config.name}: the newest {len(changes)} changes",
        ("#", "at", "by", "via", "what", "undone"),
        (
            [str(c.id), c.at, c.by, c.via, c.english, f"by #{c.undone_by}" if c.undone_by else ""]
            for c in changes
        ),
    )
