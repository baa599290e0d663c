"""Mail addresses and member lists: validation and CSV reading. Pure: text in, values out."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from mailer import csvfiles
from mailer.errors import MailerError
from mailer.salutation import Person
from mailer.store import ACTIVE, STATUSES
from mailer.text import one_line

HEADER_ALIASES = {
    "email": {"email", "e-mail", "mail", "e-mail-adresse", "email-adresse", "emailadresse",
              "mailadresse", "adresse", "address", "email address"},
    "name": {"name", "vorname nachname", "full name", "vollständiger name"},
    "first_name": {"first_name", "first name", "firstname", "given name", "vorname"},
    "last_name": {"last_name", "last name", "lastname", "surname", "family name", "nachname",
                  "familienname"},
    "salutation": {"salutation", "anrede"},
    "title": {"title", "titel", "amt", "funktion", "amtsbezeichnung"},
    "org": {"org", "organisation", "organization", "kommune", "gemeinde", "stadt", "ort",
            "municipality"},
    # the export's own columns (EXPORT_COLUMNS): read back, not imported as they are
    "status": {"status"},
    "consent_source": {"consent_source", "einwilligung"},
    "consent_at": {"consent_at", "einwilligung am"},
}  # fmt: skip


class InvalidAddress(MailerError):
    pass


class UnreadableList(MailerError):
    """A CSV that cannot be read on, at `line` (where the record it failed on began):
    `kind` is FIELD_TOO_LONG, OPEN_QUOTE, or None for what the csv module said."""

    def __init__(self, message: str, line: int, kind: str | None):
        super().__init__(message)
        self.line, self.kind = line, kind


FIELD_TOO_LONG, OPEN_QUOTE = "field too long", "open quote"


# An ASCII dot-atom local part (RFC 5322 3.2.3), the form of nearly every address: its
# validity does not depend on the domain, and email-validator leaves it as it is.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
LONGEST_ADDRESS = 254  # RFC 3696 errata 1690, as email-validator counts


@functools.lru_cache(maxsize=8192)
def _checked_domain(domain: str) -> str | None:
    """The domain as email-validator normalizes it, checked once per domain (a list of
    10,000 members has a few hundred); None when it is not valid."""
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def normalize_address(text: str) -> str:
    """The canonical form of an address, or InvalidAddress with the reason. No DNS look-ups.

    The common address (a plain ASCII local part) is checked by its local part's form and
    its domain's cached check; everything else, and every address found wrong, goes
    through email-validator whole, so its answers and its reasons are the same."""
    candidate = text.strip()
    if not candidate:
        raise InvalidAddress("the address is empty")
    local, at, domain = candidate.rpartition("@")
    if at and len(local) <= 64 and _PLAIN_LOCAL.fullmatch(local):
        checked = _checked_domain(domain)
        if checked is not None and len(local) + 1 + len(checked) <= LONGEST_ADDRESS:
            return f"{local}@{checked}"
    try:
        normalized = validate_email(candidate, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidAddress(f"'{candidate}' is not a mail address: {error}") from None
    # Case does not matter (the database compares ASCII letters without case); letters
    # beyond ASCII are written in lower case so that ÄB@ and äb@ are one address too.
    local, _, domain = normalized.rpartition("@")
    return normalized if local.isascii() else f"{local.lower()}@{domain}"


def ascii_form(address: str) -> str | None:
    """The address as every mail server takes it (an international domain as xn--), or
    None when the part before the @ is not ASCII and needs a server with SMTPUTF8."""
    if address.isascii():
        return address
    try:
        return validate_email(address, check_deliverability=False).ascii_email
    except EmailNotValidError:
        return None


def clean_text(value: str | None, what: str = "the text") -> str | None:
    """A name or municipality as one line of text, or None."""
    cleaned = one_line(value or "")
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:  # bytes the terminal could not decode (surrogate escapes)
        raise MailerError(
            f"{what}: not UTF-8 text; set the terminal to UTF-8 and type it again"
        ) from None
    return cleaned or None


def import_cause(source: str) -> str:
    """The consent log's cause for a member imported from the file named `source`."""
    return f"{IMPORTED_FROM}{source}"


IMPORTED_FROM = "imported from "


@dataclass(frozen=True)
class MemberRow:
    line: int
    email: str
    person: Person


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str  # the CLI's sentence (English)
    address: str | None = None  # the address as the row gives it, when it is what is wrong
    first_line: int | None = None  # for an address repeated: the line it was first on


@dataclass(frozen=True)
class MemberList:
    rows: list[MemberRow]
    problems: list[RowProblem]
    unused_columns: list[str]  # header names that are none of the known columns
    not_active: list[RowProblem] = field(default_factory=list)  # an export's other statuses


