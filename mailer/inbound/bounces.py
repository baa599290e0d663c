"""Bounces: RFC 3464 delivery reports, Amazon SES notifications, and the own formats of
the big mail systems. Pure: a parsed message in, a Verdict (or None) out.

The non-standard rules need a mail system's sender or header, not just words in a
subject, so a person's mail is never taken for a bounce.
"""

from __future__ import annotations

import json
import re
from email.message import EmailMessage, Message
from email.utils import getaddresses

from mailer.inbound import mailtext
from mailer.inbound.kinds import BOUNCE, COMPLAINT, NOTICE, Verdict
from mailer.inbound.mailparts import (
    ADDRESS,
    addresses_in,
    fields,
    header,
    original_headers,
    own_text,
    part_text,
    safe_items,
    sender,
    sender_address,
    unique,
    walk,
)
from mailer.inbound.mailtext import content_type, report_type
from mailer.text import one_line

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"(?:^|[\s(:\[])([45][0-9][0-9])[\s-](?=[^\n]*\S)", re.MULTILINE)

_DAEMON_LOCAL_PARTS = {
    "mailer-daemon", "postmaster", "mail-daemon", "maildaemon", "mailerdaemon", "daemon",
    "bounce", "bounces", "mdaemon", "mailadmin", "nobody", "root", "noreply", "no-reply",
    "mail.delivery.system", "mailer_daemon", "mailerd", "post_master",
}  # fmt: skip
_DAEMON_NAMES = re.compile(
    r"mail delivery (sub)?system|mailer.?daemon|postmaster|mail administrator|"
    r"delivery status notification|microsoft outlook|mail system|content.?filter|"
    r"e-?mail (delivery|gateway)|mailer|mail service",
    re.IGNORECASE,
)
_BOUNCE_SUBJECTS = re.compile(
    r"undeliver|undelivered|delivery (status notification|failure|failed|has failed|problem|report)|"
    r"returned mail|returning message|mail delivery failed|failure notice|"
    r"non.?deliver|nicht zustellbar|unzustellbar|could not be delivered|"
    r"delivery notification|mail system error|message not delivered|rejected|"
    r"warning: (could not|message)|delayed mail|delivery delayed|mail could not|"
    r"unable to deliver|error sending|returned to sender|failure delivery|"
    r"permanent error|mail failure|not delivered|delivery error|no such user|"
    r"are not member|problem with delivery",
    re.IGNORECASE,
)

# Where a bounce's own words end and the returned original begins.
_ORIGINAL_MARKERS = re.compile(
    r"^\s*(-{2,}.*(original message|copy of the message|returned message|message headers|"
    r"original header|undelivered message|unsent message|below this line|headers of the original)"
    r"|.*message headers follow|.*original message follows|.*the original message|"
    r"return-path:|received: from|content-type: message/rfc822|-{3,} ?the header of the original)",
    re.IGNORECASE,
)


# RFC 3464 2.3.3: of the five action values only "failed" says that a recipient was not
# reached; "delayed" is a warning while the mail is still being retried, "delivered",
# "relayed" and "expanded" report success. A report names recipients one by one, so in a
# report that mixes them a failed recipient still counts, the others do not.
_NO_FAILURE = ("delayed", "delivered", "relayed", "expanded")

# A mail system's own words for the same warning, where it sends no RFC 3464 report:
# Gmail's and Exchange's "Delivery Status Notification (Delay)" ("THIS IS A WARNING
# MESSAGE ONLY"), Exim's "Warning: message ... delayed 24 hours", Sendmail's "Warning:
# could not send message for past 4 hours ... Will keep trying", and the German ones.
_STILL_TRYING = re.compile(
    r"warning message only|you do not need to resend|delivery (to the following recipients? )?"
    r"(has been |was )?delayed|\bdelayed \d+ (minutes?|hours?|days?)|will (keep|continue) "
    r"(trying|to try|attempting)|still (being )?retried|still trying|not yet been delivered|"
    r"delivery attempts will continue|zustellung (wurde |hat sich )?verzögert|nur eine warnung|"
    r"nicht erneut (zu )?senden|wird weiterhin versucht",
    re.IGNORECASE,
)


# A mail server's record of an SMTP session (Postfix "Transcript of session follows",
# lines "Out: 451 4.3.0 ..." / "In: RCPT TO:<...>", Exim's ">>> RCPT" / "<<< 550").
_TRANSCRIPT = re.compile(
    r"^\s*(out|in):\s+(\d{3}[ -]|ehlo|helo|mail from|rcpt to|data|quit)|^\s*(<<<|>>>)\s",
    re.IGNORECASE | re.MULTILINE,
)


