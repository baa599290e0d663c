"""Every word in /admin is German, and the Protokoll says who changed what.

A workplace with data of every kind, made the way mailer makes it: the real corpus of
bounces, complaints and auto-replies and members' own mails through the real poller, a
refile and an idea marked done in /admin, every kind of session mail and newsletter from
real ticks, a sign-up on the web, plan changes through `mailer session`/`series`/`plan
undo`; the states the tick leaves only now and then (deferred, superseded, expired, ...)
set on rows with the words the tick writes. Every /admin page is read as a person reads
it, and none may hold one of mailer's English words for its states (the kinds of mail and
reply, statuses, stages, outcomes, actions) nor an English sentence of its own. What came
from outside is not ours to translate: the mails' subjects, texts and senders, and the
mail servers' answers (quoted as <samp>).
"""

from __future__ import annotations

import csv
import mailbox
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer import audit, consent, rsvps, runs
from mailer.inbound import kinds
from mailer.mailkinds import KINDS, NEWSLETTER, RECAP
from mailer.outbound import newsletters, outbox
from mailer.planstore import UNDO
from mailer.store import Store
from mailer.web.admin import words as admin_words
from mailer.web.admin.words import ACTION_WORDS
from tests.conftest import CORPUS, STARTER, Mailer, needs_corpus, person_mail
from tests.test_poller import dsn_for
from tests.test_rsvp import reply_mail
from tests.webtools import (
    Clock,
    client,
    hidden_fields,
    log_in,
    sent_mails,
    sign_up,
    visible_text,
    with_web,
)

TRUTH = Path(__file__).parent / "testdata" / "corpus_truth.tsv"
START = datetime(2023, 8, 20, 8, 0, tzinfo=UTC)

# mailer's own words for its states, as its core and the command line say them.
STATE_WORDS = {
    *outbox.STATUSES, *KINDS, RECAP, NEWSLETTER, outbox.THANKS, outbox.DIGEST,
    outbox.GOODBYE, outbox.CONFIRM, *(getattr(kinds, name) for name in (
        "SUGGESTION", "BOUNCE", "AUTO_REPLY", "COMPLAINT", "UNSUBSCRIBE", "RSVP", "NOTICE",
        "UNSURE", "QUARANTINE")),
    *consent.STATUSES, newsletters.SCHEDULED, newsletters.SENDING, newsletters.SENT,
    newsletters.CANCELLED, rsvps.ACCEPTED, rsvps.DECLINED, rsvps.TENTATIVE, rsvps.CALENDAR,
    rsvps.WEB, runs.TICK, runs.POLL, runs.DAEMON, runs.COMMAND, runs.OK, runs.FAILED,
    runs.ERROR, runs.BUSY, "add", "edit", "move", "cancel", "reinstate", "remove", "series",
    UNDO, "cli", *ACTION_WORDS, "reminder-1d", "reminder-1h", "newsletter-1",
}  # fmt: skip
# The words of an English sentence, which a German one never holds.
SENTENCE_WORDS = {
    "the", "of", "by", "is", "nothing", "changed", "recorded", "not", "with", "from",
    "this", "that", "has", "been", "already", "again", "after", "asked", "own", "words",
    "list", "stays", "scored", "today", "mail's", "subscriber", "organizer", "unknown",
}  # fmt: skip
ENGLISH = re.compile(
    r"(?<![\w.@/-])(" + "|".join(sorted(map(re.escape, STATE_WORDS | SENTENCE_WORDS),
                                        key=len, reverse=True)) + r")(?![\w@/-])"
)  # fmt: skip
ADMIN_PAGES = ("/admin/", "/admin/antworten", "/admin/mitglieder", "/admin/protokoll")


