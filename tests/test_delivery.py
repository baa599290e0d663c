"""The outbox against a real SMTP server on loopback: every assertion is on what crossed the socket."""

from __future__ import annotations

import re
import ssl
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import trustme
from icalendar import Calendar

from mailer.store import Store
from tests.conftest import STARTER, Mailer, killed_and_rerun
from tests.smtpserver import Authenticator, RecordingHandler, closed_port, start_server

MEMBERS = ("anna@example.org", "ben@example.org", "cem@example.org")


def tick(app: Mailer, now: str, ok: bool = True):
    return app("tick", "--now", now, ok=ok)


def kinds(handler: RecordingHandler) -> Counter:
    return Counter(m.message["Subject"].split(":")[0] for m in handler.messages)


def edit_plan(app: Mailer, old: str, new: str) -> None:
    text = app.config.read_text("utf-8")
    assert old in text
    app.write_plan(text.replace(old, new, 1))


def calendar_of(message) -> Calendar:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


def test_a_month_of_mail_each_once(smtp_mailer: Mailer, smtp: RecordingHandler) -> None:
    smtp_mailer.add(*MEMBERS)
    tick(smtp_mailer, "2023-08-24T15:59")
    assert smtp.messages == []
    result = tick(smtp_mailer, "2023-08-24T16:00")
    assert "sent 3" in result.stdout
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(MEMBERS)
    first = smtp.messages[0].message
    assert first["Subject"] == "Digital-Impuls am 7. September: Kommunale Wärmeplanung"
    assert smtp.messages[0].mail_from == "themen@example.org"
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["List-Unsubscribe"].startswith("<mailto:themen@example.org?subject=abmelden%20")

    # A second tick, later that day and at the same moment, sends nothing.
    tick(smtp_mailer, "2023-08-24T16:00")
    tick(smtp_mailer, "2023-08-25T09:00")
    assert len(smtp.messages) == 3

    tick(smtp_mailer, "2023-09-06T16:00")
    tick(smtp_mailer, "2023-09-07T15:00")
    tick(smtp_mailer, "2023-09-07T15:30")
    tick(smtp_mailer, "2023-09-07T16:01")
    assert kinds(smtp) == {"Digital-Impuls am 7. September": 3, "Erinnerung": 6}
    reminders = [m.message for m in smtp.messages if m.message["Subject"].startswith("Erinnerung")]
    assert {r["Subject"] for r in reminders} == {
        "Erinnerung: Digital-Impuls morgen um 16:00 Uhr – Kommunale Wärmeplanung",
        "Erinnerung: Digital-Impuls heute um 16:00 Uhr (in einer Stunde) – Kommunale Wärmeplanung",
    }
    ids = [m.message["Message-ID"] for m in smtp.messages]
    assert len(set(ids)) == 9

    rows = smtp_mailer.json("outbox")
    assert {(r["status"], r["kind"]) for r in rows} == {
        ("sent", "announcement"),
        ("sent", "reminder"),
    }
    assert {"session", "kind", "email", "status"} <= set(rows[0])


def test_only_the_latest_due_mail_goes_out(smtp_mailer: Mailer, smtp: RecordingHandler) -> None:
    smtp_mailer.add(*MEMBERS)
    tick(smtp_mailer, "2023-09-06T18:00")  # the announcement was never sent: the reminder wins
    assert kinds(smtp) == {"Erinnerung": 3}


def test_nothing_after_the_session_started(smtp_mailer: Mailer, smtp: RecordingHandler) -> None:
    smtp_mailer.add(*MEMBERS)
    tick(smtp_mailer, "2023-09-07T16:00")
    assert smtp.messages == []


