"""Calendar replies as Outlook, Gmail and Apple Calendar send them: counted, never ideas.

The messages are built the way those clients write an iTIP REPLY (RFC 5546 3.2.3) into
mail (iMIP, RFC 6047 2.4): Outlook puts `text/calendar; method=REPLY` into the
multipart/alternative beside its "Zugesagt" text; Gmail does the same and attaches the
calendar again as `invite.ics`; Apple Mail sends it as an `.ics` attachment; replies from
outlook.com carry no ORGANIZER.
"""

from __future__ import annotations

import email
import json
import mailbox
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from mailer.inbound.classify import classify_bytes
from mailer.store import Store
from tests.conftest import STARTER, Mailer
from tests.imapserver import Dovecot
from tests.testdata.itip import CLIENTS, Calendar
from tests.testdata.itip import table as itip_table
from tests.testdata.own_words import LONG_WITH_A_REQUEST
from tests.webtools import PASSWORD, Clock, client, hidden_fields

UID = "2023-09-07@digital-impuls.example.org"
PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE"}
SUBJECT = {"accepted": "Zugesagt", "declined": "Abgelehnt", "tentative": "Mit Vorbehalt"}


def ical_reply(attendee: str, answer: str, stamp: str, *, organizer: bool = True,
               sequence: int = 0, uid: str = UID) -> str:  # fmt: skip
    lines = [
        "BEGIN:VCALENDAR", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
        "METHOD:REPLY", "BEGIN:VEVENT",
        f"ATTENDEE;PARTSTAT={PARTSTAT[answer]};CN=Anna Schmidt:mailto:{attendee}",
        *(["ORGANIZER;CN=Digital-Impuls:mailto:themen@example.org"] if organizer else []),
        f"UID:{uid}", f"SEQUENCE:{sequence}", f"DTSTAMP:{stamp}",
        "DTSTART;TZID=Europe/Berlin:20230907T160000",
        f"SUMMARY:{SUBJECT[answer]}: Digital-Impuls: Kommunale Wärmeplanung",
        "END:VEVENT", "END:VCALENDAR", "",
    ]  # fmt: skip
    return "\r\n".join(lines)


def reply_mail(
    client: str, sender: str, attendee: str, answer: str, stamp: str, **options
) -> bytes:
    calendar = ical_reply(attendee, answer, stamp, organizer=client != "outlook.com", **options)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "themen@example.org"
    prefix = {"gmail": "Accepted" if answer == "accepted" else "Declined"}.get(client)
    message["Subject"] = f"{prefix or SUBJECT[answer]}: Digital-Impuls: Kommunale Wärmeplanung"
    message["Date"] = format_datetime(datetime(2023, 8, 25, 9, 30, tzinfo=UTC))
    message["Message-ID"] = f"<{client}-{answer}-{stamp}-{sender.split('@')[0]}@mail.example.net>"
    message.set_content(f"{SUBJECT[answer]}: Digital-Impuls\n\nIch freue mich!")
    if client in ("outlook", "outlook.com", "gmail"):
        message.add_alternative(calendar, subtype="calendar", params={"method": "REPLY"})
    if client == "gmail":
        message.add_attachment(calendar.encode(), maintype="application", subtype="ics",
                               filename="invite.ics")  # fmt: skip
    if client == "apple":
        message.add_attachment(calendar, subtype="calendar", filename="iCal-20230825-093000.ics",
                               params={"method": "REPLY"})  # fmt: skip
    return message.as_bytes()


@pytest.fixture
def members(mailer: Mailer) -> Mailer:
    mailer.write_plan(STARTER + "suggestions:\n  thank_you: true\n")
    for address in ("anna@example.org", "ben@example.org", "cem@example.org"):
        mailer.add(address)
    mailer("tick", "--now", "2023-08-24T16:00")
    return mailer


def deliver(app: Mailer, *messages: bytes) -> str:
    inbox = mailbox.Maildir(app.root / "inbox", create=True)
    for raw in messages:
        inbox.add(raw)
    return app("poll", "--now", "2023-08-25T10:00").stdout


