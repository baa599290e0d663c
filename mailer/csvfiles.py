"""A spreadsheet's CSV as Excel writes and opens it: the encodings it saves in, the
delimiter, and the form a German Excel opens by a double click. Pure: bytes in, text out.

Excel's "Speichern unter" offers, for a CSV or a text file: "CSV UTF-8" (UTF-8 with a
byte order mark), "CSV (Trennzeichen-getrennt)" (Windows-1252 on Windows, Mac Roman on a
Mac: "CSV (Macintosh)"), "CSV (MS-DOS)" (code page 850) and "Unicode-Text" (UTF-16 LE
with a byte order mark, tab-separated); other programs write ISO-8859-15 or UTF-16 BE.

A file with a byte order mark, or one that is valid UTF-8, says what it is. The four
single-byte code pages cannot be told apart by their bytes: the same byte is ü in one and
Ÿ, ƒ or ³ in another. charset-normalizer (a well-kept detector) reads the file in each and
drops the readings it finds messy; of the rest, a reading is kept only if it reads as a
member list reads: no symbol inside a word ("Stra§e"), no capital after a small letter
inside a word ("JŸrgen", "KÜln"), no letter from beyond Latin ("Jƒrgen"), no control
character. A file is read when exactly one reading is left; if none or several are (a short
file can read as "Köln" in Mac Roman and as "KÜln"... or as "Weiß" in DOS and "Weiá" in
Windows-1252), it is refused with one sentence that shows two readings and says how to
save it. Mojibake is never stored: a guess that may be wrong is not made.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence

from mailer.errors import MailerError

HOW_TO_SAVE = (
    'save it from Excel as "CSV UTF-8 (durch Trennzeichen getrennt)"'
    " (Datei > Speichern unter > Dateityp) and import that file"
)
# Byte order marks, the longer first: UTF-32 LE starts with UTF-16 LE's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
# The single-byte code pages Excel saves a CSV in (and LibreOffice's Western default).
CODE_PAGES = {
    "cp1252": "Windows-1252",
    "iso8859_15": "ISO-8859-15",
    "mac_roman": "Mac Roman",
    "cp850": "DOS (code page 850)",
}
GERMAN_LETTERS = frozenset("äöüÄÖÜß")
# Beyond ASCII, what may stand between two letters of a name (D’Angelo, Müller–Lüdenscheidt),
# and quotes, which may touch a letter on one side only („Am See“).
IN_WORDS = frozenset("’´–—")
QUOTES = frozenset("„“”‚‘«»")
DELIMITERS = (",", ";", "\t")


def decode(data: bytes, source: str) -> str:
    """The text of a CSV in any encoding Excel saves in; MailerError (one sentence naming
    `source`, and the line where that helps, and how to save the file) otherwise."""
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as error:
                line = data[: error.start].count(b"\n") + 1
                raise MailerError(
                    f"{source}:{line}: the file says it is {name}, but this line is not; {HOW_TO_SAVE}"
                ) from None
    if b"\x00" in data:
        raise MailerError(
            f"{source}: not a text file mailer can read (it holds NUL bytes: UTF-16 without a"
            f" byte order mark?); {HOW_TO_SAVE}"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    _refuse_mixed(data, source)
    return _code_page_reading(data, source)


def _refuse_mixed(data: bytes, source: str) -> None:
    """A file with lines in UTF-8 and lines in a code page is read wrong either way."""
    utf8_line = odd_line = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            if not line.decode("utf-8").isascii() and utf8_line is None:
                utf8_line = number
        except UnicodeDecodeError:
            odd_line = odd_line or number
    if utf8_line is not None:
        raise MailerError(
            f"{source}:{odd_line}: this line is not UTF-8, but line {utf8_line} is;"
            " save the whole file as UTF-8 (in Excel: CSV UTF-8)"
        )


def _code_page_reading(data: bytes, source: str) -> str:
    """The one reading of a code page file that reads as a member list, and that
    charset-normalizer, restricted to Excel's code pages, does not find messy."""
    from charset_normalizer import from_bytes  # only for a file that is not UTF-8

    decoded: dict[str, list[str]] = {}  # text -> the code pages that read it so
    for codec in CODE_PAGES:
        try:
            decoded.setdefault(data.decode(codec), []).append(codec)
        except UnicodeDecodeError:
            continue
    readings = {text: codecs_ for text, codecs_ in decoded.items() if reads_as_names(text)}
    if not readings:
        raise MailerError(f"{source}: not a text file in an encoding Excel writes; {HOW_TO_SAVE}")
    if len(readings) > 1:
        one, other = list(readings)[:2]
        line, first, second = _first_difference(one, other)
        raise MailerError(
            f"{source}:{line}: the encoding cannot be told for sure ('{first}' in"
            f" {CODE_PAGES[readings[one][0]]}, '{second}' in {CODE_PAGES[readings[other][0]]});"
            f" {HOW_TO_SAVE}"
        )
    (text, codecs_) = next(iter(readings.items()))
    detected = {str(match) for match in from_bytes(data, cp_isolation=codecs_)}
    if text not in detected:  # charset-normalizer finds this reading messy
        raise MailerError(f"{source}: not a text file in an encoding Excel writes; {HOW_TO_SAVE}")
    return text


