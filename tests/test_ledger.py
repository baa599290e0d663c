"""The delivery ledger on a real subscribers.db: what a crash leaves is folded into the outbox."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pytest

from mailer.outbound import outbox
from mailer.outbound.ledger import FATE_UNKNOWN, Ledger, ledger_path, recover
from mailer.outbound.outbox import OutboxKey
from mailer.salutation import Person
from mailer.store import Store

NOW = "2023-08-24T14:00:00+00:00"
LATER = "2023-08-24T14:05:00+00:00"


@pytest.fixture
def store(tmp_path: Path):
    """Three queued rows, ids 1 to 3: the announcement to three members."""
    with Store(tmp_path / "subscribers.db") as store:
        for n in (1, 2, 3):
            store.add_subscriber(
                f"m{n}@example.org", Person(), consent="test", now=datetime.fromisoformat(NOW)
            )
        with store.transaction() as conn:
            queued = outbox.queue_for_members(
                conn,
                OutboxKey.scheduled("2023-09-07", "announcement"),
                session_key="2023-09-07",
                stage="announcement",
                kind="announcement",
                sequence=0,
                domain="x",
                secret=b"s",
                now=NOW,
            )
        assert queued == 3
        yield store


def rows(store: Store) -> dict[int, tuple]:
    return {
        row_id: tuple(rest)
        for row_id, *rest in store.conn.execute(
            "SELECT id, status, attempts, sequence, last_answer, next_attempt_at, sent_at"
            " FROM outbox ORDER BY id"
        )
    }


def test_answers_reach_the_outbox_and_the_file_is_emptied(store: Store) -> None:
    ledger = Ledger(store)
    ledger.sending(1, 2, 1)
    ledger.answered(1, "sent", "250 accepted", NOW, NOW)
    ledger.sending(2, 2, 1)
    ledger.answered(2, "deferred", "451 4.7.1 greylisted\ttry\nlater", LATER, None)
    assert ledger.fold(NOW) == 0
    ledger.close()
    assert rows(store)[1] == ("sent", 1, 2, "250 accepted", NOW, NOW)
    assert rows(store)[2] == ("deferred", 1, 2, "451 4.7.1 greylisted try later", LATER, None)
    assert rows(store)[3][0] == "queued"
    assert ledger_path(store.path).read_bytes() == b""


def test_the_mail_in_hand_at_a_crash_is_queued_again_and_nothing_else(store: Store) -> None:
    ledger = Ledger(store)
    ledger.sending(1, 0, 1)
    ledger.answered(1, "sent", "250 accepted", NOW, NOW)
    ledger.sending(2, 0, 1)  # the process dies here, with mail 2 on the wire
    ledger.close()

    assert recover(store, LATER) == 1
    assert rows(store)[1][0] == "sent"
    assert rows(store)[2] == ("queued", 1, 0, FATE_UNKNOWN, LATER, None)
    assert rows(store)[3][:2] == ("queued", 0)
    assert recover(store, LATER) == 0  # the file was emptied


def test_folding_the_same_lines_twice_changes_nothing(store: Store) -> None:
    """A crash between the fold's commit and emptying the file folds the lines again."""
    ledger = Ledger(store)
    ledger.sending(1, 3, 2)
    ledger.answered(1, "sent", "250 accepted", NOW, NOW)
    ledger.sending(2, 3, 1)
    ledger.close()
    lines = ledger_path(store.path).read_bytes()
    recover(store, LATER)
    once = rows(store)
    ledger_path(store.path).write_bytes(lines)
    recover(store, LATER)
    assert rows(store) == once
    assert once[1][:2] == ("sent", 2)


def test_a_line_cut_off_by_the_crash_is_ignored(store: Store) -> None:
    ledger_path(store.path).write_bytes(
        b"sending\t1\t0\t1\nsent\t1\t" + NOW.encode() + b"\t" + NOW.encode() + b"\t250 ok\n"
        b"sending\t2\t0\t1"  # no line break: the write of this mark never finished
    )
    assert recover(store, LATER) == 0
    assert rows(store)[1][0] == "sent"
    assert rows(store)[2][:2] == ("queued", 0)


def test_a_withdrawn_mark_leaves_the_row_as_it_was(store: Store) -> None:
    ledger = Ledger(store)
    ledger.sending(1, 0, 1)
    ledger.withdraw(1)  # the server could not be reached: nothing was handed over
    ledger.close()
    assert recover(store, LATER) == 0
    assert rows(store)[1] == ("queued", 0, 0, None, NOW, None)


def test_an_unreadable_line_is_skipped_with_a_warning(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    ledger_path(store.path).write_bytes(
        b"garbage\n" + b"sent\t2\t" + NOW.encode() + b"\t\t250 ok\n" + b"sending\tx\t0\t1\n"
    )
    with caplog.at_level(logging.WARNING):
        assert recover(store, LATER) == 0
    assert rows(store)[2][0] == "sent"
    assert [r[0] for i, r in rows(store).items() if i != 2] == ["queued", "queued"]
    assert "subscribers.db.ledger:1: unreadable line" in caplog.text
    assert "subscribers.db.ledger:3: unreadable line" in caplog.text


def test_a_fold_while_a_mail_is_on_the_wire_keeps_its_mark(store: Store) -> None:
    ledger = Ledger(store)
    ledger.sending(1, 0, 1)
    ledger.answered(1, "sent", "250 accepted", NOW, NOW)
    ledger.sending(2, 0, 1)
    ledger.fold(NOW)  # the next batch is read while mail 2 is on the wire
    assert rows(store)[1][0] == "sent"
    assert rows(store)[2][:2] == ("queued", 0)  # not yet folded, and not "fate unknown"
    ledger.close()  # ... and then the process dies
    assert recover(store, LATER) == 1
    assert rows(store)[2][:4] == ("queued", 1, 0, FATE_UNKNOWN)
