"""The health lines on every /admin page, and a schedule.yaml that cannot be read, through
the real `mailer serve` process: the marks a real `mailer run` and real commands leave,
stale marks written with the moments passed in, and a plan broken after the start and at
the start."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mailer import runs
from mailer.store import Store
from tests.broken_plan import BROKEN, SENTENCE
from tests.conftest import STARTER, Mailer
from tests.daemontools import run_daemon_once
from tests.webtools import Browserless, served, visible_text

ADMIN_PAGES = ("/admin/", "/admin/antworten", "/admin/mitglieder", "/admin/protokoll")
STOPPED = re.compile(
    r"Der Versand läuft nicht: der letzte Versand-Durchlauf war vor (\d+) (Stunden|Minuten)"
    r" \(\w+, \d+\. \w+ \d{4}, \d\d:\d\d Uhr\)\. Läuft mailer run\?"
)


def health_of(page: str) -> list[tuple[str, bool]]:
    """The health lines of a page: (visible text, said as an alarm)."""
    section = re.search(r'<section class="card health".*?</section>', page, re.S)
    assert section, page
    items = re.findall(r"<li( class=\"alarm\")?>(.*?)</li>", section.group(0), re.S)
    return [(visible_text(f"<p>{text}</p>", quoted=True), bool(alarm)) for alarm, text in items]


def alarms(page: str) -> list[str]:
    return [text for text, alarm in health_of(page) if alarm]


def mark(mailer: Mailer, job: str, via: str, started: datetime, finished: datetime | None,
         outcome: str = runs.OK, summary: str = "sent 0") -> None:  # fmt: skip
    """A run on record as the daemon or a command leaves it, at the moments given."""
    with Store(mailer.db) as store, store.transaction():
        runs.started(store.conn, job, via, started)
        if finished is not None:
            runs.finished(store.conn, job, via, finished, outcome, summary)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    mailer = Mailer(tmp_path_factory.mktemp("health"))
    mailer.write_plan()
    mailer.add("anna@example.org", "ben@example.org")
    with served(mailer) as base:
        person = Browserless(base)
        person.log_in()
        yield mailer, person


@pytest.fixture
def clean_runs(site):
    mailer, person = site
    with Store(mailer.db) as store, store.transaction():
        store.conn.execute("DELETE FROM runs")
    return mailer, person


def test_a_real_daemon_and_real_commands_are_seen_on_every_page(clean_runs):
    mailer, person = clean_runs
    _, page = person.get("/admin/")
    assert alarms(page) == [
        "Der Versand läuft nicht: es gab noch keinen Durchlauf. Läuft mailer run?"
    ]
    log = run_daemon_once(mailer)  # the real clock: the starter's sessions are long past
    assert "tick:" in log and "poll:" in log, log
    for path in ADMIN_PAGES:
        status, page = person.get(path)
        assert status == 200, path
        lines = [text for text, _ in health_of(page)]
        assert alarms(page) == [], (path, lines)
        assert lines[0].startswith("Versand: letzter Versand-Durchlauf gerade eben ("), lines
        assert lines[1].startswith("Antworten: letzter Abruf gerade eben ("), lines
        assert lines[2] == "Postausgang: nichts wartet."
    # A tick by hand while the daemon is running changes nothing of what is said.
    mailer("tick")
    assert alarms(person.get("/admin/")[1]) == []
    # Only behind the login: a stranger's login page says nothing of the daemon.
    status, page = Browserless(person.base).get("/admin/login")
    assert status == 200 and "Postausgang" not in page and "Versand" not in page


@pytest.mark.parametrize(
    ("marks", "expected", "alarm"),
    [
        pytest.param([], "Der Versand läuft nicht: es gab noch keinen Durchlauf.", True,
                     id="never-ran"),
        pytest.param([("tick", "daemon", 3 * 60, 3 * 60 - 1, "ok")],
                     "Der Versand läuft nicht: der letzte Versand-Durchlauf war vor 3 Stunden",
                     True, id="daemon-stopped-3-hours-ago"),
        pytest.param([("tick", "daemon", 11, 11, "ok")],
                     "Der Versand läuft nicht: der letzte Versand-Durchlauf war vor 11 Minuten",
                     True, id="daemon-stopped-11-minutes-ago"),
        pytest.param([("tick", "daemon", 2, 2, "ok")],
                     "Versand: letzter Versand-Durchlauf vor 2 Minuten", False,
                     id="daemon-ticked-2-minutes-ago"),
        pytest.param([("tick", "daemon", 3 * 60, 3 * 60, "ok"), ("tick", "command", 1, 1, "ok")],
                     "Der Versand läuft nicht: der letzte Versand-Durchlauf war vor 3 Stunden",
                     True, id="a-tick-by-hand-hides-no-stopped-daemon"),
        pytest.param([("tick", "command", 1, 1, "ok")],
                     "Versand: letzter Versand-Durchlauf vor 1 Minute", False,
                     id="cron-without-daemon"),
        pytest.param([("tick", "daemon", 40, None, None)],
                     "Der Versand läuft nicht oder hängt: der letzte Versand-Durchlauf hat vor 40"
                     " Minuten", True, id="started-40-minutes-ago-never-ended"),
        pytest.param([("tick", "daemon", 3, None, None)],
                     "Versand: ein Versand-Durchlauf läuft gerade (begonnen vor 3 Minuten", False,
                     id="running-now"),
        pytest.param([("tick", "daemon", 1, 1, "failed")],
                     "Der letzte Versand-Durchlauf ist fehlgeschlagen (vor 1 Minute", True,
                     id="failed"),
        pytest.param([("tick", "daemon", 1, 1, "error")],
                     "Der letzte Versand-Durchlauf ist mit einem unerwarteten Fehler abgebrochen",
                     True, id="crashed"),
        pytest.param([("tick", "daemon", 1, 1, "ok"), ("poll", "daemon", 25, 25, "ok")],
                     "Der Abruf der Antworten läuft nicht: der letzte Abruf war vor 25 Minuten",
                     True, id="poll-stopped"),
        pytest.param([("tick", "daemon", 1, 1, "ok"), ("poll", "daemon", 14, 14, "ok")],
                     "Antworten: letzter Abruf vor 14 Minuten", False,
                     id="poll-within-its-5-minutes-and-10"),
    ],
)  # fmt: skip
def test_stale_and_failed_marks_are_said_in_red_words(clean_runs, marks, expected, alarm):
    mailer, person = clean_runs
    moment = datetime.now(UTC)
    for job, via, started, ended, outcome in marks:
        finished = moment - timedelta(minutes=ended) if ended is not None else None
        mark(mailer, job, via, moment - timedelta(minutes=started), finished,
             outcome or runs.OK, "smtp: 127.0.0.1:1 refused the connection")  # fmt: skip
    for path in ADMIN_PAGES:
        _, page = person.get(path)
        said = [(text, red) for text, red in health_of(page) if text.startswith(expected)]
        assert said, (path, health_of(page))
        assert said[0][1] is alarm
    if expected.startswith("Der Versand läuft nicht: der letzte"):
        assert STOPPED.search(said[0][0]), said  # words, with the moment and the question
    if "fehlgeschlagen" in expected:
        assert said[0][0].endswith("smtp: 127.0.0.1:1 refused the connection")


def test_mails_waiting_and_failed_are_counted_in_words(clean_runs):
    mailer, person = clean_runs
    with Store(mailer.db) as store, store.transaction():
        for number, status in enumerate(["queued", "queued", "deferred", "failed", "sent"]):
            store.conn.execute(
                "INSERT INTO outbox (mail_key, session_key, stage, kind, sequence, subscriber_id,"
                " message_id, status, next_attempt_at, queued_at)"
                " VALUES (?, '', 'newsletter-9', 'newsletter', 0, 1, ?, ?, '', '')",
                (f"newsletter/9/{number}", f"<{number}@x>", status),
            )
    try:
        _, page = person.get("/admin/antworten")
        assert "Postausgang: 3 Mails warten, 1 Mail fehlgeschlagen." in [
            text for text, _ in health_of(page)
        ]
    finally:
        with Store(mailer.db) as store, store.transaction():
            store.conn.execute("DELETE FROM outbox")


# -- a schedule.yaml that cannot be read ---------------------------------------------------

LEAD = "Der Plan (schedule.yaml) lässt sich nicht lesen."


def plan_problem_lines(page: str) -> list[str]:
    return [text for text in alarms(page) if text.startswith(LEAD)]


def assert_cockpit_works_with_the_sentence(mailer: Mailer, person: Browserless) -> None:
    for path in ADMIN_PAGES:
        status, page = person.get(path)
        assert status == 200, (path, visible_text(page))
        (line,) = plan_problem_lines(page)
        assert line.endswith(SENTENCE), line
    # The overview shows the sentence in place of the sessions; the rest is there.
    _, page = person.get("/admin/")
    part = re.search(r'<div class="problem".*?</div>', page, re.S)
    assert part and SENTENCE in visible_text(part.group(0), quoted=True)
    assert "Offener Austausch" not in page and "Einladung:" not in page
    assert "Rundbriefe" in page and "Aktiv: 2" in page
    # What needs no plan still acts: a member added, an idea marked, the log written.
    _, page = person.get("/admin/mitglieder/neu")
    status, done = person.submit("/admin/mitglieder/neu", page, email="cem@example.org",
                                 name="Cem", org="", consent="Visitenkarte")  # fmt: skip
    assert status == 200 and "cem@example.org ist jetzt im Verteiler." in done


def test_a_plan_broken_after_the_start_leaves_the_cockpit_open(tmp_path):
    mailer = Mailer(tmp_path)
    mailer.write_plan()
    mailer.add("anna@example.org", "ben@example.org")
    with served(mailer) as base:
        person = Browserless(base)
        person.log_in()
        assert plan_problem_lines(person.get("/admin/")[1]) == []
        mailer.write_plan(BROKEN + f"\nweb:\n  base_url: {base}\n")
        assert_cockpit_works_with_the_sentence(mailer, person)
        # The members' pages answer with the last plan that could be read.
        status, front = Browserless(base).get("/")
        assert status == 200 and "Offener Austausch" in front  # the rule's sessions ahead
        assert "schedule.yaml" not in front
        for path in ("/impressum", "/datenschutz", "/archiv"):
            assert Browserless(base).get(path)[0] == 200, path
        # Fixed: the sentence is gone at once, the sessions are back.
        mailer.write_plan(STARTER + f"\nweb:\n  base_url: {base}\n")
        _, page = person.get("/admin/")
        assert plan_problem_lines(page) == [] and "Offener Austausch" in page


def test_a_plan_broken_at_the_start_opens_the_cockpit_and_closes_the_members_pages(tmp_path):
    mailer = Mailer(tmp_path)
    mailer.write_plan()
    mailer.add("anna@example.org", "ben@example.org")
    with Store(mailer.db) as store:
        anna = store.subscriber("anna@example.org")
    with served(mailer, plan=BROKEN) as base:
        assert SENTENCE in (mailer.root / "serve.log").read_text()
        person = Browserless(base)
        person.log_in()
        assert_cockpit_works_with_the_sentence(mailer, person)
        visitor = Browserless(base)
        status, front = visitor.get("/")
        assert status == 503 and "Gerade nicht verfügbar" in front
        assert "schedule.yaml" not in front and "timezon" not in front
        # Leaving needs no plan: the one-click unsubscribe of RFC 8058 still works.
        status, left = visitor.post(f"/abmelden/{anna.id}-{anna.token}",
                                    {"List-Unsubscribe": "One-Click"})  # fmt: skip
        assert status == 200, left
        with Store(mailer.db) as store:
            assert store.subscriber("anna@example.org").status == "unsubscribed"