def corpus_sample() -> list[tuple[str, str, list[str]]]:
    """(file, kind, addresses) of the labelled corpus: every message that is no bounce, and
    60 bounces (the replies page shows the newest 200)."""
    rows = [row for row in csv.reader(TRUTH.read_text("utf-8").splitlines(), delimiter="\t")
            if row and not row[0].startswith("#")]  # fmt: skip
    labelled = [(row[0], row[1], [a for a in (row[2:3] or [""])[0].split(",") if "@" in a])
                for row in rows]  # fmt: skip
    bounces = [item for item in labelled if item[1] == "bounce"][:60]
    return bounces + [item for item in labelled if item[1] != "bounce"]


def corpus_addresses() -> list[str]:
    found: list[str] = []
    for _, _, addresses in corpus_sample():
        found += [address for address in addresses if address not in found]
    return found


def outside_words(mailer: Mailer) -> list[str]:
    """What came from outside and is shown as it came: subjects, texts and senders of the
    mails read, and the names of members."""
    with Store(mailer.db) as store:
        rows = store.conn.execute(
            "SELECT subject, text, sender FROM inbound UNION ALL"
            " SELECT name, org, email FROM subscribers"
        ).fetchall()
    return sorted({" ".join(v.split()) for row in rows for v in row if v}, key=len, reverse=True)


