"""Header fields as they leave: one writer for every way a mail of ours is made (the
tick's wire template, the preview .eml, send-test, the digest). Pure.

- RFC 5322 2.1.1 and 2.2.3: a line is at most 998 characters and should be at most 78;
  a long field is folded at a space (CRLF, then the space).
- RFC 2047: text beyond ASCII travels as encoded words, `=?utf-8?q?...?=`, each at most
  75 characters (2) and of whole characters (5), on lines of at most 76 characters (2);
  only the words that need it are encoded, the others stay readable. In a display name
  (a phrase, 5(3)) an encoded word holds only letters, digits and `!*+-/`, and an ASCII
  name with specials is a quoted string (RFC 5322 3.2.4).
- Message-IDs and links (Message-ID, In-Reply-To, References, List-Unsubscribe) stay on
  one line up to 998 characters, never cut or encoded: a reader that follows a thread or
  an unsubscribe link gets the token whole, and the line does not depend on the length
  of a member's id or token, so the wire template's holes never change its folding.

The standard library's email policy writes these fields otherwise: with the 998 the wire
needs for tokens it puts a whole subject in one encoded word of any length, and at 78 it
encodes a long In-Reply-To as encoded words and an umlaut inside a quoted List-Id name
with the closing quote inside the encoded word. `WirePolicy` is policy.SMTP with the
fields above written here, so both ways of making a message write the same bytes.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.policy import EmailPolicy

LINE = 78  # RFC 5322 2.1.1: SHOULD
LINE_WITH_WORDS = 76  # RFC 2047 2: a line that holds an encoded word
HARD = 998  # RFC 5322 2.1.1: MUST
WORD = 75  # RFC 2047 2: one encoded word
_OPEN, _CLOSE = "=?utf-8?q?", "?="
_Q_PLAIN = re.compile(r"[A-Za-z0-9!*+\-/]")  # RFC 2047 5(3): what a phrase's word may hold
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")  # RFC 5322 3.2.3 atext
_ATOMS = re.compile(rf"{_ATOM.pattern}(?: {_ATOM.pattern})*")
_LOOKS_ENCODED = re.compile(r"=\?.*\?=")  # RFC 2047 5: text that would be read as a word

TEXT_FIELDS = {"subject"}
ADDRESS_FIELDS = {"from", "to", "reply-to"}
TOKEN_FIELDS = {"message-id", "in-reply-to", "references", "list-unsubscribe"}
LIST_ID = "list-id"


def text(name: str, value: str, linesep: str = "\r\n") -> str:
    """The folded value of an unstructured field (Subject) after `Name: `."""
    return _lay_out(name, _pieces(value, _plain_text), linesep)


def address(name: str, display_name: str, addr_spec: str, linesep: str = "\r\n") -> str:
    """The folded value of an address field after `Name: `: `addr` alone, or
    `display name <addr>` with the name written as RFC 5322 and RFC 2047 ask. An address
    beyond ASCII (SMTPUTF8, RFC 6532) is written as it is; the transport decides."""
    return _phrase_and_angle(name, display_name, addr_spec, linesep, bare=True)


def list_id(name: str, description: str, identifier: str, linesep: str = "\r\n") -> str:
    """The folded value of List-Id (RFC 2919 3): `description <identifier>`, the
    description a phrase like a display name."""
    return _phrase_and_angle(name, description, identifier, linesep, bare=False)


def tokens(name: str, value: str, linesep: str = "\r\n") -> str:
    """The value of a field of Message-IDs or links: on one line, folded at spaces only
    where the line would pass 998."""
    words = value.split(" ")
    lines, room = [words[0]], HARD - len(name) - 2 - len(words[0])
    for word in words[1:]:
        if len(word) + 1 > room:
            lines.append(word)
            room = HARD - 1 - len(word)
        else:
            lines[-1] += " " + word
            room -= len(word) + 1
    return (linesep + " ").join(lines)


# -- the parts -----------------------------------------------------------------------------


def _phrase_and_angle(name: str, phrase: str, inside: str, linesep: str, *, bare: bool) -> str:
    if not phrase:
        return inside if bare else f"<{inside}>"
    angle = (f"<{inside}>", False)
    if phrase.isascii() and not _LOOKS_ENCODED.search(phrase):
        if _ATOMS.fullmatch(phrase) and bare:  # a List-Id's description stays quoted, as ever
            return _lay_out(name, [*_pieces(phrase, _atom), angle], linesep)
        quoted = '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if len(name) + 2 + len(quoted) <= LINE:
            return _lay_out(name, [(quoted, False), angle], linesep)
        return _lay_out(name, [(phrase, True), angle], linesep)
    return _lay_out(name, [*_pieces(phrase, _atom), angle], linesep)


def _atom(word: str) -> bool:
    """Whether a word of a phrase may travel as it is (RFC 5322 3.2.3 atext)."""
    return bool(_ATOM.fullmatch(word)) and not _LOOKS_ENCODED.search(word)


def _plain_text(word: str) -> bool:
    """Whether a word of unstructured text may travel as it is."""
    return word.isascii() and word.isprintable() and not _LOOKS_ENCODED.search(word)


def _pieces(value: str, plain) -> list[tuple[str, bool]]:
    """`value` as (text, encode?) pieces: each word that may stay as it is, and each run
    of words that may not, to be encoded together (the spaces between them inside: a
    reader drops the space between two encoded words, RFC 2047 6.2)."""
    pieces: list[tuple[str, bool]] = []
    run: list[str] = []
    for word in value.split(" "):
        if word and plain(word) and len(word) <= LINE - 2:
            if run:
                pieces.append((" ".join(run), True))
                run = []
            pieces.append((word, False))
        else:
            run.append(word)
    if run:
        pieces.append((" ".join(run), True))
    return pieces


def _q(character: str) -> str:
    """One character Q-encoded as a phrase allows it (RFC 2047 4.2, 5(3))."""
    if character == " ":
        return "_"
    if _Q_PLAIN.fullmatch(character):
        return character
    return "".join(f"={byte:02X}" for byte in character.encode("utf-8"))


def _fitting(characters: list[str], room: int) -> tuple[int, bool]:
    """How many of the encoded characters go into one encoded word with `room` for them,
    ending after a space where one can (a reader that wrongly keeps the space between two
    encoded words then shows a space too many, never a word cut in two); and whether it
    ends there."""
    taken = used = 0
    while taken < len(characters) and used + len(characters[taken]) <= room:
        used += len(characters[taken])
        taken += 1
    if taken == len(characters):
        return taken, True
    space = max((at for at in range(taken) if characters[at] == "_"), default=-1)
    return (space + 1, True) if space >= 0 else (taken, False)


def _lay_out(name: str, pieces: list[tuple[str, bool]], linesep: str) -> str:
    """The pieces on lines, a space between two on one line, a fold between two lines.
    A line that holds an encoded word is at most LINE_WITH_WORDS long, any other at most
    LINE; a plain piece longer than that stays whole (it is never cut). A run to encode
    fills what is left of its line with one encoded word, then lines of its own."""
    lines: list[str] = []
    line: list[str] = []
    length, has_word = len(name) + 2, False

    def fits(piece: str, encoded: bool) -> bool:
        limit = LINE_WITH_WORDS if (has_word or encoded) else LINE
        return not line or length + 1 + len(piece) <= limit

    def place(piece: str, encoded: bool) -> None:
        nonlocal length, has_word
        if line and not fits(piece, encoded):
            lines.append(" ".join(line))
            line.clear()
            length, has_word = 1, False  # a folded line starts with its space
        length += len(piece) + (1 if line else 0)
        line.append(piece)
        has_word = has_word or encoded

    for text, encode in pieces:
        if not encode:
            place(text, False)
            continue
        characters = [_q(character) for character in text]
        while characters:
            room = min(WORD, LINE_WITH_WORDS - length - (1 if line else 0))
            taken, at_space = _fitting(characters, room - len(_OPEN) - len(_CLOSE))
            if line and (taken == 0 or (taken < len(characters) and not at_space)):
                lines.append(" ".join(line))  # a fresh line may end the word at a space
                line.clear()
                length, has_word = 1, False
                continue
            place(_OPEN + "".join(characters[:taken]) + _CLOSE, True)
            del characters[:taken]
    lines.append(" ".join(line))
    return (linesep + " ").join(lines)


class _Given(str):
    """A field's value kept as the program gave it. The standard library reads a subject
    or a display name given as text for encoded words and decodes them, so a topic written
    `=?utf-8?q?Hallo?=` would reach members as "Hallo"; kept as given, it is encoded by
    this module and arrives as written."""

    def __new__(cls, value: str, name: str, addresses: tuple = ()) -> _Given:
        given = super().__new__(cls, value)
        given.name, given.addresses = name, addresses
        return given


class WirePolicy(EmailPolicy):
    """policy.SMTP (CRLF; other fields folded at 78 by the standard library), with the
    fields that carry our text, addresses and tokens written by this module."""

    def header_store_parse(self, name: str, value) -> tuple[str, object]:
        stored = super().header_store_parse(name, value)  # refuses CR and LF: no injection
        field = name.lower()
        if field in TEXT_FIELDS and isinstance(value, str):
            return name, _Given(value, name)
        if field in ADDRESS_FIELDS and isinstance(value, Address):
            return name, _Given(str(value), name, (value,))
        return stored

    def fold(self, name: str, value) -> str:
        written = self._written(name, value)
        return super().fold(name, value) if written is None else written

    def fold_binary(self, name: str, value) -> bytes:
        written = self._written(name, value)
        return super().fold_binary(name, value) if written is None else written.encode("utf-8")

    def _written(self, name: str, value) -> str | None:
        field, linesep = name.lower(), self.linesep
        if field in TEXT_FIELDS:
            folded = text(name, str(value), linesep)
        elif field in ADDRESS_FIELDS and getattr(value, "addresses", None):
            folded = ", ".join(
                address(name, one.display_name, one.addr_spec, linesep) for one in value.addresses
            )
        elif field in TOKEN_FIELDS:
            folded = tokens(name, str(value), linesep)
        elif field == LIST_ID and (found := _LIST_ID.fullmatch(str(value))):
            description = found.group(1).replace('\\"', '"').replace("\\\\", "\\")
            folded = list_id(name, description, found.group(2), linesep)
        else:
            return None
        return f"{name}: {folded}{linesep}"


_LIST_ID = re.compile(r'"((?:[^"\\]|\\.)*)" <([^<>]+)>')
