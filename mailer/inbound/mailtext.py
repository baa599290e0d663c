"""The text of a received mail: decoded, HTML turned into text, the quoted original cut off.

Pure: a parsed message in, strings out. Robust against what real mail contains: unknown
or wrong charsets, HTML-only mail, missing boundaries, 8-bit garbage.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import EmailMessage, Message

from lxml import html as lxml_html

from mailer.text import one_line

MAX_TEXT = 200_000  # characters of a body worth reading; the rest is cut

_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table",
    "ul", "ol", "hr", "pre",
}  # fmt: skip

# Where the quoted original begins, in the mail programs members use. An attribution
# line followed by quoted (">") lines opens a quote that the member may answer between
# (inline replies); a header block or a separator opens an original that runs to the end.
_ATTRIBUTIONS = [
    # Gmail, Apple Mail, Thunderbird, GMX, web.de: "Am 24.08.2023 um 16:00 schrieb X:"
    re.compile(r"^\s*Am .{4,160}(schrieb|geschrieben)\s*.{0,120}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*On .{4,200} wrote:\s*$", re.IGNORECASE),
    # Open-Xchange (1&1, IONOS, many municipal providers): "X hat am 24. August ... geschrieben:"
    re.compile(r"^\s*>?\s*.{2,160} hat am .{4,80} geschrieben:\s*$", re.IGNORECASE),
    re.compile(r"^\s*.{2,160} (schrieb|wrote) am .{4,80}:\s*$", re.IGNORECASE),
]
_SEPARATORS = [
    re.compile(
        r"^\s*-{2,}\s*(Ursprüngliche Nachricht|Original[- ]?Message|Original[- ]?Nachricht|"
        r"Weitergeleitete Nachricht|Forwarded message|Reply message)\s*-{2,}",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook on the web and mobile
]
# An original's header block: Outlook "Von: / Gesendet: / An: / Betreff:", GMX and
# web.de "Gesendet: / Von: / An: / Betreff:", T-Online "Datum: / Von: / An:".
_HEADER_START = re.compile(
    r"^\s*\*?(Von|From|Gesendet|Sent|Datum|Date)\*?\s*:\s*.+$", re.IGNORECASE
)
_HEADER_BLOCK = re.compile(
    r"^\s*\*?(Von|From|Gesendet|Sent|An|To|Betreff|Subject|Datum|Date|Cc)\*?\s*:", re.IGNORECASE
)
_SIGNATURE = [
    re.compile(r"^-- ?$"),
    # What mobile and desktop programs append: "Von meinem iPhone gesendet", "Gesendet von
    # Outlook für iOS", "Sent from my Galaxy", "Von Mail für Windows gesendet".
    re.compile(
        r"^\s*(Gesendet (von|mit) (meinem|Outlook|Mail|der|GMX|WEB\.DE|t-online)|"
        r"Von meinem .{2,40} gesendet|Sent from (my|Outlook|Mail|Yahoo)|"
        r"Get Outlook for|Outlook für (iOS|Android) (beziehen|herunterladen)|"
        r"Holen Sie sich Outlook für)",
        re.IGNORECASE,
    ),
]


def content_type(part: Message) -> str:
    """`part.get_content_type()`, worked out once per part and kept on it: the rules ask
    every part for its type again and again, and the answer never changes."""
    known = part.__dict__.get("_mailer_content_type")
    if known is None:
        known = part.__dict__["_mailer_content_type"] = part.get_content_type()
    return known


def report_type(message: Message) -> str:
    """The report-type of a multipart/report (RFC 6522: delivery-status, feedback-report,
    disposition-notification), lower case; "" for any other message. Kept like the type."""
    known = message.__dict__.get("_mailer_report_type")
    if known is None:
        known = ""
        if content_type(message) == "multipart/report":
            known = str(message.get_param("report-type", "", header="content-type")).lower()
        message.__dict__["_mailer_report_type"] = known
    return known


def decoded(part: Message) -> str:
    """A text part's content as str, whatever its declared charset says."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        value = part.get_payload()
        return value if isinstance(value, str) else ""
    return decode_bytes(payload[: MAX_TEXT * 4], part.get_content_charset())


