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
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailer.planfile import load_plan
from mailer.store import Store
from tests.conftest import Mailer, person_mail
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
