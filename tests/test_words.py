"""The German of the mails as members read them: every mail here crossed a real SMTP socket.

Each salutation form, one register per mail, an update that names what changed, a
reminder that went out late, a silent edit, a cancellation with its reason.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import STARTER, Mailer
from tests.smtpserver import RecordingHandler

# Words that only a mail in du may hold, and only one in Sie; "ihr"/"euch" in none.
DU_WORDS = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|antworte|bring)\b")
SIE_WORDS = re.compile(r"\b(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer)\b")
IHR_WORDS = re.compile(r"\b(ihr|euch|euer|eure|euren|bringt)\b")


@pytest.fixture
def smtp(smtp_pipelining: RecordingHandler) -> RecordingHandler:
    return smtp_pipelining


@pytest.fixture
def club(mailer: Mailer, smtp: RecordingHandler, tmp_path: Path) -> Mailer:
    """Three members as an organizer's spreadsheet has them."""
    mailer.env["MAILER_SMTP_URL"] = smtp.url  # type: ignore[attr-defined]
    members = tmp_path / "mitglieder.csv"
    members.write_text(
        "Anrede;Titel;Vorname;Nachname;E-Mail;Kommune\n"
        "Frau;Bürgermeisterin;Anna;Schmidt;anna@example.org;Gemeinde Beispielstadt\n"
        "Herr;;Ben;Wagner;ben@example.org;Stadt Musterhausen\n"
        ";;;;cem@example.org;\n",
        "utf-8",
    )
    mailer("subscribers", "import", str(members))
    return mailer


def with_salutation(form: str) -> str:
    return STARTER.replace(
        "  timezone: Europe/Berlin\n", f"  timezone: Europe/Berlin\n  salutation: {form}\n"
    )


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return body.get_content()


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return body.get_content()


def first_line(message: EmailMessage) -> str:
    return text_of(message).splitlines()[0]


def by_address(smtp: RecordingHandler) -> dict[str, EmailMessage]:
    return {m.message["To"].addresses[0].addr_spec: m.message for m in smtp.messages}


def words_outside_the_footer_imprint(message: EmailMessage) -> str:
    text = text_of(message)
    return text.rsplit("\n\n", 1)[0]  # the imprint is the organizer's own text


@pytest.mark.parametrize(
    ("form", "greetings", "register"),
    [
        ("du", {"anna": "Hallo Anna,", "ben": "Hallo Ben,", "cem": "Hallo,"}, DU_WORDS),
        (
            "sie",
            {
                "anna": "Sehr geehrte Frau Bürgermeisterin Schmidt,",
                "ben": "Sehr geehrter Herr Wagner,",
                "cem": "Sehr geehrte Damen und Herren,",
            },
            SIE_WORDS,
        ),
        (
            "neutral",
            {
                "anna": "Guten Tag Anna Schmidt,",
                "ben": "Guten Tag Ben Wagner,",
                "cem": "Guten Tag,",
            },
            SIE_WORDS,
        ),
    ],
)
def test_each_salutation_greets_each_member_and_keeps_one_register(
    club: Mailer,
    smtp: RecordingHandler,
    form: str,
    greetings: dict,
    register: re.Pattern,
) -> None:
    club.write_plan(with_salutation(form))
    club("tick", "--now", "2023-08-24T16:00")
    club("tick", "--now", "2023-09-07T15:00")
    assert len(smtp.messages) == 6  # the announcement and the 1-hour reminder, to three
    other = SIE_WORDS if register is DU_WORDS else DU_WORDS
    for message in (m.message for m in smtp.messages):
        who = message["To"].addresses[0].addr_spec.split("@")[0]
        assert first_line(message) == greetings[who]
        assert re.search(f"<p[^>]*>{greetings[who]}</p>", html_of(message))
        words = words_outside_the_footer_imprint(message)
        assert register.search(words), message["Subject"]
        assert not other.search(words), (
            message["Subject"],
            other.search(words),
        )
        assert not IHR_WORDS.search(words), IHR_WORDS.search(words)


