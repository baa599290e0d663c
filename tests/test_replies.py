"""Thank-yous to members who send topic ideas, and the organizer's digest, over real SMTP."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime

from tests.conftest import STARTER, Mailer, person_mail
from tests.smtpserver import RecordingHandler

SETTINGS = "suggestions:\n  digest: weekly\n  digest_to: orga@example.org\n  thank_you: true\n"


def reply(sender: str, subject: str, body: str, n: int, **headers: str) -> bytes:
    sent = datetime(2023, 9, 11, 9, n, tzinfo=UTC)
    return person_mail(
        sender, subject, body, sent=sent, message_id=f"<idea-{n}@mail.example.net>", **headers
    ).as_bytes()


def deliver(app: Mailer, *messages: bytes, now: str) -> None:
    inbox = mailbox.Maildir(app.root / "inbox", create=True)
    for raw in messages:
        inbox.add(raw)
    app("poll", "--now", now)


def test_a_member_is_thanked_once_a_day_and_nobody_else(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.write_plan(STARTER + SETTINGS)
    smtp_mailer.add("anna@example.org", "cem@example.org")
    deliver(
        smtp_mailer,
        reply("anna@example.org", "Idee", "Thema: Glasfaser", 1),
        reply("anna@example.org", "Noch eine Idee", "Thema: Radwege", 2),
        reply(
            "cem@example.org",
            "Abwesenheitsnotiz",
            "Ich bin im Urlaub.",
            3,
            Auto_Submitted="auto-replied",
        ),
        reply("stranger@example.net", "Idee", "Thema: Wasser", 4),
        now="2023-09-11T10:00",
    )
    smtp_mailer("tick", "--now", "2023-09-11T10:01")
    smtp_mailer("tick", "--now", "2023-09-11T10:02")
    assert [m.rcpt_tos for m in smtp.messages] == [["anna@example.org"]]
    thanks = smtp.messages[0].message
    assert thanks["Auto-Submitted"] == "auto-replied"
    assert thanks["In-Reply-To"] == "<idea-1@mail.example.net>"
    assert thanks["Subject"] == "Danke für deinen Themenvorschlag zum Digital-Impuls"
    assert "danke für deinen Themenvorschlag" in thanks.get_body(("plain",)).get_content()
    # The next day, a new idea is thanked again.
    deliver(
        smtp_mailer,
        reply("anna@example.org", "Dritte Idee", "Thema: Schwimmbäder", 5),
        now="2023-09-12T10:00",
    )
    smtp_mailer("tick", "--now", "2023-09-12T10:01")
    assert len(smtp.to("anna@example.org")) == 2


def test_the_weekly_digest_lists_the_ideas_escaped_once(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.write_plan(STARTER + SETTINGS.replace("thank_you: true", "thank_you: false"))
    smtp_mailer.add("anna@example.org")
    deliver(
        smtp_mailer,
        reply(
            "anna@example.org", "Idee <b>fett</b>", "Thema: <script>alert(1)</script> Wärmenetze", 1
        ),
        reply("ben@example.net", "Zweite Idee", "Thema: {{ 7*7 }}", 2),
        now="2023-09-12T10:00",
    )
    smtp_mailer("tick", "--now", "2023-09-17T20:00")  # Sunday: the week is not over
    assert [m for m in smtp.messages if m.rcpt_tos == ["orga@example.org"]] == []
    smtp_mailer("tick", "--now", "2023-09-18T08:00")  # Monday 08:00
    smtp_mailer("tick", "--now", "2023-09-18T09:00")
    (digest,) = [m for m in smtp.messages if m.rcpt_tos == ["orga@example.org"]]
    message = digest.message
    assert message["Subject"] == "Digital-Impuls: Bericht – 2 Themenvorschläge"
    assert message["List-Unsubscribe"] is None
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Wärmenetze" in html and "<script>" not in html
    assert "Idee &lt;b&gt;fett&lt;/b&gt;" in html
    assert "{{ 7*7 }}" in text and "49" not in text
    assert "anna@example.org" in text and "ben@example.net" in text
    # The week after, with no new idea, no digest.
    smtp_mailer("tick", "--now", "2023-09-25T08:00")
    assert len([m for m in smtp.messages if m.rcpt_tos == ["orga@example.org"]]) == 1


def test_the_report_tells_the_organizer_everything_of_the_week_escaped(
    smtp_mailer: Mailer, smtp: RecordingHandler
) -> None:
    smtp_mailer.write_plan(STARTER + SETTINGS.replace("thank_you: true", "thank_you: false"))
    smtp_mailer(
        "subscribers", "add", "anna@example.org", "--name", "Anna <Schmidt>",
        "--org", "Gemeinde & Co", "--now", "2023-09-01T10:00",
    )  # fmt: skip
    smtp_mailer.add("ben@example.org", "cem@example.org")
    deliver(
        smtp_mailer,
        reply("anna@example.org", "Idee <i>", "Thema: <script>x</script> Radwege", 1),
        reply("ben@example.org", "abmelden", "", 2),
        reply("cem@example.org", "Zweite Idee", "Thema: Glasfaser {{ 7*7 }}", 3),
        now="2023-09-12T10:00",
    )
    # The report as the organizer reads it in the terminal, and as JSON.
    found = smtp_mailer.json("report", "--since", "2023-09-11T00:00", "--until", "2023-09-18T08:00")
    assert [i["sender"] for i in found["ideas"]] == ["cem@example.org", "anna@example.org"]
    anna = found["ideas"][1]
    assert (anna["name"], anna["org"]) == ("Anna <Schmidt>", "Gemeinde & Co")
    assert anna["reply_link"] == "mailto:anna@example.org?subject=Re%3A%20Idee%20%3Ci%3E"
    assert [(u["email"], u["cause"]) for u in found["unsubscribes"]] == [
        ("ben@example.org", "asked by mail")
    ]
    assert found["answers"][0]["session"] == "2023-10-05"
    # The weekly mail carries the same.
    smtp_mailer("tick", "--now", "2023-09-18T08:00")
    (report,) = [m.message for m in smtp.messages if m.rcpt_tos == ["orga@example.org"]]
    assert report["Subject"] == "Digital-Impuls: Bericht – 2 Themenvorschläge, 1 Abmeldung"
    html = report.get_body(("html",)).get_content()
    text = report.get_body(("plain",)).get_content()
    assert "Anna &lt;Schmidt&gt; (Gemeinde &amp; Co)" in html
    assert "&lt;script&gt;x&lt;/script&gt; Radwege" in html and "<script>" not in html
    assert 'href="mailto:anna@example.org?subject=Re%3A%20Idee%20%3Ci%3E"' in html
    assert "{{ 7*7 }}" in text and "49" not in text
    assert "== Abmeldungen ==" in text and "- ben@example.org" in text and "asked by mail" in text
    assert text.index("cem@example.org") < text.index("anna@example.org")  # newest first
    assert "Zusagen für die nächsten Termine" in text
