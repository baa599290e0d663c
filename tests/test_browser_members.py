"""The members in /admin, done as an organizer does them: in a real browser (Playwright
on Debian's chromium) against the real `mailer serve` process, by clicking and typing,
at a phone's width (375 px) and a desktop's. Search, filter and page through the list;
open a member, edit, unsubscribe, remove after the confirmation; add one with the
consent note, and be refused adding back someone who left until the new consent is
ticked; upload a list, read its preview, confirm it; download the export.

Each page is checked to fit the width (the page never scrolls sideways; wide tables
scroll inside their card), and screenshots land in MAILER_SCREENSHOTS (default: the
test's temp dir) to be looked at.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from mailer.store import Store
from tests.conftest import Mailer
from tests.test_browser import CHROMIUM, browser, shots  # noqa: F401  (fixtures)
from tests.webtools import PASSWORD, database_snapshot, served

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is missing (.ci/run installs it)"
)
WIDTHS = {"phone": {"width": 375, "height": 800}, "desktop": {"width": 1200, "height": 900}}
TOWNS = ["Musterstadt", "Übach-Palenberg", "Beispielhausen", "Großdorf"]


def member(mailer: Mailer, address: str):
    with Store(mailer.db) as store:
        return store.subscriber(address)


@pytest.fixture
def site(mailer: Mailer):
    """A list of 120 members (imported as the CLI does), and `mailer serve` on it."""
    rows = ["E-Mail;Vorname;Nachname;Kommune"]
    rows += [f"person{n:03}@example.org;Vorname{n:03};Nachname{n:03};{TOWNS[n % 4]}"
             for n in range(119)]  # fmt: skip
    rows.append(  # the longest on the first page: it must fit a phone too
        "aaa.buergermeisterin.mit.langem.namen@verbandsgemeinde-beispielstadt.example;"
        "Maximiliane-Henriette;von Langenhagen-Oberschleißheim;Verbandsgemeinde Beispielstadt"
    )
    listing = mailer.root / "start.csv"
    listing.write_text("\n".join(rows) + "\n", "utf-8")
    mailer("subscribers", "import", str(listing))
    with served(mailer) as base:
        yield mailer, base


def logged_in(browser, base: str, width: str):  # noqa: F811
    page = browser.new_page(viewport=WIDTHS[width], accept_downloads=True)
    page.goto(base + "/admin/")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Mitglieder", exact=True).click()
    page.get_by_role("heading", name="Mitglieder").wait_for()
    return page


def fits(page, width: str) -> None:
    """The page is no wider than the window: nothing hides off to the right."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= WIDTHS[width]["width"], f"{page.url} is {wide} px wide"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_search_filter_and_page_through_the_list(site, browser, shots, width):  # noqa: F811
    mailer, base = site
    mailer("subscribers", "unsubscribe", "person007@example.org")
    page = logged_in(browser, base, width)
    assert "120 Mitglieder" in page.get_by_role("status").inner_text()
    assert page.get_by_role("row").count() == 1 + 50
    page.screenshot(path=shots / f"mitglieder-liste-{width}.png")  # the first screen
    fits(page, width)
    page.get_by_role("link", name="Maximiliane-Henriette von Langenhagen-Oberschleißheim").click()
    page.get_by_role("heading", name="Verlauf der Zustimmung").wait_for()
    page.screenshot(path=shots / f"mitglied-lang-{width}.png", full_page=True)
    fits(page, width)
    page.go_back()

    page.get_by_role("link", name="Weiter").first.click()
    assert "Seite 2 von 3" in page.get_by_role("status").inner_text()
    assert page.get_by_role("row").filter(has_text="person049@example.org").count() == 1

    page.get_by_label("Name, Adresse oder Kommune").fill("übach nachname00")
    page.get_by_role("button", name="Suchen").click()
    rows = page.get_by_role("row").filter(has_text="Übach-Palenberg")
    assert rows.count() == 3  # person001, 005 and 009: Übach-Palenberg, Nachname00x
    assert "3 von 120 Mitgliedern" in page.get_by_role("status").inner_text()

    page.get_by_label("Name, Adresse oder Kommune").fill("")
    page.get_by_label("Status").select_option(label="abgemeldet (1)")
    page.get_by_role("button", name="Suchen").click()
    assert page.get_by_role("row").count() == 2
    assert page.get_by_role("row").filter(has_text="person007@example.org").count() == 1
    page.screenshot(path=shots / f"mitglieder-filter-{width}.png", full_page=True)
    fits(page, width)
    page.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_open_edit_unsubscribe_and_remove_a_member(site, browser, shots, width):  # noqa: F811
    mailer, base = site
    page = logged_in(browser, base, width)
    page.get_by_label("Name, Adresse oder Kommune").fill("person003")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name="Vorname003 Nachname003").click()
    page.get_by_role("heading", name="Vorname003 Nachname003").wait_for()
    assert "importiert aus start.csv" in page.inner_text("main")
    fits(page, width)

    page.get_by_role("link", name="Bearbeiten").click()
    page.get_by_label("Anrede").fill("Frau Bürgermeisterin")
    page.get_by_label("Kommune").fill("Neustadt an der Weinstraße")
    page.screenshot(path=shots / f"mitglied-bearbeiten-{width}.png", full_page=True)
    fits(page, width)
    page.get_by_role("button", name="Speichern").click()
    page.get_by_text("Gespeichert.").wait_for()
    found = member(mailer, "person003@example.org")
    assert (found.salutation, found.org) == ("Frau Bürgermeisterin", "Neustadt an der Weinstraße")
    assert "Kommune: Großdorf → Neustadt an der Weinstraße" in page.inner_text("main")

    page.get_by_role("button", name="Abmelden").click()
    page.get_by_text("Abgemeldet. Mails bekommt die Adresse").wait_for()
    assert member(mailer, "person003@example.org").status == "unsubscribed"
    assert "vom Orga-Team in /admin abgemeldet" in page.inner_text("main")  # the proof stays
    page.screenshot(path=shots / f"mitglied-{width}.png", full_page=True)
    fits(page, width)

    page.get_by_role("link", name="Löschen …").click()
    page.get_by_role("heading", name="person003@example.org löschen?").wait_for()
    said = page.inner_text("main")
    assert "2 Einträge im Verlauf der Zustimmung" in said  # imported, unsubscribed
    assert "2 Einträge im Protokoll von /admin" in said  # edited, unsubscribed
    assert "0 Mails an die Adresse" in said
    page.screenshot(path=shots / f"mitglied-loeschen-{width}.png", full_page=True)
    fits(page, width)
    assert member(mailer, "person003@example.org") is not None  # the page changed nothing
    page.get_by_role("button", name="Endgültig löschen").click()
    page.get_by_role("heading", name="Gelöscht").wait_for()
    assert member(mailer, "person003@example.org") is None
    with Store(mailer.db) as store:
        assert store.consent_log("person003@example.org") == []
    page.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_add_with_consent_and_no_way_back_without_new_consent(site, browser, shots, width):  # noqa: F811
    mailer, base = site
    mailer("subscribers", "unsubscribe", "person010@example.org")
    page = logged_in(browser, base, width)
    page.get_by_role("link", name="Mitglied eintragen").click()
    page.get_by_label("E-Mail-Adresse").fill("anna@beispielstadt.example")
    page.get_by_label("Wie hat die Person zugestimmt?").fill("Visitenkarte beim Treffen")
    page.get_by_label("Vorname").fill("Anna")
    page.get_by_label("Nachname").fill("Schmidt")
    page.get_by_label("Kommune").fill("Beispielstadt")
    page.screenshot(path=shots / f"mitglied-eintragen-{width}.png", full_page=True)
    fits(page, width)
    page.get_by_role("button", name="Eintragen").click()
    page.get_by_text("anna@beispielstadt.example ist jetzt im Verteiler.").wait_for()
    anna = member(mailer, "anna@beispielstadt.example")
    assert (anna.status, anna.name) == ("active", "Anna Schmidt")
    assert anna.consent_source == "added by the organizer on the web: Visitenkarte beim Treffen"

    page.get_by_role("link", name="Alle Mitglieder").click()
    page.get_by_role("link", name="Mitglied eintragen").click()
    page.get_by_label("E-Mail-Adresse").fill("person010@example.org")
    page.get_by_label("Wie hat die Person zugestimmt?").fill("Anruf")
    page.get_by_role("button", name="Eintragen").click()
    refusal = page.locator("#email-fehler")
    refusal.wait_for()
    assert "person010@example.org: abgemeldet am" in refusal.inner_text()
    assert "Nur mit neuer Zustimmung wieder aufnehmen" in refusal.inner_text()
    page.screenshot(path=shots / f"mitglied-abgelehnt-{width}.png", full_page=True)
    fits(page, width)
    assert member(mailer, "person010@example.org").status == "unsubscribed"

    page.get_by_label("Wie hat die Person zugestimmt?").fill("per Mail vom 3. 9. 2023")
    page.get_by_label("Auch wenn die Adresse sich abgemeldet hatte").check()
    page.get_by_role("button", name="Eintragen").click()
    page.get_by_text("person010@example.org ist wieder im Verteiler").wait_for()
    assert member(mailer, "person010@example.org").status == "active"
    page.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_import_shows_what_it_would_do_before_it_does_it(site, browser, shots, width):  # noqa: F811
    mailer, base = site
    mailer("subscribers", "unsubscribe", "person020@example.org")
    upload = mailer.root / "neue-mitglieder.csv"
    rows = [
        "E-Mail;Name;Kommune;Telefon",
        "person001@example.org;Schon Da;X;1",
        "person020@example.org;Ausgetreten;X;2",
        "kaputt.example.org;Kaputt;X;3",
    ]
    rows += [f"neu{n:04}@example.org;Neu {n};Neudorf;4" for n in range(3000)]  # > 64 KiB
    upload.write_text("\n".join(rows) + "\n", "utf-8")
    assert upload.stat().st_size > 64 * 1024

    page = logged_in(browser, base, width)
    page.get_by_role("link", name="Liste hochladen").click()
    page.get_by_label("CSV-Datei").set_input_files(str(upload))
    before = database_snapshot(mailer.db)
    page.get_by_role("button", name="Prüfen").click()
    summary = page.get_by_role("status")
    summary.wait_for()
    assert summary.inner_text() == (
        "3000 neu, 1 schon da, 1 nach Abmeldung ausgelassen, 1 fehlerhafte Zeile"
    )
    said = page.inner_text("main")
    assert "Zeile 1: Die Spalte „Telefon“ kennt mailer nicht" in said
    assert (
        "Zeile 4: „kaputt.example.org“ ist keine gültige E-Mail-Adresse (es fehlt das @)." in said
    )
    assert "Zeile 3: person020@example.org: abgemeldet am" in said
    assert database_snapshot(mailer.db) == before  # nothing written before the confirmation
    page.screenshot(path=shots / f"import-vorschau-{width}.png", full_page=True)
    fits(page, width)

    page.get_by_role("button", name="3000 Mitglieder eintragen").click()
    page.get_by_role("heading", name="neue-mitglieder.csv übernommen").wait_for()
    assert page.get_by_role("status").inner_text().startswith("3000 eingetragen, 1 schon da")
    page.screenshot(path=shots / f"import-fertig-{width}.png", full_page=True)
    assert member(mailer, "neu2999@example.org").consent_source == (
        "imported from neue-mitglieder.csv"
    )
    assert member(mailer, "person020@example.org").status == "unsubscribed"
    page.close()


def test_export_downloads_the_clis_file(site, browser, tmp_path: Path):  # noqa: F811
    mailer, base = site
    page = logged_in(browser, base, "desktop")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Liste herunterladen (CSV)").click()
    download = waiting.value
    assert download.suggested_filename.startswith("mitglieder-")
    saved = tmp_path / "export.csv"
    download.save_as(saved)
    assert saved.read_bytes() == mailer("subscribers", "export").stdout_bytes
    rows = list(csv.reader(io.StringIO(saved.read_text("utf-8"))))
    assert len(rows) == 1 + 120
    page.close()
