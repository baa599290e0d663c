"""Mail about the replies: a thank-you to a member who sent a topic idea, and the digest
of new ideas for the organizer. Both go through the outbox like every other mail, so they
too are sent once, retried on 4xx, and never lost.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from mailer import german
from mailer.plan import Plan
from mailer.render import WIRE_POLICY, Letter, Recipient, Renderer, message_id, organizer_message
from mailer.store import ACTIVE, stamp

THANKS = "thanks"
DIGEST = "digest"
THANKS_WITHIN = timedelta(days=2)  # ideas older than this when thank-yous are switched on get none


def queue_replies(conn, plan: Plan, now: datetime) -> int:
    """Queues the thank-yous and the digest that are due at `now`; returns how many."""
    queued = 0
    if plan.suggestions.thank_you:
        queued += _queue_thanks(conn, plan, now)
    if plan.suggestions.digest != "off":
        queued += _queue_digest(conn, plan, now)
    return queued


def _queue_thanks(conn, plan: Plan, now: datetime) -> int:
    """At most one thank-you a day per member; never to automatic mail or non-members."""
    rows = conn.execute(
        "SELECT i.subscriber_id, i.message_id, i.recorded_at, coalesce(i.session_key, '')"
        " FROM inbound i JOIN subscribers s ON s.id = i.subscriber_id AND s.status = ?"
        " WHERE i.kind = 'suggestion' AND i.recorded_at >= ? ORDER BY i.id",
        (ACTIVE, stamp(now - THANKS_WITHIN)),
    ).fetchall()
    queued = 0
    for subscriber_id, reference, recorded_at, session_key in rows:
        day = plan.local(datetime.fromisoformat(recorded_at)).date().isoformat()
        key = f"{THANKS}/{day}/{subscriber_id}"
        queued += conn.execute(
            "INSERT OR IGNORE INTO outbox (dedupe_key, session_key, stage, kind, sequence,"
            " subscriber_id, message_id, status, next_attempt_at, queued_at, reference)"
            " VALUES (?, ?, ?, ?, 0, ?, ?, 'queued', ?, ?, ?)",
            (key, session_key, THANKS, THANKS, subscriber_id, message_id(key, plan.sender.list_id),
             stamp(now), stamp(now), reference),
        ).rowcount  # fmt: skip
    return queued


def digest_window(plan: Plan, now: datetime) -> tuple[datetime, datetime] | None:
    """The period the digest due at `now` covers, or None before the first one is due."""
    local = plan.local(now)
    at = plan.suggestions.digest_at
    if plan.suggestions.digest == "daily":
        end = datetime.combine(local.date(), at, plan.timezone)
        length = timedelta(days=1)
    else:
        monday = local.date() - timedelta(days=local.weekday())
        end = datetime.combine(monday, at, plan.timezone)
        length = timedelta(days=7)
    if local < end:
        end = datetime.combine((end - length).date(), at, plan.timezone)
    return datetime.combine((end - length).date(), at, plan.timezone), end


def _queue_digest(conn, plan: Plan, now: datetime) -> int:
    start, end = digest_window(plan, now)
    ideas = conn.execute(
        "SELECT count(*) FROM inbound WHERE kind = 'suggestion' AND recorded_at >= ? AND recorded_at < ?",
        (stamp(start), stamp(end)),
    ).fetchone()[0]
    if not ideas:
        return 0
    key = f"{DIGEST}/{end.date().isoformat()}"
    return conn.execute(
        "INSERT OR IGNORE INTO outbox (dedupe_key, session_key, stage, kind, sequence,"
        " subscriber_id, message_id, status, next_attempt_at, queued_at, to_address, reference)"
        " VALUES (?, '', ?, ?, 0, 0, ?, 'queued', ?, ?, ?, ?)",
        (key, DIGEST, DIGEST, message_id(key, plan.sender.list_id), stamp(now), stamp(now),
         plan.suggestions.digest_to or _address_of(plan.sender.from_address),
         json.dumps([stamp(start), stamp(end)])),
    ).rowcount  # fmt: skip


def reply_bytes(conn, plan: Plan, renderer: Renderer, row, now: datetime) -> bytes:
    """The message, ready for the wire, of a thank-you or digest row of the outbox."""
    if row.kind == THANKS:
        letter = renderer.reply_letter(
            THANKS, f"Danke für deinen Themenvorschlag zum {plan.series.name}", {}, THANKS
        )
        template = renderer.wire(letter, replies=bool(row.reference), auto_submitted="auto-replied")
        recipient = Recipient(row.email, row.name, row.token or "")
        return template.fill(recipient, row.message_id, row.reference)
    start, end = (datetime.fromisoformat(moment) for moment in json.loads(row.reference))
    letter = _digest_letter(conn, plan, renderer, start, end)
    message = organizer_message(plan, letter, row.to_address, row.message_id, now)
    return message.as_bytes(policy=WIRE_POLICY)


def _digest_letter(conn, plan: Plan, renderer: Renderer, start: datetime, end: datetime) -> Letter:
    rows = conn.execute(
        "SELECT sender, subject, text, received_at, session_key, attachments FROM inbound"
        " WHERE kind = 'suggestion' AND recorded_at >= ? AND recorded_at < ? ORDER BY id",
        (stamp(start), stamp(end)),
    ).fetchall()
    ideas = [
        {
            "sender": sender,
            "subject": subject or "(ohne Betreff)",
            "text": text or "",
            "received": german.long_datetime(plan.local(datetime.fromisoformat(received))),
            "session": german.long_date(datetime.fromisoformat(session).date())
            if session
            else None,
            "attachments": json.loads(attachments or "[]"),
        }
        for sender, subject, text, received, session, attachments in rows
    ]
    window = (
        f"vom {german.long_datetime(plan.local(start))} bis {german.long_datetime(plan.local(end))}"
    )
    subject = f"{plan.series.name}: {len(ideas)} neue Themenvorschläge"
    return renderer.reply_letter(DIGEST, subject, {"ideas": ideas, "window": window}, stamp(end))


def _address_of(from_header: str) -> str:
    return from_header.rpartition("<")[2].rstrip(">").strip()
