"""The web door's logic through Flask's test client, on a real database and the real
tick (mail goes to the workspace's Maildir): sign-up and double opt-in, one-click
unsubscribe, preferences, answers by click, the web version, the feed, /admin, safety."""

from __future__ import annotations

import json
import mailbox
import re
from datetime import UTC, datetime

import pytest

from mailer.consent import Act
from mailer.store import Store
from tests.conftest import STARTER, Mailer, person_mail
from tests.webtools import (
    BASE_URL,
    Clock,
    client,
    hidden_fields,
    link_in,
    log_in,
    sent_mails,
    sign_up,
    with_web,
)

START = datetime(2023, 8, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def door(mailer: Mailer):
    with_web(mailer)
    clock = Clock(START)
    return mailer, clock, client(mailer, clock)


def member(mailer: Mailer, address: str):
    with Store(mailer.db) as store:
        return store.subscriber(address)


def consent(mailer: Mailer, address: str) -> list[dict]:
    with Store(mailer.db) as store:
        return store.consent_log(address)


def outbox_rows(mailer: Mailer) -> list[dict]:
    return mailer.json("outbox")


def tick(mailer: Mailer, clock: Clock) -> str:
    moment = clock().astimezone(UTC).isoformat(timespec="seconds")
    return mailer("tick", "--now", moment).output


# -- sign-up and double opt-in ----------------------------------------------------------


def test_sign_up_waits_as_pending_and_the_confirmation_link_shows_a_button(door):
    mailer, clock, web = door
    answer = sign_up(web, clock, "Anna@Example.org", name="Anna <b>Schmidt</b>", org="Gemeinde")
    assert answer.status_code == 200
    assert "Fast geschafft" in answer.get_data(as_text=True)
    anna = member(mailer, "anna@example.org")
    assert anna.status == "pending" and anna.name == "Anna <b>Schmidt</b>"
    logged = consent(mailer, "anna@example.org")
    assert logged[-1]["status"] == "pending"
    assert logged[-1]["cause"].startswith(f"signed up on the web form {BASE_URL}/")
    assert logged[-1]["ip"] == "127.0.0.0/24"  # the network, not the client

    assert "sent 1" in tick(mailer, clock)
    (mail,) = sent_mails(mailer.root)
    assert mail["To"] == "Anna@example.org"  # no name the visitor typed
    raw = mail.as_string()
    assert "Schmidt" not in raw and "Gemeinde" not in raw
    assert mail["Subject"] == "Bitte bestätige deine Anmeldung zum Digital-Impuls"
    link = link_in(mail, rf"{re.escape(BASE_URL)}/bestaetigen/\S+")
    path = link.removeprefix(BASE_URL)

    page = web.get(path)  # a link scanner fetches it: nothing changes
    assert page.status_code == 200 and "Anmeldung bestätigen" in page.get_data(as_text=True)
    assert member(mailer, "anna@example.org").status == "pending"

    clock.wait(hours=2)
    done = web.post(path)
    assert done.status_code == 200 and "Willkommen" in done.get_data(as_text=True)
    anna = member(mailer, "anna@example.org")
    assert anna.status == "active"
    assert anna.consent_source.startswith("confirmed the sign-up with the link")
    assert consent(mailer, "anna@example.org")[-1]["ip"] == "127.0.0.0/24"


def test_the_answer_is_the_same_whatever_the_address_is(door):
    mailer, clock, web = door
    mailer.add("aktiv@example.org", "weg@example.org")
    mailer("subscribers", "remove", "weg@example.org")
    sign_up(web, clock, "wartet@example.org")
    pages = {}
    for address in ("neu@example.org", "aktiv@example.org", "weg@example.org",
                    "wartet@example.org"):  # fmt: skip
        answer = sign_up(web, clock, address)
        text = answer.get_data(as_text=True).replace(address, "ADDRESS")
        pages[address] = (answer.status_code, text)
    assert len(set(pages.values())) == 1
    assert member(mailer, "aktiv@example.org").status == "active"  # untouched
    assert member(mailer, "weg@example.org").status == "pending"  # waits for its own yes


def test_an_address_gets_one_confirmation_a_day(door):
    mailer, clock, web = door
    for _ in range(3):
        sign_up(web, clock, "anna@example.org")
    confirmations = [row for row in outbox_rows(mailer) if row["kind"] == "confirm"]
    assert len(confirmations) == 1
    clock.wait(days=1)
    sign_up(web, clock, "anna@example.org")
    assert len([row for row in outbox_rows(mailer) if row["kind"] == "confirm"]) == 2


@pytest.mark.parametrize(
    "trap",
    [
        {"website": "http://spam.example"},  # the honeypot filled in
        {"shown": "1692518400.forged"},  # a form time we did not sign
    ],
)
def test_bots_get_the_same_page_and_nothing_happens(door, trap):
    mailer, clock, web = door
    page = web.get("/").get_data(as_text=True)
    clock.wait(seconds=8)
    answer = web.post("/", data={**hidden_fields(page), "email": "bot@example.org", **trap})
    assert "Fast geschafft" in answer.get_data(as_text=True)
    assert member(mailer, "bot@example.org") is None
    assert outbox_rows(mailer) == []


def test_a_form_sent_too_fast_is_a_bot(door):
    mailer, clock, web = door
    page = web.get("/").get_data(as_text=True)
    clock.wait(seconds=1)
    web.post("/", data={**hidden_fields(page), "email": "fast@example.org"})
    assert member(mailer, "fast@example.org") is None


def test_a_wrong_address_is_said_next_to_the_field(door):
    mailer, clock, web = door
    answer = sign_up(web, clock, "kein-at-zeichen")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Das ist keine gültige E-Mail-Adresse." in text
    assert 'aria-invalid="true"' in text
    assert outbox_rows(mailer) == []


def test_the_confirmation_link_expires_after_three_days_and_cannot_be_forged(door):
    mailer, clock, web = door
    sign_up(web, clock, "anna@example.org")
    tick(mailer, clock)
    (mail,) = sent_mails(mailer.root)
    path = link_in(mail, rf"{re.escape(BASE_URL)}/bestaetigen/\S+").removeprefix(BASE_URL)
    number, expires, signature = path.rsplit("/", 1)[1].split(".")
    forged = f"/bestaetigen/{int(number) + 1}.{expires}.{signature}"
    assert web.post(forged).status_code == 404
    clock.wait(days=3, minutes=5)
    late = web.post(path)
    assert late.status_code == 410 and "abgelaufen" in late.get_data(as_text=True)
    assert member(mailer, "anna@example.org").status == "pending"


def test_the_sign_up_form_needs_its_csrf_token(door):
    mailer, clock, web = door
    page = web.get("/").get_data(as_text=True)
    fields = hidden_fields(page)
    del fields["csrf_token"]
    clock.wait(seconds=8)
    answer = web.post("/", data={**fields, "email": "anna@example.org"})
    assert answer.status_code == 400
    assert member(mailer, "anna@example.org") is None


def test_sign_ups_are_throttled_per_client(mailer: Mailer):
    with_web(mailer)
    clock = Clock(START)
    web = client(mailer, clock, throttle=True)
    codes = [sign_up(web, clock, f"person{n}@example.org").status_code for n in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert member(mailer, "person6@example.org") is None


# -- leaving, preferences, answers ------------------------------------------------------


def member_path(mailer: Mailer, address: str, page: str = "abmelden") -> str:
    found = member(mailer, address)
    return f"/{page}/{found.id}-{found.token}"


def test_one_click_unsubscribe_needs_no_cookie_and_answers_200(door):
    mailer, clock, web = door
    mailer.add("anna@example.org")
    path = member_path(mailer, "anna@example.org")
    assert web.get(path).status_code == 200
    assert member(mailer, "anna@example.org").status == "active"  # GET changes nothing
    fresh = client(mailer, clock)  # no cookie, no CSRF token
    answer = fresh.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "Location" not in answer.headers and "Set-Cookie" not in answer.headers
    assert member(mailer, "anna@example.org").status == "unsubscribed"
    assert consent(mailer, "anna@example.org")[-1]["cause"] == "one-click unsubscribe (RFC 8058)"


def test_a_wrong_token_unsubscribes_nobody(door):
    mailer, _clock, web = door
    mailer.add("anna@example.org")
    anna = member(mailer, "anna@example.org")
    for path in (f"/abmelden/{anna.id}-{anna.token[:-1]}x", f"/abmelden/{anna.id}-",
                 f"/abmelden/{anna.token}", "/abmelden/99-x"):  # fmt: skip
        assert web.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert member(mailer, "anna@example.org").status == "active"


def test_the_unsubscribe_page_offers_less_mail_before_none(door):
    mailer, _clock, web = door
    mailer.add("anna@example.org")
    page = web.get(member_path(mailer, "anna@example.org")).get_data(as_text=True)
    assert page.index("Nur noch die Einladungen") < page.index("Ganz abmelden")
    web.post(member_path(mailer, "anna@example.org", "einstellungen"),
             data={"action": "reminders-off"})  # fmt: skip
    anna = member(mailer, "anna@example.org")
    assert anna.status == "active" and anna.reminders == 0


def test_a_member_without_reminders_gets_the_announcement_but_no_reminder(door):
    mailer, _clock, web = door
    mailer.add("anna@example.org", "ben@example.org")
    assert "sent 2" in mailer("tick", "--now", "2023-08-24T16:05").output
    web.post(member_path(mailer, "anna@example.org", "einstellungen"),
             data={"action": "reminders-off"})  # fmt: skip
    mailer("tick", "--now", "2023-09-06T16:05")
    reminders = [row for row in outbox_rows(mailer) if row["kind"] == "reminder"]
    assert [(row["email"], row["status"]) for row in reminders] == [("ben@example.org", "sent")]
    web.post(member_path(mailer, "anna@example.org", "einstellungen"),
             data={"action": "reminders-on"})  # fmt: skip
    mailer("tick", "--now", "2023-09-07T15:05")
    last = [row["email"] for row in outbox_rows(mailer) if row["stage"] == "reminder-1h"]
    assert sorted(last) == ["anna@example.org", "ben@example.org"]


def test_answering_by_click_records_the_same_answer_as_a_calendar(door):
    mailer, _clock, web = door
    mailer.add("anna@example.org")
    anna = member(mailer, "anna@example.org")
    path = f"/zusage/{anna.id}-{anna.token}/2023-09-07/ja"
    page = web.get(path)
    assert "Ja, ich bin dabei" in page.get_data(as_text=True)
    assert mailer.json("rsvps") == []
    assert web.post(path).status_code == 200
    (answer,) = mailer.json("rsvps")
    assert (answer["email"], answer["answer"], answer["via"]) == (
        "anna@example.org", "accepted", "web",
    )  # fmt: skip
    web.post(path.replace("/ja", "/nein"))
    assert [a["answer"] for a in mailer.json("rsvps")] == ["declined"]  # the latest wins
    assert web.post(path.replace("2023-09-07", "2023-09-08")).status_code == 404


def test_answers_to_a_past_session_are_refused(door):
    mailer, clock, web = door
    mailer.add("anna@example.org")
    clock.moment = datetime(2023, 9, 8, tzinfo=UTC)
    anna = member(mailer, "anna@example.org")
    answer = web.post(f"/zusage/{anna.id}-{anna.token}/2023-09-07/ja")
    assert "vorbei" in answer.get_data(as_text=True)
    assert mailer.json("rsvps") == []


# -- what the mails carry ---------------------------------------------------------------


def test_mails_carry_the_https_unsubscribe_first_and_the_member_links(mailer: Mailer):
    with_web(mailer, "https://impuls.example.org")
    mailer.add("anna@example.org")
    mailer("tick", "--now", "2023-08-24T16:05")
    (mail,) = sent_mails(mailer.root)
    anna = member(mailer, "anna@example.org")
    ref = f"{anna.id}-{anna.token}"
    assert mail["List-Unsubscribe"] == (
        f"<https://impuls.example.org/abmelden/{ref}>,"
        f" <mailto:themen@example.org?subject=abmelden%20{anna.token}>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page = mail.get_body(("html",)).get_content()
    assert f'href="https://impuls.example.org/zusage/{ref}/2023-09-07/ja"' in page
    assert f'href="https://impuls.example.org/zusage/{ref}/2023-09-07/nein"' in page
    assert 'href="https://impuls.example.org/brief/2023-09-07/announcement"' in page
    assert f'href="https://impuls.example.org/abmelden/{ref}"' in page
    text = mail.get_body(("plain",)).get_content()
    assert f"https://impuls.example.org/zusage/{ref}/2023-09-07/ja" in text


def test_the_web_version_has_nobodys_data_and_no_join_link(door):
    mailer, _clock, web = door
    mailer.add("anna@example.org")
    assert web.get("/brief/2023-09-07/announcement").status_code == 404  # not sent yet
    mailer("tick", "--now", "2023-08-24T16:05")
    page = web.get("/brief/2023-09-07/announcement")
    text = page.get_data(as_text=True)
    anna = member(mailer, "anna@example.org")
    assert page.status_code == 200 and "Kommunale Wärmeplanung" in text
    assert "anna" not in text.lower() and anna.token not in text
    assert "zoom.us" not in text and "/zusage/" not in text
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_the_calendar_feed_lists_the_sessions_without_the_join_link(door):
    _mailer, _clock, web = door
    answer = web.get("/kalender.ics")
    assert answer.mimetype == "text/calendar"
    body = answer.get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") >= 3 and "Kommunale Wärmeplanung" in body
    assert "zoom.us" not in body and f"{BASE_URL}/" in body


def test_the_archive_shows_past_sessions(door):
    _mailer, clock, web = door
    clock.moment = datetime(2023, 11, 20, tzinfo=UTC)
    text = web.get("/archiv").get_data(as_text=True)
    assert text.index("Künstliche Intelligenz") < text.index("Kommunale Wärmeplanung")
    assert "Julia Stolzenberger" in text


# -- safety -----------------------------------------------------------------------------


def test_every_page_sends_the_security_headers(door):
    _mailer, _clock, web = door
    for path in ("/", "/archiv", "/nichts-hier", "/admin/login"):
        answer = web.get(path)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert "script" not in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_errors_are_pages_in_german_without_a_trace(door):
    _mailer, _clock, web = door
    missing = web.get("/gibt-es-nicht")
    assert missing.status_code == 404 and "Diese Seite gibt es nicht." in missing.get_data(True)
    big = web.post("/", data={"email": "x" * 70_000})
    assert big.status_code == 413 and "Traceback" not in big.get_data(as_text=True)
    assert web.put("/").status_code == 405


def test_a_plan_broken_later_leaves_the_pages_on_the_last_good_one_and_says_so_in_the_log(
    door, caplog
):
    mailer, _clock, web = door
    mailer.config.write_text(mailer.config.read_text() + "\n  oops: [\n")
    answer = web.get("/")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "Kommunale Wärmeplanung" in text and "schedule.yaml" not in text
    assert any("schedule.yaml:" in record.getMessage() for record in caplog.records)


def test_plan_text_is_escaped_on_the_pages(mailer: Mailer):
    mailer.write_plan(
        STARTER.replace("topic: Kommunale Wärmeplanung", 'topic: "<script>alert(1)</script>"')
        + f"\nweb:\n  base_url: {BASE_URL}\n"
    )
    web = client(mailer, Clock(START))
    text = web.get("/").get_data(as_text=True)
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_serve_without_base_url_says_what_to_set(mailer: Mailer):
    result = mailer("serve", ok=False)
    assert result.exit_code == 1
    assert "set web.base_url" in result.output and "Traceback" not in result.output


def test_base_url_must_be_https_except_on_this_machine(mailer: Mailer):
    mailer.write_plan(STARTER + "\nweb:\n  base_url: http://impuls.example.org\n")
    result = mailer("check", ok=False)
    assert "web.base_url must be an https:// address" in result.output


# -- the organizer's pages --------------------------------------------------------------


def test_admin_is_closed_without_a_password(mailer: Mailer):
    with_web(mailer)
    web = client(mailer, Clock(START), password=None)
    assert web.get("/admin/").status_code == 404
    assert web.get("/admin/login").status_code == 404


def test_admin_login_logout_and_the_overview(door):
    _mailer, _clock, web = door
    assert web.get("/admin/").headers["Location"].endswith("/admin/login")
    wrong = log_in(web, "falsch")
    assert wrong.status_code == 400 and "Name oder Passwort stimmen nicht." in wrong.get_data(True)
    right = log_in(web)
    assert right.status_code == 302
    cookie = right.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = web.get("/admin/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kommunale Wärmeplanung" in text
    assert "Einladung: Donnerstag, 24. August 2023, 16:00 Uhr" in text
    assert page.headers["Cache-Control"] == "no-store"
    logout = hidden_fields(text)
    web.post("/admin/logout", data=logout)
    assert web.get("/admin/").status_code == 302


def test_admin_shows_the_recap_and_the_newsletters_with_their_state(door):
    mailer, _clock, web = door
    session_line = "        role: Seniorexpertin beim Kompetenzzentrum Kommunale Wärmewende (KWW)\n"
    recap = "    recap: Danke an Julia Stolzenberger!\n"
    mailer.write_plan(
        STARTER.replace(session_line, session_line + recap, 1)
        + "\nweb:\n  base_url: http://127.0.0.1:8080\n"
    )
    mailer.add("anna@example.org", "ben@example.org")
    letters = {
        "sent.md": "---\nsubject: Sommergrüße\nsend_at: 2023-08-21T10:00\n---\nHallo!\n",
        "later.md": "---\nsubject: Tipps <b>fett</b> & mehr\nsend_at: 2023-09-20T10:00\n---\nBald.\n",
    }
    for name, text in letters.items():
        (mailer.root / name).write_text(text, "utf-8")
        mailer("newsletter", "schedule", str(mailer.root / name), "--now", "2023-08-20T10:00")
    mailer("tick", "--now", "2023-08-21T10:00")
    log_in(web)
    text = web.get("/admin/").get_data(as_text=True)
    assert "Rückblick: Donnerstag, 7. September 2023, 19:30 Uhr" in text
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", text)
    assert (
        "Tipps &lt;b&gt;fett&lt;/b&gt; &amp; mehr",
        "Mittwoch, 20. September 2023, 10:00 Uhr",
        "geplant",
        "",
    ) in rows
    assert (
        '<a href="/rundbrief/1">Sommergrüße</a>',
        "Montag, 21. August 2023, 10:00 Uhr",
        "verschickt",
        "2 von 2 verschickt",
    ) in rows
    assert web.get("/rundbrief/1").status_code == 200
    assert "<p>verschickt: 2</p>" in text  # the outbox in the organizer's words


def test_the_admin_cookie_is_secure_behind_https(mailer: Mailer):
    with_web(mailer, "https://impuls.example.org")
    web = client(mailer, Clock(START))
    answer = log_in(web)
    assert "Secure" in answer.headers["Set-Cookie"]


def test_admin_login_is_throttled(mailer: Mailer):
    with_web(mailer)
    web = client(mailer, Clock(START), throttle=True)
    codes = [log_in(web, "falsch").status_code for _ in range(6)]
    assert codes == [400] * 5 + [429]
    assert log_in(web).status_code == 429  # even the right one waits


def test_admin_forms_need_their_csrf_token(door):
    mailer, _clock, web = door
    log_in(web)
    answer = web.post("/admin/mitglieder/neu", data={"email": "x@example.org", "consent": "Mail"})
    assert answer.status_code == 400
    assert member(mailer, "x@example.org") is None


def test_admin_adds_a_member_with_the_consent_note(door):
    mailer, _clock, web = door
    log_in(web)
    page = web.get("/admin/mitglieder/neu").get_data(as_text=True)
    fields = hidden_fields(page)
    answer = web.post("/admin/mitglieder/neu", data={**fields, "email": "neu@example.org",
                                                      "name": "Neu", "consent": "Visitenkarte"},
                      follow_redirects=True)  # fmt: skip
    assert "neu@example.org ist jetzt im Verteiler." in answer.get_data(as_text=True)
    assert member(mailer, "neu@example.org").consent_source == (
        "added by the organizer on the web: Visitenkarte"
    )
    with Store(mailer.db) as store:
        store.change("neu@example.org", Act.UNSUBSCRIBE, "test", START)
    again = web.post("/admin/mitglieder/neu", data={**fields, "email": "neu@example.org",
                                                     "consent": "Visitenkarte"})  # fmt: skip
    assert (
        "neu@example.org: abgemeldet am Sonntag, 20. August 2023. Nur mit neuer Zustimmung wieder"
        " aufnehmen" in again.get_data(as_text=True)
    )
    assert member(mailer, "neu@example.org").status == "unsubscribed"


def test_admin_sees_pending_sign_ups_escaped(door):
    _mailer, clock, web = door
    sign_up(web, clock, "eve@example.org", name="<img src=x onerror=alert(1)>")
    log_in(web)
    text = web.get("/admin/mitglieder").get_data(as_text=True)
    assert "eve@example.org" in text
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_admin_refiles_a_misread_reply_and_marks_ideas_done(door):
    mailer, _clock, web = door
    mailer.add("anna@example.org")
    inbox = mailbox.Maildir(mailer.root / "inbox", create=True)
    inbox.add(person_mail("anna@example.org", "Abmelden", "abmelden"))
    inbox.add(person_mail("anna@example.org", "Thema", "Wie wäre es mit Radwegen?"))
    mailer("poll")
    assert member(mailer, "anna@example.org").status == "unsubscribed"
    log_in(web)
    page = web.get("/admin/antworten").get_data(as_text=True)
    assert "Wie wäre es mit Radwegen?" in page and "Abmelden" in page
    with Store(mailer.db) as store:
        misread, idea = store.conn.execute(
            "SELECT id, message_id FROM inbound ORDER BY subject"
        ).fetchall()
    token = hidden_fields(page)["csrf_token"]
    answer = web.post("/admin/antworten/neu-einordnen",
                      data={"csrf_token": token, "message_id": misread[1], "kind": "suggestion"})  # fmt: skip
    said = answer.get_data(as_text=True)
    assert "Eingeordnet als „Themenvorschlag“ (vorher: „Abmeldung“)." in said
    assert "anna@example.org wieder aktiv." in said
    assert member(mailer, "anna@example.org").status == "active"  # the effect is undone

    web.post(f"/admin/antworten/{idea[0]}/erledigt", data={"csrf_token": token})
    with Store(mailer.db) as store:
        done = store.conn.execute("SELECT done_at FROM inbound WHERE id = ?", (idea[0],))
        assert done.fetchone()[0] is not None
    assert "Wieder offen" in web.get("/admin/antworten").get_data(as_text=True)


def test_the_consent_log_keeps_the_shortened_address_only(door):
    mailer, clock, web = door
    page = web.get("/").get_data(as_text=True)
    clock.wait(seconds=8)
    web.post("/", data={**hidden_fields(page), "email": "anna@example.org"},
             environ_base={"REMOTE_ADDR": "2001:db8:1234:5678::99"})  # fmt: skip
    (entry,) = consent(mailer, "anna@example.org")
    assert entry["ip"] == "2001:db8:1234::/48"
    assert "5678" not in json.dumps(entry)
