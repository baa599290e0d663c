"""Putting a misfiled message right: `mailer inbox refile MESSAGE_ID KIND`.

The record moves to the other kind, the message to that kind's folder (where the mailbox
can be reached), and the effect follows: what the old kind did to a member is undone
(their status before it comes back, unless it changed since or they withdrew since:
mailer.consent), what the new kind does is done. Each change goes into the consent log
as "refiled by the organizer: MESSAGE-ID".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from mailer.consent import Act
from mailer.errors import MailerError
from mailer.inbound import table
from mailer.inbound.kinds import (
    BOUNCE,
    COMPLAINT,
    DEFAULT_FOLDERS,
    REFILE_TARGETS,
    UNSUBSCRIBE,
)
from mailer.inbound.poller import Source
from mailer.store import Store

CAUSE = "refiled by the organizer"
_CHANGED = re.compile(r"(\S+@\S+) (unsubscribed|bounced)")


@dataclass(frozen=True)
class Refiled:
    """What a refile did: the kind before and after, the members it changed (the
    effect's own words, as the inbound record keeps them), and the folder the message was
    moved to (None: it was not found in the mailbox); `already` when it was filed so."""

    message_id: str
    before: str
    after: str
    changes: tuple[str, ...] = ()
    moved_to: str | None = None
    already: bool = False

    @property
    def line(self) -> str:
        """The line `mailer inbox refile` prints."""
        if self.already:
            return f"{self.message_id} is filed as {self.after} already"
        where = f"moved to {self.moved_to}" if self.moved_to else (
            "the message itself was not found to move"
        )  # fmt: skip
        return "; ".join([f"{self.before} -> {self.after}", *self.changes, where])


def refile(
    store: Store,
    source: Source | None,
    message_id: str,
    kind: str,
    folders: dict[str, str],
    now: datetime,
) -> Refiled:
    """Refiles one received message; what it changed."""
    if kind not in REFILE_TARGETS:
        raise MailerError(
            f"a message can be refiled as {', '.join(REFILE_TARGETS)}, not as '{kind}'"
        )
    with store.transaction() as conn:
        record = table.by_message_id(conn, message_id)
        if record is None:
            raise MailerError(
                f"no received message has the Message-ID {message_id} (see `mailer suggestions`)"
            )
        if record["kind"] == kind:
            return Refiled(message_id, kind, kind, already=True)
        changes = _undo(store, record, now) + _do(store, record, kind, now)
        table.refile(conn, record["id"], kind, "; ".join(changes) or f"{CAUSE}: nothing changed")
    names = {**DEFAULT_FOLDERS, **folders}
    moved = source is not None and source.move_filed(
        record["message_id"], names[record["folder"]], names[kind]
    )
    return Refiled(message_id, record["kind"], kind, tuple(changes), names[kind] if moved else None)


def _cause(record: dict) -> str:
    """The consent log's cause for what refiling this message changes: it names the
    message, so that a later refile of the same message knows its own entries."""
    return f"{CAUSE}: {record['message_id']}"


def _undo(store: Store, record: dict, now: datetime) -> list[str]:
    """What the old kind did to members, undone through the rule (Act.RESTORE): their
    status before it comes back, unless it changed since or they withdrew since."""
    if record["kind"] not in (UNSUBSCRIBE, COMPLAINT, BOUNCE):
        return []
    cause = _cause(record)
    changes = []
    for address, _ in _CHANGED.findall(record["effect"] or ""):
        done = store.change(
            address, Act.RESTORE, cause, now, undoing=(record["recorded_at"], cause)
        )
        if done.member is None:
            continue
        if done.refused:
            changes.append(
                f"{done.member.email} stays {done.before.words()}: that changed after this"
                " message was filed"
            )
        elif done.changed:
            changes.append(f"{done.member.email} {done.member.status} again")
    return changes


def _do(store: Store, record: dict, kind: str, now: datetime) -> list[str]:
    if kind != UNSUBSCRIBE:
        return []
    done = store.change(record["sender"] or "", Act.UNSUBSCRIBE, _cause(record), now)
    return [f"{done.member.email} unsubscribed"] if done.changed and done.member else []