@pytest.mark.parametrize("client", ["outlook", "outlook.com", "gmail", "apple"])
def test_a_click_on_accept_is_counted_filed_and_never_an_idea(members: Mailer, client: str) -> None:
    output = deliver(members, reply_mail(client, "anna@example.org", "anna@example.org",
                                         "accepted", "20230825T093000Z"))  # fmt: skip
    assert "rsvp 1" in output and "anna@example.org accepted for 2023-09-07" in output
    (answer,) = members.json("rsvps")
    assert answer == {
        "session": "2023-09-07", "email": "anna@example.org", "name": "Anna",
        "answer": "accepted", "at": "2023-08-25T09:30:00+00:00", "via": "calendar",
    }  # fmt: skip
    assert members.json("suggestions") == []
    box = mailbox.Maildir(members.root / "inbox", create=False)
    assert len(box.get_folder("Zusagen")) == 1
    members("tick", "--now", "2023-08-25T10:05")  # thank-yous are on: none for a click
    assert [r for r in members.json("outbox") if r["kind"] == "thanks"] == []


def test_a_change_of_mind_counts_and_an_older_answer_arriving_late_does_not(
    members: Mailer,
) -> None:
    deliver(members, reply_mail("outlook", "anna@example.org", "anna@example.org",
                                "accepted", "20230825T093000Z"))  # fmt: skip
    deliver(members, reply_mail("outlook", "anna@example.org", "anna@example.org",
                                "declined", "20230901T080000Z"))  # fmt: skip
    output = deliver(members, reply_mail("gmail", "anna@example.org", "anna@example.org",
                                         "tentative", "20230826T080000Z"))  # fmt: skip
    assert "a later answer for 2023-09-07 is on record" in output
    assert [a["answer"] for a in members.json("rsvps", "2023-09-07")] == ["declined"]


def test_a_strangers_and_a_forged_answer_change_nothing(members: Mailer) -> None:
    output = deliver(
        members,
        reply_mail("outlook", "zoe@elsewhere.example", "zoe@elsewhere.example",
                   "accepted", "20230825T093000Z"),
        reply_mail("outlook", "ben@example.org", "anna@example.org",
                   "declined", "20230825T093100Z"),
        reply_mail("apple", "cem@example.org", "cem@example.org", "accepted",
                   "20230825T093200Z", uid="2023-09-07@another-list.example"),
    )  # fmt: skip
    assert "zoe@elsewhere.example is not on the list" in output
    assert "the answer names anna@example.org but came from ben@example.org" in output
    assert "not one of our invitations" in output
    assert members.json("rsvps") == []
    assert members.json("suggestions") == []


def test_the_plan_shows_the_answers_per_session(members: Mailer) -> None:
    deliver(
        members,
        reply_mail("outlook", "anna@example.org", "anna@example.org", "accepted",
                   "20230825T093000Z"),
        reply_mail("gmail", "ben@example.org", "ben@example.org", "declined", "20230825T093000Z"),
    )  # fmt: skip
    (first, *_) = members.json("plan", "--now", "2023-08-25T10:00")
    assert first["date"] == "2023-09-07"
    assert first["rsvps"] == {"accepted": 1, "declined": 1, "tentative": 0, "open": 1}
    members.env["COLUMNS"] = "200"
    assert "1 zugesagt, 1 abgesagt" in members("plan", "--now", "2023-08-25T10:00").stdout


def test_a_calendar_reply_through_dovecot_is_filed_under_zusagen(members: Mailer) -> None:
    server = Dovecot().start()
    try:
        user = server.add_user()
        client = server.client(user)
        client.append("INBOX", reply_mail("outlook", "anna@example.org", "anna@example.org",
                                          "accepted", "20230825T093000Z"))  # fmt: skip
        members.env.update(
            MAILER_IMAP_URL=f"imap://{user}@127.0.0.1:{server.port}/INBOX",
            MAILER_IMAP_PASSWORD="secret",
        )
        assert "rsvp 1" in members("poll").stdout
        folders = {name for _, _, name in client.list_folders()}
        assert "Zusagen" in folders
        client.select_folder("Zusagen")
        assert len(client.search()) == 1
        client.logout()
    finally:
        server.stop()
    assert [a["answer"] for a in members.json("rsvps")] == ["accepted"]