@pytest.fixture(scope="module")
def workplace(tmp_path_factory):
    mailer = Mailer(tmp_path_factory.mktemp("words"))
    with_web(mailer, plan=STARTER + "suggestions:\n  thank_you: true\n  digest: daily\n"
             "  digest_to: orga@example.org\n")  # fmt: skip
    # Members, and every address the corpus's bounces name.
    listed = mailer.root / "members.csv"
    listed.write_text("email,name\n" + "".join(f"{a},\n" for a in corpus_addresses()), "utf-8")
    mailer("subscribers", "import", str(listed), ok=False)
    for address in ("anna@example.org", "ben@example.org", "cem@example.org", "dora@example.org",
                    "fritz@example.org"):  # fmt: skip
        mailer.add(address)
    clock = Clock(START)
    web = client(mailer, clock)
    sign_up(web, clock, "eva@example.org")  # pending, and a confirmation in the outbox
    mailer("tick", "--now", "2023-08-24T16:00")  # announcements, the confirmation
    # Replies of every kind through the real poller.
    inbox = mailbox.Maildir(mailer.root / "inbox", create=True)
    if CORPUS.is_dir():
        for name, _, _ in corpus_sample():
            inbox.add((CORPUS / name).read_bytes())
    inbox.add(person_mail("anna@example.org", "Thema", "Wie wäre es mit Radwegen?"))
    inbox.add(person_mail("ben@example.org", "Abmelden", "abmelden"))
    inbox.add(person_mail("cem@example.org", "Bitte", "Bitte nehmen Sie mich aus dem Verteiler."))
    inbox.add(person_mail("dora@example.org", "Abwesend", "Ich bin bis 1. September nicht im"
                          " Büro.", Auto_Submitted="auto-replied"))  # fmt: skip
    (fritz,) = [m for m in sent_mails(mailer.root) if "fritz@example.org" in str(m["To"])]
    inbox.add(dsn_for(fritz, "fritz@example.org"))  # a bounce of our own mail: bounced
    inbox.add(reply_mail("outlook", "anna@example.org", "anna@example.org", "accepted",
                         "20230825T093000Z"))  # fmt: skip
    mailer("poll", "--now", "2023-08-25T10:00")
    mailer("tick", "--now", "2023-08-25T10:05")  # thank-yous, goodbyes, the digest
    # Session mails of every kind, and newsletters in every state.
    mailer.write_plan(mailer.config.read_text("utf-8").replace(
        'name: Julia Stolzenberger', 'name: Dr. Jana Beispiel'))  # fmt: skip
    mailer("tick", "--now", "2023-08-26T10:00")  # an update
    mailer("tick", "--now", "2023-09-06T16:00")  # a reminder
    mailer("session", "recap", "2023-09-07", "-", "--by", "Anna Schmidt", "--now",
           "2023-09-08T09:00", input="Danke an alle!\n")  # fmt: skip
    mailer("tick", "--now", "2023-09-08T10:00")  # the recap
    for name, at in (("a.md", "2023-09-08T11:00"), ("b.md", "2023-12-01T10:00"),
                     ("c.md", "2023-12-02T10:00")):  # fmt: skip
        (mailer.root / name).write_text(f"---\nsubject: Rundbrief {name}\n---\nHallo!\n", "utf-8")
        mailer("newsletter", "schedule", str(mailer.root / name), "--at", at, "--now",
               "2023-09-08T10:30")  # fmt: skip
    mailer("tick", "--now", "2023-09-08T11:00")
    mailer("newsletter", "cancel", "3", "--now", "2023-09-08T12:00")
    mailer("tick", "--now", "2023-09-21T16:00")  # the announcement of 5 October
    mailer("session", "cancel", "2023-10-05", "--reason", "Krank", "--by", "Anna Schmidt",
           "--now", "2023-09-22T09:00")  # fmt: skip
    mailer("tick", "--now", "2023-09-22T10:00")  # its cancellation
    # The plan changed in every way the CLI changes it (and one undone).
    for args in (("session", "add", "2024-03-14", "--topic", "Haushalt"),
                 ("session", "edit", "2024-03-14", "--topic", "Haushalt 2025"),
                 ("session", "move", "2024-03-14", "2024-03-21"),
                 ("session", "reinstate", "2023-10-05"),
                 ("series", "edit", "--time", "16:30"),
                 ("plan", "undo"),
                 ("session", "remove", "2024-03-21")):  # fmt: skip
        mailer(*args, "--by", "Ben Beispiel")
    # The states a tick leaves now and then, with the words it writes.
    with Store(mailer.db) as store, store.transaction():
        ids = [row[0] for row in store.conn.execute("SELECT id FROM outbox ORDER BY id DESC")]
        answers = {
            outbox.DEFERRED: "451 4.7.1 Try again later",
            outbox.FAILED: "550 5.1.1 User unknown; given up after 5 tries",
            outbox.SUPERSEDED: "a later mail of the session is due",
            outbox.EXPIRED: "the session started before the mail could go out",
            outbox.SKIPPED: "subscriber is unsubscribed",
            outbox.QUEUED: "fate unknown (connection lost during DATA: timed out); will be"
            " sent again",
        }
        for row_id, (status, answer) in zip(ids, answers.items(), strict=False):
            store.conn.execute("UPDATE outbox SET status = ?, last_answer = ? WHERE id = ?",
                               (status, answer, row_id))  # fmt: skip
        for job, via, outcome in ((runs.TICK, runs.DAEMON, runs.FAILED),
                                  (runs.POLL, runs.DAEMON, runs.ERROR)):  # fmt: skip
            runs.started(store.conn, job, via, START)
            runs.finished(store.conn, job, via, START, outcome, "KeyError")
        for action in (*ACTION_WORDS, "member.something-new"):
            audit.record(store.conn, START, "Anna Schmidt", action, "anna@example.org", "Notiz")
    # In /admin, after all this: an organizer refiles a misread mail and marks an idea done.
    clock.moment = datetime(2023, 9, 23, 8, 0, tzinfo=UTC)
    log_in(web)
    page = web.get("/admin/antworten").get_data(as_text=True)
    with Store(mailer.db) as store:
        (misread,) = store.conn.execute(
            "SELECT message_id FROM inbound WHERE sender = 'ben@example.org'"
        ).fetchone()
        (idea,) = store.conn.execute(
            "SELECT id FROM inbound WHERE sender = 'anna@example.org' AND kind = 'suggestion'"
        ).fetchone()
    token = hidden_fields(page)["csrf_token"]
    refiled = web.post(
        "/admin/antworten/neu-einordnen",
        data={"csrf_token": token, "message_id": misread, "kind": "suggestion"},
    )
    again = web.post(
        "/admin/antworten/neu-einordnen",
        data={"csrf_token": token, "message_id": misread, "kind": "suggestion"},
    )
    web.post(f"/admin/antworten/{idea}/erledigt", data={"csrf_token": token})
    shown = {path: web.get(path).get_data(as_text=True) for path in ADMIN_PAGES}
    shown["refiled"] = refiled.get_data(as_text=True)
    shown["refiled again"] = again.get_data(as_text=True)
    return mailer, shown


