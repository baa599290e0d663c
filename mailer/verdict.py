"""What the inbound side decides about a mail: the kinds, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

SUGGESTION = "suggestion"
BOUNCE = "bounce"
AUTO_REPLY = "auto_reply"
COMPLAINT = "complaint"
UNSUBSCRIBE = "unsubscribe"
VERDICT_KINDS = (SUGGESTION, BOUNCE, AUTO_REPLY, COMPLAINT, UNSUBSCRIBE)

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_HEADERS = 2000


@dataclass(frozen=True)
class Verdict:
    kind: str
    addresses: tuple[str, ...] = ()
    hard: bool | None = None  # for a bounce: 5.x.x (True) or 4.x.x (False)
    status: str | None = None
    token: str | None = None
    reason: str = ""
    details: dict = field(default_factory=dict, compare=False)


class Unreadable(Exception):
    """The message cannot be parsed into anything useful: it goes to quarantine."""
