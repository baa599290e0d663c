"""`mailer tick --dry-run`: what the next tick would send, to whom, and why.

Not a second account of the rules: the real tick runs, on a copy of subscribers.db (and of
its ledger) in a throw-away directory, with a transport that takes every mail and keeps
it. What it took is what a tick at that moment would send to a server that accepts
everything; the database and the mailbox are not touched.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

from mailer.mailkinds import ANNOUNCEMENT, CANCELLATION, REMINDER, UPDATE
from mailer.outbound.ledger import ledger_path
from mailer.outbound.outbox import DIGEST, GOODBYE, THANKS
from mailer.outbound.tick import run_tick
from mailer.plan import Plan, format_offset
from mailer.render import Renderer
from mailer.store import Store
from mailer.updates import changes


@dataclass(frozen=True)
class PlannedMail:
    to: str
    subject: str
    message_id: str
    session: str | None
    kind: str
    why: str


class KeepingTransport:
    """Takes every mail and keeps its recipient and bytes; sends nothing anywhere."""

    where = "dry run"

    def __init__(self) -> None:
        self.taken: list[tuple[str, bytes]] = []

    def open(self) -> None:
        pass

    def start(
        self, envelope_from: str, recipient: str, message: bytes, next_recipient: str | None = None
    ) -> None:
        self.taken.append((recipient, message))

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass


def dry_run(db_path: Path, plan: Plan, renderer: Renderer, now: datetime) -> list[PlannedMail]:
    """The mails a tick at `now` would send, in the order it would send them."""
    with Store(db_path) as store:
        store.message_id_key()  # made now if new, so the copy signs as the tick will
    with tempfile.TemporaryDirectory(prefix="mailer-dry-run-") as folder:
        copy = Path(folder) / "subscribers.db"
        with closing(sqlite3.connect(db_path)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)  # a consistent copy, even while a tick writes
        if (ledger := ledger_path(db_path)).exists():
            shutil.copyfile(ledger, ledger_path(copy))
        transport = KeepingTransport()
        with Store(copy) as store:
            run_tick(store, plan, renderer, transport, now)
            return [_explained(store, plan, to, data) for to, data in transport.taken]


def _explained(store: Store, plan: Plan, to: str, data: bytes) -> PlannedMail:
    message = message_from_bytes(data, policy=policy.default)
    message_id = str(message["Message-ID"])
    row = store.conn.execute(
        "SELECT session_key, stage, kind, attempts, last_answer, told_sequence FROM outbox"
        " WHERE message_id = ?",
        (message_id,),
    ).fetchone()
    session_key, stage, kind, attempts, last_answer, told = row
    why = {
        ANNOUNCEMENT: "the announcement is due"
        f" ({format_offset(plan.mail_times.announcement)} before the start)",
        REMINDER: f"the reminder {stage.removeprefix('reminder-')} before the start is due",
        CANCELLATION: "the session is cancelled and this member was invited",
        THANKS: "thanks for a topic idea",
        GOODBYE: "confirms that the member left",
        DIGEST: "the organizer's report",
    }.get(kind, kind)
    if kind == UPDATE:
        session = plan.session(session_key)
        content = store.version_content(session_key, told) if told is not None else None
        changed = [c.label for c in changes(content, session)] if session else []
        why = "the session changed since this member's invitation" + (
            f": {', '.join(changed)}" if changed else ""
        )
    if attempts > 1:
        why += f" (try {attempts}; last answer: {last_answer})"
    return PlannedMail(
        to=to,
        subject=str(message["Subject"]),
        message_id=message_id,
        session=session_key or None,
        kind=kind,
        why=why,
    )
