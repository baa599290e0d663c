"""The organizer's words for mailer's states: every word in /admin is German."""

from __future__ import annotations

from mailer.outbound import newsletters, outbox

OUTBOX_STATUS_WORDS = {
    outbox.QUEUED: "wartet",
    outbox.DEFERRED: "später erneut",
    outbox.SENT: "verschickt",
    outbox.FAILED: "fehlgeschlagen",
    outbox.SUPERSEDED: "ersetzt",
    outbox.EXPIRED: "verfallen",
    outbox.SKIPPED: "übersprungen",
    outbox.CANCELLED: "abgesagt",
}
NEWSLETTER_STATUS_WORDS = {
    newsletters.SCHEDULED: "geplant",
    newsletters.SENDING: "wird verschickt",
    newsletters.SENT: "verschickt",
    newsletters.CANCELLED: "abgesagt",
}


def stage_words(label: str) -> str:
    """A session mail's stage label (`announcement`, `reminder-1d`) in German."""
    if label == "announcement":
        return "Einladung"
    return "Erinnerung " + label.removeprefix("reminder-")
