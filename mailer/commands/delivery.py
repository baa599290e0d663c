"""Commands that send: tick, run, outbox, send-test, demo."""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime

import click

from mailer.app import App, shown_path, tick_once
from mailer.commands.common import UserError, pass_app, print_json, print_table
from mailer.commands.values import DAY, MOMENT, Count
from mailer.mailkinds import SESSION_MAIL_KINDS


class _Progress:
    """A rich progress bar when a terminal would otherwise scroll; silence otherwise."""

    def __init__(self, interactive: bool):
        self.interactive = interactive
        self.bar = None

    def start(self, total: int) -> None:
        import shutil

        if not self.interactive or total <= shutil.get_terminal_size().lines:
            return
        from rich.progress import Progress

        self.bar = Progress()
        self.bar.start()
        self.task = self.bar.add_task("sending", total=total)

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@click.command()
@click.option(
    "--now",
    "now_text",
    metavar="T",
    type=MOMENT,
    help="Act as the daemon would at this moment (ISO 8601).",
)
@click.option(
    "--dry-run", is_flag=True, help="List what this tick would send, to whom and why; send nothing."
)
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print JSON.")
@pass_app
def tick(app: App, now_text: datetime | None, dry_run: bool, as_json: bool) -> None:
    """One pass: queue every mail due at T and deliver the outbox."""
    if dry_run:
        _dry_run(app, app.now(now_text), as_json)
        return
    from datetime import UTC, datetime

    progress = _Progress(sys.stdout.isatty())
    # Without --now the plan is first read inside tick_once, so a broken plan is on record.
    now = app.now(now_text) if now_text else datetime.now(UTC)
    try:
        summary = tick_once(app, now, on_start=progress.start, on_progress=progress.advance)
    finally:
        progress.stop()
    click.echo(summary)


def _dry_run(app: App, now, as_json: bool) -> None:
    from dataclasses import asdict

    from mailer import app as core

    mails = core.dry_run(app, now)
    if as_json:
        print_json([asdict(mail) for mail in mails])
        return
    print_table(
        f"a tick at {now:%Y-%m-%d %H:%M} would send {len(mails)} mails (dry run: nothing was sent)",
        ("to", "subject", "why"),
        ([mail.to, mail.subject, mail.why] for mail in mails),
    )


@click.command()
@pass_app
def run(app: App) -> None:
    """The daemon: the tick every minute and the poll every few minutes, until SIGTERM."""
    from datetime import UTC, datetime

    from mailer.app import poll_once
    from mailer.scheduler import StopFlag, run_daemon

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    log = logging.getLogger("mailer")
    plan = app.plan()
    stop = StopFlag()

    def tick_job() -> None:
        app.reload()
        now = datetime.now(UTC)  # not app.now(): a broken plan must fail inside, on record
        log.info("tick: %s", tick_once(app, now, should_stop=stop, via="daemon"))

    def poll_job() -> None:
        app.reload()
        log.info("poll: %s", poll_once(app, via="daemon"))

    log.info("mailer runs %s; stop with Ctrl-C or SIGTERM", plan.series.name)
    run_daemon(tick_job, poll_job, plan.imap.poll_minutes, stop, timezone=plan.series.timezone.key)
    log.info("stopped")


@click.command("outbox")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--limit", default=50, show_default=True, help="How many of the newest rows.",
    type=Count(1, 1_000_000, "a number of rows from 1 to 1000000"),
)  # fmt: skip
@pass_app
def outbox_command(app: App, as_json: bool, limit: int) -> None:
    """The mails queued and sent, newest first."""
    from mailer.app import outbox_listing

    rows = outbox_listing(app, None if as_json else limit)
    if as_json:
        print_json(rows)
        return
    print_table(
        f"outbox (newest {min(limit, len(rows))})",
        ("session", "kind", "email", "status", "attempts", "last answer"),
        (
            [row["session"], row["stage"], row["email"], row["status"], str(row["attempts"]),
             row["last_answer"] or ""]
            for row in rows
        ),
    )  # fmt: skip


@click.command("send-test")
@click.option("--to", "to", required=True, help="Where the test mail goes.")
@click.argument("session_date", type=DAY)
@click.argument("kind", type=click.Choice(SESSION_MAIL_KINDS))
@click.option("--now", "now_text", metavar="T", type=MOMENT, help="Render as of this moment.")
@pass_app
def send_test(app: App, to: str, session_date: date, kind: str, now_text: datetime | None) -> None:
    """Send one mail to one address, outside the outbox, to see it in a real mail client."""

    from mailer.commands.plan import find_session, sample_letter
    from mailer.members import normalize_address
    from mailer.outbound.outbox import OutboxKey
    from mailer.render import Recipient, personalize

    plan = app.plan()
    address = normalize_address(to)
    session = find_session(plan, session_date)
    now = app.now(now_text)
    letter = sample_letter(app, session, kind, now)
    message = personalize(
        plan,
        letter,
        Recipient(address, None, "TEST"),
        # Signed with a throw-away secret: a test mail speaks for no member.
        OutboxKey.test(int(now.timestamp()), session.key, kind).message_id(
            plan.sender.list_id, b"test"
        ),
        now,
    )
    what = f"a test {kind} for {session.key}"
    click.echo(send_test_message(app, address, message, letter.subject, what))


def send_test_message(app: App, address: str, message, subject: str, what: str) -> str:
    """One mail, marked "[Test]", to one address through the configured server; the
    sentence that says where it went (with no server: into the Maildir, not to `address`)."""
    from mailer.outbound.smtp import DeliveryProblem, send
    from mailer.render import WIRE_POLICY

    message.replace_header("Subject", f"[Test] {subject}")
    transport = app.transport()
    transport.open()
    try:
        data = message.as_bytes(policy=WIRE_POLICY)
        send(transport, app.plan().sender.envelope_from, address, data)
    except DeliveryProblem as problem:
        raise UserError(f"the server did not take the test mail: {problem.answer}") from None
    finally:
        transport.close()
    if transport.sends:
        return f"sent {what} to {address} through {transport.where}"
    return (
        f"put {what} into the Maildir {shown_path(transport.where)}/new/, not sent to"
        f" {address}: no SMTP server is set (MAILER_SMTP_URL, or smtp.url in schedule.yaml)"
    )


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Use this directory (default: a new temporary one).",
)
def demo(directory: str | None) -> None:
    """The embedded showcase: sample members, a simulated month, mails in a Maildir."""
    from mailer.demo import run_demo

    run_demo(directory, click.echo)


COMMANDS = (tick, run, outbox_command, send_test, demo)