def test_the_announcement_carries_the_description_the_end_time_and_the_platform(
    club: Mailer, smtp: RecordingHandler
) -> None:
    club("tick", "--now", "2023-08-24T16:00")
    message = by_address(smtp)["anna@example.org"]
    text = text_of(message)
    assert "Donnerstag, 7. September 2023, 16:00 Uhr bis 17:30 Uhr" in text
    assert "jeden ersten Donnerstag\nim Monat" in text or "jeden ersten Donnerstag im Monat" in text
    assert "Zoom:  https://zoom.us/j/" in text
    page = html_of(message)
    assert ">Zur Zoom-Konferenz</a>" in page
    preheader = re.search(r'<div class="preheader"[^>]*>([^<]*)</div>', page)
    assert preheader is not None
    assert preheader.group(1).rstrip("\u2007\u034f") == (
        "Donnerstag, 7. September 2023, 16:00 Uhr · Zu Gast: Julia Stolzenberger"
        " · Die Einladung für den Kalender hängt an."
    )


def test_the_button_names_the_platform_of_the_link(club: Mailer, smtp: RecordingHandler) -> None:
    club.write_plan(
        STARTER.replace("https://zoom.us/j/00000000000", "https://bbb.kommune.de/b/imp-ul5-x9z")
    )
    club("tick", "--now", "2023-08-24T16:00")
    message = smtp.messages[0].message
    assert ">Zur BigBlueButton-Konferenz</a>" in html_of(message)
    assert "BigBlueButton:  https://bbb.kommune.de/b/imp-ul5-x9z" in text_of(message)


def test_a_late_reminder_says_today_not_tomorrow(club: Mailer, smtp: RecordingHandler) -> None:
    club("tick", "--now", "2023-08-24T16:00")
    # The daemon was down from before the 1-day reminder (6 Sep 16:00) until the morning.
    club("tick", "--now", "2023-09-07T09:30")
    reminders = [m.message for m in smtp.messages if m.message["Subject"].startswith("Erinnerung")]
    assert len(reminders) == 3
    for message in reminders:
        assert message["Subject"] == (
            "Erinnerung: Digital-Impuls heute um 16:00 Uhr – Kommunale Wärmeplanung"
        )
        assert "morgen" not in text_of(message)
        assert "Wann:  Donnerstag, 7. September 2023, 16:00 Uhr bis 17:30 Uhr" in text_of(message)


def test_an_update_names_each_change_old_and_new(club: Mailer, smtp: RecordingHandler) -> None:
    club("tick", "--now", "2023-08-24T16:00")
    club.write_plan(
        STARTER.replace(
            "  - date: 2023-09-07\n", '  - date: 2023-09-07\n    time: "16:30"\n', 1
        ).replace("name: Julia Stolzenberger", "name: Dr. Jana Beispiel")
    )
    club("tick", "--now", "2023-08-25T09:00")
    updates = [m.message for m in smtp.messages if "jetzt" in m.message["Subject"]]
    assert len(updates) == 3
    message = next(m for m in updates if m["To"].addresses[0].addr_spec == "anna@example.org")
    assert message["Subject"] == "Geändert: Digital-Impuls am 7. September jetzt um 16:30 Uhr"
    text = text_of(message)
    assert "Uhrzeit: 16:00–17:30 Uhr -> jetzt: 16:30–18:00 Uhr" in text
    assert "Gast: Julia Stolzenberger -> jetzt: Dr. Jana Beispiel" in text
    assert "Thema:" not in text.split("So sieht der Termin jetzt aus")[0]  # unchanged
    page = html_of(message)
    assert re.search(r"<h1[^>]*>Neue Uhrzeit: 16:30–18:00 Uhr</h1>", page)
    assert re.search(r'class="change-before"[^>]*>16:00–17:30 Uhr</td>', page)


