"""Commands on the subscriber list."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from mailer.app import App
from mailer.commands.common import UserError, consent_time, pass_app, print_json, print_table
from mailer.commands.values import MOMENT, read_file, write_file
from mailer.csvfiles import EXCEL, FORMATS
from mailer.store import STATUSES

LARGEST_LIST = 64 * 1024 * 1024  # a million members in UTF-8; 100,000 are about 7 MB

# -- subscribers -----------------------------------------------------------------


@click.group()
def subscribers() -> None:
    """The subscriber list: add, edit, import, list, export, unsubscribe, reactivate, remove."""


PERSON_OPTIONS = {
    "--name": "Full name, shown in the To line.",
    "--first-name": "First name, for the greeting with du (Hallo Anna,).",
    "--last-name": "Last name, for the greeting with Sie.",
    "--salutation": "How the person is addressed with Sie: Frau, Herr, Frau Bürgermeisterin,"
    " Herr Dr., ...",
    "--org": "Organisation, e.g. the municipality.",
}


def person_options(command):
    """The options that say who a member is (salutation.Person), for add and edit."""
    for option, text in reversed(PERSON_OPTIONS.items()):
        command = click.option(option, help=text)(command)
    return command


def given_person(given: dict[str, str | None], member=None):
    """The Person of the options (each one line, as clean_text makes it; "" empties
    one); an option not given keeps `member`'s value."""
    from mailer.members import clean_text
    from mailer.salutation import Person

    return Person(**{
        column: getattr(member, column, None) if value is None
        else clean_text(value, "--" + column.replace("_", "-"))
        for column, value in given.items()
    })  # fmt: skip


@subscribers.command("add")
@click.argument("email")
@person_options
@click.option(
    "--consent",
    help="Where and how the person agreed (kept as proof).  [default: added by the organizer]",
)
@click.option(
    "--resubscribe",
    is_flag=True,
    help="Add again someone who unsubscribed; needs --consent with their new agreement.",
)
@click.option("--now", "now_text", metavar="T", type=MOMENT, hidden=True)
@pass_app
def subscribers_add(
    app: App,
    email: str,
    consent: str | None,
    resubscribe: bool,
    now_text: datetime | None,
    **given: str | None,
) -> None:
    """Add an active subscriber."""
    from mailer.consent import PENDING, Act
    from mailer.members import normalize_address

    address = normalize_address(email)
    person = given_person(given)
    # DSGVO Art. 7(3) and UWG § 7: whoever withdrew their consent gets no more mail until
    # they give it again, and that new consent is what the log must show (mailer.consent).
    new_consent = resubscribe and bool(consent and consent.strip())
    with app.store() as store:
        done = store.change(
            address,
            Act.ADD_AGAIN if new_consent else Act.ADD,
            (consent or "").strip() or "added by the organizer",
            consent_time(app, now_text),
            person=person,
        )
    if done.refused or done.member is None:
        raise UserError(done.refusal(address))
    before, member = done.before, done.member
    if not done.changed:
        click.echo(f"already active: {member.email}")
    elif before.status is None:
        click.echo(f"added {member.email}")
    else:
        again = "active" if before.status == PENDING and not before.withdrawn else "active again"
        recorded = "; their new consent is on record" if before.withdrawn else ""
        click.echo(f"{again}: {member.email} (was {before.words()}{recorded})")


@subscribers.command("edit")
@click.argument("email")
@person_options
@click.option("--now", "now_text", metavar="T", type=MOMENT, hidden=True)
@pass_app
def subscribers_edit(app: App, email: str, now_text: datetime | None, **given: str | None) -> None:
    """Change what is known of a member: the options given replace their values, ""
    empties one. The status stays (see unsubscribe and add)."""
    with app.store() as store:
        member = store.subscriber(email.strip())
        if member is None:
            raise UserError(f"{email} is not on the list")
        person = given_person(given, member)
        done = store.edit_person(member.id, person, consent_time(app, now_text))
    if done is None:
        raise UserError(f"{email} is not on the list")
    before, after = done
    changed = [column for column in given if getattr(before, column) != getattr(after, column)]
    if not changed:
        click.echo(f"unchanged: {after.email}")
        return
    click.echo(f"changed {after.email}: " + ", ".join(
        f"{column} {getattr(after, column) or '(none)'}" for column in changed))  # fmt: skip


