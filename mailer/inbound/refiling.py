"""Putting a misfiled message right: `mailer inbox refile MESSAGE_ID KIND`.

The record moves to the other kind, the message to that kind's folder (where the mailbox
can be reached), and the effect follows: what the old kind did to a member is undone
(their status before it comes back), what the new kind does is done. Each change goes
into the consent log as "refiled by the organizer".
"""

from __future__ import annotations

import re
from datetime import datetime

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
from mailer.store import ACTIVE, BOUNCED, UNSUBSCRIBED, Store

CAUSE = "refiled by the organizer"
_CHANGED = re.compile(r"(\S+@\S+) (unsubscribed|bounced)")


def refile(
    store: Store,
    source: Source | None,
    message_id: str,
    kind: str,
    folders: dict[str, str],
    now: datetime,
) -> str:
    """Refiles one received message; the line that says what changed."""
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
            return f"{message_id} is filed as {kind} already"
        changes = _undo(store, record, now) + _do(store, record, kind, now)
        table.refile(conn, record["id"], kind, "; ".join(changes) or f"{CAUSE}: nothing changed")
    names = {**DEFAULT_FOLDERS, **folders}
    moved = source is not None and source.move_filed(
        record["message_id"], names[record["folder"]], names[kind]
    )
    where = f"moved to {names[kind]}" if moved else "the message itself was not found to move"
    return "; ".join([f"{record['kind']} -> {kind}", *changes, where])


def _undo(store: Store, record: dict, now: datetime) -> list[str]:
    """What the old kind did to members, undone: their status before it comes back."""
    if record["kind"] not in (UNSUBSCRIBE, COMPLAINT, BOUNCE):
        return []
    changes = []
    for address, _ in _CHANGED.findall(record["effect"] or ""):
        member = store.subscriber(address)
        if member is None or member.status not in (UNSUBSCRIBED, BOUNCED):
            continue
        before = store.status_before(member.id) or ACTIVE
        store.set_status(member.email, before, CAUSE, now)
        changes.append(f"{member.email} {before} again")
    return changes


def _do(store: Store, record: dict, kind: str, now: datetime) -> list[str]:
    if kind != UNSUBSCRIBE:
        return []
    member = store.subscriber(record["sender"] or "")
    if member is None or member.status != ACTIVE:
        return []
    store.set_status(member.email, UNSUBSCRIBED, CAUSE, now)
    return [f"{member.email} unsubscribed"]
