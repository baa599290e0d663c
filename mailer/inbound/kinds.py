"""What the inbound side decides about a mail: the kinds, their folders, and the verdict.

The one list of kinds: the classifier returns them, the poller files by them, and
`schedule.yaml`'s `imap.folders` may rename their folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SUGGESTION = "suggestion"
BOUNCE = "bounce"
AUTO_REPLY = "auto_reply"
COMPLAINT = "complaint"
UNSUBSCRIBE = "unsubscribe"
RSVP = "rsvp"  # a calendar reply (iTIP REPLY): accepted, declined, tentative, delegated, ...
COUNTER = "counter"  # a calendar's proposal of another time (iTIP COUNTER): for the organizer
REFRESH = "refresh"  # a calendar asks for the current invitation (iTIP REFRESH): sent again
NOTICE = "notice"  # machine mail that is none of the above: success reports, receipts, alerts
UNSURE = "unsure"  # for the organizer to decide: perhaps a request to leave, or a sender
# whose display name names another address (the mail acts for nobody)
QUARANTINE = "quarantine"  # not a verdict: a message that cannot be read

# Each kind with the folder it is filed into unless schedule.yaml names another.
DEFAULT_FOLDERS = {
    SUGGESTION: "Themenvorschläge",
    UNSUBSCRIBE: "Abmeldungen",
    BOUNCE: "Bounces",
    AUTO_REPLY: "Automatische Antworten",
    COMPLAINT: "Beschwerden",
    RSVP: "Zusagen",
    COUNTER: "Terminvorschläge",
    REFRESH: "Kalenderanfragen",
    NOTICE: "Benachrichtigungen",
    UNSURE: "Zu prüfen",
    QUARANTINE: "Quarantäne",
}

# What `mailer inbox refile` can make of a message: the kinds whose effect needs nothing
# but the sender (a bounce or a calendar reply needs the message itself).
REFILE_TARGETS = (SUGGESTION, UNSUBSCRIBE, AUTO_REPLY, NOTICE, UNSURE)

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_HEADERS = 2000
# MIME parts: real mail has a handful (the 337 real messages of the corpus at most 14
# lines that could be boundaries); 100,000 of them took a minute of CPU to read.
MAX_PARTS = 500


@dataclass(frozen=True)
class Verdict:
    kind: str
    addresses: tuple[str, ...] = ()
    hard: bool | None = None  # for a bounce: 5.x.x (True) or 4.x.x (False)
    status: str | None = None
    token: str | None = None
    reason: str = ""
    details: dict = field(default_factory=dict, compare=False)


# Why a mail is filed as unsure: the start of its reason, and what the organizer reads.
PERHAPS_LEAVING = "perhaps asks to leave"
NAMES_ANOTHER = "the sender's name names another address"
UNSURE_NOTES = {
    PERHAPS_LEAVING: "will vielleicht austreten",
    NAMES_ANOTHER: "der Absendername nennt eine andere Adresse; die Mail gilt für niemanden",
}


def unsure_note(reason: str) -> str:
    """The organizer's words for why a mail filed as unsure is to be checked."""
    for start, note in UNSURE_NOTES.items():
        if reason.startswith(start):
            return note
    return "bitte prüfen"


class Unreadable(Exception):
    """The message cannot be parsed into anything useful: it goes to quarantine."""
