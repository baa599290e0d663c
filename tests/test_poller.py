"""The poller against a real Dovecot, and against the Maildir inbox."""

from __future__ import annotations

import email
import json
import mailbox
import sqlite3
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest

from mailer.inbound.poller import BATCH, ImapSource, PollStopped, poll
from mailer.store import Store
from mailer.workspace import ServerAddress
from tests.conftest import CORPUS, STARTER, Mailer, needs_corpus, person_mail
from tests.imapserver import Dovecot

LIST_ID = "digital-impuls.example.org"
NOW = datetime(2023, 8, 28, 9, 0, tzinfo=UTC)
FOLDERS = [
    "Themenvorschläge",
    "Bounces",
    "Automatische Antworten",
    "Beschwerden",
    "Abmeldungen",
    "Quarantäne",
]


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dovecot_without_move():
    capabilities = (
        "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN"
    )
    server = Dovecot(capability=capabilities).start()
    yield server
    server.stop()


def plain(sender: str, subject: str, body: str, **headers: str) -> bytes:
    return person_mail(sender, subject, body, **headers).as_bytes()


def sent_to(app: Mailer, address: str) -> EmailMessage:
    """The announcement the embedded default wrote into outbox/ for this member."""
    box = mailbox.Maildir(app.root / "outbox", create=False)
    for key in box.iterkeys():
        message = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
        if address in str(message["To"]):
            return message
    raise AssertionError(f"no mail to {address}")


def dsn_for(
    original: EmailMessage, address: str, action: str = "failed", status: str = "5.1.1", n: int = 1
) -> bytes:
    """A Postfix-style RFC 3464 report that returns one of our mails."""
    head = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.gemeinde.example>\r\n"
        "To: themen@example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{n}@mx.gemeinde.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"\r\n\r\n'
        "--BOUNDARY\r\nContent-Type: text/plain\r\n\r\n"
        f"This is the mail system at host mx.gemeinde.example.\r\n\r\n<{address}>: host said: 550 5.1.1 User unknown\r\n"
        "--BOUNDARY\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.gemeinde.example\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: {action}\r\nStatus: {status}\r\n\r\n"
        "--BOUNDARY\r\nContent-Type: message/rfc822\r\n\r\n"
    )
    return head.encode() + original.as_bytes(policy=policy.SMTP) + b"\r\n--BOUNDARY--\r\n"


@pytest.fixture
def members(mailer: Mailer) -> Mailer:
    for address in (
        "anna@example.org",
        "ben@example.org",
        "cem@example.org",
        "dora@example.org",
        "eva@example.org",
        "kijitora@y.example.com",
    ):
        mailer.add(address)
    mailer("tick", "--now", "2023-08-24T16:00")  # the announcement, into outbox/
    return mailer


def batch(app: Mailer) -> dict[str, bytes]:
    """One message of every kind, as they arrive after an announcement."""
    announcement = sent_to(app, "anna@example.org")
    with Store(app.db) as store:
        token = store.subscriber("dora@example.org").token
    quoted = "\n".join(
        "> " + line for line in announcement.get_body(("plain",)).get_content().splitlines()[:5]
    )
    return {
        "suggestion": plain(
            "Anna Schmidt <anna@example.org>",
            "Re: " + str(announcement["Subject"]),
            f"Hallo,\n\nwie wäre es mit Glasfaser im ländlichen Raum?\n\nViele Grüße\nAnna\n\nAm 24.08.2023 um 16:00 schrieb Digital-Impuls <impuls@example.org>:\n{quoted}",
            In_Reply_To=str(announcement["Message-ID"]),
        ),
        "bounce": dsn_for(sent_to(app, "ben@example.org"), "ben@example.org"),
        "auto_reply": plain(
            "cem@example.org", "Abwesenheitsnotiz: Digital-Impuls", "Ich bin bis 4.9. im Urlaub."
        ),
        "complaint": (CORPUS / "arf-14.eml").read_bytes(),
        "unsubscribe (token)": plain("dora.privat@example.net", f"abmelden {token}", ""),
        "unsubscribe (word)": plain("eva@example.org", "Re: Digital-Impuls", "abmelden"),
        "quarantine": b"".join(b"X-H%d: v\r\n" % i for i in range(2500)) + b"\r\nbody\r\n",
        "unknown bounce": (CORPUS / "lhost-postfix-01.eml").read_bytes(),
    }