def test_a_member_who_asks_in_own_words_leaves_gets_one_confirmation_and_nothing_else(
    members: Mailer,
) -> None:
    from tests.conftest import person_mail

    ask = person_mail("anna@example.org", "Re: Digital-Impuls",
                      "Bitte nehmen Sie mich aus dem Verteiler.\n\nViele Grüße\nAnna")  # fmt: skip
    output = deliver(members, ask.as_bytes())
    assert "unsubscribe 1" in output and "anna@example.org unsubscribed" in output
    people = {p["email"]: p["status"] for p in members.json("subscribers", "list")}
    assert people["anna@example.org"] == "unsubscribed"
    from mailer.store import Store

    with Store(members.db) as store:
        assert store.consent_log("anna@example.org")[-1]["cause"] == "asked by mail"
    for moment in ("2023-08-25T10:05", "2023-09-06T16:00", "2023-09-07T15:00"):
        members("tick", "--now", moment)
    to_anna = [r for r in members.json("outbox") if r["email"] == "anna@example.org"]
    sent = [(r["kind"], r["status"]) for r in to_anna if r["status"] == "sent"]
    assert sent == [("goodbye", "sent"), ("announcement", "sent")]  # newest first
    box = mailbox.Maildir(members.root / "outbox", create=False)
    mails = [
        email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()
    ]
    (goodbye,) = [m for m in mails if "abgemeldet" in str(m["Subject"])]
    assert str(goodbye["In-Reply-To"]) == str(ask["Message-ID"])
    assert str(goodbye["Auto-Submitted"]) == "auto-replied"
    assert "keine Einladungen mehr" in " ".join(goodbye.get_body(("plain",)).get_content().split())
    # The last mail offers no way to leave again: the member has left.
    for part in ("plain", "html"):
        assert "Vom Verteiler abmelden" not in goodbye.get_body((part,)).get_content()
        assert "abgemeldet hast" in " ".join(goodbye.get_body((part,)).get_content().split())


def test_a_mail_that_perhaps_asks_to_leave_is_shown_to_the_organizer_and_changes_nothing(
    members: Mailer,
) -> None:
    from tests.conftest import person_mail

    text = LONG_WITH_A_REQUEST
    output = deliver(members, person_mail("ben@example.org", "Re: Digital-Impuls", text).as_bytes())
    assert "unsure 1" in output and "for the organizer to decide" in output
    (item,) = members.json("suggestions")
    assert item["kind"] == "unsure" and item["from"] == "ben@example.org"
    assert "zu prüfen" in members("suggestions").stdout
    assert {p["status"] for p in members.json("subscribers", "list")} == {"active"}
    members("tick", "--now", "2023-08-25T10:05")
    assert [r for r in members.json("outbox") if r["kind"] == "thanks"] == []


def test_refile_both_ways_moves_the_message_and_undoes_what_the_old_kind_did(
    members: Mailer,
) -> None:
    from mailer.store import Store
    from tests.conftest import person_mail

    idea = person_mail("anna@example.org", "Re: Digital-Impuls", "Ich möchte mich abmelden.")
    deliver(members, idea.as_bytes())  # read (rightly) as a request to leave
    assert {p["email"]: p["status"] for p in members.json("subscribers", "list")}[
        "anna@example.org"
    ] == "unsubscribed"
    box = mailbox.Maildir(members.root / "inbox", create=False)
    message_id = str(idea["Message-ID"])
    # The organizer knows better: it was a topic idea about leaving the Digitalpakt.
    back = members("inbox", "refile", message_id, "suggestion").stdout
    assert "unsubscribe -> suggestion" in back and "anna@example.org active again" in back
    assert "moved to Themenvorschläge" in back
    assert len(box.get_folder("Abmeldungen")) == 0 and len(box.get_folder("Themenvorschläge")) == 1
    with Store(members.db) as store:
        log = store.consent_log("anna@example.org")
    assert [(e["status"], e["cause"]) for e in log[-2:]] == [
        ("unsubscribed", "asked by mail"), ("active", f"refiled by the organizer: {message_id}"),
    ]  # fmt: skip
    assert [s["kind"] for s in members.json("suggestions")] == ["suggestion"]
    # And the other way round.
    again = members("inbox", "refile", message_id, "unsubscribe").stdout
    assert "anna@example.org unsubscribed" in again
    assert len(box.get_folder("Abmeldungen")) == 1
    people = {p["email"]: p["status"] for p in members.json("subscribers", "list")}
    assert people["anna@example.org"] == "unsubscribed"
    unknown = members("inbox", "refile", "<nobody@x>", "notice", ok=False)
    assert unknown.exit_code == 1 and "no received message has the Message-ID" in unknown.stderr


def test_refile_through_dovecot_moves_the_message_between_folders(members: Mailer) -> None:
    from tests.conftest import person_mail

    server = Dovecot().start()
    try:
        user = server.add_user()
        client = server.client(user)
        idea = person_mail("ben@example.org", "Idee", "Thema: Wärmenetze in kleinen Gemeinden.")
        client.append("INBOX", idea.as_bytes())
        members.env.update(
            MAILER_IMAP_URL=f"imap://{user}@127.0.0.1:{server.port}/INBOX",
            MAILER_IMAP_PASSWORD="secret",
        )
        assert "suggestion 1" in members("poll").stdout
        out = members("inbox", "refile", str(idea["Message-ID"]), "auto_reply").stdout
        assert "suggestion -> auto_reply" in out and "moved to Automatische Antworten" in out
        counts = {
            name: client.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
            for _, _, name in client.list_folders()
        }
        assert counts["Themenvorschläge"] == 0 and counts["Automatische Antworten"] == 1
        client.logout()
    finally:
        server.stop()
    assert members.json("suggestions") == []


