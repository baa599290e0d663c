"""The organizer's words for mailer's states: every word in /admin is German.

mailer's core keeps its facts in its own (English) words, as the command line shows
them: the statuses, the kinds of mail and of reply, and the sentences stored beside a
record (why a reply was filed as it was, what it changed, the cause of a consent-log
entry). /admin says them in German, here and nowhere else: a word for each state, and
for each stored sentence a table of its forms, tried in order. A sentence no form fits
is the organizer's own text (a consent note they typed) and is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from markupsafe import Markup, escape

from mailer import german, rsvps
from mailer.consent import ACTIVE, BOUNCED, PENDING, UNSUBSCRIBED
from mailer.inbound import kinds
from mailer.mailkinds import ANNOUNCEMENT, CANCELLATION, NEWSLETTER, RECAP, REMINDER, UPDATE
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
MEMBER_STATUS_WORDS = {
    ACTIVE: "aktiv",
    PENDING: "wartet auf Bestätigung",
    UNSUBSCRIBED: "abgemeldet",
    BOUNCED: "unzustellbar",
}
MAIL_KIND_WORDS = {
    ANNOUNCEMENT: "Einladung",
    REMINDER: "Erinnerung",
    UPDATE: "Änderungsmitteilung",
    CANCELLATION: "Absage",
    RECAP: "Rückblick",
    NEWSLETTER: "Rundbrief",
    outbox.THANKS: "Dank für einen Themenvorschlag",
    outbox.DIGEST: "Bericht an das Orga-Team",
    outbox.GOODBYE: "Bestätigung der Abmeldung",
    outbox.CONFIRM: "Bitte um Bestätigung der Anmeldung",
    outbox.TEST: "Testmail",
    outbox.PREVIEW: "Vorschau",
}
REPLY_KIND_WORDS = {
    kinds.SUGGESTION: "Themenvorschlag",
    kinds.BOUNCE: "Unzustellbar-Meldung",
    kinds.AUTO_REPLY: "Automatische Antwort",
    kinds.COMPLAINT: "Spam-Meldung",
    kinds.UNSUBSCRIBE: "Abmeldung",
    kinds.RSVP: "Zu- oder Absage aus dem Kalender",
    kinds.NOTICE: "Benachrichtigung",
    kinds.UNSURE: "Zu prüfen",
    kinds.QUARANTINE: "Unlesbar (Quarantäne)",
    kinds.COUNTER: "Terminvorschlag aus dem Kalender",
    kinds.REFRESH: "Bitte um die aktuelle Einladung",
}
ANSWER_WORDS = {
    rsvps.ACCEPTED: "zugesagt",
    rsvps.DECLINED: "abgesagt",
    rsvps.TENTATIVE: "vielleicht",
}
ANSWER_VIA_WORDS = {rsvps.CALENDAR: "Kalender", rsvps.WEB: "Web"}
# How a change of the plan was made (planstore's `via`).
VIA_WORDS = {"cli": "Befehlszeile", "web": "Browser"}
# What an organizer did in /admin (audit.py's `action`); an action not listed here is
# shown as "Änderung" with its subject and detail.
ACTION_WORDS = {
    "member.add": "Mitglied eingetragen",
    "member.edit": "Mitglied geändert",
    "member.unsubscribe": "Mitglied abgemeldet",
    "member.remove": "Mitglied gelöscht",
    "member.import": "Mitglieder importiert",
    "reply.done": "Themenvorschlag erledigt",
    "reply.reopen": "Themenvorschlag wieder offen",
    "reply.refile": "Mail neu eingeordnet",
}


def stage_words(stage: str, kind: str | None = None) -> str:
    """A mail's stage (`announcement`, `reminder-1d`, `newsletter-3`, `update`) in
    German: `Einladung`, `Erinnerung 1 Tag vorher`, `Rundbrief Nr. 3`, ..."""
    if stage.startswith(f"{REMINDER}-"):
        ahead = _duration(stage.removeprefix(f"{REMINDER}-"))
        return f"Erinnerung {german.offset_words(ahead)} vorher" if ahead else "Erinnerung"
    if stage.startswith(f"{NEWSLETTER}-"):
        return f"Rundbrief Nr. {stage.removeprefix(f'{NEWSLETTER}-')}"
    return MAIL_KIND_WORDS.get(stage) or MAIL_KIND_WORDS.get(kind or "", "Mail")


def _duration(label: str) -> timedelta | None:
    """A reminder's label (`1d`, `1h30m`, `2w`) as a duration; None if it is none."""
    parts = re.fullmatch(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?", label)
    if not parts or not label:
        return None
    weeks, days, hours, minutes = (int(part or 0) for part in parts.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, "Änderung")


def via_words(via: str) -> str:
    return VIA_WORDS.get(via, "")


# -- the stored sentences ---------------------------------------------------------------

Form = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _forms(*pairs: tuple[str, str | Callable[[re.Match[str]], str]]) -> list[Form]:
    """(pattern, German) pairs: the German is a format string of the groups ({1}, {2})
    or a function of the match."""
    made = []
    for pattern, german_form in pairs:
        if isinstance(german_form, str):
            made.append((re.compile(pattern, re.S), _formatter(german_form)))
        else:
            made.append((re.compile(pattern, re.S), german_form))
    return made


def _formatter(form: str) -> Callable[[re.Match[str]], str]:
    return lambda match: form.format(match.group(0), *match.groups())


def _translated(text: str | None, forms: list[Form], separator: str = "; ") -> str:
    """Each part of `text` (parts joined by `separator`) in German, by the first form
    that fits it whole; a part none fits as it is."""
    if not text:
        return ""
    whole = _one(text, forms)
    if whole != text or not separator:  # a sentence that holds the separator itself
        return whole
    return separator.join(_one(part, forms) for part in text.split(separator))


def _one(part: str, forms: list[Form]) -> str:
    for pattern, german_form in forms:
        if match := pattern.fullmatch(part):
            return german_form(match)
    return part


def _answer(match: re.Match[str]) -> str:
    return ANSWER_WORDS.get(match.group(1), match.group(1))


# Why the poller filed a reply as it did (inbound/classify.py, inbound/bounces.py).
REASON_FORMS = _forms(
    # Signs of an automatic reply that decide only together (inbound/autoreply.py).
    (r"(.+) \+ (.+)", lambda m: " + ".join(reason_words(part) for part in m.group(0).split(" + "))),
    (r"written by a person", "von einem Menschen geschrieben"),
    (r"calendar reply \((\w+)\)", lambda m: f"Antwort aus dem Kalender: {_answer(m)}"),
    (r"a read receipt \(RFC 8098\)", "eine Lesebestätigung (RFC 8098)"),
    (r"a mail system's notice", "eine Nachricht eines Mailsystems"),
    (r"Apple Mail's one-click unsubscribe", "Abmeldung mit einem Klick in Apple Mail"),
    (r"Outlook\.com complaint", "als Spam gemeldet bei Outlook.com"),
    (r"feedback report \((.+)\)", "Rückmeldung eines Mailanbieters (Feedback-Type: {1})"),
    (r"(Auto-Submitted|Precedence): (.+)", "automatisch verschickt ({1}: {2})"),
    (r"X-Failed-Recipients", "eine Unzustellbar-Meldung (Kopfzeile X-Failed-Recipients)"),
    (r"(X-[A-Za-z-]+)", "automatisch verschickt (Kopfzeile {1})"),
    (r"empty Return-Path", "automatisch verschickt (leerer Return-Path)"),
    (r"an out-of-office subject", "Abwesenheitsnotiz (nach dem Betreff)"),
    (r"an out-of-office text", "Abwesenheitsnotiz (nach dem Text)"),
    (r"says the mailbox is no longer in use", "das Postfach wird nicht mehr genutzt"),
    (r"the unsubscribe link", "der Abmeldelink aus unserer Mail"),
    (r"asked to be removed", "bittet um Abmeldung"),
    (r"asked in own words: '(.*)'", "bittet mit eigenen Worten um Abmeldung: „{1}“"),
    (r"perhaps asks to leave: '(.*)'", "bittet vielleicht um Abmeldung: „{1}“"),
    (r"a delivery report of success \(RFC 3464\)", "eine Zustellbestätigung (RFC 3464)"),
    (r"delivery status notification \(RFC 3464\)", "eine Unzustellbar-Meldung (RFC 3464)"),
    (r"Amazon SES bounce", "eine Unzustellbar-Meldung von Amazon SES"),
    (r"Amazon SES complaint", "als Spam gemeldet (über Amazon SES)"),
    (r"Amazon SES (\w+) notification", "eine Benachrichtigung von Amazon SES ({1})"),
    (r"a mail system's bounce", "eine Unzustellbar-Meldung eines Mailsystems"),
    (r"cannot be read \((\w+)\)\n.*", "nicht lesbar ({1})"),
    (r"a proposal of another time \(iTIP COUNTER\)",
     "ein Vorschlag für eine andere Zeit aus dem Kalender (iTIP COUNTER)"),
    (r"asks for the current invitation \(iTIP REFRESH\)",
     "bittet um die aktuelle Einladung (iTIP REFRESH)"),
    (r"a calendar (\w+) \(iTIP\): no answer",
     lambda m: f"eine Kalendernachricht ({m.group(1).upper()}, iTIP): keine Antwort"),
    (r"machine mail \(a mail system or list server\)",
     "Post einer Maschine (ein Mailsystem oder ein Listenserver)"),
    (r"a delivery report: (.+), no failure \(RFC 3464 2\.3\.3\)",
     lambda m: f"ein Zustellbericht: {_actions(m.group(1))}, kein Fehler (RFC 3464 2.3.3)"),
    (r"a mail server's session transcript for the postmaster",
     "das Protokoll eines Mailservers für den Postmaster"),
    (r"a mail system's warning: the mail is still being retried",
     "eine Warnung eines Mailsystems: die Zustellung wird noch versucht"),
    (r"an out-of-office note in a program's words", "Abwesenheitsnotiz (Text eines Mailprogramms)"),
    (r"opens with an absence", "beginnt mit einer Abwesenheit"),
    (r"the sender's name names another address \((.*)\) than its own \((.*)\): it acts for"
     r" nobody \(it would have been: (\w+)\)",
     lambda m: f"der Absendername nennt eine andere Adresse ({m.group(1)}) als die eigene"
     f" ({m.group(2)}): die Mail wirkt für niemanden (sonst: {REPLY_KIND_WORDS.get(m.group(3), m.group(3))})"),
)  # fmt: skip

# RFC 5545 3.2.12's PARTSTAT values that count as no answer, in the organizer's words.
PARTSTAT_WORDS = {"delegated": "weitergegeben", "needs-action": "noch offen", "nothing": "nichts"}

# RFC 3464 2.3.3's actions other than "failed", in the organizer's words.
DSN_ACTION_WORDS = {
    "delayed": "verzögert",
    "delivered": "zugestellt",
    "relayed": "weitergereicht",
    "expanded": "an mehrere verteilt",
}


def _actions(listed: str) -> str:
    return ", ".join(DSN_ACTION_WORDS.get(action, action) for action in listed.split(", "))


# What a reply changed (inbound/poller.py, inbound/refiling.py), parts joined by "; ".
EFFECT_FORMS = _forms(
    (r"carries no mail of ours: recorded, nobody unsubscribed",
     "enthält keine Mail von uns: nur festgehalten, niemand abgemeldet"),
    (r"unknown unsubscribe token: nothing changed", "unbekannter Abmeldelink: nichts geändert"),
    (r"not on the list: nothing changed", "nicht im Verteiler: nichts geändert"),
    (r"perhaps asks to leave: for the organizer to decide \(nothing changed\)",
     "bittet vielleicht um Abmeldung: das entscheidet das Orga-Team (nichts geändert)"),
    (r"not one of our invitations \((.*)\): recorded only",
     "keine unserer Einladungen ({1}): nur festgehalten"),
    (r"(\S+) is not on the list: recorded, no answer counted",
     "{1} ist nicht im Verteiler: festgehalten, keine Antwort gezählt"),
    (r"the answer names (\S+) but came from (.+): recorded, no answer changed",
     "die Antwort nennt {1}, kam aber von {2}: festgehalten, keine Antwort geändert"),
    (r"(\S+): a later answer for (\S+) is on record; this one is kept aside",
     "{1}: für {2} liegt schon eine spätere Antwort vor; diese wird nur festgehalten"),
    (r"(\S+) (accepted|declined|tentative) for (\S+)",
     lambda m: f"{m.group(1)}: {ANSWER_WORDS[m.group(2)]} für den {m.group(3)}"),
    (r"(\S+) bounced after (\d+) soft bounces",
     "{1} ist jetzt unzustellbar (nach {2} vorübergehenden Fehlern)"),
    (r"(\S+) bounced \(bounce score (\S+)\)", "{1} ist jetzt unzustellbar (Bounce-Punkte: {2})"),
    (r"(\S+) bounced", "{1} ist jetzt unzustellbar"),
    (r"(\S+): scored today already", "{1}: heute schon gezählt"),
    (r"(\S+): bounce score (\S+) \(no mail of ours in it\)",
     "{1}: Bounce-Punkte {2} (die Meldung enthält keine Mail von uns)"),
    (r"(\S+) unsubscribed", "{1} abgemeldet"),
    (r"(\S+) (active|pending|unsubscribed|bounced) again",
     lambda m: f"{m.group(1)} wieder {MEMBER_STATUS_WORDS[m.group(2)]}"),
    (r"(\S+) stays (.+): that changed after this message was filed",
     lambda m: f"{m.group(1)} bleibt {standing_words(m.group(2))}: das hat sich geändert,"
     " nachdem diese Mail eingeordnet wurde"),
    (r"refiled by the organizer: nothing changed", "vom Orga-Team neu eingeordnet: nichts geändert"),
    (r"for the organizer to decide: nothing changed",
     "das entscheidet das Orga-Team: nichts geändert"),
    (r"the calendar part cannot be read: recorded only",
     "der Kalenderteil ist nicht lesbar: nur festgehalten"),
    (r"names no attendee for (\S+): recorded only",
     "nennt keine Teilnehmerin und keinen Teilnehmer für den {1}: nur festgehalten"),
    (r"(\S+) proposes (\S+) to (\S+) for (\S+): for the organizer, no answer counted",
     "{1} schlägt für den {4} eine andere Zeit vor ({2} bis {3}): für das Orga-Team,"
     " keine Antwort gezählt"),
    (r"(\S+) answered (\S+)(?: to (\S+))? for (\S+): recorded, no answer counted",
     lambda m: f"{m.group(1)} hat für den {m.group(4)} „{PARTSTAT_WORDS.get(m.group(2), m.group(2))}“"
     " geantwortet" + (f" ({m.group(3)})" if m.group(3) else "")
     + ": festgehalten, keine Antwort gezählt"),
    (r"(\S+) is (active|pending|unsubscribed|bounced): nothing sent",
     lambda m: f"{m.group(1)} ist {MEMBER_STATUS_WORDS[m.group(2)]}: nichts verschickt"),
    (r"(\S+): the current invitation for (\S+) is sent again",
     "{1}: die aktuelle Einladung für den {2} geht noch einmal raus"),
)  # fmt: skip

# A member's standing as consent.Standing.words() says it.
STANDING_FORMS = _forms(
    (r"not on the list", "nicht im Verteiler"),
    (r"pending: signed up on the web, not confirmed",
     "wartet auf Bestätigung: im Web angemeldet, nicht bestätigt"),
    (r"(unsubscribed)( on \S+)?( by a complaint about a mail)?(, then signed up on the web,"
     r" not confirmed)?", lambda m: _withdrawal_words(m)),
    (r"pending: (.+)", lambda m: "wartet auf Bestätigung: " + standing_words(m.group(1))),
    (r"(active|pending|unsubscribed|bounced)", lambda m: MEMBER_STATUS_WORDS[m.group(1)]),
)  # fmt: skip


def _withdrawal_words(match: re.Match[str]) -> str:
    day = f" am {match.group(2).removeprefix(' on ')}" if match.group(2) else ""
    said = f"als Spam gemeldet{day}" if match.group(3) else f"abgemeldet{day}"
    if match.group(4):
        said += ", dann im Web angemeldet, nicht bestätigt"
    return said


def _bounce_cause(match: re.Match[str]) -> str:
    how = {"soft ": "vorübergehend unzustellbar", "address-only ": "unzustellbar gemeldet"}
    status = f" {match.group(2)}" if match.group(2) else ""
    reason = reason_words(match.group(3))
    lead = how.get(match.group(1) or "", "unzustellbar")
    if match.group(1) == "address-only ":
        return f"{lead}{status} ({reason}; die Meldung nennt nur die Adresse)"
    return f"{lead}{status} ({reason})"


# The cause of a consent-log entry: why a member's status changed. The organizer's own
# notes (`subscribers add --consent "..."`, the consent field of /admin) stay as written.
CAUSE_FORMS = _forms(
    (r"one-click unsubscribe \(RFC 8058\)", "Abmeldung mit einem Klick (RFC 8058)"),
    (r"unsubscribed on the web page", "auf der Abmeldeseite abgemeldet"),
    (r"reminders (on|off) \(web settings\)",
     lambda m: f"Erinnerungen {'an' if m.group(1) == 'on' else 'aus'} (Einstellungsseite)"),
    (r"subscribed again on the web page after leaving \(link from our mail\)",
     "nach der Abmeldung auf der Einstellungsseite wieder eingetragen (Link aus unserer Mail)"),
    (r"unsubscribe link \(mail\)", "Abmeldelink (per Mail)"),
    (r"asked by mail", "per Mail um Abmeldung gebeten"),
    (r"(.+); bounce score (\S+)", lambda m: f"{cause_words(m.group(1))}; Bounce-Punkte {m.group(2)}"),
    (r"(soft |address-only )?bounce (?:(\S+) )?\((.*)\)", _bounce_cause),
    (r"SMTP (.+)", "vom Mailserver abgelehnt: {1}"),
    (r"refiled by the organizer: (.+)", "vom Orga-Team neu eingeordnet: {1}"),
    (r"signed up on the web form (\S+) \(waiting for confirmation\)",
     "über das Formular auf {1} angemeldet (wartet auf Bestätigung)"),
    (r"confirmed the sign-up with the link in the confirmation mail \(double opt-in\)",
     "Anmeldung mit dem Link aus der Bestätigungsmail bestätigt (Double-Opt-in)"),
    (r"complaint \((.*)\)", lambda m: f"als Spam gemeldet ({reason_words(m.group(1))})"),
    (r"added by the organizer", "vom Orga-Team eingetragen"),
    (r"unsubscribed by the organizer", "vom Orga-Team abgemeldet"),
    (r"unsubscribed by the organizer in /admin", "vom Orga-Team in /admin abgemeldet"),
    (r"demo sample", "Beispiel aus mailer demo"),
    (r"imported from (.+)", "importiert aus {1}"),
    (r"added by the organizer on the web: (.*)", "vom Orga-Team im Browser eingetragen: {1}"),
    (r"added (?:again )?by the organizer on the web with a new consent: (.*)",
     "vom Orga-Team im Browser wieder eingetragen, mit neuer Zustimmung: {1}"),
    (r"reactivated by the organizer: bounced since (\S+)",
     "vom Orga-Team wieder aktiviert: unzustellbar seit {1}"),
)  # fmt: skip


def _quoted(match: re.Match[str], group: int = 0) -> Markup:
    return Markup("<samp>{}</samp>").format(match.group(group))


# The last word on an outbox row (outbound/delivery.py, outbound/outbox.py): mailer's own
# sentence, or the mail server's answer, which is quoted as the server wrote it.
ANSWER_FORMS = _forms(
    (r"250 accepted", "vom Mailserver angenommen"),
    (r"subscriber is (\w+)",
     lambda m: "das Mitglied ist " + MEMBER_STATUS_WORDS.get(m.group(1), "gelöscht")),
    (r"the member wants no reminders", "das Mitglied möchte keine Erinnerungen"),
    (r"web\.base_url is no longer set: no link to confirm",
     "web.base_url ist nicht mehr gesetzt: kein Link zum Bestätigen"),
    (r"the organizer cancelled it", "vom Orga-Team abgesagt"),
    (r"the recap is no longer in the plan", "der Rückblick steht nicht mehr im Plan"),
    (r"the session has started or is no longer in the plan",
     "der Termin hat begonnen oder steht nicht mehr im Plan"),
    (r"the session is cancelled", "der Termin ist abgesagt"),
    (r"the session started before the mail could go out",
     "der Termin begann, bevor die Mail hinausgehen konnte"),
    (r"a later mail of the session is due", "eine spätere Mail zu diesem Termin ist fällig"),
    (r"the session changed", "der Termin hat sich geändert"),
    (r"held back: the tick stopped", "zurückgehalten: der Durchlauf wurde beendet"),
    (r"held back: the server refused every mail in a row",
     "zurückgehalten: der Mailserver hat jede Mail nacheinander abgelehnt"),
    (r"(.+); given up after (\d+) tries",
     lambda m: _quoted(m, 1) + f" – nach {m.group(2)} Versuchen aufgegeben"),
    (r"fate unknown (\d+) times \((.+)\); not sent again",
     lambda m: f"{m.group(1)}-mal unklar, ob sie ankam (" + _quoted(m, 2)
     + "); nicht noch einmal verschickt"),
    (r"fate unknown \((.+)\); will be sent again",
     lambda m: "unklar, ob sie ankam (" + _quoted(m, 1) + "); wird noch einmal verschickt"),
    (r".+", _quoted),
)  # fmt: skip


def server_answer(answer: str | None) -> Markup:
    """The last word on an outbox row, German, with the mail server's own answer quoted
    (as <samp>: program output, in the server's language)."""
    if not answer:
        return Markup("")
    pattern_german = _one(answer, ANSWER_FORMS)
    return pattern_german if isinstance(pattern_german, Markup) else escape(pattern_german)


def reason_words(reason: str | None) -> str:
    """Why the poller filed a reply as it did, in German."""
    return _translated(reason, REASON_FORMS, separator="")


def effect_words(effect: str | None) -> str:
    """What a reply (or its refiling) changed, in German."""
    return _translated(effect, EFFECT_FORMS)


def cause_words(cause: str | None) -> str:
    """The cause of a consent-log entry, in German (the organizer's own notes as written)."""
    return _translated(cause, CAUSE_FORMS, separator="")


def standing_words(standing: str) -> str:
    """consent.Standing.words() in German."""
    return _one(standing, STANDING_FORMS)


FILTERS = {
    "stage_words": stage_words,
    "reason_words": reason_words,
    "effect_words": effect_words,
    "cause_words": cause_words,
    "reply_kind": lambda kind: REPLY_KIND_WORDS.get(kind, kind),
    "member_status": lambda status: MEMBER_STATUS_WORDS.get(status, status),
    "outbox_status": lambda status: OUTBOX_STATUS_WORDS.get(status, status),
    "rsvp_words": lambda answer: ANSWER_WORDS.get(answer, answer),
    "server_answer": server_answer,
    "answer_via": lambda via: ANSWER_VIA_WORDS.get(via, via),
}


def mail_words(kind: str, stage: str) -> str:
    """An outbox row's mail in German: `Erinnerung 1 Tag vorher`, `Rundbrief Nr. 3`, ..."""
    return stage_words(stage, kind)