def account(server: Dovecot, mailbox_name: str = "INBOX") -> tuple[str, ServerAddress]:
    user = server.add_user()
    return user, ServerAddress("imap", "127.0.0.1", server.port, user, "secret", mailbox_name)


def folder_counts(server: Dovecot, user: str) -> dict[str, int]:
    client = server.client(user)
    counts = {}
    for _, _, name in client.list_folders():
        counts[name] = client.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
    client.logout()
    return counts


@needs_corpus
def test_every_kind_lands_in_its_folder_once(members: Mailer, dovecot: Dovecot) -> None:
    user, _ = account(dovecot)
    messages = batch(members)
    client = dovecot.client(user)
    for raw in messages.values():
        client.append("INBOX", raw)
    members.env.update(
        MAILER_IMAP_URL=f"imap://{user}@127.0.0.1:{dovecot.port}/INBOX",
        MAILER_IMAP_PASSWORD="secret",
    )
    result = members("poll")
    assert (
        "auto_reply 1, bounce 2, complaint 1, quarantine 1, suggestion 1, unsubscribe 2"
        in result.stdout
    )
    assert folder_counts(dovecot, user) == {
        "INBOX": 0, "Themenvorschläge": 1, "Bounces": 2, "Automatische Antworten": 1,
        "Beschwerden": 1, "Abmeldungen": 2, "Quarantäne": 1,
    }  # fmt: skip

    status = {p["email"]: p["status"] for p in members.json("subscribers", "list")}
    assert status == {
        "anna@example.org": "active",
        "ben@example.org": "bounced",
        "cem@example.org": "active",
        "dora@example.org": "unsubscribed",
        "eva@example.org": "unsubscribed",
        # The real ARF report names kijitora but carries Amazon's original, not a mail of
        # ours: anyone could write that, so it is recorded and unsubscribes nobody.
        "kijitora@y.example.com": "active",
    }
    (idea,) = members.json("suggestions")
    assert idea["from"] == "anna@example.org"
    assert idea["session"] == "2023-09-07"
    assert (
        idea["text"]
        == "Hallo,\n\nwie wäre es mit Glasfaser im ländlichen Raum?\n\nViele Grüße\nAnna"
    )
    assert idea["subject"].startswith("Re: Digital-Impuls am 7. September")
    assert idea["received_at"] == "2023-08-25T09:30:00+00:00"

    # A second poll, and the same messages appended again, record nothing new.
    assert "no new mail" in members("poll").stdout
    client.select_folder("INBOX")
    client.append("INBOX", messages["suggestion"])
    client.append("INBOX", messages["bounce"])
    again = members("poll")
    assert "filed again 2" in again.stdout
    assert len(members.json("suggestions")) == 1
    connection = sqlite3.connect(members.db)
    assert connection.execute("SELECT count(*) FROM inbound").fetchone()[0] == len(messages)
    log = connection.execute(
        "SELECT count(*) FROM consent_log WHERE status = 'bounced'"
    ).fetchone()[0]
    connection.close()
    assert log == 1
    client.logout()


class CountsMoves(ImapSource):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.moves: list[tuple[str, int]] = []

    def _move(self, uids, folder):
        super()._move(uids, folder)
        self.moves.append((folder, len(uids)))


def test_a_full_mailbox_is_filed_a_batch_and_a_folder_at_a_time(
    mailer: Mailer, dovecot: Dovecot
) -> None:
    user, server = account(dovecot)
    client = dovecot.client(user)
    for n in range(BATCH * 2 + 20):
        if n % 3:
            client.append("INBOX", plain(f"m{n}@example.org", f"Idee {n}", f"Thema {n}"))
        else:
            client.append("INBOX", plain(f"m{n}@example.org", "Abwesenheitsnotiz", "Im Urlaub."))
    client.select_folder("INBOX", readonly=True)
    last_uid = max(client.search(["ALL"]))
    with Store(mailer.db) as store, CountsMoves(server, store) as source:
        report = poll(store, source, LIST_ID, {}, NOW)
        cursor = store.conn.execute("SELECT last_uid FROM poll_cursors").fetchone()[0]
    assert report.counts == {"suggestion": 80, "auto_reply": 40}
    # One MOVE per folder per batch of 50, not one per message.
    assert sorted(source.moves) == sorted(
        [("Themenvorschläge", 33), ("Automatische Antworten", 17)] * 2
        + [("Themenvorschläge", 14), ("Automatische Antworten", 6)]
    )
    assert cursor == last_uid
    counts = folder_counts(dovecot, user)
    assert counts["INBOX"] == 0 and counts["Themenvorschläge"] == 80
    client.logout()


