"""The text of a received mail: decoded, HTML turned into text, the quoted original cut off.

Pure: a parsed message in, strings out. Robust against what real mail contains: unknown
or wrong charsets, HTML-only mail, missing boundaries, 8-bit garbage.
"""

from __future__ import annotations

import re
from email.message import EmailMessage, Message

from lxml import html as lxml_html

from mailer.text import one_line

MAX_TEXT = 200_000  # characters of a body worth reading; the rest is cut

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "ul",
    "ol",
}

# Where the quoted original begins, in the mail clients members use.
_QUOTE_HEADERS = [
    re.compile(r"^\s*Am .{4,120}(schrieb|geschrieben)\s*.{0,80}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*On .{4,160} wrote:\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(Ursprüngliche Nachricht|Original Message|Originalnachricht|Weitergeleitete Nachricht|Forwarded message)\s*-{2,}",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*(Von|From)\s*:\s*.+$"),
]
_HEADER_BLOCK = re.compile(
    r"^\s*(Gesendet|Sent|An|To|Betreff|Subject|Datum|Date)\s*:", re.IGNORECASE
)
_SIGNATURE = [
    re.compile(r"^-- ?$"),
    re.compile(
        r"^\s*(Gesendet (von|mit) (meinem|Outlook)|Sent from my|Von meinem iPhone gesendet)",
        re.IGNORECASE,
    ),
]


def decoded(part: Message) -> str:
    """A text part's content as str, whatever its declared charset says."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        value = part.get_payload()
        return value if isinstance(value, str) else ""
    payload = payload[: MAX_TEXT * 4]
    charset = (part.get_content_charset() or "utf-8").lower()
    for candidate in (charset, "utf-8", "windows-1252"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the name
            continue
    return payload.decode("latin-1")


def html_to_text(markup: str) -> str:
    """Readable text from HTML: block elements become lines, scripts and styles vanish."""
    if not markup.strip():
        return ""
    try:
        tree = lxml_html.fromstring(markup)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return re.sub(r"<[^>]+>", " ", markup)
    for element in tree.xpath("//script|//style|//head"):
        element.drop_tree()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "blockquote":
            # A quoted original in HTML mail: mark it as quoted text.
            element.text = "\n> " + (element.text or "")
        if element.tag in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    text = tree.text_content()
    lines = [one_line(line) for line in text.splitlines()]
    return "\n".join(lines).strip()


def body_text(message: EmailMessage) -> str:
    """The best text of a message: text/plain if there is one, else its HTML as text."""
    plain, markup = None, None
    for part in _leaf_parts(message):
        if part.get_content_maintype() != "text" or _is_attachment(part):
            continue
        subtype = part.get_content_subtype()
        if subtype == "plain" and plain is None:
            plain = decoded(part)
        elif subtype == "html" and markup is None:
            markup = decoded(part)
    if plain and plain.strip():
        return plain[:MAX_TEXT]
    return html_to_text(markup or "")[:MAX_TEXT]


def new_text(text: str) -> str:
    """What the sender wrote, without the quoted mail and a signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if any(pattern.match(line) for pattern in _QUOTE_HEADERS[:4]):
            break
        if _QUOTE_HEADERS[4].match(line) and _looks_like_header_block(lines[index : index + 5]):
            break
        if any(pattern.match(line) for pattern in _SIGNATURE):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result)


def attachment_names(message: EmailMessage) -> list[str]:
    names = []
    for part in _leaf_parts(message):
        name = part.get_filename()
        if name and _is_attachment(part):
            names.append(one_line(str(name)))
    return names


def _looks_like_header_block(lines: list[str]) -> bool:
    return sum(1 for line in lines[1:] if _HEADER_BLOCK.match(line)) >= 2


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment"


def _leaf_parts(message: Message, depth: int = 0):
    """Every non-multipart part, not descending into attached messages, at most 20 deep."""
    if depth > 20:
        return
    if message.is_multipart():
        for part in message.get_payload():
            if isinstance(part, Message) and part.get_content_type() != "message/rfc822":
                yield from _leaf_parts(part, depth + 1)
    else:
        yield message