def is_transcript(text: str) -> bool:
    """Whether a text is (mostly) a record of an SMTP dialogue."""
    return len(_TRANSCRIPT.findall(text[:5000])) >= 2


# -- bounces ---------------------------------------------------------------------


def dsn_bounce(message: EmailMessage) -> Verdict | None:
    reports = [
        part for part in walk(message)
        if content_type(part) in ("message/delivery-status", "message/global-delivery-status")
    ]  # fmt: skip
    blocks = [block for report in reports for block in _status_blocks(report)]
    if not blocks:
        # A report whose MIME structure is broken still has its fields in the text: in a
        # lost boundary's text, in a single part, or in the first part of a declared
        # report whose boundaries are misplaced.
        declared = report_type(message) == "delivery-status"
        text = own_text(message) or (
            mailtext.body_text(message) if declared or not message.is_multipart() else ""
        )
        if not re.search(r"^(Final|Original)-Recipient:", text, re.MULTILINE | re.IGNORECASE):
            return None
        blocks = [fields(chunk) for chunk in re.split(r"\n\s*\n", text) if chunk.strip()]
    failed: list[tuple[str, str]] = []
    passing: dict[str, list[str]] = {}  # action -> the recipients it names
    for block in blocks:
        action = block.get("action", "").lower().split()[0] if block.get("action") else ""
        status = _STATUS.search(block.get("status", ""))
        code = status.group(0) if status else ""
        recipients = _recipients(block)
        if not action and code.startswith("2"):
            action = "delivered"
        if action in _NO_FAILURE:
            passing.setdefault(action, []).extend(recipients)
            continue
        for recipient in recipients:
            failed.append((recipient, code or "5.0.0"))
    if not failed:
        if passing:
            return Verdict(
                NOTICE,
                tuple(unique(a for named in passing.values() for a in named)),
                reason=f"a delivery report: {', '.join(sorted(passing))}, no failure"
                " (RFC 3464 2.3.3)",
            )
        return mta_bounce(message, dsn=True)
    codes = [code for _, code in failed]
    return Verdict(
        BOUNCE,
        tuple(unique(address for address, _ in failed)),
        hard=any(code.startswith("5") for code in codes),
        status=next((c for c in codes if c.startswith("5")), codes[0]),
        reason="delivery status notification (RFC 3464)",
    )


def ses_notification(message: EmailMessage) -> Verdict | None:
    """Amazon SES feedback delivered as an SNS JSON notification."""
    # The raw header first: parsing every sender's address cost a tenth of classifying.
    raw_from = header(message, "From").lower()
    if "amazonaws.com" not in raw_from and "amazonses" not in raw_from:
        return None
    address = sender_address(message)
    if "amazonaws.com" not in address and "amazonses" not in address:
        return None
    text = mailtext.body_text(message)
    start = text.find("{")
    try:
        data = json.JSONDecoder(strict=False).raw_decode(text, start)[0] if start >= 0 else None
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("Message"), str):
        try:
            data = json.loads(data["Message"], strict=False)
        except ValueError:
            return None
    if not isinstance(data, dict) or "notificationType" not in data:
        return None
    kind = str(data.get("notificationType")).lower()
    if kind == "bounce":
        bounce = data.get("bounce") or {}
        recipients = [
            str(r.get("emailAddress", "")).lower() for r in bounce.get("bouncedRecipients", [])
        ]
        hard = str(bounce.get("bounceType", "")).lower() == "permanent"
        codes = [str(r.get("status", "")) for r in bounce.get("bouncedRecipients", [])]
        status = next((c for c in codes if _STATUS.match(c)), "5.0.0" if hard else "4.0.0")
        return Verdict(
            BOUNCE, tuple(unique(recipients)), hard=hard, status=status, reason="Amazon SES bounce"
        )
    if kind == "complaint":
        complaint = data.get("complaint") or {}
        recipients = [
            str(r.get("emailAddress", "")).lower()
            for r in complaint.get("complainedRecipients", [])
        ]
        return Verdict(COMPLAINT, tuple(unique(recipients)), reason="Amazon SES complaint")
    return Verdict(NOTICE, reason=f"Amazon SES {kind} notification")


