"""What the poller keeps of a received message. Pure: a parsed message in, a record out.

The inbound table that keeps it is owned by mailer.inbound.table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from mailer.inbound import mailtext
from mailer.inbound.kinds import COUNTER, SUGGESTION, UNSURE, Verdict
from mailer.inbound.mailparts import header, sender_address
from mailer.inbound.mailtext import content_type
from mailer.outbound.outbox import OutboxKey

MAX_STORED_TEXT = 20_000
MAX_RETURNED_HEADERS = 20_000


@dataclass(frozen=True)
class OurMessage:
    """One of the mails we sent, recognised by its Message-ID."""

    session_key: str
    subscriber_id: int


@dataclass(frozen=True)
class Record:
    key: str
    message_id: str | None
    sender: str
    subject: str
    text: str
    received_at: str
    answers: OurMessage | None
    attachments: tuple[str, ...]
    session_key: str | None = None  # the session it answers: by our Message-ID, or the UID
    proposed_start: str | None = None  # a COUNTER's proposed time, UTC ISO
    proposed_end: str | None = None


def message_key(message: EmailMessage | None, raw: bytes) -> str:
    """What makes a message the same message again: its Message-ID, or a digest of its bytes."""
    if message is not None:
        message_id = header(message, "Message-ID")
        if message_id:
            return "id:" + message_id.strip().lower()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def our_message(message: EmailMessage, list_id: str, secret: bytes) -> OurMessage | None:
    """The mail of ours this one answers or returns: In-Reply-To, References, or the
    Message-ID of an original that a bounce or complaint carries inside. Only a
    Message-ID whose MAC matches counts: it proves we sent that mail to that member."""
    candidates = [header(message, "In-Reply-To"), header(message, "References")]
    for part in message.walk():
        if content_type(part) == "text/rfc822-headers":
            candidates.append(str(part)[:MAX_RETURNED_HEADERS])
        elif content_type(part) == "message/rfc822":
            candidates.append(_returned_headers(part))
    for text in candidates:
        ours = [
            key
            for key in OutboxKey.find_all(text or "", list_id, secret)
            if key.session_key is not None and key.subscriber_id is not None
        ]
        if ours:
            return OurMessage(ours[-1].session_key, ours[-1].subscriber_id)  # type: ignore[arg-type]
    return None


def _returned_headers(part: EmailMessage) -> str:
    """The header block of a message carried inside another, where its Message-ID is.
    Only the headers: writing the whole message out again cost more than parsing it."""
    inner = part.get_payload()
    carried = inner if isinstance(inner, list) else []
    lines = (f"{name}: {value}" for message in carried for name, value in message.items())
    return "\n".join(lines)[:MAX_RETURNED_HEADERS]


def record(
    message: EmailMessage, raw: bytes, verdict: Verdict, list_id: str, secret: bytes, now: datetime
) -> Record:
    text = ""
    if verdict.kind in (SUGGESTION, UNSURE):  # the organizer reads what they wrote
        text = mailtext.new_text(mailtext.body_text(message))[:MAX_STORED_TEXT]
    answers = our_message(message, list_id, secret)
    session_key = answers.session_key if answers else None
    proposed: tuple[str | None, str | None] = (None, None)
    calendar = verdict.details.get("calendar")
    if calendar is not None:
        from mailer.invite import session_key_of_uid  # icalendar is loaded by now

        session_key = session_key_of_uid(calendar.uid, list_id) or session_key
        if verdict.kind == COUNTER:  # the proposal, and the member's words about it
            proposed = (calendar.start, calendar.end)
            text = calendar.why(sender_address(message))[:MAX_STORED_TEXT]
    return Record(
        key=message_key(message, raw),
        message_id=header(message, "Message-ID") or None,
        sender=sender_address(message),
        subject=header(message, "Subject")[:500],
        text=text,
        received_at=_received_at(message, now),
        answers=answers,
        attachments=tuple(mailtext.attachment_names(message)),
        session_key=session_key,
        proposed_start=proposed[0],
        proposed_end=proposed[1],
    )


def _received_at(message: EmailMessage, now: datetime) -> str:
    try:
        moment = parsedate_to_datetime(header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None:
        moment = now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")
