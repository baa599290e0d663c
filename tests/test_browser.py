"""What a person clicks, in a real browser: Playwright for Python driving Debian's
chromium (never a downloaded one) against the real `mailer serve` process.

Sign-up -> the confirmation mail the real tick wrote -> confirm; answer by click;
unsubscribe with the button; the organizer logs in and refiles a misread reply. The
screenshots land in MAILER_SCREENSHOTS (default: the test's temp dir) to be looked at.
"""

from __future__ import annotations

import mailbox
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailer import runs
from mailer.planfile import load_plan
from mailer.store import Store
from tests.broken_plan import BROKEN, SENTENCE
from tests.conftest import STARTER, Mailer, person_mail
from tests.webtools import PASSWORD, link_in, sent_mails, served

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is missing (.ci/run installs it)"
)
FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MAILER_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def site(mailer: Mailer):
    with served(mailer) as base:
        yield mailer, base


def member(mailer: Mailer, address: str):
    with Store(mailer.db) as store:
        return store.subscriber(address)


def test_sign_up_confirm_answer_and_leave(site, browser, shots):
    mailer, base = site
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label("E-Mail-Adresse").fill("anna@example.org")
    page.get_by_label("Name (freiwillig)").fill("Anna Schmidt")
    page.get_by_label("Kommune (freiwillig)").fill("Musterstadt")
    page.screenshot(path=shots / "1-anmelden.png", full_page=True)
    page.wait_for_timeout(3200)  # a person takes longer than the bot guard's 3 seconds
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Fast geschafft").wait_for()
    assert member(mailer, "anna@example.org").status == "pending"

    assert "sent 1" in mailer("tick").output  # the real tick, the real clock
    (mail,) = sent_mails(mailer.root)
    page.goto(link_in(mail, rf"{re.escape(base)}/bestaetigen/\S+"))
    page.screenshot(path=shots / "2-bestaetigen.png", full_page=True)
    assert member(mailer, "anna@example.org").status == "pending"  # opening changed nothing
    page.get_by_role("button", name="Anmeldung bestätigen").click()
    page.get_by_role("heading", name="Willkommen!").wait_for()
    anna = member(mailer, "anna@example.org")
    assert anna.status == "active"

    upcoming = load_plan(mailer.config).sessions_from(datetime.now(UTC), 62)[0]
    page.goto(f"{base}/zusage/{anna.id}-{anna.token}/{upcoming.key}/ja")
    page.screenshot(path=shots / "3-zusage.png", full_page=True)
    page.get_by_role("button", name="Ja, ich bin dabei").click()
    page.get_by_role("heading", name="Danke!").wait_for()
    (answer,) = mailer.json("rsvps")
    assert (answer["answer"], answer["via"]) == ("accepted", "web")

    page.goto(f"{base}/abmelden/{anna.id}-{anna.token}")
    page.screenshot(path=shots / "4-abmelden.png", full_page=True)
    assert member(mailer, "anna@example.org").status == "active"
    page.get_by_role("button", name="Ganz abmelden").click()
    page.get_by_role("heading", name="Abgemeldet").wait_for()
    page.screenshot(path=shots / "5-abgemeldet.png", full_page=True)
    assert member(mailer, "anna@example.org").status == "unsubscribed"
    page.close()


def test_the_keyboard_reaches_the_form_in_reading_order(site, browser):
    _, base = site
    page = browser.new_page()
    page.goto(base + "/")
    reached = []
    for _ in range(9):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.getAttribute('name') || e.textContent.trim(); }"
        ))  # fmt: skip
    assert reached == ["Zum Inhalt springen", "Digital-Impuls", "Anmelden", "Archiv",
                       "Kalender (.ics)", "email", "name", "org", "Anmelden"]  # fmt: skip
    # Every field a person fills in has a label that names it; the honeypot is not reachable.
    unlabeled = page.evaluate(
        "() => [...document.querySelectorAll('input:not([type=hidden])')]"
        ".filter(e => !e.labels.length).map(e => e.name)"
    )
    assert unlabeled == []
    page.close()


