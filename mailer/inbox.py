"""What an inbound mail is: a bounce, an automatic reply, a complaint, an unsubscribe, or
a topic suggestion. Pure: bytes in, a Verdict out.

The order matters: a feedback report is a complaint even though it is automatic; a
bounce is a bounce even though it carries `Auto-Submitted`; only what is none of these is
a person writing, and a person's mail is never taken for a bounce: the non-standard bounce
rules need a mail system's sender or header, not just words in a subject.
"""

from __future__ import annotations

import email
import json
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from mailer import mailtext

SUGGESTION = "suggestion"
BOUNCE = "bounce"
AUTO_REPLY = "auto_reply"
COMPLAINT = "complaint"
UNSUBSCRIBE = "unsubscribe"
VERDICT_KINDS = (SUGGESTION, BOUNCE, AUTO_REPLY, COMPLAINT, UNSUBSCRIBE)

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_HEADERS = 2000

_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"(?:^|[\s(:\[])([45][0-9][0-9])[\s-](?=[^\n]*\S)", re.MULTILINE)
_TOKEN_WORDS = r"(?:abmelden|unsubscribe|austragen)"
_TOKEN = re.compile(_TOKEN_WORDS + r"[\s:+]+([A-Za-z0-9_-]{16,64})\b", re.IGNORECASE)
_PLAIN_UNSUBSCRIBE = re.compile(
    r"^\W*(bitte\s+)?(abmelden|abbestellen|austragen|unsubscribe|unsubscribe me|remove me|"
    r"bitte\s+(vom\s+verteiler\s+)?(abmelden|austragen|streichen))\W*$",
    re.IGNORECASE,
)

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
# Out-of-office subjects: strong phrases anywhere, weaker words only at the start, so a
# person's "Urlaubsplanung in der Verwaltung" stays a person's mail.
_AUTO_SUBJECTS = re.compile(
    r"abwesenheitsnotiz|automatische antwort|auto(matic|matische)?[ -]?(reply|response|antwort)|"
    r"autoreply|out of (the )?office|nicht im büro|^\s*(auto:|abwesend\b|im urlaub\b|"
    r"urlaub\s*[:-]|vacation\b|away\b|ooo\b)",
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


def parse(raw: bytes) -> EmailMessage:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Unreadable(f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except (RecursionError, ValueError, TypeError, IndexError) as error:
        raise Unreadable(f"not a mail message ({type(error).__name__})") from None
    if len(message.keys()) > MAX_HEADERS:
        raise Unreadable(f"more than {MAX_HEADERS} headers")
    if not message.keys():
        raise Unreadable("no headers")
    return message  # type: ignore[return-value]


def classify(message: EmailMessage) -> Verdict:
    """What this mail is, by the order complaint, bounce, automatic reply, unsubscribe, suggestion."""
    for rule in (
        _ses_notification,
        _complaint,
        _dsn_bounce,
        _mta_bounce,
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


def header(message: Message, name: str) -> str:
    """A header as plain text; a header that cannot be decoded counts as empty."""
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def sender_address(message: Message) -> str:
    return parseaddr(header(message, "From"))[1].strip().lower()


# -- complaints ------------------------------------------------------------------


def _complaint(message: EmailMessage) -> Verdict | None:
    if header(message, "X-Apple-Unsubscribe").lower() == "true":
        return Verdict(
            UNSUBSCRIBE, (sender_address(message),), reason="Apple Mail's one-click unsubscribe"
        )
    report = None
    for part in _walk(message):
        if part.get_content_type() == "message/feedback-report":
            report = part
            break
    is_arf = message.get_param("report-type", header="content-type") == "feedback-report"
    original = _original_headers(message)
    if original is not None and header(original, "X-HmXmrOriginalRecipient"):
        # Outlook.com's complaint format: the original with the complainer in a header.
        return Verdict(
            COMPLAINT,
            tuple(a.lower() for a in _addresses_in(header(original, "X-HmXmrOriginalRecipient"))),
            reason="Outlook.com complaint",
        )
    text = ""
    if report is not None:
        text = _part_text(report)
    elif not is_arf:
        body = mailtext.body_text(message)
        if not re.search(r"^Feedback-Type:\s*\w+", body, re.MULTILINE | re.IGNORECASE):
            return None
        text = body
    fields = _fields(text)
    listed = re.findall(
        r"^(?:Original-Rcpt-To|Removal-Recipient):\s*(.+)$", text, re.MULTILINE | re.IGNORECASE
    )
    addresses = _addresses_in(" ".join(listed))
    if not addresses and original is not None:
        addresses = [a for _, a in getaddresses([header(original, "To")]) if "@" in a]
    feedback_type = fields.get("feedback-type", "abuse").lower()
    return Verdict(
        COMPLAINT,
        tuple(_unique(a.lower() for a in addresses)),
        reason=f"feedback report ({feedback_type})",
        details={"feedback_type": feedback_type},
    )


# -- bounces ---------------------------------------------------------------------


def _dsn_bounce(message: EmailMessage) -> Verdict | None:
    reports = [
        part for part in _walk(message)
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status")
    ]  # fmt: skip
    blocks = [block for report in reports for block in _status_blocks(report)]
    if not blocks:
        # A report whose MIME structure is broken still has its fields in the text.
        text = _own_text(message) or (
            mailtext.body_text(message) if not message.is_multipart() else ""
        )
        if not re.search(r"^(Final|Original)-Recipient:", text, re.MULTILINE | re.IGNORECASE):
            return None
        blocks = [_fields(chunk) for chunk in re.split(r"\n\s*\n", text) if chunk.strip()]
    failed: list[tuple[str, str]] = []
    delivered = 0
    for block in blocks:
        action = block.get("action", "").lower().split()[0] if block.get("action") else ""
        status = _STATUS.search(block.get("status", ""))
        code = status.group(0) if status else ""
        recipients = _recipients(block)
        if action in ("delivered", "relayed", "expanded") or (not action and code.startswith("2")):
            delivered += 1
            continue
        for recipient in recipients:
            failed.append((recipient, code or ("4.0.0" if action == "delayed" else "5.0.0")))
    if not failed:
        if delivered:
            return Verdict(AUTO_REPLY, reason="a delivery report of success")
        return _mta_bounce(message, dsn=True)
    codes = [code for _, code in failed]
    return Verdict(
        BOUNCE,
        tuple(_unique(address for address, _ in failed)),
        hard=any(code.startswith("5") for code in codes),
        status=next((c for c in codes if c.startswith("5")), codes[0]),
        reason="delivery status notification (RFC 3464)",
    )


def _ses_notification(message: EmailMessage) -> Verdict | None:
    """Amazon SES feedback delivered as an SNS JSON notification."""
    if "amazonaws.com" not in sender_address(message) and "amazonses" not in sender_address(
        message
    ):
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
            BOUNCE, tuple(_unique(recipients)), hard=hard, status=status, reason="Amazon SES bounce"
        )
    if kind == "complaint":
        complaint = data.get("complaint") or {}
        recipients = [
            str(r.get("emailAddress", "")).lower()
            for r in complaint.get("complainedRecipients", [])
        ]
        return Verdict(COMPLAINT, tuple(_unique(recipients)), reason="Amazon SES complaint")
    return Verdict(AUTO_REPLY, reason=f"Amazon SES {kind} notification")


def _mta_bounce(message: EmailMessage, dsn: bool = False) -> Verdict | None:
    """A mail system's own bounce format: needs a daemon sender or a bounce header."""
    sender_name, sender = parseaddr(header(message, "From"))
    local = sender.split("@")[0].lower()
    subject = header(message, "Subject")
    failed_header = _addresses_in(header(message, "X-Failed-Recipients"))
    from_daemon = (
        not sender
        or local in _DAEMON_LOCAL_PARTS
        or bool(_DAEMON_NAMES.search(sender_name))
        or local.startswith(("mailer-daemon", "postmaster", "mail-daemon", "bounce"))
    )
    returns_original = any(
        p.get_content_type() in ("message/rfc822", "text/rfc822-headers") for p in _walk(message)
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
    addresses = failed_header or _failed_addresses(message, notice)
    status, hard = _status_of(notice, subject)
    return Verdict(
        BOUNCE,
        tuple(_unique(a.lower() for a in addresses)),
        hard=hard,
        status=status,
        reason="X-Failed-Recipients" if failed_header else "a mail system's bounce",
    )


def _looks_like_notice(message: EmailMessage) -> bool:
    words = r"deliver|zustell|recipient|empfänger|no such user|user unknown|invalid user|mailbox"
    text = mailtext.body_text(message) or _own_text(message)
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
        part for part in _walk(message, into_messages=False)
        if part.get_content_maintype() == "text" and part.get_content_subtype() in ("plain", "html")
    ]  # fmt: skip
    if parts:
        text = mailtext.decoded(parts[0])
        if parts[0].get_content_subtype() == "html":
            text = mailtext.html_to_text(text)
    else:
        text = _own_text(message)
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
            return _unique(found)
    candidates = []
    for line in notice.splitlines():
        if _NOT_A_RECIPIENT_LINE.search(line):
            continue
        for match in _ADDRESS.finditer(line):
            if line[max(0, match.start() - 1) : match.start()] in ("=", "/"):
                continue  # key=value and paths are not recipients
            address = _clean(match.group(0))
            if address and address not in excluded and not _is_role(address):
                candidates.append(address)
    if not candidates:
        # No address in the words: the returned original's recipient is the one that failed.
        original = _original_headers(message)
        to = header(original, "To") if original is not None else _inline_original_to(message)
        candidates = [_clean(a) for _, a in getaddresses([to]) if "@" in a]
    return _unique(a for a in candidates if a and a not in excluded)


def _inline_original_to(message: EmailMessage) -> str:
    """The To: of an original that a bounce quotes as plain text after its own words."""
    text = mailtext.body_text(message) or _own_text(message)
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
    original = _original_headers(message)
    if original is not None:
        names += [header(original, key) for key in ("From", "Reply-To", "Sender")]
    excluded = {a.lower() for _, a in getaddresses(names) if a}
    ids = " ".join(re.findall(r"message-id:?\s*<[^>]+>", notice, re.IGNORECASE))
    if original is not None:
        ids += " " + header(original, "Message-ID")
    excluded |= {a.lower() for a in _addresses_in(ids)}
    senders = re.findall(
        r"(?:envelope-from|smtp\.mailfrom|header\.from|mail from|from)[=:]\s*<?([^\s<>;]+@[^\s<>;]+)",
        notice,
        re.IGNORECASE,
    )
    return excluded | {_clean(a) for a in senders}


def _clean(address: str) -> str:
    address = address.strip().strip(".,;:'\"<>()[]").lower()
    return address if _ADDRESS.fullmatch(address) else ""


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
            blocks.append({k.lower(): " ".join(str(v).split()) for k, v in _safe_items(part)})
        return blocks
    text = _part_text(report)
    return [_fields(chunk) for chunk in re.split(r"\n\s*\n", text) if chunk.strip()]


def _recipients(block: dict[str, str]) -> list[str]:
    """The address we sent to (Original-Recipient) and the one that failed (Final-Recipient)."""
    found = []
    for key in ("original-recipient", "final-recipient"):
        value = block.get(key, "")
        if ";" in value:
            value = value.split(";", 1)[1]
        found += [a.lower() for a in _addresses_in(value)[:1]]
    if not found:
        found = [a.lower() for a in _addresses_in(block.get("x-actual-recipient", ""))[:1]]
    return _unique(found)


def _own_text(message: Message) -> str:
    """The text of multipart parts whose MIME structure could not be split (a lost boundary)."""
    texts = []
    for part in _walk(message, into_messages=False):
        payload = part.get_payload()
        if part.get_content_maintype() == "multipart" and isinstance(payload, str):
            texts.append(payload)
    return "\n".join(texts)[: mailtext.MAX_TEXT]


def _original_headers(message: EmailMessage) -> Message | None:
    for part in _walk(message):
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                return inner[0]
            if isinstance(inner, Message):
                return inner
        if part.get_content_type() == "text/rfc822-headers":
            return email.message_from_string(_part_text(part), policy=policy.compat32)
    return None


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
    return None


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
    return None


# -- helpers ---------------------------------------------------------------------


def _walk(message: Message, depth: int = 0, into_messages: bool = True):
    if depth > 30:
        return
    yield message
    if message.is_multipart():
        payload = message.get_payload()
        if isinstance(payload, list):
            for part in payload:
                if not isinstance(part, Message):
                    continue
                if not into_messages and part.get_content_type() == "message/rfc822":
                    continue
                yield from _walk(part, depth + 1, into_messages)


def _part_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in _safe_items(block))
            for block in payload
            if isinstance(block, Message)
        )
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return str(payload)


def _safe_items(part: Message):
    """Every header, repeated ones included; one that cannot be decoded is given raw."""
    for key, raw in part.raw_items():
        try:
            yield key, part.policy.header_fetch_parse(key, raw)
        except (ValueError, TypeError, IndexError, AttributeError):
            yield key, raw


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and current:
            fields[current] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if sep and re.fullmatch(r"[A-Za-z0-9-]+", key.strip()):
            current = key.strip().lower()
            fields.setdefault(current, value.strip())
    return fields


def _addresses_in(text: str) -> list[str]:
    return [match.group(0).strip(".") for match in _ADDRESS.finditer(text or "")]


def _unique(items) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen
