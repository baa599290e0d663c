"""`mailer tick --dry-run`: what the next tick would send, to whom, and why.

Not a second account of the rules: the real tick runs, on a copy of subscribers.db (and of
its ledger) in a throw-away directory, with a transport that takes every mail and keeps
it. What it took is what a tick at that moment would send to a server that accepts
everything; the database and the mailbox are not touched.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from mailer.mailkinds import ANNOUNCEMENT, CANCELLATION, NEWSLETTER, RECAP, REMINDER, UPDATE
from mailer.outbound.ledger import ledger_path
from mailer.outbound.outbox import DIGEST, GOODBYE, SENT, THANKS
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
    """Takes every mail and keeps its recipient, Message-ID and Subject (not its bytes:
    a list of 10,000 is a few MB, not a copy of every mail); sends nothing anywhere."""

    where = "dry run"
    sends = False
    recorded_as = "kept (dry run)"

    def __init__(self) -> None:
        self.taken: list[tuple[str, str, str]] = []

    def open(self) -> None:
        pass

    def start(
        self, envelope_from: str, recipient: str, message: bytes, next_recipient: str | None = None
    ) -> None:
        head = message.split(b"\r\n\r\n", 1)[0]
        headers = BytesHeaderParser(policy=policy.default).parsebytes(head)
        self.taken.append((recipient, str(headers["Message-ID"]), str(headers["Subject"])))

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
            return _explained(store, plan, transport.taken)


def _explained(store: Store, plan: Plan, taken: list[tuple[str, str, str]]) -> list[PlannedMail]:
    """Each mail taken, with the reason its outbox row gives (rows read in one pass)."""
    wanted = {message_id for _, message_id, _ in taken}
    rows = {
        row[0]: row[1:]
        for row in store.conn.execute(
            "SELECT message_id, session_key, stage, kind, attempts, last_answer, told_sequence"
            " FROM outbox WHERE status = ?",
            (SENT,),
        )
        if row[0] in wanted
    }

    @functools.cache
    def changed(session_key: str, told: int | None) -> str:
        session = plan.session(session_key)
        content = store.version_content(session_key, told) if told is not None else None
        labels = [c.label for c in changes(content, session)] if session else []
        return f": {', '.join(labels)}" if labels else ""

    reasons = {
        ANNOUNCEMENT: "the announcement is due"
        f" ({format_offset(plan.mail_times.announcement)} before the start)",
        CANCELLATION: "the session is cancelled and this member was invited",
        THANKS: "thanks for a topic idea",
        GOODBYE: "confirms that the member left",
        DIGEST: "the organizer's report",
        RECAP: f"the recap is due ({format_offset(plan.mail_times.recap)} after the end)",
    }
    planned = []
    for to, message_id, subject in taken:
        session_key, stage, kind, attempts, last_answer, told = rows[message_id]
        if kind == REMINDER:
            why = f"the reminder {stage.removeprefix('reminder-')} before the start is due"
        elif kind == NEWSLETTER:
            why = f"{stage.replace('-', ' ')} is due"
        elif kind == UPDATE:
            why = "the session changed since this member's invitation" + changed(session_key, told)
        else:
            why = reasons.get(kind, kind)
        if attempts > 1:
            why += f" (try {attempts}; last answer: {last_answer})"
        planned.append(PlannedMail(to, subject, message_id, session_key or None, kind, why))
    return planned
