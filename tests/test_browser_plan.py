"""The plan changed in a real browser: Playwright driving Debian's chromium against the
real `mailer serve` process, each task clicked and typed as an organizer does it, at a
desktop's and a phone's width. After each task schedule.yaml holds exactly the core's
edit of the file before (its comments kept), and `mailer plan` and the real tick do
what the page said. Screenshots land in MAILER_SCREENSHOTS (default: the test's temp
dir) to be looked at."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from mailer.planedit import (
    AddSession,
    CancelSession,
    EditSeries,
    EditSession,
    Guest,
    MoveSession,
    ReinstateSession,
    RemoveSession,
    WriteRecap,
    apply_edit,
)
from mailer.planstore import read_plan_text
from mailer.store import Store
from tests.conftest import Mailer
from tests.test_browser import CHROMIUM, browser  # noqa: F401  (the shared chromium)
from tests.webtools import PASSWORD, sent_mails, served

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is missing (.ci/run installs it)"
)
MEMBERS = ("anna@example.org", "ben@example.org", "cem@example.org")


def plan_around(today: date) -> tuple[str, dict[str, date]]:
    """A plan full of comments, its sessions on Thursdays around today (the server runs
    on the real clock): the last one before today (its recap still due), the first one
    after tomorrow (announced), and two later ones."""
    tomorrow = today + timedelta(days=1)
    soon = tomorrow + timedelta(days=(3 - tomorrow.weekday()) % 7 or 7)
    days = {
        "past": today - timedelta(days=(today.weekday() - 3) % 7 or 7),
        "soon": soon,
        "later": soon + timedelta(days=28),
        "far": soon + timedelta(days=56),
    }
    assert {day.weekday() for day in days.values()} == {3}
    text = f"""\
# Der Plan des Digital-Impuls.
# Bitte nach jeder Änderung `mailer check` laufen lassen.

series:   # the series
  name: 'Digital-Impuls'              # single-quoted on purpose
  timezone: Europe/Berlin
  time: "16:00"                       # every session, unless it says otherwise
  duration: 90m
  join_url: https://zoom.us/j/123     # the standing link
  description: >-
    Jeden ersten Donnerstag im Monat treffen sich junge
    Amtskolleg*innen aus ganz Deutschland.

sender:
  from: "Digital-Impuls <impuls@example.org>"
  reply_to: themen@example.org        # the poller reads this one
  imprint: |-
    Digital-Impuls – Netzwerk junger Bürgermeister*innen
    Musterstraße 1, 10115 Berlin

emails:
  announcement: 14d     # two weeks ahead
  reminders: [1d, 1h]   # flow list
  recap: 2h

# --- the sessions ---------------------------------------------------------
sessions:
  # the last one
  - date: {days["past"]}
    topic: Kommunale Wärmeplanung   # confirmed by phone
    guests:
      - name: Julia Stolzenberger
        role: "Seniorexpertin (KWW)"

  # the next one
  - date: {days["soon"]}
    topic: "Kommunalfinanzen: für die Würde unserer Städte"
    guests:
      - Vertreter*innen des Aktionsbündnisses

  - date: {days["later"]}   # KI
    topic: KI in der Kommune
    join_url: https://zoom.us/j/456    # a link of its own

  - date: {days["far"]}
    topic: Hochwasserschutz
