"""The `mailer` command.

Each command opens what it needs, calls the library, and reports. Heavier modules are
imported inside the commands, so `mailer --help` stays fast. Every MailerError becomes
one sentence on stderr and exit status 1; nothing a user can cause ends in a traceback.
"""

from __future__ import annotations

from pathlib import Path

import click

from mailer.app import App
from mailer.commands import admin, delivery, inbound, newsletter, plan, planedits, subscribers, web
from mailer.commands.common import MailerGroup


@click.group(cls=MailerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    default="schedule.yaml",
    envvar="MAILER_CONFIG",
    show_default=True,
    help="The session plan and settings.",
)
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default="subscribers.db",
    envvar="MAILER_DB",
    show_default=True,
    help="The SQLite database with subscribers, outbox and inbox.",
)
@click.version_option(package_name="mailer")
@click.pass_context
def cli(ctx: click.Context, config: Path, db: Path) -> None:
    """The mail of a recurring online meeting: announcements, reminders, invitations,
    and the replies members send back."""
    ctx.obj = App(config.absolute(), db.absolute())


def _override(name: str):
    """`mailer tick --config x.yaml` works as well as `mailer --config x.yaml tick`."""

    def callback(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
        app = ctx.find_object(App)
        if value is not None and app is not None:
            app.use(**{name: value.absolute()})

    return callback


def _with_workspace_options(command: click.Command) -> None:
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_workspace_options(sub)
        if not command.invoke_without_command:
            return
    for name in ("config", "db"):
        command.params.append(
            click.Option(
                [f"--{name}"],
                type=click.Path(path_type=Path, dir_okay=False),
                expose_value=False,
                is_eager=True,
                callback=_override(name),
                help=f"Same as `mailer --{name}`.",
                hidden=True,
            )
        )


plan.plan_command.add_command(planedits.undo)
plan.plan_command.add_command(planedits.history)

for command in (
    plan.init,
    plan.check,
    plan.plan_command,
    plan.preview,
    plan.ics,
    subscribers.subscribers,
    newsletter.newsletter,
    *delivery.COMMANDS,
    *inbound.COMMANDS,
    web.serve,
    planedits.session,
    planedits.series,
    admin.admin,
):
    _with_workspace_options(command)
    cli.add_command(command)


def main() -> None:
    cli(prog_name="mailer")