def mta_bounce(message: EmailMessage, dsn: bool = False) -> Verdict | None:
    """A mail system's own bounce format: needs a daemon sender or a bounce header."""
    mailbox = sender(message)
    local = mailbox.address.split("@")[0]
    subject = header(message, "Subject")
    failed_header = addresses_in(header(message, "X-Failed-Recipients"))
    from_daemon = (
        not mailbox.address
        or local in _DAEMON_LOCAL_PARTS
        or bool(_DAEMON_NAMES.search(mailbox.name))
        or local.startswith(("mailer-daemon", "postmaster", "mail-daemon", "bounce"))
    )
    returns_original = any(
        content_type(p) in ("message/rfc822", "text/rfc822-headers") for p in walk(message)
    )
    bounce_subject = bool(_BOUNCE_SUBJECTS.search(subject))
    returned_to_nobody = header(message, "Return-Path") == "<>"
    is_bounce = (
        bool(failed_header)
        or dsn
        or (
            from_daemon
            and (
                bounce_subject
                or returned_to_nobody
                or returns_original
                or _looks_like_notice(message)
            )
        )
        or (bounce_subject and bool(header(message, "X-MLServer")))
        or (bounce_subject and returned_to_nobody and _looks_like_notice(message))
    )
    if not is_bounce:
        return None
    notice = _notice_text(message)
    if not (failed_header or returns_original or bounce_subject) and is_transcript(notice):
        # A mail server's record of a session for its postmaster (Postfix "errors from"):
        # it returns no mail and says nothing failed for good.
        return Verdict(NOTICE, reason="a mail server's session transcript for the postmaster")
    if not failed_header and _STILL_TRYING.search(subject + "\n" + notice[:3000]):
        return Verdict(
            NOTICE,
            tuple(unique(a.lower() for a in _failed_addresses(message, notice))),
            reason="a mail system's warning: the mail is still being retried",
        )
    addresses = failed_header or _failed_addresses(message, notice)
    if not addresses and not (from_daemon or dsn):
        return None  # a person's program that names no failed address: an auto-reply
    status, hard = _status_of(notice, subject)
    return Verdict(
        BOUNCE,
        tuple(unique(a.lower() for a in addresses)),
        hard=hard,
        status=status,
        reason="X-Failed-Recipients" if failed_header else "a mail system's bounce",
    )


def _looks_like_notice(message: EmailMessage) -> bool:
    words = r"deliver|zustell|recipient|empfänger|no such user|user unknown|invalid user|mailbox"
    text = mailtext.body_text(message) or own_text(message)
    return bool(re.search(words, text[:3000], re.IGNORECASE))


def _status_of(notice: str, subject: str) -> tuple[str | None, bool]:
    status = _STATUS.search(notice)
    delayed = bool(
        re.search(
            r"\bdelay(ed)?\b|will (retry|keep trying|continue)|verzögert|still trying|warning:",
            subject + "\n" + notice[:2000],
            re.IGNORECASE,
        )
    )
    if status:
        return status.group(0), status.group(1) == "5"
    code = _SMTP_CODE.search(notice)
    if code:
        return f"{code.group(1)[0]}.0.0", code.group(1).startswith("5")
    return ("4.0.0", False) if delayed else ("5.0.0", True)


def _notice_text(message: EmailMessage) -> str:
    """The bounce's own words: its first text part, up to where the original begins."""
    parts = [
        part for part in walk(message, into_messages=False)
        if part.get_content_maintype() == "text" and part.get_content_subtype() in ("plain", "html")
    ]  # fmt: skip
    if parts:
        text = mailtext.decoded(parts[0])
        if parts[0].get_content_subtype() == "html":
            text = mailtext.html_to_text(text)
    else:
        text = own_text(message)
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n")[:400]:
        if kept and _ORIGINAL_MARKERS.match(line):
            break
        kept.append(line)
    return "\n".join(kept)


# How mail systems name the recipient that failed, most specific first.
_RECIPIENT_LINES = [
    re.compile(
        r"^\s*<([^<>\s]+@[^<>\s]+)>\s*(?:\(expanded from|:|\.\.\.|$)", re.MULTILINE
    ),  # Postfix, qmail
    re.compile(r"^\s*\d{3}\s+<([^<>\s]+@[^<>\s]+)>\.\.\.", re.MULTILINE),  # Sendmail
    re.compile(r"^([^<>\s:]+@[^<>\s:]+):\s+[45]\d\d\b", re.MULTILINE),  # OpenSMTPD
    re.compile(r"^\s*([^<>\s:]+@[^<>\s:]+)\.\.\.\s", re.MULTILINE),  # Sendmail without brackets
    re.compile(
        r"(?:recipient address|original-recipient|final-recipient)\s*:\s*(?:rfc822;\s*)?<?([^<>\s;]+@[^<>\s;]+)",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?:delivering your (?:mail|message) to|delivery to the following recipients? failed[^\n]*\n\s*|"
        r"could not be delivered to[: ]|couldn't be delivered to[: ]|did not reach the following recipient\(s\):\s*|"
        r"following address(?:es)? failed:\s*|failed recipient:?|unknown user:?|user unknown:?|"
        r"rcpt to:?|your message to|wasn't delivered to|no mailbox here by that name:?|"
        r"the following recipients?:\s*)\s*<?([^<>\s;:,()\"']+@[^<>\s;:,()\"']+)",
        re.IGNORECASE,
    ),
]
_NOT_A_RECIPIENT_LINE = re.compile(
    r"contact|assistance|questions?|for (further )?help|^\s*(from|to|sender|reply-to|cc|message-id|mail from)\s*:",
    re.IGNORECASE,
)


