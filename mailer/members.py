"""Mail addresses and member lists: validation and CSV reading. Pure: text in, values out."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from mailer.errors import MailerError
from mailer.text import one_line

HEADER_ALIASES = {
    "email": {"email", "e-mail", "mail", "e-mail-adresse", "emailadresse", "adresse", "address"},
    "name": {"name", "vorname nachname", "full name"},
    "org": {"org", "organisation", "organization", "kommune", "gemeinde", "stadt"},
}


class InvalidAddress(MailerError):
    pass


def normalize_address(text: str) -> str:
    """The canonical form of an address, or InvalidAddress with the reason. No DNS look-ups."""
    candidate = text.strip()
    if not candidate:
        raise InvalidAddress("the address is empty")
    try:
        return validate_email(candidate, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidAddress(f"'{candidate}' is not a mail address: {error}") from None


def ascii_form(address: str) -> str | None:
    """The address as every mail server takes it (an international domain as xn--), or
    None when the part before the @ is not ASCII and needs a server with SMTPUTF8."""
    if address.isascii():
        return address
    try:
        return validate_email(address, check_deliverability=False).ascii_email
    except EmailNotValidError:
        return None


def clean_text(value: str | None) -> str | None:
    """A name or municipality as one line of text, or None."""
    cleaned = one_line(value or "")
    return cleaned or None


@dataclass(frozen=True)
class MemberRow:
    line: int
    email: str
    name: str | None
    org: str | None


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


def read_members(data: bytes, source: str) -> tuple[list[MemberRow], list[RowProblem]]:
    """Reads a CSV of members as Excel writes it: UTF-8 with or without BOM, `,` or `;`.

    The first row may name the columns (email, name, org, in English or German);
    without it the columns are taken in that order. Each bad row is reported with its
    line number; a repeated address is reported and skipped.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise MailerError(f"{source}: not a text file in UTF-8 or Windows-1252") from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = {"email": 0, "name": 1, "org": 2}
    rows: list[MemberRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for index, fields in enumerate(reader):
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if index == 0 and (header := _header(fields)) is not None:
            columns = header
            continue
        email_field = _field(fields, columns.get("email"))
        try:
            email = normalize_address(email_field)
        except InvalidAddress as error:
            problems.append(RowProblem(line, str(error)))
            continue
        if email.lower() in seen:
            problems.append(
                RowProblem(line, f"{email} is already on line {seen[email.lower()]}; skipped")
            )
            continue
        seen[email.lower()] = line
        rows.append(
            MemberRow(
                line,
                email,
                clean_text(_field(fields, columns.get("name"))),
                clean_text(_field(fields, columns.get("org"))),
            )
        )
    return rows, problems


def _header(fields: list[str]) -> dict[str, int] | None:
    names = [field.strip().lower() for field in fields]
    found = {}
    for column, aliases in HEADER_ALIASES.items():
        for position, name in enumerate(names):
            if name in aliases:
                found[column] = position
                break
    return found if "email" in found else None


def _field(fields: list[str], position: int | None) -> str:
    if position is None or position >= len(fields):
        return ""
    return fields[position]
