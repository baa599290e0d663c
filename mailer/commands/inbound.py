"""Commands that read: poll, suggestions, inbox classify."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from mailer.commands.app import App, UserError, pass_app, print_json


def poll_once(app: App, now: datetime | None = None) -> str:
    """One pass of the poller over the configured mailbox; returns the summary line."""
    import os

    from mailer.poller import ImapSource, MaildirSource, poll
    from mailer.workspace import server_address

    plan = app.plan()
    now = now or datetime.now(UTC)
    store = app.store()
    try:
        server = server_address("imap", plan, os.environ)
        if server is None:
            source = MaildirSource(app.workspace.inbox)
            report = poll(store, source, plan.sender.list_id, plan.imap.folders, now)
        else:
            with ImapSource(server, store) as source:
                report = poll(store, source, plan.sender.list_id, plan.imap.folders, now)
    finally:
        store.close()
    lines = [report.summary(), *report.changes]
    return "; ".join(lines)


@click.command("poll")
@click.option("--now", "now_text", metavar="T", help="Record the mail as read at this moment.")
@pass_app
def poll_command(app: App, now_text: str | None) -> None:
    """One pass of the inbound poller: file topic ideas, unsubscribes, bounces, auto-replies."""
    click.echo(poll_once(app, app.now(now_text) if now_text else None))


@click.command("suggestions")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def suggestions_command(app: App, as_json: bool) -> None:
    """The topic ideas members sent, newest first."""
    from mailer.poller import suggestions

    store = app.store()
    try:
        items = suggestions(store)
    finally:
        store.close()
    if as_json:
        print_json(items)
        return
    if not items:
        click.echo("no suggestions yet")
    for item in items:
        session = f" (re: session {item['session']})" if item["session"] else ""
        click.echo(f"{item['received_at']}  {item['from']}{session}\n  {item['subject']}")
        for line in item["text"].splitlines()[:8]:
            click.echo(f"    {line}")
        click.echo("")


@click.group("inbox")
def inbox_group() -> None:
    """Look at inbound mail without a mailbox."""


@inbox_group.command("classify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
def inbox_classify(files: tuple[Path, ...]) -> None:
    """Say what each mail file is, as JSON lines: file, kind, addresses."""
    from mailer.inbox import Unreadable, classify_bytes

    failed = False
    for path in files:
        try:
            verdict = classify_bytes(path.read_bytes())
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
                "kind": "quarantine",
                "addresses": [],
                "reason": str(problem),
            }
        except OSError as error:
            failed = True
            click.echo(f"{path}: {error.strerror}", err=True)
            continue
        click.echo(json.dumps(line, ensure_ascii=False))
    if failed:
        raise UserError("some files could not be read")


COMMANDS = (poll_command, suggestions_command, inbox_group)