@subscribers.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--dry-run", is_flag=True, help="Report what the import would do; write nothing.")
@pass_app
def subscribers_import(app: App, file: Path, dry_run: bool) -> None:
    """Import a CSV in any encoding Excel saves in: a header row names the columns (email,
    name, first_name, last_name, salutation, title, org; or E-Mail, Name, Vorname,
    Nachname, Anrede, Titel, Kommune). An export of mailer's is read back too."""
    from mailer.members import import_cause, read_members

    found = read_members(read_file(file, LARGEST_LIST, "a list of members"), file.name)
    for column in found.unused_columns:
        click.echo(
            f"{file.name}:1: the column '{column}' is not one mailer knows; it was not imported",
            err=True,
        )
    for problem in [*found.problems, *found.not_active]:
        click.echo(f"{file.name}:{problem.line}: {problem.message}", err=True)
    rows = [(row.email, row.person) for row in found.rows]
    with app.store() as store:
        if dry_run:
            done = store.plan_import(rows)
        else:
            done = store.add_many(
                rows, consent=import_cause(file.name), now=consent_time(app, None)
            )
    lines = {row.email: row.line for row in found.rows}
    for left in done.left_out:
        click.echo(f"{file.name}:{lines[left.email]}: {left.sentence()}", err=True)
    left_out = f", left out after a withdrawal {len(done.left_out)}" if done.left_out else ""
    not_active = f", not active in the file {len(found.not_active)}" if found.not_active else ""
    click.echo(
        f"{'would import' if dry_run else 'imported'} {len(done.new)}, already on the list"
        f" {len(done.existing)}{left_out}, bad rows {len(found.problems)}" + not_active
    )
    if found.problems and not found.rows:
        sys.exit(1)


@subscribers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--status", type=click.Choice(STATUSES))
@click.option(
    "--search", metavar="WORDS",
    help="Only members with every word in their address, names or municipality (any case).",
)  # fmt: skip
@pass_app
def subscribers_list(app: App, as_json: bool, status: str | None, search: str | None) -> None:
    """List subscribers with their status."""
    with app.store() as store:
        found = store.find(search or "", status, limit=None).members
        people = [
            {
                "email": s.email,
                "name": s.name,
                "org": s.org,
                "status": s.status,
                "consent_source": s.consent_source,
                "consent_at": s.consent_at,
                "first_name": s.first_name,
                "last_name": s.last_name,
                "salutation": s.salutation,
            }
            for s in found
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
@click.option(
    "--format", "form", type=click.Choice(FORMATS), default=EXCEL, show_default=True,
    help="excel: opens in a German Excel by a double click (UTF-8 with BOM, semicolons,"
    " German column names); plain: UTF-8, commas, the column names in English.",
)  # fmt: skip
@pass_app
def subscribers_export(app: App, output: Path | None, form: str) -> None:
    """Write the list as CSV (email, name, org, status, consent); `import` reads it back."""
    from mailer.members import export_row, members_csv

    with app.store() as store:
        data = members_csv((export_row(s) for s in store.subscribers()), form)
    if output:
        # Personal data: readable by this user only (0600), like subscribers.db.
        write_file(output, data, private=True)
        click.echo(f"wrote {output}")
    else:
        click.echo(data, nl=False)  # bytes: written as they are


@subscribers.command("unsubscribe")
@click.argument("email")
@click.option("--now", "now_text", metavar="T", type=MOMENT, hidden=True)
@pass_app
def subscribers_unsubscribe(app: App, email: str, now_text: datetime | None) -> None:
    """Unsubscribe; the consent record is kept as proof."""
    from mailer.consent import Act

    with app.store() as store:
        done = store.change(
            email.strip(), Act.UNSUBSCRIBE, "unsubscribed by the organizer",
            consent_time(app, now_text),
        )  # fmt: skip
    if done.member is None:
        raise UserError(f"{email} is not on the list")
    if done.changed:
        click.echo(f"unsubscribed {done.member.email}")
    else:
        click.echo(f"already unsubscribed: {done.member.email} (noted in the consent log again)")


@subscribers.command("reactivate")
@click.option(
    "--bounced-since",
    "since",
    metavar="T",
    type=MOMENT,
    required=True,
    help="Everyone marked bounced at or after this moment (ISO 8601) becomes active again.",
)
@pass_app
def subscribers_reactivate(app: App, since: datetime) -> None:
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
