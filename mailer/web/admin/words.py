"""The organizer's words for mailer's states: every word in /admin is German."""

from __future__ import annotations

from mailer import mailkinds, rsvps
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


MAIL_KIND_WORDS = {
    mailkinds.ANNOUNCEMENT: "Einladung",
    mailkinds.REMINDER: "Erinnerung",
    mailkinds.UPDATE: "Änderungsmitteilung",
    mailkinds.CANCELLATION: "Absage",
    mailkinds.RECAP: "Rückblick",
    mailkinds.NEWSLETTER: "Rundbrief",
    outbox.THANKS: "Dank für den Themenvorschlag",
    outbox.GOODBYE: "Bestätigung der Abmeldung",
    outbox.CONFIRM: "Bitte um Bestätigung der Anmeldung",
    outbox.DIGEST: "Zusammenfassung für das Orga-Team",
    outbox.TEST: "Testmail",
    outbox.PREVIEW: "Vorschau",
}
ANSWER_WORDS = {
    rsvps.ACCEPTED: "zugesagt",
    rsvps.DECLINED: "abgesagt",
    rsvps.TENTATIVE: "vielleicht",
}
VIA_WORDS = {rsvps.CALENDAR: "Kalender", rsvps.WEB: "Web"}
# What an organizer did in /admin (audit.record's action), for the log.
ACTION_WORDS = {
    "member.add": "eingetragen",
    "member.edit": "geändert",
    "member.unsubscribe": "abgemeldet",
    "member.remove": "gelöscht",
    "member.import": "Liste übernommen",
}


def mail_words(kind: str, stage: str) -> str:
    """An outbox row's mail in German: `Erinnerung 1d`, `Rundbrief`, `Einladung`."""
    if kind == mailkinds.REMINDER:
        return stage_words(stage)
    return MAIL_KIND_WORDS.get(kind, kind)