# Single-byte Western charsets: what programs declare, by default or by mistake, for text
# they wrote in UTF-8. Real text in them is never valid UTF-8 once it has a byte over
# 127 (an "ä" in Latin-1 is one byte, E4, which UTF-8 never has alone), so valid UTF-8
# declared as one of these is UTF-8.
_WESTERN = frozenset(
    ["us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15", "windows-1252",
     "cp1252", "iso-8859-2", "windows-1250", "cp1250", "unknown-8bit", "x-unknown", ""]
)  # fmt: skip


def decode_bytes(data: bytes, declared: str | None = None, sample: bytes | None = None) -> str:
    """Text from bytes the way the program that wrote them meant: UTF-8 where they are
    UTF-8 and were declared as nothing or as a Western single-byte charset (RFC 6532 for
    raw header bytes); else the declared charset; else the charset that charset-normalizer
    recognises in `sample` (more of the same program's text: a few words of a header are
    too few to tell) or in the bytes themselves; else Windows-1252, the default of the
    mail programs of German town halls."""
    if data.isascii():
        return data.decode("ascii")
    charset = (declared or "").strip().lower()
    if charset in _WESTERN or charset in ("utf-8", "utf8"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if charset and charset not in ("unknown-8bit", "x-unknown"):
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the name
            pass
    try:
        return data.decode(guess_charset(sample or data), "replace")
    except LookupError:
        return data.decode("windows-1252", "replace")


def guess_charset(sample: bytes) -> str:
    """The charset charset-normalizer finds in 8-bit text that declares none, when it
    also recognises a language in it; Windows-1252 when it does not (on a few words it
    cannot tell Windows-1252 from Farsi or Greek code pages)."""
    from charset_normalizer import from_bytes  # only for text that declares no charset it has

    best = from_bytes(sample[:65536]).best()
    if best is not None and best.encoding and best.coherence > 0:
        return best.encoding
    return "windows-1252"


def decode_words(text: str) -> str:
    """RFC 2047 encoded words decoded, each in its declared charset (or UTF-8 where a
    program declared a Western charset for UTF-8 bytes); text that is no encoded word
    stays as it is. Broken words stay undecoded."""
    try:
        chunks = decode_header(text)
    except (HeaderParseError, ValueError, LookupError, UnicodeError, AssertionError):
        return text
    decoded = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            decoded.append(chunk)
        elif charset is None or charset == "unknown-8bit":
            decoded.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            decoded.append(decode_bytes(chunk, charset.partition("*")[0]))
    return "".join(decoded)


def html_to_text(markup: str) -> str:
    """Readable text from HTML: block elements become lines, scripts and styles vanish,
    and what stands in a blockquote (the quoted original of Apple Mail, Thunderbird,
    Gmail) becomes quoted lines ("> ")."""
    if not markup.strip():
        return ""
    try:
        tree = lxml_html.fromstring(markup)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return re.sub(r"<[^>]+>", " ", markup)
    for element in tree.xpath("//script|//style|//head"):
        element.drop_tree()
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    for quote in tree.xpath("//blockquote[not(ancestor::blockquote)]"):
        if quote is tree:
            continue
        lines = quote.text_content().splitlines()
        quoted = "\n".join("> " + one_line(line) for line in lines if line.strip())
        quote.tail = "\n" + quoted + "\n" + (quote.tail or "")
        quote.drop_tree()
    text = tree.text_content()
    lines = [one_line(line) for line in text.splitlines()]
    return "\n".join(lines).strip()


def body_text(message: EmailMessage) -> str:
    """The best text of a message: text/plain if there is one, else its HTML as text.
    Worked out once per message and kept on it: several rules read it."""
    known = message.__dict__.get("_mailer_body_text")
    if known is None:
        known = message.__dict__["_mailer_body_text"] = _body_text(message)
    return known


def _body_text(message: EmailMessage) -> str:
    plain, markup = None, None
    for part in _leaf_parts(message):
        kind = content_type(part)
        if not kind.startswith("text/") or _is_attachment(part):
            continue
        if kind == "text/plain" and plain is None:
            plain = decoded(part)
            if "flowed" in str(part.get("Content-Type", "")).lower() and (
                str(part.get_param("format") or "").lower() == "flowed"
            ):
                plain = unflowed(plain, str(part.get_param("delsp") or "").lower() == "yes")
        elif kind == "text/html" and markup is None:
            markup = part  # decoded only when there is no plain text
    if plain and plain.strip():
        return plain[:MAX_TEXT]
    return html_to_text(decoded(markup) if markup is not None else "")[:MAX_TEXT]


def unflowed(text: str, delsp: bool = False) -> str:
    """RFC 3676 format=flowed read back: a line that ends in a space goes on in the next
    line of the same quote depth (Thunderbird, Apple Mail); "-- " stays a line of its own."""
    out: list[str] = []
    joining = False
    out_depth = 0
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing (section 4.4)
        if joining and out and depth == out_depth:
            out[-1] += content
        else:
            out.append(">" * depth + (" " if depth else "") + content)
            out_depth = depth
        joining = content.endswith(" ") and content != "-- "
        if joining and delsp:
            out[-1] = out[-1][:-1]
    return "\n".join(out)


def new_text(text: str) -> str:
    """What the sender wrote, without the quoted mail and a signature: lines quoted with
    ">" are left out, and where an original begins that runs to the end (a header block,
    a separator, an attribution not followed by quoted lines) the text ends."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    skip = 0
    for index, line in enumerate(lines):
        if skip:
            skip -= 1
            continue
        attribution = _attribution(lines, index)
        if attribution:
            if not _quoted_lines_follow(lines, index + attribution):
                break
            skip = attribution - 1  # the quote follows: answers may stand between its lines
            continue
        if any(pattern.match(line) for pattern in _SEPARATORS):
            break
        if _HEADER_START.match(line) and _looks_like_header_block(lines[index : index + 5]):
            break
        if any(pattern.match(line) for pattern in _SIGNATURE):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result)


def _attribution(lines: list[str], index: int) -> int:
    """How many lines the attribution at `index` takes (Gmail wraps a long one onto a
    second line), or 0 if none starts there."""
    line = lines[index]
    if len(line) > 300:
        return 0
    if any(pattern.match(line) for pattern in _ATTRIBUTIONS):
        return 1
    if index + 1 < len(lines) and len(lines[index + 1]) < 160 and not line.startswith(">"):
        joined = f"{line.rstrip()} {lines[index + 1].strip()}"
        if any(pattern.match(joined) for pattern in _ATTRIBUTIONS[:2]):
            return 2
    return 0


def _quoted_lines_follow(lines: list[str], start: int) -> bool:
    for line in lines[start : start + 3]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


def attachment_names(message: EmailMessage) -> list[str]:
    """The file names of the attachments, decoded: RFC 2231 parameters, RFC 2047 words
    (as Outlook and Gmail write them into `name=`), raw 8-bit bytes."""
    names = []
    for part in _leaf_parts(message):
        if not _is_attachment(part):
            continue
        name = _filename(part)
        if name:
            names.append(one_line(decode_words(name) if "=?" in name else name))
    return names


def _filename(part: Message) -> str | None:
    """The part's file name; from a header with raw 8-bit bytes (which compat32 turns
    into replacement characters), read again from its decoded bytes."""
    for key in ("Content-Disposition", "Content-Type"):
        raw = next((v for k, v in part.raw_items() if k.lower() == key.lower()), None)
        if not isinstance(raw, str) or raw.isascii():
            continue
        try:
            data = raw.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:  # text already, not bytes
            continue
        probe = Message()
        probe[key] = decode_bytes(data, part.get_content_charset())
        if name := probe.get_filename():
            return str(name)
    name = part.get_filename()
    return str(name) if name else None


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
            if isinstance(part, Message) and content_type(part) != "message/rfc822":
                yield from _leaf_parts(part, depth + 1)
    else:
        yield message
