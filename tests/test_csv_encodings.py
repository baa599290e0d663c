"""A member list in every encoding Excel saves a CSV in, and the export a German Excel opens.

The kind: bytes whose encoding is guessed. Each encoding Excel offers is a row; each
either imports "Jürgen Krüger" exactly, or is refused with one sentence that says how to
save the file. Mojibake ("JŸrgen KrŸger") is never stored.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest

from tests.conftest import Mailer

# A list as organizers keep it: a few rows, German letters in names and places.
ROWS = [
    ("E-Mail", "Vorname", "Nachname", "Kommune"),
    ("juergen@example.org", "Jürgen", "Krüger", "Gemeinde Übersee"),
    ("anna@example.org", "Anna", "Weiß", "Stadt Köln"),
    ("bjoern@example.org", "Björn", "Öztürk", "Markt Höchstädt"),
]
# Excel's "Speichern unter" choices (and LibreOffice's), as the bytes they write.
ENCODINGS = {
    "CSV UTF-8 (with BOM)": ("utf-8-sig", ";"),
    "UTF-8 without BOM": ("utf-8", ";"),
    "CSV Windows (Windows-1252)": ("cp1252", ";"),
    "CSV Macintosh (Mac Roman)": ("mac_roman", ";"),
    "CSV MS-DOS (code page 850)": ("cp850", ";"),
    "ISO-8859-15": ("iso8859_15", ";"),
    "Unicode-Text (UTF-16 LE with BOM, tabs)": ("utf-16-le+bom", "\t"),
    "UTF-16 BE with BOM, tabs": ("utf-16-be+bom", "\t"),
    "commas, Windows-1252": ("cp1252", ","),
}


def encoded(rows: list[tuple[str, ...]], encoding: str, delimiter: str) -> bytes:
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    if encoding.endswith("+bom"):
        codec = encoding.removesuffix("+bom")
        bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
        return bom + text.encode(codec)
    return text.encode(encoding)


@pytest.mark.parametrize("saved_as", list(ENCODINGS), ids=list(ENCODINGS))
def test_every_encoding_excel_writes_imports_the_names_exactly(
    mailer: Mailer, tmp_path: Path, saved_as: str
) -> None:
    path = tmp_path / "mitglieder.csv"
    path.write_bytes(encoded(ROWS, *ENCODINGS[saved_as]))
    result = mailer("subscribers", "import", str(path))
    assert result.stdout.strip() == "imported 3, already on the list 0, bad rows 0"
    assert result.stderr == ""
    people = {p["email"]: p for p in mailer.json("subscribers", "list")}
    assert sorted((p["first_name"], p["last_name"], p["org"]) for p in people.values()) == sorted(
        tuple(row[1:]) for row in ROWS[1:]
    )
    assert people["juergen@example.org"]["name"] == "Jürgen Krüger"


# Bytes whose reading cannot be told, or that are no text Excel writes: one sentence that
# says how to save the file, exit status 1, nobody imported.
SAVE = 'save it from Excel as "CSV UTF-8 (durch Trennzeichen getrennt)"'
REFUSED = {
    # One row: "Köln" in Mac Roman is "Kšln" in Windows-1252, both read as names.
    "one row, Mac Roman or Windows-1252": (
        "email;name;org\nanna@example.org;Anna Schmidt;Köln\n".encode("mac_roman"),
        "mitglieder.csv:2: the encoding cannot be told for sure",
    ),
    # "Weiß" in DOS is "Weiá" in Windows-1252.
    "one row, DOS or Windows-1252": (
        "email;name\ngerd@example.org;Gerd Weiß\n".encode("cp850"),
        "mitglieder.csv:2: the encoding cannot be told for sure",
    ),
    "UTF-16 without a byte order mark": (
        "email\tname\nanna@example.org\tJürgen\n".encode("utf-16-le"),
        "mitglieder.csv: not a text file mailer can read (it holds NUL bytes",
    ),
    "a UTF-8 byte order mark on Windows-1252": (
        codecs.BOM_UTF8 + "email;name\nanna@example.org;Jürgen\n".encode("cp1252"),
        "mitglieder.csv:2: the file says it is UTF-8, but this line is not",
    ),
    "not text at all": (
        bytes(range(128, 256)) * 4,
        "mitglieder.csv: not a text file in an encoding Excel writes",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_what_cannot_be_read_for_sure_is_refused_with_how_to_save_it(
    mailer: Mailer, tmp_path: Path, case: str
) -> None:
    content, sentence = REFUSED[case]
    path = tmp_path / "mitglieder.csv"
    path.write_bytes(content)
    result = mailer("subscribers", "import", str(path), ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(sentence), result.stderr
    assert SAVE in result.stderr
    assert mailer.json("subscribers", "list") == []


def test_the_export_opens_in_a_german_excel_and_the_import_reads_it_back(
    mailer: Mailer, tmp_path: Path
) -> None:
    mailer(
        "subscribers", "add", "juergen@example.org", "--name", "Jürgen Krüger",
        "--first-name", "Jürgen", "--last-name", "Krüger",
        "--salutation", "Herr Bürgermeister", "--org", "Gemeinde Übersee; am See",
    )  # fmt: skip
    mailer("subscribers", "add", "anna@example.org", "--name", "Anna Weiß")
    mailer("subscribers", "add", "weg@example.org", "--name", "Gone")
    mailer("subscribers", "unsubscribe", "weg@example.org")
    export = tmp_path / "export.csv"
    mailer("subscribers", "export", "-o", str(export))

    data = export.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # else Excel reads UTF-8 as Windows-1252
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "E-Mail;Name;Kommune;Status;Einwilligung;Einwilligung am;Vorname;Nachname;Anrede"
    )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[1][:3] == ["juergen@example.org", "Jürgen Krüger", "Gemeinde Übersee; am See"]

    other = Mailer(tmp_path / "other")
    other.root.mkdir()
    other.write_plan()
    result = other("subscribers", "import", str(export))
    assert result.stdout.strip() == (
        "imported 2, already on the list 0, bad rows 0, not active in the file 1"
    )
    assert (
        result.stderr.strip()
        == "export.csv:4: weg@example.org is unsubscribed in this file; not imported"
    )
    fields = ("email", "name", "org", "first_name", "last_name", "salutation", "status")
    before = [{k: p[k] for k in fields} for p in mailer.json("subscribers", "list")]
    after = [{k: p[k] for k in fields} for p in other.json("subscribers", "list")]
    assert after == [p for p in before if p["status"] == "active"]


def test_the_plain_form_stays_available(mailer: Mailer) -> None:
    mailer("subscribers", "add", "anna@example.org", "--name", "Anna Weiß")
    out = mailer("subscribers", "export", "--format", "plain").stdout
    assert out.splitlines()[0] == (
        "email,name,org,status,consent_source,consent_at,first_name,last_name,salutation"
    )
    assert out.splitlines()[1].startswith("anna@example.org,Anna Weiß,,active,")


def test_a_status_column_of_the_sheet_itself_is_no_status(mailer: Mailer, tmp_path: Path) -> None:
    path = tmp_path / "mitglieder.csv"
    path.write_text("E-Mail;Name;Status\nanna@example.org;Anna;unsubscribed\n", "utf-8")
    result = mailer("subscribers", "import", str(path))
    assert result.stdout.strip() == "imported 1, already on the list 0, bad rows 0"
    assert "the column 'Status' is not one mailer knows" in result.stderr