@needs_corpus
def test_a_uidvalidity_change_files_nothing_twice(members: Mailer, dovecot: Dovecot) -> None:
    user, server = account(dovecot, "Antworten")
    messages = batch(members)
    client = dovecot.client(user)
    client.create_folder("Antworten")
    client.append("Antworten", messages["suggestion"])
    with Store(members.db) as store:
        with ImapSource(server, store) as source:
            first_validity = source.uidvalidity
            assert poll(store, source, LIST_ID, {}, NOW).counts == {"suggestion": 1}
        client.delete_folder("Antworten")
        client.create_folder("Antworten")
        client.append("Antworten", messages["suggestion"])
        client.append("Antworten", messages["auto_reply"])
        with ImapSource(server, store) as source:
            assert source.uidvalidity != first_validity
            report = poll(store, source, LIST_ID, {}, NOW)
        assert report.counts == {"auto_reply": 1} and report.refiled == 1
        cursors = store.conn.execute(
            "SELECT uidvalidity, last_uid FROM poll_cursors ORDER BY uidvalidity"
        ).fetchall()
        assert len(cursors) == 2
    client.logout()


class DropsAfter(ImapSource):
    """A real connection that the server loses while a batch is filed, after `drop_at` of
    its folders."""

    def __init__(self, *args, drop_at: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop_at = drop_at
        self.folders_filed = 0
        self.messages_filed = 0

    def _move(self, uids, folder):
        if self.folders_filed == self.drop_at:
            self.client.shutdown()
        super()._move(uids, folder)
        self.folders_filed += 1
        self.messages_filed += len(uids)


@needs_corpus
def test_a_connection_lost_mid_batch_loses_nothing_and_records_nothing_twice(
    members: Mailer, dovecot: Dovecot
) -> None:
    user, server = account(dovecot)
    messages = batch(members)
    client = dovecot.client(user)
    for raw in messages.values():
        client.append("INBOX", raw)
    with Store(members.db) as store:
        source = DropsAfter(server, store, drop_at=3)
        source.open()
        with pytest.raises(
            PollStopped, match=f"127.0.0.1:{dovecot.port} closed the connection"
        ) as stopped:
            poll(store, source, LIST_ID, {}, NOW)
        with ImapSource(server, store) as fresh:
            report = poll(store, fresh, LIST_ID, {}, NOW)
        # The whole batch was recorded before the drop; what was not filed is filed now.
        assert 3 <= source.messages_filed < len(messages)
        assert str(stopped.value).endswith(
            f"; this poll had recorded {len(messages)} new messages (with their effect on the"
            f" list) and filed {source.messages_filed} into their folders; the next poll files"
            " the rest, each message once"
        )
        assert report.counts == {} and report.refiled == len(messages) - source.messages_filed
        assert store.conn.execute("SELECT count(*) FROM inbound").fetchone()[0] == len(messages)
    assert folder_counts(dovecot, user)["INBOX"] == 0
    client.logout()


@needs_corpus
def test_a_server_without_move_files_with_copy_and_uid_expunge(
    members: Mailer, dovecot_without_move: Dovecot
) -> None:
    user, server = account(dovecot_without_move)
    messages = batch(members)
    client = dovecot_without_move.client(user)
    assert b"MOVE" not in client.capabilities()
    for name in ("suggestion", "auto_reply"):
        client.append("INBOX", messages[name])
    with Store(members.db) as store, ImapSource(server, store) as source:
        assert not source.client.has_capability("MOVE")
        report = poll(store, source, LIST_ID, {}, NOW)
    assert report.counts == {"suggestion": 1, "auto_reply": 1}
    counts = folder_counts(dovecot_without_move, user)
    assert counts["INBOX"] == 0 and counts["Themenvorschläge"] == 1
    client.logout()


def test_a_rejected_imap_login_is_one_sentence(members: Mailer, dovecot: Dovecot) -> None:
    user, _ = account(dovecot)
    members.env.update(
        MAILER_IMAP_URL=f"imap://{user}@127.0.0.1:{dovecot.port}/INBOX",
        MAILER_IMAP_PASSWORD="wrong",
    )
    result = members("poll", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"127.0.0.1:{dovecot.port} rejected the login for user '{user}'"


@needs_corpus
def test_the_maildir_inbox_is_read_and_filed_the_same_way(members: Mailer) -> None:
    inbox = mailbox.Maildir(members.root / "inbox", create=True)
    messages = batch(members)
    for raw in messages.values():
        inbox.add(raw)
    result = members("poll")
    assert "bounce 2" in result.stdout and "suggestion 1" in result.stdout
    assert len(inbox) == 0
    assert {name: len(inbox.get_folder(name)) for name in inbox.list_folders()} == {
        "Themenvorschläge": 1, "Bounces": 2, "Automatische Antworten": 1,
        "Beschwerden": 1, "Abmeldungen": 2, "Quarantäne": 1,
    }  # fmt: skip
    assert members.json("suggestions")[0]["session"] == "2023-09-07"
    assert "no new mail" in members("poll").stdout


def test_an_unknown_token_changes_nothing(members: Mailer) -> None:
    inbox = mailbox.Maildir(members.root / "inbox", create=True)
    inbox.add(plain("anna@example.org", "abmelden AAAAAAAAAAAAAAAAAAAAAA", ""))
    members("poll")
    status = {p["email"]: p["status"] for p in members.json("subscribers", "list")}
    assert set(status.values()) == {"active"}


def test_a_bug_on_one_message_quarantines_it_with_its_traceback_and_the_batch_goes_on(
    members: Mailer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mailer.inbound.poller as poller

    inbox = mailbox.Maildir(members.root / "inbox", create=True)
    inbox.add(plain("anna@example.org", "Thema", "Glasfaser?"))
    inbox.add(plain("ben@example.org", "CRASH", "this one trips a bug"))
    inbox.add(plain("cem@example.org", "Thema", "KI im Rathaus?"))
    classify = poller.classify

    def classify_with_a_bug(message):
        if message["Subject"] == "CRASH":
            raise KeyError("feedback_type")
        return classify(message)

    monkeypatch.setattr(poller, "classify", classify_with_a_bug)
    assert members("poll").stdout.strip() == "quarantine 1, suggestion 2"
    assert len(inbox.get_folder("Quarantäne")) == 1
    with Store(members.db) as store:
        (reason,) = store.conn.execute(
            "SELECT reason FROM inbound WHERE kind = 'quarantine'"
        ).fetchone()
    assert reason.startswith("cannot be read (KeyError)\nTraceback (most recent call last):")
    assert "classify_with_a_bug" in reason and "KeyError: 'feedback_type'" in reason


def arf_for(original: bytes, address: str) -> bytes:
    """An RFC 5965 abuse report that carries the mail it complains about."""
    return (
        (
            "From: Complaints <complaints@feedback.example>\r\n"
            "To: themen@example.org\r\n"
            "Subject: Abuse report\r\n"
            "Message-ID: <arf-ours@feedback.example>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=feedback-report; boundary="B"\r\n\r\n'
            "--B\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n"
            "--B\r\nContent-Type: message/feedback-report\r\n\r\n"
            f"Feedback-Type: abuse\r\nUser-Agent: test/1.0\r\nVersion: 1\r\n"
            f"Original-Rcpt-To: {address}\r\n\r\n"
            "--B\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + original
        + b"\r\n--B--\r\n"
    )


def forged(subject: str, body: str, **headers: str) -> bytes:
    """A plain mail from anyone, written to look like a report."""
    return plain("prankster@elsewhere.example", subject, body, **headers)


def statuses(app: Mailer) -> dict[str, str]:
    return {p["email"]: p["status"] for p in app.json("subscribers", "list")}


def test_forged_reports_change_no_member_and_real_ones_do(members: Mailer) -> None:
    """Issue 10 #10: a status change must be tied to a mail we really sent that member."""
    inbox = mailbox.Maildir(members.root / "inbox", create=True)
    inbox.add(forged("Abuse report", "Feedback-Type: abuse\nOriginal-Rcpt-To: anna@example.org\n"))
    inbox.add(forged(
        "Undelivered Mail Returned to Sender",
        "Final-Recipient: rfc822; ben@example.org\nAction: failed\nStatus: 5.1.1\n",
    ))  # fmt: skip
    inbox.add(dsn_for(person_mail("x@example.org", "y", "z"), "cem@example.org")
              .replace(b"<bounce-1@", b"<bounce-2@"))  # fmt: skip
    guessed = "<2023-09-07.announcement.4@digital-impuls.example.org>"  # dora's, made up
    inbox.add(dsn_for(person_mail("x@example.org", "y", "z", message_id=guessed), "nobody@x.example")
              .replace(b"<bounce-1@", b"<bounce-3@"))  # fmt: skip
    members("poll")
    assert set(statuses(members).values()) == {"active"}
    # The same kinds of report carrying a mail we sent: they act.
    inbox.add(dsn_for(sent_to(members, "ben@example.org"), "ben@example.org"))
    eva_mail = sent_to(members, "eva@example.org").as_bytes(policy=policy.SMTP)
    inbox.add(arf_for(eva_mail, "eva@example.org"))
    members("poll", "--now", "2023-08-28T09:00")
    assert statuses(members) == {
        "anna@example.org": "active", "ben@example.org": "bounced", "cem@example.org": "active",
        "dora@example.org": "active", "eva@example.org": "unsubscribed",
        "kijitora@y.example.com": "active",
    }  # fmt: skip


def test_address_only_reports_bounce_a_member_only_on_three_separate_days(
    members: Mailer,
) -> None:
    inbox = mailbox.Maildir(members.root / "inbox", create=True)

    def report(n: int) -> bytes:
        return dsn_for(person_mail("x@example.org", "y", f"z{n}"), "cem@example.org").replace(
            b"<bounce-1@", f"<bounce-{n}@".encode()
        )

    for n, day in enumerate(["2023-08-28", "2023-08-28", "2023-09-06", "2023-09-07"], start=1):
        inbox.add(report(n))
        changes = members("poll", "--now", f"{day}T09:00").stdout
        expected = {1: "bounce score 1", 2: "scored today already", 3: "bounce score 2",
                    4: "cem@example.org bounced (bounce score 3)"}[n]  # fmt: skip
        assert expected in changes, changes
        assert statuses(members)["cem@example.org"] == ("bounced" if n == 4 else "active")


class AnotherClientExpunges(ImapSource):
    """A real second client deletes and expunges one message of the batch (the `victim`-th)
    just before mailer files it."""

    def __init__(self, *args, dovecot: Dovecot, user: str, victim: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.other = dovecot.client(user)
        self.other.select_folder("INBOX")
        self.victim = victim

    def _file_all(self, uids, folder):
        self.other.delete_messages([uids[self.victim - 1]])
        self.other.expunge()
        super()._file_all(uids, folder)


@pytest.mark.parametrize("capability", ["MOVE", "COPY and UID EXPUNGE"])
def test_a_message_expunged_by_another_client_meanwhile_does_not_stop_the_batch(
    mailer: Mailer, dovecot: Dovecot, dovecot_without_move: Dovecot, capability: str
) -> None:
    server_of_test = dovecot if capability == "MOVE" else dovecot_without_move
    user, server = account(server_of_test)
    client = server_of_test.client(user)
    for n in range(3):
        client.append("INBOX", plain(f"m{n}@example.org", f"Idee {n}", f"Thema {n}"))
    with Store(mailer.db) as store:
        source = AnotherClientExpunges(server, store, dovecot=server_of_test, user=user, victim=2)
        with source:
            report = poll(store, source, LIST_ID, {}, NOW)
        source.other.logout()
    assert report.counts == {"suggestion": 3}  # recorded all three, the second before it went
    counts = folder_counts(server_of_test, user)
    assert counts["INBOX"] == 0 and counts["Themenvorschläge"] == 2
    client.logout()


def test_notices_are_filed_apart_and_are_never_ideas(members: Mailer) -> None:
    inbox = mailbox.Maildir(members.root / "inbox", create=True)
    inbox.add(plain("MAILER-DAEMON@mx.example.net", "Successful Mail Delivery Report",
                    "Final-Recipient: rfc822; anna@example.org\nAction: delivered\nStatus: 2.0.0\n"))  # fmt: skip
    inbox.add(plain("mailman@lists.example.org", "Mail loop detected", "Stopped a loop.",
                    Auto_Submitted="auto-generated"))  # fmt: skip
    assert members("poll").stdout.strip() == "notice 2"
    assert len(inbox.get_folder("Benachrichtigungen")) == 2
    assert members.json("suggestions") == []
    assert set(statuses(members).values()) == {"active"}


# -- issue 22 #2: three warnings are no bounce ------------------------------------------

REPORTS_ABOUT_OUR_MAIL = [
    ("failed-soft", "failed", "4.4.7", "bounced", "bounce"),
    ("failed-hard", "failed", "5.1.1", "bounced", "bounce"),
    ("delayed", "delayed", "4.4.1", "active", "notice"),
    ("delivered", "delivered", "2.0.0", "active", "notice"),
    ("relayed", "relayed", "2.0.0", "active", "notice"),
    ("expanded", "expanded", "2.0.0", "active", "notice"),
]


@pytest.mark.parametrize(
    ("action", "status", "member", "kind"),
    [row[1:] for row in REPORTS_ABOUT_OUR_MAIL],
    ids=[row[0] for row in REPORTS_ABOUT_OUR_MAIL],
)
def test_three_reports_on_a_mail_of_ours_bounce_a_member_only_when_it_failed(
    members: Mailer, action: str, status: str, member: str, kind: str
) -> None:
    inbox = mailbox.Maildir(members.root / "inbox", create=True)
    ours = sent_to(members, "ben@example.org")
    for n in range(1, 4):
        inbox.add(dsn_for(ours, "ben@example.org", action, status, n))
        members("poll", "--now", f"2023-08-2{5 + n}T09:00")
    assert statuses(members)["ben@example.org"] == member
    folder = {"bounce": "Bounces", "notice": "Benachrichtigungen"}[kind]
    assert len(inbox.get_folder(folder)) == 3
    assert members.json("suggestions") == []


# -- issue 22 #6: a stranger never speaks for a member ----------------------------------


def spoofed(value: str, subject: str, body: str, n: int) -> bytes:
    """A mail from x@elsewhere whose display name names anna@example.org."""
    raw = person_mail("x@elsewhere.example", subject, body, message_id=f"<spoof-{n}@x>").as_bytes()
    return raw.replace(b"From: x@elsewhere.example", b"From: " + value.encode())


SPOOFS = [
    ("encoded", "=?utf-8?q?anna=40example=2Eorg?= <x@elsewhere.example>"),
    ("plain", "anna@example.org <x@elsewhere.example>"),
    ("quoted", '"anna@example.org" <x@elsewhere.example>'),
    ("raw-utf8", "Anna Schmidt – anna@example.org <x@elsewhere.example>"),
]


@pytest.mark.parametrize("value", [v for _, v in SPOOFS], ids=[i for i, _ in SPOOFS])
def test_a_mail_whose_name_names_a_member_acts_for_nobody(members: Mailer, value: str) -> None:
    from tests.testdata.itip import Calendar, outlook

    members.write_plan(STARTER + "suggestions:\n  thank_you: true\n")
    calendar = outlook(Calendar("REPLY", "DECLINED", sender=value, message_id="<spoof-cal@x>"))
    inbox = mailbox.Maildir(members.root / "inbox", create=True)
    for raw in (
        spoofed(value, "Re: Digital-Impuls", "Bitte nehmen Sie mich aus dem Verteiler.", 1),
        spoofed(value, "Re: Digital-Impuls", "abmelden", 2),
        spoofed(value, "Abmelden", "", 3),
        spoofed(value, "Re: Digital-Impuls", "Thema: Glasfaser im ländlichen Raum.", 4),
        calendar,
    ):
        inbox.add(raw)
    assert members("poll", "--now", "2023-08-25T10:00").stdout.startswith("unsure 5;")
    assert statuses(members)["anna@example.org"] == "active"
    assert members.json("rsvps") == []
    items = members.json("suggestions")
    assert {item["from"] for item in items} == {"x@elsewhere.example"}
    assert all(item["kind"] == "unsure" and "andere Adresse" in item["note"] for item in items)
    assert "zu prüfen: der Absendername nennt eine andere Adresse" in members("suggestions").stdout
    members("tick", "--now", "2023-08-25T10:05")
    assert [r for r in members.json("outbox") if r["kind"] in ("thanks", "goodbye")] == []
    assert len(inbox.get_folder("Zu prüfen")) == 5


# -- how to make it hold: every reply people write, through the poller ------------------


def test_the_replies_people_write_are_filed_as_inbox_classify_says(members: Mailer) -> None:
    from tests.testdata.replies import ANNOUNCEMENT_SUBJECT, rows

    replies = rows()
    paths = []
    for row in replies:
        path = members.root / f"{row.id}.eml"
        path.write_bytes(row.bytes())
        paths.append(path)
    said = [json.loads(line)["kind"] for line in
            members("inbox", "classify", *map(str, paths)).stdout.splitlines()]  # fmt: skip
    assert said == [row.expected for row in replies]
    inbox = mailbox.Maildir(members.root / "inbox", create=True)
    for path in paths:
        inbox.add(path.read_bytes())
    summary = members("poll", "--now", "2023-08-25T10:00").stdout
    wanted = sum(row.expected == "suggestion" for row in replies)
    assert f"suggestion {wanted}" in summary and "unsubscribe" in summary
    ideas = members.json("suggestions")
    assert len(ideas) == wanted
    assert {idea["subject"].split(": ", 1)[1] for idea in ideas} == {ANNOUNCEMENT_SUBJECT}


# -- issue 22 #7: what members write reads right wherever the organizer reads it --------

SUBJECT = "Wärmeplanung – Straßen & Gebäude"
RAW_SUBJECTS = [
    ("raw-utf8", SUBJECT.encode(), "utf-8"),
    ("raw-windows-1252", SUBJECT.encode("cp1252"), "windows-1252"),
    ("rfc2047", b"=?utf-8?q?W=C3=A4rmeplanung_=E2=80=93_Stra=C3=9Fen_&_Geb=C3=A4ude?=", "utf-8"),
]


@pytest.mark.parametrize(
    ("subject", "charset"), [r[1:] for r in RAW_SUBJECTS], ids=[r[0] for r in RAW_SUBJECTS]
)
def test_a_subject_reads_right_in_suggestions_report_admin_and_digest(
    members: Mailer, subject: bytes, charset: str
) -> None:
    from tests.webtools import BASE_URL, PASSWORD, Clock, client, hidden_fields

    members.write_plan(
        STARTER + f"\nweb:\n  base_url: {BASE_URL}\n"
        "suggestions:\n  digest: daily\n  digest_to: orga@example.org\n"
    )
    raw = (
        b"From: Anna Schmidt <anna@example.org>\r\nTo: themen@example.org\r\nSubject: "
        + subject
        + b"\r\nDate: Fri, 25 Aug 2023 09:30:00 +0200\r\nMessage-ID: <subject@example.org>\r\n"
        + f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n".encode()
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "Thema: Wärmeplanung für kleine Gemeinden.\r\n".encode(charset)
    )
    mailbox.Maildir(members.root / "inbox", create=True).add(raw)
    members("poll", "--now", "2023-08-25T10:00")
    (idea,) = members.json("suggestions")
    assert idea["subject"] == SUBJECT
    assert idea["text"] == "Thema: Wärmeplanung für kleine Gemeinden."
    assert SUBJECT in members("suggestions").stdout
    members.env["COLUMNS"] = "250"
    assert SUBJECT in members("report", "--until", "2023-08-25T11:00").stdout
    web = client(members, Clock(datetime(2023, 8, 25, 10, 30, tzinfo=UTC)))
    page = web.get("/admin/login").get_data(as_text=True)
    web.post("/admin/login", data={**hidden_fields(page), "name": "admin", "password": PASSWORD})
    answers = web.get("/admin/antworten").get_data(as_text=True)
    assert "Wärmeplanung – Straßen &amp; Gebäude" in answers and "�" not in answers
    members("tick", "--now", "2023-08-26T08:00")
    box = mailbox.Maildir(members.root / "outbox", create=False)
    (digest,) = [
        m for k in box.iterkeys()
        if "orga@example.org" in str((m := email.message_from_bytes(box.get_bytes(k),
                                                                    policy=policy.default))["To"])
    ]  # fmt: skip
    assert f"Betreff: {SUBJECT}" in digest.get_body(("plain",)).get_content()
    assert "Wärmeplanung – Straßen &amp; Gebäude" in digest.get_body(("html",)).get_content()