def test_a_queued_mail_whose_session_started_is_expired_not_sent(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add("anna@example.org")
    smtp.data_answers.append("451 4.3.0 try again later")
    tick(smtp_mailer, "2023-09-07T15:50")
    tick(smtp_mailer, "2023-09-07T16:10")
    assert smtp.messages == []
    assert [r["status"] for r in smtp_mailer.json("outbox")] == ["expired"]


def test_a_late_joiner_gets_the_announcement_at_the_next_tick(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add(*MEMBERS)
    tick(smtp_mailer, "2023-08-24T16:00")
    smtp_mailer.add("dora@example.org")
    tick(smtp_mailer, "2023-08-26T12:00")
    assert len(smtp.messages) == 4
    assert smtp.messages[-1].rcpt_tos == ["dora@example.org"]
    assert smtp.messages[-1].message["Subject"].startswith("Digital-Impuls am 7. September")


def test_a_change_sends_one_update_with_a_higher_sequence(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add(*MEMBERS)
    tick(smtp_mailer, "2023-08-24T16:00")
    smtp_mailer.add("late@example.org")  # subscribed after the change: gets the announcement only
    edit_plan(smtp_mailer, "  - date: 2023-09-07\n", '  - date: 2023-09-07\n    time: "17:00"\n')
    tick(smtp_mailer, "2023-08-28T10:00")
    tick(smtp_mailer, "2023-08-28T10:01")
    updates = [m for m in smtp.messages if m.message["Subject"].startswith("Geändert")]
    assert sorted(r for m in updates for r in m.rcpt_tos) == sorted(MEMBERS)
    late = smtp.to("late@example.org")
    assert len(late) == 1 and late[0].message["Subject"].startswith("Digital-Impuls am")
    assert "17:00 Uhr" in late[0].message.get_body(("plain",)).get_content()

    announcement = calendar_of(smtp.to("anna@example.org")[0].message).walk("VEVENT")[0]
    update_message = next(m.message for m in updates if m.rcpt_tos == ["anna@example.org"])
    update = calendar_of(update_message).walk("VEVENT")[0]
    assert str(update["UID"]) == str(announcement["UID"])
    assert int(update["SEQUENCE"]) > int(announcement["SEQUENCE"])
    assert update.decoded("DTSTART").hour == 17
    assert update_message["References"] == smtp.to("anna@example.org")[0].message["Message-ID"]
    assert (
        "Donnerstag, 7. September 2023, 17:00 Uhr"
        in update_message.get_body(("plain",)).get_content()
    )

    edit_plan(
        smtp_mailer,
        "topic: Kommunale Wärmeplanung",
        "topic: Kommunale Wärmeplanung – mit Praxisbeispiel",
    )
    tick(smtp_mailer, "2023-08-30T10:00")
    second = [
        m.message
        for m in smtp.to("anna@example.org")
        if m.message["Subject"].startswith("Geändert")
    ]
    assert len(second) == 2
    assert int(calendar_of(second[1]).walk("VEVENT")[0]["SEQUENCE"]) > int(update["SEQUENCE"])


def test_a_cancellation_reaches_those_announced_and_stops_reminders(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add(*MEMBERS)
    tick(smtp_mailer, "2023-08-24T16:00")
    smtp_mailer.add("never-told@example.org")
    edit_plan(
        smtp_mailer,
        "    topic: Kommunale Wärmeplanung\n",
        "    topic: Kommunale Wärmeplanung\n    cancelled: true\n",
    )
    tick(smtp_mailer, "2023-08-30T10:00")
    tick(smtp_mailer, "2023-09-06T16:00")
    tick(smtp_mailer, "2023-09-07T15:00")
    cancellations = [m for m in smtp.messages if m.message["Subject"].startswith("Abgesagt")]
    assert sorted(r for m in cancellations for r in m.rcpt_tos) == sorted(MEMBERS)
    assert smtp.to("never-told@example.org") == []
    assert not any(m.message["Subject"].startswith("Erinnerung") for m in smtp.messages)
    calendar = calendar_of(cancellations[0].message)
    assert str(calendar["METHOD"]) == "CANCEL"
    part = next(
        p for p in cancellations[0].message.walk() if p.get_content_type() == "text/calendar"
    )
    assert part.get_param("method") == "CANCEL"


def test_4xx_is_retried_with_backoff_then_sent(smtp_mailer: Mailer, smtp: RecordingHandler) -> None:
    smtp_mailer.add(*MEMBERS)
    smtp.data_answers.append("451 4.7.1 greylisted, try again later")
    result = tick(smtp_mailer, "2023-08-24T16:00")
    assert "sent 2, deferred 1" in result.stdout
    deferred = [r for r in smtp_mailer.json("outbox") if r["status"] == "deferred"]
    assert len(deferred) == 1 and deferred[0]["last_answer"].startswith("451")
    tick(smtp_mailer, "2023-08-24T16:01")  # backoff not over yet
    assert len(smtp.messages) == 2
    tick(smtp_mailer, "2023-08-24T16:06")
    assert len(smtp.messages) == 3
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(MEMBERS)


def test_5xx_is_final_and_marks_the_subscriber_bounced(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add(*MEMBERS)
    smtp.rcpt_answers["ben@example.org"] = "550 5.1.1 no such user"
    result = tick(smtp_mailer, "2023-08-24T16:00")
    assert "sent 2, deferred 0, failed 1" in result.stdout
    tick(smtp_mailer, "2023-09-06T16:00")
    assert smtp.to("ben@example.org") == []
    people = {p["email"]: p["status"] for p in smtp_mailer.json("subscribers", "list")}
    assert people["ben@example.org"] == "bounced"
    failed = [r for r in smtp_mailer.json("outbox") if r["email"] == "ben@example.org"]
    assert [r["status"] for r in failed] == ["failed"]
    assert failed[0]["last_answer"].startswith("550")


def test_an_unreachable_server_sends_nothing_then_the_next_tick_sends_all_once(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add(*MEMBERS)
    with closed_port() as nobody:
        port = nobody.getsockname()[1]
        good = smtp_mailer.env["MAILER_SMTP_URL"]
        smtp_mailer.env["MAILER_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        result = tick(smtp_mailer, "2023-08-24T16:00", ok=False)
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.stderr and "Traceback" not in result.output
    assert {r["status"] for r in smtp_mailer.json("outbox")} == {"queued"}
    assert {r["attempts"] for r in smtp_mailer.json("outbox")} == {0}
    smtp_mailer.env["MAILER_SMTP_URL"] = good
    tick(smtp_mailer, "2023-08-24T16:05")
    tick(smtp_mailer, "2023-08-24T16:06")
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(MEMBERS)


def test_a_connection_dropped_after_data_is_resent_with_the_same_message_id(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add(*MEMBERS)
    smtp.drop_after_data = 1
    result = tick(smtp_mailer, "2023-08-24T16:00")
    assert "unknown 1" in result.stdout
    tick(smtp_mailer, "2023-08-24T16:01")  # not at every tick: after a pause
    assert len(smtp.messages) == 3
    tick(smtp_mailer, "2023-08-24T16:05")
    copies = Counter(r for m in smtp.messages for r in m.rcpt_tos)
    assert sorted(copies.values()) == [1, 1, 2]
    twice = next(address for address, n in copies.items() if n == 2)
    ids = {m.message["Message-ID"] for m in smtp.to(twice)}
    assert len(ids) == 1
    tick(smtp_mailer, "2023-08-24T16:30")
    assert len(smtp.messages) == 4


def test_a_rejected_login_sends_nothing_and_names_the_server(mailer: Mailer) -> None:
    handler = RecordingHandler()
    controller = start_server(
        handler, authenticator=Authenticator("impuls", "right"), auth_require_tls=False
    )
    try:
        mailer.add(*MEMBERS)
        where = f"127.0.0.1:{controller.port}"
        mailer.env.update(MAILER_SMTP_URL=f"smtp://impuls@{where}", MAILER_SMTP_PASSWORD="wrong")
        result = tick(mailer, "2023-08-24T16:00", ok=False)
        assert result.exit_code == 1
        assert f"{where} rejected the login for user 'impuls'" in result.stderr
        assert handler.messages == []
        mailer.env["MAILER_SMTP_PASSWORD"] = "right"
        tick(mailer, "2023-08-24T16:01")
        assert len(handler.messages) == 3
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def certificate_authority(tmp_path_factory):
    authority = trustme.CA()
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    return authority, bundle


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_with_a_verified_certificate(
    mailer: Mailer, certificate_authority, scheme: str
) -> None:
    authority, bundle = certificate_authority
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    handler = RecordingHandler()
    options = (
        {"tls_context": server_context, "require_starttls": True, "auth_required": True}
        if scheme == "smtp+starttls"
        else {"ssl_context": server_context, "auth_require_tls": False}  # TLS from the start
    )
    controller = start_server(handler, authenticator=Authenticator("impuls", "pw"), **options)
    try:
        mailer.add(*MEMBERS)
        mailer.env.update(
            MAILER_SMTP_URL=f"{scheme}://impuls@localhost:{controller.port}",
            MAILER_SMTP_PASSWORD="pw",
        )
        # Without our CA the certificate is not trusted: nothing goes out.
        untrusted = tick(mailer, "2023-08-24T16:00", ok=False)
        assert untrusted.exit_code == 1 and "certificate" in untrusted.stderr
        mailer.env["SSL_CERT_FILE"] = str(bundle)
        tick(mailer, "2023-08-24T16:01")
        assert len(handler.messages) == 3
    finally:
        controller.stop()


def test_two_ticks_at_once_send_each_mail_once(
    smtp_mailer: Mailer, smtp: RecordingHandler, tmp_path
) -> None:
    members = tmp_path / "members.csv"
    members.write_text(
        "email,name\n" + "".join(f"m{i}@example.org,M {i}\n" for i in range(60)), "utf-8"
    )
    smtp_mailer("subscribers", "import", str(members))
    smtp.delay = 0.05  # 3 s of sending: the second tick arrives while the first holds the lock
    command = [*smtp_mailer.command(), "tick", "--now", "2023-08-24T16:00"]
    first = subprocess.Popen(
        command, env=smtp_mailer.process_env(), stdout=subprocess.PIPE, text=True
    )
    second = subprocess.Popen(
        command, env=smtp_mailer.process_env(), stdout=subprocess.PIPE, text=True
    )
    outputs = [p.communicate(timeout=60)[0] for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0]
    copies = Counter(r for m in smtp.messages for r in m.rcpt_tos)
    assert len(copies) == 60 and set(copies.values()) == {1}
    assert sorted(out.strip() for out in outputs) == [
        "another tick is running; this one sends nothing",
        "queued 60; sent 60, deferred 0, failed 0",
    ]


def test_a_tick_killed_mid_send_is_completed_by_the_next(
    smtp_mailer: Mailer, smtp: RecordingHandler, tmp_path
) -> None:
    members = tmp_path / "members.csv"
    members.write_text(
        "email;name\n" + "".join(f"m{i}@example.org;M {i}\n" for i in range(2000)), "utf-8"
    )
    smtp_mailer("subscribers", "import", str(members))
    twice, out = killed_and_rerun(smtp_mailer, smtp, "tick", "--now", "2023-08-24T16:00")
    assert "sent" in out
    # At most the mails in flight, one per connection (smtp.connections: 3 by default).
    assert len(twice) <= 3


def test_a_name_with_a_line_break_cannot_add_a_header(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer("subscribers", "add", "eve@example.org", "--name", "Eve\r\nBcc: victim@example.org")
    tick(smtp_mailer, "2023-08-24T16:00")
    (received,) = smtp.messages
    assert received.rcpt_tos == ["eve@example.org"]
    assert b"\nBcc:" not in received.data
    assert received.message["To"].addresses[0].display_name == "Eve Bcc: victim@example.org"


def test_a_line_starting_with_a_dot_survives_the_wire(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    edit_plan(
        smtp_mailer,
        "    topic: Kommunale Wärmeplanung\n",
        "    topic: Kommunale Wärmeplanung\n    description: |\n      Erste Zeile\n      .Punkt am Zeilenanfang\n      .\n",
    )
    smtp_mailer.add("anna@example.org")
    tick(smtp_mailer, "2023-08-24T16:00")
    text = smtp.messages[0].message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Erste Zeile\n.Punkt am Zeilenanfang\n.\n" in text


def plain_transport(smtp: RecordingHandler):
    from mailer.outbound.smtp import SmtpTransport
    from mailer.workspace import ServerAddress

    port = int(smtp.url.rsplit(":", 1)[1])  # type: ignore[attr-defined]
    return SmtpTransport(ServerAddress("smtp", "127.0.0.1", port, None, None, ""))


HELLO = b"Subject: x\r\n\r\nhallo\r\n"


def test_an_envelope_sent_ahead_for_a_mail_that_does_not_come_delivers_nothing(
    smtp: RecordingHandler,
) -> None:
    transport = plain_transport(smtp)
    transport.open()
    transport.start("themen@example.org", "a@example.org", HELLO, next_recipient="b@example.org")
    transport.finish()
    transport.start("themen@example.org", "c@example.org", HELLO)  # not b after all
    transport.finish()
    transport.start("themen@example.org", "d@example.org", HELLO, next_recipient="e@example.org")
    transport.finish()
    transport.close()  # stopped before e: its DATA may be open, so the connection is dropped
    assert [m.rcpt_tos for m in smtp.messages] == [
        ["a@example.org"],
        ["c@example.org"],
        ["d@example.org"],
    ]


def test_a_refusal_of_an_envelope_sent_ahead_belongs_to_its_own_mail(
    smtp: RecordingHandler,
) -> None:
    from mailer.outbound.smtp import Rejected

    smtp.rcpt_answers["b@example.org"] = "550 5.1.1 no such user"
    transport = plain_transport(smtp)
    transport.start("themen@example.org", "a@example.org", HELLO, next_recipient="b@example.org")
    transport.finish()  # a's answer; b's refusal is kept for b
    with pytest.raises(Rejected) as refused:
        transport.start(
            "themen@example.org", "b@example.org", HELLO, next_recipient="c@example.org"
        )
    assert refused.value.stage == "RCPT TO" and refused.value.answer.startswith("550")
    transport.start("themen@example.org", "c@example.org", HELLO)
    transport.finish()
    transport.close()
    assert [m.rcpt_tos for m in smtp.messages] == [["a@example.org"], ["c@example.org"]]


def test_the_rate_limit_spaces_mails_on_the_clock_it_is_given(smtp: RecordingHandler) -> None:
    from mailer.outbound.smtp import SmtpTransport, send
    from mailer.workspace import ServerAddress

    clock = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        clock[0] += seconds

    port = int(smtp.url.rsplit(":", 1)[1])  # type: ignore[attr-defined]
    transport = SmtpTransport(
        ServerAddress("smtp", "127.0.0.1", port, None, None, ""),
        rate_per_minute=120,
        sleep=sleep,
        monotonic=lambda: clock[0],
    )
    transport.open()
    for n in range(4):
        send(transport, "themen@example.org", f"m{n}@example.org", HELLO)
    transport.close()
    assert slept == [0.5, 0.5, 0.5]
    assert len(smtp.messages) == 4


def test_send_test_delivers_one_marked_mail_outside_the_outbox(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    result = smtp_mailer("send-test", "--to", "orga@example.org", "2023-09-07", "announcement")
    assert "sent a test announcement" in result.stdout
    (received,) = smtp.messages
    assert received.rcpt_tos == ["orga@example.org"]
    assert received.message["Subject"].startswith("[Test] Digital-Impuls am 7. September")
    assert smtp_mailer.json("outbox") == []


def test_send_test_to_a_refused_address_says_so_in_one_sentence(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp.rcpt_answers["orga@example.org"] = "550 5.1.1 no such user"
    result = smtp_mailer(
        "send-test", "--to", "orga@example.org", "2023-09-07", "announcement", ok=False
    )
    assert result.exit_code == 1
    assert "did not take the test mail: 550 5.1.1 no such user" in result.stderr
    assert "Traceback" not in result.output
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("MAILER_SMTP_URL", "smpt://impuls:geheim-123@mail.example.org:587"),
        ("MAILER_SMTP_URL", "smtp://impuls:geheim-123@mail.example.org:5x7"),
        ("MAILER_SMTP_URL", "smtp://impuls:geheim-123@[::1"),
        ("MAILER_SMTP_URL", "smtp://impuls:geheim-123@mail.example.org:587"),
        ("MAILER_IMAP_URL", "imapz://themen:geheim-123@mail.example.org/INBOX"),
    ],
)
def test_a_mistyped_server_url_never_prints_its_password(
    mailer: Mailer, variable: str, url: str
) -> None:
    mailer.add(*MEMBERS)
    mailer.env[variable] = url
    command = "tick" if variable == "MAILER_SMTP_URL" else "poll"
    result = mailer(command, "--now", "2023-08-24T16:00", ok=False)
    assert result.exit_code == 1
    assert "geheim" not in result.output
    assert result.stderr.startswith(f"{variable}: ") and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output


def members_csv(app: Mailer, tmp_path: Path, count: int) -> list[str]:
    addresses = [f"m{i:02d}@example.org" for i in range(count)]
    csv_file = tmp_path / "members.csv"
    csv_file.write_text("email\n" + "\n".join(addresses) + "\n", "utf-8")
    app("subscribers", "import", str(csv_file))
    return addresses


@pytest.mark.parametrize(
    "refusal",
    ["554 5.7.1 <{address}>: Relay access denied", "550 5.1.1 <{address}>: User unknown"],
    ids=["relay access denied", "the same 550 for everyone"],
)
def test_a_server_refusing_everyone_marks_nobody_and_stops_the_tick(
    smtp_mailer: Mailer, smtp: RecordingHandler, tmp_path: Path, refusal: str
) -> None:
    addresses = members_csv(smtp_mailer, tmp_path, 14)
    smtp.rcpt_refusal = refusal
    result = tick(smtp_mailer, "2023-08-24T16:00", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(
        f"{smtp.url.removeprefix('smtp://')} refused 10 mails in a row with '{refusal[:9]}"
    )
    assert "nobody was marked bounced" in result.stderr
    statuses = {p["status"] for p in smtp_mailer.json("subscribers", "list")}
    assert statuses == {"active"}
    # The 10 of the run, and what the other connections had in hand then, wait; none failed.
    statuses = Counter(r["status"] for r in smtp_mailer.json("outbox"))
    assert set(statuses) <= {"deferred", "queued"} and statuses["deferred"] >= 10
    assert statuses.total() == 14
    smtp.rcpt_refusal = None  # the organizer fixed the relay
    tick(smtp_mailer, "2023-08-24T16:06")
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == addresses


def test_a_policy_refusal_of_one_member_is_final_but_no_bounce(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add(*MEMBERS)
    smtp.rcpt_answers["ben@example.org"] = "554 5.7.1 Service unavailable; blocked by policy"
    assert "sent 2, deferred 0, failed 1" in tick(smtp_mailer, "2023-08-24T16:00").stdout
    people = {p["email"]: p["status"] for p in smtp_mailer.json("subscribers", "list")}
    assert people["ben@example.org"] == "active"


def test_reactivate_undoes_the_bounces_since_a_moment_with_a_consent_entry(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add(*MEMBERS, "dora@example.org")
    smtp.rcpt_answers["dora@example.org"] = "550 5.1.1 no such user"
    smtp_mailer("subscribers", "add", "eva@example.org", "--now", "2023-08-01T10:00")
    with Store(smtp_mailer.db) as store:  # Eva bounced long before, for real
        eva = store.subscriber("eva@example.org")
        store.count_bounce(eva.id, "SMTP 550 gone", datetime(2023, 8, 2, tzinfo=UTC), 1)
    smtp.rcpt_answers["ben@example.org"] = "550 5.1.1 no such user"
    tick(smtp_mailer, "2023-08-24T16:00")
    people = {p["email"]: p["status"] for p in smtp_mailer.json("subscribers", "list")}
    assert [e for e, s in people.items() if s == "bounced"] == [
        "ben@example.org", "dora@example.org", "eva@example.org",
    ]  # fmt: skip
    # The tick's bounces are stamped with its moment (--now), Eva's with 2 August.
    result = smtp_mailer("subscribers", "reactivate", "--bounced-since", "2023-08-20T00:00")
    assert result.stdout.strip() == "reactivated 2: ben@example.org, dora@example.org"
    people = {p["email"]: p["status"] for p in smtp_mailer.json("subscribers", "list")}
    assert people == {**dict.fromkeys([*MEMBERS, "dora@example.org"], "active"),
                      "eva@example.org": "bounced"}  # fmt: skip
    with Store(smtp_mailer.db) as store:
        causes = [entry["cause"] for entry in store.consent_log("ben@example.org")]
    assert causes[-1] == "reactivated by the organizer: bounced since 2023-08-20T00:00+02:00"


def test_a_member_who_leaves_during_a_tick_gets_nothing_more(
    smtp_mailer: Mailer, smtp: RecordingHandler, tmp_path: Path
) -> None:
    addresses = members_csv(smtp_mailer, tmp_path, 30)
    smtp.delay = 0.05  # 1.5 s of sending: time to leave in the middle
    tick_process = subprocess.Popen(
        [*smtp_mailer.command(), "tick", "--now", "2023-08-24T16:00"],
        env=smtp_mailer.process_env(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while len(smtp.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    smtp_mailer("subscribers", "unsubscribe", "m20@example.org")
    smtp_mailer("subscribers", "remove", "m21@example.org")
    output = tick_process.communicate(timeout=60)[0]
    assert tick_process.returncode == 0, output
    received = sorted(r for m in smtp.messages for r in m.rcpt_tos)
    assert received == [a for a in addresses if a not in ("m20@example.org", "m21@example.org")]
    assert "skipped 2" in output
    left = [r for r in smtp_mailer.json("outbox") if r["email"] == "m20@example.org"]
    assert [(r["status"], r["last_answer"]) for r in left] == [
        ("skipped", "subscriber is unsubscribed")
    ]


def test_nothing_goes_out_once_the_session_has_started_on_the_ticks_clock(
    smtp_mailer: Mailer, smtp: RecordingHandler, tmp_path: Path
) -> None:
    members_csv(smtp_mailer, tmp_path, 10)
    smtp.delay = 0.4  # 4 s for ten mails; the session starts 2 s into the tick
    result = tick(smtp_mailer, "2023-09-07T15:59:58")
    rows = smtp_mailer.json("outbox")
    statuses = Counter(r["status"] for r in rows)
    assert {r["stage"] for r in rows} == {"reminder-1h"}
    assert statuses["sent"] >= 1 and statuses["expired"] >= 1
    assert statuses["sent"] + statuses["expired"] == 10
    assert len(smtp.messages) == statuses["sent"]
    assert f"expired {statuses['expired']}" in result.stdout


@pytest.mark.parametrize("link", ["symlink", "hard link"])
def test_two_ticks_through_two_paths_to_one_database_send_each_mail_once(
    smtp_mailer: Mailer, smtp: RecordingHandler, tmp_path: Path, link: str
) -> None:
    members_csv(smtp_mailer, tmp_path, 40)
    other = tmp_path / "other" / "subscribers.db"
    other.parent.mkdir()
    (other.symlink_to if link == "symlink" else other.hardlink_to)(smtp_mailer.db)
    smtp.delay = 0.05  # 2 s of sending: the second tick arrives while the first holds the lock
    commands = [
        [*smtp_mailer.command(), "tick", "--now", "2023-08-24T16:00"],
        [*smtp_mailer.command(), "--db", str(other), "tick", "--now", "2023-08-24T16:00"],
    ]
    ticks = [
        subprocess.Popen(c, env=smtp_mailer.process_env(), stdout=subprocess.PIPE, text=True)
        for c in commands
    ]
    outputs = sorted(p.communicate(timeout=60)[0].strip() for p in ticks)
    copies = Counter(r for m in smtp.messages for r in m.rcpt_tos)
    assert len(copies) == 40 and set(copies.values()) == {1}
    assert outputs == [
        "another tick is running; this one sends nothing",
        "queued 40; sent 40, deferred 0, failed 0",
    ]


def test_an_international_domain_in_our_own_addresses_goes_out_in_its_xn_form(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.write_plan(
        STARTER.replace(
            "reply_to: themen@example.org", "reply_to: themen@bürgermeister.de"
        ).replace("<impuls@example.org>", "<impuls@bürgermeister.de>")
    )
    smtp_mailer.add("anna@example.org")
    tick(smtp_mailer, "2023-08-24T16:00")
    (received,) = smtp.messages
    assert received.mail_from == "themen@xn--brgermeister-dlb.de"
    message = received.message
    assert message["From"].addresses[0].addr_spec == "impuls@xn--brgermeister-dlb.de"
    assert str(message["Reply-To"]) == "themen@xn--brgermeister-dlb.de"
    assert str(message["Message-ID"]).endswith("@digital-impuls.xn--brgermeister-dlb.de>")


def test_a_reply_to_address_with_non_ascii_before_the_at_is_refused_by_line(
    mailer: Mailer,
) -> None:
    mailer.write_plan(
        STARTER.replace("reply_to: themen@example.org", "reply_to: thémen@example.org")
    )
    result = mailer("check", ok=False)
    line = STARTER.splitlines().index(next(x for x in STARTER.splitlines() if "reply_to:" in x)) + 1
    assert result.stderr.startswith(f"schedule.yaml:{line}: sender.reply_to: 'thémen@example.org'")
    assert "plain ASCII before the @" in result.stderr


@pytest.fixture
def ascii_only(mailer: Mailer):
    """A real server that does not offer SMTPUTF8 (RFC 6531), as many relays still don't."""
    handler = RecordingHandler(pipelining=True)
    controller = start_server(handler, enable_SMTPUTF8=False)
    mailer.env["MAILER_SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


def test_an_international_domain_of_a_member_travels_as_xn_without_smtputf8(
    mailer: Mailer, ascii_only: RecordingHandler
) -> None:
    mailer.add("anna@bürgermeister.de")
    tick(mailer, "2023-08-24T16:00")
    (received,) = ascii_only.messages
    assert received.rcpt_tos == ["anna@xn--brgermeister-dlb.de"]
    assert received.message["To"].addresses[0].addr_spec == "anna@xn--brgermeister-dlb.de"


def test_an_address_that_needs_smtputf8_fails_with_the_reason_and_never_bounces(
    mailer: Mailer, ascii_only: RecordingHandler
) -> None:
    mailer.add("jürgen@example.org", "anna@example.org")
    for moment in ("2023-08-24T16:00", "2023-09-06T16:00", "2023-09-07T15:00"):
        tick(mailer, moment)  # announcement, then the two reminders
    rows = [r for r in mailer.json("outbox") if r["email"] == "jürgen@example.org"]
    assert [r["status"] for r in rows] == ["failed"] * 3
    assert all("SMTPUTF8" in r["last_answer"] for r in rows)
    people = {p["email"]: p["status"] for p in mailer.json("subscribers", "list")}
    assert people["jürgen@example.org"] == "active"
    assert len(ascii_only.to("anna@example.org")) == 3


def test_a_very_long_name_is_folded_not_sent_as_one_long_line(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    name = "Bürgermeisterin" + "x" * 5000
    smtp_mailer("subscribers", "add", "anna@example.org", "--name", name)
    tick(smtp_mailer, "2023-08-24T16:00")
    (received,) = smtp.messages
    head = received.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    to_header = re.search(r"^To:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*", head, re.MULTILINE).group(0)
    assert len(to_header) > 5000 and max(map(len, to_header.split("\r\n"))) <= 78
    assert max(map(len, head.split("\r\n"))) <= 998  # RFC 5322 2.1.1, every header
    # RFC 2047 6.2: the white space between adjacent encoded words is not part of the text
    # (email.header follows it; the newer parser keeps it inside a display name).
    encoded, _, address = to_header.removeprefix("To:").rpartition("<")
    assert str(make_header(decode_header(encoded))) == name
    assert address.rstrip(">") == "anna@example.org"


def test_a_hang_up_at_one_rcpt_delays_that_member_only_and_ends_as_failed_not_bounced(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add("anna@example.org", "ben@example.org", "cem@example.org", "dora@example.org")
    smtp.hang_up_at_rcpt.add("ben@example.org")
    result = tick(smtp_mailer, "2023-08-24T16:00")
    assert "sent 3, deferred 1, failed 0" in result.stdout
    for moment in ("2023-08-24T16:05", "2023-08-24T16:20", "2023-08-24T18:00"):
        tick(smtp_mailer, moment)
    ben = [r for r in smtp_mailer.json("outbox") if r["email"] == "ben@example.org"]
    assert [(r["status"], r["attempts"]) for r in ben] == [("failed", 3)]
    assert ben[0]["last_answer"].endswith("given up after 3 tries")
    people = {p["email"]: p["status"] for p in smtp_mailer.json("subscribers", "list")}
    assert set(people.values()) == {"active"}
    copies = Counter(r for m in smtp.messages for r in m.rcpt_tos)
    assert copies == {"anna@example.org": 1, "cem@example.org": 1, "dora@example.org": 1}


def test_a_mail_whose_fate_stays_unknown_is_retried_with_backoff_then_given_up(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.add("anna@example.org", "ben@example.org")
    smtp.drop_after_data_to.add("ben@example.org")
    for moment in ("16:00", "16:01", "16:05", "16:06", "16:15", "16:40", "18:00"):
        tick(smtp_mailer, f"2023-08-24T{moment}")
    to_ben = smtp.to("ben@example.org")
    assert len(to_ben) == 3  # 16:00, 16:05 and 16:15: three tries, none at the minute after
    assert len({m.message["Message-ID"] for m in to_ben}) == 1
    (row,) = [r for r in smtp_mailer.json("outbox") if r["email"] == "ben@example.org"]
    assert row["status"] == "failed" and row["last_answer"].startswith("fate unknown 3 times")
    assert {p["status"] for p in smtp_mailer.json("subscribers", "list")} == {"active"}


def test_a_slow_final_answer_is_waited_for_not_taken_for_a_lost_mail(
    smtp: RecordingHandler,
) -> None:
    from mailer.outbound.smtp import SmtpTransport, send
    from mailer.workspace import ServerAddress

    smtp.delay = 1.0  # the server checks the mail for a second before it answers
    port = int(smtp.url.rsplit(":", 1)[1])  # type: ignore[attr-defined]
    transport = SmtpTransport(
        ServerAddress("smtp", "127.0.0.1", port, None, None, ""),
        timeout=0.3,  # every other answer is quick
        final_answer_timeout=5.0,
    )
    transport.open()
    send(transport, "themen@example.org", "anna@example.org", HELLO)  # raises if given up
    transport.close()
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("smtp://impuls@mail.example.org:25", True),
        ("smtp+starttls://impuls@mail.example.org:587", False),
        ("smtps://impuls@mail.example.org:465", False),
        ("smtp://impuls@127.0.0.1:25", False),
        ("smtp://mail.example.org:25", False),  # no login, no password to leak
    ],
)
def test_check_warns_when_a_password_would_travel_unencrypted(
    mailer: Mailer, url: str, warned: bool
) -> None:
    mailer.env["MAILER_SMTP_URL"] = url
    result = mailer("check")
    warning = (
        "warning: MAILER_SMTP_URL: the password for 'impuls' would travel unencrypted to"
        " mail.example.org:25; use smtps:// or smtp+starttls://"
    )
    assert (warning in result.stderr.splitlines()) is warned
