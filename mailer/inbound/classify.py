"""What an inbound mail is: a bounce, an automatic reply, a complaint, an unsubscribe, or
a topic suggestion. Pure: bytes in, a Verdict out.

The order matters: a feedback report is a complaint even though it is automatic; a
bounce is a bounce even though it carries `Auto-Submitted`; only what is none of these is
a person writing. The bounce rules live in mailer.inbound.bounces.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses

from mailer.inbound import mailtext
from mailer.inbound.bounces import dsn_bounce, mta_bounce, ses_notification
from mailer.inbound.itip import calendar_reply
from mailer.inbound.kinds import (
    AUTO_REPLY,
    COMPLAINT,
    MAX_HEADERS,
    MAX_MESSAGE_BYTES,
    MAX_PARTS,
    NOTICE,
    RSVP,
    SUGGESTION,
    UNSUBSCRIBE,
    UNSURE,
    Unreadable,
    Verdict,
)
from mailer.inbound.mailparts import (
    addresses_in,
    fields,
    header,
    original_headers,
    part_text,
    sender_address,
    unique,
    walk,
)

_TOKEN_WORDS = r"(?:abmelden|unsubscribe|austragen)"
_TOKEN = re.compile(_TOKEN_WORDS + r"[\s:+]+([A-Za-z0-9_-]{16,64})\b", re.IGNORECASE)
_PLAIN_UNSUBSCRIBE = re.compile(
    r"^\W*(bitte\s+)?(abmelden|abbestellen|austragen|unsubscribe|unsubscribe me|remove me|"
    r"bitte\s+(vom\s+verteiler\s+)?(abmelden|austragen|streichen))\W*$",
    re.IGNORECASE,
)

# Out-of-office subjects: strong phrases anywhere, weaker words only at the start, so a
# person's "Urlaubsplanung in der Verwaltung" stays a person's mail.
_AUTO_SUBJECTS = re.compile(
    r"abwesenheitsnotiz|automatische antwort|auto(matic|matische)?[ -]?(reply|response|antwort)|"
    r"autoreply|out of (the )?office|nicht im büro|^\s*(auto:|abwesend\b|im urlaub\b|"
    r"urlaub\s*[:-]|vacation\b|away\b|ooo\b)",
    re.IGNORECASE,
)

# An absence note's opening: "(Vielen Dank für Ihre Nachricht.) Ich bin bis/vom/derzeit
# ... nicht im Büro / abwesend / im Urlaub", and the English equivalents. Both halves,
# at the very start: an idea about holiday cover in a town hall does not open this way.
_AUTO_BODY = re.compile(
    r"^\W*((vielen )?dank für ihre (e-?mail|nachricht)[.!,]?\s*|"
    r"thank you for your (e-?mail|message)[.!,]?\s*)?"
    r"(ich bin|ich befinde mich|i am|i'm|i will be)\s+"
    r"((bis|vom|ab|derzeit|zurzeit|zur zeit|momentan|aktuell|currently|until|from)\b[^\n]{0,120}?)?"
    r"(nicht im (büro|hause|dienst|rathaus)|abwesend|im urlaub|nicht erreichbar|außer haus|"
    r"out of (the )?office|on (annual )?leave|on vacation|away from)",
    re.IGNORECASE,
)


def parse(raw: bytes) -> EmailMessage:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Unreadable(f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
    # Every part starts with a line beginning `--`: counted on the bytes, before the
    # parser spends seconds on them.
    if raw.count(b"\n--") > 2 * MAX_PARTS:
        raise Unreadable(f"more than {MAX_PARTS} MIME parts")
    try:
        # compat32: headers stay text until a rule asks for one (header() decodes it);
        # policy.default parsed every header into objects, 2 of the 3 ms a message took.
        message = email.message_from_bytes(raw, policy=policy.compat32)
    except (RecursionError, ValueError, TypeError, IndexError) as error:
        raise Unreadable(f"not a mail message ({type(error).__name__})") from None
    if len(message.keys()) > MAX_HEADERS:
        raise Unreadable(f"more than {MAX_HEADERS} headers")
    if not message.keys():
        raise Unreadable("no headers")
    if sum(1 for _ in zip(range(MAX_PARTS + 1), message.walk(), strict=False)) > MAX_PARTS:
        raise Unreadable(f"more than {MAX_PARTS} MIME parts")
    return message  # type: ignore[return-value]


def classify(message: EmailMessage) -> Verdict:
    """What this mail is, by the order calendar reply, complaint, bounce, notice,
    automatic reply, unsubscribe, suggestion. A calendar reply comes first: its text
    ("Zugesagt: ...") is a click in a calendar, never a topic idea."""
    for rule in (
        _calendar_reply,
        ses_notification,
        _complaint,
        dsn_bounce,
        mta_bounce,
        _notice,  # after the bounce rules: a transcript that names a failure is a bounce
        _auto_reply,
        _unsubscribe,
    ):
        verdict = rule(message)
        if verdict is not None:
            return verdict
    return Verdict(SUGGESTION, reason="written by a person")


def classify_bytes(raw: bytes) -> Verdict:
    """parse() and classify(); Unreadable if it cannot be parsed."""
    return classify(parse(raw))


# -- calendar replies ------------------------------------------------------------


def _calendar_reply(message: EmailMessage) -> Verdict | None:
    reply = calendar_reply(message)
    if reply is None:
        return None
    return Verdict(
        RSVP,
        (reply.attendee,),
        reason=f"calendar reply ({reply.answer})",
        details={"reply": reply},
    )


# -- notices -------------------------------------------------------------------

# A mail system's alert that is no bounce: a loop it stopped, the copy of a transcript it
# sends the postmaster. Only from a mail system (see _from_mail_system).
_NOTICE_SUBJECTS = re.compile(
    r"\b(mail(ing)?[ -]?(list )?loop|loop (detected|alert|warning)|schleife|"
    r"postmaster (notify|copy)|transcript of session)\b",
    re.IGNORECASE,
)


def _notice(message: EmailMessage) -> Verdict | None:
    """Machine mail that asks nothing of us and names no failure: a read receipt (MDN,
    RFC 8098), a loop alert, a postmaster's transcript. Success reports and SES notices
    are found by the bounce rules, which read those formats."""
    report = message.get_param("report-type", header="content-type")
    if report == "disposition-notification" or any(
        part.get_content_type() == "message/disposition-notification" for part in walk(message)
    ):
        return Verdict(NOTICE, reason="a read receipt (RFC 8098)")
    if _from_mail_system(message) and _NOTICE_SUBJECTS.search(header(message, "Subject")):
        return Verdict(NOTICE, reason="a mail system's notice")
    return None


def _from_mail_system(message: EmailMessage) -> bool:
    auto = header(message, "Auto-Submitted").lower()
    local = sender_address(message).partition("@")[0]
    return (
        (auto not in ("", "no"))
        or local
        in ("mailer-daemon", "postmaster", "mail-daemon", "listserv", "majordomo", "mailman")
        or local.endswith(("-owner", "-bounces", "-request"))
    )


# -- complaints ------------------------------------------------------------------


def _complaint(message: EmailMessage) -> Verdict | None:
    if header(message, "X-Apple-Unsubscribe").lower() == "true":
        return Verdict(
            UNSUBSCRIBE, (sender_address(message),), reason="Apple Mail's one-click unsubscribe"
        )
    report = None
    for part in walk(message):
        if part.get_content_type() == "message/feedback-report":
            report = part
            break
    is_arf = message.get_param("report-type", header="content-type") == "feedback-report"
    original = original_headers(message)
    if original is not None and header(original, "X-HmXmrOriginalRecipient"):
        # Outlook.com's complaint format: the original with the complainer in a header.
        return Verdict(
            COMPLAINT,
            tuple(a.lower() for a in addresses_in(header(original, "X-HmXmrOriginalRecipient"))),
            reason="Outlook.com complaint",
        )
    text = ""
    if report is not None:
        text = part_text(report)
    elif not is_arf:
        body = mailtext.body_text(message)
        if not re.search(r"^Feedback-Type:\s*\w+", body, re.MULTILINE | re.IGNORECASE):
            return None
        text = body
    report_fields = fields(text)
    listed = re.findall(
        r"^(?:Original-Rcpt-To|Removal-Recipient):\s*(.+)$", text, re.MULTILINE | re.IGNORECASE
    )
    addresses = addresses_in(" ".join(listed))
    if not addresses and original is not None:
        addresses = [a for _, a in getaddresses([header(original, "To")]) if "@" in a]
    feedback_type = report_fields.get("feedback-type", "abuse").lower()
    return Verdict(
        COMPLAINT,
        tuple(unique(a.lower() for a in addresses)),
        reason=f"feedback report ({feedback_type})",
        details={"feedback_type": feedback_type},
    )


# -- automatic replies -----------------------------------------------------------


def _auto_reply(message: EmailMessage) -> Verdict | None:
    auto = header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return Verdict(AUTO_REPLY, reason=f"Auto-Submitted: {auto}")
    for name in (
        "X-Autoreply",
        "X-Autorespond",
        "X-Autoresponder",
        "X-Auto-Response-Suppress",
        "X-Apple-Action",
    ):
        if header(message, name):
            return Verdict(AUTO_REPLY, reason=name)
    precedence = header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return Verdict(AUTO_REPLY, reason=f"Precedence: {precedence}")
    if header(message, "Return-Path") == "<>":
        return Verdict(AUTO_REPLY, reason="empty Return-Path")
    if _AUTO_SUBJECTS.search(header(message, "Subject")):
        return Verdict(AUTO_REPLY, reason="an out-of-office subject")
    # Some mail systems send the absence note with no telling header and the original
    # subject: a short text that opens by saying the person is away until a date.
    text = mailtext.new_text(mailtext.body_text(message))
    if len(text) <= 600 and _AUTO_BODY.search(text[:300]):
        return Verdict(AUTO_REPLY, reason="an out-of-office text")
    if len(text) <= 600 and _MAILBOX_GONE.search(text[:300]):
        return Verdict(AUTO_REPLY, reason="says the mailbox is no longer in use")
    return None


# "Dieses Postfach wird nicht mehr genutzt", "This address is no longer in use": a note
# about the mailbox, sent in place of the person. Not a bounce: nothing was refused, and
# which address it speaks of is not said in a form to rely on.
_MAILBOX_GONE = re.compile(
    r"\b(postfach|adresse|e-?mail-?adresse|mailbox|address|e-?mail account)\b[^\n]{0,80}?"
    r"\b(nicht mehr (genutzt|verwendet|aktiv|gültig|besetzt|in benutzung|erreichbar)|"
    r"no longer (in use|active|valid|monitored|exists?))",
    re.IGNORECASE,
)


# -- unsubscribes ----------------------------------------------------------------


def _unsubscribe(message: EmailMessage) -> Verdict | None:
    subject = header(message, "Subject")
    text = mailtext.new_text(mailtext.body_text(message))
    for source in (subject, text[:500]):
        match = _TOKEN.search(source)
        if match:
            return Verdict(
                UNSUBSCRIBE,
                (sender_address(message),),
                token=match.group(1),
                reason="the unsubscribe link",
            )
    bare_subject = re.sub(r"^\s*((re|aw|wg|fw|fwd)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    if _PLAIN_UNSUBSCRIBE.match(text) or (
        _PLAIN_UNSUBSCRIBE.match(bare_subject) and len(text) < 200
    ):
        return Verdict(UNSUBSCRIBE, (sender_address(message),), reason="asked to be removed")
    request = _LEAVE.search(text) or _LEAVE.search(bare_subject)
    if request is None:
        return None
    if len(text) <= _SHORT_REQUEST:
        return Verdict(
            UNSUBSCRIBE, (sender_address(message),), reason=f"asked in own words: '{request[0]}'"
        )
    # A longer mail that also asks to leave: perhaps, perhaps not. The organizer decides.
    return Verdict(
        UNSURE, (sender_address(message),), reason=f"perhaps asks to leave: '{request[0]}'"
    )


# A request to leave in the member's own words: it is the member (mich, me) who is to be
# taken off, or who wants no more mail. Decided on the request, not on a word: "Abmeldung"
# as a topic of municipal work, or a mailing list as a subject, stays a topic idea
# (tests/testdata/own_words.py holds twenty of each).
_LEAVE = re.compile(
    r"\b(nehmen sie|nimm|nehmt|streichen sie|streich|streicht|löschen sie|lösch|löscht)\s+"
    r"(mich|meine\s+(e-?mail-?)?adresse)\b.{0,60}?\b(verteiler|liste|mailing-?liste|newsletter)"
    r"|\b(tragen sie|trag|tragt)\s+mich\s+(bitte\s+)?aus\b"
    r"|\b(keine|keinerlei)\s+(weiteren\s+)?(einladungen|e-?mails|mails|nachrichten|newsletter)"
    r"\b(\s+\w+){0,3}?\s+(mehr|bitte)\b"
    r"|\bich\s+möchte\s+mich\b.{0,60}?\b(abmelden|austragen|abmeldung)\b"
    r"|^\W*(bitte\s+)?(austragen|abmelden|abbestellen)\b"
    r"|\b(newsletter|einladungen|mails)\s+(bitte\s+)?(abbestellen|abmelden|kündigen)\b"
    r"|\bvon\s+der\s+liste\s+(streichen|nehmen|löschen)\b"
    r"|\b(bitte|bitten)\s+um\s+(die\s+)?(austragung|abmeldung|löschung)\b"
    r"|\bwiderrufe\s+ich\s+meine\s+einwilligung\b"
    r"|\b(remove|take)\s+(me|my\s+(e-?mail\s+)?address)\s+(off|from)\b.{0,40}?"
    r"\b(list|newsletter)\b"
    r"|\bunsubscribe\s+me\b"
    r"|\b(stop|quit)\s+(sending|emailing|mailing)\s+me\b"
    r"|\bi\s+(no\s+longer|do\s+not|don'?t)\s+(wish|want)\s+to\s+(receive|get)\b",
    re.IGNORECASE | re.MULTILINE,
)
_SHORT_REQUEST = 400  # characters of new text: a request, not a letter with one in it