def test_the_organizer_logs_in_and_refiles_a_misread_reply(site, browser, shots):
    mailer, base = site
    mailer.add("ben@example.org")
    inbox = mailbox.Maildir(mailer.root / "inbox", create=True)
    inbox.add(person_mail("ben@example.org", "abmelden", "abmelden"))
    mailer("poll")
    assert member(mailer, "ben@example.org").status == "unsubscribed"

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(base + "/admin/")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.screenshot(path=shots / "6-login.png")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Die nächsten Termine").wait_for()
    page.screenshot(path=shots / "7-uebersicht.png", full_page=True)
    page.get_by_role("link", name="Antworten").click()
    row = page.get_by_role("row").filter(has_text="ben@example.org")
    row.get_by_label("Neu einordnen als").select_option("suggestion")
    page.screenshot(path=shots / "8-antworten.png", full_page=True)
    row.get_by_role("button", name="Einordnen").click()
    page.get_by_role("heading", name="Neu eingeordnet").wait_for()
    assert member(mailer, "ben@example.org").status == "active"
    page.get_by_role("link", name="Zurück zu den Antworten").click()
    page.get_by_role("button", name="Ausloggen").click()
    page.get_by_label("Passwort").wait_for()
    page.close()


def test_the_organizers_pages_fit_a_phone(site, browser, shots):
    """Wide tables (long addresses, the outbox, the newsletters) scroll inside their card;
    the page itself never grows wider than a 375 px phone."""
    mailer, base = site
    mailer.add("buergermeisterin.mit.langem.namen@verbandsgemeinde-beispielstadt.example")
    letter = mailer.root / "rundbrief.md"
    letter.write_text("---\nsubject: Sommergrüße aus dem Orga-Team\n---\nHallo!\n", "utf-8")
    mailer("newsletter", "schedule", str(letter), "--at", "2023-08-21T10:00", "--now",
           "2023-08-20T10:00")  # fmt: skip
    mailer("tick", "--now", "2023-08-21T10:00")

    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(base + "/admin/")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Rundbriefe").wait_for()
    page.screenshot(path=shots / "9-uebersicht-telefon.png", full_page=True)
    assert page.get_by_role("row").filter(has_text="verbandsgemeinde").count() == 1  # outbox
    assert page.get_by_role("row").filter(has_text="Sommergrüße").count() == 1
    for path in ("/admin/", "/admin/antworten", "/admin/mitglieder"):
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide on a 375 px phone"
    page.close()


# -- the cockpit around the plan and the members (issue 24) -----------------------------

PHONE, DESKTOP = {"width": 375, "height": 800}, {"width": 1200, "height": 900}


def log_in_as(page, base: str, name: str = "admin", password: str = PASSWORD) -> None:
    page.goto(base + "/admin/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Ausloggen").wait_for()
    page.wait_for_load_state("load")  # the stylesheet too: colours are looked at


def fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_organizer_sees_a_stopped_daemon_and_a_broken_plan_in_red_words(
    mailer, browser, shots, viewport
):
    mailer.add("anna@example.org")
    with served(mailer) as base:
        three_hours_ago = datetime.now(UTC) - timedelta(hours=3)
        with Store(mailer.db) as store, store.transaction():
            runs.started(store.conn, runs.TICK, runs.DAEMON, three_hours_ago)
            runs.finished(store.conn, runs.TICK, runs.DAEMON, three_hours_ago, runs.OK, "sent 0")
        page = browser.new_page(viewport=viewport)
        log_in_as(page, base)
        stopped = page.locator(".health li.alarm").filter(has_text="Der Versand läuft nicht")
        assert "der letzte Versand-Durchlauf war vor 3 Stunden" in stopped.inner_text()
        assert stopped.evaluate("e => getComputedStyle(e).color") != page.locator(
            ".health li:not(.alarm)"
        ).first.evaluate("e => getComputedStyle(e).color")
        name = viewport["width"]
        page.screenshot(path=shots / f"10-zustand-{name}.png", full_page=True)
        fits(page, viewport["width"])

        mailer.write_plan(BROKEN + f"\nweb:\n  base_url: {base}\n")  # a slip in a hand edit
        page.reload()
        problem = page.get_by_role("alert")
        assert SENTENCE in problem.inner_text()
        page.screenshot(path=shots / f"11-plan-kaputt-{name}.png", full_page=True)
        fits(page, viewport["width"])
        for link in ("Mitglieder", "Antworten", "Protokoll"):
            page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
                "link", name=link).click()  # fmt: skip
            page.get_by_role("heading", level=1).first.wait_for()
            assert SENTENCE in page.locator(".health").inner_text(), link
            fits(page, viewport["width"])
        page.screenshot(path=shots / f"12-protokoll-plan-kaputt-{name}.png", full_page=True)
        page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_organizer_marks_an_idea_done_and_finds_it_in_the_protokoll(
    mailer, browser, shots, viewport
):
    mailer("admin", "add", "Anna Schmidt", input="Annas eigenes Passwort 2023\n")
    mailer.add("ben@example.org")
    inbox = mailbox.Maildir(mailer.root / "inbox", create=True)
    inbox.add(person_mail("ben@example.org", "Thema", "Wie wäre es mit Radwegen?"))
    mailer("poll")
    mailer("session", "edit", "2023-09-07", "--topic", "Wärmeplanung: was jetzt zu tun ist",
           "--by", "Ben Beispiel")  # fmt: skip
    with served(mailer) as base:
        page = browser.new_page(viewport=viewport)
        log_in_as(page, base, "Anna Schmidt", "Annas eigenes Passwort 2023")
        page.get_by_role("link", name="Antworten").click()
        page.get_by_role("button", name="Als erledigt markieren").click()
        page.get_by_role("button", name="Wieder offen").wait_for()
        page.get_by_role("link", name="Protokoll").click()
        page.get_by_role("heading", name="Protokoll").wait_for()
        rows = page.get_by_role("row")
        newest, older = rows.nth(1).inner_text(), rows.nth(2).inner_text()
        assert "Anna Schmidt" in newest and "Themenvorschlag erledigt" in newest
        assert "ben@example.org" in newest and "Browser" in newest
        assert "Ben Beispiel" in older and "Termin am 2023-09-07 geändert: Thema" in older
        assert "Befehlszeile" in older
        page.screenshot(path=shots / f"13-protokoll-{viewport['width']}.png", full_page=True)
        fits(page, viewport["width"])
        page.close()


@pytest.mark.parametrize(
    ("form", "viewport"),
    [("du", PHONE), ("sie", DESKTOP)],
    ids=["du-phone", "sie-desktop"],
)
def test_a_visitor_reads_imprint_and_privacy_from_any_page_in_the_series_register(
    mailer, browser, shots, form, viewport
):
    plan = STARTER.replace(
        "  timezone: Europe/Berlin\n", f"  timezone: Europe/Berlin\n  salutation: {form}\n"
    )
    mailer("init")  # writes datenschutz.md beside the plan (schedule.yaml stays)
    with served(mailer, plan=plan) as base:
        page = browser.new_page(viewport=viewport)
        page.goto(base + "/")
        intro = page.get_by_role("region", name="Einladungen per Mail bekommen").inner_text()
        assert (
            "Tragen Sie Ihre Adresse ein" if form == "sie" else "Trag deine Adresse ein"
        ) in intro
        page.screenshot(path=shots / f"14-start-{form}-{viewport['width']}.png", full_page=True)
        footer = page.get_by_role("navigation", name="Rechtliches")
        footer.get_by_role("link", name="Datenschutz").click()
        page.get_by_role("heading", name="Datenschutzerklärung").wait_for()
        assert page.get_by_role("heading", name="Nachweis der Einwilligung").count() == 1
        page.screenshot(path=shots / f"15-datenschutz-{viewport['width']}.png", full_page=True)
        fits(page, viewport["width"])
        page.get_by_role("navigation", name="Rechtliches").get_by_role(
            "link", name="Impressum").click()  # fmt: skip
        page.get_by_role("heading", name="Impressum").wait_for()
        assert "Musterstraße 1, 10115 Berlin" in page.locator("main").inner_text()
        page.screenshot(path=shots / f"16-impressum-{viewport['width']}.png", full_page=True)
        fits(page, viewport["width"])
        page.close()