def test_a_new_date_goes_into_the_subject(club: Mailer, smtp: RecordingHandler) -> None:
    club("tick", "--now", "2023-08-24T16:00")
    club.write_plan(
        STARTER.replace(
            "  - date: 2023-09-07\n", "  - date: 2023-09-14\n    moved_from: 2023-09-07\n", 1
        )
    )
    club("tick", "--now", "2023-08-25T09:00")
    update = smtp.messages[-1].message
    assert update["Subject"] == (
        "Neuer Termin: Digital-Impuls jetzt am Donnerstag, 14. September, 16:00 Uhr"
    )
    assert (
        "Datum: Donnerstag, 7. September 2023 -> jetzt: Donnerstag, 14. September 2023"
        in text_of(update)
    )


def test_a_silent_edit_changes_the_invitation_without_a_mail(
    club: Mailer, smtp: RecordingHandler
) -> None:
    club("tick", "--now", "2023-08-24T16:00")
    assert len(smtp.messages) == 3
    club.write_plan(
        STARTER.replace("Kommunale Wärmeplanung", "Kommunale Wärmeplanung (Teil 1)").replace(
            "  - date: 2023-09-07\n", "  - date: 2023-09-07\n    notify: false\n", 1
        )
    )
    club("tick", "--now", "2023-08-25T09:00")
    club("tick", "--now", "2023-08-26T09:00")
    assert len(smtp.messages) == 3  # no update
    # Who joins now gets the announcement with the corrected topic as SEQUENCE 1.
    club("subscribers", "add", "dora@example.org")
    club("tick", "--now", "2023-08-27T09:00")
    late = smtp.messages[-1].message
    assert "(Teil 1)" in late["Subject"]
    calendar = next(p for p in late.walk() if p.get_content_type() == "text/calendar")
    assert "SEQUENCE:1" in calendar.get_content()


def test_a_cancellation_carries_its_reason(club: Mailer, smtp: RecordingHandler) -> None:
    club("tick", "--now", "2023-08-24T16:00")
    club.write_plan(
        STARTER.replace(
            "  - date: 2023-09-07\n",
            "  - date: 2023-09-07\n    cancelled: true\n"
            "    reason: Unser Gast ist erkrankt <leider>.\n",
            1,
        )
    )
    club("tick", "--now", "2023-08-25T09:00")
    cancellation = smtp.messages[-1].message
    assert cancellation["Subject"].startswith("Abgesagt: Digital-Impuls am 7. September")
    assert "Warum: Unser Gast ist erkrankt <leider>." in text_of(cancellation)
    assert "Unser Gast ist erkrankt &lt;leider&gt;." in html_of(cancellation)


def test_the_envelope_sender_is_configurable_and_a_refusal_of_it_is_one_sentence(
    club: Mailer, smtp: RecordingHandler
) -> None:
    smtp.senders_refused["themen@example.org"] = (
        "553 5.7.1 Sender address rejected: not owned by user"
    )
    refused = club("tick", "--now", "2023-08-24T16:00", ok=False)
    assert refused.exit_code == 1
    assert "Traceback" not in refused.output
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r"[^ ]*127\.0\.0\.1:\d+ refused the envelope sender themen@example\.org \(553 5\.7\.1"
        r" Sender address rejected: not owned by user\): set sender\.envelope_from in"
        r" schedule\.yaml to an address this server lets you send from; nothing more was sent,"
        r" the next tick tries again",
        lines[0],
    ), lines[0]
    assert smtp.messages == []
    assert {row["status"] for row in club.json("subscribers", "list")} == {"active"}
    club.write_plan(
        STARTER.replace(
            "  reply_to: themen@example.org",
            "  reply_to: themen@example.org\n  envelope_from: bounces@example.org",
        )
    )
    club("tick", "--now", "2023-08-24T16:05")
    assert {m.mail_from for m in smtp.messages} == {"bounces@example.org"}
    assert len(smtp.messages) == 3
    assert {m.message["Reply-To"] for m in smtp.messages} == {"themen@example.org"}
