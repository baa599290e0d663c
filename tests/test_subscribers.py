"""The subscriber list in a real SQLite file: add, import, list, export, unsubscribe, remove."""

from __future__ import annotations

import csv
import email
import mailbox
import os
import sqlite3
import stat
import subprocess
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest

from mailer.members import read_members
from mailer.salutation import Person
from mailer.store import MIGRATIONS, Store
from tests.conftest import Mailer, database_at_schema

NOW = datetime(2023, 8, 1, 12, 0, tzinfo=UTC)


def test_add_normalises_and_refuses_a_bad_address_with_the_reason(mailer: Mailer) -> None:
    mailer(
        "subscribers",
        "add",
        " Anna.Schmidt@Example.ORG ",
        "--name",
        "Anna Schmidt",
        "--org",
        "Gemeinde X",
    )
    bad = mailer("subscribers", "add", "anna@@example.org", ok=False)
    assert bad.exit_code == 1
    assert "'anna@@example.org' is not a mail address" in bad.stderr
    again = mailer("subscribers", "add", "anna.schmidt@example.org")
    assert "already active" in again.stdout
    people = mailer.json("subscribers", "list")
    assert people == [
        {
            "email": "Anna.Schmidt@example.org",
            "name": "Anna Schmidt",
            "org": "Gemeinde X",
            "status": "active",
            "consent_source": "added by the organizer",
            "consent_at": people[0]["consent_at"],
            "first_name": None,
            "last_name": None,
            "salutation": None,
        }
    ]


def test_import_reads_excel_csv_reports_bad_rows_and_imports_the_rest(
    mailer: Mailer, tmp_path: Path
) -> None:
    csv_file = tmp_path / "members.csv"
    csv_file.write_bytes(
        "\ufeffE-Mail;Name;Kommune\n"
        "anna@example.org;Anna Schmidt;Gemeinde Beispielstadt\n"
        "not-an-address;Kein Name;X\n"
        "\n"
        "ben@example.org;Ben Müller;Stadt Musterhausen\n"
        "ANNA@example.org;Anna again;\n"
        ";Nobody;\n".encode()
    )
    result = mailer("subscribers", "import", str(csv_file))
    assert "imported 2, already on the list 0, bad rows 3" in result.stdout
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("members.csv:3: 'not-an-address' is not a mail address")
    assert errors[1] == "members.csv:6: ANNA@example.org is already on line 2; skipped"
    assert errors[2] == "members.csv:7: the address is empty"
    people = {p["email"]: p for p in mailer.json("subscribers", "list")}
    assert people["ben@example.org"]["name"] == "Ben Müller"
    assert people["ben@example.org"]["org"] == "Stadt Musterhausen"
    assert people["anna@example.org"]["consent_source"] == "imported from members.csv"
    # A second import adds nothing.
    assert (
        "imported 0, already on the list 2" in mailer("subscribers", "import", str(csv_file)).stdout
    )


def test_import_without_header_and_with_commas_and_windows_1252() -> None:
    found = read_members("jörg@example.org,Jörg Groß,Köln\n".encode("cp1252"), "old.csv")
    assert found.problems == []
    assert [(r.email, r.person.name, r.person.org) for r in found.rows] == [
        ("jörg@example.org", "Jörg Groß", "Köln")
    ]


def test_unsubscribe_keeps_the_consent_record_and_remove_erases_everything(mailer: Mailer) -> None:
    mailer("subscribers", "add", "anna@example.org", "--consent", "Anmeldung beim Treffen am 7.9.")
    mailer("subscribers", "unsubscribe", "anna@example.org")
    assert mailer.json("subscribers", "list")[0]["status"] == "unsubscribed"
    with Store(mailer.db) as store:
        log = store.consent_log("anna@example.org")
    assert [(e["status"], e["cause"]) for e in log] == [
        ("active", "Anmeldung beim Treffen am 7.9."),
        ("unsubscribed", "unsubscribed by the organizer"),
    ]
    mailer("subscribers", "remove", "anna@example.org")
    assert mailer.json("subscribers", "list") == []
    connection = sqlite3.connect(mailer.db)
    everything = " ".join(
        str(row)
        for table in ("subscribers", "consent_log", "outbox")
        for row in connection.execute(f"SELECT * FROM {table}")
    )
    connection.close()
    assert "anna" not in everything
    missing = mailer("subscribers", "remove", "anna@example.org", ok=False)
    assert missing.exit_code == 1 and "is not on the list" in missing.stderr


