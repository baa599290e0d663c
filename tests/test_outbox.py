"""The outbox table's owner: keys and Message-IDs that round-trip, the same ID from SQL and
Python, and a database of the previous schema migrated without losing a row."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer.outbound import outbox
from mailer.outbound.outbox import OutboxKey
from mailer.salutation import Person
from mailer.store import MIGRATIONS, Store
from tests.conftest import database_at_schema

DOMAIN = "digital-impuls.example.org"
NOW = datetime(2023, 8, 24, 14, 0, tzinfo=UTC)

SECRET = bytes(range(32))

KEYS = {
    "announcement": (OutboxKey.scheduled("2023-09-07", "announcement").to(12),
                     "2023-09-07/announcement/12", "<2023-09-07.announcement.12."),
    "reminder": (OutboxKey.scheduled("2023-09-07", "reminder-1h30m", "20230907T1600").to(7),
                 "2023-09-07/reminder-1h30m/20230907T1600/7",
                 "<2023-09-07.reminder-1h30m.20230907T1600.7."),
    "update": (OutboxKey.notice("2023-09-07", "update", 3).to(5), "2023-09-07/update/3/5",
               "<2023-09-07.update.3.5."),
    "cancellation": (OutboxKey.notice("2023-09-07", "cancellation", 4).to(5),
                     "2023-09-07/cancellation/5", "<2023-09-07.cancellation.5."),
    "thanks": (OutboxKey.thanks("2023-08-25", 9), "thanks/2023-08-25/9", "<thanks.2023-08-25.9."),
    "digest": (OutboxKey.digest("2023-09-04"), "digest/2023-09-04", "<digest.2023-09-04."),
}  # fmt: skip


@pytest.mark.parametrize("name", KEYS)
def test_a_key_its_signed_message_id_and_back(name: str) -> None:
    key, text, visible = KEYS[name]
    assert str(key) == text
    message_id = key.message_id(DOMAIN, SECRET)
    assert message_id == f"{visible}{outbox.mac(SECRET, text)}@{DOMAIN}>"
    assert re.fullmatch(r"[0-9a-f]{16}", outbox.mac(SECRET, text))
    assert OutboxKey.parse(message_id, DOMAIN, SECRET) == key
    # Domains are case-insensitive (RFC 5321 2.4), and mail systems do change their case.
    assert OutboxKey.parse(message_id.replace(DOMAIN, DOMAIN.upper()), DOMAIN, SECRET) == key


@pytest.mark.parametrize("name", KEYS)
def test_a_message_id_without_the_secret_is_nobodys(name: str) -> None:
    key, _, visible = KEYS[name]
    assert OutboxKey.parse(key.message_id(DOMAIN, b"another secret"), DOMAIN, SECRET) is None
    assert OutboxKey.parse(f"{visible.rstrip('.')}@{DOMAIN}>", DOMAIN, SECRET) is None


def test_only_our_message_ids_parse() -> None:
    ours = KEYS["announcement"][0].message_id(DOMAIN, SECRET)
    assert OutboxKey.parse(ours.replace(DOMAIN, "other.example"), DOMAIN, SECRET) is None
    assert OutboxKey.parse("<CAF=x+y@mail.gmail.com>", DOMAIN, SECRET) is None
    assert OutboxKey.parse(ours.strip("<>"), DOMAIN, SECRET) is None
    assert OutboxKey.parse(ours.replace(".12.", ".13."), DOMAIN, SECRET) is None


def test_the_session_and_member_of_a_key() -> None:
    assert KEYS["reminder"][0].session_key == "2023-09-07"
    assert KEYS["thanks"][0].session_key is None
    assert OutboxKey.test(1692885600, "2023-09-07", "announcement").session_key is None
    update, thanks = (KEYS[n][0].message_id(DOMAIN, SECRET) for n in ("update", "thanks"))
    found = OutboxKey.find_all(f"<x@y.example> {update}\n {thanks}", DOMAIN, SECRET)
    assert found == [KEYS["update"][0], KEYS["thanks"][0]]


def test_a_mail_to_members_has_no_message_id_of_its_own() -> None:
    with pytest.raises(ValueError, match="needs a member"):
        OutboxKey.notice("2023-09-07", "update", 3).message_id(DOMAIN, SECRET)
    with pytest.raises(ValueError):
        OutboxKey(("2023-09-07", "a.b"))


def test_rows_queued_in_sql_carry_the_keys_and_ids_python_makes(tmp_path: Path) -> None:
    with Store(tmp_path / "subscribers.db") as store:
        for n in range(3):
            store.add_subscriber(f"m{n}@example.org", Person(), consent="test", now=NOW)
        ids = [s.id for s in store.subscribers()]
        mail = OutboxKey.scheduled("2023-09-07", "reminder-1d", "20230907T1600")
        with store.transaction() as conn:
            queued = outbox.queue_for_members(
                conn, mail, session_key="2023-09-07", stage="reminder-1d", kind="reminder",
                sequence=0, domain=DOMAIN, secret=SECRET, now="2023-08-24T14:00:00+00:00",
            )  # fmt: skip
            again = outbox.queue_for_members(
                conn, mail, session_key="2023-09-07", stage="reminder-1d", kind="reminder",
                sequence=0, domain=DOMAIN, secret=SECRET, now="2023-08-24T14:00:00+00:00",
            )  # fmt: skip
        assert (queued, again) == (3, 0)
        rows = store.conn.execute("SELECT mail_key, message_id, subscriber_id FROM outbox")
        for mail_key, message_id, subscriber_id in rows:
            assert mail_key == str(mail.to(subscriber_id))
            assert message_id == mail.to(subscriber_id).message_id(DOMAIN, SECRET)
            assert OutboxKey.parse(message_id, DOMAIN, SECRET) == mail.to(subscriber_id)
        assert sorted(row["email"] for row in outbox.listing(store.conn)) == [
            f"m{n}@example.org" for n in range(3)
        ]
        assert {s for (s,) in store.conn.execute("SELECT subscriber_id FROM outbox")} == set(ids)


def test_a_database_of_schema_5_keeps_its_rows_under_the_new_column_names(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.db"
    database_at_schema(
        path,
        5,
        "INSERT INTO outbox (dedupe_key, session_key, stage, kind, sequence, subscriber_id,"
        " message_id, status, next_attempt_at, queued_at, reference) VALUES"
        " ('thanks/2023-08-25/1', '', 'thanks', 'thanks', 0, 1, '<thanks.2023-08-25.1@x>',"
        "  'queued', 'T', 'T', '<idee@gemeinde.example>'),"
        " ('digest/2023-09-04', '', 'digest', 'digest', 0, 0, '<digest.2023-09-04@x>',"
        "  'sent', 'T', 'T', '[\"2023-08-28T06:00:00+00:00\", \"2023-09-04T06:00:00+00:00\"]');",
    )
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        rows = store.conn.execute(
            "SELECT mail_key, in_reply_to, period_start, period_end FROM outbox ORDER BY id"
        ).fetchall()
        columns = {row[1] for row in store.conn.execute("PRAGMA table_info(outbox)")}
    assert rows == [
        ("thanks/2023-08-25/1", "<idee@gemeinde.example>", None, None),
        ("digest/2023-09-04", None, "2023-08-28T06:00:00+00:00", "2023-09-04T06:00:00+00:00"),
    ]
    assert "reference" not in columns and "dedupe_key" not in columns
