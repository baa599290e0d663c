"""`mailer admin add|list|remove|password`: the organizers who may log in to /admin."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from mailer.app import App
from mailer.commands.common import UserError, pass_app, print_json


def read_password() -> str:
    """Asked twice, hidden, on a terminal; one line on standard input otherwise (a
    script, a pipe: `printf '%s\\n' "$PASSWORD" | mailer admin add anna`)."""
    if sys.stdin.isatty():
        return click.prompt(
            "Password", hide_input=True, confirmation_prompt="Password again", err=True
        )
    line = sys.stdin.readline()
    if not line:
        raise UserError("no password on standard input (one line is read)")
    return line.removesuffix("\n").removesuffix("\r")


@click.group()
def admin() -> None:
    """The organizers who may log in to /admin (passwords kept only as Argon2 hashes)."""


@admin.command("add")
@click.argument("name")
@pass_app
def add(app: App, name: str) -> None:
    """Add organizer NAME; the password is asked twice (or read as one line from stdin)."""
    from mailer.accounts import add_organizer, check_name

    check_name(name)
    password = read_password()
    with app.store() as store:
        organizer = add_organizer(store.conn, name, password, datetime.now(UTC))
    click.echo(f"added organizer '{organizer.name}'; they log in at /admin with this password")


@admin.command("password")
@click.argument("name")
@pass_app
def password(app: App, name: str) -> None:
    """Give organizer NAME a new password (asked twice, or one line from stdin)."""
    from mailer.accounts import set_password

    new = read_password()
    with app.store() as store:
        set_password(store.conn, name, new, datetime.now(UTC))
    click.echo(f"new password for '{name}'")


@admin.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def list_command(app: App, as_json: bool) -> None:
    """The organizers, and whether MAILER_ADMIN_PASSWORD opens the account `admin` here."""
    import os
    from dataclasses import asdict

    from mailer.accounts import ENVIRONMENT_ACCOUNT, organizers

    with app.store() as store:
        found = organizers(store.conn)
    if as_json:
        print_json([asdict(o) for o in found])
        return
    for organizer in found:
        click.echo(f"{organizer.name}  (since {organizer.created_at})")
    if os.environ.get("MAILER_ADMIN_PASSWORD"):
        click.echo(f"{ENVIRONMENT_ACCOUNT}  (MAILER_ADMIN_PASSWORD, from the environment)")
    if not found and not os.environ.get("MAILER_ADMIN_PASSWORD"):
        click.echo("no organizers yet: `mailer admin add NAME`")


@admin.command("remove")
@click.argument("name")
@pass_app
def remove(app: App, name: str) -> None:
    """Remove organizer NAME: they can no longer log in."""
    from mailer.accounts import remove_organizer

    with app.store() as store:
        remove_organizer(store.conn, name)
    click.echo(f"removed organizer '{name}'")