def test_add_never_reactivates_someone_who_unsubscribed_without_a_new_consent(
    mailer: Mailer,
) -> None:
    mailer("subscribers", "add", "anna@example.org", "--now", "2023-07-01T10:00")
    mailer("subscribers", "unsubscribe", "anna@example.org", "--now", "2023-08-01T10:00")
    for attempt in (
        ("subscribers", "add", "anna@example.org"),
        ("subscribers", "add", "anna@example.org", "--consent", "telefonisch"),
        ("subscribers", "add", "anna@example.org", "--resubscribe"),
        ("subscribers", "add", "anna@example.org", "--resubscribe", "--consent", "  "),
    ):
        refused = mailer(*attempt, ok=False)
        assert refused.exit_code == 1
        assert refused.stderr.strip() == (
            "anna@example.org: unsubscribed on 2023-08-01; add them again only with their new"
            " consent: mailer subscribers add anna@example.org --resubscribe --consent"
            ' "how and when they agreed again"'
        ), attempt
        assert "Traceback" not in refused.stderr
        assert mailer.json("subscribers", "list")[0]["status"] == "unsubscribed"
    again = mailer(
        "subscribers", "add", "anna@example.org", "--resubscribe",
        "--consent", "erneut angemeldet per Mail vom 3.9.2023",
    )  # fmt: skip
    assert again.stdout.strip() == (
        "active again: anna@example.org (was unsubscribed on 2023-08-01;"
        " their new consent is on record)"
    )
    with Store(mailer.db) as store:
        log = store.consent_log("anna@example.org")
    assert [(e["status"], e["cause"]) for e in log][-1] == (
        "active",
        "erneut angemeldet per Mail vom 3.9.2023",
    )


def test_import_recognises_german_columns_and_reports_the_unknown_ones(
    mailer: Mailer, tmp_path: Path
) -> None:
    csv_file = tmp_path / "mitglieder.csv"
    csv_file.write_bytes(
        "Anrede;Titel;Vorname;Nachname;E-Mail;Kommune;Telefon;Notiz\n"
        "Frau;Bürgermeisterin;Anna;Schmidt;anna@example.org;Gemeinde Beispielstadt;0123;x\n"
        ";;Ben;;ben@example.org;;;\n".encode()
    )
    result = mailer("subscribers", "import", str(csv_file))
    assert result.stdout.strip() == "imported 2, already on the list 0, bad rows 0"
    assert result.stderr.strip().splitlines() == [
        "mitglieder.csv:1: the column 'Telefon' is not one mailer knows; it was not imported",
        "mitglieder.csv:1: the column 'Notiz' is not one mailer knows; it was not imported",
    ]
    people = {p["email"]: p for p in mailer.json("subscribers", "list")}
    anna = people["anna@example.org"]
    assert (anna["first_name"], anna["last_name"], anna["salutation"]) == (
        "Anna",
        "Schmidt",
        "Frau Bürgermeisterin",
    )
    assert anna["name"] == "Anna Schmidt"  # made from the parts when no Name column exists
    assert anna["org"] == "Gemeinde Beispielstadt"
    ben = people["ben@example.org"]
    assert (ben["name"], ben["first_name"], ben["last_name"], ben["salutation"]) == (
        "Ben", "Ben", None, None,
    )  # fmt: skip


def test_export_writes_csv(mailer: Mailer) -> None:
    mailer("subscribers", "add", "anna@example.org", "--name", "Anna, die Erste")
    out = mailer("subscribers", "export", "--format", "plain").stdout
    assert out.splitlines()[0] == (
        "email,name,org,status,consent_source,consent_at,first_name,last_name,salutation"
    )
    assert out.splitlines()[1].startswith('anna@example.org,"Anna, die Erste",,active,')