def test_the_workplace_holds_data_of_every_kind(workplace):
    mailer, _ = workplace
    with Store(mailer.db) as store:

        def values(sql: str) -> set:
            return {row[0] for row in store.conn.execute(sql)}

        assert values("SELECT status FROM outbox") >= set(outbox.STATUSES) - {outbox.CANCELLED}
        assert values("SELECT kind FROM outbox") >= {
            *KINDS,
            RECAP,
            NEWSLETTER,
            outbox.THANKS,
            outbox.DIGEST,
            outbox.CONFIRM,
        }
        assert values("SELECT status FROM subscribers") == set(consent.STATUSES)
        assert values("SELECT action FROM plan_changes") >= {
            "add",
            "edit",
            "move",
            "cancel",
            "reinstate",
            "recap",
            "remove",
            "series",
            UNDO,
        }
        found = values("SELECT kind FROM inbound")
    expected = {kinds.SUGGESTION, kinds.UNSUBSCRIBE, kinds.AUTO_REPLY, kinds.RSVP}
    if CORPUS.is_dir():
        expected |= {kinds.BOUNCE, kinds.COMPLAINT, kinds.NOTICE}
    assert found >= expected


@pytest.mark.parametrize("page", [*ADMIN_PAGES, "refiled", "refiled again"])
def test_no_english_word_on_any_admin_page(workplace, page):
    mailer, shown = workplace
    text = visible_text(shown[page])
    for outside in outside_words(mailer):
        if len(outside) >= 5:  # (a subject "Mail" is a word of ours too)
            text = re.sub(rf"(?<!\w){re.escape(outside)}(?!\w)", " ", text)
    found = sorted({match.group(0) for match in ENGLISH.finditer(text)})
    assert found == [], [text[max(0, m.start() - 80): m.end() + 40]
                         for m in ENGLISH.finditer(text)][:8]  # fmt: skip


@needs_corpus
def test_the_corpus_replies_are_told_in_german(workplace):
    _, shown = workplace
    text = visible_text(shown["/admin/antworten"])
    for said in ("Unzustellbar-Meldung", "Spam-Meldung", "Automatische Antwort",
                 "ist jetzt unzustellbar"):  # fmt: skip
        assert said in text, said


def test_the_protokoll_lists_who_changed_what_newest_first(workplace):
    mailer, shown = workplace
    page = shown["/admin/protokoll"]
    rows = [visible_text(f"<table>{row}</table>")
            for row in re.findall(r"<tr><td>.*?</tr>", page, re.S)]  # fmt: skip
    assert "Ben Beispiel" in rows[0] and "Termin am 2024-03-21 entfernt" in rows[0]  # newest
    refile = next(row for row in rows if "Mail neu eingeordnet" in row)
    done = next(row for row in rows if "Themenvorschlag erledigt" in row)
    assert "admin" in refile and "ben@example.org" in refile and "Browser" in refile
    assert rows.index(done) < rows.index(refile)  # the later change first
    planned = [row for row in rows if "Ben Beispiel" in row]
    assert [row for row in planned if "Befehlszeile" in row] == planned
    assert any("Termin am 2024-03-14 angelegt" in row for row in planned)
    assert any(row.startswith("Sonntag, 20. August 2023, 10:00 Uhr Anna Schmidt Änderung")
               for row in rows)  # an action without words of its own is an "Änderung"  # fmt: skip
    with Store(mailer.db) as store:
        changes = store.conn.execute("SELECT count(*) FROM plan_changes").fetchone()[0]
        logged = store.conn.execute("SELECT count(*) FROM admin_log").fetchone()[0]
    assert len(rows) == changes + logged
    stamps = re.findall(r"<tr><td>([^<]*)</td>", page)
    assert len(stamps) == len(rows)