def _failed_addresses(message: EmailMessage, notice: str) -> list[str]:
    """The addresses a bounce names as failed; without the sender, the daemon, or Message-IDs."""
    excluded = _not_recipients(message, notice)
    for pattern in _RECIPIENT_LINES:
        found = [_clean(m.group(1)) for m in pattern.finditer(notice)]
        found = [a for a in found if a and a not in excluded and not _is_role(a)]
        if found:
            return unique(found)
    candidates = []
    for line in notice.splitlines():
        if _NOT_A_RECIPIENT_LINE.search(line):
            continue
        for match in ADDRESS.finditer(line):
            if line[max(0, match.start() - 1) : match.start()] in ("=", "/"):
                continue  # key=value and paths are not recipients
            address = _clean(match.group(0))
            if address and address not in excluded and not _is_role(address):
                candidates.append(address)
    if not candidates:
        # No address in the words: the returned original's recipient is the one that failed.
        original = original_headers(message)
        to = header(original, "To") if original is not None else _inline_original_to(message)
        candidates = [_clean(a) for _, a in getaddresses([to]) if "@" in a]
    return unique(a for a in candidates if a and a not in excluded)


def _inline_original_to(message: EmailMessage) -> str:
    """The To: of an original that a bounce quotes as plain text after its own words."""
    text = mailtext.body_text(message) or own_text(message)
    marker = None
    for match in re.finditer(r"^.*$", text, re.MULTILINE):
        if _ORIGINAL_MARKERS.match(match.group(0)) or re.match(
            r"\s*original message", match.group(0), re.I
        ):
            marker = match.end()
            break
    if marker is None:
        return ""
    found = re.search(
        r"^\s*To:\s*(.+)$", text[marker : marker + 5000], re.MULTILINE | re.IGNORECASE
    )
    return found.group(1) if found else ""


def _not_recipients(message: EmailMessage, notice: str) -> set[str]:
    """The bounce's sender and addressee, the original's sender, Message-IDs."""
    names = [header(message, key) for key in ("To", "From", "Reply-To")]
    original = original_headers(message)
    if original is not None:
        names += [header(original, key) for key in ("From", "Reply-To", "Sender")]
    excluded = {a.lower() for a in addresses_in(" ".join(names))}
    ids = " ".join(re.findall(r"message-id:?\s*<[^>]+>", notice, re.IGNORECASE))
    if original is not None:
        ids += " " + header(original, "Message-ID")
    excluded |= {a.lower() for a in addresses_in(ids)}
    senders = re.findall(
        r"(?:envelope-from|smtp\.mailfrom|header\.from|mail from|from)[=:]\s*<?([^\s<>;]+@[^\s<>;]+)",
        notice,
        re.IGNORECASE,
    )
    return excluded | {_clean(a) for a in senders}


def _clean(address: str) -> str:
    address = address.strip().strip(".,;:'\"<>()[]").lower()
    return address if ADDRESS.fullmatch(address) else ""


def _is_role(address: str) -> bool:
    local = address.split("@")[0]
    return (
        local in _DAEMON_LOCAL_PARTS
        or local.startswith(("mailer-daemon", "postmaster"))
        or _looks_like_message_id(local)
    )


def _looks_like_message_id(local: str) -> bool:
    digits = sum(ch.isdigit() for ch in local)
    return (len(local) > 24 and digits / len(local) > 0.35) or bool(
        re.fullmatch(r"[0-9a-f.\-$]{20,}", local)
    )


def _status_blocks(report: Message) -> list[dict[str, str]]:
    payload = report.get_payload()
    if isinstance(payload, list) and payload and all(isinstance(p, Message) for p in payload):
        blocks = []
        for part in payload:
            blocks.append({k.lower(): one_line(str(v)) for k, v in safe_items(part)})
        return blocks
    text = part_text(report)
    return [fields(chunk) for chunk in re.split(r"\n\s*\n", text) if chunk.strip()]


def _recipients(block: dict[str, str]) -> list[str]:
    """The address we sent to (Original-Recipient) and the one that failed (Final-Recipient)."""
    found = []
    for key in ("original-recipient", "final-recipient"):
        value = block.get(key, "")
        if ";" in value:
            value = value.split(";", 1)[1]
        found += [a.lower() for a in addresses_in(value)[:1]]
    if not found:
        found = [a.lower() for a in addresses_in(block.get("x-actual-recipient", ""))[:1]]
    return unique(found)