def read_members(data: bytes, source: str) -> MemberList:
    """Reads a CSV of members in any encoding Excel saves in (csvfiles.decode: UTF-8 with
    or without BOM, UTF-16 "Unicode-Text", Windows-1252, Mac Roman, DOS, ISO-8859-15;
    MailerError when it cannot be told), separated by `,`, `;` or tabs.

    The first row may name the columns (HEADER_ALIASES: English or German, e.g. E-Mail,
    Vorname, Nachname, Anrede, Titel, Kommune); without it the columns are email, name,
    org in that order. Columns the header names but mailer does not know are reported.
    Each bad row is reported with its line number; a repeated address is reported and
    skipped. Read back from `mailer subscribers export`, a row whose status is not
    active is not imported (listed in `not_active`): leaving is not undone by a file.
    """
    text = csvfiles.decode(data, source)
    # strict: an unclosed quote is an error, not a field that swallows the rest of the file
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=csvfiles.delimiter(text), strict=True
    )
    columns = {"email": 0, "name": 1, "org": 2}
    rows: list[MemberRow] = []
    problems: list[RowProblem] = []
    unused: list[str] = []
    not_active: list[RowProblem] = []
    seen: dict[str, int] = {}
    for index, fields in enumerate(_rows(reader, source)):
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if index == 0 and (header := _header(fields)) is not None:
            columns, unused = header
            continue
        email_field = _field(fields, columns.get("email"))
        try:
            email = normalize_address(email_field)
        except InvalidAddress as error:
            problems.append(RowProblem(line, str(error), address=email_field.strip()))
            continue
        if email.lower() in seen:
            first = seen[email.lower()]
            problems.append(
                RowProblem(line, f"{email} is already on line {first}; skipped", email, first)
            )
            continue
        seen[email.lower()] = line
        status = _field(fields, columns["status"]).strip().lower() if "status" in columns else ""
        if status in STATUSES and status != ACTIVE:
            not_active.append(RowProblem(line, f"{email} is {status} in this file; not imported"))
            continue
        if status not in ("", ACTIVE):
            problems.append(RowProblem(line, f"'{status}' is not a status ({', '.join(STATUSES)})"))
            continue
        value = {
            column: clean_text(_field(fields, position))
            for column, position in columns.items()
            if column in PERSON_COLUMNS
        }
        salutation = " ".join(
            part for part in (value.get("salutation"), value.get("title")) if part
        )
        person = Person(
            name=value.get("name"),
            org=value.get("org"),
            first_name=value.get("first_name"),
            last_name=value.get("last_name"),
            salutation=salutation or None,
        )
        rows.append(MemberRow(line, email, person))
    return MemberList(rows, problems, unused, not_active)


def _rows(reader, source: str):
    """The reader's rows; a CSV it cannot read on is one sentence with the line where the
    record it failed on began."""
    start = 1
    try:
        for row in reader:
            yield row
            start = reader.line_num + 1
    except csv.Error as error:
        reason, kind = str(error), None
        if "field larger than field limit" in reason:
            reason, kind = f"a field is longer than {field_limit_kib()} KiB", FIELD_TOO_LONG
        elif "unexpected end of data" in reason or "EOF" in reason:
            reason, kind = 'a quote (") is opened here and never closed', OPEN_QUOTE
        raise UnreadableList(
            f"{source}:{start}: {reason}; nothing was imported", start, kind
        ) from None


def field_limit_kib() -> int:
    """The longest field the csv module reads, in KiB."""
    return csv.field_size_limit() // 1024


PERSON_COLUMNS = {"name", "org", "first_name", "last_name", "salutation", "title"}
EXPORT_ONLY = ("status", "consent_source", "consent_at")  # known only all three together
EXPORT_COLUMNS = (
    "email", "name", "org", "status", "consent_source", "consent_at",
    "first_name", "last_name", "salutation",
)  # fmt: skip
# The same columns as a German Excel user reads them; the import knows both (HEADER_ALIASES).
GERMAN_COLUMNS = (
    "E-Mail", "Name", "Kommune", "Status", "Einwilligung", "Einwilligung am",
    "Vorname", "Nachname", "Anrede",
)  # fmt: skip


def export_row(member) -> tuple[str | None, ...]:
    """A member (store.Subscriber) as a row of the export: EXPORT_COLUMNS, in order."""
    return tuple(getattr(member, column) for column in EXPORT_COLUMNS)


def members_csv(rows: Iterable[Sequence[str | None]], form: str = csvfiles.EXCEL) -> bytes:
    """The list as CSV (rows in EXPORT_COLUMNS' order), each cell safe to open in a
    spreadsheet: for a German Excel (csvfiles.EXCEL, German column names) or plain."""
    header = GERMAN_COLUMNS if form == csvfiles.EXCEL else EXPORT_COLUMNS
    return csvfiles.write_csv(header, ([cell or "" for cell in row] for row in rows), form)


def _header(fields: list[str]) -> tuple[dict[str, int], list[str]] | None:
    """The known columns' positions and the unknown columns' names, if this row is a header."""
    names = [" ".join(field.replace("_", " ").split()).lower() for field in fields]
    found: dict[str, int] = {}
    for position, name in enumerate(names):
        for column, aliases in HEADER_ALIASES.items():
            if (name in aliases or name.replace(" ", "_") in aliases) and column not in found:
                found[column] = position
                break
    if "email" not in found:
        return None
    export = set(EXPORT_ONLY)
    if not export <= set(found):  # not mailer's export: such a column is the sheet's own
        for column in export & set(found):
            del found[column]
    used = set(found.values())
    unused = [fields[p].strip() for p in range(len(fields)) if p not in used and fields[p].strip()]
    return found, unused


def _field(fields: list[str], position: int | None) -> str:
    if position is None or position >= len(fields):
        return ""
    return fields[position]
