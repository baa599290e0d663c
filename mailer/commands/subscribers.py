"""Commands on the subscriber list."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mailer.app import App
from mailer.commands.common import UserError, consent_time, pass_app, print_json, print_table
from mailer.store import STATUSES

# -- subscribers -----------------------------------------------------------------


@click.group()
def subscribers() -> None:
    """The subscriber list: add, import, list, export, unsubscribe, reactivate, remove."""


@subscribers.command("add")
@click.argument("email")
@click.option("--name", help="Full name, used in the greeting.")
@click.option("--org", help="Organisation, e.g. the municipality.")
@click.option(
    "--consent",
    default="added by the organizer",
    show_default=True,
    help="Where and how the person agreed (kept as proof).",
)
@click.option("--now", "now_text", metavar="T", hidden=True)
@pass_app
def subscribers_add(
    app: App, email: str, name: str | None, org: str | None, consent: str, now_text: str | None
) -> None:
    """Add an active subscriber."""
    from mailer.members import clean_text, normalize_address

    address = normalize_address(email)
    with app.store() as store:
        subscriber, changed = store.add_subscriber(
            address,
            clean_text(name, "--name"),
            clean_text(org, "--org"),
            consent=consent,
            now=consent_time(app, now_text),
        )
    click.echo(f"{'added' if changed else 'already active:'} {subscriber.email}")


@subscribers.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@pass_app
def subscribers_import(app: App, file: Path) -> None:
    """Import a CSV with the columns email, name, org."""
    from mailer.members import read_members

    rows, problems = read_members(file.read_bytes(), file.name)
    for problem in problems:
        click.echo(f"{file.name}:{problem.line}: {problem.message}", err=True)
    with app.store() as store:
        added, existing = store.add_many(
            ((r.email, r.name, r.org) for r in rows),
            consent=f"imported from {file.name}",
            now=consent_time(app, None),
        )
    click.echo(f"imported {added}, already on the list {existing}, bad rows {len(problems)}")
    if problems and not rows:
        sys.exit(1)


@subscribers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--status", type=click.Choice(STATUSES))
@pass_app
def subscribers_list(app: App, as_json: bool, status: str | None) -> None:
    """List subscribers with their status."""
    with app.store() as store:
        people = [
            {
                "email": s.email,
                "name": s.name,
                "org": s.org,
                "status": s.status,
                "consent_source": s.consent_source,
                "consent_at": s.consent_at,
            }
            for s in store.subscribers(status)
        ]
    if as_json:
        print_json(people)
        return
    print_table(
        f"{len(people)} subscribers",
        ("email", "name", "org", "status"),
        ([p["email"], p["name"] or "", p["org"] or "", p["status"]] for p in people),
    )


@subscribers.command("export")
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file."
)
@pass_app
def subscribers_export(app: App, output: Path | None) -> None:
    """Write the list as CSV (email, name, org, status, consent)."""
    import os

    from mailer.members import members_csv

    with app.store() as store:
        text = members_csv(
            (s.email, s.name, s.org, s.status, s.consent_source, s.consent_at)
            for s in store.subscribers()
        )
    if output:
        # Personal data: readable by this user only (0600), like subscribers.db.
        handle = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@subscribers.command("unsubscribe")
@click.argument("email")
@pass_app
def subscribers_unsubscribe(app: App, email: str) -> None:
    """Unsubscribe; the consent record is kept as proof."""
    from mailer.store import UNSUBSCRIBED

    with app.store() as store:
        subscriber = store.set_status(
            email.strip(), UNSUBSCRIBED, "unsubscribed by the organizer", consent_time(app, None)
        )
    if subscriber is None:
        raise UserError(f"{email} is not on the list")
    click.echo(f"unsubscribed {subscriber.email}")


@subscribers.command("reactivate")
@click.option(
    "--bounced-since",
    "since",
    metavar="T",
    required=True,
    help="Everyone marked bounced at or after this moment (ISO 8601) becomes active again.",
)
@pass_app
def subscribers_reactivate(app: App, since: str) -> None:
    """Undo a mass bounce: members marked bounced since T are active again (consent logged)."""
    moment = app.now(since)
    with app.store() as store:
        emails = store.reactivate_bounced(
            moment,
            f"reactivated by the organizer: bounced since {moment.isoformat(timespec='minutes')}",
            consent_time(app, None),
        )
    click.echo(f"reactivated {len(emails)}" + (": " + ", ".join(emails) if emails else ""))


@subscribers.command("remove")
@click.argument("email")
@pass_app
def subscribers_remove(app: App, email: str) -> None:
    """Erase everything about a person (DSGVO Art. 17)."""
    from mailer.erasure import erase_member

    with app.store() as store:
        removed = erase_member(store, email.strip())
    if not removed:
        raise UserError(f"{email} is not on the list")
    click.echo(f"removed {email} and all records about them")