"""
    return text, days


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MAILER_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Plan:
    """schedule.yaml as the tasks change it: each task's file must be the core's edit of
    the file before it, and keep every comment."""

    def __init__(self, mailer: Mailer):
        self.mailer = mailer
        self.text = mailer.config.read_text("utf-8")

    def changed_by(self, edit) -> None:
        with Store(self.mailer.db) as store:  # what members were told of, as planstore reads it
            known = frozenset(key for key, _ in store.session_history())
        expected = apply_edit(self.text, edit, known=known).text
        now = self.mailer.config.read_text("utf-8")
        assert now == expected
        comments = [line for line in self.text.splitlines() if line.lstrip().startswith("#")]
        assert [line for line in now.splitlines() if line.lstrip().startswith("#")] == comments
        self.text = now

    def unchanged(self) -> None:
        assert self.mailer.config.read_text("utf-8") == self.text


@pytest.fixture
def site(mailer: Mailer):
    text, days = plan_around(date.today())
    with served(mailer, plan=text) as base:
        mailer.add(*MEMBERS)
        assert "sent 3" in mailer("tick").stdout  # the next session's announcement
        yield mailer, base, days


def log_in(page, base: str) -> None:
    page.goto(base + "/admin/plan")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Die nächsten Termine").wait_for()
    page.get_by_role("navigation").get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("heading", name="Plan", exact=True).wait_for()


def open_session(page, base: str, day: date, action: str) -> None:
    page.goto(f"{base}/admin/plan/termin/{day}")
    page.get_by_role("link", name=action).click()


def check_and_save(page, shots: Path, name: str, *, sends: str, readme: str = "") -> str:
    """Presses "Prüfen", looks at what it says it sends, presses "Speichern"; the flash.
    With `readme`, the preview's card is also kept as the README's picture of that name."""
    page.get_by_role("button", name="Prüfen").click()
    page.get_by_role("heading", name="Was verschickt wird").wait_for()
    assert sends in page.locator("main").inner_text()
    page.screenshot(path=shots / f"{name}-pruefen.png", full_page=True)
    if readme:
        page.locator("main .card").first.screenshot(path=shots / readme)
    page.get_by_role("button", name="Speichern").click()
    flash = page.get_by_role("status")
    flash.wait_for()
    return flash.inner_text()


def new_mails(mailer: Mailer, before: set[str]) -> list:
    """The mails the tick wrote that were not there `before` (their Message-IDs)."""
    return [m for m in sent_mails(mailer.root) if m["Message-ID"] not in before]


def notice(mailer: Mailer, day: date) -> dict | None:
    entries = mailer.json("plan")
    return next(e["notice"] for e in entries if e["date"] == day.isoformat())  # type: ignore[union-attr]


def test_an_organizer_runs_the_plan_from_the_browser(site, browser, shots):  # noqa: F811
    mailer, base, days = site
    plan = Plan(mailer)
    page = browser.new_page(viewport={"width": 1000, "height": 900}, locale="de-DE")
    log_in(page, base)
    page.screenshot(path=shots / "plan-1-uebersicht.png", full_page=True)
    main = page.locator("main").inner_text()
    assert "Einladung" in main and "an 3 verschickt" in main  # the next one's announcement

    # add a session, with two guests (the second row added without saving)
    added = days["soon"] - timedelta(days=1)  # inside the announcement's 14 days
    page.get_by_role("link", name="Termin anlegen").click()
    page.get_by_label("Datum").fill(added.isoformat())
    page.get_by_label("Thema", exact=True).fill("Haushalt 2025")
    page.get_by_label("Name (Gast 1)").fill("Anna Schmidt")
    page.get_by_label("Rolle (Gast 1)").fill("Kämmerin")
    page.get_by_label("Name (Gast 2)").fill("Max Muster")
    page.get_by_role("button", name="Weiteren Gast hinzufügen").click()
    page.get_by_label("Name (Gast 3)").fill("Eva Beispiel")
    plan.unchanged()
    assert page.get_by_label("Name (Gast 2)").input_value() == "Max Muster"
    page.screenshot(path=shots / "plan-2-anlegen.png", full_page=True)
    said = check_and_save(page, shots, "plan-2-anlegen", sends="Ankündigung an 3 Mitglieder")
    assert f"Gespeichert: Termin am {added} angelegt." in said
    plan.changed_by(AddSession(date=added, topic="Haushalt 2025", guests=(
        Guest("Anna Schmidt", "Kämmerin"), Guest("Max Muster"), Guest("Eva Beispiel"))))  # fmt: skip

    # edit the topic and a guest's role of the announced session
    open_session(
        page, base, days["soon"], "Thema, Gäste, Beschreibung, Uhrzeit oder Link bearbeiten"
    )
    page.get_by_label("Thema", exact=True).fill("Kommunalfinanzen: was jetzt zu tun ist")
    page.get_by_label("Rolle (Gast 1)").fill("Bündnis aus 64 Kommunen")
    said = check_and_save(page, shots, "plan-3-bearbeiten",
                          sends="Änderungsmitteilung an 3 Mitglieder beim nächsten Durchlauf",
                          readme="readme-admin-plan-pruefen.png")  # fmt: skip
    assert "geändert: Thema, Gäste" in said
    plan.changed_by(EditSession(session=days["soon"].isoformat(),
                                topic="Kommunalfinanzen: was jetzt zu tun ist",
                                guests=(Guest("Vertreter*innen des Aktionsbündnisses",
                                              "Bündnis aus 64 Kommunen"),)))  # fmt: skip
    assert notice(mailer, days["soon"]) == {"kind": "update", "members": 3}
    page.goto(base + "/admin/plan")  # the README's picture of the plan page
    box = page.locator("main").bounding_box()
    assert box is not None
    page.screenshot(
        path=shots / "readme-admin-plan.png",
        clip={"x": box["x"], "y": box["y"], "width": box["width"], "height": 760},
    )
    before = {m["Message-ID"] for m in sent_mails(mailer.root)}
    mailer("tick")
    sent = Counter("Geändert" in str(m["Subject"]) for m in new_mails(mailer, before))
    assert sent == {True: 3, False: 3}  # the updates, and the added session's announcements

    # a typo fixed, not worth a mail
    open_session(
        page, base, days["soon"], "Thema, Gäste, Beschreibung, Uhrzeit oder Link bearbeiten"
    )
    page.get_by_label("Thema", exact=True).fill("Kommunalfinanzen: was jetzt zu tun ist!")
    page.get_by_label("Keine Mail dazu verschicken (z. B. Tippfehler)").check()
    check_and_save(page, shots, "plan-4-ohne-mail", sends="Diese Änderung verschickt nichts.")
    plan.changed_by(EditSession(session=days["soon"].isoformat(),
                                topic="Kommunalfinanzen: was jetzt zu tun ist!"))  # fmt: skip
    assert notice(mailer, days["soon"]) is None
    assert mailer.json("tick", "--dry-run") == []

    # move a session a week
    moved = days["later"] + timedelta(days=7)
    open_session(page, base, days["later"], "Verschieben")
    page.get_by_label("Neues Datum").fill(f"{moved.day}.{moved.month}.{moved.year}")  # German
    said = check_and_save(page, shots, "plan-5-verschieben", sends="verschickt nichts")
    assert f"Termin vom {days['later']} auf den {moved} verschoben" in said
    plan.changed_by(MoveSession(session=days["later"].isoformat(), date=moved))
    assert f"moved_from: {days['later']}" in plan.text
    assert "verschoben vom" in page.locator("main").inner_text()

    # cancel one with a reason, then take it back
    open_session(page, base, days["far"], "Absagen")
    page.get_by_label("Grund (steht in der Absage)").fill("Die Technik streikt.")
    check_and_save(page, shots, "plan-6-absagen", sends="verschickt nichts")
    plan.changed_by(CancelSession(session=days["far"].isoformat(), reason="Die Technik streikt."))
    assert "abgesagt" in page.locator("main").inner_text()
    page.get_by_role("link", name="Absage zurücknehmen").click()
    check_and_save(page, shots, "plan-7-zuruecknehmen", sends="verschickt nichts")
    plan.changed_by(ReinstateSession(session=days["far"].isoformat()))

    # the recap of the session two days ago (Markdown, several lines)
    recap = "Danke an Julia Stolzenberger!\n\n- Die **Folien**: [PDF](https://example.org/f.pdf)"
    open_session(page, base, days["past"], "Nachbericht schreiben")
    page.get_by_label("Nachbericht (Markdown)").fill(recap)
    said = check_and_save(page, shots, "plan-8-nachbericht",
                          sends="Nachbericht an 3 Mitglieder beim nächsten Durchlauf")  # fmt: skip
    plan.changed_by(WriteRecap(session=days["past"].isoformat(), recap=recap))
    before = {m["Message-ID"] for m in sent_mails(mailer.root)}
    mailer("tick")
    recaps = new_mails(mailer, before)
    assert len(recaps) == 3 and all(
        "Folien" in m.get_body(("plain",)).get_content() for m in recaps
    )

    # remove the session added above, whose announcement went out: the page warns
    open_session(page, base, added, "Aus dem Plan entfernen")
    said = check_and_save(page, shots, "plan-9-entfernen",
                          sends="verschwindet ohne Absage aus dem Plan: 3 Mitglieder behalten"
                                " ihn im Kalender. Besser absagen.")  # fmt: skip
    assert f"Gespeichert: Termin am {added} entfernt." in said
    plan.changed_by(RemoveSession(session=added.isoformat()))

    # the series' settings
    page.goto(base + "/admin/plan")
    page.get_by_role("link", name="Einstellungen der Reihe").click()
    page.get_by_label("Beginn jedes Termins").fill("16:30")
    page.get_by_label("Anrede in den Mails").select_option("sie")
    page.screenshot(path=shots / "plan-10-reihe.png", full_page=True)
    check_and_save(page, shots, "plan-10-reihe", sends="Änderungsmitteilung an 3 Mitglieder")
    plan.changed_by(EditSeries(time="16:30", salutation="sie"))

    # a mistake is said on its field, and nothing is written
    open_session(
        page, base, days["soon"], "Thema, Gäste, Beschreibung, Uhrzeit oder Link bearbeiten"
    )
    page.get_by_label("Link zur Konferenz").fill("http://zoom.us/j/789")
    page.get_by_role("button", name="Prüfen").click()
    link = page.get_by_label("Link zur Konferenz")
    assert link.get_attribute("aria-invalid") == "true"
    assert (
        "ist kein Link, der mit https:// beginnt" in page.locator("#join_url-fehler").inner_text()
    )
    page.screenshot(path=shots / "plan-11-fehler.png", full_page=True)
    plan.unchanged()

    # the file changed by hand while the form was open: refused, nothing typed is lost
    open_session(
        page, base, days["far"], "Thema, Gäste, Beschreibung, Uhrzeit oder Link bearbeiten"
    )
    page.get_by_label("Thema", exact=True).fill("Hochwasserschutz in kleinen Gemeinden")
    page.get_by_role("button", name="Prüfen").click()
    page.get_by_role("heading", name="Was verschickt wird").wait_for()
    by_hand = plan.text.replace("topic: Hochwasserschutz", "topic: Hochwasser (von Hand)")
    mailer.config.write_text(by_hand, "utf-8")
    page.get_by_role("button", name="Speichern").click()
    page.get_by_role("heading", name="So steht es jetzt im Plan").wait_for()
    text = page.locator("main").inner_text()
    assert "wurde geändert, seit diese Seite angezeigt wurde" in text
    assert "Hochwasser (von Hand)" in text
    typed = page.get_by_label("Thema", exact=True).input_value()
    assert typed == "Hochwasserschutz in kleinen Gemeinden"
    page.screenshot(path=shots / "plan-12-konflikt.png", full_page=True)
    assert mailer.config.read_text("utf-8") == by_hand

    # undo the last change made through mailer: not while the hand edit stands (undoing
    # would lose it), then, with the hand edit taken out again, the series' change
    page.goto(base + "/admin/plan")
    assert "lässt sich nicht mehr rückgängig machen" in page.locator("main").inner_text()
    mailer.config.write_text(plan.text, "utf-8")
    page.goto(base + "/admin/plan")
    button = page.get_by_role("button", name="Letzte Änderung rückgängig machen: Reihe geändert")
    button.click()
    page.get_by_role("heading", name="So ändert sich schedule.yaml").wait_for()
    page.screenshot(path=shots / "plan-13-rueckgaengig.png", full_page=True)
    page.get_by_role("button", name="Rückgängig machen").click()
    assert "Rückgängig gemacht: Reihe geändert: Uhrzeit, Anrede." in page.get_by_role(
        "status").inner_text()  # fmt: skip
    assert 'time: "16:00"' in mailer.config.read_text("utf-8")

    page.get_by_role("link", name="Verlauf der Änderungen").click()
    history = page.locator("main").inner_text()
    assert history.count("\tadmin\tim Browser\t") == 10  # nine changes and the undo
    page.screenshot(path=shots / "plan-14-verlauf.png", full_page=True)
    page.close()


PLAN_PAGES = ("/admin/plan", "/admin/plan/termin/neu", "/admin/plan/reihe", "/admin/plan/verlauf")


def test_the_plan_pages_fit_a_phone_and_take_a_change(site, browser, shots):  # noqa: F811
    mailer, base, days = site
    plan = Plan(mailer)
    page = browser.new_page(viewport={"width": 375, "height": 800}, locale="de-DE")
    log_in(page, base)
    session_pages = [f"/admin/plan/termin/{days['soon']}/{part}" for part in
                     ("", "bearbeiten", "verschieben", "absagen", "nachbericht", "entfernen")]  # fmt: skip
    for path in (*PLAN_PAGES, *session_pages):
        page.goto(base + path.rstrip("/"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide on a 375 px phone"
    page.goto(base + "/admin/plan")
    page.screenshot(path=shots / "plan-telefon-1-uebersicht.png", full_page=True)
    open_session(
        page, base, days["soon"], "Thema, Gäste, Beschreibung, Uhrzeit oder Link bearbeiten"
    )
    page.get_by_label("Beginn").fill("17:00")
    page.get_by_label("Beschreibung").fill("Zwei Zeilen:\nHaushalt und Schulden.")
    page.screenshot(path=shots / "plan-telefon-2-bearbeiten.png", full_page=True)
    page.get_by_role("button", name="Prüfen").click()
    page.get_by_role("heading", name="So ändert sich schedule.yaml").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the preview is {width} px wide"
    page.screenshot(path=shots / "plan-telefon-3-pruefen.png", full_page=True)
    page.get_by_role("button", name="Speichern").click()
    page.get_by_role("status").wait_for()
    plan.changed_by(EditSession(session=days["soon"].isoformat(), time="17:00",
                                description="Zwei Zeilen:\nHaushalt und Schulden."))  # fmt: skip
    assert notice(mailer, days["soon"]) == {"kind": "update", "members": 3}
    assert read_plan_text(mailer.config).text == plan.text
    page.close()
