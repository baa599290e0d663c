"""Helpers for reading received mail: headers, parts, fields and addresses. Pure.

Every helper tolerates what real mail contains: headers that cannot be decoded, broken
MIME structure, nesting deeper than any mail client makes.
"""

from __future__ import annotations

import contextlib
import email
import re
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr

from mailer.inbound import mailtext
from mailer.text import one_line

ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def header(message: Message, name: str) -> str:
    """A header as plain text; a header that cannot be decoded counts as empty."""
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):
        return ""
    if value is None:
        return ""
    text = str(value)
    if "=?" in text:  # RFC 2047 encoded words, as a message parsed with compat32 keeps them
        with contextlib.suppress(LookupError, ValueError, UnicodeError, AttributeError):
            text = str(make_header(decode_header(text)))
    return one_line(text)


def sender_address(message: Message) -> str:
    return parseaddr(header(message, "From"))[1].strip().lower()


# -- helpers ---------------------------------------------------------------------


def walk(message: Message, depth: int = 0, into_messages: bool = True):
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
                yield from walk(part, depth + 1, into_messages)


def part_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in safe_items(block))
            for block in payload
            if isinstance(block, Message)
        )
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return str(payload)


def safe_items(part: Message):
    """Every header, repeated ones included; one that cannot be decoded is given raw."""
    for key, raw in part.raw_items():
        try:
            yield key, part.policy.header_fetch_parse(key, raw)
        except (ValueError, TypeError, IndexError, AttributeError):
            yield key, raw


def fields(text: str) -> dict[str, str]:
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


def addresses_in(text: str) -> list[str]:
    return [match.group(0).strip(".") for match in ADDRESS.finditer(text or "")]


def unique(items) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


def own_text(message: Message) -> str:
    """The text of multipart parts whose MIME structure could not be split (a lost boundary)."""
    texts = []
    for part in walk(message, into_messages=False):
        payload = part.get_payload()
        if part.get_content_maintype() == "multipart" and isinstance(payload, str):
            texts.append(payload)
    return "\n".join(texts)[: mailtext.MAX_TEXT]


def original_headers(message: Message) -> Message | None:
    for part in walk(message):
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                return inner[0]
            if isinstance(inner, Message):
                return inner
        if part.get_content_type() == "text/rfc822-headers":
            return email.message_from_string(part_text(part), policy=policy.compat32)
    return None
