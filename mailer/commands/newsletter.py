"""`mailer newsletter`: one-off mails from a Markdown file (see mailer/newsletter.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from mailer.app import App
from mailer.commands.common import pass_app, print_json, print_table
from mailer.commands.values import MOMENT, SQLITE_LARGEST, Count

FILE = click.Path(path_type=Path, dir_okay=False)
NEWSLETTER_ID = Count(1, SQLITE_LARGEST, "a newsletter's number (see `mailer newsletter list`)")


@click.group()
def newsletter() -> None:
    """One-off mails from a Markdown file: preview, send-test, schedule, list, cancel."""


def _draft_mail(app: App, path: Path, now, recipient, message_id: str):
    """The newsletter in `path` as one complete message to `recipient`."""
    from mailer.newsletter import read_draft
    from mailer.render import personalize

    plan = app.plan()
    draft = read_draft(path, plan)
    for line, sentence in draft.warnings:
        click.echo(f"{path.name}:{line}: warning: {sentence}", err=True)
    letter, _ = app.renderer(now).newsletter(
        draft.subject, draft.body, preheader=draft.preheader, greeting=draft.greeting,
        browser_url=None,
    )  # fmt: skip
    return draft, personalize(plan, letter, recipient, message_id, now)


@newsletter.command()
@click.argument("file", type=FILE)
@click.option("--now", "now_text", metavar="T", type=MOMENT, help="Render as of this moment.")
@pass_app
def preview(app: App, file: Path, now_text: datetime | None) -> None:
    """Render the newsletter in FILE to an HTML file and an .eml file, and say where."""
    from mailer.commands.plan import SAMPLE_RECIPIENT, write_preview
    from mailer.outbound.outbox import OutboxKey
    from mailer.render import Recipient

    plan = app.plan()
    now = app.now(now_text)
    # Signed with a throw-away secret: a sample is no mail of ours to anyone.
    message_id = OutboxKey.preview("newsletter", "draft").message_id(
        plan.sender.list_id, b"preview"
    )
    draft, message = _draft_mail(app, file, now, Recipient(**SAMPLE_RECIPIENT), message_id)
    write_preview(app, message, f"newsletter-{file.stem}", draft.subject)


@newsletter.command("send-test")
@click.argument("file", type=FILE)
@click.option("--to", "to", required=True, help="Where the test mail goes.")
@click.option("--now", "now_text", metavar="T", type=MOMENT, help="Render as of this moment.")
@pass_app
def send_test(app: App, file: Path, to: str, now_text: datetime | None) -> None:
    """Send the newsletter in FILE to one address, outside the outbox."""
    from mailer.commands.delivery import send_test_message
    from mailer.members import normalize_address
    from mailer.outbound.outbox import OutboxKey
    from mailer.render import Recipient

    plan = app.plan()
    address = normalize_address(to)
    now = app.now(now_text)
    # Signed with a throw-away secret: a test mail speaks for no member.
    message_id = OutboxKey.test(int(now.timestamp()), "newsletter", "draft").message_id(
        plan.sender.list_id, b"test"
    )
    draft, message = _draft_mail(app, file, now, Recipient(address, None, "TEST"), message_id)
    click.echo(send_test_message(app, address, message, draft.subject, f"a test of {file.name}"))


@newsletter.command()
@click.argument("file", type=FILE)
@click.option(
    "--at", "at_text", metavar="T", type=MOMENT, help="When it goes out (default: send_at, or now)."
)
@click.option("--now", "now_text", metavar="T", type=MOMENT, help="Schedule as of this moment.")
@click.option("--again", is_flag=True, help="Send a file that already went out once more.")
@pass_app
def schedule(
    app: App, file: Path, at_text: datetime | None, now_text: datetime | None, again: bool
) -> None:
    """Freeze the newsletter in FILE and queue it for every active member at T."""
    from mailer import german
    from mailer.app import schedule_newsletter
    from mailer.store import ACTIVE

    now = app.now(now_text)
    at = app.now(at_text) if at_text else None
    newsletter_id, moment, replaced = schedule_newsletter(app, file, at, now, again=again)
    with app.store() as store:
        members = sum(1 for _ in store.subscribers(ACTIVE))
    verb = "replaced (the file as it is now)" if replaced else "scheduled"
    when = "at the next tick" if moment <= now else f"at {german.long_datetime(moment)}"
    click.echo(
        f"newsletter {newsletter_id} {verb}: goes out {when} to every active member"
        f" ({members} today)"
    )
    click.echo("later edits of the file change nothing; schedule it again to replace it")


@newsletter.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def list_command(app: App, as_json: bool) -> None:
    """The newsletters, newest first: scheduled, sending, sent or cancelled."""
    from mailer import german
    from mailer.app import newsletter_listing

    plan = app.plan()

    def local(stamped: str | None) -> str | None:
        return plan.local(datetime.fromisoformat(stamped)).isoformat() if stamped else None

    found = [
        {
            **item,
            **{
                key: local(item[key]) for key in ("at", "scheduled_at", "queued_at", "cancelled_at")
            },
        }
        for item in (n.as_json() for n in newsletter_listing(app))
    ]
    if as_json:
        print_json(found)
        return
    rows = [
        [
            str(item["id"]),
            item["subject"],
            german.long_datetime(plan.local(datetime.fromisoformat(item["at"]))),
            item["status"],
            f"{item['sent']} sent, {item['waiting']} waiting, {item['failed']} failed"
            if item["queued_at"]
            else "",
        ]
        for item in found
    ]
    print_table("newsletters", ("id", "subject", "at", "status", "members"), rows)


@newsletter.command()
@click.argument("newsletter_id", metavar="ID", type=NEWSLETTER_ID)
@click.option("--now", "now_text", metavar="T", type=MOMENT, help="Cancel as of this moment.")
@pass_app
def cancel(app: App, newsletter_id: int, now_text: datetime | None) -> None:
    """Cancel a newsletter before it went out (or the copies still waiting)."""
    from mailer.app import cancel_newsletter
    from mailer.commands.common import consent_time

    click.echo(cancel_newsletter(app, newsletter_id, consent_time(app, now_text)))
