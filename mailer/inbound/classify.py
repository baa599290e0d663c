"""What an inbound mail is: a calendar answer, a complaint, a bounce, a notice, an
automatic reply, an unsubscribe, or a topic suggestion. Pure: bytes in, a Verdict out.

The order matters: a calendar reply is an answer even though its text reads like a
person's; a feedback report is a complaint even though it is automatic; a bounce is a
bounce even though it carries `Auto-Submitted`; only what is none of these is a person
writing, and machine mail is never that. The rules live beside: bounces.py (RFC 3464
and the mail systems' own formats), itip.py (calendar messages), autoreply.py (which
signs may decide alone), ownwords.py (a request to leave in a member's words).

Only the addr-spec of From is the sender (mailparts.sender). A mail whose display name
names another address (`"anna@example.org" <x@elsewhere>`) acts for nobody: whatever it
would do for its sender (unsubscribe, answer an invitation, be thanked) it does not; it
is filed as unsure, for the organizer.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses

from mailer.inbound import itip, mailtext
from mailer.inbound.autoreply import auto_reply_reason
from mailer.inbound.bounces import dsn_bounce, is_transcript, mta_bounce, ses_notification
from mailer.inbound.kinds import (
    AUTO_REPLY,
    COMPLAINT,
    COUNTER,
    MAX_HEADERS,
    MAX_MESSAGE_BYTES,
    MAX_PARTS,
    NAMES_ANOTHER,
    NOTICE,
    PERHAPS_LEAVING,
    REFRESH,
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
    sender,
    sender_address,
    unique,
    walk,
)
from mailer.inbound.mailtext import content_type, report_type
from mailer.inbound.ownwords import request_to_leave

_TOKEN_WORDS = r"(?:abmelden|unsubscribe|austragen)"
_TOKEN = re.compile(_TOKEN_WORDS + r"[\s:+]+([A-Za-z0-9_-]{16,64})\b", re.IGNORECASE)
_PLAIN_UNSUBSCRIBE = re.compile(
    r"^\W*(bitte\s+)?(abmelden|abbestellen|austragen|unsubscribe|unsubscribe me|remove me|"
    r"abmeldung|stop|bitte\s+(vom\s+verteiler\s+)?(abmelden|austragen|streichen|löschen))\W*$",
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
    """What this mail is, by the order calendar answer, complaint, bounce, notice,
    automatic reply, unsubscribe, suggestion; then whether it may act for its sender."""
    for rule in (
        _calendar_answer,
        ses_notification,
        _complaint,
        dsn_bounce,
        mta_bounce,
        _calendar_notice,  # after the bounce rules: a bounce returns our invitation
        _notice,  # after the bounce rules: a transcript that names a failure is a bounce
        _auto_reply,
        _unsubscribe,
        _machine,  # machine mail is never a topic idea
    ):
        verdict = rule(message)
        if verdict is not None:
            break
    else:
        verdict = Verdict(SUGGESTION, reason="written by a person")
    return _for_its_sender(message, verdict)


# What a mail does for its sender, and so only for a mail that comes from whom it names:
# a topic idea (thanked), a calendar answer, proposal or request, a request to leave
# (a token in the List-Unsubscribe mailto speaks for the member by itself).
_SPEAKS_FOR_SENDER = (SUGGESTION, UNSURE, RSVP, COUNTER, REFRESH, UNSUBSCRIBE)


def _for_its_sender(message: EmailMessage, verdict: Verdict) -> Verdict:
    if verdict.kind not in _SPEAKS_FOR_SENDER or verdict.token:
        return verdict
    mailbox = sender(message)
    other = mailbox.named_address
    if other is None:
        return verdict
    return Verdict(
        UNSURE,
        (mailbox.address,) if mailbox.address else (),
        reason=f"{NAMES_ANOTHER} ({other}) than its own ({mailbox.address or 'none'}):"
        f" it acts for nobody (it would have been: {verdict.kind})",
    )


def classify_bytes(raw: bytes) -> Verdict:
    """parse() and classify(); Unreadable if it cannot be parsed."""
    return classify(parse(raw))


# -- calendar messages -----------------------------------------------------------


def _calendar_answer(message: EmailMessage) -> Verdict | None:
    """What an attendee's calendar sends back (RFC 5546 3.2): every REPLY is an answer,
    whatever its PARTSTAT; a COUNTER proposes another time; a REFRESH asks for the
    invitation again. Their text ("Zugesagt: ...") is a click, never a topic idea."""
    found = itip.calendar_message(message)
    if found is None or found.method not in (itip.REPLY, itip.COUNTER, itip.REFRESH):
        return None
    speaker = found.speaker(sender_address(message))
    named = (speaker.address,) if speaker else ()
    if found.method == itip.COUNTER:
        kind, reason = COUNTER, "a proposal of another time (iTIP COUNTER)"
    elif found.method == itip.REFRESH:
        kind, reason = REFRESH, "asks for the current invitation (iTIP REFRESH)"
    else:
        state = (speaker.partstat.lower() if speaker else "") or "unreadable"
        kind, reason = RSVP, f"calendar reply ({state})"
    return Verdict(kind, named, reason=reason, details={"calendar": found})


def _calendar_notice(message: EmailMessage) -> Verdict | None:
    """What an organizer's calendar sends (REQUEST, PUBLISH, ADD, CANCEL, DECLINECOUNTER):
    from a member, an invitation forwarded or published. It answers nothing of ours."""
    found = itip.calendar_message(message)
    if found is None:
        return None
    return Verdict(NOTICE, reason=f"a calendar {found.method.lower()} (iTIP): no answer")


# -- notices -------------------------------------------------------------------

# A mail system's alert that is no bounce: a loop it stopped or a copy it had seen before,
# the copy of a transcript it sends the postmaster. Only from a mail system.
_NOTICE_SUBJECTS = re.compile(
    r"\b(mail(ing)?[ -]?(list )?loop|loop (detected|alert|warning)|schleife|duplicate|"
    r"already (been )?(distributed|posted|seen|received)|bereits (verteilt|erhalten|versandt)|"
    r"postmaster (notify|copy|warning)|transcript of session|errors from)\b",
    re.IGNORECASE,
)
# Local parts that only programs write from: mail systems and list servers.
_SYSTEM_LOCAL_PARTS = {
    "mailer-daemon", "mail-daemon", "maildaemon", "mailerdaemon", "listserv", "majordomo",
    "mailman", "sympa", "ezmlm", "lists",
}  # fmt: skip


def _notice(message: EmailMessage) -> Verdict | None:
    """Machine mail that asks nothing of us and names no failure: a read receipt (MDN,
    RFC 8098), a loop alert, a postmaster's transcript. Success reports and SES notices
    are found by the bounce rules, which read those formats."""
    report = report_type(message)
    if report == "disposition-notification" or any(
        content_type(part) == "message/disposition-notification" for part in walk(message)
    ):
        return Verdict(NOTICE, reason="a read receipt (RFC 8098)")
    if _from_mail_system(message) and (
        _NOTICE_SUBJECTS.search(header(message, "Subject")) or _is_transcript(message)
    ):
        return Verdict(NOTICE, reason="a mail system's notice")
    return None


def _machine(message: EmailMessage) -> Verdict | None:
    """What is left of machine mail when no rule knew it: a mail system's or a list
    server's own mail, or a session transcript. Never a topic idea."""
    local = sender_address(message).partition("@")[0]
    if _is_system_local_part(local) or _is_transcript(message):
        return Verdict(NOTICE, reason="machine mail (a mail system or list server)")
    return None