# -- issue 22 #3: every calendar method, each PARTSTAT, as Outlook, Google, Apple send them

CALENDAR_MESSAGES = itip_table()


@pytest.mark.parametrize(
    ("raw", "kind"),
    [(raw, kind) for _, raw, kind in CALENDAR_MESSAGES],
    ids=[name for name, _, _ in CALENDAR_MESSAGES],
)
def test_each_calendar_method_is_its_kind(raw: bytes, kind: str) -> None:
    verdict = classify_bytes(raw)
    assert verdict.kind == kind, verdict.reason


def test_inbox_classify_and_poll_agree_on_every_calendar_message(members: Mailer) -> None:
    files = []
    for name, raw, _ in CALENDAR_MESSAGES:
        path = members.root / f"{name}.eml"
        path.write_bytes(raw)
        files.append(path)
    lines = members("inbox", "classify", *map(str, files)).stdout.splitlines()
    said = {Path(json.loads(line)["file"]).stem: json.loads(line)["kind"] for line in lines}
    assert said == {name: kind for name, _, kind in CALENDAR_MESSAGES}
    deliver(members, *(raw for _, raw, _ in CALENDAR_MESSAGES))
    with Store(members.db) as store:
        filed = dict(store.conn.execute("SELECT message_id, kind FROM inbound"))
    for name, raw, _ in CALENDAR_MESSAGES:
        message_id = email.message_from_bytes(raw)["Message-ID"]
        assert filed[message_id] == said[name], name
    # None of them is a topic idea, and none is thanked.
    assert members.json("suggestions") == []
    members("tick", "--now", "2023-08-25T10:05")
    assert [r for r in members.json("outbox") if r["kind"] == "thanks"] == []


@pytest.mark.parametrize("client", ["outlook", "google", "apple"])
def test_a_delegated_or_undecided_answer_is_an_answer_that_counts_nothing(
    members: Mailer, client: str
) -> None:
    build = CLIENTS[client]
    output = deliver(
        members,
        build(Calendar("REPLY", "ACCEPTED", stamp="20230825T080000Z")),
        build(Calendar("REPLY", "DELEGATED", delegate="bernd.vertreter@example.org")),
        build(Calendar("REPLY", "NEEDS-ACTION", stamp="20230825T100000Z")),
        build(Calendar("REPLY", "DELEGATED", sender="Bernd <bernd.vertreter@example.org>",
                       delegate="bernd.vertreter@example.org", delegate_partstat="ACCEPTED",
                       message_id=f"<from-the-delegate-{client}@example.org>")),
    )  # fmt: skip
    assert "rsvp 4" in output
    assert "anna@example.org answered delegated to bernd.vertreter@example.org" in output
    assert "anna@example.org answered needs-action for 2023-09-07" in output
    assert "bernd.vertreter@example.org is not on the list" in output
    # Anna's click on "accept" still counts: neither later message took it back.
    assert [a["answer"] for a in members.json("rsvps")] == ["accepted"]
    assert members.json("suggestions") == []
    box = mailbox.Maildir(members.root / "inbox", create=False)
    assert len(box.get_folder("Zusagen")) == 4