# Every sentence the inbound side writes about why (reason) and with what effect a reply was
# filed, as it writes it (mailer/inbound/classify.py, bounces.py, autoreply.py, poller.py):
# the organizer reads each in German. A new sentence without German words fails its row.
REASONS = [
    "written by a person",
    "calendar reply (accepted)",
    "a proposal of another time (iTIP COUNTER)",
    "asks for the current invitation (iTIP REFRESH)",
    "a calendar publish (iTIP): no answer",
    "a read receipt (RFC 8098)",
    "a mail system's notice",
    "machine mail (a mail system or list server)",
    "Apple Mail's one-click unsubscribe",
    "Outlook.com complaint",
    "feedback report (abuse)",
    "the unsubscribe link",
    "asked to be removed",
    "asked in own words: 'bitte aus dem Verteiler löschen'",
    "perhaps asks to leave: 'keine Einladungen mehr'",
    "the sender's name names another address (anna@example.org) than its own"
    " (x@elsewhere.example): it acts for nobody (it would have been: unsubscribe)",
    "a delivery report: delayed, relayed, no failure (RFC 3464 2.3.3)",
    "delivery status notification (RFC 3464)",
    "Amazon SES bounce",
    "Amazon SES complaint",
    "Amazon SES delivery notification",
    "a mail server's session transcript for the postmaster",
    "a mail system's warning: the mail is still being retried",
    "X-Failed-Recipients",
    "a mail system's bounce",
    "Auto-Submitted: auto-replied",
    "Precedence: auto_reply",
    "X-Autoreply",
    "an out-of-office note in a program's words",
    "says the mailbox is no longer in use",
    "Precedence: bulk + empty Return-Path + opens with an absence",
    "an out-of-office subject + empty Return-Path",
]
EFFECTS = [
    "carries no mail of ours: recorded, nobody unsubscribed",
    "unknown unsubscribe token: nothing changed",
    "not on the list: nothing changed",
    "for the organizer to decide: nothing changed",
    "the calendar part cannot be read: recorded only",
    "not one of our invitations (uid-1@example.org): recorded only",
    "names no attendee for 2023-09-07: recorded only",
    "anna@example.org is not on the list: recorded, no answer counted",
    "the answer names anna@example.org but came from x@example.org: recorded, no answer changed",
    "anna@example.org proposes 20230907T170000Z to 20230907T183000Z for 2023-09-07:"
    " for the organizer, no answer counted",
    "anna@example.org answered delegated to mailto:ben@example.org for 2023-09-07:"
    " recorded, no answer counted",
    "anna@example.org answered needs-action for 2023-09-07: recorded, no answer counted",
    "anna@example.org: a later answer for 2023-09-07 is on record; this one is kept aside",
    "anna@example.org accepted for 2023-09-07",
    "anna@example.org is unsubscribed: nothing sent",
    "anna@example.org: the current invitation for 2023-09-07 is sent again",
    "anna@example.org bounced; ben@example.org: scored today already",
    "anna@example.org unsubscribed",
]
ENGLISH_LEFT = re.compile(
    r"\b(the|a|is|of|for|to|by|but|with|nothing|recorded|answered|sent|again|mail|no|only)\b"
)


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_for_filing_a_reply_is_said_in_german(reason):
    german = admin_words.reason_words(reason)
    left = ENGLISH_LEFT.findall(
        re.sub(r"\([^)]*@[^)]*\)|iTIP \w+|RFC \d+|[\w.-]+@[\w.-]+", "", german)
    )
    assert german != reason and not left, german


@pytest.mark.parametrize("effect", EFFECTS)
def test_every_effect_of_a_reply_is_said_in_german(effect):
    german = admin_words.effect_words(effect)
    left = ENGLISH_LEFT.findall(re.sub(r"[\w.:-]+@[\w.-]+|\(uid[^)]*\)|\d{8}T\d{6}Z", "", german))
    assert german != effect and not left, german