def reads_as_names(text: str) -> bool:
    """Whether a reading of a member list could be right. Beyond ASCII: no control
    character; letters only from Latin-1 and Latin Extended-A (À to ſ: no ƒ, no ﬂ); no
    symbol touching a letter; quotes not between two letters; no capital inside a word
    (after a small letter, or between a letter and a small one). Each wrong code page
    breaks one of these on German text. The characters are sorted out once each (set),
    and their places are looked at by one regular expression, so a list of 100,000 costs
    a scan in C, not a loop in Python."""
    if _ASCII_CONTROL.search(text):
        return False
    beyond = {char for char in set(text) if not char.isascii()}
    letters = {char for char in beyond if char.isalpha()}
    if any(not "\u00c0" <= char <= "\u017f" or char in "×÷" for char in letters):
        return False
    others = beyond - letters
    if any(unicodedata.category(char)[0] == "C" for char in others):
        return False
    letter = _class("A-Za-z", letters)
    small = _class("a-z", {char for char in letters if char.islower()})
    wrong = []
    if symbols := others - IN_WORDS - QUOTES:
        wrong += [f"{letter}{_class('', symbols)}", f"{_class('', symbols)}{letter}"]
    if quotes := others & QUOTES:
        wrong.append(f"{letter}{_class('', quotes)}{letter}")
    if capitals := {char for char in letters if char.isupper()}:
        wrong += [f"{small}{_class('', capitals)}", f"{letter}{_class('', capitals)}{small}"]
    return not (wrong and re.search("|".join(wrong), text))


def _class(ranges: str, chars: set[str]) -> str:
    return "[" + ranges + "".join(re.escape(char) for char in sorted(chars)) + "]"


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _first_difference(one: str, other: str) -> tuple[int, str, str]:
    for number, (a, b) in enumerate(zip(one.splitlines(), other.splitlines(), strict=False), 1):
        if a != b:
            return number, a.strip()[:60], b.strip()[:60]
    return 1, one[:60], other[:60]


def delimiter(text: str) -> str:
    """`,`, `;` (Excel in German) or a tab (Excel's "Unicode-Text"): whichever the first
    lines hold most of; a comma when none."""
    sample = text[:4096]
    return max(DELIMITERS, key=sample.count)


# -- writing -------------------------------------------------------------------------

EXCEL = "excel"  # what a German Excel opens by a double click
PLAIN = "plain"  # UTF-8 without a byte order mark, commas, the columns' English names
FORMATS = (EXCEL, PLAIN)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[str]], form: str) -> bytes:
    """The rows as CSV, each cell safe to open in a spreadsheet. EXCEL: UTF-8 with a byte
    order mark (without it Excel reads UTF-8 as Windows-1252) and semicolons (the list
    separator of a German Windows, which Excel splits a double-clicked CSV by)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if form == EXCEL else ",")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    text = buffer.getvalue()
    return (codecs.BOM_UTF8 if form == EXCEL else b"") + text.encode("utf-8")


def spreadsheet_safe(cell: str) -> str:
    """A cell that Excel or LibreOffice would run as a formula (=, +, -, @, or a tab or
    CR before one) starts with an apostrophe instead, as OWASP advises for CSV export."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
