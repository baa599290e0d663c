"""Every sentence that says a mail was sent says where it went: to a server (named), or,
with no server configured, into the Maildir `outbox/new/`, and then never "sent to" anyone.

The kind: a message about a delivery that names the recipient but not the transport. Each
row is one place that says it, with and without a real SMTP server behind it.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from tests.conftest import Mailer
from tests.smtpserver import RecordingHandler

LETTER = "---\nsubject: Rückblick\n---\nHallo zusammen.\n"


def session_send_test(app: Mailer, tmp_path: Path):
    return app("send-test", "--to", "ich@example.org", "2023-09-07", "announcement")


def newsletter_send_test(app: Mailer, tmp_path: Path):
    letter = tmp_path / "herbst.md"
    letter.write_text(LETTER, "utf-8")
    return app("newsletter", "send-test", str(letter), "--to", "ich@example.org")


def tick_summary(app: Mailer, tmp_path: Path):
    app.add("ich@example.org")
    return app("tick", "--now", "2023-08-24T16:00")


PLACES = {
    "send-test": session_send_test,
    "newsletter send-test": newsletter_send_test,
    "tick summary": tick_summary,
}


@pytest.mark.parametrize("place", list(PLACES), ids=list(PLACES))
def test_without_a_server_it_says_the_maildir_and_not_sent_to(
    mailer: Mailer, tmp_path: Path, place: str
) -> None:
    said = PLACES[place](mailer, tmp_path).stdout
    outbox = mailer.root / "outbox"
    assert len(mailbox.Maildir(outbox, create=False)) == 1  # the mail is there ...
    assert f"Maildir {outbox}/new/" in said  # ... and that is what the sentence says
    assert "no SMTP server is set" in said
    assert "sent to ich@example.org" not in said.replace("not sent to", "")
    assert "sent a test" not in said


@pytest.mark.parametrize("place", list(PLACES), ids=list(PLACES))
def test_with_a_server_it_says_sent_and_through_which(
    smtp_mailer: Mailer, smtp: RecordingHandler, tmp_path: Path, place: str
) -> None:
    said = PLACES[place](smtp_mailer, tmp_path).stdout
    assert len(smtp.to("ich@example.org")) == 1
    assert "Maildir" not in said
    assert not (smtp_mailer.root / "outbox").exists()
    if place != "tick summary":
        host_port = smtp.url.removeprefix("smtp://")  # type: ignore[attr-defined]
        assert said.strip().endswith(f"to ich@example.org through {host_port}")


def test_the_outbox_records_a_maildir_delivery_as_such_not_as_a_server_answer(
    mailer: Mailer, tmp_path: Path
) -> None:
    tick_summary(mailer, tmp_path)
    (row,) = mailer.json("outbox")
    assert row["status"] == "sent"
    assert row["last_answer"] == "put into the Maildir outbox/new/, not sent (no SMTP server)"