def test_tokens_are_long_random_and_distinct(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_many(
            ((f"m{i}@example.org", Person()) for i in range(500)), consent="test", now=NOW
        )
        tokens = [s.token for s in store.subscribers()]
    assert len(set(tokens)) == 500
    assert min(len(t) for t in tokens) >= 22  # 128 bits in URL-safe base64


def test_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    Store(tmp_path / "s.db").close()
    connection = sqlite3.connect(tmp_path / "s.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    connection.close()
    Store(tmp_path / "s.db").close()  # opening again migrates nothing twice


def test_a_file_that_is_not_a_database_is_one_sentence(mailer: Mailer) -> None:
    mailer.db.write_text("this is not sqlite")
    result = mailer("subscribers", "list", ok=False)
    assert result.exit_code == 1
    assert "not a usable mailer database" in result.stderr


def test_a_removed_members_id_and_message_ids_never_come_back(mailer: Mailer, tmp_path) -> None:
    mailer.add("anna@example.org", "ben@example.org")
    mailer("tick", "--now", "2023-08-24T16:00")
    mailer("subscribers", "remove", "ben@example.org")
    mailer.add("cem@example.org")
    (tmp_path / "more.csv").write_text("email\ndora@example.org\n", "utf-8")
    mailer("subscribers", "import", str(tmp_path / "more.csv"))
    mailer("tick", "--now", "2023-08-24T16:05")
    box = mailbox.Maildir(mailer.root / "outbox", create=False)
    sent = {
        email.message_from_bytes(box.get_bytes(key), policy=policy.default)["To"]
        .addresses[0]
        .addr_spec: box[key]["Message-ID"]
        for key in box.iterkeys()
    }
    assert sorted(sent) == sorted(
        ["anna@example.org", "ben@example.org", "cem@example.org", "dora@example.org"]
    )
    assert len(set(sent.values())) == 4  # Ben's id went with him, and stays gone


def test_the_id_sequence_of_an_older_database_starts_past_every_id_on_record(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    database_at_schema(
        path,
        6,
        "INSERT INTO subscribers (id, email, status, token, created_at, updated_at)"
        " VALUES (1, 'anna@example.org', 'active', 't1', 'T', 'T');"
        # Member 5 was removed; a thank-you to them is still in the outbox.
        "INSERT INTO outbox (mail_key, session_key, stage, kind, sequence, subscriber_id,"
        " message_id, status, next_attempt_at, queued_at)"
        " VALUES ('thanks/2023-08-25/5', '', 'thanks', 'thanks', 0, 5, '<x@y>', 'sent', 'T', 'T');",
    )
    with Store(path) as store:
        newcomer, _ = store.add_subscriber("ben@example.org", Person(), consent="t", now=NOW)
        assert store.subscriber("anna@example.org").id == 1
    assert newcomer.id == 6


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (
            b"email,name\nanna@example.org," + b"x" * 140_000 + b"\nben@example.org,Ben\n",
            "members.csv:2: a field is longer than 128 KiB; nothing was imported",
        ),
        (
            b'email,name\nanna@example.org,"Anna\nben@example.org,Ben\ncem@example.org,Cem\n',
            'members.csv:2: a quote (") is opened here and never closed; nothing was imported',
        ),
        (
            "email,name\nanna@example.org,Jürgen\n".encode() + b"ben@example.org,M\xfcller\n",
            "members.csv:3: this line is not UTF-8, but line 2 is; save the whole file as UTF-8"
            " (in Excel: CSV UTF-8)",
        ),
    ],
    ids=["a field over 128 KiB", "an unclosed quote", "UTF-8 and Windows-1252 mixed"],
)
def test_a_csv_that_cannot_be_read_on_is_one_sentence_and_imports_nothing(
    mailer: Mailer, tmp_path: Path, content: bytes, sentence: str
) -> None:
    (tmp_path / "members.csv").write_bytes(content)
    result = mailer("subscribers", "import", str(tmp_path / "members.csv"), ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip() == sentence
    assert mailer.json("subscribers", "list") == []


def test_a_name_that_is_not_utf8_is_one_sentence(mailer: Mailer) -> None:
    arguments = [*mailer.command(), "subscribers", "add", "anna@example.org", "--name"]
    result = subprocess.run(
        [*map(os.fsencode, arguments), b"M\xfcller"],
        env=mailer.process_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "--name: not UTF-8 text; set the terminal to UTF-8 and type it again"
    )


def test_a_database_another_process_keeps_locked_is_one_sentence(mailer: Mailer) -> None:
    mailer.add("anna@example.org")
    holder = sqlite3.connect(mailer.db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        mailer.env["MAILER_DB_TIMEOUT"] = "0.2"
        result = mailer("subscribers", "add", "ben@example.org", ok=False)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip() == (
        f"{mailer.db}: the database is busy: another mailer kept it locked for longer than"
        " MAILER_DB_TIMEOUT (0.2 s); nothing was changed, try again"
    )


@pytest.mark.parametrize(("form", "encoding", "delimiter"),
                         [("excel", "utf-8-sig", ";"), ("plain", "utf-8", ",")])  # fmt: skip
def test_export_escapes_formulas_and_is_readable_by_the_owner_only(
    mailer: Mailer, tmp_path: Path, form: str, encoding: str, delimiter: str
) -> None:
    mailer("subscribers", "add", "anna@example.org", "--name", '=HYPERLINK("http://x")')
    mailer("subscribers", "add", "ben@example.org", "--name", "-Ben", "--org", "@Rat")
    mailer("subscribers", "add", "cem@example.org", "--name", "+1 Cem", "--org", "Stadt - Am See")
    target = tmp_path / "export.csv"
    mailer("subscribers", "export", "-o", str(target), "--format", form)
    rows = list(csv.reader(target.read_text(encoding).splitlines(), delimiter=delimiter))
    assert [row[1:3] for row in rows[1:]] == [
        ["'=HYPERLINK(\"http://x\")", ""], ["'-Ben", "'@Rat"], ["'+1 Cem", "Stadt - Am See"],
    ]  # fmt: skip
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for path in mailer.root.glob("subscribers.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_case_does_not_matter_beyond_ascii_either(mailer: Mailer, tmp_path: Path) -> None:
    mailer("subscribers", "add", "ÄB@example.org")
    assert mailer("subscribers", "add", "äb@example.org").stdout.strip() == (
        "already active: äb@example.org"
    )
    (tmp_path / "more.csv").write_text("email\nÄb@Example.org\nANNA@example.org\n", "utf-8")
    result = mailer("subscribers", "import", str(tmp_path / "more.csv"))
    assert "imported 1, already on the list 1" in result.stdout
    assert sorted(p["email"] for p in mailer.json("subscribers", "list")) == [
        "ANNA@example.org", "äb@example.org",
    ]  # fmt: skip


ADDRESS_CASES = [
    "Anna@Example.ORG", "a.b@example.org", "a..b@example.org", ".a@example.org",
    "a.@example.org", "a@münchen.de", "A@XN--MNCHEN-3YA.DE", "x@localhost", "x@example",
    "x@example..org", "x@-ex.org", "x@ex.invalid", "x@ex.local", '"q u"@example.org',
    "ä@example.org", "Ä@example.org", "a+tag@sub.example.co.uk", "a@[127.0.0.1]",
    "a@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 60 + ".org",
    "a" * 64 + "@example.org", "a" * 65 + "@example.org", "a@example.org.", "a@EXAMPLE.org",
    "a@ex_ample.org", "a@123.45.67.89", "user@example.test", "a@b.c", " ab@example.com ",
    "a@b@example.org", "@example.org", "a@", "a b@example.org",
]  # fmt: skip


@pytest.mark.parametrize("address", ADDRESS_CASES)
def test_the_per_domain_cache_answers_as_email_validator_does(address: str) -> None:
    """normalize_address checks the domain of a plain address once per domain (import
    speed); its answer and its reason must be email-validator's for every address."""
    from email_validator import EmailNotValidError, validate_email

    from mailer.members import InvalidAddress, normalize_address

    try:
        expected = validate_email(address.strip(), check_deliverability=False).normalized
        local, _, domain = expected.rpartition("@")
        expected = expected if local.isascii() else f"{local.lower()}@{domain}"
    except EmailNotValidError as error:
        expected = f"'{address.strip()}' is not a mail address: {error}"
    for _ in range(2):  # the second time from the cache
        try:
            found = normalize_address(address)
        except InvalidAddress as error:
            found = str(error)
        assert found == expected
