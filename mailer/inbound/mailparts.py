"""Helpers for reading received mail: headers, parts, fields and addresses. Pure.

Every helper tolerates what real mail contains: headers that cannot be decoded, broken
MIME structure, nesting deeper than any mail client makes.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy
from email.message import Message

from mailer.inbound import mailtext
from mailer.inbound.mailtext import content_type, decode_words
from mailer.text import one_line

ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def header(message: Message, name: str) -> str:
    """A header as the mail program that wrote it meant it, on one line: raw 8-bit bytes
    read as UTF-8 (RFC 6532) or in the message's own charset, RFC 2047 encoded words
    decoded; a header that cannot be read counts as empty."""
    text = raw_header(message, name)
    if "=?" in text:  # encoded words, as a message parsed with compat32 keeps them
        text = decode_words(text)
    return one_line(text)


def raw_header(message: Message, name: str) -> str:
    """A header's value with its 8-bit bytes decoded and its encoded words left as they
    are (an address is read before its display name is decoded: RFC 2047 section 5 lets
    no encoded word stand in an addr-spec)."""
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):
        return ""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # compat32 hands a header with raw 8-bit bytes over as a Header of unknown-8bit;
    # its raw value keeps the bytes as surrogates.
    wanted = name.lower()
    for key, raw in message.raw_items():
        if key.lower() == wanted and isinstance(raw, str):
            return _eight_bit(raw, message)
    return ""


def _eight_bit(raw: str, message: Message) -> str:
    try:
        data = raw.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:  # parsed from text, not bytes: it is text already
        return raw
    hint = _charset_hint(message)
    return mailtext.decode_bytes(data, hint, _eight_bit_sample(message, with_text=not hint))


def _charset_hint(message: Message) -> str | None:
    """The charset the mail program wrote its text in: a program that puts raw 8-bit
    bytes into headers without UTF-8 uses the same charset there."""
    for part in walk(message, into_messages=False):
        if part.get_content_maintype() == "text":
            charset = part.get_content_charset()
            if charset and charset not in ("us-ascii", "ascii"):
                return charset
    return None


def _eight_bit_sample(message: Message, with_text: bool) -> bytes:
    """All the 8-bit bytes of the message's headers, and of its first text part when that
    declares no charset: enough of one program's writing to tell its charset."""
    chunks = []
    for _, raw in message.raw_items():
        if isinstance(raw, str) and not raw.isascii():
            chunks.append(raw.encode("ascii", "surrogateescape"))
    for part in walk(message, into_messages=False) if with_text else ():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                chunks.append(payload[:65536])
            break
    return b"\n".join(chunks)


# -- who sent it -------------------------------------------------------------------


@dataclass(frozen=True)
class Mailbox:
    """The sender of a mail as RFC 5322 section 3.4 reads its From: the addr-spec (lower
    case, "" when there is none) and the display name (decoded)."""

    address: str
    name: str

    @property
    def named_address(self) -> str | None:
        """Another address than the sender's own, written into the display name
        (`"anna@example.org" <x@elsewhere>`): a sign of a mail that speaks for someone
        it does not come from. None when the name holds no other address."""
        for found in ADDRESS.finditer(self.name):
            other = found.group(0).strip(".").lower()
            if other != self.address:
                return other
        return None


def sender(message: Message) -> Mailbox:
    """The first mailbox of From (RFC 5322 3.6.2). Only its addr-spec is the sender."""
    name, address = split_mailbox(raw_header(message, "From"))
    if "=?" in name:
        name = decode_words(name)
    return Mailbox(address.strip().lower(), one_line(name))


def sender_address(message: Message) -> str:
    return sender(message).address


_PLAIN_MAILBOX = re.compile(r"\s*([^\"(),<>]*?)\s*<([^<>]*)>\s*")


def split_mailbox(value: str) -> tuple[str, str]:
    """(display name, addr-spec) of the first mailbox in an address header: the addr-spec
    is what stands in angle brackets (RFC 5322 3.4 name-addr), or, without brackets, the
    whole mailbox with comments taken as the name (`anna@example.org (Anna)`). Quoted
    strings and comments are read as such: an `@` or `<` in them is no address."""
    plain = _PLAIN_MAILBOX.fullmatch(value)
    if plain:  # the common form, without quotes, comments or a second mailbox
        return plain.group(1), plain.group(2)
    outside: list[str] = []  # the mailbox's characters outside quotes and comments
    name: list[str] = []  # the display name: quoted strings and words before <
    comments: list[str] = []
    angle: list[str] | None = None
    quoted = escaped = False
    depth = 0
    for char in value:
        if escaped:
            (angle if angle is not None else name if quoted else comments).append(char)
            escaped = False
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            if char == '"':
                quoted = False
            else:
                name.append(char)
        elif depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth:
                comments.append(char)
        elif char == "(":
            depth = 1
            comments.append(" ")
        elif angle is not None:
            if char == ">":
                return "".join(name).strip(), "".join(angle).strip()
            angle.append(char)
        elif char == '"':
            quoted = True
        elif char == "<":
            angle = []
        elif char == ",":
            break  # the end of the first mailbox
        else:
            outside.append(char)
            name.append(char)
    if angle is not None:  # an unclosed bracket: what follows it
        return "".join(name).strip(), "".join(angle).strip()
    address = "".join(outside).strip()
    if "@" not in address:
        return ("".join(name) or "".join(comments)).strip(), ""
    return "".join(comments).strip(), address


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
                if not into_messages and content_type(part) == "message/rfc822":
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
        if content_type(part) == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                return inner[0]
            if isinstance(inner, Message):
                return inner
        if content_type(part) == "text/rfc822-headers":
            return email.message_from_string(part_text(part), policy=policy.compat32)
    return None