def test_a_proposal_of_another_time_reaches_the_organizer_and_is_no_answer(
    members: Mailer,
) -> None:
    members.write_plan(STARTER + "suggestions:\n  thank_you: true\n  digest: weekly\n"
                       "  digest_to: orga@example.org\nweb:\n  base_url: http://127.0.0.1:8080\n")  # fmt: skip
    output = deliver(
        members,
        CLIENTS["outlook"](Calendar("COUNTER", "TENTATIVE", start="20230907T170000",
                                    end="20230907T183000", comment="Um 17 Uhr passt es mir besser.")),
        CLIENTS["google"](Calendar("COUNTER", "DECLINED", attendee="ben@example.org",
                                   sender="Ben <ben@example.org>", start="20230908T100000",
                                   end="20230908T113000", comment="Freitagvormittag?")),
    )  # fmt: skip
    assert "counter 2" in output and "for the organizer, no answer counted" in output
    assert members.json("rsvps") == [] and members.json("suggestions") == []
    box = mailbox.Maildir(members.root / "inbox", create=False)
    assert len(box.get_folder("Terminvorschläge")) == 2
    found = members.json("report", "--since", "2023-08-20T00:00", "--until", "2023-08-26T00:00")
    proposals = {p["sender"]: p for p in found["proposals"]}
    assert proposals["anna@example.org"]["session"] == "2023-09-07"
    assert proposals["anna@example.org"]["proposed_start"] == "2023-09-07T15:00:00+00:00"
    assert proposals["anna@example.org"]["proposed"] == (
        "Donnerstag, 7. September 2023, 17:00 Uhr bis 18:30 Uhr"
    )
    assert proposals["anna@example.org"]["comment"] == "Um 17 Uhr passt es mir besser."
    assert proposals["ben@example.org"]["comment"] == "Freitagvormittag?"  # X-RESPONSE-COMMENT
    assert found["ideas"] == []
    web = client(members, Clock(datetime(2026, 1, 5, 9, tzinfo=UTC)))  # months later, too
    login = web.get("/admin/login").get_data(as_text=True)
    web.post("/admin/login", data={**hidden_fields(login), "name": "admin", "password": PASSWORD})
    page = web.get("/admin/antworten").get_data(as_text=True)
    shown = page[page.index("Terminvorschläge aus Kalendern") :]
    assert "Vorgeschlagen: Donnerstag, 7. September 2023, 17:00 Uhr bis 18:30 Uhr" in shown
    assert "Um 17 Uhr passt es mir besser." in shown and "Freitagvormittag?" in shown
    assert "zum Termin am Donnerstag, 7. September 2023" in shown
    members.env["COLUMNS"] = "250"
    text = members("report", "--since", "2023-08-20T00:00", "--until", "2023-08-26T00:00").stdout
    assert "2 other times proposed" in text and "Freitag, 8. September 2023, 10:00 Uhr" in text
    # Never thanked, and the weekly report carries them.
    members("tick", "--now", "2023-08-28T08:00")
    rows = members.json("outbox")
    assert [r for r in rows if r["kind"] == "thanks"] == []
    (digest,) = [r for r in rows if r["kind"] == "digest"]
    assert digest["status"] == "sent"
    outbox = mailbox.Maildir(members.root / "outbox", create=False)
    mails = [email.message_from_bytes(outbox.get_bytes(k), policy=policy.default)
             for k in outbox.iterkeys()]  # fmt: skip
    (report,) = [m for m in mails if "Bericht" in str(m["Subject"])]
    assert "2 Terminvorschläge" in str(report["Subject"])
    body = report.get_body(("plain",)).get_content()
    assert "Vorgeschlagen: Donnerstag, 7. September 2023, 17:00 Uhr bis 18:30 Uhr" in body


def refresh(message_id: str, **options) -> bytes:
    return CLIENTS["outlook"](Calendar("REFRESH", message_id=message_id, **options))


def test_a_refresh_sends_the_current_invitation_once_per_request(members: Mailer) -> None:
    output = deliver(members, refresh("<refresh-1@example.org>"))
    assert "refresh 1" in output and "the current invitation for 2023-09-07 is sent again" in output
    again = deliver(members, refresh("<refresh-1@example.org>"))  # the same message, again
    assert "filed again 1" in again
    deliver(members, refresh("<refresh-2@example.org>", sender="Zoe <zoe@elsewhere.example>",
                             attendee="zoe@elsewhere.example"))  # fmt: skip
    rows = [r for r in members.json("outbox") if r["stage"] == "refresh"]
    assert [(r["email"], r["kind"], r["status"]) for r in rows] == [
        ("anna@example.org", "announcement", "queued")
    ]
    members("tick", "--now", "2023-08-25T10:05")
    members("tick", "--now", "2023-08-25T10:06")
    box = mailbox.Maildir(members.root / "outbox", create=False)
    sent = [
        email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()
    ]
    to_anna = [m for m in sent if "anna@example.org" in str(m["To"])]
    assert len(to_anna) == 2  # the announcement, and the invitation again
    (invitation,) = [m for m in to_anna if ".refresh." in str(m["Message-ID"])]
    calendar = next(p for p in invitation.walk() if p.get_content_type() == "text/calendar")
    ics = calendar.get_content()
    assert "METHOD:REQUEST" in ics and "UID:2023-09-07@digital-impuls.example.org" in ics
    # A second REFRESH from her is a second request: a second invitation.
    deliver(members, refresh("<refresh-3@example.org>"))
    assert len([r for r in members.json("outbox") if r["stage"] == "refresh"]) == 2
