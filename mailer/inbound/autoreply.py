"""Automatic replies: which signs say that a mail was sent by a program, not typed by a
person, and which of them may decide alone. Pure: a parsed message in, a reason out.

A sign that a person's mail can also carry must never decide alone, or a topic idea is
filed away as an out-of-office note. The rule:

| sign                                          | decides  | source                                      |
| --------------------------------------------- | -------- | ------------------------------------------- |
| `Auto-Submitted:` anything but `no`           | alone    | RFC 3834 section 5                          |
| `X-Autoreply`, `X-Autorespond`,               | alone    | what vacation responders write in place of  |
| `X-Autoresponder` (a value other than `no`)   |          | Auto-Submitted (hosting panels, webmailers) |
| `X-Apple-Action: VACATION`                    | alone    | iCloud Mail's vacation reply (corpus        |
|                                               |          | rfc3834-03); other actions forward mail     |
| `Precedence: auto_reply`                      | alone    | what some responders set; nobody else does  |
| a short text that opens with an absence and   | alone    | the notes of Exchange, GMX, web.de, Sieve   |
| says what a program says: "Vielen Dank für    |          | vacation (RFC 5230) when sent without their |
| Ihre Nachricht", "in dringenden Fällen",      |          | headers                                     |
| "wird nicht weitergeleitet", "wieder erreich- |          |                                             |
| bar"                                          |          |                                             |
| a short text saying the mailbox is no longer  | alone    | no person writes a topic idea that way;     |
| read ("Dieses Postfach wird nicht mehr        |          | nothing was refused, so it is no bounce     |
| genutzt")                                     |          |                                             |
| `Precedence: bulk`, `list`, `junk`            | together | RFC 3834 3.1.8; set by lists and bulk mail, |
|                                               |          | which a member's reply can pass through     |
| an empty `Return-Path: <>`                    | together | RFC 5321 4.5.5, RFC 3834 3.3: null sender;  |
|                                               |          | also what a forwarding rule may leave       |
| an out-of-office subject ("Abwesenheitsnotiz",| together | the subjects Outlook, Gmail, GMX, Apple use;|
| "Automatische Antwort", "Out of Office", an   |          | a person may write "Urlaub: eine Idee"      |
| "Urlaub:" or "Auto:" at the start)            |          |                                             |
| a short text that opens "Ich bin bis ... im   | together | a person writes it too ("Ich bin bis Mai im |
| Urlaub / nicht im Büro"                       |          | Urlaub, danach gern: Glasfaser!")           |
| `X-Auto-Response-Suppress` (All, None, DR,    | never    | MS-OXCMAIL 2.1.3.2.20: a request to others  |
| OOF, AutoReply, ...)                          |          | not to answer; Outlook sets it on mail      |
|                                               |          | people type                                 |

Two signs that decide only together decide when both are there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import Message

from mailer.inbound import mailtext
from mailer.inbound.mailparts import header

# Out-of-office subjects: the phrases the programs put there, and words at the start.
_AUTO_SUBJECTS = re.compile(
    r"abwesenheitsnotiz|automatische antwort|auto(matic|matische)?[ -]?(reply|response|antwort)|"
    r"autoreply|out of (the )?office|nicht im büro|^\s*(auto:|abwesend\b|im urlaub\b|"
    r"urlaub\s*[:-]|vacation\b|away\b|ooo\b)",
    re.IGNORECASE,
)

# An absence note's opening: "(Vielen Dank für Ihre Nachricht.) Ich bin bis/vom/derzeit
# ... nicht im Büro / abwesend / im Urlaub", and the English equivalents, at the start.
_ABSENCE = re.compile(
    r"^\W*(?P<thanks>(vielen |herzlichen )?dank für ihre (e-?mail|nachricht)[.!,]?\s*|"
    r"thank you for your (e-?mail|message)[.!,]?\s*|thanks for your (e-?mail|message)[.!,]?\s*)?"
    r"(ich bin\s+|ich befinde mich\s+|bin\s+|i am\s+|i'm\s+|i will be\s+)?"
    r"((bis|vom|ab|derzeit|zurzeit|zur zeit|momentan|aktuell|currently|until|from)\b[^\n]{0,120}?)?"
    r"(nicht im (büro|hause|dienst|rathaus)|abwesend|im urlaub|nicht erreichbar|außer haus|"
    r"out of (the )?office|on (annual )?leave|on vacation|away from)",
    re.IGNORECASE,
)
# What a program's absence note says beyond the absence: how to reach someone else, when
# the person is back, that the mail is not forwarded.
_PROGRAM_WORDS = re.compile(
    r"in dringenden fällen|wenden sie sich (bitte )?an|wird nicht weitergeleitet|"
    r"(ab|am) [^\n]{0,40}wieder (im büro|erreichbar|für sie da)|wieder erreichbar|"
    r"(e-?mails|nachrichten) (werden|wird) (nicht )?(gelesen|weitergeleitet)|"
    r"in urgent (matters|cases)|please contact|i will (be back|return)|will not be forwarded|"
    r"limited access to (my )?e-?mail|eingeschränkt",
    re.IGNORECASE,
)

# "Dieses Postfach wird nicht mehr genutzt", "This address is no longer in use": a note
# about the mailbox, sent in place of the person.
_MAILBOX_GONE = re.compile(
    r"\b(postfach|adresse|e-?mail-?adresse|mailbox|address|e-?mail account)\b[^\n]{0,80}?"
    r"\b(nicht mehr (genutzt|verwendet|aktiv|gültig|besetzt|in benutzung|erreichbar|gelesen|"
    r"abgerufen|betreut|bearbeitet)|existiert nicht mehr|ist (deaktiviert|stillgelegt)|"
    r"no longer (in use|active|valid|monitored|read|checked|maintained|exists?))",
    re.IGNORECASE,
)
SHORT_NOTE = 600  # characters of new text: an absence note is short


def _auto_submitted(message: Message, _text: Callable[[], str]) -> str | None:
    value = header(message, "Auto-Submitted").lower()
    return f"Auto-Submitted: {value}" if value and value != "no" else None


def _responder_header(message: Message, _text: Callable[[], str]) -> str | None:
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        value = header(message, name).lower()
        if value and value not in ("no", "false", "0"):
            return name
    return None


def _apple_vacation(message: Message, _text: Callable[[], str]) -> str | None:
    return (
        "X-Apple-Action: VACATION"
        if header(message, "X-Apple-Action").upper() == "VACATION"
        else None
    )


def _precedence_auto_reply(message: Message, _text: Callable[[], str]) -> str | None:
    return (
        "Precedence: auto_reply" if header(message, "Precedence").lower() == "auto_reply" else None
    )


def _program_absence(message: Message, text: Callable[[], str]) -> str | None:
    note = text()
    if len(note) > SHORT_NOTE:
        return None
    opening = _ABSENCE.search(note[:300])
    if opening and (opening.group("thanks") or _PROGRAM_WORDS.search(note)):
        return "an out-of-office note in a program's words"
    return None


def _mailbox_gone(message: Message, text: Callable[[], str]) -> str | None:
    note = text()
    if len(note) <= SHORT_NOTE and _MAILBOX_GONE.search(note[:300]):
        return "says the mailbox is no longer in use"
    return None


def _bulk_precedence(message: Message, _text: Callable[[], str]) -> str | None:
    value = header(message, "Precedence").lower()
    return f"Precedence: {value}" if value in ("bulk", "list", "junk") else None


def _null_return_path(message: Message, _text: Callable[[], str]) -> str | None:
    return "empty Return-Path" if header(message, "Return-Path") in ("<>", "<<>>") else None


def _auto_subject(message: Message, _text: Callable[[], str]) -> str | None:
    return "an out-of-office subject" if _AUTO_SUBJECTS.search(header(message, "Subject")) else None


def _absence_opening(message: Message, text: Callable[[], str]) -> str | None:
    note = text()
    if len(note) <= SHORT_NOTE and _ABSENCE.search(note[:300]):
        return "opens with an absence"
    return None


# The table above, in the order the signs are looked at (headers first: they are cheap).
DECIDE_ALONE = (
    _auto_submitted, _responder_header, _apple_vacation, _precedence_auto_reply,
    _program_absence, _mailbox_gone,
)  # fmt: skip
DECIDE_TOGETHER = (_bulk_precedence, _null_return_path, _auto_subject, _absence_opening)


def auto_reply_reason(message: Message) -> str | None:
    """Why this mail is an automatic reply, or None: one sign that decides alone, or two
    that decide together (see the table above)."""
    cache: list[str] = []

    def text() -> str:
        if not cache:
            cache.append(mailtext.new_text(mailtext.body_text(message)))
        return cache[0]

    for sign in DECIDE_ALONE[:4]:  # the headers
        if reason := sign(message, text):
            return reason
    weak = [reason for sign in DECIDE_TOGETHER[:3] if (reason := sign(message, text))]
    for sign in DECIDE_ALONE[4:]:
        if reason := sign(message, text):
            return reason
    if weak and (reason := _absence_opening(message, text)):
        weak.append(reason)
    return " + ".join(weak) if len(weak) >= 2 else None