def _is_transcript(message: EmailMessage) -> bool:
    return is_transcript(mailtext.body_text(message))


def _is_system_local_part(local: str) -> bool:
    return (
        local in _SYSTEM_LOCAL_PARTS
        or local.endswith(("-owner", "-bounces", "-request"))
        or local.startswith("owner-")
    )


def _from_mail_system(message: EmailMessage) -> bool:
    auto = header(message, "Auto-Submitted").lower()
    local = sender_address(message).partition("@")[0]
    return (
        (auto not in ("", "no"))
        or local == "postmaster"
        or _is_system_local_part(local)
        or header(message, "Return-Path") in ("<>", "<<>>")
    )


# -- complaints ------------------------------------------------------------------


def _complaint(message: EmailMessage) -> Verdict | None:
    if header(message, "X-Apple-Unsubscribe").lower() == "true":
        return Verdict(
            UNSUBSCRIBE, (sender_address(message),), reason="Apple Mail's one-click unsubscribe"
        )
    report = None
    for part in walk(message):
        if content_type(part) == "message/feedback-report":
            report = part
            break
    kind_of_report = report_type(message)
    is_arf = kind_of_report == "feedback-report"
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
    elif kind_of_report == "delivery-status":
        return None  # a delivery report (RFC 3464), which is no complaint
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
    reason = auto_reply_reason(message)
    return Verdict(AUTO_REPLY, reason=reason) if reason else None


# -- unsubscribes ----------------------------------------------------------------

_SHORT_REQUEST = 400  # characters of a mail's own words: a request, not a letter with one in it
# Where a mail's own words end and its closing begins: a short line with the greeting
# formula, after which come a name, a signature block, a disclaimer.
_CLOSING = re.compile(
    r"^\W*(((mit )?(freundliche|beste|herzliche|liebe|viele|schöne|sonnige|kollegiale)n?"
    r"\s*gr(ü|ue)(ß|ss)en?( aus [\w-]+)?|mfg|lg|vg|bg|gruß|(best |kind |warm )?regards|"
    r"cheers|best wishes|sincerely|yours)([\s,]+[\w.\- ]{0,30})?|(danke|vielen dank)"
    r"( (und|&) (viele )?gr(ü|ue)(ß|ss)e?)?)\W*$",
    re.IGNORECASE,
)


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
    own = _own_words(text)
    request = request_to_leave(own) or (request_to_leave(bare_subject) if len(own) < 200 else None)
    if request is None:
        return None
    if request.explicit and len(own) <= _SHORT_REQUEST:
        return Verdict(
            UNSUBSCRIBE, (sender_address(message),), reason=f"asked in own words: '{request.words}'"
        )
    # A longer mail that also asks to leave, or one that says the office ended without
    # asking anything: perhaps, perhaps not. The organizer decides.
    return Verdict(
        UNSURE,
        (sender_address(message),),
        reason=f"{PERHAPS_LEAVING}: '{request.words}'",
    )


def _own_words(text: str) -> str:
    """A mail's new text up to its closing: without the name, signature and disclaimer
    that follow "Mit freundlichen Grüßen" (a short request with a long signature is
    still a short request)."""
    lines = text.split("\n")
    for index, line in enumerate(lines[1:], start=1):
        if _CLOSING.match(line):
            return "\n".join(lines[:index]).strip()
    return text
